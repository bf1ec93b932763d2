/* cgroup_v1.c: lesson 07 — the limits in cgroup v1's words: one hierarchy per controller. */
#include "cgroup_ops.h"

#include <errno.h>
#include <stdlib.h>

/*
 * v1 gives every controller a tree of its own, so a container's cgroup is several folders:
 *
 *   /sys/fs/cgroup/memory/hako/NAME/   memory.limit_in_bytes  memory.memsw.limit_in_bytes ...
 *   /sys/fs/cgroup/cpu/hako/NAME/      cpu.cfs_period_us      cpu.cfs_quota_us ...
 *   /sys/fs/cgroup/cpuacct/hako/NAME/  cpuacct.usage ...
 *   /sys/fs/cgroup/pids/hako/NAME/     pids.max  pids.current ...
 */

static int v1_set_memory(const char *dir, long long bytes)
{
	/// TODO(07): Write BYTES to memory.limit_in_bytes (RAM). Then the same number to
	/// memory.memsw.limit_in_bytes (RAM + swap): without it a container could swap out
	/// and keep going past its limit. Order matters: memsw may never be below the RAM
	/// limit. Kernels without swap accounting have no memsw file (cg_write returns
	/// -ENOENT); then write "0" to memory.swappiness, so the kernel does not swap this
	/// cgroup's memory at all.
	return -ENOSYS;
}

static int v1_set_cpu(const char *dir, long long quota)
{
	/// TODO(07): The CFS bandwidth controller lets the cgroup run for cpu.cfs_quota_us
	/// microseconds in every cpu.cfs_period_us. Write CGROUP_CPU_PERIOD to the period
	/// first, then QUOTA to the quota.
	return -ENOSYS;
}

static int v1_set_pids(const char *dir, long max)
{
	/// TODO(07): Write MAX to pids.max: fork() and clone() in the cgroup fail with EAGAIN
	/// once it holds that many processes (threads count too).
	return -ENOSYS;
}

static int v1_oom_killed(const char *dir)
{
	/// TODO(07): memory.oom_control has a line "oom_kill N" (Linux 4.13 and later): N
	/// processes of this cgroup were killed by the OOM killer. Return 1 if N > 0, else 0.
	/// Older kernels lack that line: then return 1 if memory.failcnt (how often the limit
	/// was hit) is above 0. cg_read_key reads "key value" lines.
	return 0;
}

const struct cgroup_ops cgroup_v1_ops = {
    .version = 1,
    .prepare_parent = NULL, /* v1 controllers are on in every cgroup of their hierarchy */
    .set_memory = v1_set_memory,
    .set_cpu = v1_set_cpu,
    .set_pids = v1_set_pids,
    .oom_killed = v1_oom_killed,
};
