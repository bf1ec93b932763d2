/* init.c: lesson 03 — the container's PID 1: start the workload, reap orphans, pass signals on. */
#include "hako.h"

#include <errno.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static void ignore(int sig)
{
	(void)sig;
}

/* Block SIGCHLD and the signals we forward, with a do-nothing handler (PID 1 never gets a
 * signal whose handler is SIG_DFL from inside its namespace). OLD receives the old mask. */
static void block_signals(sigset_t *set, sigset_t *old)
{
	static const int sigs[] = {SIGCHLD, SIGTERM, SIGINT, SIGHUP};
	struct sigaction sa = {.sa_handler = ignore};

	sigemptyset(set);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		sigaddset(set, sigs[i]);
		sigaction(sigs[i], &sa, NULL);
	}
	sigprocmask(SIG_BLOCK, set, old);
}

/* Wait for PID, passing on forwarded signals; reap any other child too (when REAP_ALL).
 * Returns PID's exit code. */
static int supervise(pid_t pid, const sigset_t *set, bool reap_all)
{
	for (;;) {
		siginfo_t si;
		int wstatus;
		pid_t w;

		while ((w = waitpid(reap_all ? -1 : pid, &wstatus, WNOHANG)) > 0)
			if (w == pid)
				return process_exit_code(wstatus);
		if (w < 0 && errno != EINTR)
			return -errno;
		if (sigwaitinfo(set, &si) < 0)
			continue;
		if (si.si_signo != SIGCHLD)
			kill(pid, si.si_signo);
	}
}

int init_main(char **argv)
{
	sigset_t set, old;

	block_signals(&set, &old);
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		signal(SIGCHLD, SIG_DFL);
		process_exec(argv);
	}
	return supervise(pid, &set, true);
}

int container_wait(pid_t pid)
{
	sigset_t set, old;

	block_signals(&set, &old);
	int code = supervise(pid, &set, false);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return code;
}
