/* devices.c: lesson 09 — which device files a container may open: the device cgroup (v1
 * files, or a BPF program on cgroup v2). */
#include "hako.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/bpf.h>
#include <linux/magic.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

/*
 * Device files are the kernel's doors to hardware: whoever can open /dev/vda (the host's
 * disk, block device 254:0) can read and write the host's file system under every check the
 * file system makes. The device cgroup decides, per cgroup, which devices may be made
 * (mknod, "m"), read ("r") and written ("w"), by type (c: character, b: block), major and
 * minor number (-1: any, "*" in v1's words). Everything else is refused with EPERM.
 */
static const struct dev_rule {
	char type;          /* 'c' or 'b' */
	int major, minor;   /* -1: any */
	const char *access; /* any of "rwm" */
} device_rules[] = {
    {'c', -1, -1, "m"},    /* mknod of any character device: harmless if it cannot be opened */
    {'b', -1, -1, "m"},    /* ... and of any block device (Docker allows both) */
    {'c', 1, 3, "rwm"},    /* /dev/null */
    {'c', 1, 5, "rwm"},    /* /dev/zero */
    {'c', 1, 7, "rwm"},    /* /dev/full */
    {'c', 1, 8, "rwm"},    /* /dev/random */
    {'c', 1, 9, "rwm"},    /* /dev/urandom */
    {'c', 5, 0, "rwm"},    /* /dev/tty */
    {'c', 5, 1, "rwm"},    /* /dev/console */
    {'c', 5, 2, "rwm"},    /* /dev/ptmx */
    {'c', 136, -1, "rwm"}, /* /dev/pts/N: the container's own pseudo-terminals */
};

#define N_OF(a)         (sizeof(a) / sizeof((a)[0]))
#define DEVICES_ROOT    CGROUP_MOUNT "/devices"
#define CGROUP_V1_MAGIC 0x27e0eb /* CGROUP_SUPER_MAGIC: a cgroup v1 hierarchy */

struct hako_devices {
	char dir[PATH_MAX]; /* the container's folder that carries the rules */
	bool made;          /* made by devices_limit (removed by devices_destroy) */
};

/* RULE as cgroup v1's devices.allow takes it: "c 1:3 rwm", "b *:* m". */
static GIVEN void rule_text(const struct dev_rule *rule, char *buf, size_t len)
{
	char major[16] = "*", minor[16] = "*";

	if (rule->major >= 0)
		snprintf(major, sizeof(major), "%d", rule->major);
	if (rule->minor >= 0)
		snprintf(minor, sizeof(minor), "%d", rule->minor);
	snprintf(buf, len, "%c %s:%s %s", rule->type, major, minor, rule->access);
}

/* Write TEXT to DIR/FILE in one write(2). 0 or -errno (printed). */
static int write_file(const char *dir, const char *file, const char *text)
{
	char path[PATH_MAX];
	size_t len = strlen(text);
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len)
		err = -errno;
	if (fd >= 0)
		close(fd);
	if (err < 0)
		fprintf(stderr, "hako: write \"%s\" to %s: %s\n", text, path, strerror(-err));
	return err;
}

/* rmdir DIR; while processes are still leaving it (EBUSY), wait a little and retry. */
static void remove_dir(const char *dir)
{
	for (int i = 0; i < 100; i++) {
		if (rmdir(dir) == 0 || errno == ENOENT)
			return;
		if (errno != EBUSY)
			break;
		usleep(10000);
	}
	fprintf(stderr, "hako: rmdir %s: %s\n", dir, strerror(errno));
}

/* Remove the empty folders "hako-PID" in PARENT whose hako is gone: a hako killed with
 * SIGKILL cleans up nothing (lesson 07 does the same for its cgroups). */
static void sweep_stale(const char *parent)
{
	DIR *dir = opendir(parent);
	struct dirent *e;

	if (!dir)
		return;
	while ((e = readdir(dir))) {
		char *end;
		if (strncmp(e->d_name, "hako-", 5) != 0 || e->d_name[5] < '0' || e->d_name[5] > '9')
			continue;
		long pid = strtol(e->d_name + 5, &end, 10);
		if ((*end == '\0' || *end == '-') && pid > 0 && pid <= INT_MAX &&
		    kill((pid_t)pid, 0) < 0 && errno == ESRCH)
			unlinkat(dirfd(dir), e->d_name, AT_REMOVEDIR); /* refused if still in use */
	}
	closedir(dir);
}

/* mkdir ROOT/hako and ROOT/hako/NAME into D->dir; an existing NAME (lesson 07's cgroup on
 * v2) is used as it is and left for its owner to remove. */
static int make_dir(const char *root, const char *name, struct hako_devices *d)
{
	char parent[PATH_MAX];

	snprintf(parent, sizeof(parent), "%s/%s", root, CGROUP_PARENT);
	if (mkdir(parent, 0755) < 0 && errno != EEXIST)
		goto bad;
	sweep_stale(parent);
	snprintf(d->dir, sizeof(d->dir), "%s/%s", parent, name);
	if (mkdir(d->dir, 0755) == 0)
		d->made = true;
	else if (errno != EEXIST)
		goto bad;
	return 0;
bad:;
	int err = -errno;
	fprintf(stderr, "hako: mkdir under %s: %s\n", parent, strerror(errno));
	return err;
}

/* ---- cgroup v1: the rules are text in devices.deny and devices.allow ---- */

static int v1_limit(const char *name, pid_t pid, struct hako_devices *d)
{
	int err;

	if ((err = make_dir(DEVICES_ROOT, name, d)) < 0)
		return err;
	/// TODO(09): A new device cgroup starts with its parent's rules (everything allowed).
	///   Deny everything first ("a" to devices.deny), then allow each of device_rules[] (one
	///   write each to devices.allow, in the text rule_text() makes), then move PID in (its
	///   pid to cgroup.procs). Return the first negative errno (write_file prints it). The
	///   kernel's admin-guide/cgroup-v1/devices.rst; README: task 9.
	/// BEGIN SOLUTION
	char text[32];

	if ((err = write_file(d->dir, "devices.deny", "a")) < 0)
		return err;
	for (size_t i = 0; i < N_OF(device_rules); i++) {
		rule_text(&device_rules[i], text, sizeof(text));
		if ((err = write_file(d->dir, "devices.allow", text)) < 0)
			return err;
	}
	snprintf(text, sizeof(text), "%d", (int)pid);
	return write_file(d->dir, "cgroup.procs", text);
	/// END SOLUTION
	/// STUB: return -ENOSYS;
}

/* ---- cgroup v2: the rules are a BPF program the kernel runs at every open and mknod ---- */

/*
 * The kernel calls a BPF_PROG_TYPE_CGROUP_DEVICE program with R1 pointing to
 *
 *   struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; }
 *   access_type = (BPF_DEVCG_ACC_MKNOD | _READ | _WRITE) << 16 | BPF_DEVCG_DEV_BLOCK or _CHAR
 *
 * and allows the access if it returns 1. The program hako builds:
 *
 *   r2 = type (low 16 bits)   r3 = access (high 16 bits)   r4 = major   r5 = minor
 *   for each rule:   if r2 != TYPE goto next
 *                    r6 = r3 & ~ACCESS; if r6 != 0 goto next   (asks for more than allowed)
 *                    if r4 != MAJOR goto next                  (unless MAJOR is any)
 *                    if r5 != MINOR goto next                  (unless MINOR is any)
 *                    r0 = 1; exit
 *             next:
 *   r0 = 0; exit
 */
#define INSN(c, d, s, o, i)                                                                        \
	((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})
#define MAX_INSNS 256

static GIVEN int access_bits(const char *access)
{
	return (strchr(access, 'm') ? BPF_DEVCG_ACC_MKNOD : 0) |
	       (strchr(access, 'r') ? BPF_DEVCG_ACC_READ : 0) |
	       (strchr(access, 'w') ? BPF_DEVCG_ACC_WRITE : 0);
}

/* Append RULE's block to PROG at N; returns the new length (or -ENOSYS). */
static int emit_rule(struct bpf_insn *prog, int n, const struct dev_rule *rule)
{
	/// TODO(09): Append the block of the comment above for RULE, with INSN(): compare the type
	///   (BPF_JMP | BPF_JNE | BPF_K against TYPE: BPF_DEVCG_DEV_BLOCK for rule->type 'b',
	///   BPF_DEVCG_DEV_CHAR for 'c'), then the access (copy r3 to r6, AND it with the
	///   complement of access_bits(rule->access), jump if not 0), then MAJOR and MINOR when
	///   they are not -1; then "r0 = 1; exit". Remember the index of every jump (at most
	///   four: an array of four) and set its .off at the end so that it lands on the first
	///   instruction after the block (an offset counts from the instruction after the jump).
	///   Return the new length. The kernel's Documentation/bpf/standardization/
	///   instruction-set.rst; README: task 10.
	/// BEGIN SOLUTION
	int jumps[4], nj = 0;
	int type = rule->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR;

	jumps[nj++] = n;
	prog[n++] = INSN(BPF_JMP | BPF_JNE | BPF_K, 2, 0, 0, type);
	prog[n++] = INSN(BPF_ALU | BPF_MOV | BPF_X, 6, 3, 0, 0);
	prog[n++] = INSN(BPF_ALU | BPF_AND | BPF_K, 6, 0, 0, ~access_bits(rule->access));
	jumps[nj++] = n;
	prog[n++] = INSN(BPF_JMP | BPF_JNE | BPF_K, 6, 0, 0, 0);
	if (rule->major >= 0) {
		jumps[nj++] = n;
		prog[n++] = INSN(BPF_JMP | BPF_JNE | BPF_K, 4, 0, 0, rule->major);
	}
	if (rule->minor >= 0) {
		jumps[nj++] = n;
		prog[n++] = INSN(BPF_JMP | BPF_JNE | BPF_K, 5, 0, 0, rule->minor);
	}
	prog[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 1);
	prog[n++] = INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	for (int i = 0; i < nj; i++)
		prog[jumps[i]].off = (short)(n - jumps[i] - 1);
	return n;
	/// END SOLUTION
	/// STUB: return -ENOSYS;
}

int devices_bpf_attach(const char *cgroup_dir)
{
	struct bpf_insn prog[MAX_INSNS];
	union bpf_attr attr;
	int n = 0, prog_fd = -1, dir_fd, err = 0;

	prog[n++] = INSN(BPF_LDX | BPF_W | BPF_MEM, 2, 1,
	                 offsetof(struct bpf_cgroup_dev_ctx, access_type), 0);
	prog[n++] = INSN(BPF_ALU | BPF_MOV | BPF_X, 3, 2, 0, 0);
	prog[n++] = INSN(BPF_ALU | BPF_AND | BPF_K, 2, 0, 0, 0xffff);
	prog[n++] = INSN(BPF_ALU | BPF_RSH | BPF_K, 3, 0, 0, 16);
	prog[n++] =
	    INSN(BPF_LDX | BPF_W | BPF_MEM, 4, 1, offsetof(struct bpf_cgroup_dev_ctx, major), 0);
	prog[n++] =
	    INSN(BPF_LDX | BPF_W | BPF_MEM, 5, 1, offsetof(struct bpf_cgroup_dev_ctx, minor), 0);
	for (size_t i = 0; i < N_OF(device_rules); i++)
		if ((n = emit_rule(prog, n, &device_rules[i])) < 0)
			return n;
	prog[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0);
	prog[n++] = INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);

	/* Loaded quietly first; if the verifier refuses it, once more with its log to print. */
	static char log[65536];
	for (int verbose = 0; verbose < 2; verbose++) {
		memset(&attr, 0, sizeof(attr));
		attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
		attr.insns = (uint64_t)(uintptr_t)prog;
		attr.insn_cnt = (uint32_t)n;
		attr.license = (uint64_t)(uintptr_t) "MIT";
		if (verbose) {
			log[0] = '\0';
			attr.log_buf = (uint64_t)(uintptr_t)log;
			attr.log_size = sizeof(log);
			attr.log_level = 1;
		}
		prog_fd = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
		if (prog_fd >= 0)
			break;
		if (!err)
			err = -errno;
		if (verbose)
			fprintf(stderr, "hako: bpf BPF_PROG_LOAD (device rules): %s\n%.2000s",
			        strerror(-err), log);
	}
	if (prog_fd < 0)
		return err;
	err = 0;
	dir_fd = open(cgroup_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd < 0) {
		err = -errno;
		fprintf(stderr, "hako: open %s: %s\n", cgroup_dir, strerror(errno));
		close(prog_fd);
		return err;
	}
	memset(&attr, 0, sizeof(attr));
	attr.target_fd = (uint32_t)dir_fd;
	attr.attach_bpf_fd = (uint32_t)prog_fd;
	attr.attach_type = BPF_CGROUP_DEVICE;
	attr.attach_flags = BPF_F_ALLOW_MULTI;
	if (syscall(SYS_bpf, BPF_PROG_ATTACH, &attr, sizeof(attr)) < 0) {
		err = -errno;
		fprintf(stderr, "hako: bpf BPF_PROG_ATTACH to %s: %s\n", cgroup_dir,
		        strerror(errno));
	}
	/* The cgroup holds the program now; it goes when the cgroup is removed. */
	close(dir_fd);
	close(prog_fd);
	return err;
}

static int v2_limit(const char *root, const char *name, pid_t pid, struct hako_devices *d)
{
	char text[32];
	int err;

	if ((err = make_dir(root, name, d)) < 0)
		return err;
	if ((err = devices_bpf_attach(d->dir)) < 0)
		return err;
	snprintf(text, sizeof(text), "%d", (int)pid);
	return write_file(d->dir, "cgroup.procs", text);
}

/* A cgroup v2 mount: /sys/fs/cgroup (unified) or /sys/fs/cgroup/unified (hybrid), or NULL. */
static const char *v2_root(void)
{
	static const char *const roots[] = {CGROUP_MOUNT, CGROUP_MOUNT "/unified"};
	struct statfs sf;

	for (size_t i = 0; i < N_OF(roots); i++)
		if (statfs(roots[i], &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC)
			return roots[i];
	return NULL;
}

int devices_limit(const char *name, pid_t pid, struct hako_devices **out)
{
	struct hako_devices *d;
	struct statfs sf;
	const char *root = NULL;
	int err;

	*out = NULL;
	/* cgroup v1's devices hierarchy where there is one (legacy and hybrid machines), else a
	 * BPF program on the v2 tree; neither (a container without cgroups): nothing to do. */
	bool v1 = statfs(DEVICES_ROOT, &sf) == 0 && sf.f_type == CGROUP_V1_MAGIC;
	if (!v1 && !(root = v2_root()))
		return 0;
	d = calloc(1, sizeof(*d));
	if (!d) {
		fprintf(stderr, "hako: device cgroup %s: %s\n", name, strerror(ENOMEM));
		return -ENOMEM;
	}
	err = v1 ? v1_limit(name, pid, d) : v2_limit(root, name, pid, d);
	if (err < 0) {
		devices_destroy(d);
		return err;
	}
	*out = d;
	return 0;
}

void devices_destroy(struct hako_devices *d)
{
	if (!d)
		return;
	if (d->made)
		remove_dir(d->dir);
	free(d);
}

const char *devices_dir(const struct hako_devices *d)
{
	return d && d->made ? d->dir : NULL;
}

void devices_release(struct hako_devices *d)
{
	free(d);
}
