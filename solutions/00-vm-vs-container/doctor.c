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
	/// BEGIN SOLUTION
	struct utsname u;

	if (uname(&u) < 0)
		return -errno;
	if (sscanf(u.release, "%d.%d", major, minor) != 2)
		return -EINVAL;
	return 0;
	/// END SOLUTION
	/// STUB: return -ENOSYS;
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
	/// BEGIN SOLUTION
	DIR *d = opendir(ns_dir);
	struct dirent *e;
	int found = 0;

	if (!d)
		return -errno;
	while ((e = readdir(d)) != NULL)
		for (size_t i = 0; i < N_NS_TYPES; i++)
			if (strcmp(e->d_name, ns_types[i].name) == 0)
				found |= ns_types[i].flag;
	closedir(d);
	return found;
	/// END SOLUTION
	/// STUB: (void)ns_types;
	/// STUB: return -ENOSYS;
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
	/// BEGIN SOLUTION
	FILE *f = fopen(filesystems, "re");
	char *line = NULL;
	size_t cap = 0;
	int found = 0;

	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		line[strcspn(line, "\n")] = '\0';
		char *name = strrchr(line, '\t');
		name = name ? name + 1 : line;
		if (strcmp(name, "overlay") == 0)
			found = 1;
	}
	free(line);
	fclose(f);
	return found;
	/// END SOLUTION
	/// STUB: return -ENOSYS;
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
	/// BEGIN SOLUTION
	if (root_magic == CGROUP2_SUPER_MAGIC)
		return DOCTOR_CGROUP_V2;
	if (root_magic == TMPFS_MAGIC)
		return unified_is_cgroup2 ? DOCTOR_CGROUP_HYBRID : DOCTOR_CGROUP_V1;
	return -EINVAL;
	/// END SOLUTION
	/// STUB: return -ENOSYS;
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
	/// BEGIN SOLUTION
	struct statfs st, ust;
	char unified[4096];

	if (statfs(root, &st) < 0)
		return -errno;
	if (snprintf(unified, sizeof(unified), "%s/unified", root) >= (int)sizeof(unified))
		return -ENAMETOOLONG;
	bool v2 = statfs(unified, &ust) == 0 && ust.f_type == CGROUP2_SUPER_MAGIC;
	return doctor_cgroup_classify((long)st.f_type, v2);
	/// END SOLUTION
	/// STUB: return -ENOSYS;
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
	/// BEGIN SOLUTION
	FILE *f = fopen(mountinfo, "re");
	char *line = NULL, *mnt = NULL, *root_type = NULL, *unified_type = NULL;
	char unified[4096];
	size_t cap = 0;
	int err;

	if (!f)
		return -errno;
	snprintf(unified, sizeof(unified), "%s/unified", root);
	while (getline(&line, &cap, f) > 0) {
		char type[64];
		char *sep = strstr(line, " - ");

		if (!sep || sscanf(sep + 3, "%63s", type) != 1)
			continue; /* not a mountinfo line */
		free(mnt);
		mnt = malloc(strlen(line) + 1);
		if (!mnt) {
			err = -ENOMEM;
			goto out;
		}
		if (sscanf(line, "%*s %*s %*s %*s %s", mnt) != 1)
			continue;
		char **slot = strcmp(mnt, root) == 0      ? &root_type
		              : strcmp(mnt, unified) == 0 ? &unified_type
		                                          : NULL;
		if (slot) {
			free(*slot);
			*slot = strdup(type);
		}
	}
	if (!root_type) {
		err = -ENOENT;
		goto out;
	}
	long magic = strcmp(root_type, "cgroup2") == 0 ? CGROUP2_SUPER_MAGIC
	             : strcmp(root_type, "tmpfs") == 0 ? TMPFS_MAGIC
	                                               : 0;
	err = doctor_cgroup_classify(magic, unified_type && strcmp(unified_type, "cgroup2") == 0);
out:
	free(unified_type);
	free(root_type);
	free(mnt);
	free(line);
	fclose(f);
	return err;
	/// END SOLUTION
	/// STUB: return -ENOSYS;
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
	/// BEGIN SOLUTION
	int fd = open(dev, O_RDWR | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -errno;
	ret = ioctl(fd, KVM_GET_API_VERSION, 0);
	if (ret < 0)
		ret = -errno;
	close(fd);
	return ret;
	/// END SOLUTION
	/// STUB: return -ENOSYS;
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
	/// BEGIN SOLUTION
	int wstatus;

	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0)
		_exit(unshare(CLONE_NEWUSER) == 0 ? 0 : errno);
	while (waitpid(pid, &wstatus, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (!WIFEXITED(wstatus))
		return -ECHILD;
	return -WEXITSTATUS(wstatus);
	/// END SOLUTION
	/// STUB: return -ENOSYS;
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
	/// BEGIN SOLUTION
	unsigned long inside, outside, count;
	int lines = 0, whole = 0;
	char *line = NULL;
	size_t cap = 0;

	if (geteuid() != 0)
		return 0;
	FILE *f = fopen("/proc/self/uid_map", "re");
	if (!f)
		return 1;
	while (getline(&line, &cap, f) > 0) {
		lines++;
		if (sscanf(line, "%lu %lu %lu", &inside, &outside, &count) == 3 && inside == 0 &&
		    outside == 0 && count == 4294967295UL)
			whole = 1;
	}
	free(line);
	fclose(f);
	return lines == 1 && whole;
	/// END SOLUTION
	/// STUB: return -ENOSYS;
}
