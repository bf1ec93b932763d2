/* test_overlay.c: graded tests for lesson 11 — overlay mount options, whiteouts and opaque
 * folders, `hako diff`, and containers on an overlay: writes in their own layer only.
 *
 * Unit tests call overlay_options(), overlay_kind() and overlay_diff() on folders built by
 * hand. Kernel tests (root) mount overlays in a child's own mount namespace, or run real
 * containers with `hako run` and look at the layers from outside. */
#include "hako_test.h"
#include "hako.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#define WAIT_MS 30000 /* generous: the grading machine may be busy */

/* ---- Helpers ---- */

static void make_dir(const char *path)
{
	check_that(mkdir(path, 0755) == 0 || errno == EEXIST, "mkdir %s: %s", path,
	           strerror(errno));
}

/* A whiteout (character device 0/0) at PATH: allowed without CAP_MKNOD since Linux 5.8. */
static void make_whiteout(const char *path)
{
	check_that(mknod(path, S_IFCHR | 0600, makedev(0, 0)) == 0, "mknod %s 0/0: %s", path,
	           strerror(errno));
}

/* Mark the folder PATH opaque, as a rootful overlay does (trusted.*, needs root), or a
 * rootless one (user.*). */
static void make_opaque(const char *path, bool trusted)
{
	const char *attr = trusted ? "trusted.overlay.opaque" : "user.overlay.opaque";
	check_that(setxattr(path, attr, "y", 1, 0) == 0, "setxattr %s %s: %s", path, attr,
	           strerror(errno));
}

/* Move this test process into a mount namespace of its own standing in for the host: made
 * private (nothing reaches the real host), then shared again, as systemd leaves a real host.
 * An overlay that the code under test forgets to keep private then shows up here. */
static void own_mount_namespace(void)
{
	hako_require_root();
	check_that(unshare(CLONE_NEWNS) == 0, "unshare(CLONE_NEWNS): %s", strerror(errno));
	check_that(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0, "make / private: %s",
	           strerror(errno));
	check_that(mount(NULL, "/", NULL, MS_REC | MS_SHARED, NULL) == 0, "make / shared: %s",
	           strerror(errno));
}

/* True if our mount table has an overlay mentioning TEXT (a store path). */
static bool overlay_mounted_here(const char *text)
{
	const char *mi = hako_read_file("/proc/self/mountinfo");
	for (const char *line = mi; line && *line;
	     line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		const char *end = strchr(line, '\n');
		size_t n = end ? (size_t)(end - line) : strlen(line);
		char l[4096];
		snprintf(l, sizeof(l), "%.*s", (int)(n < sizeof(l) ? n : sizeof(l) - 1), line);
		if (strstr(l, " - overlay ") && strstr(l, text))
			return true;
	}
	return false;
}

/* ---- Unit tests: overlay_options ---- */

/* This test checks that overlay_options() lists the lower layers top first, separated by
 * ':', then upperdir and workdir, and adds nothing else for a rootful overlay. */
static void test_overlay_options_layers_in_order(void **state)
{
	char names[5][24], want[512], buf[4096];
	const char *lowers[5];
	size_t n = (size_t)hako_rand_range(2, 5);
	char upper[24], work[24];

	int len = snprintf(want, sizeof(want), "lowerdir=");
	for (size_t i = 0; i < n; i++) {
		char r[12];
		hako_rand_name(r, sizeof(r) - 1);
		snprintf(names[i], sizeof(names[i]), "/l%zu/%s", i, r);
		lowers[i] = names[i];
		len += snprintf(want + len, sizeof(want) - len, "%s%s", i ? ":" : "", names[i]);
	}
	hako_rand_name(upper + 1, 12);
	upper[0] = '/';
	hako_rand_name(work + 1, 12);
	work[0] = '/';
	snprintf(want + len, sizeof(want) - len, ",upperdir=%s,workdir=%s", upper, work);
	check_int(overlay_options(lowers, n, upper, work, false, buf, sizeof(buf)), 0,
	          "overlay_options(random layers, rootful)");
	check_str(buf, want, "the overlay's options");
}

/* This test checks that a rootless overlay's options end with ",userxattr" (overlayfs keeps
 * its own attributes in user.overlay.* then: a user namespace cannot write trusted.*). */
static void test_overlay_options_rootless(void **state)
{
	char lower[24] = "/", upper[24] = "/", work[24] = "/", want[128], buf[256];
	const char *lowers[] = {lower};

	hako_rand_name(lower + 1, 12);
	hako_rand_name(upper + 1, 12);
	hako_rand_name(work + 1, 12);
	snprintf(want, sizeof(want), "lowerdir=%s,upperdir=%s,workdir=%s,userxattr", lower, upper,
	         work);
	check_int(overlay_options(lowers, 1, upper, work, true, buf, sizeof(buf)), 0,
	          "overlay_options(one layer, rootless)");
	check_str(buf, want, "the options of a rootless overlay");
}

/* This test checks that ':' ',' and '\' in a path are escaped with '\', so the kernel reads
 * each path as one path. */
static void test_overlay_options_escapes(void **state)
{
	char r[8], a[64], b[64], up[64], want[512], buf[1024];
	const char *lowers[2] = {a, b};

	hako_rand_name(r, sizeof(r) - 1);
	snprintf(a, sizeof(a), "/x/%s:1", r);
	snprintf(b, sizeof(b), "/y,%s\\z", r);
	snprintf(up, sizeof(up), "/u/%s,up:per", r);
	snprintf(want, sizeof(want),
	         "lowerdir=/x/%s\\:1:/y\\,%s\\\\z,upperdir=/u/%s\\,up\\:per,workdir=/w", r, r, r);
	check_int(overlay_options(lowers, 2, up, "/w", false, buf, sizeof(buf)), 0,
	          "overlay_options(paths with ':' ',' and '\\')");
	check_str(buf, want, "the escaped options");
}

/* This test checks that overlay_options() refuses no layer at all, too many layers, and
 * options longer than the buffer (one page for mount(2)), and accepts a string that just
 * fits with its NUL. */
static void test_overlay_options_limits(void **state)
{
	static const char *many[OVERLAY_MAX_LAYERS + 1];
	char buf[4096], small[64];
	const char *one[] = {"/lower"};

	for (size_t i = 0; i <= OVERLAY_MAX_LAYERS; i++)
		many[i] = "/l";
	check_int(overlay_options(one, 0, "/u", "/w", false, buf, sizeof(buf)), -EINVAL,
	          "overlay_options(no lower layer)");
	check_int(
	    overlay_options(many, OVERLAY_MAX_LAYERS + 1, "/u", "/w", false, buf, sizeof(buf)),
	    -E2BIG, "overlay_options(OVERLAY_MAX_LAYERS + 1 layers)");
	check_int(overlay_options(many, OVERLAY_MAX_LAYERS, "/u", "/w", false, buf, sizeof(buf)), 0,
	          "overlay_options(OVERLAY_MAX_LAYERS short layers, a 4096-byte buffer)");

	/* Layers with long names: 40 of 120 bytes do not fit in a page. */
	static char longs[40][121];
	const char *lp[40];
	for (int i = 0; i < 40; i++) {
		memset(longs[i], 'a' + i % 26, 120);
		longs[i][0] = '/';
		longs[i][120] = '\0';
		lp[i] = longs[i];
	}
	check_int(overlay_options(lp, 40, "/u", "/w", false, buf, sizeof(buf)), -E2BIG,
	          "overlay_options(40 layers of 120 bytes, a 4096-byte buffer)");

	/* "lowerdir=/lower,upperdir=/u,workdir=/w" is 38 bytes: 39 with its NUL. */
	size_t need = strlen("lowerdir=/lower,upperdir=/u,workdir=/w") + 1;
	long cut = hako_rand_range(1, 10);
	check_int(overlay_options(one, 1, "/u", "/w", false, small, need), 0,
	          "overlay_options(a buffer of exactly the length + 1)");
	check_int(overlay_options(one, 1, "/u", "/w", false, small, need - (size_t)cut), -E2BIG,
	          "overlay_options(a buffer a few bytes too short)");
	check_int(overlay_options(one, 1, "/u", "/w", true, small, need), -E2BIG,
	          "overlay_options(rootless: \",userxattr\" does not fit)");
}

/* ---- Unit tests: overlay_kind and overlay_diff ---- */

/* This test checks that overlay_kind() tells a whiteout (char device 0/0) and an opaque
 * folder (user.overlay.opaque or trusted.overlay.opaque = "y") from ordinary entries. */
static void test_overlay_kind(void **state)
{
	char *dir = hako_tmpdir();
	char p[PATH_MAX];
	struct stat st;

	snprintf(p, sizeof(p), "%s/wh", dir);
	make_whiteout(p);
	check_that(lstat(p, &st) == 0, "lstat %s", p);
	check_int(overlay_kind(p, &st), OVERLAY_WHITEOUT, "overlay_kind(a char device 0/0)");

	snprintf(p, sizeof(p), "%s/file", dir);
	hako_write_file(p, "x");
	check_that(lstat(p, &st) == 0, "lstat %s", p);
	check_int(overlay_kind(p, &st), OVERLAY_ENTRY, "overlay_kind(a regular file)");

	snprintf(p, sizeof(p), "%s/plain", dir);
	make_dir(p);
	check_that(lstat(p, &st) == 0, "lstat %s", p);
	check_int(overlay_kind(p, &st), OVERLAY_ENTRY, "overlay_kind(a folder without xattrs)");

	snprintf(p, sizeof(p), "%s/user", dir);
	make_dir(p);
	make_opaque(p, false);
	check_that(lstat(p, &st) == 0, "lstat %s", p);
	check_int(overlay_kind(p, &st), OVERLAY_OPAQUE,
	          "overlay_kind(a folder with user.overlay.opaque=y)");

	snprintf(p, sizeof(p), "%s/no", dir);
	make_dir(p);
	check_that(setxattr(p, "user.overlay.opaque", "n", 1, 0) == 0, "setxattr: %s",
	           strerror(errno));
	check_that(lstat(p, &st) == 0, "lstat %s", p);
	check_int(overlay_kind(p, &st), OVERLAY_ENTRY,
	          "overlay_kind(a folder with user.overlay.opaque=n)");

	if (geteuid() == 0) {
		snprintf(p, sizeof(p), "%s/null", dir);
		check_that(mknod(p, S_IFCHR | 0600, makedev(1, 3)) == 0, "mknod: %s",
		           strerror(errno));
		check_that(lstat(p, &st) == 0, "lstat %s", p);
		check_int(overlay_kind(p, &st), OVERLAY_ENTRY, "overlay_kind(a char device 1/3)");

		snprintf(p, sizeof(p), "%s/trusted", dir);
		make_dir(p);
		make_opaque(p, true);
		check_that(lstat(p, &st) == 0, "lstat %s", p);
		check_int(overlay_kind(p, &st), OVERLAY_OPAQUE,
		          "overlay_kind(a folder with trusted.overlay.opaque=y)");
	}
}

/* Make DIR/REL: a folder if REL ends with '/', else a file holding TEXT. */
static void put(const char *dir, const char *rel, const char *text)
{
	char p[PATH_MAX];
	size_t n = strlen(rel);

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	if (rel[n - 1] == '/') {
		p[strlen(p) - 1] = '\0';
		make_dir(p);
	} else {
		hako_write_file(p, text);
	}
}

/* Sort the N lines "X /path" by path (strcmp, as `hako diff` does) and join them into OUT,
 * each with its newline. */
static void join_sorted(char lines[][64], int n, char *out, size_t len)
{
	int used = 0;

	for (int i = 0; i < n; i++) /* a small insertion sort */
		for (int j = i; j > 0 && strcmp(lines[j - 1] + 2, lines[j] + 2) > 0; j--) {
			char t[64];
			memcpy(t, lines[j], 64);
			memcpy(lines[j], lines[j - 1], 64);
			memcpy(lines[j - 1], t, 64);
		}
	out[0] = '\0';
	for (int i = 0; i < n; i++)
		used += snprintf(out + used, len - used, "%s\n", lines[i]);
}

/* This test checks that overlay_diff() prints A, C and D lines sorted by path for an upper
 * layer over two lower layers: added and changed files, whiteouts, and an opaque folder
 * whose hidden lower entries count as deleted. */
static void test_overlay_diff_lines(void **state)
{
	char *dir = hako_tmpdir();
	char upper[PATH_MAX], low1[PATH_MAX], low2[PATH_MAX], p[PATH_MAX];
	char a[12], c[12], d[12], o[12], k[12], g[12], want[1024];

	hako_rand_name(a, sizeof(a) - 1);
	hako_rand_name(c, sizeof(c) - 1);
	hako_rand_name(d, sizeof(d) - 1);
	hako_rand_name(o, sizeof(o) - 1);
	hako_rand_name(k, sizeof(k) - 1);
	hako_rand_name(g, sizeof(g) - 1);
	snprintf(upper, sizeof(upper), "%s/upper", dir);
	snprintf(low1, sizeof(low1), "%s/low1", dir); /* the top lower layer */
	snprintf(low2, sizeof(low2), "%s/low2", dir);
	make_dir(upper);
	make_dir(low1);
	make_dir(low2);

	/* Lowers: etc/C (changed above), etc/D (deleted above), O/ with K (hidden by opaque),
	 * and G, which low1 already deleted (a whiteout there): the upper's G is new. */
	put(low2, "etc/", NULL);
	snprintf(p, sizeof(p), "etc/%s", c), put(low2, p, "old");
	snprintf(p, sizeof(p), "etc/%s", d), put(low2, p, "old");
	snprintf(p, sizeof(p), "%s/", o), put(low2, p, NULL);
	snprintf(p, sizeof(p), "%s/%s", o, k), put(low2, p, "k");
	snprintf(p, sizeof(p), "%s", g), put(low2, p, "g");
	snprintf(p, sizeof(p), "%s/%s", low1, g), make_whiteout(p);

	/* Upper: etc/ (copied up), etc/C new text, etc/D whiteout, A added, O opaque with a new
	 * file A inside, G recreated. */
	put(upper, "etc/", NULL);
	snprintf(p, sizeof(p), "etc/%s", c), put(upper, p, "new");
	snprintf(p, sizeof(p), "%s/etc/%s", upper, d), make_whiteout(p);
	put(upper, a, "a");
	snprintf(p, sizeof(p), "%s/", o), put(upper, p, NULL);
	snprintf(p, sizeof(p), "%s/%s", upper, o), make_opaque(p, false);
	snprintf(p, sizeof(p), "%s/%s", o, a), put(upper, p, "a");
	put(upper, g, "g");

	/* Expected, sorted by path (strcmp). */
	char lines[8][64];
	int n = 0;
	snprintf(lines[n++], 64, "A /%s", a);
	snprintf(lines[n++], 64, "C /etc");
	snprintf(lines[n++], 64, "C /etc/%s", c);
	snprintf(lines[n++], 64, "D /etc/%s", d);
	snprintf(lines[n++], 64, "C /%s", o);
	snprintf(lines[n++], 64, "A /%s/%s", o, a);
	snprintf(lines[n++], 64, "D /%s/%s", o, k);
	snprintf(lines[n++], 64, "A /%s", g);
	join_sorted(lines, n, want, sizeof(want));

	char *out = NULL;
	size_t outlen = 0;
	FILE *f = open_memstream(&out, &outlen);
	const char *lowers[] = {low1, low2};
	int err = overlay_diff(upper, lowers, 2, f);
	fclose(f);
	check_int(err, 0, "overlay_diff(upper, {low1, low2})");
	check_str(out, want, "overlay_diff's lines");
	free(out);
}

/* ---- Kernel tests: overlay_mount ---- */

/* Mount an overlay of LOWERS on MERGED in a child with its own mount namespace, then run
 * CHECK(ARG) there. Returns the child's exit code: CHECK's return value, or 100 + the
 * negated errno overlay_mount returned. */
static int in_child_overlay(const char *const *lowers, size_t n, const char *upper,
                            const char *work, const char *merged, int (*check)(void *), void *arg)
{
	fflush(NULL);
	pid_t pid = fork();
	check_that(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		char opts[4096];
		int err;
		if (unshare(CLONE_NEWNS) < 0)
			_exit(99);
		err = overlay_options(lowers, n, upper, work, false, opts, sizeof(opts));
		if (err == 0)
			err = overlay_mount(opts, merged);
		if (err < 0)
			_exit(100 + (-err > 100 ? 99 : -err));
		_exit(check(arg));
	}
	int st;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

struct stack {
	char merged[PATH_MAX];
	char top[16], hidden[16], opaque[16], mid[16], low[16];
};

/* In the merged view: "top" from layer 1 wins over layer 3's; "hidden" (whiteout in layer 2)
 * is gone; "opaque/" shows only layer 2's file, not layer 3's; a file only the bottom layer
 * has is there. */
static int check_stack(void *arg)
{
	struct stack *s = arg;
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", s->merged, s->top);
	if (strcmp(hako_read_file(p), "from layer 1") != 0)
		return 1;
	snprintf(p, sizeof(p), "%s/%s", s->merged, s->hidden);
	if (access(p, F_OK) == 0)
		return 2;
	snprintf(p, sizeof(p), "%s/%s/%s", s->merged, s->opaque, s->mid);
	if (access(p, F_OK) != 0)
		return 3;
	snprintf(p, sizeof(p), "%s/%s/%s", s->merged, s->opaque, s->low);
	if (access(p, F_OK) == 0)
		return 4;
	snprintf(p, sizeof(p), "%s/%s", s->merged, s->low);
	if (strcmp(hako_read_file(p), "bottom") != 0)
		return 5;
	/* A write lands in the merged view. */
	snprintf(p, sizeof(p), "%s/%s/new", s->merged, s->opaque);
	int fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0644);
	if (fd < 0)
		return 6;
	close(fd);
	return 0;
}

/* This test checks that overlay_mount() stacks three lower layers (with names that need
 * escaping) top first: the top layer's file wins, a whiteout hides a lower file, an opaque
 * folder hides what is below it, and writes go to the upper folder only. */
static void test_overlay_mount_stacks_layers(void **state)
{
	hako_require_root();
	char *dir = hako_tmpdir();
	char l[3][PATH_MAX], upper[PATH_MAX], work[PATH_MAX], p[PATH_MAX], r[8];
	struct stack s;

	hako_rand_name(r, sizeof(r) - 1);
	hako_rand_name(s.top, sizeof(s.top) - 1);
	hako_rand_name(s.hidden, sizeof(s.hidden) - 1);
	hako_rand_name(s.opaque, sizeof(s.opaque) - 1);
	hako_rand_name(s.mid, sizeof(s.mid) - 1);
	hako_rand_name(s.low, sizeof(s.low) - 1);
	for (int i = 0; i < 3; i++) {
		snprintf(l[i], sizeof(l[i]), "%s/layer:%d,%s", dir, i + 1, r);
		make_dir(l[i]);
	}
	snprintf(upper, sizeof(upper), "%s/upper", dir);
	snprintf(work, sizeof(work), "%s/work", dir);
	snprintf(s.merged, sizeof(s.merged), "%s/merged", dir);
	make_dir(upper);
	make_dir(work);
	make_dir(s.merged);

	snprintf(p, sizeof(p), "%s/%s", l[0], s.top), hako_write_file(p, "from layer 1");
	snprintf(p, sizeof(p), "%s/%s", l[2], s.top), hako_write_file(p, "from layer 3");
	snprintf(p, sizeof(p), "%s/%s", l[1], s.hidden), make_whiteout(p);
	snprintf(p, sizeof(p), "%s/%s", l[2], s.hidden), hako_write_file(p, "deleted in 2");
	snprintf(p, sizeof(p), "%s/%s/%s", l[1], s.opaque, s.mid), hako_write_file(p, "mid");
	snprintf(p, sizeof(p), "%s/%s", l[1], s.opaque), make_opaque(p, true);
	snprintf(p, sizeof(p), "%s/%s/%s", l[2], s.opaque, s.low), hako_write_file(p, "low");
	snprintf(p, sizeof(p), "%s/%s", l[2], s.low), hako_write_file(p, "bottom");

	const char *lowers[] = {l[0], l[1], l[2]};
	int code = in_child_overlay(lowers, 3, upper, work, s.merged, check_stack, &s);
	static const char *const why[] = {
	    "",
	    "the top layer's file is not the one seen (are the layers top first?)",
	    "a file deleted by a whiteout in layer 2 is still seen",
	    "the opaque folder lost layer 2's own file",
	    "the opaque folder shows layer 3's file",
	    "a file only the bottom layer has is missing",
	    "cannot create a file in the merged view"};
	check_that(code != 99, "unshare(CLONE_NEWNS) failed in the child");
	check_that(code < 100, "overlay_options/overlay_mount failed: %s", strerror(code - 100));
	check_that(code == 0, "in the merged view: %s", code < 7 ? why[code] : "child crashed");
	snprintf(p, sizeof(p), "%s/%s/new", upper, s.opaque);
	check_that(access(p, F_OK) == 0, "the new file is not in the upper folder (%s)", p);
	for (int i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s/%s/new", l[i], s.opaque);
		check_that(access(p, F_OK) != 0, "the new file reached lower layer %d", i + 1);
	}
}

struct hold {
	int ready[2], done[2];
};

/* Tell the parent the overlay is mounted, then wait until it has looked. */
static int hold_mounted(void *arg)
{
	struct hold *h = arg;
	char c;

	if (write(h->ready[1], "m", 1) != 1)
		return 1;
	if (read(h->done[0], &c, 1) < 0)
		return 2;
	return 0;
}

/* This test checks that the overlay mounted by overlay_mount() in a child's new mount
 * namespace stays there: this namespace, whose mounts are shared as on a systemd host, never
 * sees it, neither while the child runs nor after. */
static void test_overlay_mount_private(void **state)
{
	own_mount_namespace();
	char *dir = hako_tmpdir();
	char lower[PATH_MAX], upper[PATH_MAX], work[PATH_MAX], merged[PATH_MAX], r[12];
	struct hold h;

	hako_rand_name(r, sizeof(r) - 1);
	snprintf(lower, sizeof(lower), "%s/lower-%s", dir, r);
	snprintf(upper, sizeof(upper), "%s/upper", dir);
	snprintf(work, sizeof(work), "%s/work", dir);
	snprintf(merged, sizeof(merged), "%s/merged", dir);
	make_dir(lower);
	make_dir(upper);
	make_dir(work);
	make_dir(merged);
	check_that(pipe(h.ready) == 0 && pipe(h.done) == 0, "pipe: %s", strerror(errno));

	fflush(NULL);
	pid_t pid = fork();
	check_that(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		const char *lowers[] = {lower};
		close(h.ready[0]);
		close(h.done[1]);
		_exit(in_child_overlay(lowers, 1, upper, work, merged, hold_mounted, &h));
	}
	close(h.ready[1]);
	close(h.done[0]);
	char c;
	bool mounted = read(h.ready[0], &c, 1) == 1;
	bool leaked = overlay_mounted_here(r);
	if (leaked) /* clean up our namespace before failing */
		umount2(merged, MNT_DETACH);
	close(h.done[1]);
	int st;
	waitpid(pid, &st, 0);
	int code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	check_that(code < 100 || code == 0, "overlay_options/overlay_mount failed: %s",
	           strerror(code - 100));
	check_that(mounted, "the child never mounted the overlay (exit %d)", code);
	check_that(!leaked,
	           "the child's overlay appeared in the parent's (shared) mount namespace: make "
	           "mounts private first");
	check_that(!overlay_mounted_here(r), "the overlay is still mounted after the child ended");
}

/* ---- hako_run() refusing layers before anything is made ---- */

/* Call hako_run() for `--isolate` on LAYERS in a child, with stderr in ERRFILE and the store
 * at STORE; returns what hako_run returned (a negative errno fits in the exit status as its
 * negation), or 200 if it returned 0 or more. */
static int run_layers(const char *const *layers, size_t n, const char *store, const char *errfile)
{
	fflush(NULL);
	pid_t pid = fork();
	check_that(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		char *argv[] = {"/bin/true", NULL};
		struct hako_config cfg = {.argv = argv, .isolate = true, .net = HAKO_NET_HOST};
		int fd = open(errfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0 || dup2(fd, 2) < 0)
			_exit(201);
		setenv("HAKO_ROOT", store, 1);
		cfg.layers = layers;
		cfg.nlayers = n;
		cfg.rootless = geteuid() != 0;
		int err = hako_run(&cfg);
		_exit(err < 0 && err > -200 ? -err : 200);
	}
	int st;
	waitpid(pid, &st, 0);
	check_that(WIFEXITED(st), "hako_run() in a child crashed (signal %d)", WTERMSIG(st));
	return WEXITSTATUS(st) == 200 ? 200 : -WEXITSTATUS(st);
}

/* True if STORE has no container layer in it. */
static bool store_empty(const char *store)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/containers", store);
	int n = 0;
	struct dirent **e;
	int k = scandir(p, &e, NULL, NULL);
	for (int i = 0; i < k; i++) {
		n += strcmp(e[i]->d_name, ".") && strcmp(e[i]->d_name, "..");
		free(e[i]);
	}
	if (k >= 0)
		free(e);
	return n == 0;
}

/* This test checks that hako refuses more layers than one overlay mount can take (too many,
 * or options longer than a page) with a message that says so, before it makes anything. */
static void test_overlay_hako_too_many_layers(void **state)
{
	char *dir = hako_tmpdir();
	char store[PATH_MAX], errfile[PATH_MAX], layer[PATH_MAX];
	static const char *many[OVERLAY_MAX_LAYERS + 1];
	static char names[60][PATH_MAX];
	/* 60 existing layers with names of ~100 bytes: over one page of options. */
	size_t n_long = (size_t)hako_rand_range(45, 60);

	snprintf(store, sizeof(store), "%s/store", dir);
	snprintf(errfile, sizeof(errfile), "%s/stderr", dir);
	snprintf(layer, sizeof(layer), "%s/layer", dir);
	make_dir(layer);
	for (size_t i = 0; i < n_long; i++) {
		char r[80];
		memset(r, 'a' + i % 26, sizeof(r) - 1);
		r[sizeof(r) - 1] = '\0';
		snprintf(names[i], sizeof(names[i]), "%s/%02zu%s", dir, i, r);
		make_dir(names[i]);
		many[i] = names[i];
	}
	int err = run_layers(many, n_long, store, errfile);
	check_int(err, -E2BIG, "hako_run() with layers whose options exceed a page");
	check_contains(hako_read_file(errfile), "too many", "hako's message for too many layers");
	check_that(store_empty(store), "hako made a container layer before refusing");

	for (size_t i = 0; i <= OVERLAY_MAX_LAYERS; i++)
		many[i] = "/"; /* short and existing: only the count is wrong */
	err = run_layers(many, OVERLAY_MAX_LAYERS + 1, store, errfile);
	check_int(err, -E2BIG, "hako_run() with OVERLAY_MAX_LAYERS + 1 layers");
	check_that(store_empty(store), "hako made a container layer before refusing");
}

/* ---- hako tests ---- */

/* The box of a hako test: a fresh folder with a busybox rootfs and a store (HAKO_ROOT), in a
 * mount namespace of the test's own. */
struct box {
	char *dir;
	char rootfs[PATH_MAX];
	char store[PATH_MAX];
	char marker[16]; /* a file at the rootfs's top ... */
	char secret[24]; /* ... holding this text */
};

static void box_setup(struct box *b, bool mounts)
{
	char p[PATH_MAX];

	if (mounts)
		own_mount_namespace();
	b->dir = hako_tmpdir();
	chmod(b->dir, 0755); /* an unprivileged hako must be able to look inside */
	snprintf(b->rootfs, sizeof(b->rootfs), "%s/rootfs", b->dir);
	snprintf(b->store, sizeof(b->store), "%s/store", b->dir);
	hako_make_rootfs(b->rootfs);
	hako_rand_name(b->marker, 12);
	hako_rand_name(b->secret, 20);
	snprintf(p, sizeof(p), "%s/%s", b->rootfs, b->marker);
	hako_write_file(p, b->secret);
	/* Every container's layer goes to the box, never to /var/lib/hako or ~. */
	setenv("HAKO_ROOT", b->store, 1);
}

/* Run `hako WORDS...` (NULL-terminated, at most 30) to completion. */
static void hako(struct hako_run *r, const char *const *words)
{
	hako_run_prog(r, "hako", words, NULL, WAIT_MS);
}

/* Run `hako run --name NAME ROOTFS /bin/sh -c SCRIPT`. */
static void hako_sh(struct hako_run *r, struct box *b, const char *name, const char *script)
{
	const char *w[] = {"run", "--name", name, b->rootfs, "/bin/sh", "-c", script, NULL};
	hako(r, w);
}

/* The path of REL in container NAME's upper layer. */
static const char *upper_path(struct box *b, const char *name, const char *rel)
{
	static char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/containers/%s/upper/%s", b->store, name, rel);
	return p;
}

/* This test checks that a file written inside a container lands in its upper layer and in
 * no lower one, and that changing a rootfs file leaves the rootfs's copy as it was. */
static void test_overlay_hako_write_in_upper(void **state)
{
	struct box b;
	struct hako_run r;
	char name[12], file[12], text[24], script[256], p[PATH_MAX];

	box_setup(&b, true);
	hako_rand_name(name, sizeof(name) - 1);
	hako_rand_name(file, sizeof(file) - 1);
	hako_rand_name(text, sizeof(text) - 1);
	snprintf(script, sizeof(script), "echo %s > /%s && echo more >> /%s && cat /%s", text, file,
	         b.marker, b.marker);
	hako_sh(&r, &b, name, script);
	check_exit(&r, 0, "hako run (write a file, append to a rootfs file)");
	check_contains(r.out, "more", "the appended file, seen inside");
	snprintf(p, sizeof(p), "%s/%s", b.rootfs, file);
	check_that(access(p, F_OK) != 0, "the new file was written into the rootfs folder (%s)", p);
	snprintf(p, sizeof(p), "%s/%s", b.rootfs, b.marker);
	check_str(hako_read_file(p), b.secret, "the rootfs's own copy of the changed file");
	snprintf(p, sizeof(p), "%s\n", text);
	check_str(hako_read_file(upper_path(&b, name, file)), p, "the new file in the upper layer");
	snprintf(p, sizeof(p), "%smore\n", b.secret);
	check_str(hako_read_file(upper_path(&b, name, b.marker)), p,
	          "the changed file's copy in the upper layer");
	hako_run_free(&r);
}

/* This test checks that deleting a rootfs file inside a container makes a whiteout (char
 * device 0/0) in its upper layer, leaves the rootfs's file alone, and that a new container
 * sees the file again. */
static void test_overlay_hako_delete_whiteout(void **state)
{
	struct box b;
	struct hako_run r;
	char name[12], other[12], script[128], p[PATH_MAX];
	struct stat st;

	box_setup(&b, true);
	hako_rand_name(name, sizeof(name) - 1);
	hako_rand_name(other, sizeof(other) - 1);
	snprintf(script, sizeof(script), "rm /%s && test ! -e /%s", b.marker, b.marker);
	hako_sh(&r, &b, name, script);
	check_exit(&r, 0, "hako run (delete a rootfs file)");
	hako_run_free(&r);
	check_that(lstat(upper_path(&b, name, b.marker), &st) == 0,
	           "no entry for the deleted file in the upper layer: %s", strerror(errno));
	check_that(S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0),
	           "the upper layer's entry is not a whiteout (char 0/0): mode %o", st.st_mode);
	snprintf(p, sizeof(p), "%s/%s", b.rootfs, b.marker);
	check_str(hako_read_file(p), b.secret, "the deleted file in the rootfs folder");
	snprintf(script, sizeof(script), "cat /%s", b.marker);
	hako_sh(&r, &b, other, script);
	check_exit(&r, 0, "a new container reads the file");
	check_str(r.out, b.secret, "the file in a new container");
	hako_run_free(&r);
}

/* This test checks that a folder deleted and made again inside a container is opaque in
 * its upper layer: the rootfs's files in it are hidden inside, and still there outside. */
static void test_overlay_hako_opaque_dir(void **state)
{
	struct box b;
	struct hako_run r;
	char name[12], dir[12], old[12], neu[12], script[256], p[PATH_MAX], v[8];

	box_setup(&b, true);
	hako_rand_name(name, sizeof(name) - 1);
	hako_rand_name(dir, sizeof(dir) - 1);
	hako_rand_name(old, sizeof(old) - 1);
	hako_rand_name(neu, sizeof(neu) - 1);
	snprintf(p, sizeof(p), "%s/%s/%s", b.rootfs, dir, old);
	hako_write_file(p, "old");
	snprintf(script, sizeof(script), "rm -rf /%s && mkdir /%s && echo new > /%s/%s && ls /%s",
	         dir, dir, dir, neu, dir);
	hako_sh(&r, &b, name, script);
	check_exit(&r, 0, "hako run (rm -rf DIR; mkdir DIR)");
	snprintf(p, sizeof(p), "%s\n", neu);
	check_str(r.out, p, "`ls DIR` inside: only the new file");
	hako_run_free(&r);
	ssize_t n = lgetxattr(upper_path(&b, name, dir), "trusted.overlay.opaque", v, sizeof(v));
	check_that(n == 1 && v[0] == 'y', "the folder in the upper layer is not opaque");
	snprintf(p, sizeof(p), "%s/%s/%s", b.rootfs, dir, old);
	check_str(hako_read_file(p), "old", "the rootfs's file in the folder, outside");
}

/* This test checks that copy-up (opening a rootfs file for writing) keeps the file's mode,
 * owner, group and modification time in the upper layer. */
static void test_overlay_hako_copy_up_attrs(void **state)
{
	struct box b;
	struct hako_run r;
	char name[12], file[12], script[128], p[PATH_MAX];
	struct stat lo, up;

	box_setup(&b, true);
	hako_rand_name(name, sizeof(name) - 1);
	hako_rand_name(file, sizeof(file) - 1);
	snprintf(p, sizeof(p), "%s/%s", b.rootfs, file);
	hako_write_file(p, "keep me");
	mode_t mode = 0600 | (mode_t)hako_rand_range(0, 077);
	uid_t uid = (uid_t)hako_rand_range(1000, 60000);
	gid_t gid = (gid_t)hako_rand_range(1000, 60000);
	time_t mtime = time(NULL) - hako_rand_range(86400, 86400 * 3650);
	check_that(chmod(p, mode) == 0 && chown(p, uid, gid) == 0, "chmod/chown: %s",
	           strerror(errno));
	struct timeval tv[2] = {{mtime, 0}, {mtime, 0}};
	check_that(utimes(p, tv) == 0, "utimes: %s", strerror(errno));
	check_that(lstat(p, &lo) == 0, "lstat %s", p);

	/* ": >> FILE" opens it for writing (that copies it up) and writes nothing. */
	snprintf(script, sizeof(script), ": >> /%s", file);
	hako_sh(&r, &b, name, script);
	check_exit(&r, 0, "hako run (open a rootfs file for writing)");
	hako_run_free(&r);
	check_that(lstat(upper_path(&b, name, file), &up) == 0, "the file was not copied up: %s",
	           strerror(errno));
	check_int(up.st_mode & 07777, lo.st_mode & 07777, "the copy's mode");
	check_int(up.st_uid, uid, "the copy's owner");
	check_int(up.st_gid, gid, "the copy's group");
	check_int(up.st_mtime, lo.st_mtime, "the copy's mtime");
	check_str(hako_read_file(upper_path(&b, name, file)), "keep me", "the copy's content");
}

/* This test checks that two containers on one rootfs, running at the same time, do not see
 * each other's writes. */
static void test_overlay_hako_two_containers(void **state)
{
	struct box b;
	struct hako_run r;
	struct hako_bg bg;
	char n1[12], n2[12], f1[12], f2[12], s1[256], s2[256], hako_path[PATH_MAX];

	box_setup(&b, true);
	hako_rand_name(n1, sizeof(n1) - 1);
	hako_rand_name(n2, sizeof(n2) - 1);
	hako_rand_name(f1, sizeof(f1) - 1);
	hako_rand_name(f2, sizeof(f2) - 1);
	snprintf(hako_path, sizeof(hako_path), "%s", hako_prog("hako"));
	snprintf(s1, sizeof(s1),
	         "echo one > /%s; echo ready; read x; test -e /%s && echo saw-two || echo alone; "
	         "echo end",
	         f1, f2);
	char *argv[] = {hako_path, "run", "--name", n1, b.rootfs, "/bin/sh", "-c", s1, NULL};
	check_that(hako_bg_start(&bg, argv, NULL, NULL) == 0, "could not start hako");
	bool ready = hako_bg_wait_for(&bg, "ready", WAIT_MS);
	snprintf(s2, sizeof(s2), "echo two > /%s; test -e /%s && echo saw-one || echo alone", f2,
	         f1);
	hako_sh(&r, &b, n2, s2);
	if (write(bg.in, "go\n", 3) != 3) {
		/* it has ended already: what it printed says why */
	}
	hako_bg_wait_for(&bg, "end", WAIT_MS);
	hako_bg_finish(&bg, WAIT_MS);
	check_that(ready, "the first container never printed ready: %s", bg.text);
	check_exit(&r, 0, "the second container");
	check_str(r.out, "alone\n", "what the second container saw of the first's file");
	check_contains(bg.text, "alone", "what the first container saw of the second's file");
	hako_run_free(&r);
	check_that(access(upper_path(&b, n1, f2), F_OK) != 0 &&
	               access(upper_path(&b, n2, f1), F_OK) != 0,
	           "a container's file is in the other's upper layer");
	check_that(access(upper_path(&b, n1, f1), F_OK) == 0 &&
	               access(upper_path(&b, n2, f2), F_OK) == 0,
	           "a container's file is not in its own upper layer");
}

/* The pid of PID's first child (from /proc/PID/task/PID/children), or -1. */
static pid_t first_child(pid_t pid)
{
	char p[64];
	snprintf(p, sizeof(p), "/proc/%d/task/%d/children", (int)pid, (int)pid);
	long c = strtol(hako_read_file(p), NULL, 10);
	return c > 0 ? (pid_t)c : -1;
}

enum ending { END_EXIT, END_KILL_WORKLOAD, END_TERM_HAKO };

/* Run a --rm container that waits on its stdin, look at the mounts while it runs, end it as
 * END says, and check that nothing stays: no overlay in our mount table, no layer. */
static void run_and_end(enum ending end)
{
	struct box b;
	struct hako_bg bg;
	char name[12], hako_path[PATH_MAX], dir[PATH_MAX];

	box_setup(&b, true);
	hako_rand_name(name, sizeof(name) - 1);
	snprintf(hako_path, sizeof(hako_path), "%s", hako_prog("hako"));
	snprintf(dir, sizeof(dir), "%s/containers/%s", b.store, name);
	char *argv[] = {hako_path, "run", "--rm",
	                "--name",  name,  b.rootfs,
	                "/bin/sh", "-c",  "echo up; read x; echo bye",
	                NULL};
	check_that(hako_bg_start(&bg, argv, NULL, NULL) == 0, "could not start hako");
	bool up = hako_bg_wait_for(&bg, "up", WAIT_MS);
	bool layer = access(dir, F_OK) == 0;
	bool leaked = overlay_mounted_here(b.store);
	pid_t init = first_child(bg.pid), workload = init > 0 ? first_child(init) : -1;
	if (end == END_KILL_WORKLOAD && workload > 0)
		kill(workload, SIGKILL);
	if (end == END_TERM_HAKO)
		kill(bg.pid, SIGTERM);
	int st = -1;
	if (end == END_EXIT) {
		st = hako_bg_finish(&bg, WAIT_MS); /* closes its stdin: `read` returns */
	} else {
		/* Keep its stdin open: only the signal may end it. */
		for (long long t = hako_now_ms() + WAIT_MS; hako_now_ms() < t; usleep(5000))
			if (waitpid(bg.pid, &st, WNOHANG) == bg.pid)
				break;
		hako_bg_finish(&bg, 1000);
	}
	check_that(up, "the container did not start: %s", bg.text);
	check_that(layer, "while it ran, the container's layer %s did not exist", dir);
	check_that(!leaked, "the container's overlay is mounted in hako's own namespace too: it "
	                    "must be mounted in the child's, after making its mounts private");
	check_that(end != END_KILL_WORKLOAD || workload > 0, "could not find the workload's pid");
	check_that(st != -1 && WIFEXITED(st), "hako did not end within %d s", WAIT_MS / 1000);
	if (end == END_KILL_WORKLOAD)
		check_int(WEXITSTATUS(st), 128 + SIGKILL, "hako's exit code (workload SIGKILLed)");
	check_that(!overlay_mounted_here(b.store), "an overlay is still mounted after the end");
	check_that(access(dir, F_OK) != 0, "the layer of a --rm container is still there: %s", dir);
}

/* This test checks that after a --rm container exits, no overlay stays mounted and its
 * layer is removed. */
static void test_overlay_hako_gone_after_exit(void **state)
{
	run_and_end(END_EXIT);
}

/* This test checks that after the workload of a --rm container is SIGKILLed, no overlay
 * stays mounted and its layer is removed. */
static void test_overlay_hako_gone_after_kill(void **state)
{
	run_and_end(END_KILL_WORKLOAD);
}

/* This test checks that after SIGTERM to hako running a --rm container, no overlay stays
 * mounted and its layer is removed. */
static void test_overlay_hako_gone_after_term(void **state)
{
	run_and_end(END_TERM_HAKO);
}

/* This test checks that a container's layer is kept after it exits (without --rm), that
 * `hako diff NAME` then prints its changes, and that `hako rm NAME` removes it. */
static void test_overlay_hako_diff_and_rm(void **state)
{
	struct box b;
	struct hako_run r;
	char name[12], add[12], script[256], want[256], dir[PATH_MAX];

	box_setup(&b, true);
	hako_rand_name(name, sizeof(name) - 1);
	hako_rand_name(add, sizeof(add) - 1);
	snprintf(script, sizeof(script), "echo x > /etc/%s; rm /%s; echo y >> /etc/hostname", add,
	         b.marker);
	hako_sh(&r, &b, name, script);
	check_exit(&r, 0, "hako run (add, delete, change)");
	hako_run_free(&r);
	snprintf(dir, sizeof(dir), "%s/containers/%s", b.store, name);
	check_that(access(dir, F_OK) == 0, "the layer was not kept: %s", dir);

	const char *d[] = {"diff", name, NULL};
	hako(&r, d);
	check_exit(&r, 0, "hako diff NAME");
	char lines[4][64];
	snprintf(lines[0], 64, "D /%s", b.marker);
	snprintf(lines[1], 64, "C /etc");
	snprintf(lines[2], 64, "A /etc/%s", add);
	snprintf(lines[3], 64, "C /etc/hostname");
	join_sorted(lines, 4, want, sizeof(want));
	check_str(r.out, want, "hako diff's output");
	hako_run_free(&r);

	const char *rm[] = {"rm", name, NULL};
	hako(&r, rm);
	check_exit(&r, 0, "hako rm NAME");
	hako_run_free(&r);
	check_that(access(dir, F_OK) != 0, "hako rm left the layer: %s", dir);
	hako(&r, rm);
	check_that(r.exit_code != 0, "a second `hako rm NAME` succeeded");
	check_contains(r.err, "no such container", "stderr of `hako rm` of a missing container");
	hako_run_free(&r);
}

/* This test checks that --rm removes the layer, that a taken name is refused (exit 125)
 * without touching its layer, and that a bad name is refused before anything is made. */
static void test_overlay_hako_names(void **state)
{
	struct box b;
	struct hako_run r;
	char name[12], file[12], script[128], dir[PATH_MAX];

	box_setup(&b, true);
	hako_rand_name(name, sizeof(name) - 1);
	hako_rand_name(file, sizeof(file) - 1);
	snprintf(dir, sizeof(dir), "%s/containers/%s", b.store, name);

	const char *w1[] = {"run", "--rm", "--name", name, b.rootfs, "/bin/true", NULL};
	hako(&r, w1);
	check_exit(&r, 0, "hako run --rm");
	hako_run_free(&r);
	check_that(access(dir, F_OK) != 0, "the layer of a --rm container was kept: %s", dir);

	snprintf(script, sizeof(script), "echo x > /%s", file);
	hako_sh(&r, &b, name, script);
	check_exit(&r, 0, "hako run --name NAME");
	hako_run_free(&r);
	hako_sh(&r, &b, name, "echo ran");
	check_exit(&r, HAKO_EXIT_FAILED, "a second hako run --name NAME");
	check_contains(r.err, name, "stderr of a second hako run --name NAME");
	check_that(strstr(r.out, "ran") == NULL, "the second container ran");
	hako_run_free(&r);
	check_that(access(upper_path(&b, name, file), F_OK) == 0,
	           "the first container's layer was changed by the refused run");

	const char *bad[] = {"run", "--name", "../x", b.rootfs, "/bin/true", NULL};
	hako(&r, bad);
	check_exit(&r, HAKO_EXIT_FAILED, "hako run --name ../x");
	hako_run_free(&r);
	snprintf(dir, sizeof(dir), "%s/x", b.store);
	check_that(access(dir, F_OK) != 0, "--name ../x made %s", dir);
}

/* Run `hako WORDS...` as uid/gid 65534 (nobody). */
static void hako_as_nobody(struct hako_run *r, const char *const *words)
{
	char *argv[20];
	int n = 0;

	argv[n++] = "/usr/bin/setpriv";
	argv[n++] = "--reuid=65534";
	argv[n++] = "--regid=65534";
	argv[n++] = "--clear-groups";
	argv[n++] = (char *)hako_prog("hako");
	for (int i = 0; words[i] && n < 19; i++)
		argv[n++] = (char *)words[i];
	argv[n] = NULL;
	check_that(hako_run_argv(argv, NULL, WAIT_MS, r) == 0, "could not start setpriv");
	check_that(!r->timed_out, "hako did not finish within %d s", WAIT_MS / 1000);
}

/* chown -R PATH to 65534:65534 (nobody), symlinks themselves included. */
static void chown_nobody(const char *path)
{
	char *argv[] = {"/bin/chown", "-hR", "65534:65534", (char *)path, NULL};
	struct hako_run r;
	check_that(hako_run_argv(argv, NULL, WAIT_MS, &r) == 0 && r.exit_code == 0,
	           "chown -R %s failed", path);
	hako_run_free(&r);
}

/* This test checks that a rootless container (hako run as an ordinary user, here nobody,
 * on a rootfs of its own) gets an overlay too: writes in its upper layer, owned by the user;
 * a delete as a whiteout; a folder made again opaque with user.overlay.opaque; and that the
 * user can `hako rm` the layer. */
static void test_overlay_hako_rootless(void **state)
{
	struct box b;
	struct hako_run r;
	char name[12], file[12], dir[12], script[256], p[PATH_MAX], v[8];
	struct stat st;

	hako_require_root(); /* to become nobody and to give it a rootfs */
	hako_require_path("/usr/bin/setpriv", "setpriv (util-linux)");
	box_setup(&b, false);
	hako_rand_name(name, sizeof(name) - 1);
	hako_rand_name(file, sizeof(file) - 1);
	hako_rand_name(dir, sizeof(dir) - 1);
	snprintf(p, sizeof(p), "%s/%s/old", b.rootfs, dir);
	hako_write_file(p, "old");
	chown_nobody(b.rootfs);
	make_dir(b.store);
	chown_nobody(b.store);

	snprintf(script, sizeof(script),
	         "echo new > /%s && rm /%s && rm -rf /%s && mkdir /%s && ls /%s && echo ok", file,
	         b.marker, dir, dir, dir);
	const char *w[] = {"run",    "--net",   "none", "--name", name,
	                   b.rootfs, "/bin/sh", "-c",   script,   NULL};
	hako_as_nobody(&r, w);
	if (r.exit_code != 0 && strstr(r.err, "user namespace"))
		hako_skip("user namespaces are not allowed to nobody here: %s", r.err);
	check_exit(&r, 0, "rootless hako run");
	check_str(r.out, "ok\n", "the rootless container's output");
	hako_run_free(&r);

	check_that(lstat(upper_path(&b, name, file), &st) == 0,
	           "the new file is not in the upper "
	           "layer: %s",
	           strerror(errno));
	check_int(st.st_uid, 65534, "owner of the new file in the upper layer");
	snprintf(p, sizeof(p), "%s/%s", b.rootfs, file);
	check_that(access(p, F_OK) != 0, "the new file is in the rootfs folder");
	check_that(lstat(upper_path(&b, name, b.marker), &st) == 0 && S_ISCHR(st.st_mode) &&
	               st.st_rdev == makedev(0, 0),
	           "the deleted file has no whiteout in the upper layer");
	ssize_t n = lgetxattr(upper_path(&b, name, dir), "user.overlay.opaque", v, sizeof(v));
	check_that(n == 1 && v[0] == 'y',
	           "the folder made again is not opaque by user.overlay.opaque (userxattr?)");

	const char *rm[] = {"rm", name, NULL};
	hako_as_nobody(&r, rm);
	check_exit(&r, 0, "rootless hako rm NAME");
	hako_run_free(&r);
	snprintf(p, sizeof(p), "%s/containers/%s", b.store, name);
	check_that(access(p, F_OK) != 0, "hako rm left %s", p);
}

/* This test checks that a container runs on a stack of read-only layers given in the
 * configuration (as lesson 12 gives an image's layers, top first): the top layer's file
 * wins, its whiteout hides a file of the bottom layer, and --rm leaves nothing. */
static void test_overlay_hako_layer_stack(void **state)
{
	struct box b;
	char top[PATH_MAX], p[PATH_MAX], outfile[PATH_MAX], errfile[PATH_MAX], script[256];
	char file[12], text[24];

	box_setup(&b, true);
	hako_rand_name(file, sizeof(file) - 1);
	hako_rand_name(text, sizeof(text) - 1);
	snprintf(top, sizeof(top), "%s/top", b.dir);
	make_dir(top);
	snprintf(p, sizeof(p), "%s/%s", top, file);
	hako_write_file(p, text);
	snprintf(p, sizeof(p), "%s/%s", top, b.marker); /* the top layer deletes the marker */
	make_whiteout(p);
	snprintf(outfile, sizeof(outfile), "%s/out", b.dir);
	snprintf(errfile, sizeof(errfile), "%s/err", b.dir);
	snprintf(script, sizeof(script), "cat /%s; test -e /%s && echo marker-seen; ls /bin/sh",
	         file, b.marker);

	fflush(NULL);
	pid_t pid = fork();
	check_that(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		char *argv[] = {"/bin/sh", "-c", script, NULL};
		const char *layers[] = {top, b.rootfs};
		struct hako_config cfg = {.argv = argv, .isolate = true, .net = HAKO_NET_HOST};
		int out = open(outfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		int err = open(errfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (out < 0 || err < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
			_exit(201);
		cfg.layers = layers;
		cfg.nlayers = 2;
		cfg.rm = true;
		int code = hako_run(&cfg);
		fflush(NULL);
		_exit(code < 0 ? 200 : code);
	}
	int st;
	waitpid(pid, &st, 0);
	check_that(WIFEXITED(st), "hako_run() in a child crashed (signal %d)", WTERMSIG(st));
	check_that(WEXITSTATUS(st) == 0, "hako_run() on two layers: exit %d; stderr: %s",
	           WEXITSTATUS(st), hako_read_file(errfile));
	snprintf(p, sizeof(p), "%s/bin/sh\n", text);
	check_str(hako_read_file(outfile), p, "what the container saw on the layer stack");
	check_that(store_empty(b.store), "--rm left a container layer in the store");
	check_that(!overlay_mounted_here(b.store), "an overlay is still mounted");
}

HAKO_TEST_MAIN(HAKO_TEST(test_overlay_options_layers_in_order),
               HAKO_TEST(test_overlay_options_rootless), HAKO_TEST(test_overlay_options_escapes),
               HAKO_TEST(test_overlay_options_limits), HAKO_TEST(test_overlay_kind),
               HAKO_TEST(test_overlay_diff_lines), HAKO_TEST(test_overlay_mount_stacks_layers),
               HAKO_TEST(test_overlay_mount_private), HAKO_TEST(test_overlay_hako_too_many_layers),
               HAKO_TEST(test_overlay_hako_write_in_upper),
               HAKO_TEST(test_overlay_hako_delete_whiteout),
               HAKO_TEST(test_overlay_hako_opaque_dir), HAKO_TEST(test_overlay_hako_copy_up_attrs),
               HAKO_TEST(test_overlay_hako_two_containers),
               HAKO_TEST(test_overlay_hako_gone_after_exit),
               HAKO_TEST(test_overlay_hako_gone_after_kill),
               HAKO_TEST(test_overlay_hako_gone_after_term),
               HAKO_TEST(test_overlay_hako_diff_and_rm), HAKO_TEST(test_overlay_hako_names),
               HAKO_TEST(test_overlay_hako_rootless), HAKO_TEST(test_overlay_hako_layer_stack));
