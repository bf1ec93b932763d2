/* test_runtime.c: graded tests for lesson 13 — config.json into a hako_config, mounts, the
 * container's state and its exec fifo, hako's runc command line (create, start, state, kill,
 * delete, run --bundle) compared with runc itself, and docker run's options.
 *
 * Unit tests call spec_load(), spec_check(), spec_parse_volume(), spec_mount_option() and the
 * state_*() functions on files the test writes. Kernel tests (root) run real bundles with
 * `hako create/start/...` and `hako run --bundle`, and the same bundles with runc. */
#include "hako_test.h"
#include "hako.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sched.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define WAIT_MS 30000 /* generous: the grading machine may be busy */

/* ---- Helpers ---- */

/* A bundle: a folder with config.json and a root filesystem folder "rootfs" (busybox when
 * FULL, else empty: enough for spec_load). The state folder is the test's own. */
struct bundle {
	char *dir;
	char path[PATH_MAX];   /* the bundle */
	char rootfs[PATH_MAX]; /* path/rootfs */
	char state[PATH_MAX];  /* HAKO_STATE */
	char id[16];           /* a random container id */
	char host[16];         /* a random hostname */
	json_t *cfg;           /* config.json, written by bundle_write */
};

/* The config.json runc would accept for ARGS (sh -c SCRIPT): pid, mount, uts, ipc and
 * network namespaces, /proc and a /dev tmpfs, a random hostname, PATH in env. */
static json_t *base_config(struct bundle *b, const char *script)
{
	json_t *c = json_pack(
	    "{s:s, s:{s:b, s:{s:i, s:i}, s:[s, s, s], s:[s], s:s}, s:{s:s}, s:s,"
	    " s:[{s:s, s:s, s:s}, {s:s, s:s, s:s, s:[s, s, s]}],"
	    " s:{s:[{s:s}, {s:s}, {s:s}, {s:s}, {s:s}], s:s}}",
	    "ociVersion", "1.0.2", "process", "terminal", 0, "user", "uid", 0, "gid", 0, "args",
	    "sh", "-c", script, "env", "PATH=/bin:/usr/bin:/sbin:/usr/sbin", "cwd", "/", "root",
	    "path", "rootfs", "hostname", b->host, "mounts", "destination", "/proc", "type", "proc",
	    "source", "proc", "destination", "/dev", "type", "tmpfs", "source", "tmpfs", "options",
	    "nosuid", "strictatime", "mode=755", "linux", "namespaces", "type", "pid", "type",
	    "mount", "type", "uts", "type", "ipc", "type", "network", "cgroupsPath", "");
	char cg[64];

	check_that(c != NULL, "json_pack of the base config failed");
	/* runc's cgroup goes under the "hako" parent too: tests touch only that. */
	snprintf(cg, sizeof(cg), "/hako/runc-%s", b->id);
	json_object_set_new(json_object_get(c, "linux"), "cgroupsPath", json_string(cg));
	return c;
}

static void bundle_setup(struct bundle *b, bool full, const char *script)
{

	memset(b, 0, sizeof(*b));
	b->dir = hako_tmpdir();
	chmod(b->dir, 0755);
	snprintf(b->path, sizeof(b->path), "%s/bundle", b->dir);
	snprintf(b->rootfs, sizeof(b->rootfs), "%s/rootfs", b->path);
	snprintf(b->state, sizeof(b->state), "%s/state", b->dir);
	hako_rand_name(b->id, 12);
	hako_rand_name(b->host, hako_rand_range(4, 15));
	check_that(mkdir(b->path, 0755) == 0, "mkdir %s: %s", b->path, strerror(errno));
	if (full) {
		hako_make_rootfs(b->rootfs);
	} else {
		check_that(mkdir(b->rootfs, 0755) == 0, "mkdir %s: %s", b->rootfs, strerror(errno));
	}
	setenv("HAKO_STATE", b->state, 1);
	setenv("HAKO_ROOT", b->dir, 1);
	b->cfg = base_config(b, script ? script : "true");
}

static void bundle_write(struct bundle *b)
{
	char p[PATH_MAX + 16];

	snprintf(p, sizeof(p), "%s/config.json", b->path);
	check_that(json_dump_file(b->cfg, p, JSON_INDENT(2)) == 0, "writing %s failed", p);
}

static json_t *process(struct bundle *b)
{
	return json_object_get(b->cfg, "process");
}
static json_t *linux_obj(struct bundle *b)
{
	return json_object_get(b->cfg, "linux");
}

/* spec_load() on B's config.json as it is now; the error text in ERR. */
static int load(struct bundle *b, struct hako_spec *s, char *err, size_t len)
{
	bundle_write(b);
	err[0] = '\0';
	return spec_load(b->path, s, err, len);
}

/* Run `hako WORDS...` (NULL-terminated, at most 30) to completion. */
static void hako(struct hako_run *r, const char *const *words)
{
	hako_run_prog(r, "hako", words, NULL, WAIT_MS);
}

/* `hako create --bundle B ID` with its output (and the container's) going to B's out.txt, so
 * that the run ends when hako does, not when the container closes its copy of the pipe. */
static void run_create(struct hako_run *r, struct bundle *b, const char *extra)
{
	char cmd[PATH_MAX * 3];

	snprintf(cmd, sizeof(cmd), "exec '%s' create --bundle '%s' %s '%s' >'%s/out.txt' 2>&1",
	         hako_prog("hako"), b->path, extra ? extra : "", b->id, b->dir);
	char *argv[] = {"/bin/sh", "-c", cmd, NULL};
	check_that(hako_run_argv(argv, NULL, WAIT_MS, r) == 0, "could not start hako create");
	check_that(!r->timed_out, "hako create did not return within %d s", WAIT_MS / 1000);
}

static const char *out_txt(struct bundle *b)
{
	char p[PATH_MAX + 16];
	snprintf(p, sizeof(p), "%s/out.txt", b->dir);
	return hako_read_file(p);
}

/* The "status" of `hako state ID`, checking that it prints the spec's JSON. */
static const char *state_of(struct bundle *b, json_t **doc)
{
	static char status[32];
	struct hako_run r;
	json_error_t jerr;
	const char *w[] = {"state", b->id, NULL};

	hako(&r, w);
	check_exit(&r, 0, "hako state");
	json_t *o = json_loads(r.out, 0, &jerr);
	check_that(o != NULL, "hako state printed no JSON (%s): %s", jerr.text, r.out);
	json_t *s = json_object_get(o, "status");
	check_that(json_is_string(s), "hako state: no \"status\" string in %s", r.out);
	snprintf(status, sizeof(status), "%s", json_string_value(s));
	if (doc)
		*doc = o;
	else
		json_decref(o);
	hako_run_free(&r);
	return status;
}

/* Wait until `hako state` says WANT (at most WAIT_MS). */
static bool wait_status(struct bundle *b, const char *want)
{
	long long end = hako_now_ms() + WAIT_MS;

	while (hako_now_ms() < end) {
		if (strcmp(state_of(b, NULL), want) == 0)
			return true;
		usleep(20000);
	}
	return false;
}

static bool process_alive(pid_t pid)
{
	char p[64];
	snprintf(p, sizeof(p), "/proc/%d/stat", (int)pid);
	const char *st = hako_read_file(p);
	const char *close_paren = strrchr(st, ')');
	return close_paren && close_paren[1] == ' ' && close_paren[2] != 'Z';
}

/* True if any v1 or v2 cgroup folder named ID exists under a "hako" parent. */
static bool cgroup_left(const char *id)
{
	static const char *const where[] = {"memory",  "cpu",         "cpuacct", "pids",
	                                    "devices", "cpu,cpuacct", "unified", "."};
	char p[PATH_MAX];

	for (size_t i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
		snprintf(p, sizeof(p), "/sys/fs/cgroup/%s/hako/%s", where[i], id);
		if (access(p, F_OK) == 0)
			return true;
	}
	return false;
}

static void require_cgroups(void)
{
	hako_require_root();
	if (access("/sys/fs/cgroup/memory", F_OK) != 0 &&
	    access("/sys/fs/cgroup/cgroup.controllers", F_OK) != 0)
		hako_skip("needs a memory cgroup: run on a machine with cgroups mounted");
}

/* ---- config.json ---- */

/* This test checks that spec_load fills the same hako_config as `hako run`'s options:
 * command, environment, working folder, hostname, an absolute root, and the bundle's
 * root used as it is (no overlay) with its env as the whole environment. */
static void test_spec_process(void **state)
{
	struct bundle b;
	struct hako_spec s;
	char err[512], word[16], env[64], real[PATH_MAX], cwd[32];

	bundle_setup(&b, false, NULL);
	hako_rand_name(word, 10);
	snprintf(env, sizeof(env), "K%s=%s", word, word);
	snprintf(cwd, sizeof(cwd), "/%s", word);
	json_t *p = process(&b);
	json_object_set_new(p, "args", json_pack("[s, s, s]", "echo", word, "x y"));
	json_object_set_new(p, "env", json_pack("[s, s]", "PATH=/bin", env));
	json_object_set_new(p, "cwd", json_string(cwd));
	int e = load(&b, &s, err, sizeof(err));
	check_int(e, 0, err);
	check_that(s.cfg.argv && s.cfg.argv[0] && s.cfg.argv[1] && s.cfg.argv[2] && !s.cfg.argv[3],
	           "cfg.argv must hold the 3 words of process.args, NULL-terminated");
	check_str(s.cfg.argv[0], "echo", "cfg.argv[0]");
	check_str(s.cfg.argv[1], word, "cfg.argv[1]");
	check_str(s.cfg.argv[2], "x y", "cfg.argv[2]");
	check_that(s.cfg.env && s.cfg.env[0] && s.cfg.env[1] && !s.cfg.env[2],
	           "cfg.env must hold the 2 entries of process.env");
	check_str(s.cfg.env[1], env, "cfg.env[1]");
	check_that(s.cfg.env_replace, "cfg.env_replace: a bundle's env is the whole environment");
	check_str(s.cfg.workdir, cwd, "cfg.workdir (process.cwd)");
	check_str(s.cfg.hostname, b.host, "cfg.hostname");
	check_that(realpath(b.rootfs, real) != NULL, "realpath %s", b.rootfs);
	check_str(s.cfg.rootfs, real, "cfg.rootfs (root.path, made absolute)");
	check_that(s.cfg.keep_rootfs, "cfg.keep_rootfs: a bundle's root is used as it is");
	check_int(s.cfg.net, HAKO_NET_NONE, "cfg.net with a \"network\" namespace");
	check_that(!s.cfg.readonly_root, "cfg.readonly_root without root.readonly");
	spec_free(&s);

	/* A user other than root becomes "UID:GID"; root.readonly is read. */
	long uid = hako_rand_range(1, 60000), gid = hako_rand_range(1, 60000);
	char want[32];
	snprintf(want, sizeof(want), "%ld:%ld", uid, gid);
	json_object_set_new(p, "user", json_pack("{s:i, s:i}", "uid", (int)uid, "gid", (int)gid));
	json_object_set_new(json_object_get(b.cfg, "root"), "readonly", json_true());
	json_object_del(linux_obj(&b), "namespaces");
	json_object_set_new(linux_obj(&b), "namespaces",
	                    json_pack("[{s:s}, {s:s}, {s:s}, {s:s}]", "type", "pid", "type", "ipc",
	                              "type", "uts", "type", "mount"));
	e = load(&b, &s, err, sizeof(err));
	check_int(e, 0, err);
	check_str(s.cfg.user, want, "cfg.user from process.user");
	check_that(s.cfg.readonly_root, "cfg.readonly_root with root.readonly true");
	check_int(s.cfg.net, HAKO_NET_HOST, "cfg.net without a \"network\" namespace");
	spec_free(&s);
	json_decref(b.cfg);
}

/* This test checks the privileges a config asks for (lessons 09 and 10's fields): no
 * "capabilities" means none; with them, the capabilities in every set listed; no_new_privs;
 * no "seccomp" means no filter ("unconfined"), and a profile reaches lesson 10 as a file. */
static void test_spec_privileges(void **state)
{
	struct bundle b;
	struct hako_spec s;
	char err[512];
	static const char *const names[] = {"CAP_CHOWN", "CAP_KILL", "CAP_SETUID", "CAP_FOWNER"};
	static const int nums[] = {0, 5, 7, 3};
	int extra = (int)hako_rand_range(0, 3);

	bundle_setup(&b, false, NULL);
	int e = load(&b, &s, err, sizeof(err));
	check_int(e, 0, err);
	check_that(s.cfg.caps_set, "cfg.caps_set: a bundle decides the capabilities");
	check_int(s.cfg.caps, 0, "cfg.caps without process.capabilities (none, as runc)");
	check_str(s.cfg.seccomp, "unconfined", "cfg.seccomp without linux.seccomp");
	check_that(!s.cfg.no_new_privs, "cfg.no_new_privs without noNewPrivileges");
	spec_free(&s);

	/* bounding has one more than permitted and effective: only what all three hold. */
	json_t *all = json_array(), *some = json_array();
	unsigned long long want = 0;
	for (int i = 0; i < 4; i++) {
		json_array_append_new(all, json_string(names[i]));
		if (i != extra) {
			json_array_append_new(some, json_string(names[i]));
			want |= 1ULL << nums[i];
		}
	}
	json_object_set_new(
	    process(&b), "capabilities",
	    json_pack("{s:o, s:O, s:o}", "bounding", all, "permitted", some, "effective", some));
	json_object_set_new(process(&b), "noNewPrivileges", json_true());
	char word[16];
	hako_rand_name(word, 10);
	json_object_set_new(linux_obj(&b), "seccomp",
	                    json_pack("{s:s, s:[{s:[s], s:s}]}", "defaultAction", "SCMP_ACT_ALLOW",
	                              "syscalls", "names", word, "action", "SCMP_ACT_ERRNO"));
	e = load(&b, &s, err, sizeof(err));
	check_int(e, 0, err);
	check_int(s.cfg.caps, want,
	          "cfg.caps: the capabilities in bounding, permitted and effective");
	check_that(s.cfg.no_new_privs, "cfg.no_new_privs with noNewPrivileges true");
	check_that(s.cfg.seccomp && strcmp(s.cfg.seccomp, "unconfined") != 0,
	           "cfg.seccomp must name the profile");
	check_contains(hako_read_file(s.cfg.seccomp), word, "the profile lesson 10 reads");
	spec_free(&s);
	json_decref(b.cfg);
}

/* This test checks that linux.resources become hako's limits: memory.limit in bytes, the
 * CPU quota scaled to hako's 100 ms period, the pids limit. */
static void test_spec_resources(void **state)
{
	struct bundle b;
	struct hako_spec s;
	char err[512];
	long long mem = hako_rand_range(8, 512) * 1024 * 1024;
	/* 20 ms to 200 ms, never hako's own 100 ms: the quota must be scaled. */
	long period = (hako_rand() & 1 ? hako_rand_range(2, 9) : hako_rand_range(11, 20)) * 10000;
	long quota = period * hako_rand_range(10, 300) / 100;
	long pids = hako_rand_range(8, 4096);

	bundle_setup(&b, false, NULL);
	json_object_set_new(linux_obj(&b), "resources",
	                    json_pack("{s:{s:I}, s:{s:I, s:I}, s:{s:I}}", "memory", "limit",
	                              (json_int_t)mem, "cpu", "quota", (json_int_t)quota, "period",
	                              (json_int_t)period, "pids", "limit", (json_int_t)pids));
	int e = load(&b, &s, err, sizeof(err));
	check_int(e, 0, err);
	check_int(s.cfg.memory, mem, "cfg.memory (linux.resources.memory.limit)");
	check_int(s.cfg.cpu_max, (long long)quota * CGROUP_CPU_PERIOD / period,
	          "cfg.cpu_max: quota * 100000 / period");
	check_int(s.cfg.pids_limit, pids, "cfg.pids_limit");
	spec_free(&s);
	json_decref(b.cfg);
}

/* This test checks that mount options become mount(2) flags and filesystem data, that a
 * relative bind source is taken from the bundle, and that runc's {"type": "none",
 * "options": ["rbind"]} is a recursive bind mount. */
static void test_spec_mounts(void **state)
{
	struct bundle b;
	struct hako_spec s;
	char err[512], dst[32], size[32], want[PATH_MAX + 32];

	bundle_setup(&b, false, NULL);
	hako_rand_name(dst + 1, 10);
	dst[0] = '/';
	snprintf(size, sizeof(size), "size=%ldk", hako_rand_range(64, 9999));
	json_t *m = json_object_get(b.cfg, "mounts");
	json_array_append_new(m, json_pack("{s:s, s:s, s:s, s:[s, s, s, s]}", "destination", dst,
	                                   "type", "tmpfs", "source", "tmpfs", "options", "nosuid",
	                                   "noexec", size, "mode=1777"));
	json_array_append_new(m,
	                      json_pack("{s:s, s:s, s:s, s:[s, s]}", "destination", "/data", "type",
	                                "none", "source", "data", "options", "rbind", "ro"));
	int e = load(&b, &s, err, sizeof(err));
	check_int(e, 0, err);
	check_int(s.cfg.nmounts, 4, "cfg.nmounts");
	const struct hako_mount *t = &s.cfg.mounts[2], *d = &s.cfg.mounts[3];
	check_str(t->target, dst, "mounts[2].target");
	check_str(t->type, "tmpfs", "mounts[2].type");
	check_int(t->flags, MS_NOSUID | MS_NOEXEC, "mounts[2].flags (nosuid, noexec)");
	char data[64];
	snprintf(data, sizeof(data), "%s,mode=1777", size);
	check_str(t->data, data, "mounts[2].data (the filesystem's own options, in order)");
	check_str(d->type, "bind", "mounts[3].type (\"none\" with rbind)");
	check_int(d->flags, MS_BIND | MS_REC | MS_RDONLY, "mounts[3].flags (rbind, ro)");
	snprintf(want, sizeof(want), "%s/data", b.path);
	check_str(d->source, want, "mounts[3].source (relative to the bundle)");
	spec_free(&s);
	json_decref(b.cfg);
}

/* This test checks spec_mount_option on its own: flags set and cleared in order, other
 * options joined with commas, and -E2BIG (nothing half-written) when DATA is full. */
static void test_spec_mount_option(void **state)
{
	unsigned long flags = 0;
	char data[24] = "", opt[24];

	check_int(spec_mount_option("ro", &flags, data, sizeof(data)), 0, "ro");
	check_int(spec_mount_option("nodev", &flags, data, sizeof(data)), 0, "nodev");
	check_int(spec_mount_option("rw", &flags, data, sizeof(data)), 0, "rw");
	check_int(flags, MS_NODEV, "flags after ro, nodev, rw");
	snprintf(opt, sizeof(opt), "size=%ldk", hako_rand_range(10, 99));
	check_int(spec_mount_option(opt, &flags, data, sizeof(data)), 0, opt);
	check_int(spec_mount_option("mode=755", &flags, data, sizeof(data)), 0, "mode=755");
	char want[48];
	snprintf(want, sizeof(want), "%s,mode=755", opt);
	check_str(data, want, "data");
	check_int(spec_mount_option("uid=123456", &flags, data, sizeof(data)), -E2BIG,
	          "an option that does not fit");
	check_str(data, want, "data after -E2BIG (unchanged)");
	check_int(flags, MS_NODEV, "flags (data options set none)");
}

/* A config.json that must be refused: FIELD must be named in the error. */
static void expect_refused(struct bundle *b, int want, const char *field, const char *what)
{
	struct hako_spec s;
	char err[512];
	int e = load(b, &s, err, sizeof(err));

	spec_free(&s);
	check_int(e, want, what);
	check_contains(err, field, what);
}

/* This test checks that each class of bad config.json is refused with a message naming the
 * field: not JSON, a wrong type, missing process.args, a root outside the bundle, an unknown
 * namespace type, an unknown field, a field hako does not support. */
static void test_spec_refuses(void **state)
{
	struct bundle b;
	struct hako_spec s;
	char err[512], p[PATH_MAX + 16], key[16];

	bundle_setup(&b, false, NULL);
	/* Not JSON. */
	snprintf(p, sizeof(p), "%s/config.json", b.path);
	hako_write_file(p, "{\"ociVersion\": \"1.0.2\",\n \"process\": {\n");
	check_int(spec_load(b.path, &s, err, sizeof(err)), -EINVAL, "config.json that is not JSON");
	spec_free(&s);
	check_contains(err, "line", "the error for config.json that is not JSON");

	/* Wrong type. */
	json_object_set_new(b.cfg, "hostname", json_integer(hako_rand_range(1, 999)));
	expect_refused(&b, -EINVAL, "hostname", "hostname: a number");
	json_object_set_new(b.cfg, "hostname", json_string(b.host));
	json_object_set_new(process(&b), "args", json_string("sh"));
	expect_refused(&b, -EINVAL, "process.args", "process.args: a string");

	/* Missing process.args. */
	json_object_del(process(&b), "args");
	expect_refused(&b, -EINVAL, "process.args", "no process.args");
	json_object_set_new(process(&b), "args", json_pack("[s]", "true"));

	/* A relative root outside the bundle: a sibling folder whose name starts the same. */
	char sib[PATH_MAX + 32];
	snprintf(sib, sizeof(sib), "%s/bundle-rootfs", b.dir);
	check_that(mkdir(sib, 0755) == 0, "mkdir %s", sib);
	json_object_set_new(json_object_get(b.cfg, "root"), "path",
	                    json_string("../bundle-rootfs"));
	expect_refused(&b, -EINVAL, "root.path", "root.path ../bundle-rootfs");
	json_object_set_new(json_object_get(b.cfg, "root"), "path", json_string("rootfs/../.."));
	expect_refused(&b, -EINVAL, "root.path", "root.path rootfs/../..");
	json_object_set_new(json_object_get(b.cfg, "root"), "path", json_string("rootfs"));

	/* An unknown namespace type. */
	hako_rand_name(key, 8);
	json_array_append_new(json_object_get(linux_obj(&b), "namespaces"),
	                      json_pack("{s:s}", "type", key));
	expect_refused(&b, -EINVAL, key, "an unknown namespace type");
	json_array_remove(json_object_get(linux_obj(&b), "namespaces"), 5);

	/* An unknown field, at the top and inside process. */
	json_object_set_new(b.cfg, key, json_true());
	expect_refused(&b, -EINVAL, key, "an unknown top-level field");
	json_object_del(b.cfg, key);
	json_object_set_new(process(&b), key, json_true());
	expect_refused(&b, -EINVAL, key, "an unknown field in process");
	json_object_del(process(&b), key);

	/* Known, not supported: hooks. */
	json_object_set_new(b.cfg, "hooks", json_object());
	expect_refused(&b, -ENOTSUP, "hooks", "hooks");
	json_object_del(b.cfg, "hooks");

	/* And the same config, repaired, loads. */
	int e = load(&b, &s, err, sizeof(err));
	spec_free(&s);
	check_int(e, 0, err);
	json_decref(b.cfg);
}

/* This test checks spec_check, the one check `hako run` and config.json share: no command,
 * an empty command, a memory limit under 6 MiB, the host's / as rootfs. */
static void test_spec_check(void **state)
{
	char err[512], *argv[] = {"true", NULL}, *empty[] = {"", NULL}, *none[] = {NULL};
	struct hako_config cfg = {.argv = argv};

	check_int(spec_check(&cfg, err, sizeof(err)), 0, err);
	cfg.memory = SPEC_MIN_MEMORY + hako_rand_range(0, 1 << 20);
	check_int(spec_check(&cfg, err, sizeof(err)), 0, "a memory limit of at least 6 MiB");
	cfg.memory = hako_rand_range(1, SPEC_MIN_MEMORY - 1);
	check_int(spec_check(&cfg, err, sizeof(err)), -EINVAL, "a memory limit under 6 MiB");
	check_contains(err, "6 MiB", "the error for a tiny memory limit");
	cfg.memory = 0;
	cfg.argv = none;
	check_int(spec_check(&cfg, err, sizeof(err)), -EINVAL, "no command");
	check_contains(err, "no command", "the error for no command");
	cfg.argv = empty;
	check_int(spec_check(&cfg, err, sizeof(err)), -ENOENT, "an empty command");
	check_contains(err, "command not found", "the error for an empty command");
	cfg.argv = argv;
	cfg.rootfs = "/usr/..";
	check_int(spec_check(&cfg, err, sizeof(err)), -EINVAL, "the host's / as rootfs");
	check_contains(err, "/", "the error for the host's /");
	char *dir = hako_tmpdir();
	cfg.rootfs = dir;
	check_int(spec_check(&cfg, err, sizeof(err)), 0, "a rootfs folder");
}

/* This test checks that -v SRC:DST[:ro|rw] is a recursive bind mount, read-only with :ro,
 * and that relative paths and other modes are refused. */
static void test_spec_volume(void **state)
{
	struct hako_mount m;
	char buf[256], src[32], dst[32], arg[80];

	hako_rand_name(src + 1, 10);
	hako_rand_name(dst + 1, 10);
	src[0] = dst[0] = '/';
	snprintf(arg, sizeof(arg), "%s:%s", src, dst);
	check_int(spec_parse_volume(arg, &m, buf, sizeof(buf)), 0, arg);
	check_str(m.source, src, "source");
	check_str(m.target, dst, "target");
	check_str(m.type, "bind", "type");
	check_int(m.flags, MS_BIND | MS_REC, "flags of a rw volume");
	snprintf(arg, sizeof(arg), "%s:%s:ro", src, dst);
	check_int(spec_parse_volume(arg, &m, buf, sizeof(buf)), 0, arg);
	check_int(m.flags, MS_BIND | MS_REC | MS_RDONLY, "flags of a :ro volume");
	check_str(m.target, dst, "target of a :ro volume");
	static const char *const badv[] = {"rel:/x", "/x:rel", "/x", "/x:/y:rx", "/x:/y:ro:z"};
	for (size_t i = 0; i < sizeof(badv) / sizeof(badv[0]); i++)
		check_int(spec_parse_volume(badv[i], &m, buf, sizeof(buf)), -EINVAL, badv[i]);
	check_int(spec_parse_volume("/aaaaaaaaaa:/bbbbbbbbbb", &m, buf, 8), -ENAMETOOLONG,
	          "a volume longer than the buffer");
}

/* ---- state ---- */

/* Field 22 of /proc/PID/stat, read after the last ')' (the test's own parser). */
static unsigned long long start_time_of(pid_t pid)
{
	char p[64];
	unsigned long long t = 0;

	snprintf(p, sizeof(p), "/proc/%d/stat", (int)pid);
	const char *s = strrchr(hako_read_file(p), ')');
	for (int f = 2; s && f < 22; f++)
		s = strchr(s + 1, ' ');
	if (s)
		sscanf(s + 1, "%llu", &t);
	return t;
}

static int sleeper(void *arg)
{
	prctl(PR_SET_NAME, (char *)arg);
	pause();
	return 0;
}

/* This test checks that state_start_time reads field 22 of /proc/PID/stat also when the
 * process's name holds ") " and spaces, and that a zombie or a missing pid is -ESRCH. */
static void test_state_start_time(void **state)
{
	char name[16];
	unsigned long long t = 0;

	hako_rand_name(name, 4);
	snprintf(name + 3, sizeof(name) - 3, ") 1 2 3 4");
	pid_t pid = fork();
	check_that(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0)
		_exit(sleeper(name));
	usleep(100000);
	int e = state_start_time(pid, &t);
	unsigned long long want = start_time_of(pid);
	kill(pid, SIGKILL);
	usleep(100000); /* a zombie now */
	int z = state_start_time(pid, &t);
	waitpid(pid, NULL, 0);
	check_int(e, 0, "state_start_time of a live process");
	check_that(want != 0, "could not read the start time of the child");
	check_int(z, -ESRCH, "state_start_time of a zombie");
	pid = fork();
	if (pid == 0)
		_exit(sleeper(name));
	usleep(50000);
	t = 0;
	e = state_start_time(pid, &t);
	want = start_time_of(pid);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	check_int(e, 0, "state_start_time of a process named \"x) 1 2 3 4\"");
	check_int(t, want, "the start time (field 22) of a process named \"x) 1 2 3 4\"");
	check_int(state_start_time(pid, &t), -ESRCH, "state_start_time of a reaped pid");
}

/* This test checks the status: created while exec.fifo exists, running when not, stopped
 * when the pid's start time differs (a reused pid) or the pid is gone. */
static void test_state_status(void **state)
{
	struct container_state st = {0};
	char *dir = hako_tmpdir();
	char fifo[PATH_MAX + 16];

	snprintf(st.dir, sizeof(st.dir), "%s", dir);
	snprintf(fifo, sizeof(fifo), "%s/exec.fifo", dir);
	pid_t pid = fork();
	if (pid == 0)
		_exit(sleeper("held"));
	usleep(50000);
	st.pid = pid;
	st.start_time = start_time_of(pid);
	check_that(mkfifo(fifo, 0600) == 0, "mkfifo %s", fifo);
	int created = state_status(&st);
	unlink(fifo);
	int running = state_status(&st);
	st.start_time += hako_rand_range(1, 1000);
	int reused = state_status(&st);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	check_int(created, STATE_CREATED, "the status with exec.fifo there");
	check_int(running, STATE_RUNNING, "the status without exec.fifo");
	check_int(reused, STATE_STOPPED, "the status of a pid with another start time");
	st.start_time = start_time_of(getpid());
	st.pid = pid;
	check_int(state_status(&st), STATE_STOPPED, "the status of a pid that has gone");
	st.pid = 0;
	check_int(state_status(&st), STATE_STOPPED, "the status with no pid");
}

/* This test checks state_print: the spec's state JSON with ociVersion, id, status, bundle,
 * and a pid only while the container is created or running. */
static void test_state_print(void **state)
{
	struct container_state st = {0};
	char id[16], *dir = hako_tmpdir(), path[PATH_MAX + 16];
	json_error_t jerr;

	hako_rand_name(id, 12);
	snprintf(st.id, sizeof(st.id), "%s", id);
	snprintf(st.dir, sizeof(st.dir), "%s", dir);
	snprintf(st.bundle, sizeof(st.bundle), "/b/%s", id);
	st.pid = getpid();
	st.start_time = start_time_of(getpid());
	for (int round = 0; round < 2; round++) {
		snprintf(path, sizeof(path), "%s/out%d.json", dir, round);
		FILE *f = fopen(path, "w");
		check_that(f != NULL, "fopen %s", path);
		int e = state_print(&st, f);
		fclose(f);
		check_int(e, 0, "state_print");
		json_t *o = json_loads(hako_read_file(path), 0, &jerr);
		check_that(o != NULL, "state_print wrote no JSON (%s): %s", jerr.text,
		           hako_read_file(path));
		check_that(json_is_string(json_object_get(o, "ociVersion")), "no ociVersion in %s",
		           hako_read_file(path));
		check_str(json_string_value(json_object_get(o, "id")), id, "id");
		check_str(json_string_value(json_object_get(o, "bundle")), st.bundle, "bundle");
		check_str(json_string_value(json_object_get(o, "status")),
		          round == 0 ? "running" : "stopped", "status");
		if (round == 0)
			check_int(json_integer_value(json_object_get(o, "pid")), getpid(),
			          "pid of a running container");
		else
			check_that(json_object_get(o, "pid") == NULL,
			           "a stopped container has no pid: %s", hako_read_file(path));
		json_decref(o);
		st.pid = 0;
	}
}

struct waiter {
	int fifo_fd, ready_fd;
};

static int exec_waiter(void *arg)
{
	struct waiter *w = arg;
	int e = state_exec_wait(w->fifo_fd, w->ready_fd);
	return e == 0 ? 42 : 1;
}

/* This test checks the exec fifo: the child says ready, then waits until state_exec_start
 * opens the fifo, which removes it; start with nobody at the other end times out. */
static void test_state_exec_fifo(void **state)
{
	char *dir = hako_tmpdir(), fifo[PATH_MAX + 16], c;
	int ready[2];
	struct waiter w;
	int status;

	snprintf(fifo, sizeof(fifo), "%s/exec.fifo", dir);
	check_that(mkfifo(fifo, 0600) == 0, "mkfifo %s", fifo);
	check_that(pipe(ready) == 0, "pipe");
	w.fifo_fd = open(fifo, O_PATH | O_CLOEXEC);
	w.ready_fd = ready[1];
	pid_t pid = fork();
	if (pid == 0) {
		close(ready[0]);
		_exit(exec_waiter(&w));
	}
	close(ready[1]);
	close(w.fifo_fd);
	ssize_t n = read(ready[0], &c, 1);
	close(ready[0]);
	usleep(200000);
	pid_t early = waitpid(pid, &status, WNOHANG);
	int e = state_exec_start(fifo, 10000);
	pid_t done = waitpid(pid, &status, 0);
	check_int(n, 1, "bytes on the ready pipe");
	check_int(early, 0, "the child must wait for start (waitpid WNOHANG)");
	check_int(e, 0, "state_exec_start");
	check_int(done, pid, "waitpid after start");
	check_that(WIFEXITED(status) && WEXITSTATUS(status) == 42,
	           "state_exec_wait must return 0 once started (status 0x%x)", status);
	check_that(access(fifo, F_OK) != 0, "state_exec_start must remove %s", fifo);

	check_that(mkfifo(fifo, 0600) == 0, "mkfifo %s", fifo);
	long long t0 = hako_now_ms();
	e = state_exec_start(fifo, 300);
	check_int(e, -ETIMEDOUT, "state_exec_start with no container");
	check_that(hako_now_ms() - t0 < 5000, "state_exec_start must not block on open");
}

/* ---- hako's runc command line ---- */

/* This test checks the lifecycle: after `hako create` the state is "created" and the
 * command has not run; `hako start` runs it; `hako kill ID KILL` stops it; `hako delete`
 * leaves no process, cgroup or state folder. */
static void test_runtime_create_start(void **state)
{
	struct bundle b;
	struct hako_run r;
	char script[256], word[16], data[PATH_MAX + 16], marker[PATH_MAX + 32], pidf[PATH_MAX];

	require_cgroups();
	hako_rand_name(word, 12);
	snprintf(script, sizeof(script),
	         "echo %s > /data/ran; echo out-$(hostname); exec sleep 600", word);
	bundle_setup(&b, true, script);
	snprintf(data, sizeof(data), "%s/data", b.dir);
	snprintf(marker, sizeof(marker), "%s/ran", data);
	snprintf(pidf, sizeof(pidf), "%s/pid", b.dir);
	mkdir(data, 0755);
	json_array_append_new(json_object_get(b.cfg, "mounts"),
	                      json_pack("{s:s, s:s, s:s, s:[s]}", "destination", "/data", "type",
	                                "bind", "source", data, "options", "rbind"));
	json_object_set_new(linux_obj(&b), "resources",
	                    json_pack("{s:{s:i}}", "pids", "limit", 64));
	bundle_write(&b);

	char extra[PATH_MAX + 16];
	snprintf(extra, sizeof(extra), "--pid-file '%s'", pidf);
	run_create(&r, &b, extra);
	check_that(r.exit_code == 0, "hako create exited %d: %s", r.exit_code, out_txt(&b));
	hako_run_free(&r);
	json_t *doc;
	check_str(state_of(&b, &doc), "created", "status after create");
	pid_t pid = (pid_t)json_integer_value(json_object_get(doc, "pid"));
	check_str(json_string_value(json_object_get(doc, "id")), b.id, "id in hako state");
	json_decref(doc);
	check_that(pid > 0 && process_alive(pid), "after create, the pid in the state must live");
	check_int(atoi(hako_read_file(pidf)), pid, "the --pid-file");
	usleep(300000);
	check_that(access(marker, F_OK) != 0, "the command ran before `hako start`");
	check_that(cgroup_left(b.id), "no cgroup hako/%s after create with a pids limit", b.id);

	const char *start[] = {"start", b.id, NULL};
	hako(&r, start);
	check_exit(&r, 0, "hako start");
	hako_run_free(&r);
	long long end = hako_now_ms() + WAIT_MS;
	while (access(marker, F_OK) != 0 && hako_now_ms() < end)
		usleep(20000);
	check_that(access(marker, F_OK) == 0, "the command did not run after `hako start`");
	check_contains(hako_read_file(marker), word, "what the command wrote");
	check_str(state_of(&b, NULL), "running", "status after start");
	hako(&r, start);
	check_that(r.exit_code != 0, "a second `hako start` must fail");
	hako_run_free(&r);

	const char *del[] = {"delete", b.id, NULL};
	hako(&r, del);
	check_that(r.exit_code != 0, "`hako delete` of a running container must fail");
	hako_run_free(&r);
	const char *kill_w[] = {"kill", b.id, "KILL", NULL};
	hako(&r, kill_w);
	check_exit(&r, 0, "hako kill ID KILL");
	hako_run_free(&r);
	check_that(wait_status(&b, "stopped"), "status after kill: expected stopped");
	check_that(!process_alive(pid), "the container's init still runs after kill");
	hako(&r, del);
	check_exit(&r, 0, "hako delete");
	hako_run_free(&r);
	char sd[PATH_MAX + 16];
	snprintf(sd, sizeof(sd), "%s/%s", b.state, b.id);
	check_that(access(sd, F_OK) != 0, "hako delete left %s", sd);
	check_that(!cgroup_left(b.id), "hako delete left the cgroup hako/%s", b.id);
	check_contains(out_txt(&b), "out-", "the container's output");
	json_decref(b.cfg);
}

/* This test checks that `hako kill ID TERM` reaches the workload (through the container's
 * init) and that delete then leaves no process, mount or cgroup. */
static void test_runtime_kill_term(void **state)
{
	struct bundle b;
	struct hako_run r;

	require_cgroups();
	bundle_setup(&b, true,
	             "trap 'echo got-term; exit 7' TERM; echo ready; "
	             "while true; do sleep 0.1; done");
	json_object_set_new(
	    linux_obj(&b), "resources",
	    json_pack("{s:{s:I}}", "memory", "limit", (json_int_t)hako_rand_range(32, 96) << 20));
	bundle_write(&b);
	run_create(&r, &b, NULL);
	check_that(r.exit_code == 0, "hako create exited %d: %s", r.exit_code, out_txt(&b));
	hako_run_free(&r);
	json_t *doc;
	state_of(&b, &doc);
	pid_t pid = (pid_t)json_integer_value(json_object_get(doc, "pid"));
	json_decref(doc);
	const char *start[] = {"start", b.id, NULL};
	hako(&r, start);
	check_exit(&r, 0, "hako start");
	hako_run_free(&r);
	long long end = hako_now_ms() + WAIT_MS;
	while (!strstr(out_txt(&b), "ready") && hako_now_ms() < end)
		usleep(20000);
	const char *kill_w[] = {"kill", b.id, "TERM", NULL};
	hako(&r, kill_w);
	check_exit(&r, 0, "hako kill ID TERM");
	hako_run_free(&r);
	check_that(wait_status(&b, "stopped"), "the container did not stop after TERM");
	check_contains(out_txt(&b), "got-term", "the workload's output after TERM");
	const char *del[] = {"delete", b.id, NULL};
	hako(&r, del);
	check_exit(&r, 0, "hako delete");
	hako_run_free(&r);
	check_that(!process_alive(pid), "a process is left after delete");
	check_that(!cgroup_left(b.id), "the cgroup hako/%s is left after delete", b.id);
	check_that(!strstr(hako_read_file("/proc/self/mountinfo"), b.path),
	           "a mount of the bundle is left in the host's mount table");
	const char *st[] = {"state", b.id, NULL};
	hako(&r, st);
	check_that(r.exit_code != 0, "`hako state` of a deleted container must fail");
	hako_run_free(&r);
	json_decref(b.cfg);
}

/* This test checks that `hako create` refuses each class of bad config.json before it makes
 * anything: no state folder, no cgroup, no process. */
static void test_runtime_bad_config(void **state)
{
	struct bundle b;
	struct hako_run r;
	char p[PATH_MAX + 16], sd[PATH_MAX + 16];

	bundle_setup(&b, false, NULL);
	json_object_set_new(linux_obj(&b), "resources",
	                    json_pack("{s:{s:i}}", "pids", "limit", 32));
	snprintf(p, sizeof(p), "%s/config.json", b.path);
	snprintf(sd, sizeof(sd), "%s/%s", b.state, b.id);
	for (int round = 0; round < 5; round++) {
		json_t *c = json_deep_copy(b.cfg);
		const char *field = "";
		switch (round) {
		case 0:
			field = "line";
			break;
		case 1:
			json_object_set_new(json_object_get(c, "process"), "cwd", json_integer(1));
			field = "process.cwd";
			break;
		case 2:
			json_object_del(json_object_get(c, "process"), "args");
			field = "process.args";
			break;
		case 3:
			json_object_set_new(json_object_get(c, "root"), "path",
			                    json_string("../.."));
			field = "root.path";
			break;
		case 4:
			json_array_append_new(
			    json_object_get(json_object_get(c, "linux"), "namespaces"),
			    json_pack("{s:s}", "type", "time-travel"));
			field = "time-travel";
			break;
		}
		if (round == 0)
			hako_write_file(p, "ociVersion: 1.0.2\n");
		else
			check_that(json_dump_file(c, p, 0) == 0, "write %s", p);
		json_decref(c);
		run_create(&r, &b, NULL);
		check_that(r.exit_code != 0, "hako create accepted bad config %d", round);
		check_contains(out_txt(&b), field, "hako create's error");
		check_that(access(sd, F_OK) != 0, "hako create left %s for bad config %d", sd,
		           round);
		check_that(!cgroup_left(b.id), "hako create left a cgroup for bad config %d",
		           round);
		hako_run_free(&r);
	}
	json_decref(b.cfg);
}

/* ---- the same bundles under hako and runc ---- */

/* A random bundle: hostname, env, args, exit code, working folder on a tmpfs, an rlimit, a
 * memory and pids limit, a bind mount (maybe read-only), maybe a read-only root. The script
 * prints what it sees; EXPECT gets what it must print. */
static void random_bundle(struct bundle *b, int round, char *expect, size_t len)
{
	char word[16], envv[16], tmpdst[16], data[PATH_MAX + 16], file[PATH_MAX + 32], script[1024];
	/* Over three rounds, each of the four cases at least once. */
	bool data_ro = round != 1, root_ro = round != 2;
	/* Privileges: a random set of capabilities, no_new_privs or not, and in round 1 a
	 * seccomp profile that refuses mkdir (lessons 09 and 10, from config.json). */
	static const char *const capnames[] = {"CHOWN",      "KILL",   "NET_BIND_SERVICE",
	                                       "SETUID",     "SETGID", "AUDIT_WRITE",
	                                       "SYS_CHROOT", "FOWNER"};
	static const int capnums[] = {0, 5, 10, 7, 6, 29, 18, 3};
	unsigned long long capmask = 0;
	/* hako loads its filter after the capabilities are gone, which needs no_new_privs
	 * (lesson 10); runc loads it earlier and may leave the bit clear: with a filter, ask for
	 * no_new_privs, so both must show 1. */
	bool filter = round == 1, nnp = filter || (hako_rand() & 1);
	long code = hako_rand_range(0, 99), soft = hako_rand_range(64, 512);
	long hard = soft + hako_rand_range(0, 512);

	hako_rand_name(word, 12);
	hako_rand_name(envv, 10);
	tmpdst[0] = '/';
	hako_rand_name(tmpdst + 1, 8);
	snprintf(script, sizeof(script),
	         "echo host=$(hostname); echo env=$FOO; echo pwd=$(pwd); echo nofile=$(ulimit -n) "
	         "$(ulimit -Hn); echo arg=$0; cat /data/file; cat /data/sub/inner || echo no-sub; "
	         "echo; "
	         "if touch /data/w 2>/dev/null; then echo data-rw; else echo data-ro; fi; "
	         "if touch /rw 2>/dev/null; then echo root-rw; rm /rw; else echo root-ro; fi; "
	         "echo t > t && echo tmpfs-ok; mkdir d 2>/dev/null && echo mkdir-ok || "
	         "echo mkdir-refused; grep -E '^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|"
	         "Seccomp):' /proc/self/status; exit %ld",
	         code);
	bundle_setup(b, true, script);
	json_t *p = process(b);
	json_object_set_new(p, "args", json_pack("[s, s, s, s]", "sh", "-c", script, word));
	char env[32];
	snprintf(env, sizeof(env), "FOO=%s", envv);
	json_array_append_new(json_object_get(p, "env"), json_string(env));
	json_object_set_new(p, "cwd", json_string(tmpdst));
	json_object_set_new(p, "rlimits",
	                    json_pack("[{s:s, s:i, s:i}]", "type", "RLIMIT_NOFILE", "soft",
	                              (int)soft, "hard", (int)hard));
	json_object_set_new(json_object_get(b->cfg, "root"), "readonly", json_boolean(root_ro));
	json_t *caps = json_array();
	for (size_t i = 0; i < sizeof(capnums) / sizeof(capnums[0]); i++) {
		if (hako_rand() & 1) {
			char n[32];
			snprintf(n, sizeof(n), "CAP_%s", capnames[i]);
			json_array_append_new(caps, json_string(n));
			capmask |= 1ULL << capnums[i];
		}
	}
	json_object_set_new(
	    p, "capabilities",
	    json_pack("{s:O, s:O, s:o}", "bounding", caps, "permitted", caps, "effective", caps));
	json_object_set_new(p, "noNewPrivileges", json_boolean(nnp));
	if (filter)
		json_object_set_new(linux_obj(b), "seccomp",
		                    json_pack("{s:s, s:[{s:[s, s], s:s}]}", "defaultAction",
		                              "SCMP_ACT_ALLOW", "syscalls", "names", "mkdir",
		                              "mkdirat", "action", "SCMP_ACT_ERRNO"));
	snprintf(data, sizeof(data), "%s/data", b->dir);
	mkdir(data, 0755);
	snprintf(file, sizeof(file), "%s/file", data);
	hako_write_file(file, word);
	/* A mount below the bind source: an "rbind" takes it along. The test's own mount
	 * namespace holds it (the host never sees it). */
	check_that(unshare(CLONE_NEWNS) == 0, "unshare(CLONE_NEWNS): %s", strerror(errno));
	check_that(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0, "make / private: %s",
	           strerror(errno));
	snprintf(file, sizeof(file), "%s/sub", data);
	mkdir(file, 0755);
	check_that(mount("tmpfs", file, "tmpfs", 0, "size=64k") == 0, "mount tmpfs on %s: %s", file,
	           strerror(errno));
	snprintf(file, sizeof(file), "%s/sub/inner", data);
	hako_write_file(file, envv);
	json_t *m = json_object_get(b->cfg, "mounts");
	json_array_append_new(m, json_pack("{s:s, s:s, s:s, s:[s, s]}", "destination", tmpdst,
	                                   "type", "tmpfs", "source", "tmpfs", "options", "nosuid",
	                                   "size=1m"));
	json_array_append_new(m, json_pack("{s:s, s:s, s:s, s:[s, s]}", "destination", "/data",
	                                   "type", "bind", "source", data, "options", "rbind",
	                                   data_ro ? "ro" : "rw"));
	json_object_set_new(linux_obj(b), "resources",
	                    json_pack("{s:{s:I}, s:{s:i}}", "memory", "limit",
	                              (json_int_t)hako_rand_range(32, 128) << 20, "pids", "limit",
	                              (int)hako_rand_range(16, 128)));
	bundle_write(b);
	snprintf(expect, len,
	         "host=%s\nenv=%s\npwd=%s\nnofile=%ld %ld\narg=%s\n%s%s\n%s\n%s\ntmpfs-ok\n%s\n"
	         "CapInh:\t0000000000000000\nCapPrm:\t%016llx\nCapEff:\t%016llx\n"
	         "CapBnd:\t%016llx\nCapAmb:\t0000000000000000\nNoNewPrivs:\t%d\nSeccomp:\t%d\n",
	         b->host, envv, tmpdst, soft, hard, word, word, envv,
	         data_ro ? "data-ro" : "data-rw", root_ro ? "root-ro" : "root-rw",
	         filter ? "mkdir-refused" : "mkdir-ok", capmask, capmask, capmask, nnp,
	         filter ? 2 : 0);
	/* The exit code goes last, after a NUL. */
	snprintf(expect + strlen(expect) + 1, len - strlen(expect) - 1, "%ld", code);
}

/* This test checks that `hako run --bundle` runs random bundles as their config.json says:
 * hostname, env, args, working folder, rlimits, mounts (tmpfs, bind ro/rw), read-only root,
 * exit status. */
static void test_runtime_run_bundle(void **state)
{
	char expect[2048];

	require_cgroups();
	for (int round = 0; round < 3; round++) {
		struct bundle b;
		struct hako_run r;
		random_bundle(&b, round, expect, sizeof(expect));
		const char *w[] = {"run", "--bundle", b.path, b.id, NULL};
		hako(&r, w);
		check_that(r.exit_code != HAKO_EXIT_FAILED, "hako run --bundle failed: %s",
		           r.err ? r.err : "");
		check_that(
		    strcmp(r.out, expect) == 0,
		    "what the bundle's command printed under hako run --bundle: expected \"%s\", "
		    "got \"%s\" (hako's stderr: %s)",
		    expect, r.out, r.err ? r.err : "");
		check_exit(&r, atoi(expect + strlen(expect) + 1), "hako run --bundle");
		check_that(!cgroup_left(b.id), "a cgroup is left");
		hako_run_free(&r);
		json_decref(b.cfg);
	}
}

/* This test checks hako against runc, the OCI runtime's reference: the same random bundles
 * give the same output and exit status under `hako run --bundle` and `runc run`. */
static void test_runtime_matches_runc(void **state)
{
	const char *runc = NULL;
	static const char *const where[] = {"/usr/sbin/runc", "/usr/bin/runc",
	                                    "/usr/local/bin/runc", "/usr/local/sbin/runc"};
	char expect[2048], root[PATH_MAX + 16];

	require_cgroups();
	for (size_t i = 0; i < sizeof(where) / sizeof(where[0]); i++)
		if (access(where[i], X_OK) == 0)
			runc = where[i];
	if (!runc)
		hako_skip("needs runc, the peer: run `sudo apt-get install runc`");
	for (int round = 0; round < 3; round++) {
		struct bundle b;
		struct hako_run h, rc;
		random_bundle(&b, round, expect, sizeof(expect));
		const char *w[] = {"run", "--bundle", b.path, b.id, NULL};
		hako(&h, w);
		/* The same bundle, as it was: what hako's run changed in the data folder goes. */
		char w_file[PATH_MAX + 16];
		snprintf(w_file, sizeof(w_file), "%s/data/w", b.dir);
		unlink(w_file);
		snprintf(root, sizeof(root), "%s/runc", b.dir);
		char *rargv[] = {(char *)runc, "--root", root, "run",
		                 "--bundle",   b.path,   b.id, NULL};
		check_that(hako_run_argv(rargv, NULL, WAIT_MS, &rc) == 0, "could not start runc");
		char *dargv[] = {(char *)runc, "--root", root, "delete", "--force", b.id, NULL};
		struct hako_run d;
		if (hako_run_argv(dargv, NULL, WAIT_MS, &d) == 0)
			hako_run_free(&d);
		check_that(rc.exit_code != 255 || rc.out_len > 0, "runc itself failed: %s",
		           rc.err ? rc.err : "");
		check_that(h.exit_code != HAKO_EXIT_FAILED, "hako run --bundle failed: %s",
		           h.err ? h.err : "");
		check_that(strcmp(h.out, rc.out) == 0,
		           "hako's output: expected runc's \"%s\", got \"%s\" (hako's stderr: %s)",
		           rc.out, h.out, h.err ? h.err : "");
		check_int(h.exit_code, rc.exit_code, "hako's exit status (expected: runc's)");
		check_str(h.out, expect, "the output of both");
		hako_run_free(&h);
		hako_run_free(&rc);
		json_decref(b.cfg);
	}
}

/* ---- docker run's options: the same configuration ---- */

/* This test checks that -e, --env-file, -w, -v (rw and :ro), --tmpfs and --read-only reach
 * the workload, through the same mounts and environment as config.json's. */
static void test_run_docker_options(void **state)
{
	struct bundle b;
	struct hako_run r;
	char word[16], val[16], data[PATH_MAX + 16], envf[PATH_MAX + 16], text[128];
	char vol[PATH_MAX * 2], volro[PATH_MAX * 2], e1[48], wd[24], tmp[40];

	require_cgroups();
	bundle_setup(&b, true, NULL);
	hako_rand_name(word, 12);
	hako_rand_name(val, 12);
	snprintf(data, sizeof(data), "%s/data", b.dir);
	mkdir(data, 0755);
	snprintf(text, sizeof(text), "%s/f", data);
	hako_write_file(text, word);
	snprintf(envf, sizeof(envf), "%s/env", b.dir);
	snprintf(text, sizeof(text), "# a comment\n\nFROMFILE=%s\n", val);
	hako_write_file(envf, text);
	snprintf(e1, sizeof(e1), "E1=%s", word);
	snprintf(vol, sizeof(vol), "%s:/rw", data);
	snprintf(volro, sizeof(volro), "%s:/ro:ro", data);
	wd[0] = '/';
	hako_rand_name(wd + 1, 8);
	snprintf(tmp, sizeof(tmp), "%s:size=1m", wd);
	const char *w[] = {"run", "--rm", "-e",      e1,  "--env-file",  envf, "-v", vol,
	                   "-v",  volro,  "--tmpfs", tmp, "--read-only", "-w", NULL};
	const char *args[24];
	int n = 0;
	for (; w[n]; n++)
		args[n] = w[n];
	args[n++] = wd;
	args[n++] = b.rootfs;
	args[n++] = "sh";
	args[n++] = "-c";
	args[n++] = "echo $E1 $FROMFILE $(pwd); cat /ro/f; echo; touch /ro/x 2>/dev/null || "
	            "echo ro-refused; touch /rw/y && echo rw-ok; touch /z 2>/dev/null || "
	            "echo root-ro; touch t && echo tmpfs-ok";
	args[n] = NULL;
	hako_run_prog(&r, "hako", args, NULL, WAIT_MS);
	char expect[256];
	snprintf(expect, sizeof(expect), "%s %s %s\n%s\nro-refused\nrw-ok\nroot-ro\ntmpfs-ok\n",
	         word, val, wd, word);
	check_str(r.out, expect, "what the workload printed");
	check_exit(&r, 0, "hako run with -e --env-file -v --tmpfs --read-only -w");
	snprintf(text, sizeof(text), "%s/y", data);
	check_that(access(text, F_OK) == 0, "the -v mount was not the host's folder");
	hako_run_free(&r);
	json_decref(b.cfg);
}

/* This test checks the command-line edge cases: a rootfs with no command, an empty command,
 * a memory limit of a few bytes, the host's / as rootfs; each a clear error, before
 * anything is made. */
static void test_run_edge_cases(void **state)
{
	struct bundle b;
	struct hako_run r;
	char mem[32];

	hako_require_root();
	bundle_setup(&b, true, NULL);
	const char *none[] = {"run", b.rootfs, NULL};
	hako(&r, none);
	check_exit(&r, HAKO_EXIT_FAILED, "hako run ROOTFS");
	check_contains(r.err, "no command", "hako run ROOTFS's error");
	hako_run_free(&r);
	const char *empty[] = {"run", "--rm", b.rootfs, "", NULL};
	hako(&r, empty);
	check_exit(&r, 127, "hako run ROOTFS ''");
	check_contains(r.err, "command not found", "the error for ''");
	hako_run_free(&r);
	snprintf(mem, sizeof(mem), "%ldk", hako_rand_range(1, 6 * 1024 - 1));
	const char *tiny[] = {"run", "--rm", "--memory", mem, b.rootfs, "true", NULL};
	hako(&r, tiny);
	check_exit(&r, HAKO_EXIT_FAILED, "hako run --memory (under 6 MiB)");
	check_contains(r.err, "6 MiB", "the error for a tiny memory limit");
	hako_run_free(&r);
	const char *host[] = {"run", "--rm", "/", "/bin/true", NULL};
	hako(&r, host);
	check_exit(&r, HAKO_EXIT_FAILED, "hako run / CMD");
	check_contains(r.err, "host's own /", "the error for the host's / as rootfs");
	hako_run_free(&r);
	json_decref(b.cfg);
}

/* This test checks `hako run -it` through a terminal the test opens, as a user's: the
 * workload's stdin is a terminal of the container's own (`tty` prints /dev/pts/N), and a
 * Ctrl-C typed on the user's terminal reaches the workload as SIGINT. */
static void test_run_tty(void **state)
{
	struct bundle b;
	char buf[8192] = "", code[8];
	size_t used = 0;
	long want = hako_rand_range(3, 60);
	int status;

	hako_require_root();
	bundle_setup(&b, true, NULL);
	int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	check_that(m >= 0 && grantpt(m) == 0 && unlockpt(m) == 0, "posix_openpt: %s",
	           strerror(errno));
	const char *slave = ptsname(m);
	snprintf(code, sizeof(code), "%ld", want);
	char script[256];
	snprintf(script, sizeof(script),
	         "tty; [ -t 0 ] && echo stdin-is-a-tty; trap 'echo got-int; exit %ld' INT; "
	         "echo ready; while :; do sleep 0.1; done",
	         want);
	pid_t pid = fork();
	check_that(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		/* The user's side: a session whose controlling terminal is the test's pty. */
		setsid();
		int s = open(slave, O_RDWR);
		if (s < 0 || ioctl(s, TIOCSCTTY, 0) < 0)
			_exit(120);
		dup2(s, 0), dup2(s, 1), dup2(s, 2);
		execl(hako_prog("hako"), "hako", "run", "--rm", "-it", b.rootfs, "sh", "-c", script,
		      (char *)NULL);
		_exit(121);
	}
	bool ready = hako_read_until(m, buf, sizeof(buf), &used, "ready", WAIT_MS);
	if (ready) {
		usleep(200000);
		check_that(write(m, "\003", 1) == 1, "write Ctrl-C: %s", strerror(errno));
	}
	/* Short waits from here: a workload that ran long ago answers at once. */
	bool got = ready && hako_read_until(m, buf, sizeof(buf), &used, "got-int", 10000);
	long long end = hako_now_ms() + 10000;
	pid_t w;
	while ((w = waitpid(pid, &status, WNOHANG)) == 0 && hako_now_ms() < end) {
		char junk[256];
		struct pollfd p = {.fd = m, .events = POLLIN};
		if (poll(&p, 1, 50) > 0 && read(m, junk, sizeof(junk)) < 0)
			usleep(10000);
	}
	if (w == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	close(m);
	check_that(ready, "no \"ready\" from the workload on the terminal; it printed: %s", buf);
	check_contains(buf, "/dev/pts/", "what `tty` printed in the container");
	check_contains(buf, "stdin-is-a-tty", "the workload's stdin must be a terminal");
	check_that(got,
	           "Ctrl-C did not reach the workload (no \"got-int\"); the terminal showed: %s",
	           buf);
	check_that(w == pid && WIFEXITED(status), "hako -it did not exit (status 0x%x)", status);
	check_int(WEXITSTATUS(status), want, "hako run -it's exit status (the workload's)");
	json_decref(b.cfg);
}

HAKO_TEST_MAIN(HAKO_TEST(test_spec_process), HAKO_TEST(test_spec_privileges),
               HAKO_TEST(test_spec_resources), HAKO_TEST(test_spec_mounts),
               HAKO_TEST(test_spec_mount_option), HAKO_TEST(test_spec_refuses),
               HAKO_TEST(test_spec_check), HAKO_TEST(test_spec_volume),
               HAKO_TEST(test_state_start_time), HAKO_TEST(test_state_status),
               HAKO_TEST(test_state_print), HAKO_TEST(test_state_exec_fifo),
               HAKO_TEST(test_runtime_create_start), HAKO_TEST(test_runtime_kill_term),
               HAKO_TEST(test_runtime_bad_config), HAKO_TEST(test_runtime_run_bundle),
               HAKO_TEST(test_runtime_matches_runc), HAKO_TEST(test_run_docker_options),
               HAKO_TEST(test_run_edge_cases), HAKO_TEST(test_run_tty))
