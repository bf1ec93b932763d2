/* test_userns.c: graded tests for lesson 05 — the parent/child handshake, uid/gid maps,
 * and hako run by an ordinary user. */
#include "hako_test.h"
#include "hako.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define CAP_SYS_ADMIN_BIT 21

/* ---- helpers ---- */

/* Wait up to MS for FD to become readable (or hang up); true if it did. */
static bool readable(int fd, int ms)
{
	struct pollfd p = {fd, POLLIN, 0};
	int n;

	while ((n = poll(&p, 1, ms)) < 0 && errno == EINTR)
		;
	return n > 0;
}

/* Read an int the other side wrote to FD, waiting up to MS. False on timeout or EOF. */
static bool read_int(int fd, int ms, int *value)
{
	return readable(fd, ms) && read(fd, value, sizeof(*value)) == (ssize_t)sizeof(*value);
}

/* waitpid() with a deadline; kills PID (our own child) when it runs out. Returns the wait
 * status, or -1 if it had to be killed. */
static int wait_or_kill(pid_t pid, int ms)
{
	int status;

	for (int waited = 0; waited < ms; waited += 10) {
		pid_t w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			return status;
		if (w < 0 && errno != EINTR)
			return -1;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

/* The ids that the unprivileged tests run as: as root, a random uid and gid in 60000-65000
 * that no account or group uses; otherwise our own. */
static void pick_ids(uid_t *uid, gid_t *gid)
{
	if (geteuid() != 0) {
		*uid = getuid();
		*gid = getgid();
		return;
	}
	do
		*uid = (uid_t)hako_rand_range(60000, 65000);
	while (getpwuid(*uid) != NULL);
	do
		*gid = (gid_t)hako_rand_range(60000, 65000);
	while (getgrgid(*gid) != NULL);
}

/* In a child process: become UID/GID (when root), then call FN(ARG); its value (0-255) is
 * the child's exit status. Everything the child prints to stderr is collected in ERR. Waits
 * at most 10 s. Returns the exit status, or -1 if the child crashed or hung. */
static int run_as(uid_t uid, gid_t gid, int (*fn)(void *), void *arg, char *err, size_t errlen)
{
	int pipefd[2];
	size_t got = 0;

	check_that(pipe2(pipefd, O_CLOEXEC) == 0, "pipe: %s", strerror(errno));
	fflush(NULL);
	pid_t pid = fork();
	check_that(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		dup2(pipefd[1], 2);
		if (geteuid() == 0 && (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 ||
		                       setresuid(uid, uid, uid) < 0))
			_exit(250);
		/* Changing ids made us undumpable, so /proc/PID/ files of our children would
		 * belong to root; an ordinary user's process is dumpable. */
		prctl(PR_SET_DUMPABLE, 1);
		_exit(fn(arg) & 255);
	}
	close(pipefd[1]);
	while (got + 1 < errlen && readable(pipefd[0], 10000)) {
		ssize_t n = read(pipefd[0], err + got, errlen - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	err[got] = '\0';
	close(pipefd[0]);
	int status = wait_or_kill(pid, 10000);
	return status >= 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Can UID/GID make a user namespace? (Some kernels forbid it to unprivileged users.) */
static int try_userns(void *arg)
{
	return unshare(CLONE_NEWUSER) == 0 ? 0 : 1;
}

static void require_unprivileged_userns(uid_t uid, gid_t gid)
{
	char err[256];

	if (run_as(uid, gid, try_userns, NULL, err, sizeof(err)) != 0)
		hako_skip(
		    "needs user namespaces for unprivileged users: run `sudo sysctl -w "
		    "kernel.unprivileged_userns_clone=1` (Debian, older Ubuntu), `sudo sysctl "
		    "-w kernel.apparmor_restrict_unprivileged_userns=0` (Ubuntu 24.04), and "
		    "check that user.max_user_namespaces is not 0");
}

/* A copy of the hako under test in DIR (mode 0755), so that an unprivileged user can run it
 * wherever the build folder is. Returns a malloc'd path. */
static char *copy_hako(const char *dir)
{
	char *dst;
	char buf[65536];
	ssize_t n;

	check_that(asprintf(&dst, "%s/hako", dir) > 0, "out of memory");
	int in = open(hako_prog("hako"), O_RDONLY | O_CLOEXEC);
	int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	check_that(in >= 0 && out >= 0, "copy hako to %s: %s", dst, strerror(errno));
	while ((n = read(in, buf, sizeof(buf))) > 0)
		check_that(write(out, buf, (size_t)n) == n, "copy hako: %s", strerror(errno));
	close(in);
	close(out);
	chmod(dir, 0755);
	return dst;
}

/* Run `HAKO run WORDS...` (up to 8) as UID/GID: through hako-asuser when we are root,
 * directly otherwise. Does not fail the test, so that callers can clean up first: exit_code
 * is -1 if hako could not be started, -2 if it did not finish within 20 s. */
static void hako_as(struct hako_run *r, const char *hako, uid_t uid, gid_t gid,
                    const char *const *words)
{
	char u[16], g[16];
	char *argv[16];
	int n = 0;

	snprintf(u, sizeof(u), "%u", (unsigned)uid);
	snprintf(g, sizeof(g), "%u", (unsigned)gid);
	if (geteuid() == 0) {
		argv[n++] = (char *)hako_prog("hako-asuser");
		argv[n++] = u;
		argv[n++] = g;
	}
	argv[n++] = (char *)hako;
	argv[n++] = "run";
	for (int i = 0; words[i] && n < 15; i++)
		argv[n++] = (char *)words[i];
	argv[n] = NULL;
	if (hako_run_argv(argv, NULL, 20000, r) < 0) {
		memset(r, 0, sizeof(*r));
		r->exit_code = -1;
	} else if (r->timed_out) {
		r->exit_code = -2; /* the callers report it after cleaning up */
	}
}

/* Read a small file into BUF, with runs of blanks turned into one space and the ends
 * trimmed, so "         0       1000          1\n" reads "0 1000 1". */
static void read_squeezed(const char *path, char *buf, size_t len)
{
	char raw[256];
	size_t j = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, raw, sizeof(raw) - 1) : -1;

	if (fd >= 0)
		close(fd);
	if (n < 0) {
		snprintf(buf, len, "(cannot read %s: %s)", path, strerror(errno));
		return;
	}
	raw[n] = '\0';
	for (char *p = raw; *p && j + 1 < len; p++) {
		bool blank = *p == ' ' || *p == '\t' || *p == '\n';
		if (!blank)
			buf[j++] = *p;
		else if (j > 0 && buf[j - 1] != ' ')
			buf[j++] = ' ';
	}
	if (j > 0 && buf[j - 1] == ' ')
		j--;
	buf[j] = '\0';
}

/* ---- the handshake ---- */

/* Did the child PID answer on REPORT before it went to sleep in read(GO)? Waits until it
 * answers (true) or sleeps in read(GO) (false), and at most MS (false): a child that blocks
 * some other way gets the whole time to answer. */
static bool answered_before_read(pid_t pid, int go, int report, int ms)
{
	for (long long end = hako_now_ms() + ms; hako_now_ms() < end;) {
		if (readable(report, 0))
			return true;
		if (hako_asleep_in(pid, SYS_read, go))
			return false;
		usleep(2000);
	}
	return readable(report, 0);
}

struct sync_child {
	int go[2];     /* the pipe under test */
	int report[2]; /* the child writes "ready", then userns_sync_wait's result */
};

/* Set by a test before start_sync_child(): the child catches SIGUSR1 with a handler that
 * interrupts system calls (no SA_RESTART), as a signal that arrives while it waits would. The
 * handler writes a byte to usr1_note (when it is not -1), so the test knows it has run. */
static bool sync_child_catches_usr1;
static int usr1_note = -1;

static void on_usr1(int sig)
{
	int saved = errno; /* the code it interrupted reads errno next */
	char c = 1;

	if (usr1_note >= 0 && write(usr1_note, &c, 1) < 0)
		c = 0;
	errno = saved;
}

/* A forked child: say ready, wait for go, report what userns_sync_wait returned. */
static void sync_child_main(struct sync_child *s)
{
	int ready = 1, rc;

	if (sync_child_catches_usr1)
		sigaction(SIGUSR1, &(struct sigaction){.sa_handler = on_usr1}, NULL);
	close(s->report[0]);
	if (write(s->report[1], &ready, sizeof(ready)) < 0)
		_exit(1);
	rc = userns_sync_wait(s->go);
	if (write(s->report[1], &rc, sizeof(rc)) < 0)
		_exit(1);
	_exit(0);
}

static pid_t start_sync_child(struct sync_child *s)
{
	int ready;

	check_that(pipe2(s->go, O_CLOEXEC) == 0 && pipe2(s->report, O_CLOEXEC) == 0, "pipe: %s",
	           strerror(errno));
	fflush(NULL);
	pid_t pid = fork();
	check_that(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0)
		sync_child_main(s);
	close(s->report[1]);
	if (!read_int(s->report[0], 10000, &ready)) {
		wait_or_kill(pid, 0);
		fail_msg("the test's child did not start within 10 s");
	}
	return pid;
}

/* This test checks that userns_sync_wait() blocks until the parent calls userns_sync_go(),
 * and then returns 0. */
static void test_userns_sync_waits(void **state)
{
	struct sync_child s;
	int rc = -12345;
	/* A child that did not wait may have exited: writing "go" then raises SIGPIPE, which
	 * would end this test before it can say what went wrong. Ignored, write() gets EPIPE. */
	signal(SIGPIPE, SIG_IGN);
	pid_t pid = start_sync_child(&s);

	int go_end = s.go[0]; /* the same number in the child */
	close(s.go[0]);
	bool early = answered_before_read(pid, go_end, s.report[0], 1000);
	int go_rc = userns_sync_go(s.go);
	int go_fd = s.go[1];
	bool got = read_int(s.report[0], 10000, &rc);
	if (s.go[1] >= 0)
		close(s.go[1]);
	close(s.report[0]);
	wait_or_kill(pid, got ? 5000 : 0);

	check_that(!early, "userns_sync_wait() returned before the parent said go: it must "
	                   "block in read() until a byte arrives");
	check_int(go_rc, 0, "userns_sync_go() on a pipe whose reader waits");
	check_int(go_fd, -1, "go[1] after userns_sync_go() (it closes it and sets it to -1)");
	check_that(got, "userns_sync_wait() still had not returned 10 s after the parent said go");
	check_int(rc, 0, "userns_sync_wait() after the parent said go");
}

/* This test checks that userns_sync_wait() returns -ECANCELED, and does not hang, when the
 * parent closes its end without saying go (hako failed or died). */
static void test_userns_sync_parent_gone(void **state)
{
	struct sync_child s;
	int rc = -12345;
	pid_t pid = start_sync_child(&s);

	close(s.go[0]);
	close(s.go[1]); /* the parent is gone: no "go" byte, just end of file */
	bool got = read_int(s.report[0], 10000, &rc);
	close(s.report[0]);
	wait_or_kill(pid, got ? 5000 : 0);

	check_that(got, "userns_sync_wait() still blocked 10 s after every parent end closed: "
	                "did the child close its own copy of the write end go[1] before read()?");
	check_int(rc, -ECANCELED, "userns_sync_wait() when the pipe ends without a \"go\"");
}

/* This test checks that only the go byte means go: a different byte, then end of file, is
 * -ECANCELED. */
static void test_userns_sync_wrong_byte(void **state)
{
	struct sync_child s;
	int rc = -12345;
	char wrong = (char)hako_rand_range('a', 'z'); /* never 'G' */

	signal(SIGPIPE, SIG_IGN);
	pid_t pid = start_sync_child(&s);
	close(s.go[0]);
	bool sent = write(s.go[1], &wrong, 1) == 1;
	close(s.go[1]);
	bool got = read_int(s.report[0], 10000, &rc);
	close(s.report[0]);
	wait_or_kill(pid, got ? 5000 : 0);

	check_that(sent, "could not write to the child's pipe");
	check_that(got, "userns_sync_wait() still blocked 10 s after a byte and end of file");
	char what[80];
	snprintf(what, sizeof(what),
	         "userns_sync_wait() after the byte '%c' (not go), then end of file", wrong);
	check_int(rc, -ECANCELED, what);
}

/* This test checks that a signal caught while the child waits (read() fails with EINTR)
 * does not end the wait: userns_sync_wait() reads again, and returns 0 on go. */
static void test_userns_sync_survives_signal(void **state)
{
	struct sync_child s;
	int rc = -12345;

	int note[2];

	signal(SIGPIPE, SIG_IGN);
	check_that(pipe2(note, O_CLOEXEC) == 0, "pipe: %s", strerror(errno));
	sync_child_catches_usr1 = true;
	usr1_note = note[1];
	pid_t pid = start_sync_child(&s);
	close(note[1]);
	int go_end = s.go[0];
	close(s.go[0]);
	bool early = answered_before_read(pid, go_end, s.report[0], 300);
	kill(pid, SIGUSR1);
	/* Once the handler has run, the read() it interrupted is over: a child asleep in
	 * read() again has retried. */
	bool handled = readable(note[0], 10000);
	close(note[0]);
	bool after_signal = handled ? answered_before_read(pid, go_end, s.report[0], 500)
	                            : readable(s.report[0], 500);
	int go_rc = userns_sync_go(s.go);
	bool got = read_int(s.report[0], 10000, &rc);
	if (s.go[1] >= 0)
		close(s.go[1]);
	close(s.report[0]);
	wait_or_kill(pid, got ? 5000 : 0);

	check_that(!early, "userns_sync_wait() returned before the parent said go");
	check_that(!after_signal,
	           "userns_sync_wait() returned when a caught signal interrupted read() (EINTR), "
	           "before the parent said go (it returned %d)",
	           got ? rc : -12345);
	check_int(go_rc, 0, "userns_sync_go()");
	check_that(got, "userns_sync_wait() had not returned 10 s after the parent said go");
	check_int(rc, 0, "userns_sync_wait() after a signal, then go");
}

/* The middle process of test_userns_sync_dies_with_parent: start a child that waits, tell it
 * go, then sleep until killed. The child reports its pid and what userns_sync_wait()
 * returned, and sleeps too. */
static void middle_main(int report_w)
{
	int go[2];

	if (pipe2(go, O_CLOEXEC) < 0)
		_exit(1);
	pid_t child = fork();
	if (child == 0) {
		int rc = userns_sync_wait(go);
		int me[2] = {(int)getpid(), rc};
		if (write(report_w, me, sizeof(me)) < 0)
			_exit(1);
		for (;;)
			pause();
	}
	close(report_w); /* only the grandchild holds it now: its death closes the pipe */
	close(go[0]);
	userns_sync_go(go);
	for (;;)
		pause();
}

/* Is PID alive, asleep (S), with no SIGKILL pending? A process whose parent died with
 * PR_SET_PDEATHSIG set to SIGKILL has SIGKILL pending the moment its parent has exited, and
 * then dies (the kernel sends it while the parent exits, before the parent can be reaped).
 * Reads /proc/PID/status; false if it cannot. */
static bool asleep_without_kill(pid_t pid)
{
	char path[64], line[256];
	unsigned long long pending = 0, mask;
	bool asleep = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (!(f = fopen(path, "re")))
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "State:", 6) == 0)
			asleep = strstr(line, "(sleeping)") != NULL;
		else if ((sscanf(line, "SigPnd: %llx", &mask) == 1 ||
		          sscanf(line, "ShdPnd: %llx", &mask) == 1))
			pending |= mask;
	}
	fclose(f);
	return asleep && !(pending & (1ULL << (SIGKILL - 1)));
}

/* This test checks that a child that got "go" is killed when its parent dies (so a killed
 * hako never leaves its container running). */
static void test_userns_sync_dies_with_parent(void **state)
{
	int report[2], child[2] = {-1, -12345};

	check_that(pipe2(report, O_CLOEXEC) == 0, "pipe: %s", strerror(errno));
	fflush(NULL);
	pid_t middle = fork();
	check_that(middle >= 0, "fork: %s", strerror(errno));
	if (middle == 0) {
		close(report[0]);
		middle_main(report[1]);
	}
	close(report[1]);
	bool started = readable(report[0], 10000) &&
	               read(report[0], child, sizeof(child)) == (ssize_t)sizeof(child);
	kill(middle, SIGKILL);
	waitpid(middle, NULL, 0);
	/* When the grandchild dies, the last write end closes and poll() reports it. Once the
	 * middle process has been reaped, a grandchild still asleep with no SIGKILL pending
	 * will never die: the failure is certain, so do not wait for it (twice, 20 ms apart, to
	 * be sure of what /proc shows). */
	bool died = false;
	for (int asleep = 0, waited = 0; waited < 10000 && asleep < 2; waited += 20) {
		if ((died = readable(report[0], 20)))
			break;
		asleep = started && asleep_without_kill(child[0]) ? asleep + 1 : 0;
	}
	char c;
	died = died && read(report[0], &c, 1) == 0;
	if (!died && started && child[0] > 0)
		kill(child[0], SIGKILL);
	close(report[0]);

	check_that(started && child[0] > 0, "the test's child did not start or report");
	check_int(child[1], 0, "userns_sync_wait() in the child after its parent said go");
	check_that(died,
	           "the child lived on after its parent was killed (asleep, no SIGKILL on its "
	           "way): prctl(PR_SET_PDEATHSIG, SIGKILL) before waiting");
}

/* ---- the maps ---- */

/* A child in a new user namespace that waits until the test closes the pipe. */
static int blocked_child(void *arg)
{
	int *fds = arg;
	char c;

	close(fds[1]);
	while (read(fds[0], &c, 1) < 0 && errno == EINTR)
		;
	return 0;
}

/* This test checks that userns_write_maps() writes uid_map, "deny" to setgroups, and
 * gid_map, as the kernel shows them in /proc/PID/. */
static void test_userns_maps_written(void **state)
{
	int fds[2];
	uid_t uid = getuid();
	gid_t gid = getgid();
	char path[64], uid_map[128], gid_map[128], setgroups[64], want_uid[64], want_gid[64];

	if (geteuid() == 0) { /* root may map any id: make them random */
		uid = (uid_t)hako_rand_range(1000, 999999);
		gid = (gid_t)hako_rand_range(1000, 999999);
	}
	check_that(pipe2(fds, O_CLOEXEC) == 0, "pipe: %s", strerror(errno));
	pid_t pid = container_clone(blocked_child, fds, CLONE_NEWUSER | SIGCHLD);
	check_that(pid > 0, "clone(CLONE_NEWUSER) failed: %s", strerror(-pid));
	close(fds[0]);
	int rc = userns_write_maps(pid, uid, gid);
	snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)pid);
	read_squeezed(path, uid_map, sizeof(uid_map));
	snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)pid);
	read_squeezed(path, gid_map, sizeof(gid_map));
	snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)pid);
	read_squeezed(path, setgroups, sizeof(setgroups));
	close(fds[1]);
	wait_or_kill(pid, 5000);

	snprintf(want_uid, sizeof(want_uid), "0 %u 1", (unsigned)uid);
	snprintf(want_gid, sizeof(want_gid), "0 %u 1", (unsigned)gid);
	check_int(rc, 0,
	          "userns_write_maps() for a fresh user namespace (the full output shows the "
	          "write that failed)");
	check_str(uid_map, want_uid, "/proc/PID/uid_map (inside outside count)");
	check_str(setgroups, "deny", "/proc/PID/setgroups");
	check_str(gid_map, want_gid, "/proc/PID/gid_map (inside outside count)");
}

/* In a fresh user namespace whose maps are written by the student's code: do we hold
 * CAP_SYS_ADMIN, and can we use it on the host's hostname? */
static int caps_child(void *arg)
{
	int *go = arg;
	char line[256], name[128];
	unsigned long long capeff = 0;

	if (userns_sync_wait(go) < 0)
		return 1;
	FILE *f = fopen("/proc/self/status", "r");
	while (f && fgets(line, sizeof(line), f))
		sscanf(line, "CapEff: %llx", &capeff);
	if (f)
		fclose(f);
	if (!(capeff & (1ULL << CAP_SYS_ADMIN_BIT)))
		return 2;
	/* The same name it has now: nothing would change even if this succeeded. */
	if (gethostname(name, sizeof(name)) < 0)
		return 4;
	if (sethostname(name, strlen(name)) == 0)
		return 3;
	return errno == EPERM ? 0 : 4;
}

/* This test checks that root of a new user namespace holds every capability there, yet
 * cannot use them on what the host owns: it cannot set the host's hostname. */
static void test_userns_no_host_caps(void **state)
{
	int go[2];

	signal(SIGPIPE, SIG_IGN); /* as in test_userns_sync_waits: EPIPE, not a crash */
	check_that(pipe2(go, O_CLOEXEC) == 0, "pipe: %s", strerror(errno));
	/* Only a user namespace: the child shares our UTS namespace, the host's. */
	pid_t pid = container_clone(caps_child, go, CLONE_NEWUSER | SIGCHLD);
	check_that(pid > 0, "clone(CLONE_NEWUSER) failed: %s", strerror(-pid));
	close(go[0]);
	go[0] = -1;
	int maps = userns_write_maps(pid, getuid(), getgid());
	int gone = maps == 0 ? userns_sync_go(go) : -1;
	if (go[1] >= 0)
		close(go[1]);
	int status = wait_or_kill(pid, 10000);
	int code = status >= 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;

	check_int(maps, 0, "userns_write_maps()");
	check_int(gone, 0,
	          "userns_sync_go() (-EPIPE: the child had ended without waiting for go; "
	          "userns_sync_wait() must block in read())");
	check_that(code != 1, "the child's userns_sync_wait() failed");
	check_that(code != 2, "root in the new user namespace lacks CAP_SYS_ADMIN (CapEff): the "
	                      "first process of a user namespace holds every capability there, "
	                      "maps or not; did userns_sync_wait() change its ids?");
	check_that(code != 3, "sethostname() on the host's UTS namespace succeeded from inside a "
	                      "user namespace");
	check_int(code, 0, "exit code of the child (0: EPERM from sethostname, as expected)");
}

/* As an unprivileged user: map an id that is not ours. */
struct bad_map {
	uid_t uid;
	gid_t gid;
	pid_t pid;
};

static int bad_map_main(void *arg)
{
	struct bad_map *b = arg;
	int fds[2];

	if (pipe2(fds, O_CLOEXEC) < 0)
		return 200;
	pid_t pid = container_clone(blocked_child, fds, CLONE_NEWUSER | SIGCHLD);
	if (pid < 0)
		return 201;
	close(fds[0]);
	fprintf(stderr, "child %d\n", (int)pid);
	fflush(stderr);
	int rc = userns_write_maps(pid, b->uid + 1, b->gid);
	close(fds[1]);
	waitpid(pid, NULL, 0);
	return -rc;
}

/* This test checks that a mapping the kernel refuses (an unprivileged user mapping an id
 * that is not its own) returns -EPERM and prints the file and the kernel's reason. */
static void test_userns_bad_map_reported(void **state)
{
	struct bad_map b;
	char err[2048], want[64];
	int child = 0;

	pick_ids(&b.uid, &b.gid);
	require_unprivileged_userns(b.uid, b.gid);
	int code = run_as(b.uid, b.gid, bad_map_main, &b, err, sizeof(err));
	check_that(code != 200 && code != 201, "could not start a child in a user namespace");
	check_that(code == EPERM,
	           "userns_write_maps() mapping someone else's uid: expected -%d (EPERM), got -%d; "
	           "it printed: %s",
	           EPERM, code, err);
	check_that(sscanf(err, "child %d", &child) == 1, "no child pid in: %s", err);
	snprintf(want, sizeof(want), "/proc/%d/uid_map", child);
	check_contains(err, want, "the message printed for the refused write");
	check_contains(err, strerror(EPERM), "the message printed for the refused write");
}

/* ---- hako, as root and as an ordinary user ---- */

/* This test checks that `hako run --rootless` runs the command as uid 0 and gid 0 of a user
 * namespace that maps them to the caller's own ids. */
static void test_userns_root_inside(void **state)
{
	struct hako_run r;
	char want[128];
	const char *words[] = {"--rootless",
	                       "--isolate",
	                       "/bin/sh",
	                       "-c",
	                       "id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map",
	                       NULL};

	char *hako = strdup(hako_prog("hako"));
	hako_as(&r, hako, getuid(), getgid(), words);
	free(hako);
	/* squeeze the blanks of the two maps */
	char *out = r.out, squeezed[256];
	size_t j = 0;
	for (char *p = out; *p && j + 1 < sizeof(squeezed); p++)
		if (*p != ' ' || (j > 0 && squeezed[j - 1] != ' ' && squeezed[j - 1] != '\n'))
			squeezed[j++] = *p;
	squeezed[j] = '\0';
	snprintf(want, sizeof(want), "0\n0\n0 %u 1\n0 %u 1\n", (unsigned)getuid(),
	         (unsigned)getgid());
	check_that(r.exit_code == 0, "hako run --rootless exited %d, stderr: %s", r.exit_code,
	           r.err);
	check_str(squeezed, want, "id -u, id -g, uid_map and gid_map inside");
	hako_run_free(&r);
}

/* This test checks that an ordinary user's `hako run --hostname NAME` works without
 * --rootless: hako makes a user namespace by itself, root inside is the user outside, and
 * the UTS namespace of lesson 02 works inside it. */
static void test_userns_unprivileged_user(void **state)
{
	struct hako_run r;
	uid_t uid;
	gid_t gid;
	char host[24], want[160], out[256];
	pick_ids(&uid, &gid);
	require_unprivileged_userns(uid, gid);
	char *dir = hako_tmpdir();
	hako_rand_name(host, 12);
	char *hako = copy_hako(dir);
	const char *words[] = {
	    "--hostname", host, "/bin/sh", "-c", "id -u; id -g; hostname; cat /proc/self/uid_map",
	    NULL};
	hako_as(&r, hako, uid, gid, words);
	hako_rm_rf(dir);
	free(hako);
	free(dir);

	size_t j = 0;
	for (char *p = r.out; *p && j + 1 < sizeof(out); p++)
		if (*p != ' ' || (j > 0 && out[j - 1] != ' ' && out[j - 1] != '\n'))
			out[j++] = *p;
	out[j] = '\0';
	snprintf(want, sizeof(want), "0\n0\n%s\n0 %u 1\n", host, (unsigned)uid);
	check_that(r.exit_code == 0,
	           "hako run --hostname as an ordinary user exited %d, stderr: %s", r.exit_code,
	           r.err);
	check_str(out, want, "id -u, id -g, hostname and uid_map inside");
	hako_run_free(&r);
}

/* This test checks that a file the container's root creates in a folder it shares with the
 * host belongs to root inside, and to the mapped user outside. */
static void test_userns_file_owner(void **state)
{
	struct hako_run r;
	uid_t uid;
	gid_t gid;
	struct stat st;
	char name[24], script[512];
	pick_ids(&uid, &gid);
	require_unprivileged_userns(uid, gid);
	char *dir = hako_tmpdir(), *bin = hako_tmpdir();
	hako_rand_name(name, 10);
	if (geteuid() == 0)
		check_that(chown(dir, uid, gid) == 0, "chown %s: %s", dir, strerror(errno));
	char *hako = copy_hako(bin);
	snprintf(script, sizeof(script), "echo hello > %s/%s && stat -c %%u:%%g %s/%s", dir, name,
	         dir, name);
	const char *words[] = {"--rootless", "--isolate", "/bin/sh", "-c", script, NULL};
	hako_as(&r, hako, uid, gid, words);
	snprintf(script, sizeof(script), "%s/%s", dir, name);
	int st_rc = stat(script, &st);
	hako_rm_rf(dir);
	hako_rm_rf(bin);
	free(dir);
	free(bin);
	free(hako);

	check_that(r.exit_code == 0, "the container that made the file exited %d, stderr: %s",
	           r.exit_code, r.err);
	check_str(r.out, "0:0\n", "the file's owner seen inside (stat -c %u:%g)");
	check_int(st_rc, 0, "stat() of the file from outside");
	check_int(st.st_uid, uid, "the file's owner seen outside");
	check_int(st.st_gid, gid, "the file's group seen outside");
	hako_run_free(&r);
}

/* This test checks that root in an ordinary user's container cannot write a file that the
 * host's root owns, though it is uid 0 with every capability in its own namespace. */
static void test_userns_host_files_protected(void **state)
{
	struct hako_run r;
	uid_t uid;
	gid_t gid;
	char secret[24], path[512], script[768], now[64] = "";
	hako_require_root();
	pick_ids(&uid, &gid);
	require_unprivileged_userns(uid, gid);
	char *dir = hako_tmpdir();
	hako_rand_name(secret, 16);
	chmod(dir, 0755);
	snprintf(path, sizeof(path), "%s/owned-by-root", dir);
	hako_write_file(path, secret);
	chmod(path, 0644);
	char *hako = copy_hako(dir);
	snprintf(
	    script, sizeof(script),
	    "id -u; grep -c 'CapEff:.*ffff' /proc/self/status; echo changed > %s || echo denied",
	    path);
	/* --cap-add ALL: every capability of the user namespace (lesson 09 drops most). */
	const char *words[] = {"--cap-add", "ALL", "--isolate", "/bin/sh", "-c", script, NULL};
	hako_as(&r, hako, uid, gid, words);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = read(fd, now, sizeof(now) - 1);
		now[n > 0 ? n : 0] = '\0';
		close(fd);
	}
	hako_rm_rf(dir);
	free(dir);
	free(hako);

	check_that(r.exit_code == 0, "the container exited %d, stderr: %s", r.exit_code, r.err);
	check_str(r.out, "0\n1\ndenied\n", "id -u, \"has all capabilities\", and the write");
	check_str(now, secret, "the root-owned file after the container tried to write it");
	hako_run_free(&r);
}

HAKO_TEST_MAIN(HAKO_TEST(test_userns_sync_waits), HAKO_TEST(test_userns_sync_parent_gone),
               HAKO_TEST(test_userns_sync_dies_with_parent), HAKO_TEST(test_userns_maps_written),
               HAKO_TEST(test_userns_no_host_caps), HAKO_TEST(test_userns_bad_map_reported),
               HAKO_TEST(test_userns_root_inside), HAKO_TEST(test_userns_unprivileged_user),
               HAKO_TEST(test_userns_file_owner), HAKO_TEST(test_userns_host_files_protected),
               HAKO_TEST(test_userns_sync_wrong_byte), HAKO_TEST(test_userns_sync_survives_signal))
