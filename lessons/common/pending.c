/* pending.c: placeholders for lessons that are not in the course yet; each answers -ENOSYS.
 *
 * When a lesson lands, its block here is deleted in the same commit (its files in
 * solutions/ and lessons/ define the real functions). */
#include "hako.h"

#include <errno.h>

/* ---- lesson 04 ---- */
int mount_check_rootfs(const char *rootfs, const char *cmd)
{
	return -ENOSYS;
}

int mount_enter_rootfs(const char *rootfs)
{
	return -ENOSYS;
}

/* ---- lesson 07 ---- */
int cgroup_parse_size(const char *text, long long *bytes)
{
	return -ENOSYS;
}

int cgroup_parse_cpus(const char *text, long long *cpu_max)
{
	return -ENOSYS;
}

int cgroup_create(const struct hako_config *cfg, const char *name, struct hako_cgroup **out)
{
	return -ENOSYS;
}

int cgroup_attach(struct hako_cgroup *cg, pid_t pid)
{
	return -ENOSYS;
}

int cgroup_oom_killed(struct hako_cgroup *cg)
{
	return 0;
}

void cgroup_destroy(struct hako_cgroup *cg)
{
}

/* ---- lesson 08 ---- */
int stats_print_summary(struct hako_cgroup *cg, long long wall_us)
{
	return -ENOSYS;
}
