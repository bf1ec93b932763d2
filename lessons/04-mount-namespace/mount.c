/* mount.c: lesson 04 — a root filesystem of the container's own: private mounts, pivot_root,
 * /proc, /sys and a minimal /dev. */
#include "hako.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/*
 * What the container gets mounted, in this order (dev/pts and dev/shm are folders inside the
 * tmpfs mounted on dev, so dev comes first). Targets are relative: they are mounted while the
 * current directory is the root filesystem, before pivot_root.
 */
static const struct fs_mount {
	const char *source; /* shown in the first column of `mount` / findmnt */
	const char *target;
	const char *fstype;
	unsigned long flags;
	const char *data; /* the filesystem's own options */
} fs_mounts[] = {
    /* The PID namespace's own process list: mounted by a process inside the namespace. */
    {"proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL},
    /* The kernel's device and driver tree: read-only, so the container cannot retune it. */
    {"sysfs", "sys", "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL},
    /* An empty, memory-backed /dev: only the device nodes made below exist in it. */
    {"tmpfs", "dev", "tmpfs", MS_NOSUID, "mode=755,size=64k"},
    /* Pseudo-terminals of the container's own ("newinstance"): not the host's ptys. */
    {"devpts", "dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620"},
    /* POSIX shared memory (shm_open) lives here. */
    {"shm", "dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=64m"},
};

/* The device nodes every program expects (see devices.txt in the kernel's documentation). */
static const struct dev_node {
	const char *name;
	unsigned int major, minor;
} dev_nodes[] = {
    {"null", 1, 3},   {"zero", 1, 5},    {"full", 1, 7},
    {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0},
};

/* Symlinks in /dev that programs use by name: "/dev/stdout" is fd 1, and so on. */
static const struct dev_link {
	const char *name, *target;
} dev_links[] = {
    {"fd", "/proc/self/fd"},       {"stdin", "/proc/self/fd/0"}, {"stdout", "/proc/self/fd/1"},
    {"stderr", "/proc/self/fd/2"}, {"ptmx", "pts/ptmx"},
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* Print "hako: CALL ARG: reason" for the errno a call just set; returns -errno. */
static int fail(const char *call, const char *arg)
{
	int err = errno;

	fprintf(stderr, "hako: %s %s: %s\n", call, arg, strerror(err));
	/* The one refusal an ordinary user meets (lesson 05): a user namespace may mount sysfs
	 * only if it also owns the network namespace, i.e. with a network namespace of its own. */
	if (err == EPERM && strcmp(call, "mount") == 0 && strcmp(arg, "sys") == 0)
		fputs("hako: (without root, /sys can be mounted only in a network namespace of the "
		      "container's own: add --net none)\n",
		      stderr);
	return -err;
}

/*
 * Look PATH up inside the folder ROOT as if ROOT were "/" — which it will be for the
 * container: an absolute symlink such as bin/sh -> /bin/busybox, or a "..", must not lead
 * out of ROOT into the host's own files. openat2(2) with RESOLVE_IN_ROOT does exactly that.
 * Fills ST; returns 0 or a negative errno.
 */
static int stat_in_root(int root, const char *path, struct stat *st)
{
	struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT};
	int fd, err = 0;

	fd = (int)syscall(SYS_openat2, root, path, &how, sizeof(how));
	if (fd < 0 && errno == ENOSYS) {
		/* Kernels before 5.6: no openat2. Follow the path on the host instead (an absolute
		 * symlink then points at the host's file: good enough for a first check). */
		while (*path == '/')
			path++;
		return fstatat(root, *path ? path : ".", st, 0) < 0 ? -errno : 0;
	}
	if (fd < 0)
		return -errno;
	if (fstat(fd, st) < 0)
		err = -errno;
	close(fd);
	return err;
}

/*
 * Check ROOTFS before anything is made: it must exist and be a folder. Returns 0, or -ENOENT
 * (no such path), -ENOTDIR (a file, not a folder), -EACCES (not allowed to look).
 */
int mount_check_rootfs(const char *rootfs)
{
	/// TODO(04): Check ROOTFS as the comment above says: it must exist and be a folder, and
	///   each failure has its own errno. See stat(2), and inode(7) for the file type.
	return -ENOSYS;
}

/*
 * Check that CMD can run in ROOTFS, as the container will see it after pivot_root: a CMD
 * with a '/' is a path from the container's "/"; a bare name is searched for in /bin,
 * /usr/bin, /sbin and /usr/sbin. Returns 0, -ENOENT (not there) or -EACCES (there, but not an
 * executable file).
 */
int mount_check_command(const char *rootfs, const char *cmd)
{
	static const char *const dirs[] = {"/bin", "/usr/bin", "/sbin", "/usr/sbin"};
	char path[4096];
	struct stat st;
	int root, err = -ENOENT;

	root = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return -errno;
	if (strchr(cmd, '/')) {
		err = stat_in_root(root, cmd, &st);
	} else {
		for (size_t i = 0; i < N_OF(dirs) && err == -ENOENT; i++) {
			snprintf(path, sizeof(path), "%s/%s", dirs[i], cmd);
			err = stat_in_root(root, path, &st);
		}
	}
	close(root);
	if (err < 0)
		return err;
	/// TODO(04): CMD was found and ST describes it. Decide whether it can run: only a regular
	///   file with an execute bit for at least one of owner, group and others can. Return 0
	///   if it can, -EACCES if not. See inode(7) for the type and mode bits in st_mode.
	return -ENOSYS;
}

/* Mount fs_mounts[] inside the current directory (the root filesystem), creating each
 * mount point that is missing. */
static int mount_filesystems(void)
{
	for (size_t i = 0; i < N_OF(fs_mounts); i++) {
		const struct fs_mount *m = &fs_mounts[i];

		if (mkdir(m->target, 0755) < 0 && errno != EEXIST)
			return fail("mkdir", m->target);
		/// TODO(04): Mount M: its fields are mount(2)'s arguments. On failure return fail()
		///   with the call "mount" and M's target: fail() looks for exactly that pair to
		///   explain the one refusal an ordinary user meets (/sys).
		return -ENOSYS;
	}
	return 0;
}

/*
 * Fill the new, empty dev/ with dev_nodes[] and dev_links[]. mknod(2) needs CAP_MKNOD in the
 * initial user namespace, so a rootless container (lesson 05) cannot make device nodes:
 * there, an empty file is created instead and the host's node is bind-mounted onto it.
 */
static int make_dev_nodes(void)
{
	char path[64];

	for (size_t i = 0; i < N_OF(dev_nodes); i++) {
		const struct dev_node *d = &dev_nodes[i];

		snprintf(path, sizeof(path), "dev/%s", d->name);
		/// TODO(04): Make PATH the character device D (numbers D->major, D->minor), mode 0666
		///   whatever the umask. Without CAP_MKNOD (a rootless container: mknod fails with
		///   EPERM) fall back to bind-mounting the host's /dev/NAME (still in sight: this runs
		///   before pivot_root) onto an empty file at PATH, and leave that one's mode alone:
		///   it is then the host's own node. Other failures: return fail(). See mknod(2),
		///   makedev(3), umask(2), and the README's task 6.
		return -ENOSYS;
	}
	for (size_t i = 0; i < N_OF(dev_links); i++) {
		snprintf(path, sizeof(path), "dev/%s", dev_links[i].name);
		if (symlink(dev_links[i].target, path) < 0)
			return fail("symlink", path);
	}
	return 0;
}

/*
 * Make the current directory (a mount point) the root of this mount namespace and detach
 * the old root, so that nothing of the host's filesystem is reachable any more.
 */
static int pivot_to_cwd(void)
{
	/// TODO(04): Make the current directory the root mount of this namespace, with
	///   pivot_root(2)'s idiom of one folder for both arguments (see its NOTES), detach the
	///   old root that is then stacked on top, and end with the current directory at the new
	///   "/". The old root has mounts below it and open files in it: see umount(2) for how
	///   to detach such a mount. glibc has no pivot_root() wrapper: call it through
	///   syscall(2). Report each failure with fail().
	return -ENOSYS;
}

/*
 * In the child, in its new mount namespace (and new PID namespace): make ROOTFS the root of
 * the container, with /proc, /sys (read-only) and a minimal /dev. Everything is mounted in
 * the container's own namespace and goes away with it. Returns 0 or a negative errno (after
 * printing which call failed).
 */
int mount_enter_rootfs(const char *rootfs)
{
	int err;

	/// TODO(04): Step 1. The new mount namespace is a copy of the host's, and copies of
	///   shared mounts stay shared: a mount made here would appear on the host too. Make
	///   every mount of this namespace private, before anything is mounted (the README's
	///   "Propagation"; mount_namespaces(7)). On failure: return fail().
	return -ENOSYS;

	/// TODO(04): Step 2. pivot_root needs the new root to be a mount point of its own (else
	///   EBUSY or EINVAL: the README's pivot_root rules). Make ROOTFS one, keeping the
	///   mounts below it, then make it the current directory. Failures: fail().
	return -ENOSYS;

	/* Step 3: /proc, /sys, /dev and friends, still with the host's /dev in sight. */
	err = mount_filesystems();
	if (err < 0)
		return err;
	err = make_dev_nodes();
	if (err < 0)
		return err;

	/* Step 4: the switch. */
	return pivot_to_cwd();
}
