/* test_cgroup_v1.c: lesson 07 — the cgroup v1 files, on fake trees. */
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

/* This test checks that on cgroup v1 each limit goes to its own hierarchy:
 * memory.limit_in_bytes and memory.memsw.limit_in_bytes, cpu.cfs_period_us (100000) and
 * cpu.cfs_quota_us, pids.max. */
void test_cgroup_v1_limits(void **state)
{
	char *base = hako_tmpdir(), name[40], rel[PATH_MAX];
	struct hako_config cfg = random_limits();
	struct cgroup_root root = {.path = base, .mode = CGROUP_LEGACY};
	struct hako_cgroup *cg = NULL;
	char mem[32], quota[32], pids[32];

	random_name(name);
	fake_v1(base, name, true);
	/* The order of the writes: the RAM limit before RAM + swap (memsw may never be below it),
	 * the period before the quota. */
	static const char *const watch[4][2] = {{"memory", "memory.limit_in_bytes"},
	                                        {"memory", "memory.memsw.limit_in_bytes"},
	                                        {"cpu", "cpu.cfs_period_us"},
	                                        {"cpu", "cpu.cfs_quota_us"}};
	int ino[2] = {inotify_init1(IN_NONBLOCK | IN_CLOEXEC),
	              inotify_init1(IN_NONBLOCK | IN_CLOEXEC)};
	int wd[4];
	for (int i = 0; i < 4; i++) {
		char path[2 * PATH_MAX];
		snprintf(path, sizeof(path), "%s/%s/hako/%s/%s", base, watch[i][0], name,
		         watch[i][1]);
		wd[i] = ino[i / 2] >= 0 ? inotify_add_watch(ino[i / 2], path, IN_MODIFY) : -1;
	}
	int err = cgroup_create_at(&root, &cfg, name, &cg);
	char first_mem = wd[0] >= 0 && wd[1] >= 0 ? first_written(ino[0], wd[0], wd[1]) : '?';
	char first_cpu = wd[2] >= 0 && wd[3] >= 0 ? first_written(ino[1], wd[2], wd[3]) : '?';
	for (int i = 0; i < 2; i++)
		if (ino[i] >= 0)
			close(ino[i]);
	snprintf(rel, sizeof(rel), "memory/hako/%s/memory.limit_in_bytes", name);
	const char *got_mem = slurp(base, rel);
	snprintf(rel, sizeof(rel), "memory/hako/%s/memory.memsw.limit_in_bytes", name);
	const char *got_memsw = slurp(base, rel);
	snprintf(rel, sizeof(rel), "cpu/hako/%s/cpu.cfs_period_us", name);
	const char *got_period = slurp(base, rel);
	snprintf(rel, sizeof(rel), "cpu/hako/%s/cpu.cfs_quota_us", name);
	const char *got_quota = slurp(base, rel);
	snprintf(rel, sizeof(rel), "pids/hako/%s/pids.max", name);
	const char *got_pids = slurp(base, rel);
	cgroup_destroy(cg);
	hako_rm_rf(base);
	free(base);

	snprintf(mem, sizeof(mem), "%lld", cfg.memory);
	snprintf(quota, sizeof(quota), "%lld", cfg.cpu_max);
	snprintf(pids, sizeof(pids), "%ld", cfg.pids_limit);
	check_created(err, "cgroup_create_at() on a fake v1 tree");
	check_str(got_mem, mem, "memory/hako/NAME/memory.limit_in_bytes");
	check_str(got_memsw, mem, "memory/hako/NAME/memory.memsw.limit_in_bytes");
	check_str(got_period, "100000", "cpu/hako/NAME/cpu.cfs_period_us");
	check_str(got_quota, quota, "cpu/hako/NAME/cpu.cfs_quota_us");
	check_str(got_pids, pids, "pids/hako/NAME/pids.max");
	check_that(first_mem != '?' && first_cpu != '?', "inotify on the fake tree's files failed");
	check_that(first_mem == 'a',
	           "memory.memsw.limit_in_bytes was written before memory.limit_in_bytes: the "
	           "kernel refuses a RAM + swap limit below the RAM limit");
	check_that(first_cpu == 'a', "cpu.cfs_quota_us was written before cpu.cfs_period_us");
}

/* This test checks that on a v1 kernel without swap accounting (no memory.memsw.* files)
 * the memory limit still works, and memory.swappiness is set to 0 instead. */
void test_cgroup_v1_without_memsw(void **state)
{
	char *base = hako_tmpdir(), name[40], rel[PATH_MAX], mem[32];
	struct hako_config cfg = {.net = HAKO_NET_HOST,
	                          .memory = hako_rand_range(8, 999) * 1048576LL};
	struct cgroup_root root = {.path = base, .mode = CGROUP_LEGACY};
	struct hako_cgroup *cg = NULL;

	random_name(name);
	fake_v1(base, name, false);
	int err = cgroup_create_at(&root, &cfg, name, &cg);
	snprintf(rel, sizeof(rel), "memory/hako/%s/memory.limit_in_bytes", name);
	const char *got_mem = slurp(base, rel);
	snprintf(rel, sizeof(rel), "memory/hako/%s/memory.swappiness", name);
	const char *got_swappiness = slurp(base, rel);
	snprintf(rel, sizeof(rel), "memory/hako/%s/memory.memsw.limit_in_bytes", name);
	bool memsw_made = exists(base, rel);
	cgroup_destroy(cg);
	hako_rm_rf(base);
	free(base);

	snprintf(mem, sizeof(mem), "%lld", cfg.memory);
	check_created(err, "cgroup_create_at() on a fake v1 tree without memory.memsw.*");
	check_str(got_mem, mem,
	          "memory.limit_in_bytes (write it first: memsw, missing here, comes after it)");
	check_str(got_swappiness, "0", "memory.swappiness when there is no memsw file");
	check_that(!memsw_made, "memory.memsw.limit_in_bytes was created: cgroup files are made "
	                        "by the kernel, never by writing (no O_CREAT)");
}

/* This test checks that cgroup_oom_killed() reads oom_kill from memory.oom_control on v1. */
void test_cgroup_oom_killed_v1(void **state)
{
	char text[128];
	int err, n = (int)hako_rand_range(1, 9);

	snprintf(text, sizeof(text), "oom_kill_disable 0\nunder_oom 0\noom_kill %d\n", n);
	int yes = oom_with(CGROUP_LEGACY, "memory.oom_control", text, &err);
	check_created(err, "cgroup_create_at() on a fake v1 tree");
	check_int(yes, 1, "cgroup_oom_killed() with memory.oom_control: oom_kill N > 0");
	int no = oom_with(CGROUP_LEGACY, "memory.oom_control",
	                  "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n", &err);
	check_int(no, 0, "cgroup_oom_killed() with memory.oom_control: oom_kill 0");
}
