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

<<<<<<< HEAD
/* ---- lesson 07 ---- */
int cgroup_parse_size(const char *text, long long *bytes)
=======
/* ---- lesson 05 ---- */
int userns_write_maps(pid_t pid, uid_t uid, gid_t gid)
>>>>>>> wip-cg78
{
	return -ENOSYS;
}

<<<<<<< HEAD
int cgroup_parse_cpus(const char *text, long long *cpu_max)
=======
/* ---- lesson 06 ---- */
int net_loopback_up(void)
>>>>>>> wip-cg78
{
	return -ENOSYS;
}

<<<<<<< HEAD
int cgroup_create(const struct hako_config *cfg, const char *name, struct hako_cgroup **out)
=======
int net_veth_create(pid_t pid, char *host_if)
>>>>>>> wip-cg78
{
	return -ENOSYS;
}

<<<<<<< HEAD
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
=======
int net_veth_destroy(const char *host_if)
>>>>>>> wip-cg78
{
	return -ENOSYS;
}
