/* test_cgroup_kernel.c: lesson 07 — real containers through `hako run`, as root. */
#include "hako_test.h"
#include "hako.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup_test.h"

/* ---- Kernel tests: real containers ---- */

/* The path of the workload program (a copy: hako_prog() reuses one buffer). */
static const char *cgprog(void)
{
	static char path[2 * PATH_MAX];

	snprintf(path, sizeof(path), "%s", hako_prog("cgprog"));
	return path;
}

/* Run `hako run ARGS...` (NULL-terminated) with a generous timeout. */
static void hako_run_list(struct hako_run *r, const char *const *args)
{
	const char *argv[32] = {"run"};

	for (int i = 0; args[i]; i++) {
		check_that(i < 30, "too many arguments");
		argv[i + 1] = args[i];
	}
	hako_run_prog(r, "hako", argv, NULL, 60000);
}

/* This test checks that a workload that touches twice its --memory limit is killed by the
 * kernel's OOM killer, that hako says so and exits 137, and that no cgroup is left. */
void test_cgroup_kernel_memory_oom(void **state)
{
	struct hako_run r;
	char limit[32], hog[32], expect[64], name[64] = "";
	long mib = hako_rand_range(24, 48);

	require_cgroups();
	snprintf(limit, sizeof(limit), "%ldm", mib);
	snprintf(hog, sizeof(hog), "%ld", 2 * mib);
	const char *args[] = {"--memory", limit, cgprog(), "hog", hog, NULL};
	hako_run_list(&r, args);
	bool named = name_from_output(r.out, name, sizeof(name));
	int left = named ? remove_left(name) : 0;

	check_that(named,
	           "the workload did not run in a cgroup under hako/; its "
	           "/proc/self/cgroup:\n%s\nstderr: %s",
	           r.out, r.err);
	check_that(strstr(r.out, "done") == NULL, "the hog allocated %s MiB under --memory %s", hog,
	           limit);
	snprintf(expect, sizeof(expect), "killed: out of memory (limit %ld MiB)", mib);
	check_contains(r.err, expect, "hako's stderr");
	check_int(r.exit_code, 137, "exit code (128 + SIGKILL)");
	check_int(left, 0, "folders of the container's cgroup left after hako exited");
	hako_run_free(&r);
}

/* This test checks that a workload within its --memory limit runs to the end, and hako does
 * not report an OOM kill. */
void test_cgroup_kernel_memory_within_limit(void **state)
{
	struct hako_run r;
	char limit[32], hog[32], name[64] = "";
	long mib = hako_rand_range(8, 24);

	require_cgroups();
	snprintf(limit, sizeof(limit), "%ldm", mib + 48);
	snprintf(hog, sizeof(hog), "%ld", mib);
	const char *args[] = {"--memory", limit, cgprog(), "hog", hog, NULL};
	hako_run_list(&r, args);
	bool named = name_from_output(r.out, name, sizeof(name));
	int left = named ? remove_left(name) : 0;

	check_that(named, "the workload did not run in a cgroup under hako/:\n%s\nstderr: %s",
	           r.out, r.err);
	check_contains(r.out, "done", "the hog's output (it should finish)");
	check_that(strstr(r.err, "out of memory") == NULL, "hako reported an OOM kill: %s", r.err);
	check_int(r.exit_code, 0, "exit code");
	check_int(left, 0, "folders of the container's cgroup left after hako exited");
	hako_run_free(&r);
}

/* This test checks that under --pids-limit N fork() fails with EAGAIN before the container
 * has N processes, and that the container still ends cleanly. */
void test_cgroup_kernel_pids_limit(void **state)
{
	struct hako_run r;
	char limit[32];
	long n = hako_rand_range(12, 30);
	int forked = -1, err = -1;

	require_cgroups();
	snprintf(limit, sizeof(limit), "%ld", n);
	const char *args[] = {"--pids-limit", limit, cgprog(), "forker", NULL};
	hako_run_list(&r, args);
	const char *p = strstr(r.out, "forked ");
	if (p)
		sscanf(p, "forked %d errno %d", &forked, &err);

	check_that(p != NULL, "the fork loop printed no result; stdout: %s; stderr: %s", r.out,
	           r.err);
	check_int(err, EAGAIN, "errno of the fork() that failed");
	/* The container's init and the forker are processes of the cgroup too. */
	check_that(forked + 2 <= n, "%d forks succeeded under --pids-limit %ld", forked, n);
	check_that(forked >= n - 5, "only %d forks succeeded under --pids-limit %ld", forked, n);
	check_int(r.exit_code, 0, "exit code");
	hako_run_free(&r);
	/* The host can still fork. */
	pid_t pid = dead_pid();
	check_that(pid > 0, "fork() on the host failed after the test");
}

/* This test checks that a limit the kernel refuses (a --pids-limit above the kernel's most,
 * PID_MAX_LIMIT, 4194304) stops hako with one line on stderr that names the file written
 * and the kernel's reason: printed once, where the write failed, and not again by hako run. */
void test_cgroup_kernel_refused_limit(void **state)
{
	struct hako_run r;
	char limit[32];
	int lines = 0;

	require_cgroups();
	snprintf(limit, sizeof(limit), "%ld", hako_rand_range(4194305, 99999999));
	const char *args[] = {"--pids-limit", limit, "/bin/true", NULL};
	hako_run_list(&r, args);
	for (const char *p = r.err; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : "")
		if (*p != '\n')
			lines++;

	check_exit(&r, HAKO_EXIT_FAILED, "`hako run --pids-limit LIMIT /bin/true`");
	check_contains(r.err, "pids.max", "hako's stderr (the file the kernel refused)");
	check_contains(r.err, limit, "hako's stderr (the value written)");
	check_contains(r.err, strerror(EINVAL), "hako's stderr (the kernel's reason)");
	check_that(lines == 1, "hako printed the failure in %d lines, not once:\n%s", lines, r.err);
	hako_run_free(&r);
}

/* Read the CPU time (in microseconds) of the real cgroup NAME. */
static long long real_cpu_usec(const char *name)
{
	char dir[PATH_MAX];
	long long v = -1;

	real_dir("cpuacct", name, dir, sizeof(dir));
	if (mounts_mode() == CGROUP_UNIFIED) {
		const char *p = strstr(slurp(dir, "cpu.stat"), "usage_usec ");
		if (p)
			v = atoll(p + strlen("usage_usec "));
	} else {
		v = atoll(slurp(dir, "cpuacct.usage")) / 1000;
	}
	return v;
}

/* This test checks that a CPU quota (--cpus 0.4 to 0.6) holds a busy loop to about that
 * share of one CPU, measured from the cgroup's own CPU accounting, and that the kernel
 * throttled it. */
void test_cgroup_kernel_cpu_quota(void **state)
{
	struct hako_config cfg = {.net = HAKO_NET_HOST, .cpu_max = hako_rand_range(40, 60) * 1000};
	struct hako_cgroup *cg = NULL;
	char name[40], cpudir[PATH_MAX];
	int go[2], out[2];
	double wall = 0;

	require_cgroups();
	random_name(name);
	int err = cgroup_create(&cfg, name, &cg);
	check_int(err, 0, "cgroup_create() with a CPU quota");
	check_that(pipe(go) == 0 && pipe(out) == 0, "pipe");
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		close(go[1]);
		if (read(go[0], &c, 1) < 0)
			_exit(1);
		struct timespec a, b;
		clock_gettime(CLOCK_MONOTONIC, &a);
		volatile unsigned long x = 0;
		do {
			x++;
			clock_gettime(CLOCK_MONOTONIC, &b);
		} while ((b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9 < 2.0);
		double w = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
		if (write(out[1], &w, sizeof(w)) < 0)
			_exit(1);
		_exit(0);
	}
	close(go[0]);
	close(out[1]);
	int att = cgroup_attach(cg, pid);
	if (att < 0)
		kill(pid, SIGKILL);
	close(go[1]);
	if (read(out[0], &wall, sizeof(wall)) != sizeof(wall))
		wall = 0;
	close(out[0]);
	waitpid(pid, NULL, 0);
	long long used = real_cpu_usec(name);
	real_dir("cpu", name, cpudir, sizeof(cpudir));
	const char *p = strstr(slurp(cpudir, "cpu.stat"), "nr_throttled ");
	long long throttled = p ? atoll(p + strlen("nr_throttled ")) : -1;
	cgroup_destroy(cg);
	int left = remove_left(name);

	double want = cfg.cpu_max / 100000.0, got = wall > 0 ? used / 1e6 / wall : -1;
	check_int(att, 0, "cgroup_attach()");
	check_that(wall > 0, "the busy loop did not report its wall time");
	check_that(got >= want - 0.25 && got <= want + 0.25,
	           "a busy loop under a quota of %.2f CPU used %.2f CPU (%lld us in %.2f s); "
	           "expected %.2f to %.2f",
	           want, got, used, wall, want - 0.25, want + 0.25);
	/* A loop that reached its quota must have been throttled. On a machine so busy that the
	 * loop got less CPU than its quota, the kernel had nothing to throttle. */
	check_that(
	    throttled > 0 || got < want * 0.95,
	    "cpu.stat says nr_throttled %lld although the loop used %.2f CPU of a %.2f quota: "
	    "the quota never applied",
	    throttled, got, want);
	check_int(left, 0, "folders of the cgroup left after cgroup_destroy()");
}

/* The path of the line of /proc/PID/cgroup TEXT ("ID:CONTROLLERS:PATH") whose controllers
 * include CTL ("" for v2's "0::PATH"), or NULL. */
static const char *line_path(const char *text, const char *ctl)
{
	static char path[2 * PATH_MAX];
	char copy[4096], *save = NULL;

	snprintf(copy, sizeof(copy), "%s", text);
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *a = strchr(line, ':'), *b = a ? strchr(a + 1, ':') : NULL;
		if (!b)
			continue;
		*b = '\0';
		char ctls[256];
		snprintf(ctls, sizeof(ctls), ",%s,", a + 1);
		char want[64];
		snprintf(want, sizeof(want), ",%s,", ctl);
		if ((!*ctl && a[1] == '\0') || (*ctl && strstr(ctls, want))) {
			snprintf(path, sizeof(path), "%s", b + 1);
			return path;
		}
	}
	return NULL;
}

/* This test checks that cgroup_attach() moves a real process into the cgroup in every
 * hierarchy, as /proc/PID/cgroup shows. */
void test_cgroup_kernel_attach(void **state)
{
	struct hako_config cfg = {
	    .net = HAKO_NET_HOST, .memory = 64 << 20, .pids_limit = 100, .cpu_max = 100000};
	struct hako_cgroup *cg = NULL;
	char name[40], path[64], text[4096] = "", want[80];
	int hold[2];

	require_cgroups();
	random_name(name);
	check_int(cgroup_create(&cfg, name, &cg), 0, "cgroup_create()");
	check_that(pipe(hold) == 0, "pipe");
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		close(hold[1]);
		while (read(hold[0], &c, 1) > 0)
			;
		_exit(0);
	}
	close(hold[0]);
	int err = cgroup_attach(cg, pid);
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	FILE *f = fopen(path, "r");
	if (f) {
		size_t n = fread(text, 1, sizeof(text) - 1, f);
		text[n] = '\0';
		fclose(f);
	}
	close(hold[1]);
	waitpid(pid, NULL, 0);
	cgroup_destroy(cg);
	int left = remove_left(name);

	check_int(err, 0, "cgroup_attach()");
	snprintf(want, sizeof(want), "/hako/%s", name);
	if (mounts_mode() == CGROUP_UNIFIED) {
		check_str(line_path(text, ""), want, "the path in /proc/PID/cgroup (0::PATH)");
	} else {
		static const char *const ctls[] = {"memory", "cpu", "cpuacct", "pids"};
		for (int i = 0; i < 4; i++) {
			char what[64];
			snprintf(what, sizeof(what), "the %s line of /proc/PID/cgroup", ctls[i]);
			check_str(line_path(text, ctls[i]), want, what);
		}
	}
	check_int(left, 0, "folders of the cgroup left after cgroup_destroy()");
}

/* This test checks that an isolated container with limits has a cgroup namespace rooted at
 * its own cgroup: inside, /proc/self/cgroup shows "/" and nothing of hako/. */
void test_cgroup_kernel_namespace(void **state)
{
	struct hako_run r;

	require_cgroups();
	const char *args[] = {"--isolate", "--memory",          "64m", "--pids-limit", "50",
	                      "/bin/cat",  "/proc/self/cgroup", NULL};
	hako_run_list(&r, args);
	check_int(r.exit_code, 0, "exit code of `hako run --isolate --memory 64m cat ...`");
	check_that(strstr(r.out, "hako") == NULL, "the container sees the host's cgroup paths:\n%s",
	           r.out);
	check_that(strstr(r.out, ":memory:/\n") || strstr(r.out, "0::/\n"),
	           "the container's own cgroup is not its root \"/\":\n%s", r.out);
	hako_run_free(&r);
}

/* Start `hako run ARGS...` in the background with stdout on a pipe; returns hako's pid. */
static pid_t hako_start(const char *const *args, int *out_fd)
{
	int fds[2];
	char *argv[24];
	int n = 0;

	argv[n++] = (char *)hako_prog("hako");
	argv[n++] = "run";
	for (int i = 0; args[i] && n < 23; i++)
		argv[n++] = (char *)args[i];
	argv[n] = NULL;
	check_that(pipe(fds) == 0, "pipe");
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	*out_fd = fds[0];
	return pid;
}

/* Read from FD until the text holds a cgroup name (at most 20 s); returns it in NAME. */
static bool read_name(int fd, char *name, size_t len)
{
	char buf[4096];
	size_t have = 0;
	time_t end = time(NULL) + 20;

	while (time(NULL) < end && have < sizeof(buf) - 1) {
		ssize_t n = read(fd, buf + have, sizeof(buf) - 1 - have);
		if (n <= 0)
			break;
		have += (size_t)n;
		buf[have] = '\0';
		if (name_from_output(buf, name, len) && strchr(strstr(buf, ":/hako/"), '\n'))
			return true;
	}
	return false;
}

/* Wait for PID (at most 20 s, then SIGKILL); returns its wait status. */
static int wait_bounded(pid_t pid)
{
	int status = 0;

	for (int i = 0; i < 2000; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return status;
}

/* This test checks that the cgroup is removed when the workload is killed, and when hako
 * itself is stopped with SIGTERM. */
void test_cgroup_kernel_cleanup_after_kill(void **state)
{
	struct hako_run r;
	char name1[64] = "", name2[64] = "";
	int fd;

	require_cgroups();
	/* 1. The workload kills itself with SIGKILL. */
	char script[PATH_MAX + 64];
	snprintf(script, sizeof(script), "%s cgroup; kill -9 $$", cgprog());
	const char *args[] = {"--memory", "64m", "--pids-limit", "50",
	                      "/bin/sh",  "-c",  script,         NULL};
	hako_run_list(&r, args);
	bool named1 = name_from_output(r.out, name1, sizeof(name1));
	int left1 = named1 ? remove_left(name1) : 0;
	int code1 = r.exit_code;
	bool oom_said = strstr(r.err, "out of memory") != NULL;
	hako_run_free(&r);

	/* 2. hako gets SIGTERM while the workload sleeps: it passes it on, then cleans up. */
	const char *args2[] = {"--memory", "64m", cgprog(), "wait", "30", NULL};
	pid_t hako = hako_start(args2, &fd);
	bool named2 = read_name(fd, name2, sizeof(name2));
	kill(hako, SIGTERM);
	int status = wait_bounded(hako);
	close(fd);
	int left2 = named2 ? remove_left(name2) : 0;

	check_that(named1, "the workload did not run in a cgroup under hako/");
	check_int(code1, 137, "exit code when the workload is killed by SIGKILL");
	check_that(!oom_said, "hako reported an OOM kill for a plain SIGKILL");
	check_int(left1, 0, "folders of the cgroup left after the workload was killed");
	check_that(named2, "the second workload did not run in a cgroup under hako/");
	check_that(WIFEXITED(status) && WEXITSTATUS(status) == 128 + SIGTERM,
	           "hako should exit 143 after SIGTERM (status 0x%x)", status);
	check_int(left2, 0, "folders of the cgroup left after hako got SIGTERM");
}

/* True if PID is a process that has not exited (a zombie has). */
static bool running(pid_t pid)
{
	char path[64], text[512];

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	snprintf(text, sizeof(text), "%s", slurp("/", path));
	const char *p = strrchr(text, ')'); /* "PID (COMM) STATE ...": COMM may hold spaces */
	return p && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
}

/* Wait up to 5 s for PID to exit; returns true if it still runs. */
static bool still_running(pid_t pid)
{
	for (int i = 0; i < 500 && running(pid); i++)
		usleep(10000);
	return running(pid);
}

/* This test checks that hako kills what the container left in its cgroup (here a process
 * that outlived the command: without a PID namespace nothing else stops it) and still
 * removes the cgroup, retrying rmdir while the killed process dies. The leftover holds some
 * MiB of memory, which it takes the kernel a few milliseconds to free once it is killed:
 * the cgroup is surely still busy at the first rmdir, however quickly it comes. */
void test_cgroup_kernel_leftover_killed(void **state)
{
	struct hako_run r;
	char mib[16], name[64] = "";
	pid_t leftover = -1;

	require_cgroups();
	snprintf(mib, sizeof(mib), "%ld", hako_rand_range(24, 32));
	const char *args[] = {"--memory", "64m", "--pids-limit", "50", cgprog(), "leave",
	                      mib,        NULL};
	hako_run_list(&r, args);
	bool named = name_from_output(r.out, name, sizeof(name));
	const char *p = strstr(r.out, "leftover ");
	if (p)
		leftover = (pid_t)atoi(p + strlen("leftover "));
	bool alive = leftover > 0 && still_running(leftover);
	if (alive) { /* the test's own cleanup */
		kill(leftover, SIGKILL);
		still_running(leftover);
	}
	int left = named ? remove_left(name) : 0;

	check_that(named, "the workload did not run in a cgroup under hako/: %s; stderr: %s", r.out,
	           r.err);
	check_that(leftover > 0, "cgprog leave printed no \"leftover PID\": %s", r.out);
	check_int(r.exit_code, 0, "exit code of `hako run ... cgprog leave MIB`");
	check_that(!alive, "the process left in the cgroup (pid %d) still runs after hako exited",
	           (int)leftover);
	check_int(left, 0, "folders of the cgroup left after hako exited");
	hako_run_free(&r);
}

/* This test checks that `hako run` removes empty cgroups left by crashed runs (named after a
 * hako pid that no longer exists) in every hierarchy. */
void test_cgroup_kernel_stale_removed(void **state)
{
	static const char *const ctls[] = {"memory", "cpu", "cpuacct", "pids"};
	struct hako_run r;
	char stale[64], dir[PATH_MAX], parent[PATH_MAX], r8[12];
	int made = 0;

	require_cgroups();
	hako_rand_name(r8, 8);
	snprintf(stale, sizeof(stale), "hako-%d-%s", (int)dead_pid(), r8);
	for (int i = 0; i < 4; i++) {
		real_dir(ctls[i], stale, dir, sizeof(dir));
		snprintf(parent, sizeof(parent), "%.*s", (int)(strrchr(dir, '/') - dir), dir);
		mkdir(parent, 0755);
		if (mkdir(dir, 0755) == 0)
			made++;
	}
	const char *args[] = {"--memory", "32m", "--pids-limit", "20", "/bin/true", NULL};
	hako_run_list(&r, args);
	int left = remove_left(stale);

	check_that(made > 0, "the test could not make a stale cgroup %s", stale);
	check_int(r.exit_code, 0, "exit code of `hako run --memory 32m ... true`");
	check_int(left, 0, "folders of the stale cgroup left after the next hako run");
	hako_run_free(&r);
}
