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

/* ---- lesson 04 ---- */
int mount_check_rootfs(const char *rootfs, const char *cmd)
{
	return -ENOSYS;
}

int mount_enter_rootfs(const char *rootfs)
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
