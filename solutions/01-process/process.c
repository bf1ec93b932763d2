/* process.c: lesson 01 — run a command as a child process: fork, exec, wait. */
#include "hako.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * Turn a wait status (see wait(2)) into the exit code a shell reports for the command:
 * its exit status if it exited, 128 + N if signal N killed it. -EINVAL for anything else.
 */
int process_exit_code(int wstatus)
{
	/// TODO(01): Decode WSTATUS with the macros of wait(2):
	///   WIFEXITED(wstatus)   -> the command exited: return WEXITSTATUS(wstatus)
	///   WIFSIGNALED(wstatus) -> a signal killed it: return 128 + WTERMSIG(wstatus)
	///   anything else        -> return -EINVAL
	/// BEGIN SOLUTION
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return -EINVAL;
	/// END SOLUTION
	/// STUB: return -ENOSYS;
}

/*
 * Replace this process with ARGV[0], searched in PATH like a shell does. Only returns to
 * report a failure, so it never returns: "command not found" exits 127, a file that exists
 * but cannot be executed exits 126. The messages follow bash's.
 */
void process_exec(char **argv)
{
	/// TODO(01): Call execvp(3). If it returns, it failed; errno says why:
	///   ENOENT -> print "hako: NAME: command not found" and _exit(127)
	///             (if NAME contains a '/', bash says "No such file or directory")
	///   other  -> print "hako: NAME: " and strerror(errno), then _exit(126)
	/// Use _exit(), not exit(): this is a forked copy of hako, and exit() would flush
	/// hako's stdio buffers a second time.
	/// BEGIN SOLUTION
	execvp(argv[0], argv);
	int err = errno;
	if (err == ENOENT) {
		if (strchr(argv[0], '/'))
			fprintf(stderr, "hako: %s: No such file or directory\n", argv[0]);
		else
			fprintf(stderr, "hako: %s: command not found\n", argv[0]);
		_exit(127);
	}
	fprintf(stderr, "hako: %s: %s\n", argv[0], strerror(err));
	_exit(126);
	/// END SOLUTION
	/// STUB: _exit(1);
}

/*
 * Run ARGV as a child process and wait for it. The child inherits stdin, stdout and stderr,
 * so its output goes straight to ours. Returns its exit code (process_exit_code), or a
 * negative errno if fork or wait failed.
 */
int process_run(char **argv)
{
	/// TODO(01): The three calls every process launcher makes:
	///   1. fork(2). On failure return -errno.
	///   2. In the child (fork returned 0): process_exec(argv).
	///   3. In the parent: waitpid(2) for that child, trying again if it fails with
	///      EINTR, then return process_exit_code(wstatus).
	/// Call fflush(NULL) before fork, or text still in our buffers is printed twice.
	/// BEGIN SOLUTION
	int wstatus;

	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0)
		process_exec(argv);
	while (waitpid(pid, &wstatus, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return process_exit_code(wstatus);
	/// END SOLUTION
	/// STUB: return -ENOSYS;
}
