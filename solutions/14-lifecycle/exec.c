/* exec.c: lesson 14 — `hako exec`: into a running container's cgroups and namespaces, with
 * the same capabilities and no_new_privs as its own processes. */
#include "hako.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/*
 * hako exec NAME CMD, seen from the host:
 *
 *   hako exec ── join cgroups ── open /proc/PID/ns/... ── setns user, cgroup, ipc, uts, net,
 *                (host paths)    (host's /proc)         pid, mnt ── fork ──► child: in the
 *                                                                    container's PID ns,
 *                                                                    caps, exec CMD
 */

int exec_join_cgroups(pid_t pid)
{
	char path[64], line[PATH_MAX], self[32];
	FILE *f;
	int err = 0;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	if (!(f = fopen(path, "re")))
		return -errno == -ENOENT ? -ESRCH : -errno;
	snprintf(self, sizeof(self), "%d", (int)getpid());
	while (fgets(line, sizeof(line), f)) {
		char *ctrl = strchr(line, ':'), *cg;
		if (!ctrl || !(cg = strchr(ctrl + 1, ':')))
			continue;
		*cg++ = '\0';
		ctrl++;
		cg[strcspn(cg, "\n")] = '\0';
		/// TODO(14): Make DIR the folder of this hierarchy's cgroup CG: CGROUP_MOUNT, then
		///   "/unified" for line 0 (CTRL empty) on a hybrid host (CGROUP_MOUNT/unified has a
		///   cgroup.procs), "/systemd" for "name=systemd", "/CTRL" for v1 controllers; then
		///   CG. Skip it when DIR is not a folder. Write SELF to DIR/cgroup.procs (open O_WRONLY, write, close); keep the
		///   first error as -errno and go on with the other lines.
		/// BEGIN SOLUTION
		char dir[PATH_MAX * 2];
		struct stat st;
		bool hybrid = stat(CGROUP_MOUNT "/unified/cgroup.procs", &st) == 0;

		if (!*ctrl)
			snprintf(dir, sizeof(dir), "%s%s%s", CGROUP_MOUNT, hybrid ? "/unified" : "",
			         cg);
		else if (strncmp(ctrl, "name=", 5) == 0)
			snprintf(dir, sizeof(dir), "%s/%s%s", CGROUP_MOUNT, ctrl + 5, cg);
		else
			snprintf(dir, sizeof(dir), "%s/%s%s", CGROUP_MOUNT, ctrl, cg);
		if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		strncat(dir, "/cgroup.procs", sizeof(dir) - strlen(dir) - 1);
		int fd = open(dir, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, self, strlen(self)) < 0) {
			if (!err)
				err = -errno;
		}
		if (fd >= 0)
			close(fd);
		/// END SOLUTION
		/// STUB: err = -ENOSYS;
	}
	fclose(f);
	return err;
}

int exec_enter(pid_t pid)
{
	static const struct {
		const char *name;
		int type;
	} order[] = {
	    {"user", CLONE_NEWUSER}, {"cgroup", CLONE_NEWCGROUP}, {"ipc", CLONE_NEWIPC},
	    {"uts", CLONE_NEWUTS},   {"net", CLONE_NEWNET},       {"pid", CLONE_NEWPID},
	    {"mnt", CLONE_NEWNS},
	};
	enum { N = sizeof(order) / sizeof(order[0]) };
	int fds[N];
	int err = 0;

	for (size_t i = 0; i < N; i++)
		fds[i] = -1;
	/// TODO(14): First open every namespace of ORDER (O_RDONLY | O_CLOEXEC of
	///   /proc/PID/ns/NAME; a missing one is -ESRCH: the container is gone). Keep -1 for a
	///   namespace this process shares already: fstat both links, same st_ino and st_dev
	///   (setns into your own user namespace is an error). Then setns(2) each fd in ORDER,
	///   with its type. Print "hako exec: setns NAME: reason" on failure. Close all fds.
	/// BEGIN SOLUTION
	for (size_t i = 0; i < N; i++) {
		char path[64];
		struct stat theirs, ours;
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, order[i].name);
		fds[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0) {
			err = errno == ENOENT ? -ESRCH : -errno;
			fprintf(stderr, "hako exec: %s: %s\n", path, strerror(-err));
			goto out;
		}
		snprintf(path, sizeof(path), "/proc/self/ns/%s", order[i].name);
		if (fstat(fds[i], &theirs) == 0 && stat(path, &ours) == 0 &&
		    theirs.st_ino == ours.st_ino && theirs.st_dev == ours.st_dev) {
			close(fds[i]);
			fds[i] = -1;
		}
	}
	for (size_t i = 0; i < N; i++) {
		if (fds[i] >= 0 && setns(fds[i], order[i].type) < 0) {
			err = -errno;
			fprintf(stderr, "hako exec: setns %s: %s\n", order[i].name,
			        strerror(errno));
			goto out;
		}
	}
out:
	/// END SOLUTION
	/// STUB: err = -ENOSYS;
	for (size_t i = 0; i < N; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return err;
}

int exec_parse_status(const char *text, struct exec_security *s)
{
	static const char *const keys[] = {"CapInh:", "CapPrm:", "CapEff:", "CapBnd:", "CapAmb:"};
	unsigned long long *vals[] = {&s->cap_inh, &s->cap_prm, &s->cap_eff, &s->cap_bnd,
	                              &s->cap_amb};

	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < 5; i++) {
		const char *p = strstr(text, keys[i]);
		if (!p || sscanf(p + strlen(keys[i]), "%llx", vals[i]) != 1)
			return -EINVAL;
	}
	const char *p = strstr(text, "NoNewPrivs:");
	if (p)
		sscanf(p + 11, "%d", &s->no_new_privs);
	if ((p = strstr(text, "\nSeccomp:")))
		sscanf(p + 9, "%d", &s->seccomp);
	return 0;
}

int exec_apply_security(const struct exec_security *s)
{
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof(data));
	/// TODO(14): In this order: for each capability 0..CAP_LAST_CAP not in s->cap_bnd,
	///   prctl(PR_CAPBSET_DROP) (needs CAP_SETPCAP: before capset drops it). Then capset(2)
	///   (SYS_capset, version 3: two 32-bit halves per set) the permitted, effective and
	///   inheritable sets. Then PR_CAP_AMBIENT_CLEAR_ALL and PR_CAP_AMBIENT_RAISE each
	///   bit of s->cap_amb. Last, PR_SET_NO_NEW_PRIVS if s->no_new_privs. -errno at the
	///   first failure.
	/// BEGIN SOLUTION
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};

	for (int c = 0; c <= CAP_LAST_CAP; c++)
		if (!(s->cap_bnd & (1ULL << c)) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 &&
		    errno != EINVAL)
			return -errno;
	data[0].permitted = (uint32_t)s->cap_prm;
	data[1].permitted = (uint32_t)(s->cap_prm >> 32);
	data[0].effective = (uint32_t)s->cap_eff;
	data[1].effective = (uint32_t)(s->cap_eff >> 32);
	data[0].inheritable = (uint32_t)s->cap_inh;
	data[1].inheritable = (uint32_t)(s->cap_inh >> 32);
	if (syscall(SYS_capset, &hdr, data) < 0)
		return -errno;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return -errno;
	for (int c = 0; c <= CAP_LAST_CAP; c++)
		if ((s->cap_amb & (1ULL << c)) &&
		    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
			return -errno;
	if (s->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	return 0;
	/// END SOLUTION
	/// STUB: return -ENOSYS;
}
