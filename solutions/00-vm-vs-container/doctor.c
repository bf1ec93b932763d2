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
	/// TODO(00): Ask the running kernel for its release (see uname(2)) and store its first
	///   two numbers in *MAJOR and *MINOR. Returns 0; -errno if the kernel cannot be asked;
	///   -EINVAL if the release does not start with two numbers. Ask the kernel, not a file:
	///   the test changes the answer with personality(2). README, task 1.
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
static GIVEN const struct {
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
	/// TODO(00): List NS_DIR (see opendir(3), readdir(3)) and return the flags of the
	///   ns_types entries it holds, ORed together; -errno if it cannot be opened. Only whole
	///   names count. Close what you open. README, task 2.
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
	/// TODO(00): Return 1 if some line of FILESYSTEMS (the format above) names exactly
	///   "overlay", 0 if none does, -errno if the file cannot be opened. Leave nothing open
	///   or allocated behind, on any path. README, task 3.
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
	/// TODO(00): Turn the table above into code: return a DOCTOR_CGROUP_* mode, or -EINVAL.
	///   The kernel's names for the magic numbers are in <linux/magic.h>. README, task 4.
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
	/// TODO(00): Find the filesystem type of ROOT and of ROOT/unified (see statfs(2)) and let
	///   doctor_cgroup_classify() decide. Returns its answer, or -errno if ROOT itself cannot
	///   be examined. A missing ROOT/unified is not an error: it is simply not cgroup2.
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
	/// TODO(00): The same answer as doctor_cgroup_mode(), from the mount table MOUNTINFO
	///   (the format above): find the type mounted at ROOT and at ROOT/unified, and let
	///   doctor_cgroup_classify() decide, so both paths share one decision. -errno if
	///   MOUNTINFO cannot be opened, -ENOENT if nothing is mounted at ROOT. README, task 4.
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
	/// TODO(00): Return the API version the KVM device DEV reports, or the -errno of whichever
	///   call failed (open(2), then ioctl(2): the request is in the KVM API documentation).
	///   Close the descriptor on every path: the tests count them. README, task 5.
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
	/// TODO(00): Return 0 if this process may create a user namespace, else the -errno that
	///   unshare(2) gave. Try it in a child process (the comment above says why); -errno if
	///   the child cannot be made, -ECHILD if it does not exit normally. README, task 6.
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
	/// TODO(00): Return 1 if this process has effective uid 0 in the host's user namespace
	///   (see the comment above, and user_namespaces(7) on uid_map), 0 otherwise. A kernel
	///   without user namespaces has no /proc/self/uid_map: there, uid 0 is the host's root.
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
