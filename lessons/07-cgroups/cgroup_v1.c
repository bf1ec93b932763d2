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
	/// TODO(07): Limit the cgroup's RAM, and its RAM + swap, to BYTES: 0 or a negative
	/// errno. Without the second limit a container could swap out and keep going past the
	/// first. Order matters: the RAM + swap limit may never be below the RAM limit.
	/// Kernels without swap accounting have no RAM + swap file: then keep the kernel from
	/// swapping this cgroup's memory at all. README: "The same limits, two vocabularies".
	return -ENOSYS;
}

static int v1_set_cpu(const char *dir, long long quota)
{
	/// TODO(07): Let the cgroup run for QUOTA microseconds in every CGROUP_CPU_PERIOD: the
	/// CFS bandwidth controller's two files, period first. 0 or a negative errno. README's
	/// table; the kernel's sched-bwc document.
	return -ENOSYS;
}

static int v1_set_pids(const char *dir, long max)
{
	/// TODO(07): Allow at most MAX processes in the cgroup (threads count too): fork() and
	/// clone() in it then fail with EAGAIN. 0 or a negative errno. README's table.
	return -ENOSYS;
}

static int v1_oom_killed(const char *dir)
{
	/// TODO(07): Return 1 if the OOM killer killed a process of this cgroup, else 0.
	/// memory.oom_control has a line "oom_kill N" (Linux 4.13 and later): N processes were
	/// killed. Older kernels lack that line: then go by memory.failcnt (how often the limit
	/// was hit), 1 if it is above 0. cgroup_ops.h has readers for both kinds of file.
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
