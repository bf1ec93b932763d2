/* test_process.c: graded tests for lesson 01 — fork, exec, wait and exit codes. */
#include "hako_test.h"
#include "hako.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Run `hako run ARGS...` (at most 8 words) with INPUT on stdin. */
static void hako_run_words(struct hako_run *r, const char *input, const char *a0, const char *a1,
                           const char *a2, const char *a3)
{
	char *argv[] = {
	    (char *)hako_prog("hako"), "run", (char *)a0, (char *)a1, (char *)a2, (char *)a3, NULL};
	check_that(hako_run_argv(argv, input, 5000, r) == 0, "could not start %s", argv[0]);
	check_that(!r->timed_out, "hako run %s did not finish within 5 s", a0);
}

/* A real wait status: a child that exits with CODE, or is killed by SIG when SIG != 0. */
static int real_status(int code, int sig)
{
	int wstatus;
	pid_t pid = fork();

	check_that(pid >= 0, "fork failed");
	if (pid == 0) {
		if (sig)
			raise(sig);
		_exit(code);
	}
	check_that(waitpid(pid, &wstatus, 0) == pid, "waitpid failed");
	return wstatus;
}

/* This test checks that process_exit_code() returns a child's own exit status, and -EINVAL
 * for a status that is neither "exited" nor "killed" (a child stopped by a signal, as
 * waitpid(WUNTRACED) reports it). */
static void test_process_exit_code_exited(void **state)
{
	for (int i = 0; i < 5; i++) {
		int code = (int)hako_rand_range(0, 255);
		char what[64];
		snprintf(what, sizeof(what), "process_exit_code() for a child that exited %d",
		         code);
		check_int(process_exit_code(real_status(code, 0)), code, what);
	}
	pid_t pid = fork();
	int wstatus = 0;
	check_that(pid >= 0, "fork failed");
	if (pid == 0) {
		raise(SIGSTOP);
		_exit(0);
	}
	check_that(waitpid(pid, &wstatus, WUNTRACED) == pid && WIFSTOPPED(wstatus),
	           "waitpid(WUNTRACED) did not report the child stopped");
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	check_int(process_exit_code(wstatus), -EINVAL,
	          "process_exit_code() for a child stopped by SIGSTOP (neither exited nor killed)");
}

/* This test checks that process_exit_code() reports 128 + N for a child killed by signal N. */
static void test_process_exit_code_signaled(void **state)
{
	static const int sigs[] = {SIGHUP, SIGINT, SIGKILL, SIGUSR1, SIGUSR2, SIGTERM, SIGALRM};
	for (int i = 0; i < 4; i++) {
		int sig = sigs[hako_rand() % (sizeof(sigs) / sizeof(sigs[0]))];
		char what[80];
		snprintf(what, sizeof(what), "process_exit_code() for a child killed by %s",
		         strsignal(sig));
		check_int(process_exit_code(real_status(0, sig)), 128 + sig, what);
	}
}

/* This test checks that process_run() runs the command and returns its exit code, for a
 * path and for a bare name that is searched for in PATH, as a shell does. */
static void test_process_run_returns_code(void **state)
{
	int code = (int)hako_rand_range(1, 120);
	char script[32];
	snprintf(script, sizeof(script), "exit %d", code);
	char *argv[] = {"/bin/sh", "-c", script, NULL};

	check_int(process_run(argv), code, "process_run({\"/bin/sh\", \"-c\", \"exit N\"})");
	argv[0] = "sh";
	check_int(process_run(argv), code,
	          "process_run({\"sh\", \"-c\", \"exit N\"}) (a bare name: found through PATH)");
}

/* This test checks that process_run() waits for its own child, not for whichever child ends
 * first: another child of the caller that has already ended is left for the caller to reap. */
static void test_process_run_waits_for_its_child(void **state)
{
	int code = (int)hako_rand_range(1, 120), other_code = (int)hako_rand_range(121, 200);
	int wstatus = 0;
	char script[48];

	/* A child of ours that ends at once, before the command does. */
	pid_t other = fork();
	check_that(other >= 0, "fork failed");
	if (other == 0)
		_exit(other_code);
	siginfo_t si;
	check_that(waitid(P_PID, other, &si, WEXITED | WNOWAIT) == 0, "waitid failed");
	snprintf(script, sizeof(script), "sleep 0.2; exit %d", code);
	char *argv[] = {"/bin/sh", "-c", script, NULL};
	int got = process_run(argv);
	pid_t w = waitpid(other, &wstatus, WNOHANG);

	check_int(got, code,
	          "process_run({\"/bin/sh\", \"-c\", \"sleep 0.2; exit N\"}) while another child "
	          "of the caller had ended");
	check_that(w == other && WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == other_code,
	           "the caller's other child (pid %d) was reaped by process_run(): wait for the "
	           "pid fork() returned, with waitpid(pid, ...)",
	           (int)other);
}

/* This test checks that process_run() flushes our stdio buffers before fork(): text printed
 * before the command, but still in stdout's buffer, comes out before the command's output. */
static void test_process_run_flushes_first(void **state)
{
	char *dir = hako_tmpdir(), path[512], mark[24], child[24], script[64], expect[64];
	char got[128] = "";

	hako_rand_name(mark, 16);
	hako_rand_name(child, 16);
	snprintf(path, sizeof(path), "%s/stdout", dir);
	snprintf(script, sizeof(script), "echo %s", child);
	char *argv[] = {"/bin/sh", "-c", script, NULL};

	/* Point fd 1 at a file for the duration of the call. */
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	check_that(fd >= 0, "open %s failed", path);
	fflush(stdout);
	int saved = dup(1);
	check_that(saved >= 0 && dup2(fd, 1) == 1, "dup2 failed");
	close(fd);
	printf("%s", mark); /* no newline: it stays in stdout's buffer */
	int code = process_run(argv);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);

	FILE *f = fopen(path, "r");
	size_t n = f ? fread(got, 1, sizeof(got) - 1, f) : 0;
	got[n] = '\0';
	if (f)
		fclose(f);
	hako_rm_rf(dir);
	free(dir);
	check_int(code, 0, "process_run({\"/bin/sh\", \"-c\", \"echo TEXT\"})");
	snprintf(expect, sizeof(expect), "%s%s\n", mark, child);
	check_str(got, expect,
	          "stdout: our unflushed text, then the command's (call fflush(NULL) before fork)");
}

/* This test checks that `hako run` exits with the command's own exit code. */
static void test_process_hako_exit_code(void **state)
{
	struct hako_run r;
	int code = (int)hako_rand_range(1, 120);
	char script[32];

	snprintf(script, sizeof(script), "exit %d", code);
	hako_run_words(&r, NULL, "/bin/sh", "-c", script, NULL);
	check_exit(&r, code, "exit code of `hako run /bin/sh -c 'exit N'`");
	hako_run_free(&r);
}

/* This test checks that the command's stdout and stderr reach hako's, byte for byte, and that
 * it reads hako's stdin. */
static void test_process_output_passes_through(void **state)
{
	struct hako_run r;
	char out[24], err[24], in[24], expect[64];

	hako_rand_name(out, 16);
	hako_rand_name(err, 16);
	hako_rand_name(in, 16);
	snprintf(expect, sizeof(expect), "%s\n%s", out, in);
	char script[128];
	snprintf(script, sizeof(script), "echo %s; echo %s >&2; cat", out, err);
	hako_run_words(&r, in, "/bin/sh", "-c", script, NULL);
	check_str(r.out, expect, "stdout of the command (its echo, then what cat read)");
	check_int(strncmp(r.err, err, strlen(err)), 0, "stderr starts with the command's text");
	check_exit(&r, 0, "exit code");
	hako_run_free(&r);
}

/* This test checks that a command killed by signal N makes hako exit with 128 + N. */
static void test_process_hako_signal_code(void **state)
{
	static const int sigs[] = {SIGINT, SIGKILL, SIGUSR1, SIGTERM};
	int sig = sigs[hako_rand() % 4];
	struct hako_run r;
	char script[32];

	snprintf(script, sizeof(script), "kill -%d $$", sig);
	hako_run_words(&r, NULL, "/bin/sh", "-c", script, NULL);
	check_exit(&r, 128 + sig, "exit code of a command that killed itself");
	hako_run_free(&r);
}

/* This test checks that an unknown command exits 127 with bash's "command not found". */
static void test_process_not_found(void **state)
{
	struct hako_run r;
	char name[24], expect[64];

	hako_rand_name(name, 12);
	/* A PATH folder this user may not search makes execvp fail with EACCES, not ENOENT (as
	 * under `su` with root's PATH): search only folders everyone may. */
	setenv("PATH", "/usr/local/bin:/usr/bin:/bin", 1);
	hako_run_words(&r, NULL, name, NULL, NULL, NULL);
	check_exit(&r, 127, "exit code for a command that does not exist");
	snprintf(expect, sizeof(expect), "%s: command not found", name);
	check_contains(r.err, expect, "stderr");
	hako_run_free(&r);
}

/* This test checks that a file without execute permission exits 126 with the reason. */
static void test_process_not_executable(void **state)
{
	struct hako_run r;
	char *dir = hako_tmpdir(), path[512];

	snprintf(path, sizeof(path), "%s/script", dir);
	hako_write_file(path, "#!/bin/sh\necho should not run\n");
	chmod(path, 0644);
	hako_run_words(&r, NULL, path, NULL, NULL, NULL);
	hako_rm_rf(dir);
	free(dir);
	check_exit(&r, 126, "exit code for a file that is not executable");
	check_contains(r.err, "Permission denied", "stderr");
	check_that(strstr(r.out, "should not run") == NULL, "the script ran anyway");
	hako_run_free(&r);
}

HAKO_TEST_MAIN(HAKO_TEST(test_process_exit_code_exited), HAKO_TEST(test_process_exit_code_signaled),
               HAKO_TEST(test_process_run_returns_code),
               HAKO_TEST(test_process_run_waits_for_its_child),
               HAKO_TEST(test_process_run_flushes_first), HAKO_TEST(test_process_hako_exit_code),
               HAKO_TEST(test_process_output_passes_through),
               HAKO_TEST(test_process_hako_signal_code), HAKO_TEST(test_process_not_found),
               HAKO_TEST(test_process_not_executable))
