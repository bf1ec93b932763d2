/* test_caps.c: lesson 09's graded tests — capabilities, masked paths, fds, environment and
 * devices, each proved from inside a real container with a harmless probe (capprobe). */
#include "hako_test.h"
#include "hako.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#define RUN_MS   30000 /* generous: the grading machine may be busy */
#define BIT(cap) (1ULL << (cap))

/* ---- Helpers ---- */

/*
 * A "box": a fresh folder from hako_tmpdir() with a busybox root filesystem built by
 * tests/tools/mkrootfs.sh, the probe at /bin/capprobe inside it, and a copy of the hako under
 * test (so that an unprivileged user can run it too). The harness removes it after the test.
 */
struct box {
	char *dir;
	char rootfs[PATH_MAX];
	char hako[PATH_MAX];
};

static void copy_file(const char *from, const char *to, mode_t mode)
{
	char buf[65536];
	ssize_t n;
	int in = open(from, O_RDONLY | O_CLOEXEC);
	int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0700);

	check_that(in >= 0 && out >= 0, "copy %s to %s: %s", from, to, strerror(errno));
	while ((n = read(in, buf, sizeof(buf))) > 0)
		check_that(write(out, buf, (size_t)n) == n, "write %s: %s", to, strerror(errno));
	close(in);
	close(out);
	check_that(chmod(to, mode) == 0, "chmod %s: %s", to, strerror(errno));
}

static void box_setup(struct box *b)
{
	char path[PATH_MAX];

	b->dir = hako_tmpdir();
	chmod(b->dir, 0755); /* an unprivileged hako must be able to look inside */
	snprintf(b->rootfs, sizeof(b->rootfs), "%s/rootfs", b->dir);
	hako_make_rootfs(b->rootfs);
	snprintf(path, sizeof(path), "%s/bin/capprobe", b->rootfs);
	copy_file(hako_prog("capprobe"), path, 0755);
	snprintf(b->hako, sizeof(b->hako), "%s/hako", b->dir);
	copy_file(hako_prog("hako"), b->hako, 0755);
}

/*
 * Run `hako run OPTS... ROOTFS /bin/capprobe PROBE...` (each list NULL-terminated) and
 * capture what it prints. AS_NOBODY: as uid/gid 65534 with no groups, which makes hako
 * rootless (lesson 05).
 */
static void box_run(struct box *b, struct hako_run *r, const char *const *opts,
                    const char *const *probe, bool as_nobody)
{
	const char *argv[64];
	int n = 0;

	if (as_nobody && geteuid() == 0) {
		argv[n++] = "/usr/bin/setpriv";
		argv[n++] = "--reuid=65534";
		argv[n++] = "--regid=65534";
		argv[n++] = "--clear-groups";
	}
	argv[n++] = b->hako;
	argv[n++] = "run";
	/* Capabilities alone: lesson 10's seccomp filter, on by default, refuses mount and
	 * open_by_handle_at too, and would hide a capability this lesson's code failed to drop. */
	argv[n++] = "--security-opt";
	argv[n++] = "seccomp=unconfined";
	/* Without root, sysfs can be mounted only in a network namespace of one's own (04). */
	if (as_nobody || geteuid() != 0)
		argv[n++] = "--net=none";
	for (; opts && *opts && n < 40; opts++)
		argv[n++] = *opts;
	argv[n++] = b->rootfs;
	argv[n++] = "/bin/capprobe";
	for (; probe && *probe && n < 62; probe++)
		argv[n++] = *probe;
	argv[n] = NULL;
	check_that(hako_run_argv((char *const *)argv, NULL, RUN_MS, r) == 0, "could not start %s",
	           argv[0]);
	check_that(!r->timed_out, "hako run did not finish within %d s", RUN_MS / 1000);
}

/* Skip a rootless test when this kernel keeps user namespaces from unprivileged users. */
static void skip_without_userns(const struct hako_run *r)
{
	if (r->exit_code == HAKO_EXIT_FAILED && r->err &&
	    (strstr(r->err, "clone") || strstr(r->err, "uid/gid maps")))
		hako_skip("needs user namespaces for unprivileged users: run `sudo sysctl -w "
		          "kernel.unprivileged_userns_clone=1` and check that "
		          "user.max_user_namespaces is not 0");
}

/* The text after "KEY" up to the end of its line in OUT (KEY includes its "=" or ":"), in a
 * static buffer, or NULL. */
static const char *value_of(const char *out, const char *key)
{
	static char buf[8][512];
	static unsigned next;
	char *v = buf[next++ % 8];
	size_t klen = strlen(key);

	for (const char *line = out; line && *line; line = strchr(line, '\n')) {
		if (*line == '\n')
			line++;
		if (strncmp(line, key, klen) == 0) {
			const char *s = line + klen, *end = strchr(s, '\n');
			size_t len = end ? (size_t)(end - s) : strlen(s);
			while (len && (*s == '\t' || *s == ' '))
				s++, len--;
			if (len >= sizeof(buf[0]))
				len = sizeof(buf[0]) - 1;
			memcpy(v, s, len);
			v[len] = '\0';
			return v;
		}
	}
	return NULL;
}

/* A capability set from the probe's status lines ("CapEff:" ...), or ~0 if missing. */
static unsigned long long cap_line(const struct hako_run *r, const char *key)
{
	const char *v = value_of(r->out, key);

	return v ? strtoull(v, NULL, 16) : ~0ULL;
}

/* This process's own bounding set: what hako (run by it) can hand on at most. */
static unsigned long long own_bounding(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	unsigned long long v = 0;

	check_that(f != NULL, "open /proc/self/status: %s", strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "CapBnd:", 7) == 0)
			v = strtoull(line + 7, NULL, 16);
	fclose(f);
	return v;
}

/* Check all five sets of a probe's `status` output. */
static void check_sets(const struct hako_run *r, unsigned long long bnd, unsigned long long prm)
{
	check_exit(r, 0, "hako run ... capprobe status");
	check_int(cap_line(r, "CapBnd:"), bnd, "CapBnd (bounding set) inside");
	check_int(cap_line(r, "CapPrm:"), prm, "CapPrm (permitted set) inside");
	check_int(cap_line(r, "CapEff:"), prm, "CapEff (effective set) inside");
	check_int(cap_line(r, "CapInh:"), 0, "CapInh (inheritable set) inside");
	check_int(cap_line(r, "CapAmb:"), 0, "CapAmb (ambient set) inside");
}

/* Check that the probe printed KEY=WANT. */
static void check_probe(const struct hako_run *r, const char *key, const char *want,
                        const char *what)
{
	check_exit(r, 0, "hako run ... capprobe");
	check_str(value_of(r->out, key), want, what);
}

/* Capabilities with their numbers, for random picks. IN_DEFAULT: in Docker's set. */
static const struct cap_name {
	const char *name;
	int num;
	bool in_default;
} cap_names[] = {
    {"CHOWN", 0, true},
    {"DAC_OVERRIDE", 1, true},
    {"FOWNER", 3, true},
    {"FSETID", 4, true},
    {"KILL", 5, true},
    {"SETGID", 6, true},
    {"SETUID", 7, true},
    {"SETPCAP", 8, true},
    {"NET_BIND_SERVICE", 10, true},
    {"NET_RAW", 13, true},
    {"SYS_CHROOT", 18, true},
    {"MKNOD", 27, true},
    {"AUDIT_WRITE", 29, true},
    {"SETFCAP", 31, true},
    {"DAC_READ_SEARCH", 2, false},
    {"LINUX_IMMUTABLE", 9, false},
    {"NET_ADMIN", 12, false},
    {"IPC_LOCK", 14, false},
    {"SYS_PTRACE", 19, false},
    {"SYS_ADMIN", 21, false},
    {"SYS_NICE", 23, false},
    {"SYS_RESOURCE", 24, false},
    {"SYS_TIME", 25, false},
    {"LEASE", 28, false},
    {"AUDIT_CONTROL", 30, false},
    {"SYSLOG", 34, false},
    {"WAKE_ALARM", 35, false},
};
#define N_CAPS (sizeof(cap_names) / sizeof(cap_names[0]))

/* A random capability that is (IN_DEFAULT) or is not in Docker's set, and that this process
 * holds in its bounding set. */
static const struct cap_name *random_cap(bool in_default)
{
	unsigned long long have = own_bounding();

	for (int tries = 0; tries < 1000; tries++) {
		const struct cap_name *c = &cap_names[hako_rand_range(0, N_CAPS - 1)];
		if (c->in_default == in_default && (have & BIT(c->num)))
			return c;
	}
	hako_skip("this process holds none of the capabilities the test picks from");
}

/* NAME spelled as a user might: any case, with or without "CAP_", into BUF. */
static const char *random_spelling(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s", hako_rand_range(0, 1) ? "CAP_" : "", name);
	int style = (int)hako_rand_range(0, 2);
	for (char *p = buf; *p; p++)
		if (style == 1 || (style == 2 && hako_rand_range(0, 1)))
			*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
	return buf;
}

static const char *probe_status[] = {"status", NULL};

/* ---- Names and rules (no container) ---- */

static void test_caps_parse_name(void **state)
{
	/* This test checks that caps_parse_name() reads a capability as docker does: any case,
	 * with or without CAP_, "ALL"; and refuses numbers, empty and unknown names. */
	char buf[64], what[128];

	for (int i = 0; i < 8; i++) {
		const struct cap_name *c = &cap_names[hako_rand_range(0, N_CAPS - 1)];
		random_spelling(c->name, buf, sizeof(buf));
		snprintf(what, sizeof(what), "caps_parse_name(\"%s\")", buf);
		check_int(caps_parse_name(buf), c->num, what);
	}
	check_int(caps_parse_name(hako_rand_range(0, 1) ? "ALL" : "all"), CAPS_ALL,
	          "caps_parse_name(\"ALL\")");
	char unknown[24] = "CAP_";
	hako_rand_name(unknown + 4, 12);
	const char *bad[] = {"", "CAP_", "21", "CAP_ALL", "SYS ADMIN", unknown, "CAP_CHOWNX"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(what, sizeof(what), "caps_parse_name(\"%s\")", bad[i]);
		check_int(caps_parse_name(bad[i]), -EINVAL, what);
	}
}

static void test_caps_resolve_rules(void **state)
{
	/* This test checks that caps_resolve() applies Docker's three rules: default + add -
	 * drop, "ALL" dropped keeps only the added ones, "ALL" added keeps all but the dropped. */
	const struct cap_name *x = random_cap(false), *y = random_cap(true);
	uint64_t got = 0;
	char xs[64], ys[64];
	const char *add[] = {random_spelling(x->name, xs, sizeof(xs))};
	const char *drop[] = {random_spelling(y->name, ys, sizeof(ys))};
	const char *all[] = {"ALL"};

	check_int(caps_resolve(NULL, 0, NULL, 0, &got), 0, "caps_resolve with no options");
	check_int(got, CAPS_DOCKER_DEFAULT, "set with no options (Docker's default)");
	check_int(caps_resolve(add, 1, drop, 1, &got), 0, "caps_resolve(add X, drop Y)");
	check_int(got, (CAPS_DOCKER_DEFAULT | BIT(x->num)) & ~BIT(y->num),
	          "default + X - Y (X, Y random)");
	check_int(caps_resolve(add, 1, all, 1, &got), 0, "caps_resolve(add X, drop ALL)");
	check_int(got, BIT(x->num), "--cap-drop ALL --cap-add X keeps only X");
	check_int(caps_resolve(all, 1, drop, 1, &got), 0, "caps_resolve(add ALL, drop Y)");
	check_int(got, own_bounding() & ~BIT(y->num), "--cap-add ALL --cap-drop Y");
	check_int(caps_resolve(drop, 1, drop, 1, &got), 0, "caps_resolve(add Y, drop Y)");
	check_int(got, CAPS_DOCKER_DEFAULT, "a name both added and dropped is kept");
	const char *bad[] = {"CAP_NOT_A_CAPABILITY"};
	check_int(caps_resolve(bad, 1, NULL, 0, &got), -EINVAL, "an unknown name");
}

static void test_caps_hako_unknown_name(void **state)
{
	/* This test checks that `hako run --cap-add UNKNOWN` fails with a clear message, exit
	 * status 125, before anything is made: the command never runs. */
	struct box b;
	struct hako_run r;
	char name[24] = "CAP_", marker[PATH_MAX];

	box_setup(&b);
	hako_rand_name(name + 4, 10);
	snprintf(marker, sizeof(marker), "%s/ran", b.rootfs);
	const char *argv[] = {b.hako,   "run",        "--cap-add", name,
	                      b.rootfs, "/bin/touch", "/ran",      NULL};
	check_that(hako_run_argv((char *const *)argv, NULL, RUN_MS, &r) == 0, "could not run hako");
	check_exit(&r, HAKO_EXIT_FAILED, "hako run --cap-add UNKNOWN");
	check_contains(r.err, name, "the message names the unknown capability");
	check_contains(r.err, "capsh --print", "the message says how to list valid names");
	check_that(access(marker, F_OK) != 0, "the command ran although the option was wrong");
	hako_run_free(&r);
}

/* ---- The sets inside a container ---- */

static void test_caps_default_sets(void **state)
{
	/* This test checks that a container gets Docker's 14 capabilities in its bounding,
	 * permitted and effective sets, and nothing inheritable or ambient; and that its init
	 * (PID 1) holds the same. */
	struct box b;
	struct hako_run r;

	const char *probe_init[] = {"status", "1", NULL};

	hako_require_root();
	box_setup(&b);
	box_run(&b, &r, NULL, probe_status, false);
	check_sets(&r, CAPS_DOCKER_DEFAULT, CAPS_DOCKER_DEFAULT);
	hako_run_free(&r);
	/* The container's init (hako's own code, PID 1 inside) holds the same, no more. */
	box_run(&b, &r, NULL, probe_init, false);
	check_exit(&r, 0, "hako run ... capprobe status 1");
	check_int(cap_line(&r, "1:CapBnd:"), CAPS_DOCKER_DEFAULT, "CapBnd of the container's init");
	check_int(cap_line(&r, "1:CapPrm:"), CAPS_DOCKER_DEFAULT, "CapPrm of the container's init");
	check_int(cap_line(&r, "1:CapEff:"), CAPS_DOCKER_DEFAULT, "CapEff of the container's init");
	check_int(cap_line(&r, "1:CapInh:"), 0, "CapInh of the container's init");
	hako_run_free(&r);
}

static void test_caps_drop_all(void **state)
{
	/* This test checks that --cap-drop ALL (in a random spelling) leaves every set empty. */
	struct box b;
	struct hako_run r;
	const char *opts[] = {"--cap-drop", hako_rand_range(0, 1) ? "ALL" : "all", NULL};

	hako_require_root();
	box_setup(&b);
	box_run(&b, &r, opts, probe_status, false);
	check_sets(&r, 0, 0);
	hako_run_free(&r);
}

static void test_caps_add_and_drop(void **state)
{
	/* This test checks that --cap-add X and --cap-drop Y (random, in random spellings) give
	 * the default set plus X minus Y, in bounding, permitted and effective. */
	struct box b;
	struct hako_run r;
	char xs[64], ys[64];
	const struct cap_name *x = random_cap(false), *y = random_cap(true);
	const char *opts[] = {"--cap-add", random_spelling(x->name, xs, sizeof(xs)), "--cap-drop",
	                      random_spelling(y->name, ys, sizeof(ys)), NULL};
	unsigned long long want = (CAPS_DOCKER_DEFAULT | BIT(x->num)) & ~BIT(y->num);

	hako_require_root();
	box_setup(&b);
	box_run(&b, &r, opts, probe_status, false);
	check_sets(&r, want, want);
	hako_run_free(&r);
}

static void test_caps_privileged(void **state)
{
	/* This test checks that --privileged gives every capability hako holds itself. */
	struct box b;
	struct hako_run r;
	const char *opts[] = {"--privileged", NULL};

	hako_require_root();
	box_setup(&b);
	box_run(&b, &r, opts, probe_status, false);
	check_sets(&r, own_bounding(), own_bounding());
	hako_run_free(&r);
}

static void test_caps_rootless_default_sets(void **state)
{
	/* This test checks that a rootless container (hako run by an unprivileged user) gets the
	 * same sets: root in a user namespace holds every capability there until hako drops them. */
	struct box b;
	struct hako_run r;

	box_setup(&b);
	box_run(&b, &r, NULL, probe_status, true);
	skip_without_userns(&r);
	check_sets(&r, CAPS_DOCKER_DEFAULT, CAPS_DOCKER_DEFAULT);
	hako_run_free(&r);
}

/* ---- What the default set refuses ---- */

static void test_caps_mount_refused(void **state)
{
	/* This test checks that root in a default container cannot mount (no CAP_SYS_ADMIN). */
	struct box b;
	struct hako_run r;
	const char *probe[] = {"mount-tmpfs", NULL};

	hako_require_root();
	box_setup(&b);
	box_run(&b, &r, NULL, probe, false);
	check_probe(&r, "mount=", "EPERM", "mount tmpfs inside");
	hako_run_free(&r);
}

static void test_caps_module_load_refused(void **state)
{
	/* This test checks that finit_module fails with EPERM inside (the capability check comes
	 * before the fd is looked at), and that --cap-add SYS_MODULE either lifts it (EBADF) or,
	 * when hako does not hold CAP_SYS_MODULE itself, is refused with a message naming it. */
	struct box b;
	struct hako_run r;
	const char *probe[] = {"finit", NULL};
	const char *opts[] = {"--cap-add", "SYS_MODULE", NULL};

	hako_require_root();
	errno = 0;
	if (syscall(SYS_finit_module, -1, "", 0) < 0 && errno == ENOSYS)
		hako_skip("this kernel was built without loadable modules (finit_module: ENOSYS)");
	box_setup(&b);
	box_run(&b, &r, NULL, probe, false);
	check_probe(&r, "finit=", "EPERM", "finit_module(-1) in a default container");
	hako_run_free(&r);

	box_run(&b, &r, opts, probe, false);
	if (own_bounding() & BIT(16)) {
		check_probe(&r, "finit=", "EBADF", "finit_module(-1) with --cap-add SYS_MODULE");
	} else {
		check_exit(&r, HAKO_EXIT_FAILED, "--cap-add SYS_MODULE when hako lacks it");
		check_that(strcasestr(r.err, "sys_module") != NULL,
		           "the message must name the capability hako cannot give; got \"%s\"",
		           r.err);
	}
	hako_run_free(&r);
}

static void test_caps_shocker_refused(void **state)
{
	/* This test checks that open_by_handle_at ("shocker": open any inode of the root's
	 * filesystem by number, outside the container's root) fails with EPERM: it needs
	 * CAP_DAC_READ_SEARCH. */
	struct box b;
	struct hako_run r;
	const char *probe[] = {"shocker", NULL};

	hako_require_root();
	box_setup(&b);
	box_run(&b, &r, NULL, probe, false);
	check_probe(&r, "shocker=", "EPERM", "open_by_handle_at inside");
	hako_run_free(&r);
}

static void test_caps_mknod_dropped(void **state)
{
	/* This test checks that with --cap-drop MKNOD a block device cannot even be made. */
	struct box b;
	struct hako_run r;
	char maj[16], min[16];
	const char *opts[] = {"--cap-drop", hako_rand_range(0, 1) ? "MKNOD" : "cap_mknod", NULL};

	snprintf(maj, sizeof(maj), "%ld", hako_rand_range(1, 250));
	snprintf(min, sizeof(min), "%ld", hako_rand_range(0, 255));
	const char *probe[] = {"mknod", "/tmp/blk", "b", maj, min, NULL};
	hako_require_root();
	box_setup(&b);
	box_run(&b, &r, opts, probe, false);
	check_probe(&r, "mknod=", "EPERM", "mknod of a block device without CAP_MKNOD");
	hako_run_free(&r);
}

/* ---- Users, setuid programs and no_new_privs ---- */

/* Put a setuid-root copy of the probe at /bin/suidprobe in the box. */
static void add_setuid_probe(struct box *b)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/bin/suidprobe", b->rootfs);
	copy_file(hako_prog("capprobe"), path, 04755);
	check_that(chown(path, 0, 0) == 0 && chmod(path, 04755) == 0, "setuid %s: %s", path,
	           strerror(errno));
}

static void test_caps_user_switch(void **state)
{
	/* This test checks that --user UID:GID (random) runs the workload with exactly that uid
	 * and gid, none of the caller's supplementary groups, and no capabilities. */
	struct box b;
	struct hako_run r;
	char user[32], want_uid[64], want_gid[64];
	long uid = hako_rand_range(1000, 60000), gid = hako_rand_range(1000, 60000);
	gid_t groups[] = {(gid_t)hako_rand_range(100, 999), (gid_t)hako_rand_range(100, 999)};
	const char *opts[] = {"--user", user, NULL};

	hako_require_root();
	box_setup(&b);
	/* The caller (this test process) has supplementary groups; the container must not. */
	check_that(setgroups(2, groups) == 0, "setgroups: %s", strerror(errno));
	snprintf(user, sizeof(user), "%ld:%ld", uid, gid);
	snprintf(want_uid, sizeof(want_uid), "%ld\t%ld\t%ld\t%ld", uid, uid, uid, uid);
	snprintf(want_gid, sizeof(want_gid), "%ld\t%ld\t%ld\t%ld", gid, gid, gid, gid);
	box_run(&b, &r, opts, probe_status, false);
	check_exit(&r, 0, "hako run --user UID:GID");
	check_str(value_of(r.out, "Uid:"), want_uid, "Uid: real, effective, saved, fs");
	check_str(value_of(r.out, "Gid:"), want_gid, "Gid: real, effective, saved, fs");
	check_str(value_of(r.out, "Groups:"), "", "supplementary groups inside");
	check_int(cap_line(&r, "CapEff:"), 0, "CapEff of a non-root user");
	check_int(cap_line(&r, "CapBnd:"), CAPS_DOCKER_DEFAULT, "CapBnd of a non-root user");
	hako_run_free(&r);
}

static void test_caps_user_unmapped_once(void **state)
{
	/* This test checks that a failed user switch is printed once, by the code that knows the
	 * call: a rootless container maps only root, so the random --user UID:GID does not exist
	 * there and setresgid fails (EINVAL); hako's caller must not add a second line. */
	struct box b;
	struct hako_run r;
	char user[32];
	const char *opts[] = {"--user", user, NULL};
	const char *reason = strerror(EINVAL);
	int times = 0;

	box_setup(&b);
	snprintf(user, sizeof(user), "%ld:%ld", hako_rand_range(1000, 60000),
	         hako_rand_range(1000, 60000));
	box_run(&b, &r, opts, probe_status, true);
	skip_without_userns(&r);
	for (const char *p = r.err; p && (p = strstr(p, reason)); p += strlen(reason))
		times++;
	check_exit(&r, HAKO_EXIT_FAILED, "rootless hako run --user UID:GID (not mapped inside)");
	check_contains(r.err, "setresgid", "hako's stderr (the call that failed)");
	check_contains(r.err, reason, "hako's stderr (the kernel's reason)");
	check_that(times == 1, "hako printed the failure %d times, not once:\n%s", times, r.err);
	hako_run_free(&r);
}

static void test_caps_no_new_privs_setuid(void **state)
{
	/* This test checks that with --security-opt no-new-privileges a setuid-root program
	 * inside gains nothing: NoNewPrivs is 1, it stays the user, with no capabilities. */
	struct box b;
	struct hako_run r;
	char user[32], want_uid[64];
	long uid = hako_rand_range(1000, 60000);
	const char *opts[] = {
	    "--user", user, "--security-opt",
	    hako_rand_range(0, 1) ? "no-new-privileges" : "no-new-privileges=true", NULL};

	hako_require_root();
	box_setup(&b);
	add_setuid_probe(&b);
	snprintf(user, sizeof(user), "%ld", uid);
	snprintf(want_uid, sizeof(want_uid), "%ld\t%ld\t%ld\t%ld", uid, uid, uid, uid);
	/* seccomp=unconfined: lesson 10's filter sets no_new_privs when it loads; without it,
	 * only the option can have set it. */
	const char *argv[] = {b.hako,           "run",
	                      opts[0],          opts[1],
	                      opts[2],          opts[3],
	                      "--security-opt", "seccomp=unconfined",
	                      b.rootfs,         "/bin/suidprobe",
	                      "status",         NULL};
	check_that(hako_run_argv((char *const *)argv, NULL, RUN_MS, &r) == 0, "could not run hako");
	check_exit(&r, 0, "hako run --security-opt no-new-privileges ... suidprobe");
	check_str(value_of(r.out, "NoNewPrivs:"), "1", "NoNewPrivs inside");
	check_str(value_of(r.out, "Uid:"), want_uid, "Uid after exec of a setuid-root program");
	check_int(cap_line(&r, "CapEff:"), 0, "CapEff after exec of a setuid-root program");
	hako_run_free(&r);
}

static void test_caps_setuid_bounded(void **state)
{
	/* This test checks that without no_new_privs a setuid-root program run by a user becomes
	 * root, but gets only the bounding set: never more than Docker's default. */
	struct box b;
	struct hako_run r;
	char user[32];
	long uid = hako_rand_range(1000, 60000);

	hako_require_root();
	box_setup(&b);
	add_setuid_probe(&b);
	snprintf(user, sizeof(user), "%ld", uid);
	/* seccomp=unconfined: hako loads lesson 10's filter after dropping capabilities, which
	 * needs no_new_privs; runc avoids that by loading it earlier when no_new_privs is not
	 * asked for. Without the filter, no_new_privs is set only when asked, as here. */
	const char *argv[] = {b.hako,           "run",
	                      "--user",         user,
	                      "--security-opt", "seccomp=unconfined",
	                      b.rootfs,         "/bin/suidprobe",
	                      "status",         NULL};
	check_that(hako_run_argv((char *const *)argv, NULL, RUN_MS, &r) == 0, "could not run hako");
	check_exit(&r, 0, "hako run --user UID ... suidprobe");
	check_str(value_of(r.out, "NoNewPrivs:"), "0", "NoNewPrivs inside without the option");
	const char *u = value_of(r.out, "Uid:");
	check_that(u && strtol(strchr(u, '\t') ? strchr(u, '\t') + 1 : u, NULL, 10) == 0,
	           "a setuid-root program must run with euid 0 without no_new_privs; Uid: %s",
	           u ? u : "(none)");
	check_int(cap_line(&r, "CapEff:"), CAPS_DOCKER_DEFAULT,
	          "CapEff of the setuid-root program: the bounding set, no more");
	hako_run_free(&r);
}

/* ---- /proc and /sys ---- */

static void test_secure_masked_paths(void **state)
{
	/* This test checks that Docker's masked /proc files that this kernel has and that the
	 * host can read (timer_list, sched_debug, keys, kcore ...) read as empty inside. */
	const char *files[] = {"/proc/timer_list", "/proc/sched_debug",   "/proc/keys",
	                       "/proc/kcore",      "/proc/latency_stats", "/proc/timer_stats"};
	struct box b;
	struct hako_run r;
	int checked = 0;

	hako_require_root();
	box_setup(&b);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char buf[16];
		int fd = open(files[i], O_RDONLY | O_CLOEXEC);
		ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf)) : -1;
		if (fd >= 0)
			close(fd);
		if (n <= 0)
			continue; /* missing or empty on this host: proves nothing */
		const char *probe[] = {"read", files[i], NULL};
		char what[128];
		snprintf(what, sizeof(what), "bytes read from %s inside (masked)", files[i]);
		box_run(&b, &r, NULL, probe, false);
		check_probe(&r, "read=", "0", what);
		hako_run_free(&r);
		checked++;
	}
	if (!checked)
		hako_skip("none of Docker's masked /proc files has content on this kernel");
}

static void test_secure_readonly_paths(void **state)
{
	/* This test checks that /proc/sys and /proc/sysrq-trigger cannot be opened for writing
	 * inside (EROFS), and that /proc/sys keeps proc's nosuid, nodev, noexec. Nothing is ever
	 * written: the probe only opens. */
	const char *files[] = {"/proc/sys/kernel/core_pattern", "/proc/sys/kernel/domainname",
	                       "/proc/sysrq-trigger"};
	struct box b;
	struct hako_run r;

	hako_require_root();
	box_setup(&b);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (access(files[i], F_OK) != 0)
			continue; /* /proc/sysrq-trigger: not on every kernel */
		const char *probe[] = {"open", files[i], "w", NULL};
		char what[128];
		snprintf(what, sizeof(what), "open %s for writing inside", files[i]);
		box_run(&b, &r, NULL, probe, false);
		check_probe(&r, "open=", "EROFS", what);
		hako_run_free(&r);
	}
	/* Read-only, and still nosuid, nodev, noexec like the rest of /proc. */
	const char *opts[] = {"mountopts", "/proc/sys", NULL};
	box_run(&b, &r, NULL, opts, false);
	check_exit(&r, 0, "hako run ... capprobe mountopts /proc/sys");
	const char *o = value_of(r.out, "opts=");
	check_that(o && strncmp(o, "ro,", 3) == 0, "/proc/sys must be mounted ro; its options: %s",
	           o ? o : "(none)");
	check_contains(o, "nosuid", "the options of /proc/sys");
	check_contains(o, "nodev", "the options of /proc/sys");
	check_contains(o, "noexec", "the options of /proc/sys");
	hako_run_free(&r);
}

static void test_secure_remount_refused(void **state)
{
	/* This test checks that /, /sys and /proc/sys cannot be remounted read-write inside. */
	const char *paths[] = {"/", "/sys", "/proc/sys"};
	struct box b;
	struct hako_run r;

	hako_require_root();
	box_setup(&b);
	for (size_t i = 0; i < 3; i++) {
		const char *probe[] = {"remount", paths[i], NULL};
		char what[64];
		snprintf(what, sizeof(what), "remount %s read-write inside", paths[i]);
		box_run(&b, &r, NULL, probe, false);
		check_probe(&r, "remount=", "EPERM", what);
		hako_run_free(&r);
	}
}

static void test_secure_rootless_masked(void **state)
{
	/* This test checks that a rootless container has the masked and read-only paths too. */
	struct box b;
	struct hako_run r;
	/* A file that root of the container's own network namespace may write, given
	 * CAP_NET_ADMIN, so that only the read-only mount can refuse it. */
	const char *probe[] = {"open", "/proc/sys/net/ipv4/ping_group_range", "w", NULL};
	const char *opts[] = {"--cap-add", "NET_ADMIN", NULL};
	const char *probe2[] = {"read", "/proc/timer_list", NULL};

	box_setup(&b);
	box_run(&b, &r, opts, probe, true);
	skip_without_userns(&r);
	check_probe(&r, "open=", "EROFS",
	            "open /proc/sys/net/ipv4/ping_group_range for writing, rootless");
	hako_run_free(&r);
	if (access("/proc/timer_list", R_OK) == 0) {
		box_run(&b, &r, NULL, probe2, true);
		check_probe(&r, "read=", "0", "bytes read from /proc/timer_list, rootless");
		hako_run_free(&r);
	}
}

/* ---- What the caller leaves behind: fds and environment ---- */

static void test_secure_fd_not_inherited(void **state)
{
	/* This test checks that a folder fd that hako's caller left open (CVE-2024-21626's
	 * class) is not open inside, neither in the workload nor in the container's init, and
	 * that the marker file in that host folder cannot be reached through it. */
	struct box b;
	struct hako_run r;
	char host[PATH_MAX], marker[16], path[PATH_MAX], fdtext[16];
	int fd = (int)hako_rand_range(20, 200);

	hako_require_root();
	box_setup(&b);
	hako_rand_name(marker, 12);
	snprintf(host, sizeof(host), "%s/host-only", b.dir);
	snprintf(path, sizeof(path), "%s/%s", host, marker);
	hako_write_file(path, "on the host\n");
	int dir = open(host, O_RDONLY | O_DIRECTORY); /* no O_CLOEXEC: it leaks into hako */
	check_that(dir >= 0 && dup2(dir, fd) == fd, "open %s as fd %d: %s", host, fd,
	           strerror(errno));
	close(dir);
	snprintf(fdtext, sizeof(fdtext), "%d", fd);
	const char *probe[] = {"fds", fdtext, marker, NULL};
	box_run(&b, &r, NULL, probe, false);
	close(fd);
	check_exit(&r, 0, "hako run ... capprobe fds");
	check_str(value_of(r.out, "self="), "0,1,2,", "fds open in the workload");
	check_str(value_of(r.out, "init="), "0,1,2,", "fds open in the container's init (PID 1)");
	check_str(value_of(r.out, "openat="), "EBADF", "openat(leaked fd, marker)");
	check_that(strcmp(value_of(r.out, "via-init=") ?: "", "ok") != 0,
	           "the host's marker was reached through /proc/1/fd");
	hako_run_free(&r);
}

static void test_secure_env_built(void **state)
{
	/* This test checks that the workload's environment is built, not inherited: a random
	 * variable of the caller is absent; PATH, HOSTNAME (the --hostname) and HOME are set. */
	struct box b;
	struct hako_run r;
	char key[24] = "HAKO_", value[24], host[16], line[64];
	const char *opts[] = {"--hostname", host, NULL};
	const char *probe[] = {"env", NULL};

	hako_require_root();
	box_setup(&b);
	hako_rand_name(key + 5, 10);
	for (char *p = key; *p; p++)
		*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
	hako_rand_name(value, 16);
	hako_rand_name(host, 10);
	setenv(key, value, 1);
	box_run(&b, &r, opts, probe, false);
	unsetenv(key);
	check_exit(&r, 0, "hako run ... capprobe env");
	snprintf(line, sizeof(line), "env:%s=", key);
	check_that(value_of(r.out, line) == NULL, "the caller's %s=%s is visible inside", key,
	           value);
	check_str(value_of(r.out, "env:PATH="),
	          "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "PATH inside");
	check_str(value_of(r.out, "env:HOSTNAME="), host, "HOSTNAME inside");
	check_str(value_of(r.out, "env:HOME="), "/root", "HOME inside (root)");
	check_that(value_of(r.out, "env:TERM=") == NULL, "TERM is set although stdin is no tty");
	int n = 0;
	for (const char *p = r.out; (p = strstr(p, "env:")); p++)
		n++;
	check_int(n, 3, "variables inside (PATH, HOSTNAME, HOME)");
	hako_run_free(&r);
}

/* ---- Devices and cgroups ---- */

static void require_devices_v1(void)
{
	hako_require_root();
	hako_require_path("/sys/fs/cgroup/devices/cgroup.procs",
	                  "the cgroup v1 devices controller (on cgroup v2 hako does not limit "
	                  "devices yet)");
}

static void test_devices_host_disk(void **state)
{
	/* This test checks that the host's root disk, made with mknod inside (allowed, as in
	 * Docker), can be neither opened nor mounted. The mount is only tried after the open
	 * failed, read-only, in the container's own mount namespace. */
	struct box b;
	struct hako_run r;
	struct stat st;
	char maj[16], min[16];

	require_devices_v1();
	check_that(stat("/", &st) == 0, "stat /: %s", strerror(errno));
	if (major(st.st_dev) == 0)
		hako_skip("the host's / is not on a block device here (overlay, tmpfs, btrfs)");
	box_setup(&b);
	/* If this machine keeps even the host's root from opening its disk (a device policy of
	 * its own), a refusal inside would prove nothing, and the probe would go on to mount.
	 * The node is made in the test's own folder, opened read-only, never read. */
	char dev[PATH_MAX];
	snprintf(dev, sizeof(dev), "%s/disk", b.dir);
	check_that(mknod(dev, S_IFBLK | 0600, st.st_dev) == 0, "mknod %s: %s", dev,
	           strerror(errno));
	int fd = open(dev, O_RDONLY | O_CLOEXEC);
	int open_errno = errno;
	unlink(dev);
	if (fd < 0)
		hako_skip(
		    "the host itself cannot open its disk (%u:%u) here (%s): a refusal inside "
		    "would prove nothing",
		    major(st.st_dev), minor(st.st_dev), strerror(open_errno));
	close(fd);
	snprintf(maj, sizeof(maj), "%u", major(st.st_dev));
	snprintf(min, sizeof(min), "%u", minor(st.st_dev));
	/* One container: make the node, then try it. */
	char script[256];
	snprintf(script, sizeof(script),
	         "/bin/capprobe mknod /tmp/disk b %s %s; /bin/capprobe open /tmp/disk r; "
	         "/bin/capprobe mount-dev /tmp/disk",
	         maj, min);
	const char *argv[] = {b.hako, "run", b.rootfs, "/bin/sh", "-c", script, NULL};
	check_that(hako_run_argv((char *const *)argv, NULL, RUN_MS, &r) == 0, "could not run hako");
	check_exit(&r, 0, "hako run ... mknod, open, mount of the host's disk");
	check_str(value_of(r.out, "mknod="), "ok",
	          "mknod of the disk (CAP_MKNOD is in the default)");
	check_str(value_of(r.out, "open="), "EPERM", "open the host's disk inside");
	check_str(value_of(r.out, "mount="), "EPERM", "mount the host's disk inside");
	hako_run_free(&r);
}

static void test_devices_allowed_nodes(void **state)
{
	/* This test checks that the devices a container needs open (/dev/null, zero, full,
	 * urandom, ptmx) while another one made with mknod (/dev/mem, 1:1) does not. */
	struct box b;
	struct hako_run r;
	const char *script = "for d in null zero full random urandom ptmx; do "
	                     "/bin/capprobe open /dev/$d r; done; "
	                     "/bin/capprobe mknod /tmp/mem c 1 1; /bin/capprobe open /tmp/mem r";

	require_devices_v1();
	box_setup(&b);
	const char *argv[] = {b.hako, "run", b.rootfs, "/bin/sh", "-c", script, NULL};
	check_that(hako_run_argv((char *const *)argv, NULL, RUN_MS, &r) == 0, "could not run hako");
	check_exit(&r, 0, "hako run ... open devices");
	int ok = 0;
	for (const char *p = r.out; (p = strstr(p, "open=ok")); p++)
		ok++;
	check_int(ok, 6, "the allowed devices that opened (null zero full random urandom ptmx)");
	check_str(value_of(r.out, "mknod="), "ok", "mknod /dev/mem's numbers (allowed, as Docker)");
	check_contains(r.out, "open=EPERM", "opening /dev/mem's numbers inside");
	hako_run_free(&r);
}

static void test_devices_cgroup_limits(void **state)
{
	/* This test checks that a container with --memory and --pids-limit cannot raise them:
	 * mounting its cgroup hierarchies inside is refused. */
	struct box b;
	struct hako_run r;
	const char *opts[] = {"--memory", "64m", "--pids-limit", "50", NULL};
	const char *mem[] = {"cgroup", "memory", "memory.limit_in_bytes", "1073741824", NULL};
	const char *pids[] = {"cgroup", "pids", "pids.max", "max", NULL};

	hako_require_root();
	hako_require_path("/sys/fs/cgroup/memory/cgroup.procs",
	                  "cgroup v1 memory and pids hierarchies (this test is for v1 machines)");
	box_setup(&b);
	box_run(&b, &r, opts, mem, false);
	check_that(value_of(r.out, "raise=") == NULL, "the memory limit was raised from inside");
	check_probe(&r, "cgmount=", "EPERM", "mount the memory cgroup hierarchy inside");
	hako_run_free(&r);
	box_run(&b, &r, opts, pids, false);
	check_that(value_of(r.out, "raise=") == NULL, "the pids limit was raised from inside");
	check_probe(&r, "cgmount=", "EPERM", "mount the pids cgroup hierarchy inside");
	hako_run_free(&r);
}

/* In a forked child that joined the cgroup DIR: the errno of each device access (0: ok). */
struct dev_results {
	int null_open, zero_read, mem_mknod, mem_open, other_open;
};

static void dev_child(const char *dir, const char *tmp, const unsigned other[2], int fd)
{
	struct dev_results res = {0};
	char path[PATH_MAX], pid[16];
	int f;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	f = open(path, O_WRONLY | O_CLOEXEC);
	if (f < 0 || write(f, pid, strlen(pid)) < 0)
		_exit(2);
	close(f);
#define TRY(field, call) res.field = (call) < 0 ? errno : 0
	TRY(null_open, f = open("/dev/null", O_RDWR | O_CLOEXEC));
	if (f >= 0)
		close(f);
	f = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	char c;
	TRY(zero_read, f < 0 ? -1 : read(f, &c, 1));
	if (f >= 0)
		close(f);
	snprintf(path, sizeof(path), "%s/mem", tmp);
	TRY(mem_mknod, mknod(path, S_IFCHR | 0600, makedev(1, 1)));
	TRY(mem_open, f = open(path, O_RDONLY | O_CLOEXEC));
	if (f >= 0)
		close(f);
	snprintf(path, sizeof(path), "%s/other", tmp);
	mknod(path, S_IFCHR | 0600, makedev(other[0], other[1]));
	TRY(other_open, f = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC));
	if (f >= 0)
		close(f);
#undef TRY
	_exit(write(fd, &res, sizeof(res)) == sizeof(res) ? 0 : 3);
}

static void test_devices_bpf_v2(void **state)
{
	/* This test checks that the BPF program devices_bpf_attach() puts on a cgroup v2 folder
	 * lets a process in it open /dev/null and read /dev/zero, and make a node with any
	 * numbers, but not open /dev/mem's numbers (1:1) nor another character device that root
	 * may open outside. It runs on v2 and hybrid machines (the program works on the v2 tree
	 * of either). */
	static const char *const roots[] = {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"};
	const char *root = NULL;
	struct statfs sf;
	struct dev_results res;
	char parent[PATH_MAX], dir[PATH_MAX], name[16];
	int pipefd[2], status = -1;

	hako_require_root();
	for (size_t i = 0; i < 2 && !root; i++)
		if (statfs(roots[i], &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC)
			root = roots[i];
	if (!root)
		hako_skip(
		    "no cgroup v2 tree is mounted at /sys/fs/cgroup or /sys/fs/cgroup/unified");
	char *tmp = hako_tmpdir();
	/* The device the cgroup must refuse: one of a few harmless ones (opening them changes
	 * nothing) that this host lets root open outside the cgroup, else this proves nothing. */
	static const unsigned harmless[][2] = {
	    {1, 11} /* kmsg */, {10, 229} /* fuse */, {10, 200} /* net/tun */, {10, 232} /* kvm */};
	unsigned other[2] = {0, 0};
	long first = hako_rand_range(0, 3);
	for (int i = 0; i < 4 && !other[0]; i++) {
		const unsigned *d = harmless[(first + i) % 4];
		char node[PATH_MAX];
		snprintf(node, sizeof(node), "%s/probe", tmp);
		check_that(mknod(node, S_IFCHR | 0600, makedev(d[0], d[1])) == 0, "mknod %s: %s",
		           node, strerror(errno));
		int f = open(node, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (f >= 0) {
			close(f);
			other[0] = d[0];
			other[1] = d[1];
		}
		unlink(node);
	}
	if (!other[0])
		hako_skip("this host itself refuses to open kmsg, fuse, net/tun and kvm: a refusal "
		          "in the cgroup would prove nothing");

	snprintf(parent, sizeof(parent), "%s/hako", root);
	check_that(mkdir(parent, 0755) == 0 || errno == EEXIST, "mkdir %s: %s", parent,
	           strerror(errno));
	hako_rand_name(name, 12);
	snprintf(dir, sizeof(dir), "%s/test-%s", parent, name);
	check_that(mkdir(dir, 0755) == 0, "mkdir %s: %s", dir, strerror(errno));
	int err = devices_bpf_attach(dir);
	if (err == 0) {
		check_that(pipe2(pipefd, O_CLOEXEC) == 0, "pipe: %s", strerror(errno));
		fflush(NULL);
		pid_t pid = fork();
		if (pid == 0)
			dev_child(dir, tmp, other, pipefd[1]);
		close(pipefd[1]);
		ssize_t n = read(pipefd[0], &res, sizeof(res));
		close(pipefd[0]);
		waitpid(pid, &status, 0);
		if (n != sizeof(res))
			status = -1;
	}
	for (int i = 0; i < 100 && rmdir(dir) < 0 && errno == EBUSY; i++)
		usleep(10000);
	check_int(err, 0, "devices_bpf_attach(a cgroup v2 folder)");
	check_that(status == 0, "the child in the cgroup failed (status %d)", status);
	check_int(-res.null_open, 0, "open /dev/null in the cgroup");
	check_int(-res.zero_read, 0, "read /dev/zero in the cgroup");
	check_int(-res.mem_mknod, 0, "mknod c 1:1 in the cgroup (rule c *:* m)");
	check_int(-res.mem_open, -EPERM, "open c 1:1 (/dev/mem's numbers) in the cgroup");
	char what[96];
	snprintf(what, sizeof(what), "open c %u:%u (allowed outside) in the cgroup", other[0],
	         other[1]);
	check_int(-res.other_open, -EPERM, what);
}

HAKO_TEST_MAIN(HAKO_TEST(test_caps_parse_name), HAKO_TEST(test_caps_resolve_rules),
               HAKO_TEST(test_caps_hako_unknown_name), HAKO_TEST(test_caps_default_sets),
               HAKO_TEST(test_caps_drop_all), HAKO_TEST(test_caps_add_and_drop),
               HAKO_TEST(test_caps_privileged), HAKO_TEST(test_caps_rootless_default_sets),
               HAKO_TEST(test_caps_mount_refused), HAKO_TEST(test_caps_module_load_refused),
               HAKO_TEST(test_caps_shocker_refused), HAKO_TEST(test_caps_mknod_dropped),
               HAKO_TEST(test_caps_user_switch), HAKO_TEST(test_caps_user_unmapped_once),
               HAKO_TEST(test_caps_no_new_privs_setuid), HAKO_TEST(test_caps_setuid_bounded),
               HAKO_TEST(test_secure_masked_paths), HAKO_TEST(test_secure_readonly_paths),
               HAKO_TEST(test_secure_remount_refused), HAKO_TEST(test_secure_rootless_masked),
               HAKO_TEST(test_secure_fd_not_inherited), HAKO_TEST(test_secure_env_built),
               HAKO_TEST(test_devices_host_disk), HAKO_TEST(test_devices_allowed_nodes),
               HAKO_TEST(test_devices_cgroup_limits), HAKO_TEST(test_devices_bpf_v2));
