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
	/// TODO(01): Return the exit code a shell would report for WSTATUS, as the comment above
	///   says, and -EINVAL for a status that is neither case. The macros that read a wait
	///   status are in wait(2). README, task 1.
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
	/// TODO(01): Replace this process with ARGV[0], found through PATH (see execvp(3)). If
	///   that fails, report it like bash and exit:
	///     - the command does not exist: the message must be "hako: NAME: command not found"
	///       on stderr, and the exit code 127;
	///     - any other reason: "hako: NAME: " and the reason in words (strerror(3)), exit 126.
	///   This runs in a forked copy of hako: end it with _exit(2), not exit(3) (the README's
	///   "Where the output goes" says why). README, task 2.
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
	/// TODO(01): Run ARGV in a child process (process_exec() above) and wait for that
	///   child. Return process_exit_code() of its status, or -errno if the child cannot be
	///   made or waited for. See fork(2) and waitpid(2); the README explains the two traps
	///   (text still buffered when you fork, a wait cut short by a signal). README, task 3.
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
