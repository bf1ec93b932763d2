/* hako.h: the map of hako — its configuration and the function each lesson contributes. */
#ifndef HAKO_H
#define HAKO_H

#include "given.h"

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>

/*
 * `hako run [OPTIONS] [ROOTFS] CMD [ARG...]`, or an OCI bundle's config.json (lesson 13),
 * fills one struct hako_config and hands it to hako_run() or hako_create() (run.c), which
 * call the lesson functions declared below in a fixed order:
 *
 *   parent (hako)                               child (the container)
 *   -------------                               ---------------------
 *   check the config     (13: spec_check)
 *   check options        (02, 04, 07, 09, 10)
 *   make the cgroup      (07)
 *   container_clone()    (02) ───────────────►  wait for "go" on a pipe
 *   write uid/gid maps   (05)                         │
 *   make the veth pair   (06)                         │
 *   join the cgroup      (07)                         │
 *   device cgroup        (09)                         │
 *   send "go"  ─────────────────────────────────► cgroup namespace    (07; always: 09)
 *                                               sethostname         (02)
 *                                               bring up loopback   (06)
 *                                               bind sources        (13: open_tree)
 *                                               pivot_root, mounts  (04)
 *                                               -v, --tmpfs, ro /   (13: mounts_apply)
 *                                               rlimits, cwd, pty   (13)
 *                                               hako create: hold   (13: exec fifo)
 *                                               mask /proc, /sys    (09)
 *                                               close fds, env      (09)
 *                                               capabilities, user  (09)
 *                                               seccomp filter      (10)
 *                                               init: fork, reap    (03)
 *                                                 └─ exec CMD       (01)
 *   relay the pty         (13: -t)
 *   wait, forward signals (03)
 *   report OOM, stats     (07, 08)
 *   clean up              (06, 07, 09, 11)
 *
 * Every function returns 0 (or a value) on success and a negative errno on failure. A lesson
 * that is not done yet returns -ENOSYS, and hako says "not implemented yet (lesson NN)".
 */

enum hako_net {
	HAKO_NET_HOST, /* share the host's network (no network namespace) */
	HAKO_NET_NONE, /* a new network namespace with only loopback (lesson 06) */
	HAKO_NET_VETH, /* loopback plus a veth pair to the host side (lesson 06) */
};

struct hako_cgroup; /* lesson 07 */

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

	/* Privileges (lesson 09). */
	uint64_t caps;       /* capabilities the workload keeps: bit N is CAP_* number N */
	bool caps_set;       /* false until hako.c filled caps (Docker's default, --cap-add/drop) */
	bool privileged;     /* --privileged: every capability, no masked paths, every device */
	bool no_new_privs;   /* --security-opt no-new-privileges */
	const char *seccomp; /* --security-opt seccomp=VALUE: "unconfined", a JSON profile, or
	                      * NULL for the default filter (used by lesson 10) */
	const char *user;    /* --user UID[:GID], or NULL: root inside */
	char **env;          /* extra KEY=VALUE for the workload, NULL-terminated, or NULL */

	/* The container's filesystem: an overlay of read-only layers and a writable layer of
	 * its own, kept in the store under its name (lesson 11). */
	const char *name;          /* --name, or NULL: a generated id */
	bool rm;                   /* --rm: remove the container's layer when it exits */
	const char *const *layers; /* read-only layers, top first (lesson 12, from an image); */
	size_t nlayers;            /* NULL / 0: the rootfs folder is the one lower layer */
	const char *workdir;       /* the working folder inside, or NULL for / (lesson 12) */

	/* The OCI runtime and the rest of docker run's options (lesson 13). */
	bool env_replace;   /* env is the whole environment (an OCI bundle), not extra entries */
	bool keep_rootfs;   /* use rootfs as it is, without an overlay (an OCI bundle's root) */
	bool readonly_root; /* --read-only, root.readonly: / is mounted read-only */
	const struct hako_mount *mounts; /* -v, --tmpfs, config.json's mounts, in order */
	size_t nmounts;
	const struct hako_rlimit *rlimits; /* config.json's process.rlimits */
	size_t nrlimits;
	const char *cgroup_name; /* the cgroup's name, or NULL: "hako-PID" (lesson 07) */
	const char *exec_fifo;   /* hako create: hold the workload before exec until `start` */
	bool tty;                /* -t: a terminal of the container's own (tty.c) */
	bool interactive;        /* -i: hako's stdin goes to the workload */

	/* Detached containers (lesson 14): when set, hako_run() calls MONITOR once the container
	 * runs (its init's PID, its cgroup or NULL, the folder of its device cgroup or NULL:
	 * lesson 09) instead of waiting for it itself, and takes what MONITOR returns as the exit
	 * code (or a negative errno). Then it cleans up as always; if the monitor is killed, that
	 * is left to `hako rm`, which is why MONITOR records where the cgroups are. */
	int (*monitor)(void *arg, pid_t pid, struct hako_cgroup *cg, const char *devdir);
	void *monitor_arg;
};

#define HAKO_MAX_MOUNTS 64 /* the most mounts one container may ask for */

/* One mount of the container (lesson 13), as config.json's "mounts" or -v/--tmpfs ask. */
struct hako_mount {
	const char *source;  /* a host path for a bind mount; the filesystem's source otherwise */
	const char *target;  /* an absolute path inside the container */
	const char *type;    /* "bind", "proc", "sysfs", "tmpfs", "devpts" or "mqueue" */
	unsigned long flags; /* MS_RDONLY MS_NOSUID MS_NODEV MS_NOEXEC, MS_REC (rbind) */
	const char *data;    /* the filesystem's own options ("size=64m,mode=755"), or NULL */
};

/* One resource limit of the workload (lesson 13): setrlimit(RESOURCE, {soft, hard}). */
struct hako_rlimit {
	int resource; /* RLIMIT_NOFILE, ... */
	unsigned long long soft, hard;
};

/* True when CFG asks for any namespace, i.e. hako must clone() rather than fork(). */
bool hako_config_isolated(const struct hako_config *cfg);

/* Run a container as CFG describes; returns its exit code (0-255) or a negative errno. */
int hako_run(const struct hako_config *cfg);
/* Microseconds on the monotonic clock (for durations: hako run --stats, stop's timeouts). */
long long hako_now_us(void);
struct hako_cgroup;
/* `hako create` (lesson 13): start the container as hako_run() does, but return once it is
 * ready and held before exec (CFG->exec_fifo must be set): its init's pid in *PID, its cgroup
 * (or NULL) in *CG for the caller to keep (cgroup_release) or remove (cgroup_destroy), and
 * the folder of its device cgroup (lesson 09; "" if none) in DEVDIR (LEN bytes), left in
 * place for the caller to remove. 0 or a negative errno; nothing is left behind on failure. */
int hako_create(const struct hako_config *cfg, pid_t *pid, struct hako_cgroup **cg, char *devdir,
                size_t len);

/* hako's own exit code when it fails before or while starting the command (as docker's 125). */
#define HAKO_EXIT_FAILED 125

/* ---- lesson 00: the environment doctor (doctor.c, doctor_report.c) ---- */

/* The kernel's release (uname -r) as MAJOR.MINOR: "6.1.0-13-amd64" gives 6 and 1.
 * 0, or -EINVAL if the release does not start with two numbers. */
int doctor_kernel_version(int *major, int *minor);
/* Which namespace types exist: the entries of NS_DIR (normally /proc/self/ns) as a set of
 * CLONE_NEW* flags (CLONE_NEWPID | CLONE_NEWNET | ...). Names it does not know are ignored.
 * A negative errno if NS_DIR cannot be read. */
int doctor_namespaces(const char *ns_dir);
/* 1 if FILESYSTEMS (normally /proc/filesystems) lists "overlay", 0 if not, or -errno. */
int doctor_overlayfs(const char *filesystems);

/* The three ways cgroups can be mounted (lesson 07 works with all of them). */
enum doctor_cgroup {
	DOCTOR_CGROUP_V1 = 1,     /* legacy: one v1 hierarchy per controller, no v2 */
	DOCTOR_CGROUP_HYBRID = 2, /* v1 controllers, plus an empty v2 tree at ROOT/unified */
	DOCTOR_CGROUP_V2 = 3,     /* unified: ROOT itself is cgroup2 */
};
/* Decide the mode from the filesystem magic number (statfs f_type) of the cgroup root and
 * whether ROOT/unified is a cgroup2 filesystem. -EINVAL if the root is neither. */
int doctor_cgroup_classify(long root_magic, bool unified_is_cgroup2);
/* The mode of the cgroups mounted at ROOT (normally /sys/fs/cgroup), from statfs(2). */
int doctor_cgroup_mode(const char *root);
/* The same answer read from a mount table in /proc/self/mountinfo format; -ENOENT if
 * nothing is mounted at ROOT. */
int doctor_cgroup_mode_mountinfo(const char *mountinfo, const char *root);

/* KVM's API version (12 on every kernel since 2.6.22) from the device DEV (normally
 * /dev/kvm), or a negative errno: -ENOENT no device, -EACCES not allowed to open it. */
int doctor_kvm_api(const char *dev);
/* 0 if this process may create a user namespace (tried in a child, so we stay where we
 * are), else the negative errno unshare(CLONE_NEWUSER) failed with. */
int doctor_userns(void);
/* 1 if we are the real root: effective uid 0 in the host's (initial) user namespace. */
int doctor_is_root(void);

/* `hako doctor`: print what this machine supports and what to do about what is missing.
 * Returns 0. */
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

/* 0 if NAME can be a hostname (1 to HOST_NAME_MAX = 64 bytes), else -EINVAL. hako checks it
 * before anything is made. */
int uts_check_hostname(const char *name);
/* clone() FN(ARG) as a new process on a stack of its own, in the new namespaces that FLAGS
 * (CLONE_NEW*) ask for. Its end is reported with SIGCHLD (added to FLAGS), so waitpid() works as
 * for a forked child. Returns the child's pid (as seen from the parent) or a negative errno;
 * the stack is freed on every path. */
pid_t container_clone(int (*fn)(void *), void *arg, int flags);
/* In the child: set the hostname of its new UTS namespace. 0 or a negative errno. */
int uts_enter(const char *hostname);

/* ---- lesson 03: the PID namespace and the container's init (init.c) ---- */

/* In the child, as PID 1 (the container's init; the workload is its child, PID 2): start
 * ARGV, reap every child including orphans, forward SIGTERM/SIGINT/SIGHUP to the workload;
 * returns the workload's exit code (128 + N if signal N killed it) or a negative errno. Works
 * with those signals already blocked (hako blocks them before clone) and unblocks them for
 * the workload. */
int init_main(char **argv);
/* In the parent: wait for the container's init PID, passing SIGTERM/SIGINT/SIGHUP sent to
 * hako on to it; returns its exit code (as init_main's) or a negative errno. */
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

/* ---- lesson 05: user namespaces and the parent/child handshake (userns.c) ---- */

/* hako makes a pipe GO before clone(); the child waits on it until the parent has done its
 * part (maps, veth, cgroup). In the child: ask to be SIGKILLed when hako dies, close go[1],
 * read one byte. 0 on the parent's "go", -ECANCELED if the parent closed its end without it
 * (it failed or died). Closes both ends, setting them to -1. */
int userns_sync_wait(int go[2]);
/* In the parent: say "go" (one byte), then close go[1] and set it to -1. */
int userns_sync_go(int go[2]);
/* In the parent: map root in PID's user namespace to UID/GID outside (uid_map, "deny" to
 * setgroups, gid_map). Prints the file and the kernel's reason when a write fails. */
int userns_write_maps(pid_t pid, uid_t uid, gid_t gid);

/* ---- lesson 06: IPC and network namespaces (net.c) ---- */

/* The namespaces lesson 06 adds to a container's clone(): CLONE_NEWIPC, and CLONE_NEWNET
 * unless CFG asks for the host's network. */
int net_clone_flags(const struct hako_config *cfg);

/* One route-netlink request each, in this process's network namespace: 0, or the kernel's
 * negative errno (printed with the request and the kernel's reason). */
int net_link_up(const char *ifname);
int net_link_del(const char *ifname);
/* A veth pair NAME <-> PEER; the PEER end is made in PID's network namespace (0: here). */
int net_veth_add(const char *name, const char *peer, pid_t pid);
/* Add the IPv4 address CIDR ("10.200.0.1/30") to IFNAME. */
int net_addr_add(const char *ifname, const char *cidr);

/* In the child: bring the loopback interface up. */
int net_loopback_up(void);
/* In the parent: make a veth pair with the container end as eth0 in PID's network namespace,
 * give both ends addresses (host 10.200.x.y+1/30, container +2, in a /30 that no route or
 * address on the host side uses yet) and bring them up. The host end's name (unique: "hako"
 * and PID) is written to HOST_IF (16 bytes). -EADDRNOTAVAIL if no /30 is free. */
int net_veth_create(pid_t pid, char *host_if);
/* Remove the veth pair whose host end is HOST_IF (removing one end removes both). A pair
 * already gone with its namespace is not an error. */
int net_veth_destroy(const char *host_if);

/* ---- lesson 07: cgroups (cgroup.c, cgroup_v1.c, cgroup_v2.c) ---- */

/* How the cgroup filesystems are mounted (statfs on /sys/fs/cgroup tells). */
enum cgroup_mode {
	CGROUP_LEGACY = 1, /* v1 only: one hierarchy per controller, /sys/fs/cgroup/memory, ... */
	CGROUP_HYBRID,     /* v1 hierarchies plus a v2 one at /sys/fs/cgroup/unified */
	CGROUP_UNIFIED,    /* v2 only: one hierarchy at /sys/fs/cgroup */
};

/* Where the cgroup filesystems are: the real /sys/fs/cgroup, or a fake tree in a test. */
struct cgroup_root {
	const char *path;
	enum cgroup_mode mode;
};

/* The controllers hako uses; cpuacct (CPU time) is its own v1 hierarchy, cpu.stat in v2. */
enum cgroup_controller {
	CGROUP_MEMORY,
	CGROUP_CPU,
	CGROUP_CPUACCT,
	CGROUP_PIDS,
	CGROUP_NCONTROLLERS,
};

#define CGROUP_MOUNT      "/sys/fs/cgroup"
#define CGROUP_PARENT     "hako" /* every container's cgroup is CGROUP_PARENT/NAME */
#define CGROUP_CPU_PERIOD 100000 /* microseconds: the CFS period hako's quotas refer to */

struct hako_cgroup;
/* Docker-style sizes: "512m", "1g", "64k", "1.5g", "4096" (k, m, g, t are powers of 1024;
 * a "b" or "ib" may follow). -EINVAL for anything else. */
int cgroup_parse_size(const char *text, long long *bytes);
/* Docker-style CPUs: "0.5" -> 50000 us of CPU time per 100000 us period. At least 0.01.
 * -EINVAL for anything else. */
int cgroup_parse_cpus(const char *text, long long *cpu_max);
/* The mode of the cgroup filesystems mounted at PATH, or a negative errno. */
int cgroup_detect_mode(const char *path);
/* Make the container's cgroup NAME under ROOT's hako parent, in every hierarchy it needs,
 * with CFG's limits; removes stale cgroups of crashed runs first. 0, or a negative errno
 * after printing, once, which call failed on what ("hako: mkdir DIR: reason", "hako: write
 * "TEXT" to FILE: reason", or the option that has no controller): the caller adds nothing.
 * Nothing is left behind on failure. */
int cgroup_create_at(const struct cgroup_root *root, const struct hako_config *cfg,
                     const char *name, struct hako_cgroup **out);
/* cgroup_create_at() on the real /sys/fs/cgroup, in the mode it is mounted in. */
int cgroup_create(const struct hako_config *cfg, const char *name, struct hako_cgroup **out);
/* Move PID into the cgroup (every hierarchy, on cgroup v1). 0, or a negative errno after
 * printing the write that failed (as cgroup_create_at does). */
int cgroup_attach(struct hako_cgroup *cg, pid_t pid);
/* In the child, after the parent attached it: a new cgroup namespace, rooted at its cgroup. */
int cgroup_enter_ns(void);
/* 1 if the kernel's OOM killer killed something in the cgroup, 0 if not. */
int cgroup_oom_killed(struct hako_cgroup *cg);
/* The folder that holds controller C's files, and (in *VERSION, if not NULL) 1 or 2 for its
 * cgroup version; NULL when C is not available. */
const char *cgroup_dir(const struct hako_cgroup *cg, enum cgroup_controller c, int *version);
/* The cgroup of a running container, found from PID: a process inside it, or the `hako run`
 * that made it. -ESRCH if there is none. cgroup_destroy() frees it and removes nothing. */
int cgroup_open_pid(pid_t pid, struct hako_cgroup **out);
/* Remove the cgroup (if this process made it) and free CG. Safe with NULL. It runs where no
 * caller can take an error, so it prints each folder it could not remove ("hako: rmdir DIR:
 * reason") and goes on; a folder already gone is not an error. */
void cgroup_destroy(struct hako_cgroup *cg);
/* Free CG and leave its folders in place: the container outlives this process (`hako create`,
 * lesson 13). Safe with NULL. */
void cgroup_release(struct hako_cgroup *cg);

/* ---- lesson 08: resource statistics (stats.c) ---- */

/* One reading of a container's accounting, as `docker stats` shows it. */
struct stats_sample {
	long long cpu_usec;    /* CPU time the container has used */
	long long system_usec; /* CPU time of the whole machine, all CPUs (/proc/stat) */
	long long mem_usage;   /* bytes in use, less inactive file cache (as docker) */
	long long mem_peak;    /* the most bytes ever in use; -1 if the kernel does not say */
	long long mem_limit;   /* bytes; the machine's memory when there is no limit */
	long pids;             /* processes (and threads) now */
	long pids_peak;        /* the most ever; -1 if the kernel does not say */
};

/* Read CG's accounting into S. -ENOENT if the cgroup is gone. */
int stats_read(struct hako_cgroup *cg, struct stats_sample *s);
/* docker stats' CPU %: the container's share of the machine's CPU time between two samples,
 * times NCPUS, in percent (100% = one CPU busy). 0 if no time passed. */
double stats_cpu_percent(const struct stats_sample *before, const struct stats_sample *after,
                         int ncpus);
/* BYTES as docker prints them: "%.4g" and the unit, B, KiB, MiB, GiB, TiB (steps of 1024). */
void stats_format_size(long long bytes, char *buf, size_t len);
/* Print the one-line summary of `hako run --stats` for the container that ran in CG. */
int stats_print_summary(struct hako_cgroup *cg, long long wall_us);
/* `hako stats PID`: a docker-stats line for PID's container every INTERVAL_MS milliseconds
 * (hako stats: 1000 unless --interval says otherwise), COUNT lines (or until it exits when
 * COUNT is 0). -ESRCH: no such container; -ENOENT: it went away. */
int stats_watch(pid_t pid, int count, int interval_ms);

/* ---- lesson 09: capabilities and the default protections (caps.c, secure.c, devices.c) ---- */

/* Docker's default capabilities: CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, SETGID, SETUID,
 * SETPCAP, NET_BIND_SERVICE, NET_RAW, SYS_CHROOT, MKNOD, AUDIT_WRITE, SETFCAP. */
#define CAPS_DOCKER_DEFAULT 0x00000000a80425fbULL
/* caps_parse_name()'s answer for "ALL". */
#define CAPS_ALL 64

/* A capability name as `docker run --cap-add` takes it: "CAP_SYS_ADMIN", "sys_admin",
 * "Sys_Admin" (any case, with or without "CAP_"). Returns its number (CAP_SYS_ADMIN = 21),
 * CAPS_ALL for "ALL", or -EINVAL for anything else (numbers too). */
int caps_parse_name(const char *name);
/* The set the workload keeps, by Docker's rules: "ALL" in ADD gives every capability hako has
 * but those in DROP; "ALL" in DROP keeps only ADD; otherwise the default set plus ADD minus
 * DROP (a name in both is kept). A name hako itself does not hold cannot be added. 0, or
 * -EINVAL after printing which name is wrong and how to list the valid ones. */
int caps_resolve(const char *const *add, size_t nadd, const char *const *drop, size_t ndrop,
                 uint64_t *caps);
/* --user's value: "UID" or "UID:GID", numbers only (GID 0 when not given, as Docker does for
 * a user the image does not list). -EINVAL otherwise. */
int caps_parse_user(const char *text, uid_t *uid, gid_t *gid);
/* In the child, last before init_main: shrink the bounding set to CFG->caps, switch to
 * CFG->user (groups, then gid, then uid), set permitted and effective to CFG->caps and empty
 * inheritable and ambient, and set no_new_privs if asked. 0, or a negative errno after
 * printing the call that failed ("hako: setresgid: Invalid argument"; hako adds nothing). */
int caps_apply(const struct hako_config *cfg);

/* In the child, after pivot_root: hide Docker's masked paths (/proc/kcore, /proc/keys, ...,
 * /sys/firmware) and make its read-only paths (/proc/sys, /proc/sysrq-trigger, ...)
 * read-only. Paths the kernel does not have are skipped. 0, or a negative errno after
 * printing the call and the path that failed. */
int secure_mask_paths(void);
/* In the child: close every fd above 2, so nothing hako's caller left open reaches inside.
 * 0, or a negative errno after printing the call that failed. */
int secure_close_fds(void);
/* In the child: replace the environment with the container's own: PATH, HOSTNAME, HOME,
 * TERM (when stdin is a terminal), then CFG->env. 0 or a negative errno. */
int secure_build_env(const struct hako_config *cfg);

struct hako_devices;
/* In the parent (root only): put PID into a device cgroup NAME that lets it use only the
 * devices a container needs (null, zero, full, random, urandom, tty, console, ptmx, pts),
 * and make (mknod) but not open any other: cgroup v1's devices hierarchy where there is one,
 * else a BPF program on cgroup v2. *OUT is NULL where there are no cgroups. 0, or -errno
 * after printing the call and the file that failed (-ENOSYS, not written yet, prints
 * nothing: hako warns and goes on). */
int devices_limit(const char *name, pid_t pid, struct hako_devices **out);
/* The same rules as a BPF_CGROUP_DEVICE program, loaded and attached to the cgroup v2
 * folder CGROUP_DIR (what devices_limit does on cgroup v2). 0 or a negative errno. */
int devices_bpf_attach(const char *cgroup_dir);
/* Remove the device cgroup and free D. Safe with NULL. */
void devices_destroy(struct hako_devices *d);
/* The device cgroup's folder, or NULL (none made). For `hako create` (lesson 13), which
 * frees D with devices_release and leaves the folder to `hako delete`. */
const char *devices_dir(const struct hako_devices *d);
void devices_release(struct hako_devices *d);

/* ---- lesson 10: seccomp (seccomp.c, seccomp_profile.c) ---- */

struct sock_fprog; /* <linux/filter.h>: a classic BPF program, as seccomp(2) takes it */

/* Build the seccomp filter CFG asks for and compile it to BPF in *PROG (prog->filter is
 * malloc'd; seccomp_free releases it): Docker's default allowlist, adjusted to the
 * capabilities in cfg->caps; the Docker-format JSON profile at cfg->seccomp; or no filter at
 * all (prog->len 0) for --privileged and `--security-opt seccomp=unconfined`. hako calls it
 * before anything is made. 0, or a negative errno; a bad profile prints the field at fault
 * and where it is. */
int seccomp_build(const struct hako_config *cfg, struct sock_fprog *prog);
/* Free what seccomp_build put in PROG and empty it. */
void seccomp_free(struct sock_fprog *prog);
/* In the child, last before init_main: set no_new_privs and install PROG, for this process
 * and everything it starts (nothing when PROG is empty). 0 or a negative errno. */
int seccomp_enter(const struct sock_fprog *prog);

/* ---- lesson 11: overlayfs — read-only layers and a writable container layer (overlay.c) ---- */

/* The kernel's limit on lower layers in one overlay mount (OVL_MAX_STACK). */
#define OVERLAY_MAX_LAYERS 500

/* Build the options of an overlay mount into BUF (LEN bytes, NUL included):
 * "lowerdir=L1:L2:...,upperdir=UPPER,workdir=WORK", with ",userxattr" added when ROOTLESS.
 * LOWERS are NLOWERS folders, top first. A ':' ',' or '\' in a path is escaped with a '\'.
 * 0; -EINVAL if NLOWERS is 0; -E2BIG if NLOWERS > OVERLAY_MAX_LAYERS or the string does not
 * fit in LEN bytes (mount(2) reads at most one page of options). */
int overlay_options(const char *const *lowers, size_t nlowers, const char *upper, const char *work,
                    bool rootless, char *buf, size_t len);
/* In the child, in its new mount namespace: make every mount private (so nothing reaches the
 * host), then mount an overlay with OPTIONS on MERGED. 0 or a negative errno (printed):
 * -ENODEV when the kernel has no overlayfs. */
int overlay_mount(const char *options, const char *merged);

/* What an entry of an upper (or lower) layer means to overlayfs. */
enum overlay_kind {
	OVERLAY_ENTRY,    /* an ordinary file, folder, symlink, ... */
	OVERLAY_WHITEOUT, /* a deleted name: a character device 0/0 */
	OVERLAY_OPAQUE,   /* a folder that hides everything below it in lower layers */
};
/* The kind of the entry at PATH, whose lstat(2) is ST. A folder is opaque when its xattr
 * trusted.overlay.opaque (rootful) or user.overlay.opaque (userxattr) is "y". */
enum overlay_kind overlay_kind(const char *path, const struct stat *st);
/* `hako diff`: the changes a container's UPPER layer makes to LOWERS (top first), as
 * `docker diff` prints them: "A /path" added, "C /path" changed, "D /path" deleted, one a
 * line, sorted by path, to OUT. 0 or a negative errno. */
int overlay_diff(const char *upper, const char *const *lowers, size_t nlowers, FILE *out);

/* The container store (lessons/common/store.c; lesson 12 keeps its images there too). */
#define STORE_NAME_MAX 64
/* The store's folder: $HAKO_ROOT if set; else /var/lib/hako as root; else
 * $XDG_DATA_HOME/hako, or ~/.local/share/hako. 0, -ENOENT (no HOME) or -ENAMETOOLONG. */
int store_root(char *buf, size_t len);
/* 0 if NAME can name a container: 1 to STORE_NAME_MAX bytes of [a-zA-Z0-9_.-], starting
 * with a letter or digit (as docker). -EINVAL if not. */
int store_check_name(const char *name);
/* rm -rf PATH, also folders without write or search permission (their owner may change
 * them), never crossing into another mounted file system. 0 or a negative errno. */
int store_remove_tree(const char *path);

/* A container's layer in the store: STORE/containers/NAME/{upper,work,merged,lowers}. */
struct container_layer {
	char name[STORE_NAME_MAX + 1];
	char dir[PATH_MAX];    /* STORE/containers/NAME */
	char upper[PATH_MAX];  /* the container's writes */
	char work[PATH_MAX];   /* overlayfs's scratch folder, on the same file system */
	char merged[PATH_MAX]; /* the mount point of the overlay: the container's / */
};
/* Fill L's paths for NAME (NULL: a new random 12-hex-digit id). Makes nothing. 0, -EINVAL
 * (bad name) or an error of store_root(). */
int layer_init(const char *name, struct container_layer *l);
/* Make L's folders and record LOWERS (absolute paths, top first) in L->dir/lowers.
 * -EEXIST if a container of that name exists already; nothing is left behind on error. */
int layer_create(const struct container_layer *l, const char *const *lowers, size_t nlowers);
/* The lower layers recorded for L: a malloc'd NULL-terminated array (free with
 * layer_free_lowers). -ENOENT if L does not exist. */
int layer_lowers(const struct container_layer *l, char ***lowers, size_t *nlowers);
void layer_free_lowers(char **lowers);
/* Remove L's folder and everything in it. -ENOENT if it does not exist. */
int layer_remove(const struct container_layer *l);
/* ---- lesson 12: OCI images (tar.c, unpack.c, oci.c) ---- */

/*
 * An OCI image layout is a folder (see oci.c for the picture):
 *
 *   oci-layout        {"imageLayoutVersion": "1.0.0"}
 *   index.json        the image's names -> the digest of its manifest
 *   blobs/sha256/HEX  every file, named by the sha256 of its content: the manifest (config +
 *                     layers), the config (Cmd, Env, ...), and each layer, a tar (gzipped)
 *
 * hako never trusts a blob before its size and digest match the descriptor that named it.
 */

#define TAR_NAME_MAX 4096 /* the longest name or link target hako accepts (PATH_MAX) */

enum tar_type {
	TAR_FILE, /* '0' (or NUL, old tars; '7'): a regular file, SIZE bytes of content follow */
	TAR_HARDLINK, /* '1': another name for the earlier entry LINK */
	TAR_SYMLINK,  /* '2': a symbolic link to LINK */
	TAR_CHAR,     /* '3': a character device DEVMAJOR:DEVMINOR */
	TAR_BLOCK,    /* '4': a block device */
	TAR_DIR,      /* '5': a directory */
	TAR_FIFO,     /* '6': a named pipe */
};

/* One entry of a tar archive, as tar_next() decoded it from its headers. */
struct tar_entry {
	char name[TAR_NAME_MAX]; /* the path inside the archive, as written ("./etc/passwd") */
	char link[TAR_NAME_MAX]; /* the target of a symlink, or the earlier name of a hardlink */
	enum tar_type type;
	unsigned int mode; /* permission bits, 07777 */
	long long uid, gid;
	long long size;  /* bytes of content that follow (regular files; 0 for the others) */
	long long mtime; /* seconds since 1970 */
	unsigned int devmajor, devminor;
};

/* Where a tar_reader gets its bytes: READ returns up to LEN bytes (fewer only at the end of
 * the data), 0 at the end, or a negative errno. Lets the same reader take a file, a gzip
 * stream (zlib) or a buffer in memory (the tests). */
struct tar_reader {
	ssize_t (*read)(void *source, void *buf, size_t len);
	void *source;
	long long left; /* content bytes of the current entry that tar_read() has not returned */
	long long pad;  /* zero bytes after them, up to the next 512-byte block */
};

/* Parse the octal number field FIELD of LEN bytes: leading spaces, octal digits, then NUL or
 * space up to the end of the field. A field whose first byte has the high bit set is GNU
 * tar's base-256 (big-endian binary) form, with 0x40 of the first byte as its sign. -EINVAL if
 * it is neither, -EOVERFLOW if the value is negative or does not fit a long long. */
int tar_parse_octal(const char *field, size_t len, long long *value);
/* Read the next entry's headers into E (skipping what is left of the previous entry's
 * content). 1: E holds an entry; 0: the end of the archive (a zero block); -EBADMSG: a header
 * whose checksum is wrong or that is not ustar; -EINVAL: a field that is not a number, a type
 * hako does not know, or a broken PAX record (one with a NUL byte in a path); -ENAMETOOLONG:
 * a name longer than TAR_NAME_MAX; -EIO: the data ends inside a header or an entry. */
int tar_next(struct tar_reader *r, struct tar_entry *e);
/* Read up to LEN bytes of the current entry's content. Returns the bytes read, 0 at the end
 * of the entry, -EIO if the archive ends early. */
ssize_t tar_read(struct tar_reader *r, void *buf, size_t len);

/* What layer_unpack() may do. */
#define LAYER_ROOTLESS    1 /* no chown; device nodes refused (-EPERM); user.* xattrs */
#define LAYER_NO_WHITEOUT 2 /* .wh. names are ordinary files (unpacking a layout's own tar) */

/*
 * Unpack the tar archive R into the folder ROOTFD, never writing outside it: names are
 * resolved inside ROOTFD as if it were / (a symlink to /etc means ROOTFD/etc), "." and ".."
 * components that would climb out and absolute names are refused. OCI whiteouts become
 * overlayfs ones: ".wh.NAME" a character device 0:0 called NAME, ".wh..wh..opq" the opaque
 * attribute on its folder. On failure returns a negative errno and copies the name of the
 * entry at fault into BAD (LEN bytes).
 */
int layer_unpack(struct tar_reader *r, int rootfd, int flags, char *bad, size_t len);

/* A blob of the layout: what a descriptor says about it. */
struct oci_blob {
	char digest[72]; /* "sha256:" and 64 lowercase hex digits */
	long long size;
	bool gzip; /* a layer whose media type ends in "+gzip" */
};

/* Check that blobs/sha256/HEX under the layout folder LAYOUTFD is a regular file of exactly
 * SIZE bytes whose sha256 is DIGEST. -EINVAL: DIGEST is not "sha256:" + 64 lowercase hex;
 * -EMSGSIZE: the size differs; -EBADMSG: the content does not match; -errno from open/read.
 * Returns an open fd of the blob, positioned at its start, on success. */
int oci_blob_open(int layoutfd, const struct oci_blob *blob);

#define OCI_MAX_LAYERS 64

/* What `hako run IMAGE` needs from an image, read and verified from its layout. */
struct oci_image {
	char manifest[72];                      /* the manifest's digest: the image's identity */
	struct oci_blob layers[OCI_MAX_LAYERS]; /* bottom first, as the manifest lists them */
	size_t nlayers;
	char **entrypoint, **cmd, **env; /* NULL-terminated, or NULL when the config has none */
	char *workdir, *user;            /* NULL when the config has none */
};

/* Read the image REF (the org.opencontainers.image.ref.name of one of index.json's
 * manifests; NULL: the only one) from the layout folder LAYOUT, verifying the manifest and
 * config blobs. Layers are not read. On failure, a message saying which file or field is
 * wrong is in ERR (LEN bytes). oci_image_free() releases what it allocated. */
int oci_image_read(const char *layout, const char *ref, struct oci_image *img, char *err,
                   size_t len);
void oci_image_free(struct oci_image *img);

/* Given (lessons/common/images.c), not an exercise: the local image store. */
/* `hako image ...` and `hako images`: ARGV[0] is "image" or "images". */
int images_main(int argc, char **argv);
/* If NAME is an image in the store, fill CFG from it (layers, command, env, workdir, user),
 * with ARGV (ARGC words, maybe 0) as the command given after it. -ENOENT if there is none. */
int images_resolve(const char *name, struct hako_config *cfg, char **argv, int argc);
/* Free what images_resolve() put into CFG (nothing if it was not called). */
void images_release(struct hako_config *cfg);

/* ---- lesson 13: an OCI runtime (spec.c, mounts.c, state.c) ---- */

/*
 * An OCI bundle is a folder with config.json (what to run and how) and a root filesystem
 * (config.json's root.path, usually "rootfs"). spec_load() turns config.json into the same
 * struct hako_config that `hako run`'s options fill: one code path for both.
 */
#define SPEC_MAX_MOUNTS  HAKO_MAX_MOUNTS
#define SPEC_MAX_RLIMITS 16

struct hako_spec {
	struct hako_config cfg; /* what spec_load filled; its strings point into JSON */
	void *json;             /* the parsed document (a json_t *) */
	char root[PATH_MAX];    /* root.path, made absolute */
	char **argv, **env;     /* malloc'd arrays of pointers into JSON */
	struct hako_mount mounts[SPEC_MAX_MOUNTS];
	struct hako_rlimit rlimits[SPEC_MAX_RLIMITS];
	char user[32];    /* "UID:GID" from process.user, for cfg.user */
	int seccomp_fd;   /* linux.seccomp as lesson 10's JSON profile, in a memfd; or -1 */
	char seccomp[32]; /* "/proc/self/fd/N" of it, for cfg.seccomp */
};

/* Read BUNDLE/config.json into S (S->cfg is ready for hako_run). Everything is checked before
 * anything is made. On failure a negative errno, and ERR (LEN bytes) names the field and says
 * what is wrong: -EINVAL (not JSON, a wrong type, a missing or bad value), -ENOTSUP (a field
 * hako does not support). spec_free() releases S in every case. */
int spec_load(const char *bundle, struct hako_spec *s, char *err, size_t len);
void spec_free(struct hako_spec *s);
/* One mount option of config.json ("ro", "nosuid", "rbind", "size=64m", ...): adds its flag
 * to *FLAGS, or appends it to DATA (LEN bytes, comma-separated) when it is the filesystem's
 * own. 0; -E2BIG if DATA is full. */
int spec_mount_option(const char *opt, unsigned long *flags, char *data, size_t len);

/* The least memory limit hako accepts (docker's): below it a process cannot even start. */
#define SPEC_MIN_MEMORY (6LL * 1024 * 1024)
/* Check CFG before anything is made, for `hako run` and config.json alike: a command
 * (-EINVAL "no command given"), not "" (-ENOENT), a memory limit of at least SPEC_MIN_MEMORY
 * (-EINVAL), a rootfs that is not the host's / (-EINVAL). 0, or the reason in ERR. */
int spec_check(const struct hako_config *cfg, char *err, size_t len);
/* `-v SRC:DST[:ro|rw]` into M (a recursive bind mount), its strings kept in BUF (LEN bytes).
 * 0; -EINVAL (not absolute paths, a bad mode); -ENAMETOOLONG. */
int spec_parse_volume(const char *arg, struct hako_mount *m, char *buf, size_t len);

/* In the child, before pivot_root: open each bind mount's source (open_tree(2) clone) into
 * FDS (CFG->nmounts entries, -1 for the others), while the host's paths are still in sight. */
int mounts_prepare(const struct hako_config *cfg, int *fds);
/* In the child, after pivot_root: make CFG's mounts in order (mount points made as needed;
 * what lesson 04 mounted already is skipped), then / read-only if CFG asks. Closes FDS. */
int mounts_apply(const struct hako_config *cfg, int *fds);

/* A container's state, kept in STATE_ROOT/ID/state.json (the runtime spec's "state"). */
enum state_status {
	STATE_CREATING,
	STATE_CREATED, /* held before exec: its exec.fifo is still there */
	STATE_RUNNING,
	STATE_STOPPED,
};
struct container_state {
	char id[STORE_NAME_MAX + 1];
	char dir[PATH_MAX];            /* STATE_ROOT/ID */
	char bundle[PATH_MAX];         /* absolute */
	pid_t pid;                     /* the container's init, as the host sees it */
	unsigned long long start_time; /* its start time (/proc/PID/stat field 22) */
	long long created;             /* seconds since 1970 */
};
/* The state folder: $HAKO_STATE if set; /run/hako as root; else $XDG_RUNTIME_DIR/hako.
 * 0, -ENOENT (no XDG_RUNTIME_DIR) or -ENAMETOOLONG. */
int state_root(char *buf, size_t len);
/* PID's start time in clock ticks since boot (/proc/PID/stat, field 22). -ESRCH if gone. */
int state_start_time(pid_t pid, unsigned long long *ticks);
/* What ST's container is now: STOPPED if its pid is gone, a zombie, or a new process with
 * that pid (another start time); CREATED while DIR/exec.fifo exists; RUNNING otherwise. */
enum state_status state_status(const struct container_state *st);
/* Write ST as the runtime spec's state JSON to OUT: ociVersion, id, status ("created",
 * ...), pid (only while it runs or is created), bundle. 0 or a negative errno. */
int state_print(const struct container_state *st, FILE *out);
/* Save ST to ST->dir/state.json / read it back from STATE_ROOT/ID. -ENOENT: no such
 * container. */
int state_save(const struct container_state *st);
int state_load(const char *id, struct container_state *st);

/* The exec fifo (runc's exec.fifo): `hako create` holds the container in the child until
 * `hako start` opens the fifo. In the child: say "ready" on READY_FD (one byte, then close
 * it), then open the fifo FIFO_FD (an O_PATH fd of it) for writing, which blocks until start
 * opens it for reading, and write one byte. 0 or a negative errno. */
int state_exec_wait(int fifo_fd, int ready_fd);
/* `hako start`: open PATH (the exec fifo) for reading, read the child's byte within
 * TIMEOUT_MS, remove PATH. 0; -ETIMEDOUT; -ECHILD if the child went away first. */
int state_exec_start(const char *path, int timeout_ms);

/* `hako run -t` (tty.c). In the child, after pivot_root: make a pty on the container's own
 * devpts, the slave its controlling terminal and stdin/out/err (a new session), and send the
 * master's fd to hako over the unix socket SOCK (closed). 0 or a negative errno. */
int tty_setup_child(int sock);
/* In hako: receive the master's fd from SOCK. The fd; -ECHILD if the child ended first. */
int tty_recv_master(int sock);
/* Copy the master's output to OUT and IN's bytes (IN -1: none) to the master until the
 * master ends (the workload and every holder of the slave are gone). 0 or -errno. */
int tty_relay(int master, int in, int out);
/* Given: hako's terminal in raw mode and tty_relay() on a thread, until tty_session_end()
 * (which waits for the relay to end, restores the terminal and closes MASTER). */
struct tty_session;
int tty_session_start(int master, bool interactive, struct tty_session **out);
void tty_session_end(struct tty_session *t);

/* `hako create|start|state|kill|delete`, and `hako run --bundle` (lessons/common/runtime.c):
 * ARGV[0] is the command. Returns the exit code. */
int runtime_main(int argc, char **argv);

/* A signal given as "TERM", "SIGTERM" or "15" -> 15; -1 if it is none of those (runtime.c:
 * `hako kill ID SIG` here, and lesson 14's `hako kill -s`). */
int runtime_signal_number(const char *text);

/* ---- lesson 14: the container lifecycle (lifecycle.c, monitor.c, exec.c) ---- */

/*
 * `hako run -d` leaves a small monitor process per container (as containerd-shim or conmon):
 *
 *   STATE_ROOT/.lock        flock(2)ed while a container is added or removed
 *   STATE_ROOT/NAME/
 *     state.json            lesson 13's: the container's init (pid + start time), created
 *     monitor               "PID STARTTIME" of the monitor
 *     info                  id, image, command: three lines, for `hako ps`
 *     log                   the workload's stdout and stderr
 *     cgroups               the cgroup folders to remove (as lesson 13's)
 *     security              what built its seccomp filter, for exec (lessons 09, 10)
 *     exit                  "CODE FINISHED" written by the monitor when the workload ended
 */

/* Take the state folder's lock: make ROOT (0711) if needed, open ROOT/.lock (made if
 * missing, O_CLOEXEC) and flock(2) it exclusively, waiting for another hako holding it.
 * Returns the fd (close it to unlock) or a negative errno. */
int lifecycle_lock(const char *root);

/* What `hako ps` knows of one detached container. */
struct lifecycle_info {
	struct container_state st; /* lesson 13's: name (id), dir, init's pid + start time */
	pid_t monitor;             /* the monitor process, and its start time */
	unsigned long long monitor_start;
	char id[16];        /* 12 hex digits */
	char image[256];    /* the image or rootfs it runs */
	char command[256];  /* its command line */
	bool exited;        /* lifecycle_status() fills these three */
	int exit_code;      /* shell-style, 255 when nobody saw the end (stale) */
	long long finished; /* seconds since 1970, or 0 if unknown */
};

/* Read STATE_ROOT/NAME into C (not its status). -ENOENT: no detached container NAME. */
int lifecycle_load(const char *name, struct lifecycle_info *c);

/* Decide whether C's container runs or has exited, filling C->exited, ->exit_code and
 * ->finished. The monitor's exit file says how it ended. Without it, the container runs
 * while its init is alive: the same pid AND the same start time as recorded (state_status,
 * lesson 13) — a pid alone may belong to a new process after a reboot or a crash. Otherwise
 * the entry is stale (the monitor was killed, the host rebooted): exited, code 255, finished
 * unknown (0). Returns 1 if running, 0 if exited. */
int lifecycle_status(struct lifecycle_info *c);

/* Docker's human duration of SECONDS (docker ps): "Less than a second", "1 second",
 * "N seconds" (under a minute), "About a minute", "N minutes" (under an hour), "About an
 * hour", "N hours" (under 48 hours), "N days" (under 14 days), "N weeks" (under 60 days),
 * "N months" (under 2 years), "N years". Hours, days, ... are rounded to the nearest. */
void lifecycle_duration(long long seconds, char *buf, size_t len);

/* The STATUS column of `hako ps` for C (after lifecycle_status) at time NOW: "Up " and the
 * duration since it was created, or "Exited (CODE) " and the duration since it finished and
 * " ago" ("Exited (CODE)" alone when that time is unknown). */
void lifecycle_format_status(const struct lifecycle_info *c, long long now, char *buf, size_t len);

/* In the monitor: wait until the process behind PIDFD (a pidfd_open(2) of its child) exits,
 * without blocking signals' handlers (poll(2) the pidfd, then waitid(2) P_PIDFD). Its exit
 * code (shell-style: the status, or 128 + the signal) in *CODE. 0 or a negative errno. */
int monitor_wait(int pidfd, int *code);

/* `hako exec`: join the cgroups of PID (the container's init, as the host sees it): for
 * each line "N:CONTROLLERS:/PATH" of /proc/PID/cgroup, write this process's pid to
 * CGROUP_MOUNT/DIR/PATH/cgroup.procs (DIR: the controllers, "unified" for line 0 on a
 * hybrid host, nothing for line 0 on a cgroup v2 host, "systemd" for name=systemd); folders
 * that do not exist are skipped. 0 or a negative errno. */
int exec_join_cgroups(pid_t pid);

/* `hako exec`: move this process into PID's namespaces. Open every /proc/PID/ns/NAME first
 * (user, cgroup, ipc, uts, net, pid, mnt: once in its mount namespace, /proc is the
 * container's), skip those this process shares already, then setns(2) in that order: the
 * user namespace first (it gives the capabilities the others need), the mount namespace
 * last. The PID namespace applies to children only: fork after this. 0 or a negative errno
 * (printed with the namespace's name). */
int exec_enter(pid_t pid);

/* The security of a container's process, as /proc/PID/status shows it. */
struct exec_security {
	unsigned long long cap_inh, cap_prm, cap_eff, cap_bnd, cap_amb;
	int no_new_privs;
	int seccomp; /* 0 none, 1 strict, 2 filter */
};
/* Parse a /proc/PID/status text into S (CapInh, CapPrm, CapEff, CapBnd, CapAmb in hex,
 * NoNewPrivs, Seccomp). -EINVAL if a Cap line is missing. */
int exec_parse_status(const char *text, struct exec_security *s);
/* In the exec'd process, before exec: the same capabilities and no_new_privs as S: drop
 * from the bounding set what S's lacks (prctl PR_CAPBSET_DROP), set the permitted, effective
 * and inheritable sets (capset(2)), the ambient ones, then PR_SET_NO_NEW_PRIVS if S has it.
 * 0 or a negative errno. */
int exec_apply_security(const struct exec_security *s);

/* `hako run -d` (lessons/common/containers.c): start CFG detached under a monitor; IMAGE is
 * what ps shows. Prints the name; returns hako's exit code. */
int containers_run_detached(struct hako_config *cfg, const char *image);
/* `hako ps|logs|stop|kill|rm|exec` for detached containers; ARGV[0] is the command. */
int containers_main(int argc, char **argv);
/* 1 if NAME is a detached container (STATE_ROOT/NAME/monitor exists), else 0. */
int containers_exists(const char *name);

#endif
