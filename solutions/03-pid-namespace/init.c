/* init.c: lesson 03 — the container's PID 1: start the workload, reap orphans, pass signals on. */
#include "hako.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * Who is who inside the container (PIDs as the new PID namespace numbers them):
 *
 *   hako (outside)  --clone(CLONE_NEWPID)-->  PID 1: init_main()   <- this file
 *     container_wait()                           | fork + exec
 *                                                v
 *                                            PID 2: the workload (CMD)
 *                                                | fork, then exits
 *                                                v
 *                                            PID 3: an orphan -> reparented to PID 1
 *
 * PID 1 has three duties, the same ones `docker run --init` (tini) takes on:
 *   - reap every child, its own and orphans, or they stay as zombies;
 *   - pass SIGTERM, SIGINT and SIGHUP on to the workload;
 *   - exit with the workload's exit code when the workload ends.
 */

/* The signals passed on to the workload: sent by `docker stop` / `kill` (TERM), Ctrl-C (INT)
 * and a closed terminal (HUP). */
static const int forwarded[] = {SIGTERM, SIGINT, SIGHUP};
#define N_FORWARDED (sizeof(forwarded) / sizeof(forwarded[0]))

/* A handler that does nothing. The kernel drops a signal sent to a namespace's PID 1 when its
 * action is the default one, even from outside the namespace; with a handler installed, and
 * the signal blocked, it stays pending until sigwaitinfo() takes it. */
static void on_signal(int sig)
{
}

/*
 * Put SIGCHLD and the forwarded signals into SET, give each a do-nothing handler, and block
 * them. A blocked signal is not delivered: it stays pending until sigwaitinfo(SET) takes it,
 * so none is lost between two calls and no handler runs in the middle of our code. OLD (if
 * not NULL) receives the previous mask.
 */
static void signals_block(sigset_t *set, sigset_t *old)
{
	struct sigaction sa = {.sa_handler = on_signal};

	sigemptyset(set);
	sigaddset(set, SIGCHLD);
	for (size_t i = 0; i < N_FORWARDED; i++)
		sigaddset(set, forwarded[i]);
	sigprocmask(SIG_BLOCK, set, old);
	sigaction(SIGCHLD, &sa, NULL);
	for (size_t i = 0; i < N_FORWARDED; i++)
		sigaction(forwarded[i], &sa, NULL);
}

/*
 * The loop of a supervisor, with the signals of SET blocked: reap children until PID ends,
 * pass every forwarded signal on to PID, and return PID's exit code (process_exit_code), or a
 * negative errno. With REAP_ALL, every child is reaped (orphans included); without, only PID.
 */
static int supervise(pid_t pid, const sigset_t *set, bool reap_all)
{
	/// TODO(03): Until PID ends: collect every child that has ended (only PID unless REAP_ALL),
	///   then sleep until a signal of SET is pending, and pass each signal other than SIGCHLD
	///   on to PID. Return PID's exit code as process_exit_code() gives it, or -errno when
	///   reaping fails (ECHILD: PID is gone already). Never block anywhere but in the wait
	///   for a signal, or a signal to forward waits behind a child that does not end. Mind
	///   that one SIGCHLD can stand for several ended children. See waitpid(2),
	///   sigwaitinfo(2), and the README's "Reaping" and "Signals without races".
	/// BEGIN SOLUTION
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
	/// END SOLUTION
	/// STUB: return -ENOSYS;
}

/*
 * The container's init, PID 1 of its PID namespace (or, in the tests, a child subreaper: see
 * prctl(2) PR_SET_CHILD_SUBREAPER). Start ARGV as the workload, reap every child until the
 * workload ends, pass SIGTERM/SIGINT/SIGHUP on to it, and return its exit code (or a negative
 * errno). The caller may already have those signals blocked: hako does, so that one which
 * arrives while the container starts waits for us instead of being lost.
 */
int init_main(char **argv)
{
	sigset_t set;
	pid_t pid = -1;

	signals_block(&set, NULL);
	/// TODO(03): Start ARGV as the workload in a child process (lesson 01's process_exec()
	///   runs it) and keep its PID in PID; if no child can be made, return -errno. The
	///   workload must start with none of SET blocked: the README's "Signals without races"
	///   says what a new program inherits across execve(2). Until its execve(2), the child
	///   still has init's do-nothing handlers: put SET's signals back to SIG_DFL before you
	///   unblock them, or a signal that init forwards in that moment is swallowed. See
	///   fork(2), sigprocmask(2), sigaction(2).
	/// BEGIN SOLUTION
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		signal(SIGCHLD, SIG_DFL);
		for (size_t i = 0; i < N_FORWARDED; i++)
			signal(forwarded[i], SIG_DFL);
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		process_exec(argv);
	}
	/// END SOLUTION
	/// STUB: return -ENOSYS; /* delete this line once the workload starts */
	return supervise(pid, &set, true);
}

/*
 * In hako, outside the container: wait for the container's init PID, passing SIGTERM, SIGINT
 * and SIGHUP sent to hako on to it (and so, through init_main, to the workload). Returns the
 * init's exit code, which is the workload's, or a negative errno. The signal mask is restored
 * before returning.
 */
int container_wait(pid_t pid)
{
	sigset_t set, old;
	int code = -ENOSYS;

	signals_block(&set, &old);
	/// TODO(03): Wait for PID with supervise(), keeping its result in CODE. hako reaps only
	///   PID: it is no PID 1 and has no orphans to adopt.
	/// BEGIN SOLUTION
	code = supervise(pid, &set, false);
	/// END SOLUTION
	sigprocmask(SIG_SETMASK, &old, NULL);
	return code;
}
