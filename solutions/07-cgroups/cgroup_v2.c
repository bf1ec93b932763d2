/* cgroup_v2.c: lesson 07 — the limits in cgroup v2's words: one hierarchy for everything. */
#include "cgroup_ops.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/*
 * v2 has a single tree; a controller works in a cgroup only if its parent switched it on
 * for its children in cgroup.subtree_control, from the root down:
 *
 *   /sys/fs/cgroup/                 cgroup.controllers: cpu memory pids ...
 *     cgroup.subtree_control        "+cpu +memory +pids"  (the root hands them to hako)
 *     hako/
 *       cgroup.subtree_control      "+cpu +memory +pids"  (hako hands them to NAME)
 *       NAME/                       memory.max  cpu.max  pids.max  cgroup.procs ...
 *
 * Processes may only live in the leaves of that tree ("no internal processes"), which is
 * why hako/ itself stays empty.
 */

static int v2_prepare_parent(const char *root, const char *parent)
{
	/// TODO(07): Switch the cpu, memory and pids controllers on for the children of ROOT,
	/// then for the children of PARENT, as the picture above shows: each in one write of a
	/// list like "+cpu +memory +pids". Leave out any controller that ROOT does not offer
	/// (its cgroup.controllers); if none is left, do nothing. 0 or a negative errno.
	/// The kernel's cgroup-v2 guide, "Enabling and Disabling".
	/// BEGIN SOLUTION
	static const char *const want[] = {"cpu", "memory", "pids"};
	char have[1024], list[64] = "";
	int err;

	if ((err = cg_read(root, "cgroup.controllers", have, sizeof(have))) < 0)
		return err;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const char *p = have;
		size_t n = strlen(want[i]);
		while ((p = strstr(p, want[i])) != NULL) {
			if ((p == have || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
				break;
			p += n;
		}
		if (p)
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s+%s",
			         list[0] ? " " : "", want[i]);
	}
	if (!list[0])
		return 0;
	if ((err = cg_write(root, "cgroup.subtree_control", "%s", list)) < 0)
		return err;
	return cg_write(parent, "cgroup.subtree_control", "%s", list);
	/// END SOLUTION
	/// STUB: return -ENOSYS;
}

static int v2_set_memory(const char *dir, long long bytes)
{
	/// TODO(07): Limit the cgroup's memory to BYTES and allow it no swap at all, so that it
	/// cannot use swap to go past its limit: 0 or a negative errno. A kernel built without
	/// swap accounting has no swap file: that is fine, the memory limit is enough then.
	/// README: "The same limits, two vocabularies".
	/// BEGIN SOLUTION
	int err = cg_write(dir, "memory.max", "%lld", bytes);

	if (err < 0)
		return err;
	err = cg_write(dir, "memory.swap.max", "0");
	return err == -ENOENT ? 0 : err;
	/// END SOLUTION
	/// STUB: return -ENOSYS;
}

static int v2_set_cpu(const char *dir, long long quota)
{
	/// TODO(07): cpu.max holds "QUOTA PERIOD" in one line: --cpus 0.5 is
	/// "50000 100000". The period is CGROUP_CPU_PERIOD.
	/// BEGIN SOLUTION
	return cg_write(dir, "cpu.max", "%lld %d", quota, CGROUP_CPU_PERIOD);
	/// END SOLUTION
	/// STUB: return -ENOSYS;
}

static int v2_set_pids(const char *dir, long max)
{
	/// TODO(07): Allow at most MAX processes, as v1_set_pids does (same file name).
	/// BEGIN SOLUTION
	return cg_write(dir, "pids.max", "%ld", max);
	/// END SOLUTION
	/// STUB: return -ENOSYS;
}

static int v2_oom_killed(const char *dir)
{
	/// TODO(07): Return 1 if the OOM killer killed a process of this cgroup, else 0 (also
	/// when the file cannot be read). memory.events has "key value" lines; "oom_kill N"
	/// counts the kills (not "oom": that counts times the limit was hit).
	/// BEGIN SOLUTION
	long long n;

	if (cg_read_key(dir, "memory.events", "oom_kill", &n) < 0)
		return 0;
	return n > 0;
	/// END SOLUTION
	/// STUB: return 0;
}

const struct cgroup_ops cgroup_v2_ops = {
    .version = 2,
    .prepare_parent = v2_prepare_parent,
    .set_memory = v2_set_memory,
    .set_cpu = v2_set_cpu,
    .set_pids = v2_set_pids,
    .oom_killed = v2_oom_killed,
};
