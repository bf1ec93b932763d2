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
