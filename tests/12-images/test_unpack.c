/* test_unpack.c: graded tests for lesson 12's unpacker — a layer lands where its names say,
 * and only there. Each hostile archive is unpacked into BOX/root next to a marker in BOX that
 * no entry may reach; the test checks the marker afterwards, never trusting the return value
 * alone. */
#include "hako_test.h"
#include "hako.h"
#include "images_test.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

/* A layer folder (BOX/root) with a marker beside it (BOX/MARKER holding SECRET). */
struct box {
	char *dir;
	char root[PATH_MAX], marker[PATH_MAX], marker_name[16], secret[24];
	struct stat marker_st; /* the marker as made: nothing may change its inode */
};

static int flags_here(void)
{
	return geteuid() == 0 ? 0 : LAYER_ROOTLESS;
}

static void box_make(struct box *b)
{
	b->dir = hako_tmpdir();
	snprintf(b->root, sizeof(b->root), "%s/root", b->dir);
	check_that(mkdir(b->root, 0755) == 0, "mkdir %s: %s", b->root, strerror(errno));
	hako_rand_name(b->marker_name, 10);
	hako_rand_name(b->secret, 20);
	snprintf(b->marker, sizeof(b->marker), "%s/%s", b->dir, b->marker_name);
	hako_write_file(b->marker, b->secret);
	struct timespec old[2] = {{.tv_sec = 1000000000}, {.tv_sec = 1000000000}};
	check_that(utimensat(AT_FDCWD, b->marker, old, 0) == 0 &&
	               stat(b->marker, &b->marker_st) == 0,
	           "%s: %s", b->marker, strerror(errno));
	/* A strict umask, so that a mode left to open() or mkdir() shows (the unpacker must set
	 * each mode itself). */
	umask(077);
}

/* The marker beside the layer still holds its secret, and is the only file named so. */
static void box_check_marker(struct box *b, const char *attack)
{
	char buf[64] = "";
	struct stat st;
	int fd = open(b->marker, O_RDONLY | O_NOFOLLOW);

	check_that(fd >= 0, "%s: the marker outside the layer is gone (%s)", attack,
	           strerror(errno));
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	fstat(fd, &st);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	check_that(strcmp(buf, b->secret) == 0,
	           "%s: the marker outside the layer was overwritten (it holds \"%s\")", attack,
	           buf);
	check_int(st.st_nlink, 1, "links to the marker outside the layer (a hard link was made)");
	/* chmod, chown or utimensat that follow a symlink change the marker's inode, not its
	 * content. */
	check_that(st.st_ino == b->marker_st.st_ino,
	           "%s: the marker outside the layer was replaced", attack);
	check_that((st.st_mode & 07777) == (b->marker_st.st_mode & 07777),
	           "%s: the mode of the marker outside the layer changed from %o to %o (a chmod "
	           "followed a symlink)",
	           attack, b->marker_st.st_mode & 07777, st.st_mode & 07777);
	check_that(st.st_uid == b->marker_st.st_uid && st.st_gid == b->marker_st.st_gid,
	           "%s: the owner of the marker outside the layer changed (a chown followed a "
	           "symlink)",
	           attack);
	check_that(st.st_mtime == b->marker_st.st_mtime,
	           "%s: the mtime of the marker outside the layer changed (utimensat followed a "
	           "symlink)",
	           attack);
}

static void read_text(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW);
	check_that(fd >= 0, "%s: %s", path, strerror(errno));
	ssize_t n = read(fd, buf, len - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
}

/* This test checks that a layer of random folders, files, symlinks, hard links and fifos is
 * unpacked with each one's content, mode, times, link target (and owner, as root). */
void test_unpack_tree(void **state)
{
	struct box b;
	struct tarbuf t = {0};
	char bad[256], names[8][32], data[8][300], path[PATH_MAX + 64], dots[32], name_dots[64];
	unsigned int modes[8];
	long long mtimes[8], sizes[8], uid = hako_rand_range(1, 60000),
	                               gid = hako_rand_range(1, 60000);
	bool root = geteuid() == 0;

	box_make(&b);
	tb_add(&t, &(struct tb_entry){.name = "./", .type = '5', .mode = 0755}, "");
	tb_add(&t, &(struct tb_entry){.name = "./sub/", .type = '5', .mode = 0750, .mtime = 1000},
	       "");
	for (int i = 0; i < 8; i++) {
		hako_rand_name(names[i], 12);
		modes[i] = (unsigned int)hako_rand_range(0400, 0777);
		if (i == 1)
			modes[i] |=
			    04111; /* setuid and executable: chown after chmod would clear it */
		if (i == 2)
			modes[i] |= 02010; /* setgid and group-executable */
		mtimes[i] = hako_rand_range(1, 2000000000);
		sizes[i] = hako_rand_range(0, 299);
		for (long long k = 0; k < sizes[i]; k++)
			data[i][k] = (char)hako_rand();
		char name[64];
		snprintf(name, sizeof(name), "./sub/%s", names[i]);
		tb_add(&t,
		       &(struct tb_entry){.name = name,
		                          .type = '0',
		                          .mode = modes[i],
		                          .mtime = mtimes[i],
		                          .size = sizes[i],
		                          .uid = uid,
		                          .gid = gid},
		       data[i]);
	}
	char link_target[40];
	hako_rand_name(link_target, 20);
	tb_add(
	    &t,
	    &(struct tb_entry){
	        .name = "sub/sym", .type = '2', .link = link_target, .mode = 0777, .mtime = 12345},
	    "");
	/* A link to a file of the layer: its mode and time must stay the file's. */
	long long sym2_mtime = hako_rand_range(1, 2000000000);
	tb_add(&t,
	       &(struct tb_entry){.name = "sub/sym2",
	                          .type = '2',
	                          .link = names[3],
	                          .mode = 0777,
	                          .mtime = sym2_mtime,
	                          .uid = uid + 1,
	                          .gid = gid + 1},
	       "");
	/* A setgid folder: mkdir() drops the bit, and folders made in it inherit it. */
	unsigned int sg_mode = 02700 | (unsigned int)hako_rand_range(0, 077),
	             in_mode = 0700 | (unsigned int)hako_rand_range(0, 077);
	tb_add(
	    &t,
	    &(struct tb_entry){.name = "sg/", .type = '5', .mode = sg_mode, .uid = uid, .gid = gid},
	    "");
	tb_add(&t,
	       &(struct tb_entry){
	           .name = "sg/in/", .type = '5', .mode = in_mode, .uid = uid, .gid = gid},
	       "");
	char hl_src[64];
	snprintf(hl_src, sizeof(hl_src), "sub/%s", names[0]);
	tb_add(&t, &(struct tb_entry){.name = "sub/hard", .type = '1', .link = hl_src}, "");
	tb_add(&t, &(struct tb_entry){.name = "sub/fifo", .type = '6', .mode = 0640}, "");
	/* Two dots in a name are not a ".." component ("..data" is common in real images). */
	hako_rand_name(dots + 2, 8);
	memcpy(dots, "..", 2);
	snprintf(name_dots, sizeof(name_dots), "sub/%s/x..y", dots);
	tb_add(&t, &(struct tb_entry){.name = name_dots, .type = '0', .mode = 0644, .size = 2},
	       "ok");
	tb_end(&t);

	check_int(tb_unpack(&t, b.root, flags_here(), bad, sizeof(bad)), 0, "layer_unpack");
	for (int i = 0; i < 8; i++) {
		struct stat st;
		char got[300];
		snprintf(path, sizeof(path), "%s/sub/%s", b.root, names[i]);
		check_that(lstat(path, &st) == 0, "sub/%s was not unpacked: %s", names[i],
		           strerror(errno));
		check_that(S_ISREG(st.st_mode), "sub/%s is not a regular file", names[i]);
		check_int(st.st_mode & 07777, modes[i], "the mode of a file");
		check_int(st.st_size, sizes[i], "the size of a file");
		check_int(st.st_mtime, mtimes[i], "the mtime of a file");
		if (root) {
			check_int(st.st_uid, uid, "the owner of a file (uid)");
			check_int(st.st_gid, gid, "the group of a file (gid)");
		}
		int fd = open(path, O_RDONLY);
		ssize_t n = read(fd, got, sizeof(got));
		close(fd);
		check_that(n == sizes[i] && memcmp(got, data[i], (size_t)n) == 0,
		           "sub/%s: the content differs from the archive's", names[i]);
	}
	char target[64] = "";
	snprintf(path, sizeof(path), "%s/sub/sym", b.root);
	ssize_t n = readlink(path, target, sizeof(target) - 1);
	target[n > 0 ? n : 0] = '\0';
	check_str(target, link_target, "the symlink's target");
	struct stat s2;
	snprintf(path, sizeof(path), "%s/sub/sym2", b.root);
	check_that(lstat(path, &s2) == 0 && S_ISLNK(s2.st_mode), "sub/sym2 is not a symlink");
	check_int(s2.st_mtime, sym2_mtime, "the mtime of the symlink sub/sym2 itself");
	if (root)
		check_int(s2.st_uid, uid + 1, "the owner of the symlink sub/sym2 itself");
	snprintf(path, sizeof(path), "%s/sg", b.root);
	check_that(lstat(path, &s2) == 0 && S_ISDIR(s2.st_mode), "sg is not a folder");
	check_int(s2.st_mode & 07777, sg_mode, "the mode of the setgid folder sg");
	snprintf(path, sizeof(path), "%s/sg/in", b.root);
	check_that(lstat(path, &s2) == 0 && S_ISDIR(s2.st_mode), "sg/in is not a folder");
	check_int(s2.st_mode & 07777, in_mode,
	          "the mode of sg/in (a folder made in a setgid folder inherits the bit: set the "
	          "archive's mode)");
	struct stat a, h, f, d;
	snprintf(path, sizeof(path), "%s/sub/%s", b.root, names[0]);
	stat(path, &a);
	snprintf(path, sizeof(path), "%s/sub/hard", b.root);
	check_that(lstat(path, &h) == 0 && h.st_ino == a.st_ino,
	           "sub/hard is not a hard link of sub/%s (another inode, or missing)", names[0]);
	snprintf(path, sizeof(path), "%s/sub/fifo", b.root);
	check_that(lstat(path, &f) == 0 && S_ISFIFO(f.st_mode), "sub/fifo is not a fifo");
	snprintf(path, sizeof(path), "%s/sub", b.root);
	check_that(lstat(path, &d) == 0 && S_ISDIR(d.st_mode), "sub is not a folder");
	check_int(d.st_mode & 07777, 0750, "the mode of the folder sub");
	snprintf(path, sizeof(path), "%s/%s", b.root, name_dots);
	check_that(access(path, F_OK) == 0,
	           "%s was not unpacked (only a component that is exactly \"..\" climbs)",
	           name_dots);
	tb_free(&t);
}

/* This test checks that an entry whose folders were never in the archive gets them made. */
void test_unpack_missing_folders(void **state)
{
	struct box b;
	struct tarbuf t = {0};
	char bad[256], a[12], c[12], name[64], path[PATH_MAX + 64], got[32];

	box_make(&b);
	hako_rand_name(a, 8);
	hako_rand_name(c, 8);
	snprintf(name, sizeof(name), "%s/b/%s", a, c);
	tb_add(&t, &(struct tb_entry){.name = name, .type = '0', .mode = 0644, .size = 5}, "hello");
	tb_end(&t);
	check_int(tb_unpack(&t, b.root, flags_here(), bad, sizeof(bad)), 0,
	          "layer_unpack of a file whose folders have no entries");
	snprintf(path, sizeof(path), "%s/%s", b.root, name);
	read_text(path, got, sizeof(got));
	check_str(got, "hello", "the file's content");
	tb_free(&t);
}

/* This test checks that a later entry replaces an earlier one of the same name: a file
 * replaces a symlink (and is not written through it) or a whole folder, a folder replaces a
 * symlink (and is not made through it), a folder over a folder stays. */
void test_unpack_replaces(void **state)
{
	struct box b;
	struct tarbuf t = {0};
	char bad[256], path[PATH_MAX + 64], got[64];

	box_make(&b);
	/* "f" first points at the marker outside; the file "f" that follows must replace the
	 * link, not write through it. */
	tb_add(&t,
	       &(struct tb_entry){.name = "f",
	                          .type = '2',
	                          .link = b.marker,
	                          .mode = 0777,
	                          .uid = hako_rand_range(1, 60000),
	                          .gid = hako_rand_range(1, 60000),
	                          .mtime = hako_rand_range(1, 900000000)},
	       "");
	tb_add(&t, &(struct tb_entry){.name = "f", .type = '0', .mode = 0644, .size = 6}, "inside");
	tb_add(&t, &(struct tb_entry){.name = "d/", .type = '5', .mode = 0755}, "");
	tb_add(&t, &(struct tb_entry){.name = "d/keep", .type = '0', .mode = 0644, .size = 4},
	       "kept");
	tb_add(&t, &(struct tb_entry){.name = "d", .type = '5', .mode = 0700}, "");
	/* A folder with things in it, then a file of its name: the whole folder goes. */
	tb_add(&t, &(struct tb_entry){.name = "r/", .type = '5', .mode = 0755}, "");
	tb_add(&t, &(struct tb_entry){.name = "r/s/x", .type = '0', .mode = 0644, .size = 1}, "x");
	tb_add(&t, &(struct tb_entry){.name = "r", .type = '0', .mode = 0644, .size = 4}, "file");
	/* A file, then a folder of its name, then a file in that folder. */
	tb_add(&t, &(struct tb_entry){.name = "q", .type = '0', .mode = 0644, .size = 4}, "file");
	tb_add(&t, &(struct tb_entry){.name = "q/", .type = '5', .mode = 0755}, "");
	tb_add(&t, &(struct tb_entry){.name = "q/in", .type = '0', .mode = 0644, .size = 2}, "in");
	/* A symlink to the box, then a folder of its name, then a file in that folder. */
	tb_add(&t, &(struct tb_entry){.name = "l", .type = '2', .link = b.dir, .mode = 0777}, "");
	tb_add(&t, &(struct tb_entry){.name = "l/", .type = '5', .mode = 0755}, "");
	char inl[64];
	snprintf(inl, sizeof(inl), "l/%s", b.marker_name);
	tb_add(&t, &(struct tb_entry){.name = inl, .type = '0', .mode = 0644, .size = 6},
	       "evil!\n");
	tb_end(&t);
	check_int(tb_unpack(&t, b.root, flags_here(), bad, sizeof(bad)), 0, "layer_unpack");
	box_check_marker(&b, "a file entry after a symlink of the same name");
	struct stat st;
	snprintf(path, sizeof(path), "%s/f", b.root);
	check_that(lstat(path, &st) == 0 && S_ISREG(st.st_mode), "f is not a regular file");
	read_text(path, got, sizeof(got));
	check_str(got, "inside", "the content of f");
	snprintf(path, sizeof(path), "%s/d/keep", b.root);
	read_text(path, got, sizeof(got));
	check_str(got, "kept", "d/keep after a second entry for the folder d");
	snprintf(path, sizeof(path), "%s/r", b.root);
	check_that(lstat(path, &st) == 0 && S_ISREG(st.st_mode),
	           "r is not a regular file (a file entry after the folder r and its contents)");
	read_text(path, got, sizeof(got));
	check_str(got, "file", "the content of r");
	snprintf(path, sizeof(path), "%s/q/in", b.root);
	check_that(access(path, F_OK) == 0,
	           "q/in is missing (a folder entry q after a file q must replace the file)");
	snprintf(path, sizeof(path), "%s/l", b.root);
	check_that(lstat(path, &st) == 0 && S_ISDIR(st.st_mode),
	           "l is not a folder (a folder entry after a symlink l: check what is there "
	           "without following it)");
	snprintf(path, sizeof(path), "%s/l/%s", b.root, b.marker_name);
	read_text(path, got, sizeof(got));
	check_str(got, "evil!\n", "the file in the folder l");
	tb_free(&t);
}

/* Unpack one hostile archive T into B and check it was refused naming WANT_BAD. */
static void expect_refused(struct box *b, struct tarbuf *t, const char *want_bad,
                           const char *attack)
{
	char bad[PATH_MAX];
	int err = tb_unpack(t, b->root, flags_here(), bad, sizeof(bad));

	box_check_marker(b, attack);
	if (err >= 0)
		fail_msg("%s: layer_unpack returned %d: it must refuse the entry (-EINVAL)", attack,
		         err);
	check_int(err, -EINVAL, attack);
	check_str(bad, want_bad, "the entry layer_unpack blames (BAD)");
}

/* This test checks that names with ".." that climb out of the layer are refused, and that
 * nothing outside the layer changes. */
void test_unpack_dotdot(void **state)
{
	struct box b;
	char name[PATH_MAX];

	for (int i = 0; i < 3; i++) {
		struct tarbuf t = {0};
		box_make(&b);
		snprintf(name, sizeof(name), "%s%s",
		         i == 0   ? "../"
		         : i == 1 ? "./a/../../"
		                  : "a/b/../../../",
		         b.marker_name);
		tb_add(&t, &(struct tb_entry){.name = "a/", .type = '5', .mode = 0755}, "");
		tb_add(&t, &(struct tb_entry){.name = name, .type = '0', .mode = 0644, .size = 6},
		       "evil!\n");
		tb_end(&t);
		expect_refused(&b, &t, name, "a file named with \"..\"");
		tb_free(&t);
	}
}

/* This test checks that an absolute name (the host's path of the marker) is refused. */
void test_unpack_absolute(void **state)
{
	struct box b;
	struct tarbuf t = {0};

	box_make(&b);
	tb_add(&t, &(struct tb_entry){.name = b.marker, .type = '0', .mode = 0644, .size = 6},
	       "evil!\n");
	tb_end(&t);
	expect_refused(&b, &t, b.marker, "a file with an absolute name");
	tb_free(&t);
}

/* This test checks the symlink-then-write attack (CVE-2018-15664's class): a symlink to a
 * folder outside, then a file "through" it. Symlinks with ".." are normal in real images
 * (usr/lib/x -> ../../lib/x), so the link itself is unpacked; what goes through it must
 * land inside the layer. */
void test_unpack_symlink_escape(void **state)
{
	struct box b;
	char bad[256], name[64], path[PATH_MAX + 64], got[32], fresh[16];

	for (int i = 0; i < 3; i++) {
		struct tarbuf t = {0};
		box_make(&b);
		hako_rand_name(fresh, 10);
		tb_add(&t, &(struct tb_entry){.name = "ok", .type = '0', .mode = 0644, .size = 2},
		       "ok");
		/* The link points at BOX (absolute) or climbs to it (relative: from ROOT, ".." is
		 * BOX, so a careless unpacker hits the marker and nothing else). */
		tb_add(&t,
		       &(struct tb_entry){
		           .name = "esc", .type = '2', .link = i == 1 ? ".." : b.dir, .mode = 0777},
		       "");
		/* The third time through a folder that does not exist yet: it must not be made in
		 * BOX (mkdirat with a path from the layer's top follows the link). */
		if (i == 2)
			snprintf(name, sizeof(name), "esc/%s/%s", fresh, b.marker_name);
		else
			snprintf(name, sizeof(name), "esc/%s", b.marker_name);
		tb_add(&t, &(struct tb_entry){.name = name, .type = '0', .mode = 0644, .size = 6},
		       "evil!\n");
		tb_end(&t);
		int err = tb_unpack(&t, b.root, flags_here(), bad, sizeof(bad));
		box_check_marker(&b, i == 1
		                         ? "a file written through a symlink to \"..\""
		                         : "a file written through a symlink to an absolute path");
		snprintf(path, sizeof(path), "%s/%s", b.dir, fresh);
		check_that(
		    access(path, F_OK) < 0,
		    "a folder was made outside the layer, through the symlink esc (make missing "
		    "folders one at a time, each in the folder opened inside the root)");
		snprintf(path, sizeof(path), "%s/ok", b.root);
		check_that(access(path, F_OK) == 0,
		           "the harmless entry before the attack was not unpacked (layer_unpack "
		           "returned %d)",
		           err);
		snprintf(path, sizeof(path), "%s/esc", b.root);
		struct stat st;
		check_that(lstat(path, &st) == 0 && S_ISLNK(st.st_mode),
		           "the symlink esc was not unpacked (a symlink may point anywhere: it is "
		           "what goes through it that must stay inside)");
		if (i != 1) {
			tb_free(&t);
			continue; /* ROOT/BOX does not exist: an error or a new folder, both safe */
		}
		/* ".." from the layer's / is its / again: the file is ROOT/MARKER. */
		check_int(err, 0, "layer_unpack of a file through a symlink to \"..\"");
		snprintf(path, sizeof(path), "%s/%s", b.root, b.marker_name);
		read_text(path, got, sizeof(got));
		check_str(got, "evil!\n", "the file written through the link, inside the layer");
		tb_free(&t);
	}
}

/* This test checks that a hard link to a file outside the layer is refused, however its
 * source is named: with "..", absolutely, or through a symlink that leads out. */
void test_unpack_hardlink_escape(void **state)
{
	struct box b;
	char src[PATH_MAX], bad[PATH_MAX];

	box_make(&b);
	struct tarbuf t = {0};
	snprintf(src, sizeof(src), "../%s", b.marker_name);
	tb_add(&t, &(struct tb_entry){.name = "x", .type = '1', .link = src}, "");
	tb_end(&t);
	expect_refused(&b, &t, "x", "a hard link to \"../MARKER\"");
	tb_free(&t);

	box_make(&b);
	memset(&t, 0, sizeof(t));
	tb_add(&t, &(struct tb_entry){.name = "y", .type = '1', .link = b.marker}, "");
	tb_end(&t);
	expect_refused(&b, &t, "y", "a hard link to the marker's absolute path");
	tb_free(&t);

	/* Through a symlink: "out" -> BOX, then a hard link to "out/MARKER". Resolved inside the
	 * layer, "out/MARKER" is ROOT/BOX/MARKER, which does not exist: an error, no link. */
	box_make(&b);
	memset(&t, 0, sizeof(t));
	tb_add(&t, &(struct tb_entry){.name = "out", .type = '2', .link = b.dir, .mode = 0777}, "");
	snprintf(src, sizeof(src), "out/%s", b.marker_name);
	tb_add(&t, &(struct tb_entry){.name = "z", .type = '1', .link = src}, "");
	tb_end(&t);
	int err = tb_unpack(&t, b.root, flags_here(), bad, sizeof(bad));
	box_check_marker(&b, "a hard link through a symlink that leads out of the layer");
	check_that(err < 0,
	           "a hard link through a symlink that leads out: layer_unpack returned "
	           "%d, expected an error (its source does not exist inside the layer)",
	           err);
	tb_free(&t);

	/* To a symlink that points out: "s" -> MARKER, then a hard link "h" to "s". linkat()
	 * without AT_SYMLINK_FOLLOW links the symlink itself, which is harmless. */
	box_make(&b);
	memset(&t, 0, sizeof(t));
	tb_add(&t, &(struct tb_entry){.name = "s", .type = '2', .link = b.marker, .mode = 0777},
	       "");
	tb_add(&t, &(struct tb_entry){.name = "h", .type = '1', .link = "s"}, "");
	tb_end(&t);
	err = tb_unpack(&t, b.root, flags_here(), bad, sizeof(bad));
	box_check_marker(&b, "a hard link to a symlink that points at a file outside the layer");
	char path[PATH_MAX + 64];
	struct stat st;
	snprintf(path, sizeof(path), "%s/h", b.root);
	check_that(err < 0 || (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)),
	           "a hard link h to the symlink s: layer_unpack returned %d but h is not a "
	           "symlink",
	           err);
	tb_free(&t);
}

/* This test checks OCI whiteouts: ".wh.NAME" becomes the character device 0:0 NAME that
 * overlayfs hides files with, and ".wh..wh..opq" marks its folder opaque. */
void test_unpack_whiteouts(void **state)
{
	struct box b;
	struct tarbuf t = {0};
	char bad[256], gone[12], name[64], path[PATH_MAX + 64];
	bool root = geteuid() == 0;

	box_make(&b);
	hako_rand_name(gone, 8);
	snprintf(name, sizeof(name), "dir/%s", gone);
	tb_add(&t, &(struct tb_entry){.name = name, .type = '0', .mode = 0644, .size = 3}, "old");
	snprintf(name, sizeof(name), "dir/.wh.%s", gone);
	tb_add(&t, &(struct tb_entry){.name = name, .type = '0', .mode = 0600}, "");
	tb_add(&t, &(struct tb_entry){.name = "opq/.wh..wh..opq", .type = '0', .mode = 0600}, "");
	/* A whiteout of a folder with things in it. */
	tb_add(&t, &(struct tb_entry){.name = "wd/sub/f", .type = '0', .mode = 0644, .size = 1},
	       "f");
	tb_add(&t, &(struct tb_entry){.name = ".wh.wd", .type = '0', .mode = 0600}, "");
	tb_end(&t);
	check_int(tb_unpack(&t, b.root, flags_here(), bad, sizeof(bad)), 0,
	          "layer_unpack of a layer with whiteouts");
	struct stat st;
	snprintf(path, sizeof(path), "%s/dir/%s", b.root, gone);
	check_that(lstat(path, &st) == 0, "dir/%s: no whiteout was made (%s)", gone,
	           strerror(errno));
	check_that(S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0),
	           "dir/%s is not a character device 0:0 (the overlayfs whiteout)", gone);
	snprintf(path, sizeof(path), "%s/dir/.wh.%s", b.root, gone);
	check_that(access(path, F_OK) < 0, "the .wh. file itself was unpacked as a file");
	snprintf(path, sizeof(path), "%s/wd", b.root);
	check_that(lstat(path, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0),
	           "wd, a folder with files, is not a character device 0:0 after .wh.wd (remove "
	           "the whole folder first)");
	snprintf(path, sizeof(path), "%s/opq", b.root);
	char v[8] = "";
	const char *attr = root ? "trusted.overlay.opaque" : "user.overlay.opaque";
	ssize_t n = getxattr(path, attr, v, sizeof(v) - 1);
	check_that(n == 1 && v[0] == 'y', "opq has no %s = \"y\" (the opaque mark): %s", attr,
	           n < 0 ? strerror(errno) : v);
	snprintf(path, sizeof(path), "%s/opq/.wh..wh..opq", b.root);
	check_that(access(path, F_OK) < 0, "the .wh..wh..opq file itself was unpacked as a file");
	/* With LAYER_ROOTLESS, always the user.* attribute (root may unpack for a rootless user). */
	box_make(&b);
	check_int(tb_unpack(&t, b.root, LAYER_ROOTLESS, bad, sizeof(bad)), 0,
	          "layer_unpack with LAYER_ROOTLESS of a layer with whiteouts");
	snprintf(path, sizeof(path), "%s/opq", b.root);
	n = getxattr(path, "user.overlay.opaque", v, sizeof(v) - 1);
	check_that(n == 1 && v[0] == 'y',
	           "with LAYER_ROOTLESS, opq has no user.overlay.opaque = \"y\": %s",
	           n < 0 ? strerror(errno) : v);
	/* With LAYER_NO_WHITEOUT (a layout's own tar), .wh. names are plain files. */
	box_make(&b);
	check_int(tb_unpack(&t, b.root, LAYER_ROOTLESS | LAYER_NO_WHITEOUT, bad, sizeof(bad)), 0,
	          "layer_unpack with LAYER_NO_WHITEOUT");
	snprintf(path, sizeof(path), "%s/dir/.wh.%s", b.root, gone);
	check_that(lstat(path, &st) == 0 && S_ISREG(st.st_mode),
	           "with LAYER_NO_WHITEOUT, dir/.wh.%s is not the regular file it is in the tar",
	           gone);
	tb_free(&t);
}

/* This test checks that a rootless unpack, which could not make a device node anyway,
 * refuses one and names the entry; it makes FIFOs, and leaves owners as they are (even when
 * root unpacks for a rootless user). */
void test_unpack_devices_rootless(void **state)
{
	struct box b;
	struct tarbuf t = {0};
	char bad[256], path[PATH_MAX + 64];
	struct stat st;

	box_make(&b);
	tb_add(&t,
	       &(struct tb_entry){.name = "ok",
	                          .type = '0',
	                          .mode = 0644,
	                          .size = 2,
	                          .uid = hako_rand_range(1, 60000),
	                          .gid = hako_rand_range(1, 60000)},
	       "ok");
	tb_add(&t, &(struct tb_entry){.name = "fifo", .type = '6', .mode = 0600}, "");
	tb_add(&t,
	       &(struct tb_entry){
	           .name = "dev/null", .type = '3', .mode = 0666, .devmajor = 1, .devminor = 3},
	       "");
	tb_end(&t);
	check_int(tb_unpack(&t, b.root, LAYER_ROOTLESS, bad, sizeof(bad)), -EPERM,
	          "a rootless unpack of a device node");
	check_str(bad, "dev/null", "the entry blamed");
	snprintf(path, sizeof(path), "%s/ok", b.root);
	check_that(lstat(path, &st) == 0, "ok was not unpacked");
	check_that(st.st_uid == geteuid() && st.st_gid == getegid(),
	           "with LAYER_ROOTLESS, ok belongs to %d:%d, not to the user unpacking it "
	           "(no chown when rootless)",
	           (int)st.st_uid, (int)st.st_gid);
	snprintf(path, sizeof(path), "%s/fifo", b.root);
	check_that(lstat(path, &st) == 0 && S_ISFIFO(st.st_mode),
	           "with LAYER_ROOTLESS, the FIFO was not made (a FIFO needs no privilege)");
	tb_free(&t);
}

/* This test checks that, as root, device nodes are made with their numbers and mode. */
void test_unpack_devices(void **state)
{
	struct box b;
	struct tarbuf t = {0};
	char bad[256], path[PATH_MAX + 64];
	unsigned int minor = (unsigned int)hako_rand_range(0, 255);

	hako_require_root();
	box_make(&b);
	tb_add(&t,
	       &(struct tb_entry){
	           .name = "c", .type = '3', .mode = 0620, .devmajor = 1, .devminor = minor},
	       "");
	tb_add(&t,
	       &(struct tb_entry){
	           .name = "b", .type = '4', .mode = 0600, .devmajor = 7, .devminor = minor},
	       "");
	tb_end(&t);
	check_int(tb_unpack(&t, b.root, 0, bad, sizeof(bad)), 0,
	          "layer_unpack of devices, as root");
	struct stat st;
	snprintf(path, sizeof(path), "%s/c", b.root);
	check_that(lstat(path, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, minor),
	           "c is not the character device 1:%u", minor);
	check_int(st.st_mode & 07777, 0620, "the character device's mode");
	snprintf(path, sizeof(path), "%s/b", b.root);
	check_that(lstat(path, &st) == 0 && S_ISBLK(st.st_mode) && st.st_rdev == makedev(7, minor),
	           "b is not the block device 7:%u", minor);
	tb_free(&t);
}
