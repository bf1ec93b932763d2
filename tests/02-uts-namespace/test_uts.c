/* test_uts.c: graded tests for lesson 02 — clone() on its own stack, the UTS namespace, and
 * `hako run --hostname`. What the container got is read from outside, as the kernel shows it:
 * /proc/PID/ns/uts links, and the hostname seen after setns() into the child's namespace. */
#include "hako_test.h"
#include "hako.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- Reading the kernel's view from outside ---- */

/* The parent pid of PID from /proc/PID/stat, or -1. (The name in parentheses may hold
 * spaces and parentheses itself, so parse after the last ')'.) */
static pid_t parent_of(pid_t pid)
{
	char path[64], buf[512];
	int ppid = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	char *p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %*c %d", &ppid) != 1)
		return -1;
	return ppid;
}

/* Up to MAX pids whose parent is PPID, into OUT; returns how many. */
static int children_of(pid_t ppid, pid_t *out, int max)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)) != NULL && n < max) {
		pid_t pid = (pid_t)atoi(e->d_name);
		if (pid > 0 && parent_of(pid) == ppid)
			out[n++] = pid;
	}
	closedir(d);
	return n;
}

/* The hostname of PID's UTS namespace, as a process that joins it with setns() sees it; into
 * BUF, "" if it could not be read. Needs root. */
static const char *hostname_of(pid_t pid, char *buf, size_t len)
{
	int p[2];
	pid_t c;

	buf[0] = '\0';
	if (pipe(p) < 0)
		return buf;
	c = fork();
	if (c == 0) {
		char path[64];
		struct utsname u;
		snprintf(path, sizeof(path), "/proc/%d/ns/uts", (int)pid);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || setns(fd, CLONE_NEWUTS) < 0 || uname(&u) < 0)
			_exit(1);
		ssize_t w = write(p[1], u.nodename, strlen(u.nodename));
		_exit(w < 0);
	}
	close(p[1]);
	ssize_t n = c > 0 ? read(p[0], buf, len - 1) : -1;
	buf[n > 0 ? n : 0] = '\0';
	close(p[0]);
	if (c > 0)
		waitpid(c, NULL, 0);
	return buf;
}

static const char *my_hostname(char *buf, size_t len)
{
	if (gethostname(buf, len) < 0)
		buf[0] = '\0';
	return buf;
}

/* ---- uts_check_hostname ---- */

/* This test checks that uts_check_hostname() accepts names of 1 to 64 bytes. */
static void test_uts_check_hostname_accepts(void **state)
{
	char name[HOST_NAME_MAX + 1], what[128];
	size_t lens[] = {1, HOST_NAME_MAX, (size_t)hako_rand_range(2, HOST_NAME_MAX - 1)};

	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		hako_rand_name(name, lens[i]);
		snprintf(what, sizeof(what), "uts_check_hostname(\"%s\") (%zu bytes)", name,
		         lens[i]);
		check_int(uts_check_hostname(name), 0, what);
	}
}

/* This test checks that uts_check_hostname() rejects an empty name and names over 64 bytes
 * with -EINVAL. */
static void test_uts_check_hostname_rejects(void **state)
{
	char name[300], what[64];
	size_t lens[] = {0, HOST_NAME_MAX + 1, (size_t)hako_rand_range(HOST_NAME_MAX + 2, 299)};

	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		hako_rand_name(name, lens[i]);
		snprintf(what, sizeof(what), "uts_check_hostname() of a %zu-byte name", lens[i]);
		check_int(uts_check_hostname(name), -EINVAL, what);
	}
}

/* ---- container_clone ---- */

/*
 * container_clone() with the default action for crash signals. The child is a copy of this
 * test program, cmocka's handlers included: if a wrong stack pointer made it fault, those
 * handlers would run in the child and confuse the result. With SIG_DFL it just dies, and the
 * test reports how.
 */
static pid_t clone_plainly(int (*fn)(void *), void *arg, int flags)
{
	static const int sigs[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
	struct sigaction dfl = {.sa_handler = SIG_DFL}, old[5];
	pid_t pid;

	for (int i = 0; i < 5; i++)
		sigaction(sigs[i], &dfl, &old[i]);
	pid = container_clone(fn, arg, flags);
	for (int i = 0; i < 5; i++)
		sigaction(sigs[i], &old[i], NULL);
	return pid;
}

struct clone_arg {
	int fd;         /* where the child writes what it saw */
	unsigned token; /* a random value it must get through ARG */
	int code;       /* what it returns */
};

/* The child: uses 256 KiB of its stack, then reports the token, its pid and its parent. */
static int clone_fn(void *p)
{
	const struct clone_arg *a = p;
	volatile char big[256 * 1024];
	unsigned sum = 0;
	char msg[96];

	for (size_t i = 0; i < sizeof(big); i += 64)
		big[i] = (char)(a->token + i);
	for (size_t i = 0; i < sizeof(big); i += 64)
		sum += (unsigned char)big[i];
	snprintf(msg, sizeof(msg), "%u %d %d %u", a->token, (int)getpid(), (int)getppid(), sum);
	if (write(a->fd, msg, strlen(msg)) < 0)
		return 255;
	return a->code;
}

/* This test checks that container_clone() runs FN(ARG) in a new child process, on a stack big
 * enough for 256 KiB of locals, and that the child's return value is its exit status, waited
 * for with a plain waitpid() (so its end is signalled with SIGCHLD). Runs rootless (FLAGS 0). */
static void test_uts_clone_runs_fn(void **state)
{
	struct clone_arg a = {.token = hako_rand(), .code = (int)hako_rand_range(1, 120)};
	char got[96] = "", expect[96];
	int p[2], wstatus = 0;
	unsigned expect_sum = 0;

	check_that(pipe2(p, O_CLOEXEC) == 0, "pipe: %s", strerror(errno));
	a.fd = p[1];
	pid_t pid = clone_plainly(clone_fn, &a, 0);
	close(p[1]);
	ssize_t n = pid > 0 ? read(p[0], got, sizeof(got) - 1) : -1;
	got[n > 0 ? n : 0] = '\0';
	close(p[0]);
	pid_t w = pid > 0 ? waitpid(pid, &wstatus, 0) : -1;
	int werr = errno;

	check_that(pid > 0, "container_clone(fn, arg, 0) returned %d, expected a pid", (int)pid);
	for (size_t i = 0; i < 256 * 1024; i += 64)
		expect_sum += (unsigned char)(char)(a.token + i);
	snprintf(expect, sizeof(expect), "%u %d %d %u", a.token, (int)pid, (int)getpid(),
	         expect_sum);
	check_str(got, expect,
	          "what the child wrote: ARG's token, its pid, its parent, a checksum");
	check_that(w == pid, "waitpid(pid, &status, 0) failed: %s (is SIGCHLD in clone's flags?)",
	           strerror(werr));
	check_that(WIFEXITED(wstatus),
	           "the child did not exit normally (%s): is clone() given the "
	           "top of the stack?",
	           WIFSIGNALED(wstatus) ? strsignal(WTERMSIG(wstatus)) : "stopped");
	check_int(WEXITSTATUS(wstatus), a.code, "the child's exit status (FN's return value)");
}

/* The child: write the address of one of its locals (on the stack container_clone gave it)
 * to the pipe, then wait until the test closes the other pipe. */
struct guard_arg {
	int out, hold, hold_w; /* hold_w: the child's copy of the write end, closed first */
};

static int report_stack(void *p)
{
	const struct guard_arg *a = p;
	volatile char local = 1;
	unsigned long addr = (unsigned long)&local;
	char c;

	close(a->hold_w);
	if (write(a->out, &addr, sizeof(addr)) != sizeof(addr))
		return 1;
	while (read(a->hold, &c, 1) < 0 && errno == EINTR)
		;
	return local == 1 ? 0 : 2;
}

/* This test checks that the child's stack has a guard page below it: in the child's
 * /proc/PID/maps, the mapping just below the one that holds the stack is inaccessible
 * (---p), so that an overflow faults instead of writing over other memory. Runs rootless. */
static void test_uts_clone_guard_page(void **state)
{
	int out[2], hold[2];
	unsigned long addr = 0, lo = 0, hi = 0, below_lo = 0, s, e;
	char path[64], line[512], perms[8], below[8] = "";

	check_that(pipe2(out, O_CLOEXEC) == 0 && pipe2(hold, O_CLOEXEC) == 0, "pipe: %s",
	           strerror(errno));
	struct guard_arg a = {out[1], hold[0], hold[1]};
	pid_t pid = clone_plainly(report_stack, &a, 0);
	close(out[1]);
	close(hold[0]);
	bool got = pid > 0 && read(out[0], &addr, sizeof(addr)) == sizeof(addr);
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	FILE *f = got ? fopen(path, "r") : NULL;
	/* First the mapping that holds ADDR, then the one that ends where it starts. */
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx %7s", &s, &e, perms) == 3 && s <= addr && addr < e) {
			lo = s;
			hi = e;
		}
	if (f)
		rewind(f);
	while (f && lo && fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx %7s", &s, &e, perms) == 3 && e == lo) {
			below_lo = s;
			snprintf(below, sizeof(below), "%s", perms);
		}
	if (f)
		fclose(f);
	close(hold[1]);
	close(out[0]);
	if (pid > 0)
		waitpid(pid, NULL, 0);

	check_that(pid > 0, "container_clone(fn, arg, 0) returned %d, expected a pid", (int)pid);
	check_that(got, "the child did not report its stack address");
	check_that(hi - lo >= 1024 * 1024,
	           "the child's stack mapping is only %lu KiB (1 MiB asked)", (hi - lo) / 1024);
	check_that(below[0] != '\0',
	           "nothing is mapped right below the child's stack (%#lx): where is the guard "
	           "page? (mprotect the lowest page PROT_NONE)",
	           lo);
	check_str(below, "---p", "permissions of the mapping right below the child's stack");
	check_that(lo - below_lo >= 4096, "the guard below the stack is %lu bytes, not a page",
	           lo - below_lo);
}

struct flush_arg {
	int fd;
	const char *text;
};

static int write_text(void *p)
{
	const struct flush_arg *a = p;

	return write(a->fd, a->text, strlen(a->text)) < 0;
}

/* This test checks that container_clone() flushes our stdio buffers first, as lesson 01 did
 * before fork(): text we printed before the clone, still in a buffer, lands in the file
 * before what the child writes, not after. Runs rootless. */
static void test_uts_clone_flushes_first(void **state)
{
	char *dir = hako_tmpdir(), path[512], mark[24], child[24], expect[64], got[64] = "";

	snprintf(path, sizeof(path), "%s/out", dir);
	hako_rand_name(mark, 12);
	hako_rand_name(child, 12);
	FILE *f = fopen(path, "a");
	check_that(f != NULL, "fopen %s: %s", path, strerror(errno));
	setvbuf(f, NULL, _IOFBF, 4096);
	fputs(mark, f); /* in f's buffer, not in the file yet */
	struct flush_arg a = {fileno(f), child};
	pid_t pid = clone_plainly(write_text, &a, 0);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	fclose(f);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, got, sizeof(got) - 1) : -1;
	got[n > 0 ? n : 0] = '\0';
	if (fd >= 0)
		close(fd);

	check_that(pid > 0, "container_clone(fn, arg, 0) returned %d, expected a pid", (int)pid);
	snprintf(expect, sizeof(expect), "%s%s", mark, child);
	check_str(got, expect,
	          "the file: our buffered text, then the child's (was fflush(NULL) called before "
	          "clone()?)");
}

/* VmSize of this process in KiB, from /proc/self/status. */
static long vm_size_kib(void)
{
	char line[256];
	long kib = -1;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmSize: %ld kB", &kib) == 1)
			break;
	if (f)
		fclose(f);
	return kib;
}

static int return_zero(void *arg)
{
	return 0;
}

/* This test checks that container_clone() frees the child's stack in the parent, both when
 * clone() works and when it fails (and then returns -errno). Runs rootless. */
static void test_uts_clone_frees_stack(void **state)
{
	int rounds = (int)hako_rand_range(40, 60), bad = 0, failed_with = 0;
	long before = vm_size_kib();

	for (int i = 0; i < rounds; i++) {
		pid_t pid = clone_plainly(return_zero, NULL, 0);
		if (pid > 0)
			waitpid(pid, NULL, 0);
		else
			bad++;
		/* CLONE_SIGHAND without CLONE_VM is invalid: clone() fails with EINVAL. */
		int err = clone_plainly(return_zero, NULL, CLONE_SIGHAND);
		if (err != -EINVAL)
			failed_with = err;
	}
	long grown = vm_size_kib() - before;

	check_int(bad, 0, "container_clone(fn, NULL, 0) calls that failed");
	check_int(failed_with, 0,
	          "container_clone() with invalid flags (CLONE_SIGHAND alone) should return "
	          "-EINVAL; it returned");
	check_that(grown < 8 * 1024,
	           "after %d good and %d failed clones this process grew by %ld KiB: is the stack "
	           "munmap()ed on every path?",
	           rounds, rounds, grown);
}

/* The child: close our copy of the write end, then wait for end-of-file on the read end. */
static int wait_on_pipe(void *arg)
{
	int *p = arg;
	char c;

	close(p[1]);
	return read(p[0], &c, 1) < 0;
}

/* This test checks that container_clone() passes FLAGS on to clone(): the child is in a new
 * namespace of each kind asked for (its /proc/PID/ns link differs from ours), and in ours for
 * the others. CLONE_NEWPID is in the mix: fork() + unshare() would fail it. */
static void test_uts_clone_new_namespace(void **state)
{
	static const struct {
		int flag;
		const char *name;
	} kinds[] = {{CLONE_NEWUTS, "uts"},
	             {CLONE_NEWIPC, "ipc"},
	             {CLONE_NEWPID, "pid"},
	             {CLONE_NEWNS, "mnt"},
	             {CLONE_NEWNET, "net"}};
	enum { N = sizeof(kinds) / sizeof(kinds[0]) };

	hako_require_root();
	for (int round = 0; round < 3; round++) {
		unsigned mask = (unsigned)hako_rand_range(1, (1 << N) - 1);
		if (round == 0)
			mask |= 1u << 2; /* CLONE_NEWPID at least once */
		char mine[N][64], child[N][64];
		int flags = 0, p[2];

		for (int k = 0; k < N; k++)
			if (mask & (1u << k))
				flags |= kinds[k].flag;
		check_that(pipe2(p, O_CLOEXEC) == 0, "pipe: %s", strerror(errno));
		pid_t pid = clone_plainly(wait_on_pipe, p, flags);
		for (int k = 0; k < N; k++) {
			hako_ns_link(getpid(), kinds[k].name, mine[k], sizeof(mine[k]));
			if (pid > 0)
				hako_ns_link(pid, kinds[k].name, child[k], sizeof(child[k]));
			else
				child[k][0] = '\0';
		}
		close(p[1]); /* the child reads end-of-file and exits */
		close(p[0]);
		if (pid > 0)
			waitpid(pid, NULL, __WALL);

		check_that(pid > 0, "container_clone() with namespace flags returned %d", (int)pid);
		for (int k = 0; k < N; k++) {
			bool asked = mask & (1u << k);
			check_that(child[k][0] != '\0', "could not read /proc/%d/ns/%s", (int)pid,
			           kinds[k].name);
			check_that(
			    asked == (strcmp(mine[k], child[k]) != 0),
			    "%s namespace: %s asked for, yet the child's /proc/PID/ns/%s is %s "
			    "and ours is %s",
			    kinds[k].name, asked ? "a new one" : "none", kinds[k].name, child[k],
			    mine[k]);
		}
	}
}

/* ---- uts_enter ---- */

/* This test checks that uts_enter() sets the hostname of the caller's UTS namespace (as a
 * process that joins that namespace sees it), and leaves the host's alone. */
static void test_uts_enter_sets_hostname(void **state)
{
	char name[HOST_NAME_MAX + 1], before[256], after[256], seen[256];
	int res[2], hold[2], err = -1;

	hako_require_root();
	hako_rand_name(name, (size_t)hako_rand_range(6, HOST_NAME_MAX));
	my_hostname(before, sizeof(before));
	check_that(pipe2(res, O_CLOEXEC) == 0 && pipe2(hold, O_CLOEXEC) == 0, "pipe: %s",
	           strerror(errno));
	fflush(NULL);
	pid_t pid = fork();
	check_that(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		char c;
		close(hold[1]);
		int r = unshare(CLONE_NEWUTS) < 0 ? -1000 : uts_enter(name);
		if (write(res[1], &r, sizeof(r)) < 0 || read(hold[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(res[1]);
	close(hold[0]);
	if (read(res[0], &err, sizeof(err)) != sizeof(err))
		err = -1001;
	hostname_of(pid, seen, sizeof(seen));
	close(hold[1]);
	close(res[0]);
	waitpid(pid, NULL, 0);
	my_hostname(after, sizeof(after));

	check_that(err != -1000, "unshare(CLONE_NEWUTS) failed in the test's child");
	check_int(err, 0, "uts_enter(name) in a new UTS namespace");
	check_str(seen, name, "hostname of the child's UTS namespace");
	check_str(after, before, "the host's hostname");
}

/* This test checks that uts_enter() returns the negative errno of a refused sethostname():
 * in a new UTS namespace, but with every capability dropped, it must be -EPERM. */
static void test_uts_enter_returns_errno(void **state)
{
	int res[2], err = -1001;

	hako_require_root();
	check_that(pipe2(res, O_CLOEXEC) == 0, "pipe: %s", strerror(errno));
	fflush(NULL);
	pid_t pid = fork();
	check_that(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		/* Our own UTS namespace first: were the drop to fail, only it would change. */
		int r = -1000;
		cap_t none = cap_init();
		if (unshare(CLONE_NEWUTS) == 0 && none && cap_set_proc(none) == 0)
			r = uts_enter("hako-no-caps");
		_exit(write(res[1], &r, sizeof(r)) == sizeof(r) ? 0 : 1);
	}
	close(res[1]);
	if (read(res[0], &err, sizeof(err)) != sizeof(err))
		err = -1001;
	close(res[0]);
	waitpid(pid, NULL, 0);

	check_that(err != -1000, "the test's child could not unshare or drop its capabilities");
	check_int(err, -EPERM, "uts_enter(name) without CAP_SYS_ADMIN");
}

/* ---- hako run --hostname ---- */

/* This test checks that `hako run --hostname NAME uname -n` prints NAME, and that the host's
 * hostname is the same afterwards. */
static void test_uts_hako_hostname(void **state)
{
	char name[HOST_NAME_MAX + 1], expect[HOST_NAME_MAX + 2], before[256], after[256];
	struct hako_run r;

	hako_require_root();
	hako_rand_name(name, (size_t)hako_rand_range(1, HOST_NAME_MAX));
	snprintf(expect, sizeof(expect), "%s\n", name);
	my_hostname(before, sizeof(before));
	char *argv[] = {(char *)hako_prog("hako"), "run", "--hostname", name, "uname", "-n", NULL};
	check_that(hako_run_argv(argv, NULL, 10000, &r) == 0, "could not start hako");
	my_hostname(after, sizeof(after));

	check_that(!r.timed_out, "hako run --hostname did not finish within 10 s");
	check_exit(&r, 0, "exit code of `hako run --hostname NAME uname -n`");
	check_str(r.out, expect, "what uname -n printed inside");
	check_str(after, before, "the host's hostname after the run");
	hako_run_free(&r);
}

/* This test checks, from outside while it runs, that every process of `hako run --hostname
 * NAME` is in a UTS namespace other than ours, one whose hostname is NAME. */
static void test_uts_hako_namespace_differs(void **state)
{
	char name[HOST_NAME_MAX + 1], mine[64], seen[256] = "", bad_link[64] = "";
	pid_t procs[16];
	int n = 0, same = 0;
	struct hako_bg b;

	hako_require_root();
	hako_rand_name(name, (size_t)hako_rand_range(6, HOST_NAME_MAX));
	hako_ns_link(getpid(), "uts", mine, sizeof(mine));
	char *argv[] = {(char *)hako_prog("hako"), "run", "--hostname", name, "/bin/sh", "-c",
	                "echo ready; read x || :", NULL};
	check_that(hako_bg_start(&b, argv, NULL, NULL) == 0, "could not start hako");
	bool ready = hako_bg_wait_for(&b, "ready", 10000);
	if (ready) {
		/* hako's child (the container's init) and its children (the workload). */
		n = children_of(b.pid, procs, 8);
		for (int i = 0, m = n; i < m; i++)
			n += children_of(procs[i], procs + n, 16 - n);
		for (int i = 0; i < n; i++) {
			char link[64];
			if (strcmp(hako_ns_link(procs[i], "uts", link, sizeof(link)), mine) == 0) {
				same++;
				snprintf(bad_link, sizeof(bad_link), "%s", link);
			}
		}
		if (n > 0)
			hostname_of(procs[n - 1], seen, sizeof(seen));
	}
	int status = hako_bg_finish(&b, 10000);

	check_that(ready, "the command inside did not print \"ready\" within 10 s");
	check_that(n >= 1, "found no process under hako (pid %d)", (int)b.pid);
	check_int(same, 0, "processes of the container still in the host's UTS namespace");
	check_str(seen, name, "hostname of the container's UTS namespace, seen with setns()");
	check_that(status != -1, "hako did not exit within 10 s of its stdin closing");
	check_int(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 0, "hako's exit code");
}

/* This test checks that an empty or over-long --hostname is refused before anything is
 * created (the command does not run), with exit code 125 and a message naming the option and
 * the rule; and that --hostname without a value is named as such, in printable text. Runs
 * rootless: hako stops before it needs any privilege. */
static void test_uts_hako_bad_hostname(void **state)
{
	char name[200], marker[512], script[600];
	size_t len = hako_rand() % 2 ? 0 : (size_t)hako_rand_range(HOST_NAME_MAX + 1, 199);
	char *dir = hako_tmpdir();
	struct hako_run r;

	hako_rand_name(name, len);
	snprintf(marker, sizeof(marker), "%s/ran", dir);
	snprintf(script, sizeof(script), "touch %s", marker);
	char *argv[] = {
	    (char *)hako_prog("hako"), "run", "--hostname", name, "/bin/sh", "-c", script, NULL};
	int started = hako_run_argv(argv, NULL, 10000, &r);
	bool ran = access(marker, F_OK) == 0;
	hako_rm_rf(dir);
	free(dir);

	check_that(started == 0, "could not start hako");
	check_that(!r.timed_out, "hako did not finish within 10 s");
	check_exit(&r, 125, "exit code for a bad --hostname");
	check_that(!ran, "the command ran although the hostname (%zu bytes) is invalid", len);
	check_contains(r.err, "--hostname", "stderr");
	check_contains(r.err, "1 to 64 bytes", "stderr");
	hako_run_free(&r);

	/* No name at all: hako says which option lacks its value (hako.c, given). */
	char *bare[] = {(char *)hako_prog("hako"), "run", "--hostname", NULL};
	check_that(hako_run_argv(bare, NULL, 10000, &r) == 0, "could not start hako");
	check_exit(&r, 125, "exit code of `hako run --hostname` (no value)");
	check_contains(r.err, "--hostname needs a value", "stderr of `hako run --hostname`");
	for (const char *c = r.err; *c; c++)
		check_that(*c == '\n' || (*c >= ' ' && *c < 0x7f),
		           "stderr of `hako run --hostname` holds the byte \\x%02x",
		           (unsigned char)*c);
	hako_run_free(&r);
}

HAKO_TEST_MAIN(HAKO_TEST(test_uts_check_hostname_accepts),
               HAKO_TEST(test_uts_check_hostname_rejects), HAKO_TEST(test_uts_clone_runs_fn),
               HAKO_TEST(test_uts_clone_frees_stack), HAKO_TEST(test_uts_clone_new_namespace),
               HAKO_TEST(test_uts_enter_sets_hostname), HAKO_TEST(test_uts_hako_hostname),
               HAKO_TEST(test_uts_hako_namespace_differs), HAKO_TEST(test_uts_hako_bad_hostname),
               HAKO_TEST(test_uts_clone_guard_page), HAKO_TEST(test_uts_clone_flushes_first),
               HAKO_TEST(test_uts_enter_returns_errno))
