/* test_doctor.c: graded tests for lesson 00 — the environment doctor. */
#include "hako_test.h"
#include "hako.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/kvm.h>
#include <linux/magic.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- helpers: ground truth computed here, independently of the code under test ---- */

/* The whole of PATH as a malloc'd string, or NULL. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;
	char chunk[4096];

	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (len + n + 1 > cap) {
			cap = (len + n + 1) * 2;
			buf = realloc(buf, cap);
			check_that(buf != NULL, "out of memory");
		}
		memcpy(buf + len, chunk, n);
		len += n;
	}
	fclose(f);
	if (!buf)
		buf = calloc(1, 1);
	else
		buf[len] = '\0';
	return buf;
}

/* The type of the topmost mount at MNT according to the text TABLE (mountinfo format), copied
 * into TYPE (64 bytes); false if nothing is mounted there. Splits on whitespace, finds "-". */
static bool mounted_type(const char *table, const char *mnt, char *type)
{
	bool found = false;
	char *copy = strdup(table), *save = NULL;

	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *words[64], *wsave = NULL;
		int n = 0;
		for (char *w = strtok_r(line, " \t", &wsave); w && n < 64;
		     w = strtok_r(NULL, " \t", &wsave))
			words[n++] = w;
		if (n < 7 || strcmp(words[4], mnt) != 0)
			continue;
		for (int i = 6; i + 1 < n; i++) {
			if (strcmp(words[i], "-") == 0) {
				snprintf(type, 64, "%s", words[i + 1]);
				found = true;
				break;
			}
		}
	}
	free(copy);
	return found;
}

/* The cgroup mode of ROOT by the mount TABLE text, or -ENOENT / -EINVAL. */
static int mode_from_table(const char *table, const char *root)
{
	char type[64], utype[64], unified[512];

	snprintf(unified, sizeof(unified), "%s/unified", root);
	if (!mounted_type(table, root, type))
		return -ENOENT;
	if (strcmp(type, "cgroup2") == 0)
		return DOCTOR_CGROUP_V2;
	if (strcmp(type, "tmpfs") != 0)
		return -EINVAL;
	if (mounted_type(table, unified, utype) && strcmp(utype, "cgroup2") == 0)
		return DOCTOR_CGROUP_HYBRID;
	return DOCTOR_CGROUP_V1;
}

static const char *mode_name(int mode)
{
	switch (mode) {
	case DOCTOR_CGROUP_V1:
		return "DOCTOR_CGROUP_V1";
	case DOCTOR_CGROUP_HYBRID:
		return "DOCTOR_CGROUP_HYBRID";
	case DOCTOR_CGROUP_V2:
		return "DOCTOR_CGROUP_V2";
	}
	return "an error";
}

/* What opening DEV read-write and asking KVM_GET_API_VERSION gives: the version or -errno. */
static int kvm_truth(const char *dev)
{
	int fd = open(dev, O_RDWR | O_CLOEXEC), v;

	if (fd < 0)
		return -errno;
	v = ioctl(fd, KVM_GET_API_VERSION, 0);
	if (v < 0)
		v = -errno;
	close(fd);
	return v;
}

/* What unshare(CLONE_NEWUSER) gives in a child of ours: 0 or -errno. */
static int userns_truth(void)
{
	int wstatus;
	pid_t pid = fork();

	check_that(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0)
		_exit(unshare(CLONE_NEWUSER) == 0 ? 0 : errno);
	check_that(waitpid(pid, &wstatus, 0) == pid, "waitpid: %s", strerror(errno));
	return WIFEXITED(wstatus) ? -WEXITSTATUS(wstatus) : -ECHILD;
}

/*
 * Fork; the child runs FN(ARG) and sends its int result back through a pipe, then exits. A
 * child that dies, or whose FN cannot finish, sends nothing: the test then fails with WHAT.
 */
static int in_child(int (*fn)(void *), void *arg, const char *what)
{
	int p[2], result = 0, wstatus;

	check_that(pipe(p) == 0, "pipe: %s", strerror(errno));
	fflush(NULL);
	pid_t pid = fork();
	check_that(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		close(p[0]);
		int r = fn(arg);
		_exit(write(p[1], &r, sizeof(r)) == sizeof(r) ? 0 : 1);
	}
	close(p[1]);
	ssize_t n = read(p[0], &result, sizeof(result));
	close(p[0]);
	waitpid(pid, &wstatus, 0);
	check_that(n == sizeof(result), "%s: the child process died before answering", what);
	return result;
}

static const char *const ns_names[] = {"cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"};
static const int ns_flags[] = {CLONE_NEWCGROUP, CLONE_NEWIPC,  CLONE_NEWNS,   CLONE_NEWNET,
                               CLONE_NEWPID,    CLONE_NEWTIME, CLONE_NEWUSER, CLONE_NEWUTS};
#define N_NS 8

/* "cgroup|net|..." for a set of CLONE_NEW* flags, into BUF. */
static const char *ns_set_text(int set, char *buf, size_t len)
{
	buf[0] = '\0';
	if (set < 0) {
		snprintf(buf, len, "error %d (%s)", set, strerror(-set));
		return buf;
	}
	for (int i = 0; i < N_NS; i++)
		if (set & ns_flags[i])
			snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", buf[0] ? "|" : "",
			         ns_names[i]);
	if ((set & ~0x7e020080) != 0)
		snprintf(buf + strlen(buf), len - strlen(buf), "%sother bits 0x%x",
		         buf[0] ? "|" : "", set & ~0x7e020080);
	if (!buf[0])
		snprintf(buf, len, "none");
	return buf;
}

/* ---- the tests ---- */

/* doctor_kernel_version() under the UNAME26 personality, which makes uname(2) (and only
 * uname) report the release as "2.6.X": packed as major * 1000 + minor. */
static int kernel_version_uname26(void *arg)
{
	int major = -1, minor = -1, err;

	if (personality(PER_LINUX | UNAME26) < 0)
		return -10000;
	err = doctor_kernel_version(&major, &minor);
	return err < 0 ? err : major * 1000 + minor;
}

/* This test checks that doctor_kernel_version() gives the first two numbers of the kernel's
 * release, as /proc/sys/kernel/osrelease has it, and that it asks uname(2): under the UNAME26
 * personality it must report 2.6. */
static void test_doctor_kernel_version(void **state)
{
	char *release = slurp("/proc/sys/kernel/osrelease");
	int major = -1, minor = -1;

	check_that(release != NULL, "cannot read /proc/sys/kernel/osrelease");
	char *end;
	long want_major = strtol(release, &end, 10);
	check_that(*end == '.', "unexpected release %s", release);
	long want_minor = strtol(end + 1, NULL, 10);
	free(release);

	check_int(doctor_kernel_version(&major, &minor), 0, "doctor_kernel_version() return value");
	check_int(major, want_major, "major version (the number before the first dot)");
	check_int(minor, want_minor, "minor version (the number after the first dot)");

	int packed = in_child(kernel_version_uname26, NULL, "doctor_kernel_version() as 2.6");
	if (packed == -10000)
		return; /* no UNAME26 personality here */
	check_int(packed, 2006,
	          "doctor_kernel_version() where uname(2) says \"2.6.X\" (personality UNAME26), "
	          "as major * 1000 + minor");
}

/* This test checks that doctor_namespaces() turns the entries of a namespace folder into the
 * matching CLONE_NEW* flags, ignoring other names, on random fake folders and on
 * /proc/self/ns. */
static void test_doctor_namespaces(void **state)
{
	char *dir = hako_tmpdir(), path[600], text[160], want_text[160];
	int fds = hako_fd_count();

	for (int round = 0; round < 4; round++) {
		char ns[512];
		int want = 0;
		snprintf(ns, sizeof(ns), "%s/ns%d", dir, round);
		mkdir(ns, 0755);
		for (int i = 0; i < N_NS; i++) {
			if (hako_rand() % 2)
				continue;
			char target[64];
			snprintf(path, sizeof(path), "%s/%s", ns, ns_names[i]);
			snprintf(target, sizeof(target), "%s:[40265%05ld]", ns_names[i],
			         hako_rand_range(0, 99999));
			check_that(symlink(target, path) == 0, "symlink %s: %s", path,
			           strerror(errno));
			want |= ns_flags[i];
		}
		/* Entries that are not namespace types. */
		static const char *const others[] = {"pid_for_children", "time_for_children",
		                                     "network", "mount", "users"};
		for (int i = 0; i < 3; i++) {
			snprintf(path, sizeof(path), "%s/%s", ns, others[hako_rand() % 5]);
			symlink("x:[1]", path);
		}
		char junk[16];
		hako_rand_name(junk, 10);
		snprintf(path, sizeof(path), "%s/%s", ns, junk);
		hako_write_file(path, "");

		int got = doctor_namespaces(ns);
		check_that(got == want,
		           "doctor_namespaces() of a fake ns folder: expected %s, got %s",
		           ns_set_text(want, want_text, sizeof(want_text)),
		           ns_set_text(got, text, sizeof(text)));
	}

	/* The real thing: which types this kernel has. */
	int want = 0;
	for (int i = 0; i < N_NS; i++) {
		struct stat st;
		snprintf(path, sizeof(path), "/proc/self/ns/%s", ns_names[i]);
		if (lstat(path, &st) == 0)
			want |= ns_flags[i];
	}
	int got = doctor_namespaces("/proc/self/ns");
	check_that(got == want, "doctor_namespaces(\"/proc/self/ns\"): expected %s, got %s",
	           ns_set_text(want, want_text, sizeof(want_text)),
	           ns_set_text(got, text, sizeof(text)));

	snprintf(path, sizeof(path), "%s/missing", dir);
	check_int(doctor_namespaces(path), -ENOENT, "doctor_namespaces() of a missing folder");
	hako_rm_rf(dir);
	free(dir);
	check_int(hako_fd_count(), fds, "open file descriptors after the calls (closedir?)");
}

/* This test checks that doctor_overlayfs() finds "overlay", and only "overlay", in random
 * /proc/filesystems-style listings, and agrees with the real /proc/filesystems. */
static void test_doctor_overlayfs(void **state)
{
	static const char *const pool[] = {
	    "sysfs",    "tmpfs",    "bdev",       "proc",      "cgroup",  "cgroup2", "cpuset",
	    "devtmpfs", "bpf",      "pipefs",     "ramfs",     "devpts",  "ext3",    "ext4",
	    "xfs",      "btrfs",    "vfat",       "fuse",      "fuseblk", "nfs",     "nfs4",
	    "squashfs", "iso9660",  "mqueue",     "hugetlbfs", "autofs",  "tracefs", "securityfs",
	    "pstore",   "efivarfs", "binfmt_misc"};
	static const char *const decoys[] = {"overlayfs", "xoverlay", "overlay2", "aufs"};
	const size_t npool = sizeof(pool) / sizeof(pool[0]);
	char *dir = hako_tmpdir(), path[600];
	int fds = hako_fd_count();
	bool first_with = hako_rand() % 2;
	/* The three rounds without overlay take three different decoys in turn, so at least two
	 * contain the word "overlay" (a random pick could be "aufs" three times). */
	unsigned int decoy = hako_rand() % 4;

	for (int round = 0; round < 6; round++) {
		bool with = (round % 2 == 0) == first_with;
		int n = (int)hako_rand_range(4, 14), at = (int)hako_rand_range(0, n);
		char text[2048] = "";
		for (int i = 0; i <= n; i++) {
			const char *name = pool[hako_rand() % npool];
			bool nodev = hako_rand() % 2;
			if (i == at)
				name = with ? "overlay"
				            : decoys[(decoy + (unsigned int)round / 2) % 4],
				nodev = true;
			snprintf(text + strlen(text), sizeof(text) - strlen(text), "%s\t%s\n",
			         nodev ? "nodev" : "", name);
		}
		snprintf(path, sizeof(path), "%s/filesystems%d", dir, round);
		hako_write_file(path, text);
		int got = doctor_overlayfs(path);
		if (got != (with ? 1 : 0))
			fail_msg("doctor_overlayfs() of this listing: expected %d, got %d\n%s",
			         with ? 1 : 0, got, text);
	}

	char *real = slurp("/proc/filesystems");
	check_that(real != NULL, "cannot read /proc/filesystems");
	int want = strstr(real, "\toverlay\n") != NULL;
	free(real);
	check_int(doctor_overlayfs("/proc/filesystems"), want,
	          "doctor_overlayfs(\"/proc/filesystems\")");

	snprintf(path, sizeof(path), "%s/missing", dir);
	check_int(doctor_overlayfs(path), -ENOENT, "doctor_overlayfs() of a missing file");
	hako_rm_rf(dir);
	free(dir);
	check_int(hako_fd_count(), fds, "open file descriptors after the calls (fclose?)");
}

/* This test checks that doctor_cgroup_classify() maps (root filesystem magic, unified is
 * cgroup2) to v2, hybrid, v1 or -EINVAL as runc and crun do. */
static void test_doctor_cgroup_classify(void **state)
{
	const long others[] = {EXT4_SUPER_MAGIC,
	                       PROC_SUPER_MAGIC,
	                       SYSFS_MAGIC,
	                       CGROUP_SUPER_MAGIC,
	                       0,
	                       (long)(hako_rand() | 1u) * 16 + 3};
	struct {
		long magic;
		bool unified;
		int want;
	} cases[] = {
	    {CGROUP2_SUPER_MAGIC, false, DOCTOR_CGROUP_V2},
	    {CGROUP2_SUPER_MAGIC, true, DOCTOR_CGROUP_V2},
	    {TMPFS_MAGIC, true, DOCTOR_CGROUP_HYBRID},
	    {TMPFS_MAGIC, false, DOCTOR_CGROUP_V1},
	    {others[hako_rand() % 6], hako_rand() % 2, -EINVAL},
	    {others[hako_rand() % 6], hako_rand() % 2, -EINVAL},
	};
	int n = sizeof(cases) / sizeof(cases[0]), start = (int)hako_rand_range(0, n - 1);

	for (int k = 0; k < n; k++) {
		int i = (start + k) % n,
		    got = doctor_cgroup_classify(cases[i].magic, cases[i].unified);
		check_that(got == cases[i].want,
		           "doctor_cgroup_classify(0x%lx, %s): expected %s (%d), got %d",
		           cases[i].magic, cases[i].unified ? "true" : "false",
		           mode_name(cases[i].want), cases[i].want, got);
	}
}

/* Append one mountinfo line for a mount of TYPE at MNT to TABLE, with 0-2 optional fields. */
static void add_mount(char *table, size_t len, int *id, const char *mnt, const char *type,
                      const char *super)
{
	char optional[64] = "";
	int nopt = (int)hako_rand_range(0, 2);

	for (int i = 0; i < nopt; i++)
		snprintf(optional + strlen(optional), sizeof(optional) - strlen(optional),
		         "%s:%ld ", i == 0 ? "shared" : "master", hako_rand_range(1, 900));
	snprintf(table + strlen(table), len - strlen(table),
	         "%d %d 0:%ld / %s rw,relatime %s- %s %s %s\n", *id,
	         *id - (int)hako_rand_range(1, 3), hako_rand_range(20, 90), mnt, optional, type,
	         type, super);
	(*id)++;
}

/* A random mount table in which ROOT is mounted in MODE (0: not at all, -1: as ext4). */
static void make_table(char *table, size_t len, const char *root, int mode)
{
	static const char *const ctl[] = {"memory", "cpu,cpuacct",      "pids",
	                                  "blkio",  "devices",          "freezer",
	                                  "cpuset", "net_cls,net_prio", "perf_event"};
	int id = (int)hako_rand_range(20, 400);
	char mnt[600];

	table[0] = '\0';
	add_mount(table, len, &id, "/", "ext4", "rw,errors=remount-ro");
	add_mount(table, len, &id, "/proc", "proc", "rw");
	add_mount(table, len, &id, "/sys", "sysfs", "rw");
	add_mount(table, len, &id, "/dev", "devtmpfs", "rw,size=4096k");
	/* A decoy: another cgroup2 tree that is not under ROOT. */
	snprintf(mnt, sizeof(mnt), "/run/%08x/unified", hako_rand());
	add_mount(table, len, &id, mnt, "cgroup2", "rw");
	/* Sometimes a mount at ROOT that a later one hides: the last line for a mount point
	 * is the one on top. */
	if (mode != 0 && hako_rand() % 2)
		add_mount(table, len, &id, root, mode == DOCTOR_CGROUP_V2 ? "tmpfs" : "cgroup2",
		          "rw");
	if (mode == -1)
		add_mount(table, len, &id, root, "ext4", "rw");
	if (mode == DOCTOR_CGROUP_V2)
		add_mount(table, len, &id, root, "cgroup2", "rw,nsdelegate,memory_recursiveprot");
	if (mode == DOCTOR_CGROUP_V1 || mode == DOCTOR_CGROUP_HYBRID) {
		add_mount(table, len, &id, root, "tmpfs", "ro,mode=755");
		int n = (int)hako_rand_range(2, 9), unified_at = (int)hako_rand_range(0, n);
		for (int i = 0; i <= n; i++) {
			if (i == unified_at) {
				snprintf(mnt, sizeof(mnt), "%s/unified", root);
				add_mount(table, len, &id, mnt,
				          mode == DOCTOR_CGROUP_HYBRID ? "cgroup2" : "cgroup",
				          mode == DOCTOR_CGROUP_HYBRID ? "rw" : "rw,name=unified");
				continue;
			}
			const char *c = ctl[hako_rand() % 9];
			char super[64];
			snprintf(mnt, sizeof(mnt), "%s/%s", root, c);
			snprintf(super, sizeof(super), "rw,%s", c);
			add_mount(table, len, &id, mnt, "cgroup", super);
		}
	}
	add_mount(table, len, &id, "/tmp", "tmpfs", "rw");
}

/* This test checks that doctor_cgroup_mode_mountinfo() reads v1, hybrid and v2 layouts (and
 * their absence) from random mount tables in /proc/self/mountinfo format. */
static void test_doctor_cgroup_mountinfo(void **state)
{
	static const int modes[] = {DOCTOR_CGROUP_V1, DOCTOR_CGROUP_HYBRID, DOCTOR_CGROUP_V2, 0,
	                            -1};
	char *dir = hako_tmpdir(), path[600], root[128];
	static char table[16384];
	int fds = hako_fd_count(), start = (int)hako_rand_range(0, 4);

	for (int k = 0; k < 10; k++) {
		int mode = modes[(start + k) % 5];
		if (hako_rand() % 2)
			snprintf(root, sizeof(root), "/sys/fs/cgroup");
		else
			snprintf(root, sizeof(root), "/run/%08x/cg", hako_rand());
		make_table(table, sizeof(table), root, mode);
		int want = mode_from_table(table, root);
		snprintf(path, sizeof(path), "%s/mountinfo%d", dir, k);
		hako_write_file(path, table);
		int got = doctor_cgroup_mode_mountinfo(path, root);
		if (got != want)
			fail_msg(
			    "doctor_cgroup_mode_mountinfo(table, \"%s\"): expected %s (%d), got "
			    "%d. The table:\n%s",
			    root, mode_name(want), want, got, table);
	}
	snprintf(path, sizeof(path), "%s/missing", dir);
	check_int(doctor_cgroup_mode_mountinfo(path, "/sys/fs/cgroup"), -ENOENT,
	          "doctor_cgroup_mode_mountinfo() of a missing file");
	hako_rm_rf(dir);
	free(dir);
	check_int(hako_fd_count(), fds, "open file descriptors after the calls (fclose?)");
}

/* In a child with its own mount namespace: mount the cgroup layout MODE at DIR (v2: cgroup2;
 * v1: tmpfs with an empty unified/; hybrid: tmpfs with cgroup2 at unified/) and classify it.
 * The mounts vanish with the child's mount namespace. */
struct mount_case {
	const char *dir;
	int mode;
};

static int mount_and_classify(void *arg)
{
	const struct mount_case *c = arg;
	char unified[600];

	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -10000;
	if (c->mode == DOCTOR_CGROUP_V2) {
		if (mount("none", c->dir, "cgroup2", 0, NULL) < 0)
			return -10001;
	} else {
		if (mount("none", c->dir, "tmpfs", 0, "size=64k") < 0)
			return -10002;
		snprintf(unified, sizeof(unified), "%s/unified", c->dir);
		if (mkdir(unified, 0755) < 0)
			return -10003;
		if (c->mode == DOCTOR_CGROUP_HYBRID &&
		    mount("none", unified, "cgroup2", 0, NULL) < 0)
			return -10004;
	}
	return doctor_cgroup_mode(c->dir);
}

/* This test checks that doctor_cgroup_mode() tells v1, hybrid and v2 apart with statfs(2): on
 * this machine's /sys/fs/cgroup (compared with its mount table) and, as root, on cgroup
 * layouts the test mounts in a private mount namespace. */
static void test_doctor_cgroup_mode(void **state)
{
	char *table = slurp("/proc/self/mountinfo"), path[600];

	check_that(table != NULL, "cannot read /proc/self/mountinfo");
	int want = mode_from_table(table, "/sys/fs/cgroup");
	free(table);
	int got = doctor_cgroup_mode("/sys/fs/cgroup");
	if (want == -ENOENT)
		check_that(got < 0, "nothing is mounted at /sys/fs/cgroup, but got %d", got);
	else
		check_that(got == want,
		           "doctor_cgroup_mode(\"/sys/fs/cgroup\"): expected %s (%d) as "
		           "/proc/self/mountinfo says, got %d",
		           mode_name(want), want, got);
	check_int(doctor_cgroup_mode("/proc"), -EINVAL, "doctor_cgroup_mode(\"/proc\") (procfs)");
	snprintf(path, sizeof(path), "/tmp/hako-missing-%08x", hako_rand());
	check_int(doctor_cgroup_mode(path), -ENOENT, "doctor_cgroup_mode() of a missing folder");

	if (geteuid() != 0)
		return; /* the rest mounts filesystems */
	char *dir = hako_tmpdir();
	int modes[] = {DOCTOR_CGROUP_V1, DOCTOR_CGROUP_HYBRID, DOCTOR_CGROUP_V2};
	int start = (int)hako_rand_range(0, 2);
	for (int k = 0; k < 3; k++) {
		struct mount_case c = {dir, modes[(start + k) % 3]};
		got = in_child(mount_and_classify, &c, "mounting a cgroup layout");
		if (got <= -10000)
			break; /* this machine does not let us mount (in a container?) */
		check_that(got == c.mode,
		           "doctor_cgroup_mode() of a %s layout mounted at %s: got %d",
		           mode_name(c.mode), dir, got);
	}
	hako_rm_rf(dir);
	free(dir);
}

static int kvm_api_as_user(void *arg)
{
	uid_t uid = (uid_t)hako_rand_range(20000, 60000);

	if (setresgid(uid, uid, uid) < 0 || setresuid(uid, uid, uid) < 0)
		return -10000;
	return doctor_kvm_api(arg);
}

/* This test checks that doctor_kvm_api() returns KVM's API version from /dev/kvm, or the
 * negative errno of what went wrong (no such file, not allowed, not a KVM device). */
static void test_doctor_kvm_api(void **state)
{
	char *dir = hako_tmpdir(), path[600], what[700];
	int fds = hako_fd_count();

	int want = kvm_truth("/dev/kvm");
	snprintf(what, sizeof(what), "doctor_kvm_api(\"/dev/kvm\") (our own open+ioctl gave %d)",
	         want);
	check_int(doctor_kvm_api("/dev/kvm"), want, what);

	snprintf(path, sizeof(path), "%s/kvm-%08x", dir, hako_rand());
	check_int(doctor_kvm_api(path), -ENOENT, "doctor_kvm_api() of a missing file");
	check_int(doctor_kvm_api(dir), -EISDIR, "doctor_kvm_api() of a folder");
	hako_write_file(path, "not a KVM device\n");
	chmod(path, 0600);
	check_int(doctor_kvm_api(path), -ENOTTY, "doctor_kvm_api() of a plain file (ioctl fails)");
	check_int(doctor_kvm_api("/dev/null"), -ENOTTY, "doctor_kvm_api(\"/dev/null\")");
	if (geteuid() == 0) {
		int got = in_child(kvm_api_as_user, path, "opening as an ordinary user");
		check_that(got != -10000, "setresuid failed");
		check_int(got, -EACCES,
		          "doctor_kvm_api() of a root-only file, as an ordinary user");
	}
	hako_rm_rf(dir);
	free(dir);
	check_int(hako_fd_count(), fds, "open file descriptors after the calls (close?)");
}

/* Install a seccomp filter that fails unshare(CLONE_NEWUSER) and clone(CLONE_NEWUSER) with
 * ERR (and clone3, whose flags it cannot see, with ENOSYS, so the C library uses clone). */
static int deny_userns(int err)
{
#if defined(__x86_64__)
#define NATIVE_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_ARCH AUDIT_ARCH_AARCH64
#endif
#ifdef NATIVE_ARCH
#ifndef __NR_clone3
#define __NR_clone3 435
#endif
	struct sock_filter f[] = {
	    /* 0 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
	    /* 1 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NATIVE_ARCH, 1, 0),
	    /* 2 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	    /* 3 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	    /* 4 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone3, 6, 0),  /* -> 11 */
	    /* 5 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_unshare, 1, 0), /* -> 7 */
	    /* 6 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone, 0, 3),   /* -> 10 */
	    /* 7 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
	    /* 8 */ BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, CLONE_NEWUSER, 0, 1), /* -> 10 */
	    /* 9 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (err & SECCOMP_RET_DATA)),
	    /* 10 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	    /* 11 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
	};
	struct sock_fprog prog = {.len = sizeof(f) / sizeof(f[0]), .filter = f};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
#else
	return -1;
#endif
}

static int userns_denied(void *arg)
{
	if (deny_userns(*(int *)arg) < 0)
		return -10000;
	return doctor_userns();
}

/* This test checks that doctor_userns() reports whether a user namespace can be created (0, or
 * the errno unshare failed with) without moving the caller into one. */
static void test_doctor_userns(void **state)
{
	char before[128] = "", after[128] = "";

	check_that(readlink("/proc/self/ns/user", before, sizeof(before) - 1) > 0,
	           "readlink /proc/self/ns/user: %s", strerror(errno));
	int want = userns_truth(), got = doctor_userns();
	check_that(got == want, "doctor_userns(): our own try in a child gave %d (%s), got %d",
	           want, want ? strerror(-want) : "created", got);
	check_that(readlink("/proc/self/ns/user", after, sizeof(after) - 1) > 0,
	           "readlink /proc/self/ns/user: %s", strerror(errno));
	check_str(after, before, "our user namespace after doctor_userns() (try it in a child)");

	/* A machine where creating one fails: a seccomp filter makes unshare fail with ERR. */
	static const int errs[] = {EPERM, ENOSPC, EUSERS, EACCES, EINVAL};
	int err = errs[hako_rand() % 5];
	got = in_child(userns_denied, &err, "doctor_userns() under a seccomp filter");
	if (got == -10000)
		return; /* seccomp is not available here: nothing more to check */
	check_that(
	    got == -err,
	    "doctor_userns() where unshare(CLONE_NEWUSER) fails with %s: expected %d, got %d",
	    strerror(err), -err, got);
}

static int root_as_user(void *arg)
{
	uid_t uid = (uid_t)hako_rand_range(20000, 60000);

	if (setresuid(uid, uid, uid) < 0)
		return -10000;
	return doctor_is_root();
}

/* In a new user namespace, map uid 0 inside to our own uid outside, then ask. */
static int root_in_userns(void *arg)
{
	char map[64];
	uid_t outside = geteuid();

	if (unshare(CLONE_NEWUSER) < 0)
		return -10000;
	snprintf(map, sizeof(map), "0 %u 1", (unsigned)outside);
	int fd = open("/proc/self/uid_map", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, map, strlen(map)) != (ssize_t)strlen(map))
		return -10001;
	close(fd);
	if (geteuid() != 0)
		return -10002;
	return doctor_is_root();
}

/* This test checks that doctor_is_root() says 1 only for uid 0 in the host's user namespace:
 * not for another uid, and not for uid 0 inside a user namespace. */
static void test_doctor_is_root(void **state)
{
	char *map = slurp("/proc/self/uid_map");
	unsigned long a = 1, b = 1, c = 0;
	char extra[8];

	/* The initial user namespace maps everything onto itself in one line. */
	bool initial = !map || (sscanf(map, "%lu %lu %lu %7s", &a, &b, &c, extra) == 3 && a == 0 &&
	                        b == 0 && c == 4294967295UL);
	free(map);
	check_int(doctor_is_root(), geteuid() == 0 && initial,
	          geteuid() == 0 ? "doctor_is_root() as root" : "doctor_is_root() as a user");
	if (geteuid() == 0) {
		int got = in_child(root_as_user, NULL, "doctor_is_root() after setresuid");
		check_that(got != -10000, "setresuid failed");
		check_int(got, 0, "doctor_is_root() for an ordinary uid");
	}
	int got = in_child(root_in_userns, NULL, "doctor_is_root() in a user namespace");
	if (got <= -10000)
		return; /* no user namespaces here */
	check_int(got, 0, "doctor_is_root() as uid 0 inside a user namespace (see its uid_map)");
}

/* This test checks that `hako doctor` shows the answers of the functions: the kernel version,
 * the cgroup mode, KVM, and plain text (no colour codes) when its output is not a terminal. */
static void test_doctor_report(void **state)
{
	char *argv[] = {(char *)hako_prog("hako"), "doctor", NULL};
	struct hako_run r;
	char want[64];

	check_that(hako_run_argv(argv, NULL, 20000, &r) == 0, "could not start hako doctor");
	check_that(!r.timed_out, "hako doctor did not finish within 20 s");
	check_int(r.exit_code, 0, "exit code of `hako doctor`");
	check_that(strstr(r.out, "not written yet") == NULL,
	           "`hako doctor` says some functions are not written yet:\n%s", r.out);

	char *release = slurp("/proc/sys/kernel/osrelease");
	int major = 0, minor = 0;
	check_that(release && sscanf(release, "%d.%d", &major, &minor) == 2, "bad osrelease");
	free(release);
	snprintf(want, sizeof(want), "Linux %d.%d", major, minor);
	check_contains(r.out, want, "`hako doctor` output");

	char *table = slurp("/proc/self/mountinfo");
	int mode = table ? mode_from_table(table, "/sys/fs/cgroup") : -ENOENT;
	free(table);
	if (mode == DOCTOR_CGROUP_V2)
		check_contains(r.out, "v2 (unified)", "`hako doctor` output");
	if (mode == DOCTOR_CGROUP_HYBRID)
		check_contains(r.out, "hybrid", "`hako doctor` output");
	if (mode == DOCTOR_CGROUP_V1)
		check_contains(r.out, "v1 (legacy)", "`hako doctor` output");
	if (kvm_truth("/dev/kvm") == 12)
		check_contains(r.out, "API version 12", "`hako doctor` output");
	check_that(strchr(r.out, '\033') == NULL,
	           "`hako doctor` printed colour codes into a pipe (check isatty)");
	hako_run_free(&r);
}

HAKO_TEST_MAIN(HAKO_TEST(test_doctor_kernel_version), HAKO_TEST(test_doctor_namespaces),
               HAKO_TEST(test_doctor_overlayfs), HAKO_TEST(test_doctor_cgroup_classify),
               HAKO_TEST(test_doctor_cgroup_mountinfo), HAKO_TEST(test_doctor_cgroup_mode),
               HAKO_TEST(test_doctor_kvm_api), HAKO_TEST(test_doctor_userns),
               HAKO_TEST(test_doctor_is_root), HAKO_TEST(test_doctor_report))
