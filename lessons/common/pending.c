/* pending.c: placeholders for lessons that are not in the course yet; each answers -ENOSYS.
 *
 * When a lesson lands, its block here is deleted in the same commit (its files in
 * solutions/ and lessons/ define the real functions). */
#include "hako.h"

#include <errno.h>

/* ---- lesson 00 ---- */
int doctor_report(void)
{
	return -ENOSYS;
}

/* ---- lesson 05 ---- */
int userns_write_maps(pid_t pid, uid_t uid, gid_t gid)
{
	return -ENOSYS;
}

/* ---- lesson 06 ---- */
int net_loopback_up(void)
{
	return -ENOSYS;
}

int net_veth_create(pid_t pid, char *host_if)
{
	return -ENOSYS;
}

int net_veth_destroy(const char *host_if)
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
