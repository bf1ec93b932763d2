/* seccomp.c: lesson 10 — a seccomp filter like Docker's default: an allowlist, kept as data. */
#include "seccomp_rules.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/*
 * The default filter: every system call not in this table fails with EPERM. A row allows
 * one system call by name (libseccomp knows each name's number on every architecture; a
 * name an architecture lacks, like i386's "fcntl64" on x86_64, simply has no rule there).
 *
 *   caps   0: for every container. Otherwise the capabilities that guard the call in the
 *          kernel: the row counts only when the workload keeps one of them (--cap-add), so
 *          the filter never stands between a container and a capability it was given.
 *   kind   RULE_ALLOW, or a rule that also looks at the arguments (see add_conditional).
 *
 * Left out on purpose (so EPERM), as in Docker: keyctl, add_key, request_key (the kernel's
 * keyrings are not namespaced: keys of the host's root would be in reach), userfaultfd (it
 * lets an exploit pause the kernel mid-copy), kexec_load, kexec_file_load (boot another
 * kernel), io_uring_setup, io_uring_enter, io_uring_register (a second path into the kernel
 * that bypassed seccomp's checks and had many bugs), swapon, swapoff, nfsservctl, uselib,
 * create_module, get_kernel_syms, query_module, sysfs, _sysctl, vm86, vm86old,
 * lookup_dcookie's siblings, and socketcall (i386's way into every socket call, with its
 * arguments behind a pointer that seccomp cannot read, so the AF_VSOCK check could not apply).
 */
enum rule_kind {
	RULE_ALLOW, /* allowed, whatever the arguments */
	RULE_CLONE, /* allowed without namespace flags; any flags with CAP_SYS_ADMIN */
	RULE_CLONE3, /* ENOSYS (its flags sit in memory seccomp cannot read); CAP_SYS_ADMIN: allowed */
	RULE_PERSONALITY, /* only the personalities Docker allows */
	RULE_SOCKET,      /* every address family but AF_VSOCK and AF_ALG */
};

static GIVEN const struct allow_row {
	const char *name;
	uint64_t caps;
	enum rule_kind kind;
} allowlist[] = {
    {.name = "accept"},
    {.name = "accept4"},
    {.name = "access"},
    {.name = "adjtimex"}, /* reading the clock's state; changing it needs CAP_SYS_TIME anyway */
    {.name = "alarm"},
    {.name = "arch_prctl"}, /* sets FS/GS: how threads find their thread-local data */
    {.name = "bind"},
    {.name = "brk"},
    {.name = "cachestat"},
    {.name = "capget"},
    {.name = "capset"}, /* only ever lowers what the bounding set allows */
    {.name = "chdir"},
    {.name = "chmod"},
    {.name = "chown"},
    {.name = "chown32"},
    {.name = "clock_adjtime"},
    {.name = "clock_adjtime64"},
    {.name = "clock_getres"},
    {.name = "clock_getres_time64"},
    {.name = "clock_gettime"},
    {.name = "clock_gettime64"},
    {.name = "clock_nanosleep"},
    {.name = "clock_nanosleep_time64"},
    {.name = "clone", .kind = RULE_CLONE}, /* fork() and threads, but no new namespaces */
    {.name = "clone3", .kind = RULE_CLONE3},
    {.name = "close"},
    {.name = "close_range"},
    {.name = "connect"},
    {.name = "copy_file_range"},
    {.name = "creat"},
    {.name = "dup"},
    {.name = "dup2"},
    {.name = "dup3"},
    {.name = "epoll_create"},
    {.name = "epoll_create1"},
    {.name = "epoll_ctl"},
    {.name = "epoll_ctl_old"},
    {.name = "epoll_pwait"},
    {.name = "epoll_pwait2"},
    {.name = "epoll_wait"},
    {.name = "epoll_wait_old"},
    {.name = "eventfd"},
    {.name = "eventfd2"},
    {.name = "execve"},
    {.name = "execveat"},
    {.name = "exit"},
    {.name = "exit_group"},
    {.name = "faccessat"},
    {.name = "faccessat2"},
    {.name = "fadvise64"},
    {.name = "fadvise64_64"},
    {.name = "fallocate"},
    {.name = "fanotify_mark"},
    {.name = "fchdir"},
    {.name = "fchmod"},
    {.name = "fchmodat"},
    {.name = "fchmodat2"},
    {.name = "fchown"},
    {.name = "fchown32"},
    {.name = "fchownat"},
    {.name = "fcntl"},
    {.name = "fcntl64"},
    {.name = "fdatasync"},
    {.name = "fgetxattr"},
    {.name = "flistxattr"},
    {.name = "flock"},
    {.name = "fork"},
    {.name = "fremovexattr"},
    {.name = "fsetxattr"},
    {.name = "fstat"},
    {.name = "fstat64"},
    {.name = "fstatat64"},
    {.name = "fstatfs"},
    {.name = "fstatfs64"},
    {.name = "fsync"},
    {.name = "ftruncate"},
    {.name = "ftruncate64"},
    {.name = "futex"},
    {.name = "futex_time64"},
    {.name = "futex_waitv"},
    {.name = "futimesat"},
    {.name = "get_robust_list"},
    {.name = "get_thread_area"},
    {.name = "getcpu"},
    {.name = "getcwd"},
    {.name = "getdents"},
    {.name = "getdents64"},
    {.name = "getegid"},
    {.name = "getegid32"},
    {.name = "geteuid"},
    {.name = "geteuid32"},
    {.name = "getgid"},
    {.name = "getgid32"},
    {.name = "getgroups"},
    {.name = "getgroups32"},
    {.name = "getitimer"},
    {.name = "getpeername"},
    {.name = "getpgid"},
    {.name = "getpgrp"},
    {.name = "getpid"},
    {.name = "getppid"},
    {.name = "getpriority"},
    {.name = "getrandom"},
    {.name = "getresgid"},
    {.name = "getresgid32"},
    {.name = "getresuid"},
    {.name = "getresuid32"},
    {.name = "getrlimit"},
    {.name = "getrusage"},
    {.name = "getsid"},
    {.name = "getsockname"},
    {.name = "getsockopt"},
    {.name = "gettid"},
    {.name = "gettimeofday"},
    {.name = "getuid"},
    {.name = "getuid32"},
    {.name = "getxattr"},
    {.name = "inotify_add_watch"},
    {.name = "inotify_init"},
    {.name = "inotify_init1"},
    {.name = "inotify_rm_watch"},
    {.name = "io_cancel"}, /* the old asynchronous I/O (aio), not io_uring */
    {.name = "io_destroy"},
    {.name = "io_getevents"},
    {.name = "io_pgetevents"},
    {.name = "io_pgetevents_time64"},
    {.name = "io_setup"},
    {.name = "io_submit"},
    {.name = "ioctl"},
    {.name = "ioprio_get"},
    {.name = "ioprio_set"},
    {.name = "ipc"},
    {.name = "kill"},
    {.name = "landlock_add_rule"},
    {.name = "landlock_create_ruleset"},
    {.name = "landlock_restrict_self"},
    {.name = "lchown"},
    {.name = "lchown32"},
    {.name = "lgetxattr"},
    {.name = "link"},
    {.name = "linkat"},
    {.name = "listen"},
    {.name = "listxattr"},
    {.name = "llistxattr"},
    {.name = "_llseek"},
    {.name = "lremovexattr"},
    {.name = "lseek"},
    {.name = "lsetxattr"},
    {.name = "lstat"},
    {.name = "lstat64"},
    {.name = "madvise"},
    {.name = "membarrier"},
    {.name = "memfd_create"},
    {.name = "memfd_secret"},
    {.name = "mincore"},
    {.name = "mkdir"},
    {.name = "mkdirat"},
    {.name = "mknod"}, /* device nodes need CAP_MKNOD, and the device cgroup still decides */
    {.name = "mknodat"},
    {.name = "mlock"},
    {.name = "mlock2"},
    {.name = "mlockall"},
    {.name = "mmap"},
    {.name = "mmap2"},
    {.name = "mprotect"},
    {.name = "mq_getsetattr"},
    {.name = "mq_notify"},
    {.name = "mq_open"},
    {.name = "mq_timedreceive"},
    {.name = "mq_timedreceive_time64"},
    {.name = "mq_timedsend"},
    {.name = "mq_timedsend_time64"},
    {.name = "mq_unlink"},
    {.name = "mremap"},
    {.name = "msgctl"},
    {.name = "msgget"},
    {.name = "msgrcv"},
    {.name = "msgsnd"},
    {.name = "msync"},
    {.name = "munlock"},
    {.name = "munlockall"},
    {.name = "munmap"},
    {.name = "name_to_handle_at"},
    {.name = "nanosleep"},
    {.name = "newfstatat"},
    {.name = "_newselect"},
    {.name = "open"},
    {.name = "openat"},
    {.name = "openat2"},
    {.name = "pause"},
    {.name = "personality", .kind = RULE_PERSONALITY},
    {.name = "pidfd_open"},
    {.name = "pidfd_send_signal"},
    {.name = "pipe"},
    {.name = "pipe2"},
    {.name = "pkey_alloc"},
    {.name = "pkey_free"},
    {.name = "pkey_mprotect"},
    {.name = "poll"},
    {.name = "ppoll"},
    {.name = "ppoll_time64"},
    {.name = "prctl"},
    {.name = "pread64"},
    {.name = "preadv"},
    {.name = "preadv2"},
    {.name = "prlimit64"},
    {.name = "process_mrelease"},
    {.name = "pselect6"},
    {.name = "pselect6_time64"},
    {.name = "pwrite64"},
    {.name = "pwritev"},
    {.name = "pwritev2"},
    {.name = "read"},
    {.name = "readahead"},
    {.name = "readlink"},
    {.name = "readlinkat"},
    {.name = "readv"},
    {.name = "recv"},
    {.name = "recvfrom"},
    {.name = "recvmmsg"},
    {.name = "recvmmsg_time64"},
    {.name = "recvmsg"},
    {.name = "remap_file_pages"},
    {.name = "removexattr"},
    {.name = "rename"},
    {.name = "renameat"},
    {.name = "renameat2"},
    {.name = "restart_syscall"},
    {.name = "rmdir"},
    {.name = "rseq"},
    {.name = "rt_sigaction"},
    {.name = "rt_sigpending"},
    {.name = "rt_sigprocmask"},
    {.name = "rt_sigqueueinfo"},
    {.name = "rt_sigreturn"},
    {.name = "rt_sigsuspend"},
    {.name = "rt_sigtimedwait"},
    {.name = "rt_sigtimedwait_time64"},
    {.name = "rt_tgsigqueueinfo"},
    {.name = "sched_get_priority_max"},
    {.name = "sched_get_priority_min"},
    {.name = "sched_getaffinity"},
    {.name = "sched_getattr"},
    {.name = "sched_getparam"},
    {.name = "sched_getscheduler"},
    {.name = "sched_rr_get_interval"},
    {.name = "sched_rr_get_interval_time64"},
    {.name = "sched_setaffinity"},
    {.name = "sched_setattr"},
    {.name = "sched_setparam"},
    {.name = "sched_setscheduler"},
    {.name = "sched_yield"},
    {.name = "seccomp"}, /* adding filters only narrows: a filter can never be removed */
    {.name = "select"},
    {.name = "semctl"},
    {.name = "semget"},
    {.name = "semop"},
    {.name = "semtimedop"},
    {.name = "semtimedop_time64"},
    {.name = "send"},
    {.name = "sendfile"},
    {.name = "sendfile64"},
    {.name = "sendmmsg"},
    {.name = "sendmsg"},
    {.name = "sendto"},
    {.name = "set_robust_list"},
    {.name = "set_thread_area"},
    {.name = "set_tid_address"},
    {.name = "setfsgid"},
    {.name = "setfsgid32"},
    {.name = "setfsuid"},
    {.name = "setfsuid32"},
    {.name = "setgid"},
    {.name = "setgid32"},
    {.name = "setgroups"},
    {.name = "setgroups32"},
    {.name = "setitimer"},
    {.name = "setpgid"},
    {.name = "setpriority"},
    {.name = "setregid"},
    {.name = "setregid32"},
    {.name = "setresgid"},
    {.name = "setresgid32"},
    {.name = "setresuid"},
    {.name = "setresuid32"},
    {.name = "setreuid"},
    {.name = "setreuid32"},
    {.name = "setrlimit"},
    {.name = "setsid"},
    {.name = "setsockopt"},
    {.name = "setuid"},
    {.name = "setuid32"},
    {.name = "setxattr"},
    {.name = "shmat"},
    {.name = "shmctl"},
    {.name = "shmdt"},
    {.name = "shmget"},
    {.name = "shutdown"},
    {.name = "sigaltstack"},
    {.name = "signalfd"},
    {.name = "signalfd4"},
    {.name = "sigprocmask"},
    {.name = "sigreturn"},
    {.name = "socket", .kind = RULE_SOCKET},
    {.name = "socketpair"},
    {.name = "splice"},
    {.name = "stat"},
    {.name = "stat64"},
    {.name = "statfs"},
    {.name = "statfs64"},
    {.name = "statx"},
    {.name = "symlink"},
    {.name = "symlinkat"},
    {.name = "sync"},
    {.name = "sync_file_range"},
    {.name = "syncfs"},
    {.name = "sysinfo"},
    {.name = "tee"},
    {.name = "tgkill"},
    {.name = "time"},
    {.name = "timer_create"},
    {.name = "timer_delete"},
    {.name = "timer_getoverrun"},
    {.name = "timer_gettime"},
    {.name = "timer_gettime64"},
    {.name = "timer_settime"},
    {.name = "timer_settime64"},
    {.name = "timerfd_create"},
    {.name = "timerfd_gettime"},
    {.name = "timerfd_gettime64"},
    {.name = "timerfd_settime"},
    {.name = "timerfd_settime64"},
    {.name = "times"},
    {.name = "tkill"},
    {.name = "truncate"},
    {.name = "truncate64"},
    {.name = "ugetrlimit"},
    {.name = "umask"},
    {.name = "uname"},
    {.name = "unlink"},
    {.name = "unlinkat"},
    {.name = "utime"},
    {.name = "utimensat"},
    {.name = "utimensat_time64"},
    {.name = "utimes"},
    {.name = "vfork"},
    {.name = "vmsplice"},
    {.name = "wait4"},
    {.name = "waitid"},
    {.name = "waitpid"},
    {.name = "write"},
    {.name = "writev"},

    /* Guarded by a capability: allowed only when the workload keeps one of these. */
    /* "shocker" (2014): opens any inode of the file system by number, outside the rootfs */
    {.name = "open_by_handle_at", .caps = CAPBIT(CAP_DAC_READ_SEARCH)},
    /* programs that run inside the kernel */
    {.name = "bpf", .caps = CAPBIT(CAP_SYS_ADMIN) | CAPBIT(CAP_BPF)},
    /* with namespace flags too: these rows win over the conditional ones above */
    {.name = "clone", .caps = CAPBIT(CAP_SYS_ADMIN)},
    {.name = "clone3", .caps = CAPBIT(CAP_SYS_ADMIN)},
    {.name = "fanotify_init", .caps = CAPBIT(CAP_SYS_ADMIN)},
    /* the new mount API (fsopen, fsconfig, fsmount, ...) and the old one */
    {.name = "fsconfig", .caps = CAPBIT(CAP_SYS_ADMIN)},
    {.name = "fsmount", .caps = CAPBIT(CAP_SYS_ADMIN)},
    {.name = "fsopen", .caps = CAPBIT(CAP_SYS_ADMIN)},
    {.name = "fspick", .caps = CAPBIT(CAP_SYS_ADMIN)},
    {.name = "lookup_dcookie", .caps = CAPBIT(CAP_SYS_ADMIN)},
    /* mount: remount /sys or / read-write, mount the host's disk */
    {.name = "mount", .caps = CAPBIT(CAP_SYS_ADMIN)},
    {.name = "mount_setattr", .caps = CAPBIT(CAP_SYS_ADMIN)},
    {.name = "move_mount", .caps = CAPBIT(CAP_SYS_ADMIN)},
    {.name = "open_tree", .caps = CAPBIT(CAP_SYS_ADMIN)},
    {.name = "perf_event_open", .caps = CAPBIT(CAP_SYS_ADMIN) | CAPBIT(CAP_PERFMON)},
    {.name = "pivot_root", .caps = CAPBIT(CAP_SYS_ADMIN)},
    {.name = "quotactl", .caps = CAPBIT(CAP_SYS_ADMIN)},
    {.name = "quotactl_fd", .caps = CAPBIT(CAP_SYS_ADMIN)},
    {.name = "setdomainname", .caps = CAPBIT(CAP_SYS_ADMIN)},
    {.name = "sethostname", .caps = CAPBIT(CAP_SYS_ADMIN)},
    /* setns: join another namespace, the host's among them */
    {.name = "setns", .caps = CAPBIT(CAP_SYS_ADMIN)},
    /* syslog: the kernel log, with kernel addresses in it */
    {.name = "syslog", .caps = CAPBIT(CAP_SYS_ADMIN) | CAPBIT(CAP_SYSLOG)},
    {.name = "umount", .caps = CAPBIT(CAP_SYS_ADMIN)},
    {.name = "umount2", .caps = CAPBIT(CAP_SYS_ADMIN)},
    /* unshare: new namespaces; a new user namespace holds every capability inside */
    {.name = "unshare", .caps = CAPBIT(CAP_SYS_ADMIN)},
    {.name = "reboot", .caps = CAPBIT(CAP_SYS_BOOT)},
    {.name = "chroot", .caps = CAPBIT(CAP_SYS_CHROOT)},
    /* kernel modules: code into the kernel */
    {.name = "delete_module", .caps = CAPBIT(CAP_SYS_MODULE)},
    {.name = "finit_module", .caps = CAPBIT(CAP_SYS_MODULE)},
    {.name = "init_module", .caps = CAPBIT(CAP_SYS_MODULE)},
    {.name = "acct", .caps = CAPBIT(CAP_SYS_PACCT)},
    /* reading and writing other processes (before kernel 4.8 ptrace could also skip seccomp) */
    {.name = "kcmp", .caps = CAPBIT(CAP_SYS_PTRACE)},
    {.name = "pidfd_getfd", .caps = CAPBIT(CAP_SYS_PTRACE)},
    {.name = "process_madvise", .caps = CAPBIT(CAP_SYS_PTRACE)},
    {.name = "process_vm_readv", .caps = CAPBIT(CAP_SYS_PTRACE)},
    {.name = "process_vm_writev", .caps = CAPBIT(CAP_SYS_PTRACE)},
    {.name = "ptrace", .caps = CAPBIT(CAP_SYS_PTRACE)},
    /* I/O ports: the hardware itself */
    {.name = "ioperm", .caps = CAPBIT(CAP_SYS_RAWIO)},
    {.name = "iopl", .caps = CAPBIT(CAP_SYS_RAWIO)},
    /* the clock is not namespaced: setting it sets the host's */
    {.name = "clock_settime", .caps = CAPBIT(CAP_SYS_TIME)},
    {.name = "clock_settime64", .caps = CAPBIT(CAP_SYS_TIME)},
    {.name = "settimeofday", .caps = CAPBIT(CAP_SYS_TIME)},
    {.name = "stime", .caps = CAPBIT(CAP_SYS_TIME)},
    {.name = "vhangup", .caps = CAPBIT(CAP_SYS_TTY_CONFIG)},
    /* NUMA memory placement */
    {.name = "get_mempolicy", .caps = CAPBIT(CAP_SYS_NICE)},
    {.name = "mbind", .caps = CAPBIT(CAP_SYS_NICE)},
    {.name = "set_mempolicy", .caps = CAPBIT(CAP_SYS_NICE)},
    {.name = "set_mempolicy_home_node", .caps = CAPBIT(CAP_SYS_NICE)},
};
#define N_ALLOW (sizeof(allowlist) / sizeof(allowlist[0]))

/* The namespace flags of clone(2): CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS |
 * CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET = 0x7e020000. */
#define CLONE_NS_FLAGS                                                                             \
	(CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER |             \
	 CLONE_NEWPID | CLONE_NEWNET)

/* The personalities Docker allows (personality(2)): PER_LINUX, UNAME26 (an old kernel
 * version for old programs), ADDR_NO_RANDOMIZE (setarch -R) with either, and 0xffffffff, which
 * only asks for the current one. Others (READ_IMPLIES_EXEC, ...) weaken protections. */
static GIVEN const unsigned long personalities[] = {0x0, 0x8, 0x20000, 0x20008, 0xffffffff};

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif
#ifndef AF_ALG
#define AF_ALG 38
#endif

uint64_t seccomp_caps(const struct hako_config *cfg)
{
	return cfg->caps_set ? cfg->caps : SECCOMP_DOCKER_CAPS;
}

/* Allow the system call NR when its arguments pass ROW's condition. 0 or a negative errno. */
static GIVEN int add_conditional(scmp_filter_ctx ctx, int nr, const struct allow_row *row)
{
	/// TODO(10): Add the rule(s) for a row whose kind is not RULE_ALLOW, each one through
	/// seccomp_rule_add(3) with the comparisons the kind needs (SCMP_A0(...): argument 0):
	///   RULE_CLONE        allow when (flags & CLONE_NS_FLAGS) == 0: a masked comparison
	///   RULE_CLONE3       fail with ENOSYS, not EPERM: glibc then falls back to clone, whose
	///                     flags the filter can read (clone3 passes them in memory)
	///   RULE_PERSONALITY  allow each value of personalities[] (one rule per value)
	///   RULE_SOCKET       allow every family (argument 0) except AF_VSOCK and AF_ALG
	/// Rules for one system call are OR-ed; the comparisons inside one rule are AND-ed, and
	/// libseccomp takes at most one comparison per argument in a rule. Returns 0 or the
	/// negative errno libseccomp returned. README: "Looking at arguments".
	return -ENOSYS;
}

/* The default filter for a workload that keeps the capabilities CAPS, in a new *OUT. */
static int filter_default(uint64_t caps, scmp_filter_ctx *out)
{
	/// TODO(10): Build Docker's default filter, a new libseccomp filter: every call fails with EPERM
	/// unless the allowlist says otherwise (seccomp_init(3)), for the three x86 ABIs a
	/// process can call the kernel through: x86_64, i386 (`int 0x80`, even in a 64-bit
	/// program) and x32 (seccomp_arch_add(3): an architecture the filter does not list gets
	/// the "bad architecture" action, which kills). Then one pass over allowlist[]: skip a
	/// row whose caps the workload has none of, turn its name into a number
	/// (seccomp_syscall_resolve_name(3); skip __NR_SCMP_ERROR, a name this libseccomp does not
	/// know) and add an allow rule, or add_conditional() for the other kinds. A clone or
	/// clone3 row that a capability allows outright replaces the conditional one: check the
	/// capability rows of a name before its conditional row. On failure return the negative
	/// errno and leave *OUT alone. README: "The default filter", "Three doors into the kernel".
	return -ENOSYS;
}

/* Compile CTX to classic BPF into PROG (its filter malloc'd). libseccomp writes the program
 * to a file descriptor (seccomp_export_bpf); a memfd keeps it in memory. */
static GIVEN int filter_compile(scmp_filter_ctx ctx, struct sock_fprog *prog)
{
	struct stat st;
	void *buf = NULL;
	int fd, err = 0;

	/* A binary tree of system call numbers instead of one long chain of comparisons: the
	 * kernel runs the filter on every call (and once per number when it loads it, to note
	 * the calls it always allows), so fewer instructions per call matter more than size. */
	if ((err = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2)) < 0)
		return err;
	fd = memfd_create("hako-seccomp", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if ((err = seccomp_export_bpf(ctx, fd)) < 0)
		goto out;
	if (fstat(fd, &st) < 0) {
		err = -errno;
		goto out;
	}
	if (st.st_size == 0 || st.st_size % sizeof(struct sock_filter) ||
	    st.st_size / sizeof(struct sock_filter) > BPF_MAXINSNS) {
		err = -E2BIG; /* the kernel takes at most 4096 instructions */
		goto out;
	}
	buf = malloc((size_t)st.st_size);
	if (!buf) {
		err = -ENOMEM;
		goto out;
	}
	if (pread(fd, buf, (size_t)st.st_size, 0) != st.st_size) {
		err = errno ? -errno : -EIO;
		free(buf);
		goto out;
	}
	prog->filter = buf;
	prog->len = (unsigned short)(st.st_size / sizeof(struct sock_filter));
out:
	close(fd);
	return err;
}

/*
 * A cache of the compiled default filter. libseccomp needs 20 to 40 ms to build and compile
 * the default filter for three ABIs (`make bench` measured it: more than half of a whole
 * container start, where the floor is a few ms). The program depends only on the code that
 * built it and the capabilities, so hako keeps the last one it compiled in a file next to
 * its own executable, DIR/.NAME-seccomp.bpf:
 *
 *   struct cache_stamp   which executable (device, inode, size, modification time of
 *                        /proc/self/exe), libseccomp's version and the capabilities
 *   struct sock_filter[] the program, stamp.len instructions
 *
 * A rebuilt hako has a new stamp and never reads an old program. The file is trusted only
 * if it is a regular file of this user that nobody else may write (as the executable next to
 * it). HAKO_SECCOMP_CACHE=0 turns the cache off. Any problem with it is not an error: hako
 * then compiles, as without a cache.
 */
struct cache_stamp {
	char magic[8]; /* "HAKOBPF1" */
	uint64_t dev, ino, size, mtime_sec, mtime_nsec;
	uint32_t libseccomp[3];
	uint64_t caps;
	uint32_t len;
	uint32_t zero;
};

/* The cache file's path and the stamp a valid one must carry; -1 if there is no cache. */
static int cache_where(uint64_t caps, char *path, size_t len, struct cache_stamp *stamp)
{
	const struct scmp_version *v = seccomp_version();
	const char *off = getenv("HAKO_SECCOMP_CACHE");
	char exe[PATH_MAX];
	struct stat st;
	ssize_t n;

	if ((off && strcmp(off, "0") == 0) || !v)
		return -1;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0 || stat("/proc/self/exe", &st) < 0)
		return -1;
	exe[n] = '\0';
	char *slash = strrchr(exe, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	if (snprintf(path, len, "%s/.%s-seccomp.bpf", exe, slash + 1) >= (int)len)
		return -1;
	*stamp = (struct cache_stamp){
	    .magic = "HAKOBPF1",
	    .dev = st.st_dev,
	    .ino = st.st_ino,
	    .size = (uint64_t)st.st_size,
	    .mtime_sec = (uint64_t)st.st_mtim.tv_sec,
	    .mtime_nsec = (uint64_t)st.st_mtim.tv_nsec,
	    .libseccomp = {v->major, v->minor, v->micro},
	    .caps = caps,
	};
	return 0;
}

/* Read the program for CAPS from the cache into PROG: 0, or -1 if there is none. */
static int cache_load(uint64_t caps, struct sock_fprog *prog)
{
	struct cache_stamp want, got;
	char path[PATH_MAX];
	struct stat st;
	void *buf = NULL;
	int fd;

	if (cache_where(caps, path, sizeof(path), &want) < 0)
		return -1;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 022) || read(fd, &got, sizeof(got)) != (ssize_t)sizeof(got))
		goto bad;
	want.len = got.len;
	if (memcmp(&want, &got, sizeof(got)) != 0 || got.len == 0 || got.len > BPF_MAXINSNS ||
	    st.st_size != (off_t)(sizeof(got) + got.len * sizeof(struct sock_filter)))
		goto bad;
	buf = malloc(got.len * sizeof(struct sock_filter));
	if (!buf || read(fd, buf, got.len * sizeof(struct sock_filter)) !=
	                (ssize_t)(got.len * sizeof(struct sock_filter)))
		goto bad;
	close(fd);
	prog->filter = buf;
	prog->len = (unsigned short)got.len;
	return 0;
bad:
	free(buf);
	close(fd);
	return -1;
}

/* Keep PROG, the program for CAPS, in the cache (written to a new file, then renamed over
 * the old one, so a reader never sees half a file). */
static void cache_store(uint64_t caps, const struct sock_fprog *prog)
{
	struct cache_stamp stamp;
	char path[PATH_MAX], tmp[PATH_MAX + 32];
	size_t size = prog->len * sizeof(struct sock_filter);
	int fd;

	if (cache_where(caps, path, sizeof(path), &stamp) < 0)
		return;
	stamp.len = prog->len;
	snprintf(tmp, sizeof(tmp), "%s.%d", path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	if (write(fd, &stamp, sizeof(stamp)) != (ssize_t)sizeof(stamp) ||
	    write(fd, prog->filter, size) != (ssize_t)size || close(fd) < 0 ||
	    rename(tmp, path) < 0)
		unlink(tmp);
}

/* The default filter for CAPS, compiled into PROG: from the cache, or built and stored. */
static GIVEN int default_program(uint64_t caps, struct sock_fprog *prog)
{
	scmp_filter_ctx ctx = NULL;
	int err;

	if (cache_load(caps, prog) == 0)
		return 0;
	if ((err = filter_default(caps, &ctx)) < 0)
		return err;
	err = filter_compile(ctx, prog);
	seccomp_release(ctx);
	if (err == 0)
		cache_store(caps, prog);
	return err;
}

int seccomp_build(const struct hako_config *cfg, struct sock_fprog *prog)
{
	prog->filter = NULL;
	prog->len = 0;
	/// TODO(10): Choose the filter CFG asks for, as `docker run` does: none at all for
	/// --privileged or `--security-opt seccomp=unconfined` (return 0 and leave PROG empty);
	/// the JSON profile at cfg->seccomp when it names one (seccomp_profile_load, then
	/// filter_compile into PROG, then release the libseccomp filter); the default filter
	/// otherwise (default_program builds it with your filter_default and compiles it, through
	/// a cache). Either filter is for the capabilities seccomp_caps(cfg) gives. Returns 0 or
	/// a negative errno (the failing step's). README: "Choosing the filter".
	return -ENOSYS;
}

void seccomp_free(struct sock_fprog *prog)
{
	free(prog->filter);
	prog->filter = NULL;
	prog->len = 0;
}

int seccomp_enter(const struct sock_fprog *prog)
{
	if (prog->len == 0)
		return 0; /* no filter asked for */
	/// TODO(10): Install PROG on this process, for good: it and every process it starts
	/// will run under it, and no call removes it. First set no_new_privs (prctl(2),
	/// PR_SET_NO_NEW_PRIVS): without CAP_SYS_ADMIN the kernel refuses a filter otherwise,
	/// since a setuid program would run under a filter its author never expected. Then
	/// seccomp(2) with SECCOMP_SET_MODE_FILTER (glibc has no wrapper: syscall(2) with
	/// SYS_seccomp). 0, or -errno of the call that failed. README: "Loading it last".
	return -ENOSYS;
}
