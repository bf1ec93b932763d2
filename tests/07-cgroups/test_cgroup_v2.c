/* test_cgroup_v2.c: lesson 07 — the cgroup v2 files, on fake trees. */
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

/* ---- Fake trees: which files, which values ---- */

/* This test checks that on cgroup v2 the limits go to memory.max, memory.swap.max (0),
 * cpu.max ("QUOTA 100000") and pids.max of ROOT/hako/NAME. */
void test_cgroup_v2_limits(void **state)
{
	char *base = hako_tmpdir(), name[40], rel[PATH_MAX];
	struct hako_config cfg = random_limits();
	struct cgroup_root root = {.path = base, .mode = CGROUP_UNIFIED};
	struct hako_cgroup *cg = NULL;
	char mem[32], cpu[32], pids[32];

	random_name(name);
	fake_v2(base, ".", "cpuset cpu io memory hugetlb pids rdma misc", name);
	int err = cgroup_create_at(&root, &cfg, name, &cg);
	snprintf(rel, sizeof(rel), "hako/%s/memory.max", name);
	const char *got_mem = slurp(base, rel);
	snprintf(rel, sizeof(rel), "hako/%s/memory.swap.max", name);
	const char *got_swap = slurp(base, rel);
	snprintf(rel, sizeof(rel), "hako/%s/cpu.max", name);
	const char *got_cpu = slurp(base, rel);
	snprintf(rel, sizeof(rel), "hako/%s/pids.max", name);
	const char *got_pids = slurp(base, rel);
	cgroup_destroy(cg);
	hako_rm_rf(base);
	free(base);

	snprintf(mem, sizeof(mem), "%lld", cfg.memory);
	snprintf(cpu, sizeof(cpu), "%lld 100000", cfg.cpu_max);
	snprintf(pids, sizeof(pids), "%ld", cfg.pids_limit);
	check_created(err, "cgroup_create_at() on a fake v2 tree");
	check_str(got_mem, mem, "hako/NAME/memory.max");
	check_str(got_swap, "0", "hako/NAME/memory.swap.max");
	check_str(got_cpu, cpu, "hako/NAME/cpu.max");
	check_str(got_pids, pids, "hako/NAME/pids.max");
}

/* This test checks that on a v2 kernel without swap accounting (no memory.swap.max) the
 * memory limit still works, and no memory.swap.max is created. */
void test_cgroup_v2_without_swap(void **state)
{
	char *base = hako_tmpdir(), name[40], rel[PATH_MAX], mem[32];
	struct hako_config cfg = {.net = HAKO_NET_HOST,
	                          .memory = hako_rand_range(8, 999) * 1048576LL};
	struct cgroup_root root = {.path = base, .mode = CGROUP_UNIFIED};
	struct hako_cgroup *cg = NULL;

	random_name(name);
	fake_v2(base, ".", "cpu memory pids", name);
	snprintf(rel, sizeof(rel), "%s/hako/%s/memory.swap.max", base, name);
	unlink(rel);
	int err = cgroup_create_at(&root, &cfg, name, &cg);
	snprintf(rel, sizeof(rel), "hako/%s/memory.max", name);
	const char *got_mem = slurp(base, rel);
	snprintf(rel, sizeof(rel), "hako/%s/memory.swap.max", name);
	bool swap_made = exists(base, rel);
	cgroup_destroy(cg);
	hako_rm_rf(base);
	free(base);

	snprintf(mem, sizeof(mem), "%lld", cfg.memory);
	check_created(err, "cgroup_create_at() on a fake v2 tree without memory.swap.max");
	check_str(got_mem, mem, "hako/NAME/memory.max");
	check_that(!swap_made, "memory.swap.max was created: cgroup files are made by the kernel, "
	                       "never by writing (no O_CREAT)");
}

/* This test checks that on cgroup v2 the root and the hako parent switch on cpu, memory and
 * pids for their children in cgroup.subtree_control, but only those the root has; the root
 * first (a parent can only hand on what it was given), and never the container's own cgroup
 * (a v2 cgroup that hands controllers on may not hold processes). */
void test_cgroup_v2_enables_controllers(void **state)
{
	char *base = hako_tmpdir(), name[40], rel[PATH_MAX], path[2 * PATH_MAX];
	struct hako_config cfg = {.net = HAKO_NET_HOST, .memory = 64 << 20, .stats = true};
	struct cgroup_root root = {.path = base, .mode = CGROUP_UNIFIED};
	struct hako_cgroup *cg = NULL;

	random_name(name);
	fake_v2(base, ".", "cpuset io memory pids", name); /* no cpu on this one */
	/* inotify(7) tells the order in which the two files are written. */
	int ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	snprintf(path, sizeof(path), "%s/cgroup.subtree_control", base);
	int wd_root = ino >= 0 ? inotify_add_watch(ino, path, IN_MODIFY) : -1;
	snprintf(path, sizeof(path), "%s/hako/cgroup.subtree_control", base);
	int wd_hako = ino >= 0 ? inotify_add_watch(ino, path, IN_MODIFY) : -1;
	int err = cgroup_create_at(&root, &cfg, name, &cg);
	char first = wd_root >= 0 && wd_hako >= 0 ? first_written(ino, wd_root, wd_hako) : '?';
	if (ino >= 0)
		close(ino);
	char at_root[256], at_hako[256], at_name[256];
	snprintf(at_root, sizeof(at_root), " %s ", slurp(base, "cgroup.subtree_control"));
	snprintf(at_hako, sizeof(at_hako), " %s ", slurp(base, "hako/cgroup.subtree_control"));
	snprintf(rel, sizeof(rel), "hako/%s/cgroup.subtree_control", name);
	snprintf(at_name, sizeof(at_name), "%s", slurp(base, rel));
	cgroup_destroy(cg);
	hako_rm_rf(base);
	free(base);

	check_created(err, "cgroup_create_at() on a fake v2 tree");
	check_contains(at_root, " +memory", "the root's cgroup.subtree_control");
	check_contains(at_root, " +pids", "the root's cgroup.subtree_control");
	check_that(strstr(at_root, "+cpu ") == NULL,
	           "the root's cgroup.subtree_control asks for cpu, which cgroup.controllers "
	           "does not list: \"%s\"",
	           at_root);
	check_contains(at_hako, " +memory", "hako/cgroup.subtree_control");
	check_contains(at_hako, " +pids", "hako/cgroup.subtree_control");
	check_that(first != '?', "inotify on the fake tree's cgroup.subtree_control files failed");
	check_that(first == 'a',
	           "hako/cgroup.subtree_control was written before the root's: the kernel "
	           "refuses (ENOENT) a controller that the parent has not switched on yet");
	check_str(at_name, "",
	          "hako/NAME/cgroup.subtree_control (the container's cgroup holds processes, so "
	          "it must not hand controllers on)");
}

/* This test checks that cgroup_oom_killed() reads oom_kill from memory.events on v2. */
void test_cgroup_oom_killed_v2(void **state)
{
	char text[128];
	int err, n = (int)hako_rand_range(1, 9);

	snprintf(text, sizeof(text),
	         "low 0\nhigh 0\nmax %d\noom %d\noom_kill %d\noom_group_kill 0\n", n + 3, n + 1, n);
	int yes = oom_with(CGROUP_UNIFIED, "memory.events", text, &err);
	check_created(err, "cgroup_create_at() on a fake v2 tree");
	check_int(yes, 1, "cgroup_oom_killed() with memory.events: oom_kill N > 0");
	/* The limit was hit and the kernel found memory to reclaim: no OOM kill. */
	snprintf(text, sizeof(text), "low 0\nhigh 0\nmax %d\noom 0\noom_kill 0\noom_group_kill 0\n",
	         n + 20);
	int no = oom_with(CGROUP_UNIFIED, "memory.events", text, &err);
	check_int(no, 0, "cgroup_oom_killed() with memory.events: max > 0 but oom_kill 0");
	/* The OOM killer ran but found nothing in the cgroup to kill (say, the process was
	 * already exiting): "oom" counts that, "oom_kill" does not. */
	snprintf(text, sizeof(text),
	         "low 0\nhigh 0\nmax %d\noom %d\noom_kill 0\noom_group_kill 0\n", n + 5, n);
	int oom_only = oom_with(CGROUP_UNIFIED, "memory.events", text, &err);
	check_int(oom_only, 0, "cgroup_oom_killed() with memory.events: oom N > 0 but oom_kill 0");
}
