/* doctor.c: lesson 00 — probe what this machine offers containers and VMs. */
#include "hako.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <linux/magic.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * The kernel's release, as `uname -r` prints it, is "MAJOR.MINOR.PATCH" followed by whatever
 * the distribution adds: "6.1.0-13-amd64", "5.15.0-91-generic", "6.8.0-rc3+". Returns 0 and
 * the first two numbers, or -EINVAL if the release does not start with them.
 */
int doctor_kernel_version(int *major, int *minor)
{
	/// TODO(00): Fill a struct utsname with uname(2) (on failure return -errno), then read
	///   the two numbers at the start of its .release field: sscanf(3) with "%d.%d" returns
	///   how many it converted. Anything but 2 means -EINVAL.
	return -ENOSYS;
}

/*
 * /proc/self/ns holds one entry per namespace type the kernel was built with, named after the
 * type; each is a link to the namespace this process is in ("net:[4026531840]"). The two
 * *_for_children entries name the namespace our next child will get, not a new type.
 */
static const struct {
	const char *name;
	int flag; /* the clone(2)/unshare(2) flag that makes a new one */
} ns_types[] = {
    {"cgroup", CLONE_NEWCGROUP}, {"ipc", CLONE_NEWIPC}, {"mnt", CLONE_NEWNS},
    {"net", CLONE_NEWNET},       {"pid", CLONE_NEWPID}, {"time", CLONE_NEWTIME},
    {"user", CLONE_NEWUSER},     {"uts", CLONE_NEWUTS},
};
#define N_NS_TYPES (sizeof(ns_types) / sizeof(ns_types[0]))

/* Which namespace types NS_DIR lists, as a set of CLONE_NEW* flags; a negative errno if it
 * cannot be opened. Names not in ns_types (pid_for_children, ".", "..") add nothing. */
int doctor_namespaces(const char *ns_dir)
{
	/// TODO(00): opendir(3) NS_DIR (return -errno if it fails), then readdir(3) every
	///   entry: when its d_name equals one of ns_types[i].name, OR ns_types[i].flag into
	///   the result. closedir(3) it and return the result.
	(void)ns_types;
	return -ENOSYS;
}

/*
 * /proc/filesystems lists the filesystem types the running kernel can mount right now, one a
 * line: an optional "nodev" (no block device needed), a tab, and the name:
 *
 *	nodev	tmpfs
 *		ext4
 *	nodev	overlay
 *
 * A type built as a module appears only once the module is loaded.
 */
int doctor_overlayfs(const char *filesystems)
{
	/// TODO(00): fopen(3) FILESYSTEMS (on failure return -errno) and read it line by line
	///   (getline(3)). The name is what follows the last tab, without the newline. Return 1
	///   if some line's name is exactly "overlay" ("overlayfoo" is another filesystem),
	///   0 if none is. Close the file and free the line on every path.
	return -ENOSYS;
}

/*
 * How the cgroup filesystems are laid out at ROOT (/sys/fs/cgroup), told apart the way runc
 * and crun do it, by the filesystem type of ROOT and of ROOT/unified:
 *
 *   ROOT is         ROOT/unified is    mode
 *   ------------    ---------------    ------------------------------------------------
 *   cgroup2         -                  v2 (unified): one tree, every controller in it
 *   tmpfs           cgroup2            hybrid: v1 trees ROOT/memory, ROOT/cpu, ... for
 *                                      the controllers, plus a v2 tree with none of them
 *   tmpfs           anything else      v1 (legacy): only the v1 trees
 *   anything else   -                  not a cgroup root: -EINVAL
 */
int doctor_cgroup_classify(long root_magic, bool unified_is_cgroup2)
{
	/// TODO(00): Turn the table above into code. The magic numbers are in <linux/magic.h>:
	///   CGROUP2_SUPER_MAGIC and TMPFS_MAGIC. Return DOCTOR_CGROUP_V2, _HYBRID, _V1 or
	///   -EINVAL.
	return -ENOSYS;
}

/*
 * Ask the kernel directly: statfs(2) fills f_type with the magic number of the filesystem a
 * path is on. Returns a DOCTOR_CGROUP_* mode, or a negative errno (-ENOENT: no ROOT).
 */
int doctor_cgroup_mode(const char *root)
{
	/// TODO(00): statfs(2) ROOT (on failure return -errno). Then statfs ROOT/unified
	///   (build the path with snprintf): it counts as cgroup2 only if that call succeeds
	///   AND its f_type is CGROUP2_SUPER_MAGIC. Hand both to doctor_cgroup_classify().
	return -ENOSYS;
}

/*
 * The same question answered from a mount table. Each line of /proc/self/mountinfo
 * (proc(5)) describes one mount:
 *
 *   36 31 0:32 / /sys/fs/cgroup/memory rw,relatime shared:14 - cgroup cgroup rw,memory
 *   |  |  |    | |                     |           |         | |      |      |
 *   id |  dev  | mount point           options     optional  | type   source super options
 *      parent  root of the mount                   fields    separator " - "
 *
 * There may be zero or more optional fields, so the type is found after the " - ", not by
 * counting. When two mounts share a mount point, the later line is on top and wins.
 */
int doctor_cgroup_mode_mountinfo(const char *mountinfo, const char *root)
{
	/// TODO(00): Open MOUNTINFO (-errno on failure) and read it line by line. For each
	///   line take the mount point (the 5th field: sscanf with "%*s %*s %*s %*s %s") and
	///   the type (the first word after " - ": strstr). Remember the type mounted at ROOT
	///   and the one at ROOT/unified. Then:
	///     nothing mounted at ROOT             -> -ENOENT
	///     otherwise doctor_cgroup_classify() with the magic number that matches the type
	///     ("cgroup2" -> CGROUP2_SUPER_MAGIC, "tmpfs" -> TMPFS_MAGIC, others -> 0) and
	///     whether ROOT/unified's type is "cgroup2".
	return -ENOSYS;
}

/*
 * A VM monitor talks to KVM through ioctl(2)s on /dev/kvm (lesson 15). The first one any
 * monitor makes asks for the API version: it has been 12 since Linux 2.6.22, and a monitor
 * that sees anything else must stop.
 */
int doctor_kvm_api(const char *dev)
{
	/// TODO(00): open(2) DEV read-write (O_RDWR | O_CLOEXEC); on failure return -errno
	///   (-ENOENT: no KVM here, -EACCES: not in the kvm group). Then
	///   ioctl(fd, KVM_GET_API_VERSION, 0) returns the version, or -1 and errno (a file
	///   that is not KVM says ENOTTY). Close the fd on every path.
	return -ENOSYS;
}

/*
 * Whether user namespaces can be made is not written in any one file: kernels differ
 * (CONFIG_USER_NS), distributions add switches (kernel.unprivileged_userns_clone,
 * AppArmor's restrictions), and user.max_user_namespaces may be 0. The sure way is to try.
 * The try happens in a child process, because unshare(2) moves the caller itself into the
 * new namespace, and the doctor must stay where it is.
 */
int doctor_userns(void)
{
	/// TODO(00): fork(2) (on failure return -errno). The child calls
	///   unshare(CLONE_NEWUSER) and reports through its exit status: _exit(0) if it
	///   worked, _exit(errno) if not (every errno fits in 8 bits). The parent waits with
	///   waitpid(2) (again on EINTR) and returns 0 or -status. If the child did not exit
	///   normally, return -ECHILD.
	return -ENOSYS;
}

/*
 * "Root" means two things at once: effective uid 0, and being in the host's user namespace.
 * Inside a user namespace a process can have uid 0 and yet own nothing outside it (lesson
 * 05). /proc/self/uid_map tells them apart: the initial namespace maps the whole uid range
 * onto itself, in one line "0 0 4294967295"; any other namespace maps less, or elsewhere.
 */
int doctor_is_root(void)
{
	/// TODO(00): If geteuid(2) is not 0, return 0. Else read /proc/self/uid_map: if it
	///   cannot be opened the kernel has no user namespaces, so this is the host's root
	///   (return 1). Otherwise return 1 only if it holds exactly one line whose three
	///   numbers are 0, 0 and 4294967295 (read them with "%lu %lu %lu").
	return -ENOSYS;
}
