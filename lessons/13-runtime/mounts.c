/* mounts.c: lesson 13 — a container's own mounts: bind mounts, tmpfs, proc, a read-only /. */
#include "hako.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

/*
 * A bind mount's source is a host path, and the host's paths disappear at pivot_root (lesson
 * 04 detaches the old root). Mount points under /dev would be hidden by lesson 04's /dev. So
 * the mounts are made in two steps:
 *
 *   before pivot_root                     after pivot_root
 *   -----------------                     ----------------
 *   fd = open_tree(SRC, OPEN_TREE_CLONE)  mkdir -p DST (or an empty file for a file SRC)
 *     (a copy of the mount, not yet       move_mount(fd, "", AT_FDCWD, DST,
 *      attached anywhere)                            MOVE_MOUNT_F_EMPTY_PATH)
 *                                         mount(NULL, DST, MS_REMOUNT|MS_BIND|MS_RDONLY..)
 */

/* The mounts lesson 04 made already (mount_enter_rootfs): a config asking for them again is
 * served by them. */
static bool made_by_lesson_04(const struct hako_mount *m)
{
	static const char *const done[][2] = {
	    {"/proc", "proc"},      {"/sys", "sysfs"},     {"/dev", "tmpfs"},
	    {"/dev/pts", "devpts"}, {"/dev/shm", "tmpfs"},
	};
	for (size_t i = 0; i < sizeof(done) / sizeof(done[0]); i++)
		if (strcmp(m->target, done[i][0]) == 0 && strcmp(m->type, done[i][1]) == 0)
			return true;
	return false;
}

static int fail(const char *call, const char *what)
{
	int err = -errno;

	fprintf(stderr, "hako: %s %s: %s\n", call, what, strerror(errno));
	return err;
}

/* mkdir -p PATH (absolute), inside the container. */
static int make_dirs(const char *path)
{
	char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1;; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;
			*p = '\0';
			if (mkdir(buf, 0755) < 0 && errno != EEXIST)
				return fail("mkdir", buf);
			*p = c;
			if (c == '\0')
				return 0;
		}
	}
}

int mounts_prepare(const struct hako_config *cfg, int *fds)
{
	for (size_t i = 0; i < cfg->nmounts; i++)
		fds[i] = -1;
	for (size_t i = 0; i < cfg->nmounts; i++) {
		const struct hako_mount *m = &cfg->mounts[i];

		if (!(m->flags & MS_BIND))
			continue;
		/// TODO(13): Take a detached copy of the mount at M->source (open_tree(2) with
		///   OPEN_TREE_CLONE, and OPEN_TREE_CLOEXEC so the workload does not inherit it;
		///   AT_RECURSIVE too when M->flags has MS_REC, an "rbind": the mounts below the
		///   source come along). Keep the fd in FDS[i]. On failure: return fail("open_tree",
		///   M->source); mounts_apply closes what was opened.
		return -ENOSYS;
	}
	return 0;
}

/* Mount M (a bind mount from the open_tree fd FD, or a filesystem) on its target. */
static int mount_one(const struct hako_mount *m, int fd)
{
	struct stat st;
	int err;

	/* The mount point: a file for a file (a bind mount of /etc/resolv.conf), else a folder. */
	if (fd >= 0 && fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode)) {
		char parent[PATH_MAX];
		snprintf(parent, sizeof(parent), "%s", m->target);
		*strrchr(parent, '/') = '\0';
		if (parent[0] && (err = make_dirs(parent)) < 0)
			return err;
		int f = open(m->target, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
		if (f < 0)
			return fail("create", m->target);
		close(f);
	} else if ((err = make_dirs(m->target)) < 0) {
		return err;
	}

	/// TODO(13): FSFLAGS are the flags of M->flags that a mount takes: MS_RDONLY, MS_NOSUID,
	///   MS_NODEV, MS_NOEXEC. A bind mount (FD >= 0): attach the copy at M->target with
	///   move_mount(2) (MOVE_MOUNT_F_EMPTY_PATH: FD itself is the mount), then, if FSFLAGS
	///   has any of them, remount it with them (MS_REMOUNT | MS_BIND | FSFLAGS: a bind mount
	///   takes its flags only on a remount; mount(2)). Any other type: one mount(2) of
	///   M->source, M->type with FSFLAGS and M->data. Failures: fail() naming the call and
	///   M->target.
	return -ENOSYS;
}

/* The mount flags statvfs(3) reports for PATH, in mount(2)'s words: a remount must keep them
 * (in a user namespace the kernel refuses to clear a flag the host set). */
static GIVEN unsigned long kept_flags(const char *path)
{
	struct statvfs sv;
	unsigned long f = 0;

	if (statvfs(path, &sv) < 0)
		return 0;
	if (sv.f_flag & ST_NOSUID)
		f |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV)
		f |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC)
		f |= MS_NOEXEC;
	return f;
}

int mounts_apply(const struct hako_config *cfg, int *fds)
{
	int err = 0;

	for (size_t i = 0; i < cfg->nmounts && err == 0; i++)
		if (!made_by_lesson_04(&cfg->mounts[i]))
			err = mount_one(&cfg->mounts[i], fds[i]);
	for (size_t i = 0; i < cfg->nmounts; i++)
		if (fds[i] >= 0)
			close(fds[i]), fds[i] = -1;
	if (err < 0)
		return err;
	/// TODO(13): With cfg->readonly_root, make "/" read-only: a remount of the bind mount
	///   lesson 04 made of the rootfs, keeping the flags it has (kept_flags). The mounts
	///   on top of it (/proc, /dev, the -v ones) stay as they are.
	if (cfg->readonly_root)
		return -ENOSYS;
	return 0;
}
