/* test_seccomp.c: graded tests for lesson 10 — the seccomp filter: Docker's default allowlist,
 * its argument conditions, the three x86 ABIs, JSON profiles, and loading it last. */
#include "hako_test.h"
#include "hako.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * Two kinds of tests.
 *
 * The filter's decisions are checked without making a single call: seccomp_build() gives the
 * classic BPF program that the kernel would run, and bpf_run() below runs it the way the
 * kernel does, over a struct seccomp_data (system call number, architecture, arguments) made
 * up by the test. That is how each run checks a random pick from this file's own tables
 * (which calls must run, which must fail, which a capability opens), random clone flags,
 * random socket families, random capability sets, on every ABI, quickly and harmlessly.
 * (Loading the program with SO_ATTACH_FILTER on a socket would not do: socket filters see
 * packets, not a seccomp_data, and cannot say ERRNO or KILL.)
 *
 * The rest run `hako run` on a busybox root filesystem with scprobe (prog/scprobe.c) in it,
 * which makes each call for real and prints what came back: "keyctl=EPERM".
 */

#define WAIT_MS 30000

/* ---- A classic BPF interpreter, as the kernel runs a seccomp filter ---- */

/* Run the program F (N instructions) over D; returns what it returns (SECCOMP_RET_*). The
 * kernel checks a seccomp program before it takes it: only forward jumps, every load inside
 * struct seccomp_data and 4-byte aligned, ending in a return. Breaking a rule fails the test. */
static uint32_t bpf_run(const struct sock_filter *f, size_t n, const struct seccomp_data *d)
{
	uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = {0};

	for (size_t pc = 0; pc < n; pc++) {
		const struct sock_filter *i = &f[pc];
		uint32_t src = BPF_SRC(i->code) == BPF_X ? x : i->k;

		switch (BPF_CLASS(i->code)) {
		case BPF_LD:
			if (BPF_MODE(i->code) == BPF_ABS && BPF_SIZE(i->code) == BPF_W) {
				check_that(
				    i->k % 4 == 0 && i->k + 4 <= sizeof(*d),
				    "BPF instruction %zu loads offset %u: outside seccomp_data", pc,
				    i->k);
				memcpy(&a, (const char *)d + i->k, 4);
			} else if (BPF_MODE(i->code) == BPF_IMM) {
				a = i->k;
			} else if (BPF_MODE(i->code) == BPF_MEM && i->k < BPF_MEMWORDS) {
				a = mem[i->k];
			} else if (BPF_MODE(i->code) == BPF_LEN) {
				a = sizeof(*d);
			} else {
				fail_msg("BPF instruction %zu: load 0x%x is not allowed in seccomp",
				         pc, i->code);
			}
			break;
		case BPF_LDX:
			if (BPF_MODE(i->code) == BPF_IMM)
				x = i->k;
			else if (BPF_MODE(i->code) == BPF_MEM && i->k < BPF_MEMWORDS)
				x = mem[i->k];
			else if (BPF_MODE(i->code) == BPF_LEN)
				x = sizeof(*d);
			else
				fail_msg("BPF instruction %zu: ldx 0x%x", pc, i->code);
			break;
		case BPF_ST:
		case BPF_STX:
			check_that(i->k < BPF_MEMWORDS, "BPF instruction %zu: store to M[%u]", pc,
			           i->k);
			mem[i->k] = BPF_CLASS(i->code) == BPF_ST ? a : x;
			break;
		case BPF_ALU:
			switch (BPF_OP(i->code)) {
			case BPF_ADD:
				a += src;
				break;
			case BPF_SUB:
				a -= src;
				break;
			case BPF_MUL:
				a *= src;
				break;
			case BPF_DIV:
				check_that(src != 0, "BPF instruction %zu divides by 0", pc);
				a /= src;
				break;
			case BPF_MOD:
				check_that(src != 0, "BPF instruction %zu divides by 0", pc);
				a %= src;
				break;
			case BPF_OR:
				a |= src;
				break;
			case BPF_AND:
				a &= src;
				break;
			case BPF_XOR:
				a ^= src;
				break;
			case BPF_LSH:
				a = src < 32 ? a << src : 0;
				break;
			case BPF_RSH:
				a = src < 32 ? a >> src : 0;
				break;
			case BPF_NEG:
				a = -a;
				break;
			default:
				fail_msg("BPF instruction %zu: alu 0x%x", pc, i->code);
			}
			break;
		case BPF_JMP: {
			size_t off;
			if (BPF_OP(i->code) == BPF_JA) {
				off = i->k;
			} else {
				bool t = false;
				switch (BPF_OP(i->code)) {
				case BPF_JEQ:
					t = a == src;
					break;
				case BPF_JGT:
					t = a > src;
					break;
				case BPF_JGE:
					t = a >= src;
					break;
				case BPF_JSET:
					t = (a & src) != 0;
					break;
				default:
					fail_msg("BPF instruction %zu: jump 0x%x", pc, i->code);
				}
				off = t ? i->jt : i->jf;
			}
			check_that(pc + off + 1 < n, "BPF instruction %zu jumps past the end", pc);
			pc += off;
			break;
		}
		case BPF_RET:
			return BPF_RVAL(i->code) == BPF_K ? i->k : a;
		case BPF_MISC:
			if (BPF_MISCOP(i->code) == BPF_TAX)
				x = a;
			else
				a = x;
			break;
		}
	}
	fail_msg("the BPF program runs off its end without a return");
	return SECCOMP_RET_KILL_PROCESS; /* not reached: fail_msg ends the test */
}

/* ---- What the filter must decide: this file's own tables ---- */

#define CAPBIT(c)   (1ULL << (c))
#define DOCKER_CAPS 0xa80425fbULL /* Docker's 14 default capabilities */

/* Calls every container needs (a sample of Docker's allowlist). */
static const char *const must_allow[] = {
    "read",
    "write",
    "openat",
    "close",
    "fstat",
    "newfstatat",
    "mmap",
    "mprotect",
    "munmap",
    "brk",
    "rt_sigaction",
    "rt_sigreturn",
    "rt_sigprocmask",
    "ioctl",
    "pread64",
    "readv",
    "writev",
    "access",
    "pipe2",
    "select",
    "sched_yield",
    "mremap",
    "madvise",
    "dup2",
    "dup3",
    "nanosleep",
    "getpid",
    "sendfile",
    "connect",
    "accept4",
    "sendto",
    "recvfrom",
    "sendmsg",
    "recvmsg",
    "shutdown",
    "bind",
    "listen",
    "socketpair",
    "setsockopt",
    "getsockopt",
    "fork",
    "vfork",
    "execve",
    "execveat",
    "exit",
    "exit_group",
    "wait4",
    "waitid",
    "kill",
    "tgkill",
    "uname",
    "fcntl",
    "flock",
    "fsync",
    "ftruncate",
    "getdents64",
    "getcwd",
    "chdir",
    "fchdir",
    "rename",
    "renameat2",
    "mkdir",
    "mkdirat",
    "rmdir",
    "unlinkat",
    "linkat",
    "symlinkat",
    "readlinkat",
    "fchmodat",
    "fchownat",
    "umask",
    "gettimeofday",
    "clock_gettime",
    "getrlimit",
    "prlimit64",
    "getuid",
    "geteuid",
    "setuid",
    "setgid",
    "setresuid",
    "setgroups",
    "getppid",
    "setsid",
    "setpgid",
    "capget",
    "capset",
    "sigaltstack",
    "statfs",
    "statx",
    "prctl",
    "arch_prctl",
    "gettid",
    "futex",
    "set_tid_address",
    "set_robust_list",
    "epoll_create1",
    "epoll_ctl",
    "epoll_pwait",
    "eventfd2",
    "timerfd_create",
    "signalfd4",
    "inotify_init1",
    "getrandom",
    "memfd_create",
    "rseq",
    "clock_nanosleep",
    "poll",
    "ppoll",
    "pselect6",
    "lseek",
    "mknodat",
    "chown",
    "fchown",
    "utimensat",
    "seccomp",
    "shmget",
    "semget",
    "msgget",
    "mq_open",
    "sched_getaffinity",
    "chroot", /* CAP_SYS_CHROOT is one of Docker's default capabilities */
};

/* Calls no container gets, whatever its capabilities (short of --privileged). */
static const char *const must_deny[] = {
    "keyctl",          "add_key",        "request_key",    "userfaultfd",       "kexec_load",
    "kexec_file_load", "io_uring_setup", "io_uring_enter", "io_uring_register", "swapon",
    "swapoff",         "_sysctl",        "create_module",  "get_kernel_syms",   "query_module",
    "uselib",          "sysfs",          "nfsservctl",     "afs_syscall",       "tuxcall",
    "security",        "vserver",        "putpmsg",        "getpmsg",
};

/* Calls a capability guards: allowed exactly when the workload keeps one of CAPS. */
static const struct gated {
	const char *name;
	uint64_t caps;
} gated[] = {
    {"mount", CAPBIT(CAP_SYS_ADMIN)},
    {"umount2", CAPBIT(CAP_SYS_ADMIN)},
    {"unshare", CAPBIT(CAP_SYS_ADMIN)},
    {"setns", CAPBIT(CAP_SYS_ADMIN)},
    {"sethostname", CAPBIT(CAP_SYS_ADMIN)},
    {"setdomainname", CAPBIT(CAP_SYS_ADMIN)},
    {"pivot_root", CAPBIT(CAP_SYS_ADMIN)},
    {"fsopen", CAPBIT(CAP_SYS_ADMIN)},
    {"open_tree", CAPBIT(CAP_SYS_ADMIN)},
    {"move_mount", CAPBIT(CAP_SYS_ADMIN)},
    {"quotactl", CAPBIT(CAP_SYS_ADMIN)},
    {"fanotify_init", CAPBIT(CAP_SYS_ADMIN)},
    {"bpf", CAPBIT(CAP_SYS_ADMIN) | CAPBIT(CAP_BPF)},
    {"perf_event_open", CAPBIT(CAP_SYS_ADMIN) | CAPBIT(CAP_PERFMON)},
    {"syslog", CAPBIT(CAP_SYS_ADMIN) | CAPBIT(CAP_SYSLOG)},
    {"open_by_handle_at", CAPBIT(CAP_DAC_READ_SEARCH)},
    {"reboot", CAPBIT(CAP_SYS_BOOT)},
    {"init_module", CAPBIT(CAP_SYS_MODULE)},
    {"finit_module", CAPBIT(CAP_SYS_MODULE)},
    {"delete_module", CAPBIT(CAP_SYS_MODULE)},
    {"acct", CAPBIT(CAP_SYS_PACCT)},
    {"ptrace", CAPBIT(CAP_SYS_PTRACE)},
    {"process_vm_readv", CAPBIT(CAP_SYS_PTRACE)},
    {"process_vm_writev", CAPBIT(CAP_SYS_PTRACE)},
    {"kcmp", CAPBIT(CAP_SYS_PTRACE)},
    {"iopl", CAPBIT(CAP_SYS_RAWIO)},
    {"ioperm", CAPBIT(CAP_SYS_RAWIO)},
    {"settimeofday", CAPBIT(CAP_SYS_TIME)},
    {"clock_settime", CAPBIT(CAP_SYS_TIME)},
    {"vhangup", CAPBIT(CAP_SYS_TTY_CONFIG)},
    {"mbind", CAPBIT(CAP_SYS_NICE)},
    {"set_mempolicy", CAPBIT(CAP_SYS_NICE)},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define NS_FLAGS                                                                                   \
	(CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER |             \
	 CLONE_NEWPID | CLONE_NEWNET)

/* The three doors: how seccomp_data describes a call through each. */
enum abi { ABI_X86_64, ABI_I386, ABI_X32 };
static const char *const abi_names[] = {"x86_64", "i386", "x32"};

/* A filter built by the code under test, for a workload keeping CAPS (or as CFG says). */
struct filter {
	struct sock_fprog prog;
};

static void filter_build_cfg(struct filter *f, const struct hako_config *cfg)
{
	int err = seccomp_build(cfg, &f->prog);

	check_int(err, 0, "seccomp_build()");
	check_that(f->prog.len > 0 && f->prog.filter != NULL,
	           "seccomp_build() returned 0 but no program (len %u): the default filter "
	           "must not be empty",
	           f->prog.len);
}

static void filter_build(struct filter *f, uint64_t caps)
{
	struct hako_config cfg = {.caps = caps, .caps_set = true};

	filter_build_cfg(f, &cfg);
}

/* The decision of F for NAME on ABI with arguments ARGS (NULL: random ones). Returns
 * UINT32_MAX when NAME does not exist on ABI. */
static uint32_t decide(const struct filter *f, enum abi abi, const char *name, const uint64_t *args)
{
	struct seccomp_data d = {0};
	uint32_t arch = abi == ABI_I386  ? SCMP_ARCH_X86
	                : abi == ABI_X32 ? SCMP_ARCH_X32
	                                 : SCMP_ARCH_X86_64;
	int nr = seccomp_syscall_resolve_name_arch(arch, name);

	if (nr < 0)
		return UINT32_MAX;
	d.nr = nr; /* libseccomp's x32 numbers already carry __X32_SYSCALL_BIT */
	d.arch = abi == ABI_I386 ? AUDIT_ARCH_I386 : AUDIT_ARCH_X86_64;
	d.instruction_pointer = ((uint64_t)hako_rand() << 32) | hako_rand();
	for (int i = 0; i < 6; i++)
		d.args[i] = args ? args[i] : ((uint64_t)hako_rand() << 32) | hako_rand();
	return bpf_run(f->prog.filter, f->prog.len, &d);
}

static const char *action_name(uint32_t ret, char *buf, size_t len)
{
	switch (ret & SECCOMP_RET_ACTION_FULL) {
	case SECCOMP_RET_ALLOW:
		return "ALLOW";
	case SECCOMP_RET_KILL_PROCESS:
		return "KILL_PROCESS";
	case SECCOMP_RET_KILL_THREAD:
		return "KILL_THREAD";
	case SECCOMP_RET_TRAP:
		return "TRAP";
	case SECCOMP_RET_LOG:
		return "LOG";
	case SECCOMP_RET_ERRNO:
		snprintf(buf, len, "ERRNO(%s)",
		         strerrorname_np(ret & SECCOMP_RET_DATA)
		             ? strerrorname_np(ret & SECCOMP_RET_DATA)
		             : "?");
		return buf;
	}
	snprintf(buf, len, "0x%08x", ret);
	return buf;
}

/* Check that F decides WANT for NAME on ABI (with ARGS, or random arguments). */
static void expect(const struct filter *f, enum abi abi, const char *name, const uint64_t *args,
                   uint32_t want, const char *why)
{
	uint32_t got = decide(f, abi, name, args);
	char b1[32], b2[32];

	if (got == UINT32_MAX)
		return; /* the call does not exist on this ABI */
	check_that(got == want, "%s through the %s ABI%s%s: the filter says %s, expected %s", name,
	           abi_names[abi], why[0] ? " " : "", why, action_name(got, b1, sizeof(b1)),
	           action_name(want, b2, sizeof(b2)));
}

#define ALLOW SECCOMP_RET_ALLOW
#define DENY  (SECCOMP_RET_ERRNO | EPERM)

static uint64_t rand64(void)
{
	return ((uint64_t)hako_rand() << 32) | hako_rand();
}

/* A random capability set: Docker's default, plus each guarded one with chance 1/2. */
static uint64_t random_caps(void)
{
	uint64_t caps = DOCKER_CAPS;

	for (size_t i = 0; i < N(gated); i++)
		if (hako_rand() & 1)
			caps |= gated[i].caps & -gated[i].caps; /* the lowest of its caps */
	if (hako_rand() & 1)
		caps |= CAPBIT(CAP_BPF);
	if (hako_rand() % 4 == 0)
		caps |= CAPBIT(CAP_SYS_ADMIN);
	return caps;
}

/* ---- Tests of the filter's decisions, without making any call ---- */

static void test_seccomp_bpf_allowlist(void **state)
{
	/* This test checks that the default filter (Docker's capabilities) lets a random pick of
	 * the calls every program needs through, and refuses a random pick of the calls no
	 * container gets with EPERM, on x86_64, running the exported BPF over seccomp_data. */
	struct filter f;

	filter_build(&f, DOCKER_CAPS);
	for (int i = 0; i < 40; i++)
		expect(&f, ABI_X86_64, must_allow[hako_rand() % N(must_allow)], NULL, ALLOW,
		       "(a call every program needs)");
	for (int i = 0; i < 12; i++)
		expect(&f, ABI_X86_64, must_deny[hako_rand() % N(must_deny)], NULL, DENY,
		       "(never allowed: default EPERM)");
	for (int i = 0; i < 12; i++) {
		const struct gated *g = &gated[hako_rand() % N(gated)];
		expect(&f, ABI_X86_64, g->name, NULL, DENY, "(its capability is not kept)");
	}
	seccomp_free(&f.prog);
	check_that(f.prog.filter == NULL && f.prog.len == 0, "seccomp_free must empty the program");
}

static void test_seccomp_bpf_clone_flags(void **state)
{
	/* This test checks that clone is allowed exactly when its flags (argument 0) have no
	 * namespace flag, that clone3 fails with ENOSYS, for random flags, on x86_64 and i386. */
	struct filter f;
	uint64_t args[6];
	static const unsigned long ns[] = {CLONE_NEWNS,  CLONE_NEWCGROUP, CLONE_NEWUTS,
	                                   CLONE_NEWIPC, CLONE_NEWUSER,   CLONE_NEWPID,
	                                   CLONE_NEWNET};

	filter_build(&f, DOCKER_CAPS);
	for (int i = 0; i < 30; i++) {
		enum abi abi = hako_rand() & 1 ? ABI_I386 : ABI_X86_64;
		char why[96];
		for (int j = 0; j < 6; j++)
			args[j] = rand64();
		args[0] = (hako_rand() & ~(uint32_t)NS_FLAGS) | SIGCHLD;
		if (abi == ABI_I386)
			args[0] &= 0xffffffff;
		snprintf(why, sizeof(why), "with flags 0x%llx (no namespace)",
		         (unsigned long long)args[0]);
		expect(&f, abi, "clone", args, ALLOW, why);
		args[0] |= ns[hako_rand() % N(ns)];
		snprintf(why, sizeof(why), "with flags 0x%llx (a new namespace)",
		         (unsigned long long)args[0]);
		expect(&f, abi, "clone", args, DENY, why);
	}
	expect(&f, ABI_X86_64, "clone3", NULL, SECCOMP_RET_ERRNO | ENOSYS,
	       "(glibc falls back to clone on ENOSYS)");
	expect(&f, ABI_I386, "clone3", NULL, SECCOMP_RET_ERRNO | ENOSYS,
	       "(glibc falls back to clone on ENOSYS)");
	seccomp_free(&f.prog);
}

static void test_seccomp_bpf_socket_personality(void **state)
{
	/* This test checks that socket is allowed for every address family but AF_VSOCK (40)
	 * and AF_ALG (38), and personality only for Docker's five values, for random arguments. */
	struct filter f;
	uint64_t args[6];
	static const uint64_t allowed[] = {0x0, 0x8, 0x20000, 0x20008, 0xffffffff};

	filter_build(&f, DOCKER_CAPS);
	for (int i = 0; i < 30; i++) {
		char why[64];
		for (int j = 0; j < 6; j++)
			args[j] = hako_rand() % 64;
		args[0] = (uint64_t)hako_rand_range(0, 45);
		snprintf(why, sizeof(why), "with family %llu", (unsigned long long)args[0]);
		expect(&f, ABI_X86_64, "socket", args,
		       args[0] == 38 || args[0] == 40 ? DENY : ALLOW, why);
	}
	args[0] = hako_rand() & 1 ? 38 : 40;
	expect(&f, ABI_X86_64, "socket", args, DENY, args[0] == 38 ? "(AF_ALG)" : "(AF_VSOCK)");
	for (int i = 0; i < 10; i++) {
		char why[64];
		/* The first is always one of the refused (10 coin flips all saying "allowed" let a
		 * filter allowing every persona pass, 1 run in 1024). */
		bool ok = i > 0 && (hako_rand() & 1);
		args[0] = ok ? allowed[hako_rand() % N(allowed)] : hako_rand() | 0x1000000;
		snprintf(why, sizeof(why), "with persona 0x%llx", (unsigned long long)args[0]);
		expect(&f, ABI_X86_64, "personality", args, ok ? ALLOW : DENY, why);
	}
	seccomp_free(&f.prog);
}

static void test_seccomp_bpf_capabilities(void **state)
{
	/* This test checks that each capability-guarded call is allowed exactly when the
	 * workload keeps one of the capabilities that guard it (cfg->caps, from --cap-add),
	 * for a random capability set; with CAP_SYS_ADMIN, clone takes namespace flags and
	 * clone3 runs; the never-allowed calls stay refused. */
	struct filter f;
	uint64_t caps = random_caps(), args[6] = {0};

	print_message("capabilities: 0x%016llx\n", (unsigned long long)caps);
	filter_build(&f, caps);
	for (size_t i = 0; i < N(gated); i++) {
		char why[96];
		bool kept = (caps & gated[i].caps) != 0;
		snprintf(why, sizeof(why), "(the capability that guards it is %s)",
		         kept ? "kept" : "not kept");
		expect(&f, ABI_X86_64, gated[i].name, NULL, kept ? ALLOW : DENY, why);
	}
	bool admin = caps & CAPBIT(CAP_SYS_ADMIN);
	args[0] = CLONE_NEWUSER | CLONE_NEWNS | SIGCHLD;
	expect(&f, ABI_X86_64, "clone", args, admin ? ALLOW : DENY,
	       admin ? "(CAP_SYS_ADMIN kept: namespaces allowed)" : "(namespace flags)");
	expect(&f, ABI_X86_64, "clone3", NULL, admin ? ALLOW : (SECCOMP_RET_ERRNO | ENOSYS),
	       admin ? "(CAP_SYS_ADMIN kept)" : "");
	for (int i = 0; i < 5; i++)
		expect(&f, ABI_X86_64, must_deny[hako_rand() % N(must_deny)], NULL, DENY,
		       "(never allowed, whatever the capabilities)");
	seccomp_free(&f.prog);
}

static void test_seccomp_bpf_abis(void **state)
{
	/* This test checks that the filter covers the i386 and x32 ABIs with the same rules (a
	 * denied call is EPERM through `int 0x80` and through x32's numbers too, an allowed one
	 * runs), and that a call from any other architecture is killed. */
	struct filter f;
	struct seccomp_data d = {0};

	filter_build(&f, DOCKER_CAPS);
	for (int i = 0; i < 15; i++) {
		enum abi abi = hako_rand() & 1 ? ABI_I386 : ABI_X32;
		expect(&f, abi, must_allow[hako_rand() % N(must_allow)], NULL, ALLOW, "");
		expect(&f, abi, must_deny[hako_rand() % 9], NULL, DENY, "");
		expect(&f, abi, gated[hako_rand() % N(gated)].name, NULL, DENY,
		       "(its capability is not kept)");
	}
	/* i386-only names: 32-bit programs need them. */
	expect(&f, ABI_I386, "fcntl64", NULL, ALLOW, "");
	expect(&f, ABI_I386, "chown32", NULL, ALLOW, "");
	expect(&f, ABI_I386, "socketcall", NULL, DENY,
	       "(its arguments are behind a pointer: the socket family check could not apply)");
	/* An architecture the filter does not know: AArch64's number for getpid. */
	d.nr = 172;
	d.arch = AUDIT_ARCH_AARCH64;
	uint32_t got = bpf_run(f.prog.filter, f.prog.len, &d);
	check_that((got & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_KILL_THREAD ||
	               (got & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_KILL_PROCESS,
	           "a call from an unknown architecture: expected the filter to kill, got 0x%08x",
	           got);
	seccomp_free(&f.prog);
}

static void test_seccomp_build_none(void **state)
{
	/* This test checks that seccomp_build() gives no program at all for --privileged and
	 * for `--security-opt seccomp=unconfined`, and a program otherwise. */
	struct hako_config cfg = {.caps = DOCKER_CAPS, .caps_set = true};
	struct sock_fprog prog = {.len = 7, .filter = (void *)&cfg};
	struct filter f;

	filter_build_cfg(&f, &cfg);
	seccomp_free(&f.prog);
	cfg.seccomp = "unconfined";
	check_int(seccomp_build(&cfg, &prog), 0, "seccomp_build(seccomp=unconfined)");
	check_int(prog.len, 0, "program length with seccomp=unconfined");
	cfg.seccomp = NULL;
	cfg.privileged = true;
	cfg.caps = ~0ULL >> (63 - CAP_LAST_CAP);
	prog.len = 7;
	check_int(seccomp_build(&cfg, &prog), 0, "seccomp_build(--privileged)");
	check_int(prog.len, 0, "program length with --privileged");
}

/* Write TEXT into a new profile file in DIR; returns its path (malloc'd). */
static char *write_profile(const char *dir, const char *text)
{
	char *path = malloc(PATH_MAX);

	check_that(path != NULL, "out of memory");
	snprintf(path, PATH_MAX, "%s/profile.json", dir);
	hako_write_file(path, text);
	return path;
}

static void test_seccomp_profile_rules(void **state)
{
	/* This test checks that a Docker-format JSON profile becomes the filter it describes:
	 * its default action and errno, names with errnoRet, a kill action, argument
	 * comparisons (EQ and MASKED_EQ with valueTwo), "includes" by capability, and
	 * "architectures" (a call through an ABI it does not list is killed). Values random. */
	char *dir = hako_tmpdir(), text[4096];
	struct hako_config cfg = {.caps = DOCKER_CAPS, .caps_set = true};
	struct filter f;
	uint64_t args[6] = {0};
	int def_errno = (int)hako_rand_range(1, 120), mk_errno = (int)hako_rand_range(1, 120);
	unsigned persona = hako_rand() & 0xffff, mask = hako_rand() | 1, bits = hako_rand() & mask;
	bool admin = hako_rand() & 1;

	if (admin)
		cfg.caps |= CAPBIT(CAP_SYS_ADMIN);
	snprintf(
	    text, sizeof(text),
	    "{\n"
	    "  \"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": %d,\n"
	    "  \"architectures\": [\"SCMP_ARCH_X86_64\"],\n"
	    "  \"syscalls\": [\n"
	    "    {\"names\": [\"read\", \"write\", \"getpid\"], \"action\": \"SCMP_ACT_ALLOW\"},\n"
	    "    {\"names\": [\"mkdir\", \"mkdirat\"], \"action\": \"SCMP_ACT_ERRNO\",\n"
	    "     \"errnoRet\": %d, \"comment\": \"no new folders\"},\n"
	    "    {\"name\": \"kill\", \"action\": \"SCMP_ACT_KILL_PROCESS\"},\n"
	    "    {\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ALLOW\",\n"
	    "     \"args\": [{\"index\": 0, \"value\": %u, \"op\": \"SCMP_CMP_EQ\"}]},\n"
	    "    {\"names\": [\"clone\"], \"action\": \"SCMP_ACT_ALLOW\",\n"
	    "     \"args\": [{\"index\": 0, \"value\": %u, \"valueTwo\": %u,\n"
	    "                 \"op\": \"SCMP_CMP_MASKED_EQ\"}]},\n"
	    "    {\"names\": [\"mount\"], \"action\": \"SCMP_ACT_ALLOW\",\n"
	    "     \"includes\": {\"caps\": [\"CAP_SYS_ADMIN\"]}}\n"
	    "  ]\n"
	    "}\n",
	    def_errno, mk_errno, persona, mask, bits);
	cfg.seccomp = write_profile(dir, text);
	print_message("profile:\n%s", text);
	filter_build_cfg(&f, &cfg);

	expect(&f, ABI_X86_64, "read", NULL, ALLOW, "(listed ALLOW)");
	expect(&f, ABI_X86_64, "getpid", NULL, ALLOW, "(listed ALLOW)");
	expect(&f, ABI_X86_64, "openat", NULL, SECCOMP_RET_ERRNO | (uint32_t)def_errno,
	       "(not listed: defaultAction with defaultErrnoRet)");
	expect(&f, ABI_X86_64, "mkdirat", NULL, SECCOMP_RET_ERRNO | (uint32_t)mk_errno,
	       "(errnoRet)");
	expect(&f, ABI_X86_64, "kill", NULL, SECCOMP_RET_KILL_PROCESS, "(SCMP_ACT_KILL_PROCESS)");
	args[0] = persona;
	expect(&f, ABI_X86_64, "personality", args, ALLOW, "(argument equal to value)");
	args[0] = persona ^ (1u << (hako_rand() % 16));
	expect(&f, ABI_X86_64, "personality", args, SECCOMP_RET_ERRNO | (uint32_t)def_errno,
	       "(argument not equal to value)");
	args[0] = (hako_rand() & ~mask) | bits;
	expect(&f, ABI_X86_64, "clone", args, ALLOW, "((argument & value) == valueTwo)");
	args[0] ^= 1; /* the mask's lowest bit is set: now (arg & value) != valueTwo */
	expect(&f, ABI_X86_64, "clone", args, SECCOMP_RET_ERRNO | (uint32_t)def_errno,
	       "((argument & value) != valueTwo)");
	expect(&f, ABI_X86_64, "mount", NULL,
	       admin ? ALLOW : SECCOMP_RET_ERRNO | (uint32_t)def_errno,
	       admin ? "(includes CAP_SYS_ADMIN, which is kept)"
	             : "(includes CAP_SYS_ADMIN, which is not kept)");
	uint32_t got = decide(&f, ABI_I386, "getpid", NULL);
	check_that((got & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_KILL_THREAD,
	           "getpid through i386, which \"architectures\" does not list: expected the "
	           "filter to kill (libseccomp's bad-architecture action), got 0x%08x",
	           got);
	seccomp_free(&f.prog);
	free((char *)cfg.seccomp);
}

/* ---- Loading the filter ---- */

static int enter_child(void *arg)
{
	struct sock_fprog *prog = arg;
	char status[4096];
	int fd, n, err;

	/* Without root's CAP_SYS_ADMIN, as after lesson 09: the kernel then takes a filter only
	 * with no_new_privs set. */
	if (geteuid() == 0 && setresuid(65534, 65534, 65534) < 0)
		return 90;
	err = seccomp_enter(prog);
	if (err < 0) {
		fprintf(stderr, "seccomp_enter: %s\n", strerror(-err));
		return 91;
	}
	fd = open("/proc/self/status", O_RDONLY);
	n = fd < 0 ? -1 : (int)read(fd, status, sizeof(status) - 1);
	if (n <= 0)
		return 92;
	status[n] = '\0';
	if (!strstr(status, "NoNewPrivs:\t1"))
		return 93;
	if (!strstr(status, "Seccomp:\t2"))
		return 94;
	if (syscall(SYS_keyctl, 0, -3, 0) != -1 || errno != EPERM)
		return 95;
	return 0;
}

static void test_seccomp_enter_loads(void **state)
{
	/* This test checks that seccomp_enter() sets no_new_privs and installs the program, as
	 * a process without CAP_SYS_ADMIN: afterwards /proc/self/status says NoNewPrivs 1 and
	 * Seccomp 2 (filter), and keyctl fails with EPERM. */
	struct filter f;
	struct hako_bg bg;

	filter_build(&f, DOCKER_CAPS);
	check_int(hako_bg_start(&bg, NULL, enter_child, &f.prog), 0, "fork a child");
	int status = hako_bg_finish(&bg, WAIT_MS);
	seccomp_free(&f.prog);
	check_that(status != -1 && WIFEXITED(status), "the child did not exit (status 0x%x)",
	           status);
	switch (WEXITSTATUS(status)) {
	case 0:
		return;
	case 91:
		fail_msg("seccomp_enter() failed (see its message above): no_new_privs first?");
	case 93:
		fail_msg("NoNewPrivs is not 1 after seccomp_enter()");
	case 94:
		fail_msg("Seccomp is not 2 after seccomp_enter(): no filter installed");
	case 95:
		fail_msg("keyctl did not fail with EPERM under the filter");
	default:
		fail_msg("the child failed with %d", WEXITSTATUS(status));
	}
}

/* ---- Inside real containers ---- */

/* A busybox root filesystem with scprobe in it, in a fresh folder; returns the rootfs. */
static char *make_rootfs(void)
{
	static char rootfs[PATH_MAX];
	char to[PATH_MAX + 16], buf[65536];
	char *dir;
	ssize_t n;

	hako_require_root();
	dir = hako_tmpdir();
	chmod(dir, 0755);
	snprintf(rootfs, sizeof(rootfs), "%s/rootfs", dir);
	hako_make_rootfs(rootfs);

	snprintf(to, sizeof(to), "%s/scprobe", rootfs);
	int in = open(hako_prog("scprobe"), O_RDONLY | O_CLOEXEC);
	int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	check_that(in >= 0 && out >= 0, "copy scprobe to %s: %s", to, strerror(errno));
	while ((n = read(in, buf, sizeof(buf))) > 0)
		check_that(write(out, buf, (size_t)n) == n, "write %s: %s", to, strerror(errno));
	close(in);
	close(out);
	free(dir);
	return rootfs;
}

/* `hako run [OPTS...] ROOTFS CMD...`: OPTS then CMD, each NULL-terminated. */
static void run_hako(struct hako_run *r, const char *const *opts, const char *rootfs,
                     const char *const *cmd)
{
	const char *args[32];
	int n = 0;

	args[n++] = "run";
	for (; opts && *opts; opts++)
		args[n++] = *opts;
	args[n++] = rootfs;
	for (; *cmd && n < 31; cmd++)
		args[n++] = *cmd;
	args[n] = NULL;
	hako_run_prog(r, "hako", args, NULL, WAIT_MS);
}

/* Check that the probe's output OUT has the line "PROBE=WANT". */
static void check_probe(const char *out, const char *probe, const char *want, const char *why)
{
	char line[256];
	const char *p;

	snprintf(line, sizeof(line), "%s=", probe);
	for (p = out; (p = strstr(p, line)) != NULL; p++)
		if (p == out || p[-1] == '\n')
			break;
	check_that(p != NULL, "scprobe printed no result for %s (output: \"%s\")", probe, out);
	p += strlen(line);
	size_t len = strcspn(p, "\n");
	check_that(len == strlen(want) && strncmp(p, want, len) == 0,
	           "%s inside the container: got %.*s, expected %s %s", probe, (int)len, p, want,
	           why);
}

/* The "Seccomp:" value of the container's /proc/self/status, checked to be WANT. */
static void check_seccomp_mode(const char *rootfs, const char *const *opts, const char *want,
                               const char *why)
{
	struct hako_run r;
	const char *cmd[] = {"/bin/grep", "^Seccomp:", "/proc/self/status", NULL};
	char line[64];

	run_hako(&r, opts, rootfs, cmd);
	check_exit(&r, 0, "hako run ... grep ^Seccomp: /proc/self/status");
	snprintf(line, sizeof(line), "Seccomp:\t%s", want);
	check_that(strstr(r.out, line) != NULL,
	           "%s: expected \"%s\" in /proc/self/status, got \"%s\"", why, line, r.out);
	hako_run_free(&r);
}

static void test_seccomp_hako_blocks_keys_and_more(void **state)
{
	/* This test checks that inside `hako run` the calls no container gets fail with EPERM:
	 * keyctl, add_key, request_key, userfaultfd, io_uring_setup (each harmless if it ran). */
	char *rootfs = make_rootfs();
	const char *probes[] = {"keyctl", "add_key", "request_key", "userfaultfd",
	                        "io_uring_setup"};
	const char *cmd[8] = {"/scprobe"};
	struct hako_run r;
	int n = 1;

	/* a random order, so that output cannot be faked line by line */
	for (size_t i = 0, start = hako_rand() % N(probes); i < N(probes); i++)
		cmd[n++] = probes[(start + i) % N(probes)];
	cmd[n] = NULL;
	run_hako(&r, NULL, rootfs, cmd);
	check_exit(&r, 0, "hako run ROOTFS /scprobe ...");
	for (size_t i = 0; i < N(probes); i++)
		check_probe(r.out, probes[i], "EPERM", "(the default filter refuses it)");
	hako_run_free(&r);
}

static void test_seccomp_hako_no_namespaces(void **state)
{
	/* This test checks that inside `hako run` unshare(CLONE_NEWUSER) and clone with
	 * CLONE_NEWNS fail with EPERM while a plain fork (clone without namespace flags) works,
	 * and clone3 fails with ENOSYS. */
	char *rootfs = make_rootfs();
	const char *cmd[] = {"/scprobe", "fork", "unshare_user", "clone_newns", "clone3", NULL};
	struct hako_run r;

	run_hako(&r, NULL, rootfs, cmd);
	check_exit(&r, 0, "hako run ROOTFS /scprobe fork unshare_user clone_newns clone3");
	check_probe(r.out, "unshare_user", "EPERM", "(unshare needs CAP_SYS_ADMIN's rule)");
	check_probe(r.out, "clone_newns", "EPERM", "(clone with a namespace flag)");
	check_probe(r.out, "fork", "ok", "(clone without namespace flags must work)");
	check_probe(r.out, "clone3", "ENOSYS", "(so that libc falls back to clone)");
	hako_run_free(&r);
}

/* In a child: getpid through `int 0x80`; exits 0 if it answered our pid. */
static int i386_getpid_child(void *arg)
{
	long ret;

	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(20L) : "memory");
	return ret == getpid() ? 0 : 1;
}

static void test_seccomp_hako_i386_door(void **state)
{
	/* This test checks that the filter also guards the i386 ABI: through `int 0x80` keyctl
	 * and unshare fail with EPERM, while getpid still works. */
	struct hako_bg bg;

	/* Kernels built or booted without i386 emulation (ia32_emulation=0) have no such door:
	 * `int 0x80` then kills the caller. */
	check_int(hako_bg_start(&bg, NULL, i386_getpid_child, NULL), 0, "fork a child");
	int status = hako_bg_finish(&bg, WAIT_MS);
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		hako_skip(
		    "this kernel runs no i386 code (int 0x80 failed): nothing to guard; "
		    "a kernel with CONFIG_IA32_EMULATION and without ia32_emulation=0 runs it");
	char *rootfs = make_rootfs();
	const char *cmd[] = {"/scprobe", "i386_getpid", "i386_keyctl", "i386_unshare", NULL};
	struct hako_run r;

	run_hako(&r, NULL, rootfs, cmd);
	check_exit(&r, 0, "hako run ROOTFS /scprobe i386_getpid i386_keyctl i386_unshare");
	check_probe(r.out, "i386_keyctl", "EPERM", "(int 0x80 is a door too)");
	check_probe(r.out, "i386_unshare", "EPERM", "(int 0x80 is a door too)");
	check_probe(r.out, "i386_getpid", "ok",
	            "(an allowed call through int 0x80: is the i386 architecture in the filter?)");
	hako_run_free(&r);
}

static void test_seccomp_hako_x32_door(void **state)
{
	/* This test checks that the filter also covers the x32 ABI: keyctl with x32's number
	 * (x86_64's | 0x40000000) fails with EPERM, the filter's answer, and does not kill. */
	char *rootfs = make_rootfs();
	const char *cmd[] = {"/scprobe", "x32_keyctl", NULL};
	struct hako_run r;

	run_hako(&r, NULL, rootfs, cmd);
	check_that(r.exit_code != 128 + SIGSYS,
	           "scprobe was killed by SIGSYS: x32 calls hit the bad-architecture action "
	           "(is x32 in the filter?)");
	check_exit(&r, 0, "hako run ROOTFS /scprobe x32_keyctl");
	check_probe(r.out, "x32_keyctl", "EPERM", "(the x32 door)");
	hako_run_free(&r);
}

static void test_seccomp_hako_sockets(void **state)
{
	/* This test checks that inside `hako run` sockets of the families AF_VSOCK and AF_ALG
	 * cannot be made (EPERM) while AF_UNIX and AF_INET sockets can. */
	char *rootfs = make_rootfs();
	const char *cmd[] = {"/scprobe", "socket:40", "socket:38", "socket:1", "socket:2", NULL};
	struct hako_run r;

	run_hako(&r, NULL, rootfs, cmd);
	check_exit(&r, 0, "hako run ROOTFS /scprobe socket:40 socket:38 socket:1 socket:2");
	check_probe(r.out, "socket:40", "EPERM", "(AF_VSOCK: a way out to the host)");
	check_probe(r.out, "socket:38", "EPERM", "(AF_ALG: the kernel's crypto sockets)");
	check_probe(r.out, "socket:1", "ok", "(AF_UNIX)");
	check_probe(r.out, "socket:2", "ok", "(AF_INET)");
	hako_run_free(&r);
}

static void test_seccomp_hako_busybox_works(void **state)
{
	/* This test checks that under the filter (Seccomp: 2) busybox's shell, ls, ps, mkdir and a
	 * pipeline still work: the allowlist has what ordinary programs need. */
	char *rootfs = make_rootfs();
	char dir[32], script[512];
	struct hako_run r;

	hako_rand_name(dir, 10);
	snprintf(script, sizeof(script),
	         "grep '^Seccomp:' /proc/self/status && mkdir /tmp/%s && ls /tmp | grep -c %s && "
	         "echo ps=$(ps | wc -l)",
	         dir, dir);
	const char *cmd[] = {"/bin/sh", "-c", script, NULL};
	run_hako(&r, NULL, rootfs, cmd);
	check_contains(r.out, "Seccomp:\t2", "the container's /proc/self/status");
	check_contains(r.out, "\n1\n", "`ls /tmp | grep -c DIR` after mkdir (a pipeline)");
	check_contains(r.out, "ps=", "the shell's output (every step before it succeeded)");
	check_that(strstr(r.out, "ps=0") == NULL && strstr(r.out, "ps=1\n") == NULL &&
	               strstr(r.out, "ps=2\n") == NULL,
	           "ps listed fewer processes than sh, ps and wc: %s", r.out);
	check_exit(&r, 0, "the busybox script");
	hako_run_free(&r);
}

static void test_seccomp_hako_status(void **state)
{
	/* This test checks that the workload of `hako run` runs with no_new_privs set and one
	 * seccomp filter: NoNewPrivs: 1 and Seccomp: 2 in its /proc/self/status. */
	char *rootfs = make_rootfs();
	const char *cmd[] = {"/bin/grep", "-E", "^(NoNewPrivs|Seccomp):", "/proc/self/status",
	                     NULL};
	struct hako_run r;

	run_hako(&r, NULL, rootfs, cmd);
	check_exit(&r, 0, "hako run ROOTFS grep NoNewPrivs/Seccomp /proc/self/status");
	check_contains(r.out, "Seccomp:\t2", "the workload's /proc/self/status (2: a filter)");
	check_contains(r.out, "NoNewPrivs:\t1", "the workload's /proc/self/status");
	hako_run_free(&r);
}

static void test_seccomp_hako_unconfined(void **state)
{
	/* This test checks that `--security-opt seccomp=unconfined` runs the workload with no
	 * filter (Seccomp: 0, keyctl is not refused) where the default has one (Seccomp: 2). */
	char *rootfs = make_rootfs();
	const char *opts[] = {"--security-opt", "seccomp=unconfined", NULL};
	const char *cmd[] = {"/scprobe", "keyctl", NULL};
	struct hako_run r;

	check_seccomp_mode(rootfs, NULL, "2", "without options");
	check_seccomp_mode(rootfs, opts, "0", "with --security-opt seccomp=unconfined");
	run_hako(&r, opts, rootfs, cmd);
	check_exit(&r, 0, "hako run --security-opt seccomp=unconfined ROOTFS /scprobe keyctl");
	check_that(strstr(r.out, "keyctl=EPERM") == NULL,
	           "keyctl was refused with seccomp=unconfined: %s", r.out);
	hako_run_free(&r);
}

static void test_seccomp_hako_privileged(void **state)
{
	/* This test checks that --privileged runs the workload with no seccomp filter
	 * (Seccomp: 0), as Docker documents it, where the default has one (Seccomp: 2). */
	char *rootfs = make_rootfs();
	const char *opts[] = {"--privileged", NULL};

	check_seccomp_mode(rootfs, NULL, "2", "without options");
	check_seccomp_mode(rootfs, opts, "0", "with --privileged");
}

static void test_seccomp_hako_profile_errno(void **state)
{
	/* This test checks that `--security-opt seccomp=FILE.json` loads a custom profile: one
	 * that allows everything but mkdir/mkdirat, which fail with a random errno (EACCES, ...). */
	char *rootfs = make_rootfs(), text[1024], opt[PATH_MAX + 16], probe[64], dir[16];
	static const int errnos[] = {EACCES, EROFS, EDQUOT, ENOSPC, EXDEV, EMLINK};
	int e = errnos[hako_rand() % N(errnos)];
	struct hako_run r;

	snprintf(text, sizeof(text),
	         "{\"defaultAction\": \"SCMP_ACT_ALLOW\",\n"
	         " \"archMap\": [{\"architecture\": \"SCMP_ARCH_X86_64\",\n"
	         "              \"subArchitectures\": [\"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\"]}],\n"
	         " \"syscalls\": [{\"names\": [\"mkdir\", \"mkdirat\"],\n"
	         "               \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": %d}]}\n",
	         e);
	char *dirpath = hako_tmpdir();
	char *path = write_profile(dirpath, text);
	snprintf(opt, sizeof(opt), "seccomp=%s", path);
	hako_rand_name(dir, 10);
	snprintf(probe, sizeof(probe), "mkdir:/tmp/%s", dir);
	const char *opts[] = {"--security-opt", opt, NULL};
	const char *cmd[] = {"/scprobe", probe, "keyctl", NULL};
	run_hako(&r, opts, rootfs, cmd);
	check_exit(&r, 0, "hako run --security-opt seccomp=PROFILE ROOTFS /scprobe mkdir:...");
	check_probe(r.out, probe, strerrorname_np(e), "(the profile's errnoRet)");
	check_that(strstr(r.out, "keyctl=EPERM") == NULL,
	           "keyctl was refused, but the profile's default is SCMP_ACT_ALLOW: %s", r.out);
	hako_run_free(&r);
	free(path);
}

static void test_seccomp_hako_profile_kill(void **state)
{
	/* This test checks that a profile action that kills (SCMP_ACT_KILL or
	 * SCMP_ACT_KILL_PROCESS, picked at random) ends the workload with exit status 159,
	 * 128 + SIGSYS, when it makes that call. */
	char *rootfs = make_rootfs(), text[512], opt[PATH_MAX + 16], dir[16], script[64];
	const char *action = hako_rand() & 1 ? "SCMP_ACT_KILL" : "SCMP_ACT_KILL_PROCESS";
	struct hako_run r;

	snprintf(text, sizeof(text),
	         "{\"defaultAction\": \"SCMP_ACT_ALLOW\",\n"
	         " \"syscalls\": [{\"names\": [\"mkdir\", \"mkdirat\"], \"action\": \"%s\"}]}\n",
	         action);
	char *path = write_profile(hako_tmpdir(), text);
	snprintf(opt, sizeof(opt), "seccomp=%s", path);
	hako_rand_name(dir, 10);
	snprintf(script, sizeof(script), "/tmp/%s", dir);
	const char *opts[] = {"--security-opt", opt, NULL};
	const char *cmd[] = {"/bin/mkdir", script, NULL};
	print_message("profile: %s", text);
	run_hako(&r, opts, rootfs, cmd);
	check_exit(&r, 128 + SIGSYS, "mkdir under a profile that kills on mkdir (128 + SIGSYS)");
	hako_run_free(&r);
	free(path);
}

static void test_seccomp_hako_bad_profile(void **state)
{
	/* This test checks that each bad profile (in a random order: misspelt fields, an unknown
	 * action, a bad comparison, an argument index over 5, broken JSON) stops hako before the container starts (exit
	 * 125, the workload's marker file never made) with a message that names the field and
	 * where it is. */
	static const struct {
		const char *text;
		const char *where; /* what the message must contain */
	} bad[] = {
	    {"{\"defaultActon\": \"SCMP_ACT_ALLOW\"}", "defaultActon"},
	    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], "
	     "\"action\": \"SCMP_ACT_ERRNO\"}, {\"names\": [\"mkdir\"], \"action\": "
	     "\"SCMP_ACT_DENY\"}]}",
	     "syscalls[1].action"},
	    {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], "
	     "\"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 1, "
	     "\"op\": \"SCMP_CMP_EQUALS\"}]}]}",
	     "syscalls[0].args[0].op"},
	    {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], "
	     "\"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 9, \"value\": 1, "
	     "\"op\": \"SCMP_CMP_EQ\"}]}]}",
	     "syscalls[0].args[0].index"},
	    {"{\"defaultAction\": \"SCMP_ACT_ERRNO\",\n \"syscalls\": [{\"names\": [\"read\"], "
	     "\"acton\": \"SCMP_ACT_ALLOW\"}]}",
	     "acton"},
	    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\",\n  \"syscalls\": [\n    {\"names\": "
	     "[\"read\"]\n    \"action\": \"SCMP_ACT_ERRNO\"}]}",
	     ":4:"},
	};
	char *rootfs = make_rootfs(), *dir = hako_tmpdir();
	size_t start = hako_rand() % N(bad);

	for (size_t i = 0; i < N(bad); i++) {
		size_t pick = (start + i) % N(bad);
		char opt[PATH_MAX + 16], marker[16], script[64], mpath[PATH_MAX], path[PATH_MAX];
		struct hako_run r;

		snprintf(path, sizeof(path), "%s/bad%zu.json", dir, pick);
		hako_write_file(path, bad[pick].text);
		print_message("profile: %s\n", bad[pick].text);
		snprintf(opt, sizeof(opt), "seccomp=%s", path);
		hako_rand_name(marker, 10);
		snprintf(script, sizeof(script), "/%s", marker);
		snprintf(mpath, sizeof(mpath), "%s/%s", rootfs, marker);
		const char *opts[] = {"--security-opt", opt, NULL};
		const char *cmd[] = {"/bin/touch", script, NULL};
		run_hako(&r, opts, rootfs, cmd);
		check_that(access(mpath, F_OK) != 0,
		           "the container ran (it made %s) despite a bad profile", mpath);
		check_exit(&r, 125, "hako run with a bad profile");
		check_contains(r.err, bad[pick].where, "hako's message");
		check_contains(r.err, path, "hako's message (it names the file)");
		hako_run_free(&r);
	}
	free(dir);
}

static void test_seccomp_hako_cap_add_mount(void **state)
{
	/* This test checks that mount is refused by default (EPERM) and that
	 * `--cap-add SYS_ADMIN` makes the filter allow it: a tmpfs can then be mounted. */
	char *rootfs = make_rootfs();
	char probe[64], dir[16];
	const char *opts[] = {"--cap-add", hako_rand() & 1 ? "SYS_ADMIN" : "CAP_SYS_ADMIN", NULL};
	struct hako_run r;

	hako_rand_name(dir, 10);
	snprintf(probe, sizeof(probe), "mount:/tmp");
	const char *cmd[] = {"/scprobe", probe, NULL};
	run_hako(&r, NULL, rootfs, cmd);
	check_exit(&r, 0, "hako run ROOTFS /scprobe mount:/tmp");
	check_probe(r.out, probe, "EPERM", "(without CAP_SYS_ADMIN)");
	hako_run_free(&r);
	/* keyctl stays refused whatever the capabilities: proof that a filter is there at all
	 * (without one, the capability alone would let mount through). */
	const char *cmd2[] = {"/scprobe", probe, "keyctl", NULL};
	run_hako(&r, opts, rootfs, cmd2);
	check_exit(&r, 0, "hako run --cap-add SYS_ADMIN ROOTFS /scprobe mount:/tmp keyctl");
	check_probe(r.out, probe, "ok", "(with --cap-add SYS_ADMIN the filter allows mount)");
	check_probe(r.out, "keyctl", "EPERM",
	            "(the filter is still there with --cap-add SYS_ADMIN)");
	hako_run_free(&r);
}

HAKO_TEST_MAIN(HAKO_TEST(test_seccomp_bpf_allowlist), HAKO_TEST(test_seccomp_bpf_clone_flags),
               HAKO_TEST(test_seccomp_bpf_socket_personality),
               HAKO_TEST(test_seccomp_bpf_capabilities), HAKO_TEST(test_seccomp_bpf_abis),
               HAKO_TEST(test_seccomp_build_none), HAKO_TEST(test_seccomp_profile_rules),
               HAKO_TEST(test_seccomp_enter_loads),
               HAKO_TEST(test_seccomp_hako_blocks_keys_and_more),
               HAKO_TEST(test_seccomp_hako_no_namespaces), HAKO_TEST(test_seccomp_hako_i386_door),
               HAKO_TEST(test_seccomp_hako_x32_door), HAKO_TEST(test_seccomp_hako_sockets),
               HAKO_TEST(test_seccomp_hako_busybox_works), HAKO_TEST(test_seccomp_hako_status),
               HAKO_TEST(test_seccomp_hako_unconfined), HAKO_TEST(test_seccomp_hako_privileged),
               HAKO_TEST(test_seccomp_hako_profile_errno),
               HAKO_TEST(test_seccomp_hako_profile_kill), HAKO_TEST(test_seccomp_hako_bad_profile),
               HAKO_TEST(test_seccomp_hako_cap_add_mount))
