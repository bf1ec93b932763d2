/* test_stats.c: graded tests for lesson 08 — reading cgroup accounting as `docker stats`. */
#include "hako_test.h"
#include "hako.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- Fake trees (the cgroup comes from lesson 07's reference code) ---- */

static void put(const char *base, const char *rel, const char *text)
{
	char path[2 * PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", base, rel);
	hako_write_file(path, text);
}

static void random_name(char *name)
{
	char r[12];

	hako_rand_name(r, 8);
	sprintf(name, "hako-%d-%s", (int)getpid(), r);
}

static long long host_memory(void)
{
	char line[256];
	long long kib = 0;
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "MemTotal: %lld kB", &kib) == 1)
			break;
	if (f)
		fclose(f);
	return kib * 1024;
}

/* Make a cgroup NAME in a fake tree at BASE in MODE (v2 unified or v1 legacy). */
static struct hako_cgroup *fake_cgroup(const char *base, int mode, const char *name)
{
	struct cgroup_root root = {.path = base, .mode = mode};
	struct hako_config cfg = {.net = HAKO_NET_HOST, .stats = true};
	struct hako_cgroup *cg = NULL;
	char rel[PATH_MAX];

	if (mode == CGROUP_UNIFIED) {
		put(base, "cgroup.controllers", "cpu memory pids");
		put(base, "cgroup.subtree_control", "");
		put(base, "hako/cgroup.subtree_control", "");
		snprintf(rel, sizeof(rel), "hako/%s/cgroup.procs", name);
		put(base, rel, "");
	} else {
		static const char *const h[] = {"memory", "cpu", "cpuacct", "pids"};
		for (int i = 0; i < 4; i++) {
			snprintf(rel, sizeof(rel), "%s/hako/%s/cgroup.procs", h[i], name);
			put(base, rel, "");
		}
	}
	check_int(cgroup_create_at(&root, &cfg, name, &cg), 0, "cgroup_create_at (lesson 07)");
	return cg;
}

/* This test checks that stats_read() takes each number from the right cgroup v2 file:
 * cpu.stat usage_usec, memory.current less inactive_file, memory.peak, memory.max,
 * pids.current, pids.peak. */
static void test_stats_read_v2(void **state)
{
	char *base = hako_tmpdir(), name[40], rel[PATH_MAX], text[256];
	long long usec = hako_rand_range(1, 2000000000), cur = hako_rand_range(1, 400000) * 4096;
	long long inactive = hako_rand_range(0, cur / 4096 - 1) * 4096;
	long long peak = cur + hako_rand_range(0, 100000) * 4096;
	long long limit = hako_rand_range(64, 1024) * 1048576LL;
	long pids = hako_rand_range(1, 500), pids_peak = pids + hako_rand_range(0, 50);
	struct stats_sample s;

	random_name(name);
	struct hako_cgroup *cg = fake_cgroup(base, CGROUP_UNIFIED, name);
#define PUT(file, ...)                                                                             \
	snprintf(rel, sizeof(rel), "hako/%s/" file, name);                                         \
	snprintf(text, sizeof(text), __VA_ARGS__);                                                 \
	put(base, rel, text)
	PUT("cpu.stat", "usage_usec %lld\nuser_usec %lld\nsystem_usec %lld\nnr_periods 0\n", usec,
	    usec / 2, usec - usec / 2);
	PUT("memory.current", "%lld\n", cur);
	PUT("memory.peak", "%lld\n", peak);
	PUT("memory.max", "%lld\n", limit);
	PUT("memory.stat", "anon %lld\nfile 0\nactive_file 0\ninactive_file %lld\nslab 0\n",
	    cur - inactive, inactive);
	PUT("pids.current", "%ld\n", pids);
	PUT("pids.peak", "%ld\n", pids_peak);
	int err = stats_read(cg, &s);
	cgroup_destroy(cg);
	hako_rm_rf(base);
	free(base);

	check_int(err, 0, "stats_read() on a fake v2 cgroup");
	check_int(s.cpu_usec, usec, "cpu_usec (cpu.stat: usage_usec)");
	check_int(s.mem_usage, cur - inactive, "mem_usage (memory.current - inactive_file)");
	check_int(s.mem_peak, peak, "mem_peak (memory.peak)");
	check_int(s.mem_limit, limit, "mem_limit (memory.max)");
	check_int(s.pids, pids, "pids (pids.current)");
	check_int(s.pids_peak, pids_peak, "pids_peak (pids.peak)");
}

/* This test checks that stats_read() takes each number from the right cgroup v1 file:
 * cpuacct.usage (ns), memory.usage_in_bytes less total_inactive_file,
 * memory.max_usage_in_bytes, memory.limit_in_bytes, pids.current, pids.peak. */
static void test_stats_read_v1(void **state)
{
	char *base = hako_tmpdir(), name[40], rel[PATH_MAX], text[256];
	long long nsec = hako_rand_range(1, 2000000000) * 1000LL + hako_rand_range(0, 999);
	long long cur = hako_rand_range(1, 400000) * 4096;
	long long inactive = hako_rand_range(0, cur / 4096 - 1) * 4096;
	long long peak = cur + hako_rand_range(0, 100000) * 4096;
	long long limit = hako_rand_range(64, 1024) * 1048576LL;
	long pids = hako_rand_range(1, 500), pids_peak = pids + hako_rand_range(0, 50);
	struct stats_sample s;

	random_name(name);
	struct hako_cgroup *cg = fake_cgroup(base, CGROUP_LEGACY, name);
#define PUT1(file, ...)                                                                            \
	snprintf(rel, sizeof(rel), file, name);                                                    \
	snprintf(text, sizeof(text), __VA_ARGS__);                                                 \
	put(base, rel, text)
	PUT1("cpuacct/hako/%s/cpuacct.usage", "%lld\n", nsec);
	PUT1("memory/hako/%s/memory.usage_in_bytes", "%lld\n", cur);
	PUT1("memory/hako/%s/memory.max_usage_in_bytes", "%lld\n", peak);
	PUT1("memory/hako/%s/memory.limit_in_bytes", "%lld\n", limit);
	PUT1("memory/hako/%s/memory.stat",
	     "cache 0\nrss %lld\ninactive_file 7\ntotal_cache 0\ntotal_inactive_file %lld\n", cur,
	     inactive);
	PUT1("pids/hako/%s/pids.current", "%ld\n", pids);
	PUT1("pids/hako/%s/pids.peak", "%ld\n", pids_peak);
	int err = stats_read(cg, &s);
	cgroup_destroy(cg);
	hako_rm_rf(base);
	free(base);

	check_int(err, 0, "stats_read() on a fake v1 cgroup");
	check_int(s.cpu_usec, nsec / 1000, "cpu_usec (cpuacct.usage is in nanoseconds)");
	check_int(s.mem_usage, cur - inactive,
	          "mem_usage (memory.usage_in_bytes - total_inactive_file)");
	check_int(s.mem_peak, peak, "mem_peak (memory.max_usage_in_bytes)");
	check_int(s.mem_limit, limit, "mem_limit (memory.limit_in_bytes)");
	check_int(s.pids, pids, "pids (pids.current)");
	check_int(s.pids_peak, pids_peak, "pids_peak (pids.peak)");
}

/* This test checks that without a limit the limit is the machine's memory, and that a peak
 * the kernel does not keep (no memory.peak, no pids.peak) reads as -1. */
static void test_stats_read_no_limit_no_peak(void **state)
{
	char *base = hako_tmpdir(), name[40], rel[PATH_MAX], text[64];
	long long cur = hako_rand_range(1, 4000) * 4096;
	struct stats_sample s;

	random_name(name);
	struct hako_cgroup *cg = fake_cgroup(base, CGROUP_UNIFIED, name);
	PUT("cpu.stat", "usage_usec 5\n");
	PUT("memory.current", "%lld\n", cur);
	PUT("memory.max", "max\n");
	PUT("memory.stat", "inactive_file 0\n");
	PUT("pids.current", "1\n");
	int err = stats_read(cg, &s);
	cgroup_destroy(cg);
	hako_rm_rf(base);
	free(base);

	check_int(err, 0, "stats_read() on a fake v2 cgroup");
	check_int(s.mem_limit, host_memory(), "mem_limit when memory.max is \"max\" (MemTotal)");
	check_int(s.mem_peak, -1, "mem_peak without memory.peak");
	check_int(s.pids_peak, -1, "pids_peak without pids.peak");
	check_int(s.mem_usage, cur, "mem_usage");
}

/* This test checks that stats_read() on a cgroup that has gone returns -ENOENT. */
static void test_stats_read_vanished(void **state)
{
	char *base = hako_tmpdir(), name[40], rel[2 * PATH_MAX];
	struct stats_sample s;

	random_name(name);
	struct hako_cgroup *cg =
	    fake_cgroup(base, hako_rand() % 2 ? CGROUP_UNIFIED : CGROUP_LEGACY, name);
	snprintf(rel, sizeof(rel), "%s/hako", base);
	hako_rm_rf(rel);
	snprintf(rel, sizeof(rel), "%s/memory/hako", base);
	hako_rm_rf(rel);
	snprintf(rel, sizeof(rel), "%s/cpuacct/hako", base);
	hako_rm_rf(rel);
	snprintf(rel, sizeof(rel), "%s/pids/hako", base);
	hako_rm_rf(rel);
	int err = stats_read(cg, &s);
	cgroup_destroy(cg);
	hako_rm_rf(base);
	free(base);

	check_int(err, -ENOENT, "stats_read() after the cgroup's folders are gone");

	/* Memory and processes readable, the CPU file gone: it is required too. */
	base = hako_tmpdir();
	random_name(name);
	bool v2 = hako_rand() % 2;
	cg = fake_cgroup(base, v2 ? CGROUP_UNIFIED : CGROUP_LEGACY, name);
	if (v2) {
		snprintf(rel, sizeof(rel), "hako/%s/memory.current", name);
		put(base, rel, "4096\n");
		snprintf(rel, sizeof(rel), "hako/%s/pids.current", name);
		put(base, rel, "1\n");
	} else {
		snprintf(rel, sizeof(rel), "memory/hako/%s/memory.usage_in_bytes", name);
		put(base, rel, "4096\n");
		snprintf(rel, sizeof(rel), "pids/hako/%s/pids.current", name);
		put(base, rel, "1\n");
	}
	err = stats_read(cg, &s);
	cgroup_destroy(cg);
	hako_rm_rf(base);
	free(base);
	check_int(err, -ENOENT,
	          v2 ? "stats_read() without cpu.stat (v2)"
	             : "stats_read() without cpuacct.usage (v1)");
}

/* ---- Formulas ---- */

/* The reference: go-units' BytesSize, written out. */
static void ref_size(long long bytes, char *buf, size_t len)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
	double v = (double)bytes;
	int i = 0;

	for (; v >= 1024 && i < 5; i++)
		v /= 1024;
	snprintf(buf, len, "%.4g%s", v, units[i]);
}

/* This test checks that stats_format_size() prints sizes as docker does: four significant
 * digits and a binary unit (1.5KiB, 512MiB, 11.77MiB, 1023B). */
static void test_stats_format_size(void **state)
{
	static const struct {
		long long bytes;
		const char *text;
	} fixed[] = {{0, "0B"},
	             {1023, "1023B"},
	             {1024, "1KiB"},
	             {1536, "1.5KiB"},
	             {536870912, "512MiB"},
	             {12345678, "11.77MiB"},
	             {1048575, "1024KiB"},
	             {3LL << 30, "3GiB"},
	             {5LL << 40, "5TiB"}};
	char got[64], want[64], what[64];

	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		stats_format_size(fixed[i].bytes, got, sizeof(got));
		snprintf(what, sizeof(what), "stats_format_size(%lld)", fixed[i].bytes);
		check_str(got, fixed[i].text, what);
	}
	for (int i = 0; i < 50; i++) {
		long long b = (long long)hako_rand() << hako_rand_range(0, 20);
		ref_size(b, want, sizeof(want));
		stats_format_size(b, got, sizeof(got));
		snprintf(what, sizeof(what), "stats_format_size(%lld)", b);
		check_str(got, want, what);
	}
}

/* This test checks that stats_cpu_percent() computes docker's CPU %: container delta over
 * machine delta, times the number of CPUs, times 100. */
static void test_stats_cpu_percent(void **state)
{
	for (int i = 0; i < 20; i++) {
		struct stats_sample a = {0}, b = {0};
		int ncpus = (int)hako_rand_range(1, 64);
		a.cpu_usec = hako_rand_range(0, 1000000000);
		a.system_usec = hako_rand_range(0, 1000000000);
		b.system_usec = a.system_usec + hako_rand_range(1, 10000000);
		b.cpu_usec = a.cpu_usec + hako_rand_range(0, b.system_usec - a.system_usec);
		double want = b.cpu_usec == a.cpu_usec
		                  ? 0.0
		                  : (double)(b.cpu_usec - a.cpu_usec) /
		                        (double)(b.system_usec - a.system_usec) * ncpus * 100.0;
		double got = stats_cpu_percent(&a, &b, ncpus);
		check_that(
		    got > want - 1e-6 && got < want + 1e-6,
		    "stats_cpu_percent: container +%lld us, machine +%lld us, %d CPUs: expected "
		    "%.4f, got %.4f",
		    b.cpu_usec - a.cpu_usec, b.system_usec - a.system_usec, ncpus, want, got);
	}
	struct stats_sample same = {.cpu_usec = 5, .system_usec = 9};
	check_that(stats_cpu_percent(&same, &same, 2) == 0.0,
	           "stats_cpu_percent with no time passed should be 0");
}

/* ---- Kernel tests ---- */

static int mounts_mode(void)
{
	char dev[256], dir[256], type[64];
	int mode = 0;
	FILE *f = fopen("/proc/self/mounts", "r");

	while (f && fscanf(f, "%255s %255s %63s %*[^\n]", dev, dir, type) == 3) {
		if (strcmp(dir, "/sys/fs/cgroup") == 0 && strcmp(type, "cgroup2") == 0)
			mode = CGROUP_UNIFIED;
		else if (!mode && strncmp(dir, "/sys/fs/cgroup/", 15) == 0 &&
		         strcmp(type, "cgroup") == 0)
			mode = CGROUP_LEGACY;
	}
	if (f)
		fclose(f);
	return mode;
}

static void require_cgroups(void)
{
	hako_require_root();
	if (!mounts_mode())
		hako_skip("needs cgroups mounted at /sys/fs/cgroup: run `make doctor`");
}

/* Copies of the programs' paths (hako_prog() reuses one buffer). */
static const char *hako_path(void)
{
	static char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s", hako_prog("hako"));
	return path;
}

static const char *cgprog(void)
{
	static char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s", hako_prog("cgprog"));
	return path;
}

/* The summary line's numbers. */
struct summary {
	double wall, cpu, pct;
	char peak[32], pids[32];
};

static bool parse_summary(const char *err, struct summary *s)
{
	const char *p = err ? strstr(err, "hako: stats: ") : NULL;

	return p && sscanf(p,
	                   "hako: stats: wall %lfs, cpu %lfs (%lf%%), peak memory %31[^,], "
	                   "peak pids %31s",
	                   &s->wall, &s->cpu, &s->pct, s->peak, s->pids) == 5;
}

/* "12.5MiB" -> bytes. */
static double size_bytes(const char *text)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	char unit[8] = "";
	double v = -1;

	if (sscanf(text, "%lf%7s", &v, unit) != 2)
		return -1;
	for (int i = 0; i < 5; i++)
		if (strcmp(unit, units[i]) == 0)
			return v * (double)(1LL << (10 * i));
	return -1;
}

static void run_hako(struct hako_run *r, const char *const *args)
{
	hako_run_prog(r, "hako", args, NULL, 60000);
}

/* This test checks that `hako run --stats` reports a peak memory at least as large as what
 * the workload touched, and not far above it. */
static void test_stats_kernel_memory_peak(void **state)
{
	struct hako_run r;
	struct summary s;
	char mib[16];
	long n = hako_rand_range(24, 64);

	require_cgroups();
	snprintf(mib, sizeof(mib), "%ld", n);
	const char *args[] = {"run", "--stats", "--memory", "512m", cgprog(), "hog", mib, NULL};
	run_hako(&r, args);
	check_exit(&r, 0, "exit code of `hako run --stats ... hog N`");
	check_that(
	    parse_summary(r.err, &s),
	    "no summary line like \"hako: stats: wall 2.01s, cpu 1.00s (49.8%%), peak memory "
	    "12.5MiB, peak pids 3\" in stderr: %s",
	    r.err);
	/* cgroup v2 keeps memory.peak since Linux 5.19 (Ubuntu 22.04's 5.15 has none); the hako
	 * parent stays after the run, so its files say what this kernel has. */
	const char *parent_peak = "/sys/fs/cgroup/hako/memory.peak";
	if (mounts_mode() == CGROUP_UNIFIED && access(parent_peak, F_OK) != 0) {
		hako_run_free(&r);
		hako_skip("this kernel keeps no memory.peak (Linux 5.19+; %s is missing)",
		          parent_peak);
	}
	check_that(strstr(s.peak, "MiB") != NULL,
	           "peak memory \"%s\" for %ld MiB: print it with stats_format_size() (\"%ldMiB\" "
	           "or so)",
	           s.peak, n, n);
	double peak = size_bytes(s.peak);
	check_that(peak >= n * 1048576.0, "peak memory %s for a workload that touched %ld MiB",
	           s.peak, n);
	check_that(peak <= (n + 48) * 1048576.0,
	           "peak memory %s is far above the %ld MiB the workload touched", s.peak, n);
	hako_run_free(&r);
}

/* This test checks that `hako run --stats` reports the CPU time a workload burned. */
static void test_stats_kernel_cpu_time(void **state)
{
	struct hako_run r;
	struct summary s;
	char sec[16];
	double want = hako_rand_range(1, 2) / 10.0;

	require_cgroups();
	/* A while asleep after the burn (at least as long as the burn), so the CPU % is well
	 * below 100 and a summary that divides the wrong way round (wall / cpu) is far off. */
	char script[PATH_MAX + 64];
	snprintf(sec, sizeof(sec), "%.1f", want);
	snprintf(script, sizeof(script), "%s burn-cpu %s && sleep 0.2", cgprog(), sec);
	const char *args[] = {"run", "--stats", "/bin/sh", "-c", script, NULL};
	run_hako(&r, args);
	check_exit(&r, 0, "exit code of `hako run --stats sh -c 'burn-cpu S && sleep 0.2'`");
	check_that(parse_summary(r.err, &s), "no summary line in stderr: %s", r.err);
	check_that(s.cpu >= want - 0.02 && s.cpu <= want + 0.5,
	           "cpu %.2fs for a workload that burned %.1f s of CPU time", s.cpu, want);
	check_that(s.wall >= s.cpu * 0.5, "wall %.2fs is implausibly short for cpu %.2fs", s.wall,
	           s.cpu);
	/* The times are printed rounded to 0.01 s, so allow for that in the percentage. */
	double pct = s.wall > 0 ? 100.0 * s.cpu / s.wall : 0;
	check_that(s.pct > pct * 0.95 - 2 && s.pct < pct * 1.05 + 2,
	           "CPU %.1f%% in the summary, but cpu %.2fs / wall %.2fs is %.1f%%", s.pct, s.cpu,
	           s.wall, pct);
	hako_run_free(&r);
}

/* This test checks that `hako run --stats` reports the peak number of processes: a workload
 * with K children at once shows at least K + 1. */
static void test_stats_kernel_pids_peak(void **state)
{
	struct hako_run r;
	struct summary s;
	char k[16];
	long n = hako_rand_range(3, 12);

	require_cgroups();
	snprintf(k, sizeof(k), "%ld", n);
	const char *args[] = {"run", "--stats", "--pids-limit", "100", cgprog(), "spawn", k, NULL};
	run_hako(&r, args);
	check_exit(&r, 0, "exit code");
	check_that(parse_summary(r.err, &s), "no summary line in stderr: %s", r.err);
	/* The hako parent stays after the run: does this kernel have pids.peak at all? */
	const char *parent_peak = mounts_mode() == CGROUP_UNIFIED
	                              ? "/sys/fs/cgroup/hako/pids.peak"
	                              : "/sys/fs/cgroup/pids/hako/pids.peak";
	if (access(parent_peak, F_OK) != 0) {
		hako_run_free(&r);
		hako_skip("this kernel keeps no pids.peak (%s is missing)", parent_peak);
	}
	long got = atol(s.pids);
	check_that(got >= n + 1 && got <= n + 4, "peak pids %ld for a workload with %ld children",
	           got, n);
	hako_run_free(&r);
}

/* The interval the watch tests ask `hako stats` for (--interval MS): short, so that they see
 * many rows in little time. */
#define INTERVAL_MS   100
#define INTERVAL_TEXT "100"

static pid_t start_workload(char *const argv[], bool *ready, int *in);

/* Start `hako run --memory LIMIT cgprog wait SECONDS` in the background and wait (at most
 * 20 s) until the workload runs in its cgroup: it prints /proc/self/cgroup first, and a line
 * with ":/hako/" means hako has made the cgroup and attached the container. Returns hako's
 * pid (or -1 if it could not start); *READY says whether the workload was seen. */
static pid_t start_container(const char *limit, const char *seconds, bool *ready)
{
	char *argv[] = {(char *)hako_path(), "run",  "--memory",      (char *)limit,
	                (char *)cgprog(),    "wait", (char *)seconds, NULL};

	return start_workload(argv, ready, NULL);
}

/* Start ARGV (a `hako run` of a cgprog that prints its cgroup first) in the background and
 * wait at most 20 s for the workload to show up in its cgroup, as start_container(). With IN,
 * hako's stdin (the workload's) is a pipe whose write end *IN receives (close-on-exec, so no
 * other program holds it): closing it is end of file for the workload. */
static pid_t start_workload(char *const argv[], bool *ready, int *in)
{
	char buf[4096];
	size_t have = 0;
	int fds[2], inp[2] = {-1, -1};

	*ready = false;
	if (pipe(fds) < 0)
		return -1;
	if (in && pipe2(inp, O_CLOEXEC) < 0)
		return -1;
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		if (in)
			dup2(inp[0], 0);
		execv(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	if (in) {
		close(inp[0]);
		*in = inp[1];
	}
	time_t end = time(NULL) + 20;
	while (pid > 0 && !*ready && time(NULL) < end && have < sizeof(buf) - 1) {
		ssize_t n = read(fds[0], buf + have, sizeof(buf) - 1 - have);
		if (n <= 0)
			break;
		have += (size_t)n;
		buf[have] = '\0';
		const char *p = strstr(buf, ":/hako/");
		*ready = p && strchr(p, '\n');
	}
	close(fds[0]); /* the workload writes nothing more */
	return pid;
}

/* The end of a watch test: `hako stats` (B, if it STARTED: 0) is stopped if it still runs, the
 * workload's stdin IN closed, and the container's `hako run` HAKO stopped and reaped. */
static void end_watch(struct hako_bg *b, int started, int in, pid_t hako)
{
	if (started == 0) {
		if (b->pid > 0)
			kill(b->pid, SIGTERM); /* nothing if it has ended already */
		hako_bg_finish(b, 5000);
	}
	if (in >= 0)
		close(in);
	if (hako > 0) {
		kill(hako, SIGTERM);
		waitpid(hako, NULL, 0);
	}
}

/* What `hako stats` printed so far: rows (lines that start with the container's name,
 * "hako-"), the CPU % of the first, the last and the highest, header lines, and the last
 * other line (a message). */
struct rows {
	int n, headers;
	double first, last, most;
	char other[256];
};

/* Take the complete lines of B's output into R and drop them from B, so that a long watch
 * never fills B's buffer. */
static void take_rows(struct hako_bg *b, struct rows *r)
{
	char *line = b->text, *nl;

	while ((nl = strchr(line, '\n')) != NULL) {
		double cpu;
		if (strncmp(line, "NAME", 4) == 0) {
			r->headers++;
		} else if (strncmp(line, "hako-", 5) == 0 && sscanf(line, "%*s %lf%%", &cpu) == 1) {
			if (r->n++ == 0)
				r->first = r->most = cpu;
			r->last = cpu;
			r->most = cpu > r->most ? cpu : r->most;
		} else {
			snprintf(r->other, sizeof(r->other), "%.*s", (int)(nl - line), line);
		}
		line = nl + 1;
	}
	size_t used = (size_t)(line - b->text);
	memmove(b->text, line, b->len - used + 1);
	b->len -= used;
}

/* This test checks that `hako stats --no-stream PID` prints docker's columns for a running
 * container: its name, CPU %, MEM USAGE / LIMIT, MEM %, PIDS. */
static void test_stats_watch_row(void **state)
{
	struct hako_run r;
	char limit[16], pidtext[16], expect[64];
	long mib = hako_rand_range(64, 256);

	bool ready;

	require_cgroups();
	snprintf(limit, sizeof(limit), "%ldm", mib);
	pid_t hako = start_container(limit, "30", &ready);
	check_that(hako > 0, "could not start hako");
	snprintf(pidtext, sizeof(pidtext), "%d", (int)hako);
	char *argv[] = {(char *)hako_path(), "stats", "--no-stream", "--interval",
	                INTERVAL_TEXT,       pidtext, NULL};
	int started = ready ? hako_run_argv(argv, NULL, 60000, &r) : -1;
	kill(hako, SIGTERM); /* hako passes it on to the container, then cleans up */
	waitpid(hako, NULL, 0);

	check_that(ready, "the container did not start within 20 s (`hako run --memory %s ...`)",
	           limit);
	check_that(started == 0 && !r.timed_out, "`hako stats` did not run or finish within 60 s");
	check_exit(&r, 0, "exit code of `hako stats --no-stream --interval " INTERVAL_TEXT " PID`");
	check_contains(r.out, "NAME", "the header");
	check_contains(r.out, "MEM USAGE / LIMIT", "the header");
	snprintf(expect, sizeof(expect), "hako-%d ", (int)hako);
	check_contains(r.out, expect, "the row's NAME");
	snprintf(expect, sizeof(expect), " / %ldMiB ", mib);
	check_contains(r.out, expect, "the row's MEM USAGE / LIMIT");
	const char *row = strstr(r.out, "hako-");
	double cpu = -1, memp = -1;
	long pids = -1;
	char use[32], lim[32];
	check_that(row && sscanf(row, "%*s %lf%% %31s / %31s %lf%% %ld", &cpu, use, lim, &memp,
	                         &pids) == 5,
	           "the row does not read NAME CPU%% USE / LIMIT MEM%% PIDS: %s", r.out);
	check_that(cpu >= 0 && cpu < 50, "CPU %% of a sleeping container: %.2f", cpu);
	check_that(pids >= 2 && pids <= 4, "PIDS of a container with init and one process: %ld",
	           pids);
	double want_memp = 100.0 * size_bytes(use) / (mib * 1048576.0);
	check_that(memp > want_memp - 0.1 && memp < want_memp + 0.1,
	           "MEM %% %.2f for %s of %ld MiB", memp, use, mib);
	hako_run_free(&r);
}

/* This test checks that each row's CPU % is measured over the interval before it, not since
 * the first sample: the container burns CPU until the test has seen two rows (and it has
 * used 0.2 s), then sleeps. The first row must show the burning, and once the container
 * sleeps a row must fall to about 0 %; an average since the start would stay above 0.5 %
 * for the 20 s the test watches, and a first row from a zeroed sample would show almost
 * nothing.
 * Rows are read as they come, so a busy machine only makes the test wait longer. */
static void test_stats_watch_each_interval(void **state)
{
	struct rows rows = {.first = -1, .last = -1, .most = -1};
	struct hako_bg b;
	char pidtext[16];
	int in = -1, burning = 0;
	bool ready;

	require_cgroups();
	char *run[] = {(char *)hako_path(), "run", "--memory", "64m", (char *)cgprog(),
	               "stdin-burn",        "0.2", "30",       NULL};
	pid_t hako = start_workload(run, &ready, &in);
	check_that(hako > 0, "could not start hako");
	snprintf(pidtext, sizeof(pidtext), "%d", (int)hako);
	char *argv[] = {(char *)hako_path(), "stats", "--interval", INTERVAL_TEXT, pidtext, NULL};
	int started = ready ? hako_bg_start(&b, argv, NULL, NULL) : -1;
	long long end = hako_now_ms() + 20000;
	while (started == 0 && hako_now_ms() < end) {
		hako_bg_wait_for(&b, "\n", 50);
		take_rows(&b, &rows);
		if (in >= 0 && rows.n >= 2) { /* two rows while it burns: now let it stop */
			close(in);
			in = -1;
			burning = rows.n;
		}
		if (in < 0 && rows.n > burning && rows.most >= 5 && rows.last < 0.5)
			break;
		if (waitpid(b.pid, NULL, WNOHANG) == b.pid) {
			b.pid =
			    -1; /* reaped: `hako stats` ended by itself, there will be no more rows */
			break;
		}
	}
	end_watch(&b, started, in, hako);

	check_that(ready, "the container did not start within 20 s (`hako run ... stdin-burn`)");
	check_that(started == 0, "`hako stats PID` did not start");
	check_that(rows.n >= 2,
	           "%d rows from `hako stats --interval " INTERVAL_TEXT
	           "` (one every 100 ms, until it ended or 20 s passed); last other line: %s",
	           rows.n, rows.other);
	check_that(rows.first >= 5,
	           "the first row says %.2f %% CPU for a container that burned CPU through that "
	           "interval: a row compares two samples an interval apart, the first taken before "
	           "it",
	           rows.first);
	check_that(rows.last < 0.5,
	           "after %d rows the last says %.2f %% CPU for a container that has been asleep "
	           "for many intervals (the highest said %.2f %%): is each row measured over its "
	           "own interval?",
	           rows.n, rows.last, rows.most);
}

/* This test checks that `hako stats` prints a row per interval (--interval MS), says clearly
 * when a container ends while it watches, and when there is no container for the PID at
 * all. */
static void test_stats_watch_vanished(void **state)
{
	struct rows rows = {.first = -1, .last = -1, .most = -1};
	struct hako_run r;
	struct hako_bg b;
	char pidtext[16];
	int in = -1, status = -1;
	long long three = -1, took = -1;
	bool ready, exited = false;

	require_cgroups();
	char *run[] = {(char *)hako_path(), "run",        "--memory", "64m",
	               (char *)cgprog(),    "stdin-wait", NULL};
	pid_t hako = start_workload(run, &ready, &in);
	check_that(hako > 0, "could not start hako");
	snprintf(pidtext, sizeof(pidtext), "%d", (int)hako);
	/* Through sh, for `2>&1`: the message about the end comes on stderr. */
	char *argv[] = {"/bin/sh",
	                "-c",
	                "exec \"$0\" stats --interval " INTERVAL_TEXT " \"$1\" 2>&1",
	                (char *)hako_path(),
	                pidtext,
	                NULL};
	long long t0 = hako_now_ms();
	int started = ready ? hako_bg_start(&b, argv, NULL, NULL) : -1;
	for (long long end = t0 + 20000; started == 0 && hako_now_ms() < end;) {
		hako_bg_wait_for(&b, "\n", 50);
		take_rows(&b, &rows);
		if (in >= 0 && (rows.n >= 3 || rows.other[0])) {
			three = rows.n >= 3 ? hako_now_ms() - t0 : -1;
			close(in); /* the container ends */
			in = -1;
		}
		if (waitpid(b.pid, &status, WNOHANG) == b.pid) {
			b.pid = -1; /* `hako stats` has ended: read what is left */
			hako_bg_wait_for(&b, "\a", 100);
			take_rows(&b, &rows);
			took = hako_now_ms() - t0;
			exited = true;
			break;
		}
	}
	end_watch(&b, started, in, hako);

	check_that(ready, "the container did not start within 20 s (`hako run --memory 64m ...`)");
	check_that(started == 0, "`hako stats` did not start");
	check_that(exited, "`hako stats` still ran 20 s after it started (its container ends "
	                   "once it has printed 3 rows)");
	check_that(rows.n >= 3,
	           "%d rows before the container ended (it ran until there were 3); "
	           "last other line: %s",
	           rows.n, rows.other);
	check_that(three < 2500,
	           "3 rows took %lld ms at --interval " INTERVAL_TEXT
	           ": does stats_watch() sleep INTERVAL_MS between rows?",
	           three);
	check_that(rows.n * (long long)INTERVAL_MS <= took + INTERVAL_MS,
	           "%d rows in %lld ms: one row per interval of %d ms", rows.n, took, INTERVAL_MS);
	check_int(rows.headers, 1,
	          "header lines of `hako stats` (not a terminal: only before the first row)");
	check_contains(rows.other, "has exited", "the last line when the container ends");
	check_that(WIFEXITED(status) && WEXITSTATUS(status) != 0,
	           "`hako stats` exited 0 after its container went away");

	snprintf(pidtext, sizeof(pidtext), "%d", (int)hako); /* reaped: no such process now */
	const char *args2[] = {"stats", "--no-stream", pidtext, NULL};
	run_hako(&r, args2);
	check_contains(r.err, "no container", "stderr for a PID with no container");
	check_that(r.exit_code != 0, "`hako stats` of a vanished PID exited 0");
	check_that(strstr(r.out, "MiB") == NULL, "`hako stats` printed numbers for nothing: %s",
	           r.out);
	hako_run_free(&r);
}

HAKO_TEST_MAIN(HAKO_TEST(test_stats_read_v2), HAKO_TEST(test_stats_read_v1),
               HAKO_TEST(test_stats_read_no_limit_no_peak), HAKO_TEST(test_stats_read_vanished),
               HAKO_TEST(test_stats_format_size), HAKO_TEST(test_stats_cpu_percent),
               HAKO_TEST(test_stats_kernel_memory_peak), HAKO_TEST(test_stats_kernel_cpu_time),
               HAKO_TEST(test_stats_kernel_pids_peak), HAKO_TEST(test_stats_watch_row),
               HAKO_TEST(test_stats_watch_each_interval), HAKO_TEST(test_stats_watch_vanished))
