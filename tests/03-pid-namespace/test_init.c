/* test_init.c: graded tests for lesson 03 — the container's PID 1 (init_main) and hako's side
 * of it (container_wait). Everything is checked from outside, as the kernel shows it: the
 * NSpid and PPid lines of /proc/PID/status, /proc/PID/ns/pid, zombies in /proc/PID/stat.
 *
 * The init_main tests run rootless: the test's child makes itself a "child subreaper"
 * (prctl PR_SET_CHILD_SUBREAPER), so orphans are handed to it as they would be to PID 1, and
 * calls init_main() there. The hako tests need root (a PID namespace). */
#include "hako_test.h"
#include "hako.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The signals init_main passes on; the tests pick one at random. */
static const int fwd_sigs[] = {SIGTERM, SIGINT, SIGHUP};
static const char *const fwd_names[] = {"TERM", "INT", "HUP"};

/* ---- Reading the kernel's view from outside ---- */

/* From /proc/PID/stat: the state letter (R, S, Z, ...), the parent and the start time (in
 * clock ticks since boot). Returns false if PID is gone. */
static bool proc_stat(pid_t pid, char *state, pid_t *ppid, unsigned long long *start)
{
	char path[64], buf[1024];
	unsigned long long st = 0;
	int pp = -1;
	char s = '?';
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* The name in parentheses may hold spaces and ')' itself: parse after the last ')'. */
	char *p = strrchr(buf, ')');
	if (!p || sscanf(p + 1,
	                 " %c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d "
	                 "%*d %llu",
	                 &s, &pp, &st) != 3)
		return false;
	if (state)
		*state = s;
	if (ppid)
		*ppid = pp;
	if (start)
		*start = st;
	return true;
}

/* Up to MAX pids whose parent is PPID, into OUT; returns how many. With ZOMBIES, only the
 * zombies among them; without, only the others. */
static int children_of(pid_t ppid, pid_t *out, int max, bool zombies)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)) != NULL && n < max) {
		pid_t pid = (pid_t)atoi(e->d_name), pp;
		char state;
		if (pid > 0 && proc_stat(pid, &state, &pp, NULL) && pp == ppid &&
		    (state == 'Z') == zombies)
			out[n++] = pid;
	}
	closedir(d);
	return n;
}

/* PPID's first living child (the one started first), or -1. */
static pid_t first_child(pid_t ppid)
{
	pid_t kids[64], best = -1;
	unsigned long long best_start = ~0ULL, start;
	int n = children_of(ppid, kids, 64, false);

	for (int i = 0; i < n; i++)
		if (proc_stat(kids[i], NULL, NULL, &start) &&
		    (start < best_start || (start == best_start && kids[i] < best))) {
			best = kids[i];
			best_start = start;
		}
	return best;
}

/* The NSpid line of /proc/PID/status: PID's number in each PID namespace it is in, the
 * outermost first. Fills OUT (up to MAX) and returns how many; 0 if unreadable. */
static int nspid(pid_t pid, long *out, int max)
{
	char path[64], line[256];
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "NSpid:", 6) != 0)
			continue;
		char *p = line + 6, *end;
		while (n < max) {
			long v = strtol(p, &end, 10);
			if (end == p)
				break;
			out[n++] = v;
			p = end;
		}
		break;
	}
	if (f)
		fclose(f);
	return n;
}

/* A hexadecimal signal mask line ("SigBlk:", "SigIgn:") of /proc/PID/status, or 0. */
static unsigned long long sig_mask(pid_t pid, const char *key)
{
	char path[64], line[256];
	unsigned long long mask = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, key, strlen(key)) == 0) {
			mask = strtoull(line + strlen(key), NULL, 16);
			break;
		}
	if (f)
		fclose(f);
	return mask;
}

/* How many processes are in the PID namespace whose /proc/PID/ns/pid link is LINK. */
static int count_in_ns(const char *link)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)) != NULL) {
		pid_t pid = (pid_t)atoi(e->d_name);
		char l[64];
		if (pid > 0 && strcmp(hako_ns_link(pid, "pid", l, sizeof(l)), link) == 0)
			n++;
	}
	closedir(d);
	return n;
}

/* Wait up to TIMEOUT_MS for the namespace LINK to be empty; returns how many are left. */
static int wait_ns_empty(const char *link, int timeout_ms)
{
	long long deadline = hako_now_ms() + timeout_ms;
	int n;

	while ((n = count_in_ns(link)) > 0 && hako_now_ms() < deadline)
		usleep(20000);
	return n;
}

/*
 * Wait up to TIMEOUT_MS until INIT's only child is WORKLOAD: every orphan has ended and been
 * reaped. Returns the number of zombie children INIT still has then (0 is success); *ALIVE
 * receives how many other living children it has.
 */
static int wait_orphans_reaped(pid_t init, pid_t workload, int timeout_ms, int *alive)
{
	long long deadline = hako_now_ms() + timeout_ms;
	pid_t kids[256];
	int zombies, living;

	for (;;) {
		zombies = children_of(init, kids, 256, true);
		living = children_of(init, kids, 256, false);
		for (int i = 0; i < living; i++)
			if (kids[i] == workload) {
				living--;
				break;
			}
		if ((zombies == 0 && living == 0) || hako_now_ms() > deadline)
			break;
		usleep(20000);
	}
	*alive = living;
	return zombies;
}

/* A shell script that leaves N orphans behind. It prints "started" and waits for a line on
 * its stdin (the test stops init first, see stop_for_orphans); then each `( sleep 0.1 & )`
 * subshell starts a sleep and exits at once, so the sleep's parent is gone and it is handed to
 * init. They are all orphans by the time the script prints "ready". The script exits CODE
 * once its stdin is closed, so an init that returns when an orphan (exit 0) ends gives the
 * wrong code. */
static void orphan_script(char *buf, size_t len, int n, int code)
{
	snprintf(buf, len,
	         "echo started; read go || :; i=0; while [ $i -lt %d ]; do ( sleep 0.1 & ); "
	         "i=$((i+1)); done; echo ready; read x || :; exit %d",
	         n, code);
}

/* Wait up to TIMEOUT_MS until PID is stopped (state T in /proc/PID/stat). */
static bool wait_stopped(pid_t pid, int timeout_ms)
{
	long long deadline = hako_now_ms() + timeout_ms;
	char st = '?';

	while (proc_stat(pid, &st, NULL, NULL) && st != 'T' && hako_now_ms() < deadline)
		usleep(2000);
	return st == 'T';
}

/*
 * Stop INIT (SIGSTOP) before the workload of B makes its orphans, tell the workload to go on,
 * and let INIT continue (SIGCONT) only once the orphans (every child of INIT but WORKLOAD)
 * have all ended. While it is stopped, their SIGCHLDs merge into one pending signal, so it
 * wakes up once for all of them: an init that reaps one child per wake-up leaves zombies.
 * Returns false if the workload did not print "ready" within TIMEOUT_MS.
 */
static bool stop_for_orphans(struct hako_bg *b, pid_t init, pid_t workload, int timeout_ms)
{
	long long deadline = hako_now_ms() + timeout_ms;
	pid_t kids[256];
	bool ready = false;

	kill(init, SIGSTOP);
	wait_stopped(init, timeout_ms);
	if (write(b->in, "go\n", 3) == 3)
		ready = hako_bg_wait_for(b, "ready", timeout_ms);
	while (ready && hako_now_ms() < deadline) {
		int living = children_of(init, kids, 256, false);
		for (int i = 0; i < living; i++)
			if (kids[i] == workload) {
				living--;
				break;
			}
		if (living == 0)
			break;
		usleep(10000);
	}
	kill(init, SIGCONT);
	return ready;
}

/* ---- init_main() run by a child of the test, in its own process group ---- */

/* The read end of the pipe on which init_main's return value comes back (one test per
 * process, so one at a time). */
static int init_res = -1;

struct init_run {
	char **argv;
	int res;          /* write end */
	int early;        /* a signal made pending in init before init_main() runs, or 0 */
	const char *path; /* PATH for the workload's search, or NULL to keep ours */
};

/* In the forked child: become a subreaper, block the signals hako blocks before clone(), and
 * call init_main(), sending its return value back. */
static int init_child(void *arg)
{
	struct init_run *r = arg;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	for (int i = 0; i < 3; i++)
		sigaddset(&set, fwd_sigs[i]);
	sigprocmask(SIG_BLOCK, &set, NULL);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	if (r->path)
		setenv("PATH", r->path, 1);
	if (r->early)
		kill(getpid(), r->early); /* blocked: pending until init_main takes it */
	int code = init_main(r->argv);
	return write(r->res, &code, sizeof(code)) == sizeof(code) ? 0 : 1;
}

/* Start init_main(ARGV) in the background with pipes on its stdin and stdout; EARLY and PATH
 * as in struct init_run. */
static int init_start_with(struct hako_bg *b, char **argv, int early, const char *path)
{
	int res[2];

	if (pipe2(res, O_CLOEXEC) < 0)
		return -1;
	struct init_run r = {argv, res[1], early, path};
	int err = hako_bg_start(b, NULL, init_child, &r);
	close(res[1]);
	init_res = res[0];
	return err;
}

static int init_start(struct hako_bg *b, char **argv)
{
	return init_start_with(b, argv, 0, NULL);
}

/* hako_bg_finish() for init_start(); *CODE receives init_main's return value (-1000 if none
 * came back). */
static int init_finish(struct hako_bg *b, int timeout_ms, int *code)
{
	int status = hako_bg_finish(b, timeout_ms);

	if (init_res < 0 || read(init_res, code, sizeof(*code)) != sizeof(*code))
		*code = -1000;
	if (init_res >= 0)
		close(init_res);
	init_res = -1;
	return status;
}

/* Run init_main(ARGV) in a subreaper child and return what it returned (-1000: nothing came
 * back within 10 s). */
static int run_init(char **argv)
{
	struct hako_bg b;
	int code;

	check_that(init_start(&b, argv) == 0, "fork: %s", strerror(errno));
	init_finish(&b, 10000, &code);
	return code;
}

static void check_init_code(int code, int expect, const char *what)
{
	check_that(code != -1000, "init_main() did not return within 10 s (%s)", what);
	check_int(code, expect, what);
}

/* ---- init_main (rootless) ---- */

/* This test checks that init_main() returns the workload's exit status. */
static void test_init_main_exit_code(void **state)
{
	int n = (int)hako_rand_range(0, 120);
	char script[32];

	snprintf(script, sizeof(script), "exit %d", n);
	char *argv[] = {"/bin/sh", "-c", script, NULL};
	check_init_code(run_init(argv), n, "init_main({\"/bin/sh\", \"-c\", \"exit N\"})");
}

/* This test checks that init_main() returns 128 + N when signal N kills the workload, even
 * though the caller had the forwarded signals blocked (as hako has). */
static void test_init_main_signal_code(void **state)
{
	static const int sigs[] = {SIGTERM, SIGINT, SIGHUP, SIGKILL, SIGUSR1, SIGALRM};
	int sig = sigs[hako_rand() % 6];
	char script[32], what[96];

	snprintf(script, sizeof(script), "kill -%d $$; sleep 5", sig);
	char *argv[] = {"/bin/sh", "-c", script, NULL};
	snprintf(what, sizeof(what), "init_main() for a workload killed by signal %d (%s)", sig,
	         strsignal(sig));
	check_init_code(run_init(argv), 128 + sig, what);
}

/* This test checks that init_main() reaps orphans: after a burst of orphaned children end,
 * none stays behind as a zombie, and init_main() still returns the workload's code. */
static void test_init_main_reaps_orphans(void **state)
{
	int n = (int)hako_rand_range(10, 30), alive = 0, zombies = -1, code;
	int exit_with = (int)hako_rand_range(1, 120);
	char script[256], what[96];
	struct hako_bg b;

	orphan_script(script, sizeof(script), n, exit_with);
	char *argv[] = {"/bin/sh", "-c", script, NULL};
	check_that(init_start(&b, argv) == 0, "fork: %s", strerror(errno));
	bool started = hako_bg_wait_for(&b, "started", 10000), ready = false;
	pid_t workload = started ? first_child(b.pid) : -1;
	if (workload > 0 && (ready = stop_for_orphans(&b, b.pid, workload, 10000)))
		zombies = wait_orphans_reaped(b.pid, workload, 10000, &alive);
	init_finish(&b, 10000, &code);

	check_that(started,
	           "the workload did not print \"started\" within 10 s (init_main returned %d)",
	           code);
	check_that(workload > 0, "found no workload under init_main's process");
	check_that(ready, "the workload did not print \"ready\" within 10 s of being told to go");
	check_int(zombies, 0,
	          "zombies left under init 10 s after a burst of orphans ended together (one "
	          "SIGCHLD for all: reap in a loop)");
	check_int(alive, 0, "orphans still alive after 10 s (they only sleep 0.1 s)");
	snprintf(what, sizeof(what),
	         "init_main()'s return value once the workload exited %d (its orphans exit 0)",
	         exit_with);
	check_init_code(code, exit_with, what);
}

/* This test checks that SIGTERM, SIGINT or SIGHUP sent to init reaches the workload: its trap
 * runs, and init_main() returns the code the trap exits with. */
static void test_init_main_forwards_signals(void **state)
{
	int i = (int)(hako_rand() % 3), exit_with = (int)hako_rand_range(1, 120), code;
	char script[160], what[96];
	struct hako_bg b;

	snprintf(script, sizeof(script),
	         "trap 'exit %d' %s; echo ready; while :; do sleep 0.05; done", exit_with,
	         fwd_names[i]);
	char *argv[] = {"/bin/sh", "-c", script, NULL};
	check_that(init_start(&b, argv) == 0, "fork: %s", strerror(errno));
	bool ready = hako_bg_wait_for(&b, "ready", 10000);
	if (ready)
		kill(b.pid, fwd_sigs[i]);
	init_finish(&b, 10000, &code);

	check_that(ready,
	           "the workload did not print \"ready\" within 10 s (init_main returned %d)",
	           code);
	snprintf(what, sizeof(what), "init_main() after SIG%s (the workload traps it and exits %d)",
	         fwd_names[i], exit_with);
	check_init_code(code, exit_with, what);
}

/* This test checks that the workload starts with SIGTERM, SIGINT, SIGHUP and SIGCHLD neither
 * blocked nor ignored (SigBlk and SigIgn in /proc/PID/status), although init has them
 * blocked: a mask survives execve(). */
static void test_init_main_workload_signals(void **state)
{
	static const int sigs[] = {SIGTERM, SIGINT, SIGHUP, SIGCHLD};
	unsigned long long blk = 0, ign = 0, want = 0;
	char comm[32] = "";
	pid_t workload = -1;
	struct hako_bg b;
	int code;

	for (int i = 0; i < 4; i++)
		want |= 1ULL << (sigs[i] - 1);
	char *argv[] = {"/bin/cat", NULL};
	check_that(init_start(&b, argv) == 0, "fork: %s", strerror(errno));
	/* Wait for the child to become cat (after execve). */
	for (long long deadline = hako_now_ms() + 10000; hako_now_ms() < deadline; usleep(10000)) {
		char init_state = 'X';
		/* init_main() returned (its process is a zombie) before a workload ran cat: no
		 * point in waiting for one. */
		if (!proc_stat(b.pid, &init_state, NULL, NULL) || init_state == 'Z')
			break;
		workload = first_child(b.pid);
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/comm", (int)workload);
		FILE *f = workload > 0 ? fopen(path, "r") : NULL;
		if (f) {
			if (!fgets(comm, sizeof(comm), f))
				comm[0] = '\0';
			fclose(f);
		}
		comm[strcspn(comm, "\n")] = '\0';
		if (strcmp(comm, "cat") == 0)
			break;
	}
	if (strcmp(comm, "cat") == 0) {
		blk = sig_mask(workload, "SigBlk:");
		ign = sig_mask(workload, "SigIgn:");
	}
	init_finish(&b, 10000, &code);

	check_str(comm, "cat", "name of init_main's first child after 10 s (the workload, cat)");
	check_that((blk & want) == 0,
	           "the workload starts with signals blocked (SigBlk %016llx has bits of %016llx): "
	           "unblock them in the child before process_exec()",
	           blk, blk & want);
	check_that((ign & want) == 0, "the workload starts with signals ignored (SigIgn %016llx)",
	           ign & want);
	check_init_code(code, 0, "init_main() once cat read end-of-file");
}

/* This test checks that a signal init passes on at once, while its child is still on the way
 * to execve() (here: searching a long PATH for sleep), kills the workload instead of being
 * swallowed by init's own do-nothing handler, which the child keeps until execve(). It is what
 * happens when hako is stopped in the first milliseconds of a container. Each try has the
 * signal pending before init_main() starts. Should the signal come late (a busy machine), it
 * reaches sleep itself and the answer is the same, so the test cannot fail a correct init;
 * a swallowed signal lets sleep run its second and exit 0. */
static void test_init_main_early_signal(void **state)
{
	enum { TRIES = 5, DIRS = 4000 };
	static char path[DIRS * 16 + 32];
	char what[128];
	size_t at = 0;

	/* Folders that do not exist: execvp() tries each one before it finds sleep. */
	for (int i = 0; i < DIRS; i++)
		at += (size_t)snprintf(path + at, sizeof(path) - at, "/nx-hako/%d:", i);
	snprintf(path + at, sizeof(path) - at, "/usr/bin:/bin");
	char *argv[] = {"sleep", "1", NULL};
	for (int t = 0; t < TRIES; t++) {
		int i = (int)(hako_rand() % 3), code;
		struct hako_bg b;

		check_that(init_start_with(&b, argv, fwd_sigs[i], path) == 0, "fork: %s",
		           strerror(errno));
		init_finish(&b, 10000, &code);
		snprintf(
		    what, sizeof(what),
		    "try %d of %d: init_main({\"sleep\", \"1\"}) when SIG%s reached init before "
		    "the workload's execve() (0: the signal was lost)",
		    t + 1, TRIES, fwd_names[i]);
		check_init_code(code, 128 + fwd_sigs[i], what);
	}
}

/* ---- hako run: the container's init is PID 1 (root) ---- */

/* Start `hako run --isolate /bin/sh -c SCRIPT` in the background and wait for it to print
 * TEXT. Fills *INIT (hako's child) and *WORKLOAD (init's first child) and the PID
 * namespace's link. hako_start() waits for "ready". */
static bool hako_start_until(struct hako_bg *b, const char *script, const char *text, pid_t *init,
                             pid_t *workload, char *ns, size_t ns_len)
{
	char *argv[] = {
	    (char *)hako_prog("hako"), "run", "--isolate", "/bin/sh", "-c", (char *)script, NULL};

	*init = *workload = -1;
	ns[0] = '\0';
	check_that(hako_bg_start(b, argv, NULL, NULL) == 0, "could not start hako");
	if (!hako_bg_wait_for(b, text, 10000))
		return false;
	*init = first_child(b->pid);
	*workload = *init > 0 ? first_child(*init) : -1;
	if (*init > 0)
		hako_ns_link(*init, "pid", ns, ns_len);
	return *init > 0 && *workload > 0 && ns[0];
}

static bool hako_start(struct hako_bg *b, const char *script, pid_t *init, pid_t *workload,
                       char *ns, size_t ns_len)
{
	return hako_start_until(b, script, "ready", init, workload, ns, ns_len);
}

/* hako's exit code from a wait status, or -1 if it did not exit by itself. */
static int exit_code_of(int status)
{
	return status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* This test checks, from outside, that hako's child (the container's init) is PID 1 of a new
 * PID namespace and the workload its child: the NSpid lines of /proc/PID/status end in 1 for
 * init, and the workload's parent inside is 1 ($PPID). */
static void test_init_hako_pid_one(void **state)
{
	long mine[8], in_init[8], in_work[8];
	int n_mine, n_init = 0, n_work = 0;
	char ns[64], my_ns[64];
	pid_t init, workload;
	struct hako_bg b;

	hako_require_root();
	n_mine = nspid(getpid(), mine, 8);
	hako_ns_link(getpid(), "pid", my_ns, sizeof(my_ns));
	bool ok = hako_start(&b, "echo ready $PPID; read x || :", &init, &workload, ns, sizeof(ns));
	if (ok) {
		n_init = nspid(init, in_init, 8);
		n_work = nspid(workload, in_work, 8);
	}
	int status = hako_bg_finish(&b, 10000);

	check_that(ok, "no init and workload under hako within 10 s (stdout: \"%s\")", b.text);
	check_that(strcmp(ns, my_ns) != 0, "the container's init is in our PID namespace (%s)", ns);
	check_int(n_init, n_mine + 1, "PID namespaces the container's init is in (NSpid fields)");
	check_int(in_init[n_init - 1], 1, "the container's init's PID inside (last NSpid field)");
	check_int(n_work, n_mine + 1, "PID namespaces the workload is in (NSpid fields)");
	check_that(in_work[n_work - 1] > 1, "the workload's PID inside is %ld, expected > 1",
	           in_work[n_work - 1]);
	check_contains(b.text, "ready 1\n", "the workload's $PPID inside (its parent is PID 1)");
	check_int(exit_code_of(status), 0, "hako's exit code");
	check_int(wait_ns_empty(ns, 3000), 0, "processes left in the container's PID namespace");
}

/* This test checks that a burst of orphans in the container is reaped by its init: no zombie
 * stays behind under PID 1. */
static void test_init_hako_reaps_orphans(void **state)
{
	int n = (int)hako_rand_range(10, 30), alive = 0, zombies = -1;
	int exit_with = (int)hako_rand_range(1, 120);
	char script[256], ns[64];
	pid_t init, workload;
	struct hako_bg b;

	hako_require_root();
	orphan_script(script, sizeof(script), n, exit_with);
	bool ok = hako_start_until(&b, script, "started", &init, &workload, ns, sizeof(ns));
	bool ready = ok && stop_for_orphans(&b, init, workload, 10000);
	if (ready)
		zombies = wait_orphans_reaped(init, workload, 10000, &alive);
	int status = hako_bg_finish(&b, 10000);

	check_that(ok, "no init and workload under hako within 10 s");
	check_that(ready, "the workload did not print \"ready\" within 10 s of being told to go");
	check_int(zombies, 0,
	          "zombies under the container's init after a burst of orphans ended together");
	check_int(alive, 0, "orphans still alive after 10 s (they only sleep 0.1 s)");
	check_int(exit_code_of(status), exit_with,
	          "hako's exit code (the workload's; its orphans exit 0)");
	check_int(wait_ns_empty(ns, 3000), 0, "processes left in the container's PID namespace");
}

/* This test checks that SIGTERM, SIGINT or SIGHUP sent to hako reaches the workload (its trap
 * runs and sets the exit code), that hako exits by itself with that code, and that nothing is
 * left in the container. */
static void test_init_hako_forwards_signal(void **state)
{
	int i = (int)(hako_rand() % 3), exit_with = (int)hako_rand_range(1, 120);
	char script[160], ns[64], what[96];
	pid_t init, workload;
	struct hako_bg b;

	hako_require_root();
	snprintf(script, sizeof(script),
	         "trap 'exit %d' %s; echo ready; while :; do sleep 0.05; done", exit_with,
	         fwd_names[i]);
	bool ok = hako_start(&b, script, &init, &workload, ns, sizeof(ns));
	if (ok)
		kill(b.pid, fwd_sigs[i]);
	int status = hako_bg_finish(&b, 10000);

	check_that(ok, "no init and workload under hako within 10 s");
	check_that(status != -1, "hako still ran 10 s after SIG%s: was it passed on?",
	           fwd_names[i]);
	check_that(!WIFSIGNALED(status),
	           "hako was killed by %s: container_wait() must catch it and pass it on",
	           strsignal(WTERMSIG(status)));
	snprintf(what, sizeof(what), "hako's exit code (the workload's trap for SIG%s exits %d)",
	         fwd_names[i], exit_with);
	check_int(exit_code_of(status), exit_with, what);
	check_int(wait_ns_empty(ns, 3000), 0, "processes left in the container's PID namespace");
}

/* This test checks that when a signal sent to hako kills the workload, hako exits by itself
 * with 128 + N, and nothing is left in the container. */
static void test_init_hako_signal_exit_code(void **state)
{
	int i = (int)(hako_rand() % 3);
	char ns[64], what[80];
	pid_t init, workload;
	struct hako_bg b;

	hako_require_root();
	bool ok = hako_start(&b, "echo ready; exec sleep 1000", &init, &workload, ns, sizeof(ns));
	/* Wait for the workload to become sleep, so the signal kills sleep, not the shell. */
	for (long long deadline = hako_now_ms() + 5000; ok && hako_now_ms() < deadline;
	     usleep(10000)) {
		char path[64], comm[32] = "";
		snprintf(path, sizeof(path), "/proc/%d/comm", (int)workload);
		FILE *f = fopen(path, "r");
		if (f) {
			if (!fgets(comm, sizeof(comm), f))
				comm[0] = '\0';
			fclose(f);
		}
		if (strcmp(comm, "sleep\n") == 0)
			break;
	}
	if (ok)
		kill(b.pid, fwd_sigs[i]);
	int status = hako_bg_finish(&b, 10000);

	check_that(ok, "no init and workload under hako within 10 s");
	check_that(status != -1, "hako still ran 10 s after SIG%s", fwd_names[i]);
	check_that(!WIFSIGNALED(status),
	           "hako was killed by %s: container_wait() must catch it and pass it on",
	           strsignal(WTERMSIG(status)));
	snprintf(what, sizeof(what), "hako's exit code after SIG%s killed the workload",
	         fwd_names[i]);
	check_int(exit_code_of(status), 128 + fwd_sigs[i], what);
	check_int(wait_ns_empty(ns, 3000), 0, "processes left in the container's PID namespace");
}

/* This test checks that when the workload is killed with SIGKILL, init exits with 137 at once,
 * even though other processes (a background job, an orphan) still run in the container, and
 * that they end with it. */
static void test_init_hako_workload_killed(void **state)
{
	char ns[64];
	pid_t init, workload;
	struct hako_bg b;

	hako_require_root();
	bool ok = hako_start(&b, "sleep 1000 & ( sleep 1000 & ); echo ready; read x || :", &init,
	                     &workload, ns, sizeof(ns));
	int before = ok ? count_in_ns(ns) : 0;
	if (ok)
		kill(workload, SIGKILL);
	int status = hako_bg_finish(&b, 10000);

	check_that(ok, "no init and workload under hako within 10 s");
	check_that(before >= 4,
	           "expected init, the workload and two sleeps in the container, "
	           "found %d processes",
	           before);
	check_that(status != -1, "hako still ran 10 s after the workload was killed");
	check_int(exit_code_of(status), 137, "hako's exit code after SIGKILL of the workload");
	check_int(wait_ns_empty(ns, 3000), 0, "processes left in the container's PID namespace");
}

/* This test checks that killing the container's PID 1 ends every process in its namespace,
 * and hako exits with 137. */
static void test_init_hako_kill_pid1(void **state)
{
	char ns[64];
	pid_t init, workload;
	struct hako_bg b;

	hako_require_root();
	bool ok = hako_start(&b, "sleep 1000 & ( sleep 1000 & ); echo ready; read x || :", &init,
	                     &workload, ns, sizeof(ns));
	if (ok)
		kill(init, SIGKILL);
	int status = hako_bg_finish(&b, 10000);

	check_that(ok, "no init and workload under hako within 10 s");
	check_that(status != -1, "hako still ran 10 s after its container's init was killed");
	check_int(exit_code_of(status), 137, "hako's exit code after SIGKILL of the init");
	check_int(wait_ns_empty(ns, 3000), 0, "processes left in the container's PID namespace");
}

HAKO_TEST_MAIN(HAKO_TEST(test_init_main_exit_code), HAKO_TEST(test_init_main_signal_code),
               HAKO_TEST(test_init_main_reaps_orphans), HAKO_TEST(test_init_main_forwards_signals),
               HAKO_TEST(test_init_main_workload_signals), HAKO_TEST(test_init_main_early_signal),
               HAKO_TEST(test_init_hako_pid_one), HAKO_TEST(test_init_hako_reaps_orphans),
               HAKO_TEST(test_init_hako_forwards_signal),
               HAKO_TEST(test_init_hako_signal_exit_code),
               HAKO_TEST(test_init_hako_workload_killed), HAKO_TEST(test_init_hako_kill_pid1))
