/* test_cgroup_layout.c: lesson 07 — which hierarchy serves each controller, and the folders:
 * detection, hybrid and co-mounted layouts, attach, stale, busy and missing cgroups. */
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

/* ---- Mode detection ---- */

/* This test checks that cgroup_detect_mode() finds this machine's mode (v1, hybrid or v2)
 * as /proc/self/mounts describes it. */
void test_cgroup_detect_mode(void **state)
{
	int want = mounts_mode();

	if (!want)
		hako_skip("needs cgroups mounted at /sys/fs/cgroup: run `make doctor`");
	check_int(cgroup_detect_mode("/sys/fs/cgroup"), want,
	          "cgroup_detect_mode(\"/sys/fs/cgroup\") (1 legacy, 2 hybrid, 3 unified)");
}

/* This test checks that cgroup_detect_mode() tells all three layouts apart, on real mounts
 * made in a private mount namespace: cgroup2 (unified), tmpfs with cgroup2 at unified/
 * (hybrid), tmpfs alone (legacy). */
void test_cgroup_detect_mode_layouts(void **state)
{
	int res[3] = {-100, -100, -100}, fds[2];

	hako_require_root();
	char *dir = hako_tmpdir();
	check_that(pipe(fds) == 0, "pipe");
	pid_t pid = fork();
	if (pid == 0) {
		char unified[PATH_MAX];
		int out[3] = {-99, -99, -99};
		snprintf(unified, sizeof(unified), "%s/unified", dir);
		if (unshare(CLONE_NEWNS) == 0 &&
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0) {
			if (mount("cgroup2", dir, "cgroup2", 0, NULL) == 0) {
				out[0] = cgroup_detect_mode(dir);
				umount(dir);
			}
			if (mount("tmpfs", dir, "tmpfs", 0, NULL) == 0) {
				mkdir(unified, 0755);
				if (mount("cgroup2", unified, "cgroup2", 0, NULL) == 0) {
					out[1] = cgroup_detect_mode(dir);
					umount(unified);
				}
				out[2] = cgroup_detect_mode(dir);
				umount(dir);
			}
		}
		if (write(fds[1], out, sizeof(out)) != sizeof(out))
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	ssize_t n = read(fds[0], res, sizeof(res));
	close(fds[0]);
	waitpid(pid, NULL, 0);
	hako_rm_rf(dir);
	free(dir);
	check_int(n, sizeof(res), "results from the child that mounted the test layouts");
	check_int(res[0], CGROUP_UNIFIED, "cgroup_detect_mode on a cgroup2 mount");
	check_int(res[1], CGROUP_HYBRID, "cgroup_detect_mode on tmpfs with cgroup2 at unified/");
	check_int(res[2], CGROUP_LEGACY, "cgroup_detect_mode on tmpfs without unified/");

	char missing[64], r[12];
	hako_rand_name(r, 10);
	snprintf(missing, sizeof(missing), "/tmp/hako-no-such-%s", r);
	check_int(cgroup_detect_mode(missing), -ENOENT,
	          "cgroup_detect_mode on a path that does not exist (statfs's -errno)");
}

/* This test checks that in hybrid mode each controller goes where it is served: to the v1
 * hierarchy, unless the v2 hierarchy at unified/ lists it. */
void test_cgroup_hybrid_layout(void **state)
{
	char *base = hako_tmpdir(), name[40], rel[PATH_MAX], mem[32], pids[32], quota[32];
	struct hako_config cfg = random_limits();
	struct cgroup_root root = {.path = base, .mode = CGROUP_HYBRID};
	struct hako_cgroup *cg = NULL;
	const char *got[4];

	/* Like this machine: v2 has only hugetlb, so everything is v1. */
	random_name(name);
	fake_v1(base, name, true);
	fake_v2(base, "unified", "hugetlb", name);
	int err1 = cgroup_create_at(&root, &cfg, name, &cg);
	snprintf(rel, sizeof(rel), "memory/hako/%s/memory.limit_in_bytes", name);
	got[0] = slurp(base, rel);
	snprintf(rel, sizeof(rel), "unified/hako/%s/memory.max", name);
	got[1] = slurp(base, rel);
	cgroup_destroy(cg);
	cg = NULL;
	hako_rm_rf(base);
	free(base);

	/* v2 serves memory and pids; cpu stays v1. */
	base = hako_tmpdir();
	root.path = base;
	random_name(name);
	fake_v1(base, name, true);
	fake_v2(base, "unified", "memory pids", name);
	int err2 = cgroup_create_at(&root, &cfg, name, &cg);
	snprintf(rel, sizeof(rel), "unified/hako/%s/memory.max", name);
	got[2] = slurp(base, rel);
	snprintf(rel, sizeof(rel), "unified/hako/%s/pids.max", name);
	got[3] = slurp(base, rel);
	snprintf(rel, sizeof(rel), "cpu/hako/%s/cpu.cfs_quota_us", name);
	const char *got_quota = slurp(base, rel);
	snprintf(rel, sizeof(rel), "memory/hako/%s/memory.limit_in_bytes", name);
	const char *got_v1mem = slurp(base, rel);
	cgroup_destroy(cg);
	hako_rm_rf(base);
	free(base);

	snprintf(mem, sizeof(mem), "%lld", cfg.memory);
	snprintf(pids, sizeof(pids), "%ld", cfg.pids_limit);
	snprintf(quota, sizeof(quota), "%lld", cfg.cpu_max);
	check_created(err1, "cgroup_create_at() on a hybrid tree whose v2 part has only hugetlb");
	check_str(got[0], mem, "memory/hako/NAME/memory.limit_in_bytes (v1 serves memory)");
	check_str(got[1], "", "unified/hako/NAME/memory.max (v2 does not serve memory here)");
	check_created(err2, "cgroup_create_at() on a hybrid tree whose v2 part has memory, pids");
	check_str(got[2], mem, "unified/hako/NAME/memory.max (v2 serves memory)");
	check_str(got[3], pids, "unified/hako/NAME/pids.max (v2 serves pids)");
	check_str(got_quota, quota, "cpu/hako/NAME/cpu.cfs_quota_us (v1 serves cpu)");
	check_str(got_v1mem, "", "memory/hako/NAME/memory.limit_in_bytes (v1 not used)");
}

/* This test checks that v1 hierarchies mounted together (cpu,cpuacct with cpu and cpuacct
 * as symlinks to it, as most distributions do) are handled as one folder, with the quota
 * in it and the process joined. */
void test_cgroup_v1_comounted(void **state)
{
	char *base = hako_tmpdir(), name[40], rel[PATH_MAX], path[2 * PATH_MAX], quota[32];
	struct hako_config cfg = {.net = HAKO_NET_HOST, .cpu_max = hako_rand_range(1000, 300000)};
	struct cgroup_root root = {.path = base, .mode = CGROUP_LEGACY};
	struct hako_cgroup *cg = NULL;

	random_name(name);
	snprintf(rel, sizeof(rel), "memory/hako/%s", name);
	make_files(base, rel, v1_memory_files);
	snprintf(rel, sizeof(rel), "pids/hako/%s", name);
	make_files(base, rel, v1_pids_files);
	snprintf(path, sizeof(path), "%s/cpu,cpuacct", base);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/cpu", base);
	check_that(symlink("cpu,cpuacct", path) == 0, "symlink %s", path);
	snprintf(path, sizeof(path), "%s/cpuacct", base);
	check_that(symlink("cpu,cpuacct", path) == 0, "symlink %s", path);
	snprintf(rel, sizeof(rel), "cpu,cpuacct/hako/%s", name);
	make_files(base, rel, v1_cpu_files);

	pid_t target = dead_pid();
	int err = cgroup_create_at(&root, &cfg, name, &cg);
	const char *cpu_dir = cg ? cgroup_dir(cg, CGROUP_CPU, NULL) : NULL;
	const char *acct_dir = cg ? cgroup_dir(cg, CGROUP_CPUACCT, NULL) : NULL;
	bool same = cpu_dir && acct_dir && strcmp(cpu_dir, acct_dir) == 0;
	int err_attach = cg ? cgroup_attach(cg, target) : -1;
	snprintf(rel, sizeof(rel), "cpu,cpuacct/hako/%s/cpu.cfs_quota_us", name);
	const char *got_quota = slurp(base, rel);
	snprintf(rel, sizeof(rel), "cpu,cpuacct/hako/%s/cgroup.procs", name);
	const char *got_procs = slurp(base, rel);
	cgroup_destroy(cg);
	hako_rm_rf(base);
	free(base);

	char pid[16];
	snprintf(pid, sizeof(pid), "%d", (int)target);
	snprintf(quota, sizeof(quota), "%lld", cfg.cpu_max);
	check_created(err, "cgroup_create_at() with cpu and cpuacct mounted together");
	check_int(err_attach, 0, "cgroup_attach()");
	check_str(got_quota, quota, "cpu,cpuacct/hako/NAME/cpu.cfs_quota_us");
	check_str(got_procs, pid, "cpu,cpuacct/hako/NAME/cgroup.procs");
	check_that(same, "cgroup_dir() of cpu and of cpuacct differ: one hierarchy, one folder");
}

/* This test checks that cgroup_attach() writes the pid to cgroup.procs in every v1
 * hierarchy, and once in v2. */
void test_cgroup_attach(void **state)
{
	static const char *const v1dirs[] = {"memory", "cpu", "cpuacct", "pids"};
	char *base = hako_tmpdir(), name[40], rel[PATH_MAX], pid[16];
	struct hako_config cfg = random_limits();
	struct cgroup_root r1 = {.path = base, .mode = CGROUP_LEGACY};
	struct hako_cgroup *cg = NULL;
	pid_t target = dead_pid(); /* a real pid that no process has: nothing to harm */
	const char *got[5];

	random_name(name);
	fake_v1(base, name, true);
	int err1 = cgroup_create_at(&r1, &cfg, name, &cg);
	int att1 = cg ? cgroup_attach(cg, target) : -1;
	for (int i = 0; i < 4; i++) {
		snprintf(rel, sizeof(rel), "%s/hako/%s/cgroup.procs", v1dirs[i], name);
		got[i] = slurp(base, rel);
	}
	cgroup_destroy(cg);
	cg = NULL;
	hako_rm_rf(base);
	free(base);

	base = hako_tmpdir();
	struct cgroup_root r2 = {.path = base, .mode = CGROUP_UNIFIED};
	fake_v2(base, ".", "cpu memory pids", name);
	int err2 = cgroup_create_at(&r2, &cfg, name, &cg);
	int att2 = cg ? cgroup_attach(cg, target) : -1;
	snprintf(rel, sizeof(rel), "hako/%s/cgroup.procs", name);
	got[4] = slurp(base, rel);
	cgroup_destroy(cg);
	hako_rm_rf(base);
	free(base);

	snprintf(pid, sizeof(pid), "%d", (int)target);
	check_created(err1, "cgroup_create_at() on a fake v1 tree");
	check_int(att1, 0, "cgroup_attach() on v1");
	for (int i = 0; i < 4; i++) {
		char what[64];
		snprintf(what, sizeof(what), "%s/hako/NAME/cgroup.procs", v1dirs[i]);
		check_str(got[i], pid, what);
	}
	check_created(err2, "cgroup_create_at() on a fake v2 tree");
	check_int(att2, 0, "cgroup_attach() on v2");
	check_str(got[4], pid, "hako/NAME/cgroup.procs (v2)");
}

/* This test checks that making a cgroup first removes the empty cgroups of crashed runs
 * ("hako-PID..." whose PID is gone), and leaves alone those of live ones and other names. */
void test_cgroup_stale_removed(void **state)
{
	char *base = hako_tmpdir(), name[40], other[40], stale[64], live[64], path[2 * PATH_MAX];
	char plain[64], notpid[64];
	struct hako_config cfg = {.net = HAKO_NET_HOST, .pids_limit = 50};
	struct cgroup_root root = {.path = base, .mode = CGROUP_UNIFIED};
	struct hako_cgroup *cg = NULL;
	char r[12];

	random_name(name);
	fake_v2(base, ".", "cpu memory pids", name);
	hako_rand_name(r, 8);
	snprintf(stale, sizeof(stale), "hako-%d-%s", (int)dead_pid(), r);
	snprintf(live, sizeof(live), "hako-%d", (int)getppid());
	hako_rand_name(other, 10);
	snprintf(plain, sizeof(plain), "hako-%d", (int)dead_pid()); /* as run.c names them */
	snprintf(notpid, sizeof(notpid), "hako-%dx%s", (int)dead_pid(),
	         r); /* digits, then not '-' */
	const char *made[] = {stale, live, other, plain, notpid};
	for (int i = 0; i < 5; i++) {
		snprintf(path, sizeof(path), "%s/hako/%s", base, made[i]);
		mkdir(path, 0755);
	}
	int err = cgroup_create_at(&root, &cfg, name, &cg);
	bool left[5];
	for (int i = 0; i < 5; i++) {
		snprintf(path, sizeof(path), "hako/%s", made[i]);
		left[i] = exists(base, path);
	}
	cgroup_destroy(cg);
	hako_rm_rf(base);
	free(base);

	check_created(err, "cgroup_create_at()");
	check_that(!left[0], "hako/%s (its hako is dead) is still there", stale);
	check_that(left[1], "hako/%s was removed, but its hako is alive", live);
	check_that(left[2], "hako/%s was removed, but it is not named hako-PID", other);
	check_that(!left[3], "hako/%s (its hako is dead) is still there", plain);
	check_that(left[4], "hako/%s was removed, but it is not named hako-PID or hako-PID-...",
	           notpid);
}

/* This test checks that cgroup_destroy() removes the cgroup's folders in every hierarchy, and
 * takes one that is already gone as removed. */
void test_cgroup_destroy_removes(void **state)
{
	static const char *const v1dirs[] = {"memory", "cpu", "cpuacct", "pids"};
	char *base = hako_tmpdir(), name[40], rel[PATH_MAX];
	struct hako_config cfg = {.net = HAKO_NET_HOST, .stats = true};
	struct cgroup_root root = {.path = base, .mode = CGROUP_LEGACY};
	struct hako_cgroup *cg = NULL;
	bool made[4], left[4];

	/* No limits: nothing is written, so the folders stay empty and a plain rmdir works. */
	random_name(name);
	for (int i = 0; i < 4; i++) {
		snprintf(rel, sizeof(rel), "%s/%s", base, v1dirs[i]);
		mkdir(rel, 0755);
		snprintf(rel, sizeof(rel), "%s/%s/hako", base, v1dirs[i]);
		mkdir(rel, 0755);
	}
	int err = cgroup_create_at(&root, &cfg, name, &cg);
	for (int i = 0; i < 4; i++) {
		snprintf(rel, sizeof(rel), "%s/hako/%s", v1dirs[i], name);
		made[i] = exists(base, rel);
	}
	/* One folder is already gone (someone removed it): that is done, not an error. */
	int gone = (int)hako_rand_range(0, 3);
	snprintf(rel, sizeof(rel), "%s/%s/hako/%s", base, v1dirs[gone], name);
	rmdir(rel);
	char errpath[PATH_MAX];
	snprintf(errpath, sizeof(errpath), "%s/stderr.txt", base);
	fflush(stderr);
	int saved = dup(2), errfd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(errfd, 2);
	cgroup_destroy(cg);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(errfd);
	char said[512];
	snprintf(said, sizeof(said), "%s", slurp(base, "stderr.txt"));
	for (int i = 0; i < 4; i++) {
		snprintf(rel, sizeof(rel), "%s/hako/%s", v1dirs[i], name);
		left[i] = exists(base, rel);
	}
	hako_rm_rf(base);
	free(base);

	check_created(err, "cgroup_create_at() on a fake v1 tree");
	for (int i = 0; i < 4; i++) {
		check_that(made[i], "%s/hako/NAME was not made", v1dirs[i]);
		check_that(!left[i], "%s/hako/NAME is still there after cgroup_destroy()",
		           v1dirs[i]);
	}
	check_that(strstr(said, "rmdir") == NULL,
	           "cgroup_destroy() complained about %s/hako/NAME, which was already gone "
	           "(ENOENT counts as removed): %s",
	           v1dirs[gone], said);
}

/* Make a cgroup with CFG's limits on a fake v2 tree whose root has only CONTROLLERS; returns
 * what cgroup_create_at() returned, and in *LEFT whether hako/NAME exists afterwards. */
static int create_missing(const char *controllers, const struct hako_config *cfg, bool *left)
{
	char *base = hako_tmpdir(), name[40], rel[PATH_MAX];
	struct cgroup_root root = {.path = base, .mode = CGROUP_UNIFIED};
	struct hako_cgroup *cg = NULL;

	random_name(name);
	fake_v2(base, ".", controllers, name);
	snprintf(rel, sizeof(rel), "%s/hako/%s", base, name);
	hako_rm_rf(rel);
	int err = cgroup_create_at(&root, cfg, name, &cg);
	snprintf(rel, sizeof(rel), "hako/%s", name);
	*left = exists(base, rel);
	if (err == 0)
		cgroup_destroy(cg);
	hako_rm_rf(base);
	free(base);
	return err;
}

/* This test checks that a limit whose controller the machine lacks fails with -ENODEV and
 * leaves nothing behind, for each of --pids-limit, --memory and --cpus. */
void test_cgroup_missing_controller(void **state)
{
	struct hako_config cfg = {.net = HAKO_NET_HOST, .memory = 64 << 20, .pids_limit = 20};
	bool left;

	int err = create_missing("cpu memory", &cfg, &left); /* no pids */
	check_int(err, -ENODEV, "cgroup_create_at() with --pids-limit and no pids controller");
	check_that(!left, "hako/NAME was made although the limit cannot be set");

	struct hako_config mem = {.net = HAKO_NET_HOST, .memory = 64 << 20, .pids_limit = 20};
	err = create_missing("cpu pids", &mem, &left);
	check_int(err, -ENODEV, "cgroup_create_at() with --memory and no memory controller");
	check_that(!left, "hako/NAME was made although --memory cannot be set");

	struct hako_config cpu = {.net = HAKO_NET_HOST, .cpu_max = 50000, .pids_limit = 20};
	err = create_missing("memory pids", &cpu, &left);
	check_int(err, -ENODEV, "cgroup_create_at() with --cpus and no cpu controller");
	check_that(!left, "hako/NAME was made although --cpus cannot be set");
}

/* This test checks that cgroup_create_at() refuses, with -EBUSY, a cgroup of the same name
 * that still has processes (another container's), and writes no limit into it. */
void test_cgroup_existing_busy(void **state)
{
	char *base = hako_tmpdir(), name[40], rel[PATH_MAX], path[2 * PATH_MAX], pid[16];
	struct hako_config cfg = {.net = HAKO_NET_HOST, .memory = hako_rand_range(8, 999) << 20};
	struct cgroup_root root = {.path = base, .mode = CGROUP_UNIFIED};
	struct hako_cgroup *cg = NULL;

	random_name(name);
	fake_v2(base, ".", "cpu memory pids", name);
	snprintf(pid, sizeof(pid), "%d\n", (int)getpid()); /* a live process: this one */
	snprintf(path, sizeof(path), "%s/hako/%s/cgroup.procs", base, name);
	hako_write_file(path, pid);
	int err = cgroup_create_at(&root, &cfg, name, &cg);
	snprintf(rel, sizeof(rel), "hako/%s/memory.max", name);
	const char *got_mem = slurp(base, rel);
	if (err == 0)
		cgroup_destroy(cg);
	hako_rm_rf(base);
	free(base);

	check_int(err, -EBUSY, "cgroup_create_at() when hako/NAME exists and has a process");
	check_str(got_mem, "", "hako/NAME/memory.max of the cgroup in use");
}

/* This test checks that a mkdir that fails (hako/ is a file here, so mkdir hako/NAME fails
 * with ENOTDIR) is returned as -ENOTDIR and printed once, naming the call and the folder:
 * `hako run` prints nothing more about it. */
void test_cgroup_mkdir_failure_named(void **state)
{
	char *base = hako_tmpdir(), name[40], path[PATH_MAX + 16], errpath[PATH_MAX + 16];
	struct hako_config cfg = {.net = HAKO_NET_HOST, .stats = true};
	struct cgroup_root root = {.path = base, .mode = CGROUP_UNIFIED};
	struct hako_cgroup *cg = NULL;
	int lines = 0;

	random_name(name);
	snprintf(path, sizeof(path), "%s/cgroup.controllers", base);
	hako_write_file(path, "\n"); /* no controller to switch on: nothing written there */
	snprintf(path, sizeof(path), "%s/hako", base);
	hako_write_file(path, "a file where the hako folder should be\n");
	snprintf(errpath, sizeof(errpath), "%s/stderr.txt", base);
	fflush(stderr);
	int saved = dup(2), errfd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(errfd, 2);
	int err = cgroup_create_at(&root, &cfg, name, &cg);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(errfd);
	if (err == 0)
		cgroup_destroy(cg);
	char said[4096] = "";
	FILE *f = fopen(errpath, "r");
	if (f) {
		said[fread(said, 1, sizeof(said) - 1, f)] = '\0';
		fclose(f);
	}
	for (const char *p = said; *p; p++) /* lines, the last one maybe without its newline */
		if (*p != '\n' && (p[1] == '\n' || p[1] == '\0'))
			lines++;
	snprintf(path, sizeof(path), "hako/%s", name);
	hako_rm_rf(base);
	free(base);

	check_errno(err, -ENOTDIR, "cgroup_create_at() when hako/ is a file");
	check_contains(said, "mkdir", "what cgroup_create_at() printed (the call that failed)");
	check_contains(said, path, "what cgroup_create_at() printed (the folder)");
	check_that(lines == 1, "cgroup_create_at() printed %d lines for one failure:\n%s", lines,
	           said);
}
