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
	/// TODO(07): Build the list "+cpu +memory +pids", leaving out any controller that
	/// ROOT/cgroup.controllers does not list (read it with cg_read; a word match is
	/// enough, as v2_lists() in cgroup.c does, which is static there: "cpu" must not match
	/// "cpuset"). Write the list, in one write, to ROOT's cgroup.subtree_control and then
	/// to PARENT's. If the list is empty, do nothing.
	return -ENOSYS;
}

static int v2_set_memory(const char *dir, long long bytes)
{
	/// TODO(07): Write BYTES to memory.max. Then "0" to memory.swap.max, so the container
	/// cannot use swap to go past its limit. A kernel built without swap accounting has
	/// no memory.swap.max (cg_write returns -ENOENT): that is fine, skip it.
	return -ENOSYS;
}

static int v2_set_cpu(const char *dir, long long quota)
{
	/// TODO(07): cpu.max holds "QUOTA PERIOD" in one line: --cpus 0.5 is
	/// "50000 100000". The period is CGROUP_CPU_PERIOD.
	return -ENOSYS;
}

static int v2_set_pids(const char *dir, long max)
{
	/// TODO(07): Write MAX to pids.max (the same file name as in v1).
	return -ENOSYS;
}

static int v2_oom_killed(const char *dir)
{
	/// TODO(07): memory.events has "key value" lines; "oom_kill N" counts the processes
	/// the OOM killer killed in this cgroup. Return 1 if N > 0, else 0 (also 0 if the
	/// file cannot be read).
	return 0;
}

const struct cgroup_ops cgroup_v2_ops = {
    .version = 2,
    .prepare_parent = v2_prepare_parent,
    .set_memory = v2_set_memory,
    .set_cpu = v2_set_cpu,
    .set_pids = v2_set_pids,
    .oom_killed = v2_oom_killed,
};
