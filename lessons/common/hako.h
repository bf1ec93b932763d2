/* hako.h: the map of hako — its configuration and the function each lesson contributes. */
#ifndef HAKO_H
#define HAKO_H

#include <stdbool.h>
#include <sys/types.h>

/*
 * `hako run [OPTIONS] [ROOTFS] CMD [ARG...]` fills one struct hako_config and hands it to
 * hako_run() (run.c). hako_run() calls the lesson functions declared below in a fixed order:
 *
 *   parent (hako)                               child (the container)
 *   -------------                               ---------------------
 *   check options        (02, 04, 07)
 *   make the cgroup      (07)
 *   container_clone()    (02) ───────────────►  wait for "go" on a pipe
 *   write uid/gid maps   (05)                         │
 *   make the veth pair   (06)                         │
 *   join the cgroup      (07)                         │
 *   send "go"  ─────────────────────────────────► sethostname        (02)
 *                                               bring up loopback   (06)
 *                                               pivot_root, mounts  (04)
 *                                               init: fork, reap    (03)
 *                                                 └─ exec CMD       (01)
 *   wait, forward signals (03)
 *   report OOM, stats     (07, 08)
 *   clean up              (06, 07)
 *
 * Every function returns 0 (or a value) on success and a negative errno on failure. A lesson
 * that is not done yet returns -ENOSYS, and hako says "not implemented yet (lesson NN)".
 */

enum hako_net {
	HAKO_NET_HOST, /* share the host's network (no network namespace) */
	HAKO_NET_NONE, /* a new network namespace with only loopback (lesson 06) */
	HAKO_NET_VETH, /* loopback plus a veth pair to the host side (lesson 06) */
};

struct hako_config {
	/* What to run. */
	char **argv; /* the command and its arguments, NULL-terminated */

	/* Isolation: any of these makes hako create namespaces (container mode). */
	const char *rootfs;   /* root filesystem folder, or NULL to keep the host's (lesson 04) */
	const char *hostname; /* hostname inside, or NULL (lesson 02) */
	bool isolate;         /* --isolate: namespaces even without rootfs or hostname */
	enum hako_net net;    /* lesson 06 */
	bool rootless;        /* map root inside to the caller outside (lesson 05) */

	/* Limits, 0 when not set (lesson 07). */
	long long memory;  /* bytes */
	long long cpu_max; /* CPU time per 100 ms period, in microseconds: --cpus 0.5 -> 50000 */
	long pids_limit;

	bool stats; /* print a summary when the container exits (lesson 08) */
};

/* True when CFG asks for any namespace, i.e. hako must clone() rather than fork(). */
bool hako_config_isolated(const struct hako_config *cfg);

/* Run a container as CFG describes; returns its exit code (0-255) or a negative errno. */
int hako_run(const struct hako_config *cfg);

/* hako's own exit code when it fails before or while starting the command (as docker's 125). */
#define HAKO_EXIT_FAILED 125

/* ---- lesson 00: the environment doctor (doctor.c) ---- */

/* `hako doctor`: print what this machine supports. Returns 0. */
int doctor_report(void);

/* ---- lesson 01: processes (process.c) ---- */

/* Turn a wait status into a shell-style exit code: the exit status, or 128 + the signal. */
int process_exit_code(int wstatus);
/* Replace this process with ARGV (searched in PATH). On failure print a shell-like message
 * and _exit(127) when the command is not found, _exit(126) when it cannot be executed. */
void process_exec(char **argv) __attribute__((noreturn));
/* fork, exec ARGV in the child, wait; returns the exit code, or a negative errno. */
int process_run(char **argv);

/* ---- lesson 02: clone and the UTS namespace (uts.c) ---- */

/* 0 if NAME can be a hostname (1 to 64 bytes), else -EINVAL. Checked before anything is made. */
int uts_check_hostname(const char *name);
/* clone() FN(ARG) as a new process on its own stack with the namespace FLAGS (CLONE_NEW*);
 * returns the child's pid (as seen from the parent) or a negative errno. */
pid_t container_clone(int (*fn)(void *), void *arg, int flags);
/* In the child: set the hostname of its new UTS namespace. */
int uts_enter(const char *hostname);

/* ---- lesson 03: the PID namespace and the container's init (init.c) ---- */

/* In the child, as PID 1: start ARGV, reap every child, forward SIGTERM/SIGINT/SIGHUP to the
 * workload; returns the workload's exit code. */
int init_main(char **argv);
/* In the parent: wait for the container's init PID, passing SIGTERM/SIGINT/SIGHUP sent to
 * hako on to it; returns its exit code. */
int container_wait(pid_t pid);

/* ---- lesson 04: the mount namespace and pivot_root (mount.c) ---- */

/* Before any namespace: ROOTFS must be a folder. 0, -ENOENT, -ENOTDIR or -EACCES. */
int mount_check_rootfs(const char *rootfs);
/* Before any namespace: CMD must be an executable file in ROOTFS as the container will see
 * it (a path from its "/", or a name found in its /bin, /usr/bin, /sbin, /usr/sbin).
 * 0, -ENOENT (not there) or -EACCES (not an executable file). */
int mount_check_command(const char *rootfs, const char *cmd);
/* In the child: make mounts private, pivot_root into ROOTFS, mount /proc, /sys, /dev. */
int mount_enter_rootfs(const char *rootfs);

/* ---- lesson 05: user namespaces (userns.c) ---- */

/* In the parent: map root in PID's user namespace to UID/GID outside (uid_map, "deny" to
 * setgroups, gid_map). */
int userns_write_maps(pid_t pid, uid_t uid, gid_t gid);

/* ---- lesson 06: IPC and network namespaces (net.c) ---- */

/* In the child: bring the loopback interface up. */
int net_loopback_up(void);
/* In the parent: make a veth pair, move one end into PID's network namespace; the host
 * end's name is written to HOST_IF (16 bytes). */
int net_veth_create(pid_t pid, char *host_if);
/* Remove the veth pair whose host end is HOST_IF (removing one end removes both). */
int net_veth_destroy(const char *host_if);

/* ---- lesson 07: cgroups (cgroup.c) ---- */

struct hako_cgroup;
/* Docker-style sizes: "512m", "1g", "64k", "4096". -EINVAL for anything else. */
int cgroup_parse_size(const char *text, long long *bytes);
/* Docker-style CPUs: "0.5" -> 50000 us of CPU time per 100000 us period. */
int cgroup_parse_cpus(const char *text, long long *cpu_max);
/* Make the container's cgroup NAME under the hako parent with CFG's limits. */
int cgroup_create(const struct hako_config *cfg, const char *name, struct hako_cgroup **out);
/* Move PID into the cgroup (every hierarchy, on cgroup v1). */
int cgroup_attach(struct hako_cgroup *cg, pid_t pid);
/* 1 if the kernel's OOM killer killed something in the cgroup, 0 if not. */
int cgroup_oom_killed(struct hako_cgroup *cg);
/* Remove the cgroup and free CG. Safe with NULL. */
void cgroup_destroy(struct hako_cgroup *cg);

/* ---- lesson 08: resource statistics (stats.c) ---- */

/* Print the one-line summary of `hako run --stats` for the container that ran in CG. */
int stats_print_summary(struct hako_cgroup *cg, long long wall_us);

#endif
