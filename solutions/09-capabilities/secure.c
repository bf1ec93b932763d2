/* secure.c: lesson 09 — what else a container must not inherit: kernel files in /proc and /sys,
 * the caller's open files, the caller's environment. */
#include "hako.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/close_range.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

/*
 * Docker's lists (moby's oci/defaults.go), as the container sees its paths after pivot_root.
 * Masked: the file or folder is covered, so nothing in it can be read. Read-only: it stays
 * readable, but every write fails with EROFS.
 */
static const char *const masked_paths[] = {
    "/proc/asound",
    "/proc/acpi",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/sys/firmware",
    "/sys/devices/virtual/powercap",
};
static const char *const readonly_paths[] = {
    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* Print "hako: CALL ARG: reason" for the errno a call just set; returns -errno. */
static int fail(const char *call, const char *arg)
{
	int err = -errno;

	fprintf(stderr, "hako: %s %s: %s\n", call, arg, strerror(errno));
	return err;
}

/* Cover PATH: a folder with an empty read-only tmpfs, a file with /dev/null. */
static int mask_path(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return errno == ENOENT ? 0 : fail("stat", path); /* not on this kernel */
	/// TODO(09): Hide PATH. A folder: mount an empty tmpfs on it, read-only. Anything else
	///   (a file): bind-mount /dev/null over it, so it reads as empty. Failures: return
	///   fail(). See mount(2) (MS_BIND, MS_RDONLY); README: task 6.
	/// BEGIN SOLUTION
	if (S_ISDIR(st.st_mode)) {
		if (mount("tmpfs", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
		          "size=0") < 0)
			return fail("mount tmpfs on", path);
	} else if (mount("/dev/null", path, NULL, MS_BIND, NULL) < 0) {
		return fail("bind mount /dev/null on", path);
	}
	/// END SOLUTION
	/// STUB: return -ENOSYS;
	return 0;
}

/* Make PATH read-only: a bind mount of itself, then made read-only. */
static int readonly_path(const char *path)
{
	if (access(path, F_OK) < 0)
		return errno == ENOENT ? 0 : fail("access", path);
	/// TODO(09): Bind-mount PATH onto itself (MS_REC: what is mounted below comes along),
	///   then remount that bind mount read-only. The remount must repeat the flags the mount
	///   already has (nosuid, nodev, noexec: statvfs(3) gives them as ST_*, which have the
	///   same values as MS_*): in a user namespace the kernel refuses to clear a flag that
	///   the parent namespace set. Failures: fail(). README: task 6.
	/// BEGIN SOLUTION
	if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0)
		return fail("bind mount", path);
	struct statvfs sv;
	if (statvfs(path, &sv) < 0)
		return fail("statvfs", path);
	unsigned long keep = sv.f_flag & (ST_NOSUID | ST_NODEV | ST_NOEXEC);
	if (mount(NULL, path, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | keep, NULL) < 0)
		return fail("remount read-only", path);
	/// END SOLUTION
	/// STUB: return -ENOSYS;
	return 0;
}

int secure_mask_paths(void)
{
	int err;

	for (size_t i = 0; i < N_OF(masked_paths); i++)
		if ((err = mask_path(masked_paths[i])) < 0)
			return err;
	for (size_t i = 0; i < N_OF(readonly_paths); i++)
		if ((err = readonly_path(readonly_paths[i])) < 0)
			return err;
	return 0;
}

int secure_close_fds(void)
{
	/// TODO(09): Close every file descriptor above 2 (0, 1, 2 are the workload's stdio), in
	///   one call: an fd the caller of hako left open (say, a folder of the host) would let
	///   the container reach outside its root (CVE-2024-21626). CLOSE_RANGE_CLOEXEC alone is
	///   not enough here: hako's own init (PID 1) stays alive and holds them. 0 or -errno. See
	///   close_range(2); README: task 7.
	/// BEGIN SOLUTION
	if (syscall(SYS_close_range, 3U, ~0U, 0) < 0) {
		int err = -errno;
		fprintf(stderr, "hako: close_range 3..: %s\n", strerror(errno));
		return err;
	}
	return 0;
	/// END SOLUTION
	/// STUB: return -ENOSYS;
}

int secure_build_env(const struct hako_config *cfg)
{
	char host[HOST_NAME_MAX + 1] = "";
	uid_t uid = 0;
	gid_t gid;

	if (cfg->user)
		caps_parse_user(cfg->user, &uid, &gid);
	if (gethostname(host, sizeof(host)) < 0)
		host[0] = '\0';
	host[sizeof(host) - 1] = '\0';

	/// TODO(09): Start from an empty environment, then set PATH (Docker's:
	///   /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin), HOSTNAME (HOST, the
	///   container's hostname), HOME (/root for uid 0, / for anyone else), TERM=xterm only when
	///   fd 0 is a terminal, and then every "KEY=VALUE" of CFG->env (a later one replaces an
	///   earlier one). Nothing of the caller's environment may survive. 0 or -errno. See
	///   clearenv(3), setenv(3), isatty(3); README: task 8.
	/// BEGIN SOLUTION
	if (clearenv() != 0)
		return -ENOMEM;
	if (setenv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 1) < 0 ||
	    setenv("HOSTNAME", host, 1) < 0 || setenv("HOME", uid == 0 ? "/root" : "/", 1) < 0)
		return -errno;
	if (isatty(0) && setenv("TERM", "xterm", 1) < 0)
		return -errno;
	for (char **e = cfg->env; e && *e; e++) {
		char *eq = strchr(*e, '=');
		if (!eq || eq == *e)
			return -EINVAL;
		char *key = strndup(*e, (size_t)(eq - *e));
		if (!key)
			return -ENOMEM;
		int r = setenv(key, eq + 1, 1);
		free(key);
		if (r < 0)
			return -errno;
	}
	return 0;
	/// END SOLUTION
	/// STUB: return -ENOSYS;
}
