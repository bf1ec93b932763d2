/* test_lifecycle.c: graded tests for lesson 14 — the state folder's lock, a detached
 * container's status (stale entries by pid and start time), docker ps's wording, the
 * monitor's wait on a pidfd, exec's cgroups, namespaces and capabilities, and the commands
 * (run -d, ps, logs, exec, stop, kill, rm) on real containers.
 *
 * Unit tests call the lesson's functions on files and processes the test makes. Kernel tests
 * (root) run `hako run -d` on a busybox rootfs with the test's own HAKO_STATE and HAKO_ROOT. */
#include "hako_test.h"
#include "hako.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WAIT_MS 30000 /* generous: the grading machine may be busy */

/* ---- Helpers ---- */

/* A state folder of the test's own, with one entry NAME whose init is PID. */
static void fake_entry(struct lifecycle_info *c, const char *root, const char *name, pid_t pid,
                       unsigned long long start)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->st.id, sizeof(c->st.id), "%s", name);
	snprintf(c->st.dir, sizeof(c->st.dir), "%s/%s", root, name);
	check_that(mkdir(c->st.dir, 0700) == 0, "mkdir %s: %s", c->st.dir, strerror(errno));
	c->st.pid = pid;
	c->st.start_time = start;
	c->st.created = (long long)time(NULL);
}

/* In a forked child: die with the test (a failed check leaves the test function at once)
 * and hold none of its output pipes, so the grader never waits for it. */
static pid_t test_pid; /* the test process (each test runs in a process of its own) */

__attribute__((constructor)) static void remember_test_pid(void)
{
	test_pid = getpid();
}

/* KEEP: one fd of ours the child still needs, or -1. */
static void quiet_child(int keep)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != test_pid) /* the test ended before prctl */
		_exit(0);
	/* Nothing of the grader's (its lock, its pipes): only /dev/null and KEEP. */
	for (int fd = 3; fd < 1024; fd++)
		if (fd != keep)
			close(fd);
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, 1);
		dup2(null, 2);
		close(null);
	}
}

/* A child that sleeps until killed. */
static pid_t sleeper(void)
{
	pid_t pid = fork();

	check_that(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		quiet_child(-1);
		for (;;)
			pause();
	}
	return pid;
}

/* ---- Unit tests ---- */

static void test_lifecycle_duration(void **state)
{
	(void)state;
	char buf[64], want[64];
	struct {
		long long s;
		const char *w;
	} fixed[] = {{0, "Less than a second"}, {1, "1 second"},      {60, "About a minute"},
	             {119, "About a minute"},   {3599, "59 minutes"}, {3600, "About an hour"},
	             {5399, "About an hour"},   {5400, "2 hours"}};

	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		lifecycle_duration(fixed[i].s, buf, sizeof(buf));
		check_str(buf, fixed[i].w, "lifecycle_duration of a band's edge");
	}
	for (int round = 0; round < 20; round++) {
		long long n, s;
		switch (round % 6) {
		case 0:
			n = hako_rand_range(2, 59), s = n;
			snprintf(want, sizeof(want), "%lld seconds", n);
			break;
		case 1:
			n = hako_rand_range(2, 59), s = n * 60 + hako_rand_range(0, 59);
			snprintf(want, sizeof(want), "%lld minutes", n);
			break;
		case 2:
			n = hako_rand_range(2, 47), s = n * 3600 + hako_rand_range(-1800, 1799);
			snprintf(want, sizeof(want), "%lld hours", n);
			break;
		case 3:
			n = hako_rand_range(2, 13),
			s = n * 86400 + hako_rand_range(0, 86400 - 1801);
			snprintf(want, sizeof(want), "%lld days", n);
			break;
		case 4:
			n = hako_rand_range(2, 8), s = n * 7 * 86400 + hako_rand_range(0, 86400);
			snprintf(want, sizeof(want), "%lld weeks", n);
			break;
		default:
			n = hako_rand_range(2, 23), s = n * 30 * 86400 + hako_rand_range(0, 86400);
			snprintf(want, sizeof(want), "%lld months", n);
			break;
		}
		lifecycle_duration(s, buf, sizeof(buf));
		if (strcmp(buf, want) != 0)
			fail_msg("lifecycle_duration(%lld): expected \"%s\", got \"%s\"", s, want,
			         buf);
	}
	long long y = hako_rand_range(2, 9);
	snprintf(want, sizeof(want), "%lld years", y);
	lifecycle_duration(y * 365 * 86400 + hako_rand_range(0, 86400), buf, sizeof(buf));
	check_str(buf, want, "lifecycle_duration of some years");
}

static void test_lifecycle_format_status(void **state)
{
	(void)state;
	struct lifecycle_info c;
	char buf[128], want[128];
	long long now = 1700000000 + hako_rand_range(0, 100000000);
	long long m = hako_rand_range(2, 59);
	int code = (int)hako_rand_range(1, 254);

	memset(&c, 0, sizeof(c));
	c.st.created = now - m * 60 - hako_rand_range(0, 59);
	lifecycle_format_status(&c, now, buf, sizeof(buf));
	snprintf(want, sizeof(want), "Up %lld minutes", m);
	check_str(buf, want, "the status of a running container");

	long long s = hako_rand_range(2, 59);
	c.exited = true;
	c.exit_code = code;
	c.finished = now - s;
	lifecycle_format_status(&c, now, buf, sizeof(buf));
	snprintf(want, sizeof(want), "Exited (%d) %lld seconds ago", code, s);
	check_str(buf, want, "the status of an exited container");

	c.finished = 0;
	c.exit_code = 255;
	lifecycle_format_status(&c, now, buf, sizeof(buf));
	check_str(buf, "Exited (255)", "an exited container whose end nobody saw");

	c.exited = false;
	c.st.created = now + 30; /* the clock went back */
	lifecycle_format_status(&c, now, buf, sizeof(buf));
	check_str(buf, "Up Less than a second", "created in the future: never a negative time");
}

static void test_lifecycle_status(void **state)
{
	(void)state;
	char *root = hako_tmpdir();
	struct lifecycle_info c;
	char name[16], p[PATH_MAX + 16];
	unsigned long long t;
	pid_t pid = sleeper();

	hako_rand_name(name, 10);
	check_int(state_start_time(pid, &t), 0, "state_start_time of a running child");

	fake_entry(&c, root, name, pid, t);
	check_int(lifecycle_status(&c), 1, "lifecycle_status with the init alive");
	check_that(!c.exited, "a running container is not exited");

	/* The same pid, another start time: the pid was reused by another process. */
	c.st.start_time = t + (unsigned long long)hako_rand_range(1, 100000);
	check_int(lifecycle_status(&c), 0, "lifecycle_status when the pid has another start time");
	check_that(c.exited, "a stale entry is exited");
	check_int(c.exit_code, 255, "the exit code of a stale entry");
	check_int(c.finished, 0, "the finish time of a stale entry (unknown)");

	/* The monitor's record wins. */
	int code = (int)hako_rand_range(0, 200);
	long long fin = (long long)time(NULL) - hako_rand_range(10, 1000);
	c.st.start_time = t;
	snprintf(p, sizeof(p), "%s/exit", c.st.dir);
	char text[64];
	snprintf(text, sizeof(text), "%d %lld\n", code, fin);
	hako_write_file(p, text);
	check_int(lifecycle_status(&c), 0, "lifecycle_status with an exit file");
	check_int(c.exit_code, code, "the exit code from the exit file");
	check_int(c.finished, fin, "the finish time from the exit file");
	unlink(p);

	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	check_int(lifecycle_status(&c), 0, "lifecycle_status when the init is gone");
	check_int(c.exit_code, 255, "the exit code when the monitor never wrote one");
	hako_rm_rf(root);
	free(root);
}

static void test_lifecycle_lock(void **state)
{
	(void)state;
	char *tmp = hako_tmpdir();
	char root[PATH_MAX], p[PATH_MAX + 16];
	int fd, pipefd[2];

	snprintf(root, sizeof(root), "%s/state-%u", tmp, hako_rand() % 100000);
	fd = lifecycle_lock(root);
	check_that(fd >= 0, "lifecycle_lock(%s) (a folder that is not there yet): %s", root,
	           strerror(fd < 0 ? -fd : 0));
	check_that(fcntl(fd, F_GETFD) & FD_CLOEXEC, "the lock's fd must be close-on-exec");
	snprintf(p, sizeof(p), "%s/.lock", root);
	int other = open(p, O_RDONLY | O_CLOEXEC);
	check_that(other >= 0, "lifecycle_lock must make %s", p);
	check_that(flock(other, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK,
	           "%s must be locked (flock LOCK_EX) while the fd is open", p);
	close(other);

	/* A second hako waits until the first one closes its fd. We close ours once the second
	 * is asleep in flock(), or after HOLD ms if it never is; it must not return before. */
	int hold = (int)hako_rand_range(300, 600);
	check_that(pipe(pipefd) == 0, "pipe");
	pid_t pid = fork();
	check_that(pid >= 0, "fork");
	if (pid == 0) {
		quiet_child(pipefd[1]); /* closes our copy of the parent's lock, too */
		int l = lifecycle_lock(root);
		long long returned = hako_now_ms();
		if (write(pipefd[1], &returned, sizeof(returned)) < 0)
			_exit(2);
		_exit(l >= 0 ? 0 : 1);
	}
	long long t0 = hako_now_ms();
	while (hako_now_ms() - t0 < hold && !hako_asleep_in(pid, SYS_flock, -1))
		usleep(2000);
	long long released = hako_now_ms();
	close(fd);
	long long returned = -1;
	int ws;
	check_that(read(pipefd[0], &returned, sizeof(returned)) == sizeof(returned),
	           "the second locker said nothing");
	waitpid(pid, &ws, 0);
	check_int(WEXITSTATUS(ws), 0, "the second lifecycle_lock once the first was released");
	check_that(returned >= released,
	           "the second lifecycle_lock returned %lld ms before the first released the lock: "
	           "it must wait (LOCK_EX without LOCK_NB)",
	           released - returned);
	close(pipefd[0]);
	close(pipefd[1]);
	hako_rm_rf(tmp);
	free(tmp);
}

static void test_monitor_wait(void **state)
{
	(void)state;
	for (int round = 0; round < 6; round++) {
		int want, code = -1;
		pid_t pid = fork();
		int ex = (int)hako_rand_range(0, 120);
		int sig = round % 2 ? SIGKILL : SIGTERM;
		check_that(pid >= 0, "fork");
		if (pid == 0) {
			quiet_child(-1);
			usleep(50000);
			if (round < 3)
				_exit(ex);
			for (;;)
				pause();
		}
		int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
		check_that(pidfd >= 0, "pidfd_open: %s", strerror(errno));
		if (round >= 3)
			kill(pid, sig);
		want = round < 3 ? ex : 128 + sig;
		check_int(monitor_wait(pidfd, &code), 0, "monitor_wait");
		check_int(code, want,
		          round < 3 ? "the code of a child that exited"
		                    : "the code of a child killed by a signal");
		/* It was reaped: nothing is left to wait for. */
		check_that(waitpid(pid, NULL, WNOHANG) < 0 && errno == ECHILD,
		           "monitor_wait must reap the child (waitid WEXITED)");
		close(pidfd);
	}
}

static void test_exec_apply_security(void **state)
{
	(void)state;
	hako_require_root();
	struct exec_security want, got;
	int last = atoi(hako_read_file("/proc/sys/kernel/cap_last_cap"));
	unsigned long long keep = 0;
	int pipefd[2];

	if (last <= 0 || last > 62)
		last = CAP_LAST_CAP;
	unsigned long long all = (1ULL << (last + 1)) - 1;

	/* A random set that keeps what capset itself needs (CAP_SETPCAP is not needed after the
	 * bounding set is done). */
	/* Only what this process has (a container may run the tests with fewer). */
	struct exec_security now;
	check_int(exec_parse_status(hako_read_file("/proc/self/status"), &now), 0,
	          "reading the test's own /proc/self/status");
	for (int c = 0; c <= last; c++)
		if (hako_rand() % 2 && (now.cap_prm & now.cap_bnd & (1ULL << c)))
			keep |= 1ULL << c;
	memset(&want, 0, sizeof(want));
	/* At least one ambient capability (CAP_CHOWN) and one above bit 31 (CAP_SYSLOG: each
	 * set is two 32-bit halves). */
	keep |= now.cap_prm & ((1ULL << CAP_CHOWN) | (1ULL << CAP_SYSLOG));
	want.cap_bnd = keep | (now.cap_bnd & (1ULL << CAP_KILL));
	want.cap_prm = keep;
	want.cap_eff = keep & ~(1ULL << CAP_KILL);
	want.cap_inh = keep & (all >> 1);
	want.cap_amb = want.cap_inh & want.cap_prm & 0xff;
	want.no_new_privs = 1;
	check_that(pipe(pipefd) == 0, "pipe");
	pid_t pid = fork();
	check_that(pid >= 0, "fork");
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		int err = exec_apply_security(&want);
		const char *s = hako_read_file("/proc/self/status");
		if (err < 0)
			dprintf(pipefd[1], "ERR %d", err);
		else if (write(pipefd[1], s, strlen(s)) < 0)
			_exit(1);
		_exit(0);
	}
	close(pipefd[1]);
	static char text[16384];
	ssize_t n, len = 0;
	while ((n = read(pipefd[0], text + len, sizeof(text) - 1 - (size_t)len)) > 0)
		len += n;
	text[len > 0 ? len : 0] = '\0';
	close(pipefd[0]);
	waitpid(pid, NULL, 0);
	check_that(strncmp(text, "ERR", 3) != 0, "exec_apply_security failed: %s",
	           strerror(-atoi(text + 4)));
	check_int(exec_parse_status(text, &got), 0, "reading /proc/self/status back");
	check_int(got.cap_bnd, want.cap_bnd, "CapBnd after exec_apply_security");
	check_int(got.cap_prm, want.cap_prm, "CapPrm after exec_apply_security");
	check_int(got.cap_eff, want.cap_eff, "CapEff after exec_apply_security");
	check_int(got.cap_inh, want.cap_inh, "CapInh after exec_apply_security");
	check_int(got.cap_amb, want.cap_amb, "CapAmb after exec_apply_security");
	check_int(got.no_new_privs, 1, "NoNewPrivs after exec_apply_security");
}

/* ---- Kernel tests: real detached containers ---- */

/* The rootfs is shared (see shared_rootfs); the state folder and the store are in a folder of
 * the guard's (OWN), which the harness does not remove at the end of the test: the guard needs
 * them to find what to clean, then removes OWN itself. */
struct env {
	char rootfs[PATH_MAX];
	char own[PATH_MAX];   /* HAKO_ROOT: the store, with containers/NAME layers */
	char state[PATH_MAX]; /* HAKO_STATE */
};

/* A guard process that outlives this test's process: when the test ends (passed, or left
 * at a failed check), it runs `hako rm -f` on every container left in the test's state
 * folder, and kills a monitor that is still there after it (same pid and start time), so a
 * failing test leaves no monitor or container running. */
static void start_guard(struct env *e)
{
	const char *prog = hako_prog("hako");
	int p[2];

	check_that(pipe2(p, O_CLOEXEC) == 0, "pipe2: %s", strerror(errno));
	pid_t pid = fork();
	check_that(pid >= 0, "fork: %s", strerror(errno));
	if (pid > 0) {
		close(p[0]); /* p[1] stays open in the test until it exits */
		return;
	}
	for (int fd = 3; fd < 1024; fd++) /* the grader's lock and pipes too */
		if (fd != p[0])
			close(fd);
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	dup2(null, 0);
	dup2(null, 1);
	dup2(null, 2);
	setsid();
	char c;
	while (read(p[0], &c, 1) < 0 && errno == EINTR)
		;
	DIR *d = opendir(e->state);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char path[PATH_MAX + 300];
		int mon = 0;
		unsigned long long start = 0, t;
		snprintf(path, sizeof(path), "%s/%s/monitor", e->state, de->d_name);
		FILE *f = fopen(path, "re");
		if (f && fscanf(f, "%d %llu", &mon, &start) != 2)
			mon = 0;
		if (f)
			fclose(f);
		pid_t k = fork();
		if (k == 0) {
			execl(prog, prog, "rm", "-f", de->d_name, (char *)NULL);
			_exit(127);
		}
		if (k > 0)
			waitpid(k, NULL, 0);
		/* A monitor that never saw its container end (a wrong monitor_wait) outlives rm. */
		if (mon > 1 && state_start_time(mon, &t) == 0 && t == start)
			kill(mon, SIGKILL);
	}
	if (d)
		closedir(d);
	hako_rm_rf(e->own);
	_exit(0);
}

/*
 * The busybox rootfs the containers run from, in PATH: HAKO_OUT/l14-rootfs. Each container
 * writes only to a layer of its own (lesson 11's overlay, in HAKO_ROOT/containers/NAME), so
 * one rootfs serves every test of a build, and making one per test would cost a quarter of a
 * second each. The first test that needs it (or a newer mkrootfs.sh) makes it in a folder of
 * its own and renames that into place, so no test ever sees half of one.
 */
static void shared_rootfs(char *path, size_t len)
{
	const char *mkrootfs = "tests/tools/mkrootfs.sh";
	char out[PATH_MAX], tmp[PATH_MAX + 32], made[PATH_MAX + 32];
	struct stat script, stamp;
	struct hako_run r;

	check_that(getenv("HAKO_OUT") && realpath(getenv("HAKO_OUT"), out),
	           "HAKO_OUT is not set or not a folder: run the tests through `make lesson-14`");
	check_that(stat(mkrootfs, &script) == 0 && access(mkrootfs, X_OK) == 0,
	           "%s is missing: run the tests from the top of the course", mkrootfs);
	snprintf(path, len, "%s/l14-rootfs", out);
	snprintf(made, sizeof(made), "%s/l14-rootfs.made", out);
	if (stat(made, &stamp) == 0 && stamp.st_mtime > script.st_mtime && access(path, F_OK) == 0)
		return;
	snprintf(tmp, sizeof(tmp), "%s/l14-rootfs.%d", out, (int)getpid());
	hako_rm_rf(tmp);
	char *mk[] = {(char *)mkrootfs, tmp, NULL};
	check_that(hako_run_argv(mk, NULL, 60000, &r) == 0 && r.exit_code == 0, "%s %s failed: %s",
	           mkrootfs, tmp, r.err ? r.err : "");
	hako_run_free(&r);
	chmod(tmp, 0755);
	hako_rm_rf(path); /* an older one */
	check_that(rename(tmp, path) == 0, "rename %s to %s: %s", tmp, path, strerror(errno));
	hako_write_file(made, "");
}

static void env_setup(struct env *e)
{
	hako_require_root();
	memset(e, 0, sizeof(*e));
	shared_rootfs(e->rootfs, sizeof(e->rootfs));
	snprintf(e->own, sizeof(e->own), "/tmp/hako-test-l14-XXXXXX");
	check_that(mkdtemp(e->own) != NULL, "mkdtemp: %s", strerror(errno));
	snprintf(e->state, sizeof(e->state), "%s/state", e->own);
	setenv("HAKO_STATE", e->state, 1);
	setenv("HAKO_ROOT", e->own, 1);
	start_guard(e);
}

/* Run `hako WORDS...` to completion (at most 20 words). */
static void hako(struct hako_run *r, const char *const *words)
{
	hako_run_prog(r, "hako", words, NULL, WAIT_MS);
}

/* `hako run -d --name NAME [--hostname HOST] ROOTFS sh -c SCRIPT`; checks it returned 0. */
static void run_detached(struct env *e, const char *name, const char *host, const char *script)
{
	struct hako_run r;
	const char *with[] = {"run",     "-d", "--name", name,   "--hostname", host,
	                      e->rootfs, "sh", "-c",     script, NULL};
	const char *without[] = {"run", "-d", "--name", name, e->rootfs, "sh", "-c", script, NULL};

	hako(&r, host ? with : without);
	check_exit(&r, 0, "hako run -d");
	check_contains(r.out, name, "hako run -d prints the container's name");
	hako_run_free(&r);
}

static bool ps_has(const char *name, const char *status, bool all)
{
	struct hako_run r;
	const char *a[] = {"ps", "-a", NULL}, *n[] = {"ps", NULL};
	bool found = false;

	hako(&r, all ? a : n);
	check_exit(&r, 0, "hako ps");
	for (char *line = strtok(r.out, "\n"); line; line = strtok(NULL, "\n")) {
		char pad[80];
		snprintf(pad, sizeof(pad), " %s ", name);
		if (strstr(line, pad) && (!status || strstr(line, status)))
			found = true;
	}
	hako_run_free(&r);
	return found;
}

/* Wait until `hako ps -a` shows NAME with STATUS. */
static bool wait_ps(const char *name, const char *status, int ms)
{
	long long end = hako_now_ms() + ms;

	while (hako_now_ms() < end) {
		if (ps_has(name, status, true))
			return true;
		usleep(20000);
	}
	return false;
}

static pid_t init_pid(struct env *e, const char *name)
{
	struct container_state st;
	(void)e;
	check_int(state_load(name, &st), 0, "reading the container's state.json");
	return st.pid;
}

/* Wait up to MS until a child of INIT (the workload) has signal SIG's bit in the mask KEY of
 * its /proc/PID/status ("SigCgt:" a handler, "SigIgn:" ignored): the shell has run its
 * `trap`. */
static bool wait_workload_mask(pid_t init, const char *key, int sig, int ms)
{
	long long end = hako_now_ms() + ms;

	do {
		DIR *d = opendir("/proc");
		struct dirent *de;
		bool set = false;
		while (d && !set && (de = readdir(d))) {
			char path[300], line[256];
			int pid = atoi(de->d_name), ppid = -1;
			unsigned long long mask = 0;
			if (pid <= 0)
				continue;
			snprintf(path, sizeof(path), "/proc/%d/status", pid);
			FILE *f = fopen(path, "re");
			while (f && fgets(line, sizeof(line), f)) {
				sscanf(line, "PPid: %d", &ppid);
				if (strncmp(line, key, strlen(key)) == 0)
					mask = strtoull(line + strlen(key), NULL, 16);
			}
			if (f)
				fclose(f);
			set = ppid == init && (mask & (1ULL << (sig - 1)));
		}
		if (d)
			closedir(d);
		if (set)
			return true;
		usleep(10000);
	} while (hako_now_ms() < end);
	return false;
}

/* Nothing of NAME is left: state folder, layer, cgroups, processes. */
static void check_gone(struct env *e, const char *name, pid_t pid)
{
	char p[PATH_MAX + 64];
	static const char *const hier[] = {"",      "/unified", "/memory", "/cpu",
	                                   "/pids", "/cpuacct", "/devices"};

	snprintf(p, sizeof(p), "%s/%s", e->state, name);
	check_that(access(p, F_OK) < 0, "%s (the state folder) is still there after rm", p);
	snprintf(p, sizeof(p), "%s/containers/%s", e->own, name);
	check_that(access(p, F_OK) < 0, "%s (the container's layer) is still there after rm", p);
	for (size_t i = 0; i < sizeof(hier) / sizeof(hier[0]); i++) {
		snprintf(p, sizeof(p), "/sys/fs/cgroup%s/hako/%s", hier[i], name);
		check_that(access(p, F_OK) < 0, "%s (its cgroup) is still there after rm", p);
	}
	unsigned long long t;
	if (pid > 0) /* gone, or a zombie nobody reaped yet */
		check_that(state_start_time(pid, &t) < 0,
		           "the container's init (pid %d) still runs after rm", (int)pid);
}

static void rm_f(const char *name)
{
	struct hako_run r;
	const char *a[] = {"rm", "-f", name, NULL};
	hako(&r, a);
	check_exit(&r, 0, "hako rm -f");
	hako_run_free(&r);
}

static void test_detach_logs_rm(void **state)
{
	(void)state;
	struct env e;
	struct hako_run r;
	char name[16], mark[24], script[128], p[PATH_MAX];

	env_setup(&e);
	hako_rand_name(name, 10);
	hako_rand_name(mark, 16);
	snprintf(script, sizeof(script), "echo %s; echo err-%s >&2; exec sleep 1000", mark, mark);
	run_detached(&e, name, NULL, script);
	/* hako has returned: the container lives on under its monitor. */
	check_that(wait_ps(name, "Up ", 10000), "hako ps does not show %s as Up", name);
	pid_t pid = init_pid(&e, name);
	check_that(kill(pid, 0) == 0, "the container's init is gone after hako run -d returned");

	const char *logs[] = {"logs", name, NULL};
	long long end = hako_now_ms() + 10000;
	do {
		hako(&r, logs);
		check_exit(&r, 0, "hako logs");
		if (strstr(r.out, mark) && strstr(r.out, "err-"))
			break;
		hako_run_free(&r);
		r.out = NULL;
		usleep(100000);
	} while (hako_now_ms() < end);
	check_contains(r.out, mark, "hako logs (the workload's stdout)");
	check_contains(r.out, "err-", "hako logs (the workload's stderr)");
	hako_run_free(&r);

	/* rm without -f refuses a running container. */
	const char *rm[] = {"rm", name, NULL};
	hako(&r, rm);
	check_that(r.exit_code != 0, "hako rm of a running container must refuse (use -f)");
	hako_run_free(&r);
	check_that(kill(pid, 0) == 0, "hako rm without -f stopped the container");
	snprintf(p, sizeof(p), "%s/containers/%s", e.own, name);
	check_that(access(p, F_OK) == 0, "the container's layer %s is missing", p);

	rm_f(name);
	check_gone(&e, name, pid);
	check_that(!ps_has(name, NULL, true), "hako ps -a still lists %s after rm -f", name);
}

static void test_ps_exit_code(void **state)
{
	(void)state;
	struct env e;
	char name[16], script[64], want[32];
	int code = (int)hako_rand_range(1, 120);

	env_setup(&e);
	hako_rand_name(name, 10);
	/* It runs until we say (SIGHUP, which its init passes on), then exits CODE. */
	snprintf(script, sizeof(script), "trap 'exit %d' HUP; sleep 1000 & wait", code);
	run_detached(&e, name, NULL, script);
	check_that(ps_has(name, "Up ", false), "hako ps (without -a) must list %s while it runs",
	           name);
	pid_t init = init_pid(&e, name);
	check_that(wait_workload_mask(init, "SigCgt:", SIGHUP, 10000),
	           "the workload of %s did not set its trap for SIGHUP within 10 s", name);
	kill(init, SIGHUP);
	snprintf(want, sizeof(want), "Exited (%d) ", code);
	check_that(wait_ps(name, want, 15000), "hako ps -a does not show %s as \"%s...\"", name,
	           want);
	check_that(!ps_has(name, NULL, false), "hako ps without -a lists %s, which has exited",
	           name);
	/* The monitor cleaned up the cgroup when the workload ended. */
	pid_t pid = init_pid(&e, name);
	rm_f(name);
	check_gone(&e, name, pid);
}

/* `hako exec NAME sh -c SCRIPT`'s stdout (the run must succeed). */
static char *exec_out(const char *name, const char *script)
{
	struct hako_run r;
	const char *a[] = {"exec", name, "sh", "-c", script, NULL};
	hako(&r, a);
	check_exit(&r, 0, "hako exec");
	char *out = strdup(r.out);
	hako_run_free(&r);
	return out;
}

static const char *line_of(const char *text, const char *key, char *buf, size_t len)
{
	const char *p = strstr(text, key);
	size_t n = p ? strcspn(p, "\n") : 0;
	snprintf(buf, len, "%.*s", (int)n, p ? p : "");
	return buf;
}

static void test_exec_joins_everything(void **state)
{
	(void)state;
	struct env e;
	char name[16], host[16], buf[128], a[128], b[128];
	static const char *const ns[] = {"pid", "mnt", "uts", "net", "ipc", "cgroup"};

	env_setup(&e);
	hako_rand_name(name, 10);
	hako_rand_name(host, hako_rand_range(5, 14));
	run_detached(&e, name, host, "echo ready; exec sleep 1000");
	check_that(wait_ps(name, "Up ", 10000), "%s is not Up", name);
	pid_t pid = init_pid(&e, name);

	char *out = exec_out(name, "hostname");
	snprintf(buf, sizeof(buf), "%s\n", host);
	check_str(out, buf, "hostname under hako exec");
	free(out);

	/* Every namespace link is the container's init's, seen from the host. */
	out = exec_out(name, "for n in pid mnt uts net ipc cgroup; do readlink /proc/self/ns/$n; "
	                     "done");
	char *save = NULL, *l = strtok_r(out, "\n", &save);
	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++, l = strtok_r(NULL, "\n", &save)) {
		hako_ns_link(pid, ns[i], buf, sizeof(buf));
		check_that(l && strcmp(l, buf) == 0,
		           "hako exec's %s namespace is %s, the container's is %s", ns[i],
		           l ? l : "(none)", buf);
	}
	free(out);

	/* In the PID namespace (a small pid, not 1), the same cgroup, caps and seccomp mode. */
	out = exec_out(name, "echo $$; cat /proc/1/cmdline | tr '\\0' ' '; echo");
	int inner = atoi(out);
	check_that(inner > 1 && inner < 1000,
	           "hako exec's shell has pid %d: it must be a child in the container's PID "
	           "namespace (fork after setns)",
	           inner);
	free(out);
	char *self = exec_out(name, "cat /proc/self/status; echo ===; cat /proc/self/cgroup");
	char *one = exec_out(name, "cat /proc/1/status; echo ===; cat /proc/1/cgroup");
	static const char *const keys[] = {
	    "CapBnd:", "CapEff:", "CapPrm:", "NoNewPrivs:", "Seccomp:"};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		line_of(self, keys[i], a, sizeof(a));
		line_of(one, keys[i], b, sizeof(b));
		check_that(strcmp(a, b) == 0, "hako exec has \"%s\", the container's init \"%s\"",
		           a, b);
	}
	check_str(strstr(self, "==="), strstr(one, "==="),
	          "/proc/self/cgroup under exec and the container's /proc/1/cgroup");
	free(self);
	free(one);

	/* -e, -w and -u. */
	char val[16];
	hako_rand_name(val, 12);
	snprintf(buf, sizeof(buf), "HAKO_X=%s", val);
	int uid = (int)hako_rand_range(1000, 60000);
	char u[16];
	snprintf(u, sizeof(u), "%d", uid);
	struct hako_run r;
	const char *opts[] = {"exec",
	                      "-e",
	                      buf,
	                      "-w",
	                      "/tmp",
	                      "-u",
	                      u,
	                      name,
	                      "sh",
	                      "-c",
	                      "echo $HAKO_X $(pwd) $(id -u)",
	                      NULL};
	hako(&r, opts);
	check_exit(&r, 0, "hako exec -e -w -u");
	snprintf(a, sizeof(a), "%s /tmp %d\n", val, uid);
	check_str(r.out, a, "hako exec -e KEY=VALUE -w /tmp -u UID: echo $KEY $(pwd) $(id -u)");
	hako_run_free(&r);

	/* -t: a terminal of its own, on the container's devpts (lesson 13's pty). */
	const char *t[] = {"exec", "-t", name, "tty", NULL};
	hako(&r, t);
	check_exit(&r, 0, "hako exec -t NAME tty");
	check_contains(r.out, "/dev/pts/", "hako exec -t NAME tty");
	hako_run_free(&r);

	/* hako stats NAME: the container's cgroup, by name (lesson 08). */
	const char *st[] = {"stats", "--no-stream", "--interval", "100", name, NULL};
	hako(&r, st);
	check_exit(&r, 0, "hako stats --no-stream NAME");
	check_contains(r.out, name, "hako stats NAME's NAME column (its cgroup is hako/NAME)");
	hako_run_free(&r);

	/* The command's exit code comes back. */
	int code = (int)hako_rand_range(1, 100);
	snprintf(buf, sizeof(buf), "exit %d", code);
	const char *ex[] = {"exec", name, "sh", "-c", buf, NULL};
	hako(&r, ex);
	check_exit(&r, code, "hako exec's exit code");
	hako_run_free(&r);

	rm_f(name);
	check_gone(&e, name, pid);
}

static void test_stop_kills_after_timeout(void **state)
{
	(void)state;
	struct env e;
	struct hako_run r;
	char name[16];

	env_setup(&e);
	hako_rand_name(name, 10);
	run_detached(&e, name, NULL, "trap '' TERM; echo ready; while :; do sleep 1; done");
	check_that(wait_ps(name, "Up ", 10000), "%s is not Up", name);
	check_that(wait_workload_mask(init_pid(&e, name), "SigIgn:", SIGTERM, 10000),
	           "the workload of %s did not ignore SIGTERM within 10 s (`trap '' TERM`)", name);
	pid_t pid = init_pid(&e, name);
	/* stop -t 1 in the background: while it gives the workload its second, the test checks
	 * kill -s on a second container. The time stop takes is measured to the moment it ends. */
	struct hako_bg b;
	char *stop[] = {(char *)hako_prog("hako"), "stop", "-t", "1", name, NULL};
	long long t0 = hako_now_ms(), took = -1;
	int status = -1;
	check_that(hako_bg_start(&b, stop, NULL, NULL) == 0, "could not start hako stop");

	/* kill -s: the signal given (one the container's init passes on: a PID namespace's
	 * init gets no signal it has no handler for). */
	char name2[16];
	hako_rand_name(name2, 10);
	run_detached(&e, name2, NULL, "exec sleep 1000");
	check_that(wait_ps(name2, "Up ", 10000), "%s is not Up", name2);
	pid_t pid2 = init_pid(&e, name2);
	const char *k[] = {"kill", "-s", "HUP", name2, NULL};
	hako(&r, k);
	check_exit(&r, 0, "hako kill -s HUP");
	hako_run_free(&r);
	bool hup = false;
	for (long long end = hako_now_ms() + 15000; hako_now_ms() < end && (took < 0 || !hup);) {
		if (took < 0 && waitpid(b.pid, &status, WNOHANG) == b.pid) {
			took = hako_now_ms() - t0;
			b.pid = -1; /* reaped */
		}
		if (!hup)
			hup = ps_has(name2, "Exited (129)", true);
		usleep(5000);
	}
	hako_bg_finish(&b, 5000);
	check_that(took >= 0, "hako stop -t 1 still ran after 15 s");
	check_that(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	           "hako stop -t 1 failed (status 0x%x): see its stderr below", status);
	check_that(took >= 900,
	           "hako stop -t 1 returned after %lld ms: it must give the "
	           "workload the timeout before SIGKILL",
	           took);
	check_that(took < 12000, "hako stop -t 1 took %lld ms: SIGKILL after the timeout", took);
	check_that(wait_ps(name, "Exited (137)", 5000),
	           "after stop of a workload that ignores TERM, ps -a must say Exited (137)");
	check_that(hup, "after hako kill -s HUP, ps -a must say Exited (129) (128 + SIGHUP)");
	rm_f(name);
	rm_f(name2);
	check_gone(&e, name, pid);
	check_gone(&e, name2, pid2);
}

static void test_names_unique_twenty(void **state)
{
	(void)state;
	struct env e;
	struct hako_run r;
	enum { N = 20 };
	char names[N][16], cmd[PATH_MAX * 2 * N];
	size_t n = 0;

	env_setup(&e);
	for (int i = 0; i < N; i++)
		hako_rand_name(names[i], 10);
	/* All at once. */
	n += (size_t)snprintf(cmd + n, sizeof(cmd) - n, "set -e; ");
	for (int i = 0; i < N; i++)
		n += (size_t)snprintf(cmd + n, sizeof(cmd) - n,
		                      "'%s' run -d --name %s '%s' sleep 1000 >/dev/null & ",
		                      hako_prog("hako"), names[i], e.rootfs);
	snprintf(cmd + n, sizeof(cmd) - n,
	         "fail=0; for j in $(jobs -p); do wait $j || fail=1; "
	         "done; exit $fail");
	char *argv[] = {"/bin/sh", "-c", cmd, NULL};
	check_that(hako_run_argv(argv, NULL, 120000, &r) == 0 && !r.timed_out,
	           "20 hako run -d at once did not finish");
	check_exit(&r, 0, "20 hako run -d at once");
	hako_run_free(&r);

	/* A name is unique: a second one of the same name is refused. */
	const char *dup[] = {"run", "-d", "--name", names[0], e.rootfs, "true", NULL};
	hako(&r, dup);
	check_exit(&r, HAKO_EXIT_FAILED, "hako run -d with a name in use");
	check_contains(r.err, "in use", "the error for a name in use");
	hako_run_free(&r);

	pid_t pids[N];
	for (int i = 0; i < N; i++) {
		check_that(ps_has(names[i], "Up ", false), "container %d of 20 (%s) is not Up", i,
		           names[i]);
		pids[i] = init_pid(&e, names[i]);
	}
	n = (size_t)snprintf(cmd, sizeof(cmd), "fail=0; ");
	for (int i = 0; i < N; i++)
		n += (size_t)snprintf(cmd + n, sizeof(cmd) - n, "'%s' rm -f %s >/dev/null & ",
		                      hako_prog("hako"), names[i]);
	snprintf(cmd + n, sizeof(cmd) - n,
	         "for j in $(jobs -p); do wait $j || fail=1; done; "
	         "exit $fail");
	check_that(hako_run_argv(argv, NULL, 120000, &r) == 0 && !r.timed_out,
	           "20 hako rm -f at once did not finish");
	check_exit(&r, 0, "20 hako rm -f at once");
	hako_run_free(&r);
	for (int i = 0; i < N; i++)
		check_gone(&e, names[i], pids[i]);
}

static void test_monitor_killed(void **state)
{
	(void)state;
	struct env e;
	struct hako_run r;
	char name[16], p[PATH_MAX + 16];
	int mon = 0;

	env_setup(&e);
	hako_rand_name(name, 10);
	run_detached(&e, name, NULL, "exec sleep 1000");
	check_that(wait_ps(name, "Up ", 10000), "%s is not Up", name);
	pid_t pid = init_pid(&e, name);
	snprintf(p, sizeof(p), "%s/%s/monitor", e.state, name);
	check_that(sscanf(hako_read_file(p), "%d", &mon) == 1 && mon > 1, "%s holds no monitor pid",
	           p);
	check_that(mon != pid, "the monitor and the container's init are one process");
	kill(mon, SIGKILL);
	check_that(wait_ps(name, "Exited (255)", 10000),
	           "with its monitor killed, ps -a must report %s as Exited (255)", name);
	const char *rm[] = {"rm", name, NULL};
	hako(&r, rm);
	check_exit(&r, 0, "hako rm of a container whose monitor was killed");
	hako_run_free(&r);
	check_gone(&e, name, pid);
}

/* This test checks that `hako logs -f` follows a detached container: it prints what the
 * workload wrote before it started and what the workload writes while it runs, in that
 * order, and ends by itself once the container has exited (lifecycle_status says so). */
static void test_logs_follow(void **state)
{
	(void)state;
	struct env e;
	struct hako_bg b;
	char name[16], first[24], second[24], script[192];

	env_setup(&e);
	hako_rand_name(name, 10);
	hako_rand_name(first, 16);
	hako_rand_name(second, 16);
	/* The trap is set before the first line: once that line is in the log, a HUP makes the
	 * workload print the second one and exit. */
	snprintf(script, sizeof(script), "trap 'echo %s; exit 0' HUP; echo %s; sleep 1000 & wait",
	         second, first);
	run_detached(&e, name, NULL, script);
	pid_t pid = init_pid(&e, name);
	char *logs[] = {(char *)hako_prog("hako"), "logs", "-f", name, NULL};
	check_that(hako_bg_start(&b, logs, NULL, NULL) == 0, "could not start hako logs -f");
	bool saw_first = hako_bg_wait_for(&b, first, 10000);
	if (saw_first)
		kill(pid, SIGHUP); /* its init passes HUP on to the workload */
	bool saw_second = saw_first && hako_bg_wait_for(&b, second, 10000);
	/* The container has exited: logs -f must end soon after, by itself. */
	int status = hako_bg_finish(&b, 5000);
	check_that(saw_first || status == -1,
	           "hako logs -f ended before the workload's first line reached the log: it must "
	           "go on following while lifecycle_status returns 1 (running); it printed: %s",
	           b.text);
	check_that(saw_first, "hako logs -f did not print the line the workload wrote first: %s",
	           b.text);
	check_that(saw_second,
	           "hako logs -f did not print the line the workload wrote while it followed "
	           "(after a HUP): %s",
	           b.text);
	check_that(strstr(b.text, first) < strstr(b.text, second),
	           "hako logs -f printed the lines out of order: %s", b.text);
	check_that(status != -1,
	           "hako logs -f still ran 5 s after the container exited: it must stop once "
	           "lifecycle_status says the container is not running");
	check_that(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	           "hako logs -f failed (status 0x%x): see its stderr below", status);
	rm_f(name);
	check_gone(&e, name, pid);
}

/* Is a process with the command line `sleep ARG` running? */
static bool sleep_runs(const char *arg)
{
	char want[64], path[300], line[64];
	size_t wn = (size_t)snprintf(want, sizeof(want), "sleep%c%s", '\0', arg) + 1;
	DIR *d = opendir("/proc");
	struct dirent *de;
	bool found = false;

	while (d && !found && (de = readdir(d))) {
		if (atoi(de->d_name) <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cmdline", de->d_name);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		ssize_t n = fd >= 0 ? read(fd, line, sizeof(line)) : -1;
		if (fd >= 0)
			close(fd);
		found = n == (ssize_t)wn && memcmp(line, want, wn) == 0;
	}
	if (d)
		closedir(d);
	return found;
}

/* This test checks `hako exec -it NAME sh` through a terminal the test opens, as a user's:
 * what is typed reaches the shell and is echoed back, the shell's stdin is a terminal on
 * the container's devpts (`tty` names /dev/pts/N, `[ -t 0 ]` holds), it runs in the
 * container (it sees a file the workload wrote), a Ctrl-C interrupts a `sleep` inside and
 * not hako, and the shell's exit code is hako's. */
static void test_exec_tty(void **state)
{
	(void)state;
	struct env e;
	char name[16], word[16], mark[16], script[128], line[256], nap[16] = "";
	static char buf[16384];
	size_t used = 0;
	int code = (int)hako_rand_range(3, 99), status = -1;

	buf[0] = '\0';
	env_setup(&e);
	hako_rand_name(name, 10);
	hako_rand_name(word, 12);
	hako_rand_name(mark, 12);
	snprintf(script, sizeof(script), "echo %s > /tmp/mark; exec sleep 1000", mark);
	run_detached(&e, name, NULL, script);
	pid_t init = init_pid(&e, name);
	int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	check_that(m >= 0 && grantpt(m) == 0 && unlockpt(m) == 0, "posix_openpt: %s",
	           strerror(errno));
	char slave[64];
	check_that(ptsname_r(m, slave, sizeof(slave)) == 0, "ptsname_r: %s", strerror(errno));
	pid_t pid = fork();
	check_that(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		/* The user's side: a session whose controlling terminal is the test's pty. */
		quiet_child(-1);
		setsid();
		int s = open(slave, O_RDWR);
		if (s < 0 || ioctl(s, TIOCSCTTY, 0) < 0)
			_exit(120);
		dup2(s, 0), dup2(s, 1), dup2(s, 2);
		execl(hako_prog("hako"), "hako", "exec", "-it", name, "sh", (char *)NULL);
		_exit(121);
	}
	/* Typed text is echoed as typed ($W), the shell's output has the word in its place. */
	snprintf(line, sizeof(line),
	         "W=%s; echo \"got-$W-$(tty)\"; [ -t 0 ] && echo \"tty-$W\"; cat /tmp/mark\n",
	         word);
	check_that(write(m, line, strlen(line)) == (ssize_t)strlen(line), "write: %s",
	           strerror(errno));
	char want[64];
	snprintf(want, sizeof(want), "W=%s;", word);
	bool echoed = hako_read_until(m, buf, sizeof(buf), &used, want, WAIT_MS);
	snprintf(want, sizeof(want), "got-%s-/dev/pts/", word);
	bool got = echoed && hako_read_until(m, buf, sizeof(buf), &used, want, 10000);
	snprintf(want, sizeof(want), "tty-%s", word);
	/* The rest of that line's output follows within milliseconds. */
	bool is_tty = got && hako_read_until(m, buf, sizeof(buf), &used, want, 3000);
	bool inside = got && hako_read_until(m, buf, sizeof(buf), &used, mark, 3000);
	/* A sleep in the foreground, then Ctrl-C: the shell must answer the next line at once. */
	bool slept = false, alive = false, interrupted = false;
	if (inside) {
		snprintf(nap, sizeof(nap), "%ld", hako_rand_range(300, 900));
		snprintf(line, sizeof(line), "sleep %s\n", nap);
		check_that(write(m, line, strlen(line)) == (ssize_t)strlen(line), "write");
		for (long long end = hako_now_ms() + 10000; !slept && hako_now_ms() < end;
		     usleep(5000))
			slept = sleep_runs(nap);
	}
	if (slept) {
		check_that(write(m, "\003", 1) == 1, "write Ctrl-C: %s", strerror(errno));
		for (long long end = hako_now_ms() + 10000; sleep_runs(nap) && hako_now_ms() < end;
		     usleep(5000))
			;
		alive = waitpid(pid, &status, WNOHANG) == 0;
		snprintf(line, sizeof(line), "echo \"after-$W\"; exit %d\n", code);
		if (alive && write(m, line, strlen(line)) == (ssize_t)strlen(line)) {
			snprintf(want, sizeof(want), "after-%s", word);
			interrupted = hako_read_until(m, buf, sizeof(buf), &used, want, 10000);
		}
	}
	/* hako exec ends with the shell's `exit`; read on so that it never blocks on a full
	 * terminal. Without that line typed, it is killed at once. */
	pid_t w = interrupted ? 0 : -1;
	for (long long end = hako_now_ms() + 10000; w == 0 && hako_now_ms() < end;) {
		char junk[256];
		struct pollfd p = {.fd = m, .events = POLLIN};
		if (poll(&p, 1, 20) > 0 && read(m, junk, sizeof(junk)) < 0)
			usleep(10000);
		w = waitpid(pid, &status, WNOHANG);
	}
	if (w <= 0 && (alive || !slept)) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	close(m);
	check_that(echoed, "what the test typed was not echoed back through hako exec -it: %s",
	           buf);
	check_that(got, "no \"%s\" from `tty` in the exec'd shell: %s", want, buf);
	check_that(is_tty, "`[ -t 0 ]` is false in the exec'd shell: its stdin must be a terminal");
	check_that(inside,
	           "the exec'd shell does not see /tmp/mark, which the container's workload "
	           "wrote: it is not in the container's mount namespace: %s",
	           buf);
	check_that(slept, "`sleep %s` typed into the exec'd shell did not start", nap);
	check_that(alive && !sleep_runs(nap),
	           "Ctrl-C typed at `sleep %s` must interrupt the sleep, not end hako exec "
	           "(hako %s, sleep %s)",
	           nap, alive ? "runs" : "ended", sleep_runs(nap) ? "runs" : "ended");
	check_that(interrupted, "the shell did not answer after Ctrl-C: %s", buf);
	check_that(WIFEXITED(status), "hako exec -it did not exit (status 0x%x)", status);
	check_int(WEXITSTATUS(status), code, "hako exec -it's exit code (the shell's `exit`)");
	rm_f(name);
	check_gone(&e, name, init);
}

HAKO_TEST_MAIN(HAKO_TEST(test_lifecycle_duration), HAKO_TEST(test_lifecycle_format_status),
               HAKO_TEST(test_lifecycle_status), HAKO_TEST(test_lifecycle_lock),
               HAKO_TEST(test_monitor_wait), HAKO_TEST(test_exec_apply_security),
               HAKO_TEST(test_detach_logs_rm), HAKO_TEST(test_ps_exit_code),
               HAKO_TEST(test_exec_joins_everything), HAKO_TEST(test_stop_kills_after_timeout),
               HAKO_TEST(test_names_unique_twenty), HAKO_TEST(test_monitor_killed),
               HAKO_TEST(test_logs_follow), HAKO_TEST(test_exec_tty))
