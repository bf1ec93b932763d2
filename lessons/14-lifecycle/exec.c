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
		err = -ENOSYS;
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
	err = -ENOSYS;
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
	return -ENOSYS;
}
