/* test_tar.c: graded tests for lesson 12's tar reader — headers, numbers, long names, and
 * archives that lie. Archives are built in memory by the test, with random names and sizes. */
#include "hako_test.h"
#include "hako.h"
#include "images_test.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* This test checks that numeric fields are read as tar writes them: octal with spaces or NULs
 * around, GNU's base-256 form, and that garbage and overflow are refused. */
void test_tar_octal(void **state)
{
	char field[12];
	long long v;

	for (int i = 0; i < 50; i++) {
		long long want = hako_rand_range(0, 077777777);
		memset(field, 0, sizeof(field));
		if (i % 3 == 0)
			snprintf(field, sizeof(field), "%011llo", want); /* zeros, then a NUL */
		else if (i % 3 == 1)
			snprintf(field, sizeof(field), "%10llo ",
			         want); /* spaces first, a space last */
		else
			snprintf(field, sizeof(field), "  %llo", want); /* NULs to the end */
		v = -1;
		check_int(tar_parse_octal(field, sizeof(field), &v), 0,
		          "tar_parse_octal(valid field)");
		check_int(v, want, "the value of the octal field");
	}
	/* Base 256: 0x80, then the number big-endian (here 9 GiB, too big for 11 octal digits). */
	long long big = 9LL << 30;
	memset(field, 0, sizeof(field));
	field[0] = (char)0x80;
	for (int i = 0; i < 8; i++)
		field[11 - i] = (char)((big >> (8 * i)) & 0xff);
	v = -1;
	check_int(tar_parse_octal(field, sizeof(field), &v), 0, "tar_parse_octal(base-256 field)");
	check_int(v, big, "the value of a base-256 field (GNU tar's form for sizes over 8 GiB)");

	memcpy(field, "0000012x345\0", 12);
	check_int(tar_parse_octal(field, sizeof(field), &v), -EINVAL, "a field with an 'x' in it");
	memcpy(field, "00000000089\0", 12);
	check_int(tar_parse_octal(field, sizeof(field), &v), -EINVAL,
	          "a field with digits 8 and 9");
	memset(field, 0, sizeof(field));
	check_int(tar_parse_octal(field, sizeof(field), &v), -EINVAL, "a field with no digits");
	memcpy(field, "    -000001\0", 12);
	check_int(tar_parse_octal(field, sizeof(field), &v), -EINVAL,
	          "a field with a minus sign (octal text has none)");
	char wide[32];
	memset(wide, '7', sizeof(wide));
	check_int(tar_parse_octal(wide, sizeof(wide), &v), -EOVERFLOW,
	          "32 octal sevens (more than a long long holds)");
	memset(field, 0, sizeof(field));
	memset(field, 0xff, 1);
	memset(field + 1, 0xff, 11);
	check_int(tar_parse_octal(field, sizeof(field), &v), -EOVERFLOW,
	          "a base-256 field with every bit set");
	/* A negative base-256 number (0x40 is its sign bit): -1 in an 8-byte field. No field
	 * hako reads may be negative. */
	char small[8];
	memset(small, 0xff, sizeof(small));
	check_int(tar_parse_octal(small, sizeof(small), &v), -EOVERFLOW,
	          "-1 in base 256 in an 8-byte field (the 0x40 bit of the first byte is the sign)");
	memset(small, 0, sizeof(small));
	small[0] = (char)0xc0;
	small[7] = 1;
	check_int(tar_parse_octal(small, sizeof(small), &v), -EOVERFLOW,
	          "a negative base-256 number (first byte 0xc0)");
	/* The largest positive 8-byte base-256 number fits. */
	memset(small, 0xff, sizeof(small));
	small[0] = (char)0xbf;
	check_int(tar_parse_octal(small, sizeof(small), &v), 0, "0xbf then seven 0xff bytes");
	check_int(v, (1LL << 62) - 1, "the value of 0xbf then seven 0xff bytes");
}

/* One random entry the tests write and expect back. */
struct want {
	char name[200], link[120];
	enum tar_type type;
	unsigned int mode;
	long long uid, gid, mtime, size;
	char data[700];
};

static void random_entry(struct want *w, int i)
{
	static const enum tar_type types[] = {TAR_FILE,     TAR_DIR,  TAR_SYMLINK,
	                                      TAR_HARDLINK, TAR_FIFO, TAR_CHAR};
	char word[12];

	memset(w, 0, sizeof(*w));
	hako_rand_name(word, 10);
	w->type = types[i % 6];
	snprintf(w->name, sizeof(w->name), "./d%d/%s", i, word);
	w->mode = (unsigned int)hako_rand_range(0, 07777);
	w->uid = hako_rand_range(0, 70000);
	w->gid = hako_rand_range(0, 70000);
	w->mtime = hako_rand_range(1, 2000000000);
	if (w->type == TAR_FILE) {
		w->size = hako_rand_range(0, (long)sizeof(w->data) - 1);
		for (long long k = 0; k < w->size; k++)
			w->data[k] = (char)hako_rand();
	}
	if (w->type == TAR_SYMLINK || w->type == TAR_HARDLINK) {
		hako_rand_name(word, 10);
		snprintf(w->link, sizeof(w->link), "target-%s", word);
	}
}

static char type_flag(enum tar_type t)
{
	return "0123456"[t];
}

/* Read back every entry and compare with W; the reader gets its data in random pieces. */
static void check_entries(struct tarbuf *t, struct want *w, int n, bool read_content)
{
	struct tb_source src = {.p = t->data, .len = t->len, .random_chunks = true};
	struct tar_reader r = {.read = tb_read, .source = &src};
	struct tar_entry *e = malloc(sizeof(*e));
	char buf[800];

	for (int i = 0; i < n; i++) {
		int got = tar_next(&r, e);
		if (got != 1)
			fail_msg("entry %d (%s): tar_next returned %d (%s), expected 1", i,
			         w[i].name, got, got < 0 ? strerror(-got) : "end of archive");
		check_str(e->name, w[i].name, "the entry's name");
		check_int(e->type, w[i].type, "the entry's type (enum tar_type)");
		check_int(e->mode, w[i].mode, "the entry's mode");
		check_int(e->uid, w[i].uid, "the entry's uid");
		check_int(e->gid, w[i].gid, "the entry's gid");
		check_int(e->mtime, w[i].mtime, "the entry's mtime");
		check_int(e->size, w[i].size, "the entry's size");
		if (w[i].type == TAR_SYMLINK || w[i].type == TAR_HARDLINK)
			check_str(e->link, w[i].link, "the link target");
		if (w[i].type == TAR_CHAR) {
			check_int(e->devmajor, 1, "devmajor");
			check_int(e->devminor, 3, "devminor");
		}
		if (read_content && w[i].type == TAR_FILE) {
			ssize_t total = 0, k;
			while ((k = tar_read(&r, buf + total, (size_t)hako_rand_range(1, 100))) > 0)
				total += k;
			check_int(k, 0, "tar_read at the end of the content");
			check_int(total, w[i].size, "bytes of content tar_read gave");
			check_that(memcmp(buf, w[i].data, (size_t)total) == 0,
			           "entry %s: the content differs from what was archived",
			           w[i].name);
		}
	}
	check_int(tar_next(&r, e), 0, "tar_next after the last entry (the zero blocks)");
	free(e);
}

static void write_entries(struct tarbuf *t, struct want *w, int n)
{
	for (int i = 0; i < n; i++) {
		struct tb_entry h = {.name = w[i].name,
		                     .type = type_flag(w[i].type),
		                     .mode = w[i].mode,
		                     .uid = w[i].uid,
		                     .gid = w[i].gid,
		                     .mtime = w[i].mtime,
		                     .size = w[i].size,
		                     .link = w[i].link,
		                     .devmajor = w[i].type == TAR_CHAR ? 1 : 0,
		                     .devminor = w[i].type == TAR_CHAR ? 3 : 0};
		tb_add(t, &h, w[i].data);
	}
	tb_end(t);
}

/* This test checks that tar_next decodes every field of ustar headers of each type, and that
 * tar_read gives each file's content, however the data arrives. */
void test_tar_entries(void **state)
{
	struct want w[12];
	struct tarbuf t = {0};

	for (int i = 0; i < 12; i++)
		random_entry(&w[i], i);
	write_entries(&t, w, 12);
	check_entries(&t, w, 12, true);
	tb_free(&t);
}

/* This test checks that content the caller does not read is skipped: the next header is
 * found after the rest of the content and its padding. */
void test_tar_skips_unread(void **state)
{
	struct want w[6];
	struct tarbuf t = {0};

	for (int i = 0; i < 6; i++) {
		random_entry(&w[i], 0); /* all files */
		w[i].size = hako_rand_range(1, 690);
	}
	write_entries(&t, w, 6);
	check_entries(&t, w, 6, false);
	tb_free(&t);
}

/* This test checks that a header whose checksum is wrong, or that is not ustar, is refused
 * before anything in it is used. */
void test_tar_checksum(void **state)
{
	struct want w;
	struct tarbuf t = {0};
	struct tar_entry *e = malloc(sizeof(*e));

	random_entry(&w, 0);
	write_entries(&t, &w, 1);
	t.data[hako_rand_range(0, 99)] ^= 0x01; /* one bit of the name */
	struct tb_source src = {.p = t.data, .len = t.len};
	struct tar_reader r = {.read = tb_read, .source = &src};
	check_int(tar_next(&r, e), -EBADMSG, "a header with one bit changed (checksum differs)");
	tb_free(&t);

	memset(&t, 0, sizeof(t));
	write_entries(&t, &w, 1);
	memcpy(t.data + 257, "xstar", 5); /* not a tar magic */
	tb_fix_checksum(t.data);
	src = (struct tb_source){.p = t.data, .len = t.len};
	r = (struct tar_reader){.read = tb_read, .source = &src};
	check_int(tar_next(&r, e), -EBADMSG, "a header with a good checksum but no ustar magic");
	tb_free(&t);

	/* Bytes above 127 (a UTF-8 name) count as unsigned in the sum. */
	memset(&t, 0, sizeof(t));
	char utf8[40];
	hako_rand_name(utf8, 20);
	memcpy(utf8 + 3, "\xc3\xa9\xe2\x82\xac", 5);
	tb_add(&t, &(struct tb_entry){.name = utf8, .type = '0', .mode = 0644}, "");
	tb_end(&t);
	src = (struct tb_source){.p = t.data, .len = t.len};
	r = (struct tar_reader){.read = tb_read, .source = &src};
	check_int(tar_next(&r, e), 1, "tar_next on a header whose name has bytes above 127");
	check_str(e->name, utf8, "the UTF-8 name");
	tb_free(&t);
	free(e);
}

/* This test checks that a ustar name is the prefix field, a slash, and the name field, that
 * full fields (no NUL at their end) end at the field, and that GNU headers have no prefix. */
void test_tar_prefix(void **state)
{
	char dir[160], base[120], full[280], link[120], other[120];
	struct tarbuf t = {0};
	struct tar_entry *e = malloc(sizeof(*e));

	hako_rand_name(dir, 120);
	hako_rand_name(base, 60);
	snprintf(full, sizeof(full), "%s/%s", dir, base);
	tb_add(&t, &(struct tb_entry){.name = base, .prefix = dir, .type = '0', .mode = 0644}, "");
	/* Every field full: a 155-byte prefix, a 100-byte name and a 100-byte link name, with no
	 * NUL after them (the mode and the magic follow at once). */
	hako_rand_name(dir, 155);
	hako_rand_name(base, 100);
	hako_rand_name(link, 100);
	tb_add(&t,
	       &(struct tb_entry){
	           .name = base, .prefix = dir, .type = '2', .link = link, .mode = 0777},
	       "");
	/* GNU tar's header keeps other things where ustar's prefix is (times of incremental
	 * dumps): with the GNU magic, the name is the name field alone. */
	hako_rand_name(other, 60);
	tb_add(&t,
	       &(struct tb_entry){
	           .name = other, .prefix = "14757013634", .type = '0', .mode = 0644, .gnu = true},
	       "");
	tb_end(&t);
	struct tb_source src = {.p = t.data, .len = t.len};
	struct tar_reader r = {.read = tb_read, .source = &src};
	check_int(tar_next(&r, e), 1, "tar_next on an entry with a prefix");
	check_str(e->name, full, "prefix + \"/\" + name");
	check_int(tar_next(&r, e), 1, "tar_next on an entry whose fields are full");
	snprintf(full, sizeof(full), "%s/%s", dir, base);
	check_str(e->name, full,
	          "a 155-byte prefix + \"/\" + a 100-byte name (full fields have no NUL: "
	          "strnlen)");
	check_str(e->link, link, "a 100-byte link name (no NUL after it)");
	check_int(tar_next(&r, e), 1, "tar_next on a GNU header");
	check_str(e->name, other, "the name of a GNU header (no prefix field in GNU's format)");
	tb_free(&t);
	free(e);
}

/* This test checks PAX extended headers: path and linkpath longer than the header's fields,
 * a size record that overrides the header's size, records that apply to one entry only, a
 * global ('g') header that is skipped, and a path with a NUL byte in it refused. */
void test_tar_pax(void **state)
{
	char name[400], link[300], data[3000];
	struct tarbuf t = {0};
	struct tar_entry *e = malloc(sizeof(*e));
	long long size = hako_rand_range(1000, 2999);

	hako_rand_name(name, 390);
	name[hako_rand_range(101, 200)] = '/';
	hako_rand_name(link, 290);
	for (long long i = 0; i < size; i++)
		data[i] = (char)('a' + i % 26);
	tb_pax(&t, "path", name);
	tb_pax(&t, "linkpath", link);
	tb_add(&t, &(struct tb_entry){.name = "short", .type = '2', .link = "x", .mode = 0777}, "");
	char num[32];
	snprintf(num, sizeof(num), "%lld", size);
	tb_pax(&t, "size", num);
	tb_add(&t,
	       &(struct tb_entry){
	           .name = "big", .type = '0', .mode = 0600, .size = size, .no_size = true},
	       data);
	/* A plain entry after them: its own name and size. Before it, a global header, which
	 * hako skips (its path must not name the entry). */
	static const char global[] = "29 path=global-name-from-g-x\n12 mtime=17\n";
	tb_ext(&t, 'g', global, sizeof(global) - 1);
	tb_add(&t, &(struct tb_entry){.name = "after", .type = '0', .mode = 0644, .size = 5},
	       "after");
	tb_end(&t);
	struct tb_source src = {.p = t.data, .len = t.len, .random_chunks = true};
	struct tar_reader r = {.read = tb_read, .source = &src};
	check_int(tar_next(&r, e), 1, "tar_next on an entry after a PAX header");
	check_str(e->name, name, "the name from the PAX path record");
	check_str(e->link, link, "the link target from the PAX linkpath record");
	check_int(e->type, TAR_SYMLINK, "the type (from the real header after the PAX one)");
	check_int(tar_next(&r, e), 1, "tar_next on a file whose size is a PAX record");
	check_str(e->name, "big",
	          "the name of the entry after it (PAX records apply to one entry)");
	check_int(e->size, size, "the size from the PAX size record (the header says 0)");
	char got[3000];
	ssize_t total = 0, k;
	while ((k = tar_read(&r, got + total, sizeof(got) - (size_t)total)) > 0)
		total += k;
	check_int(total, size, "bytes of content read for the PAX-sized entry");
	check_int(tar_next(&r, e), 1, "tar_next on the plain entry after them");
	check_str(e->name, "after",
	          "the name of the plain entry (PAX records apply to one entry; a global 'g' "
	          "header is skipped)");
	check_int(e->size, 5,
	          "the size of the plain entry (its header's: a PAX size applies once)");
	check_int(tar_next(&r, e), 0, "the end of the archive after it");
	tb_free(&t);

	/* A path with a NUL in it: C would see a shorter name than the archive says. */
	static const char nul_path[] = "21 path=inside\0/../x\n";
	memset(&t, 0, sizeof(t));
	tb_ext(&t, 'x', nul_path, sizeof(nul_path) - 1);
	tb_add(&t, &(struct tb_entry){.name = "short", .type = '0', .mode = 0644}, "");
	tb_end(&t);
	src = (struct tb_source){.p = t.data, .len = t.len};
	r = (struct tar_reader){.read = tb_read, .source = &src};
	check_int(tar_next(&r, e), -EINVAL, "tar_next on a PAX path record with a NUL byte in it");
	tb_free(&t);
	free(e);
}

/* This test checks GNU tar's long names: an 'L' entry carries the next entry's name and a 'K'
 * entry its link name. */
void test_tar_gnu_longname(void **state)
{
	char name[300], link[250];
	struct tarbuf t = {0};
	struct tar_entry *e = malloc(sizeof(*e));

	hako_rand_name(name, 290);
	hako_rand_name(link, 240);
	tb_gnu_long(&t, 'L', name);
	tb_gnu_long(&t, 'K', link);
	tb_add(&t,
	       &(struct tb_entry){.name = "truncated", .type = '1', .link = "trunc", .gnu = true},
	       "");
	tb_end(&t);
	struct tb_source src = {.p = t.data, .len = t.len, .random_chunks = true};
	struct tar_reader r = {.read = tb_read, .source = &src};
	check_int(tar_next(&r, e), 1, "tar_next on an entry after GNU 'L' and 'K' entries");
	check_str(e->name, name, "the name from the 'L' entry");
	check_str(e->link, link, "the link name from the 'K' entry");
	check_int(e->type, TAR_HARDLINK, "the type");
	tb_free(&t);
	free(e);
}

/* This test checks that an archive that ends inside an entry, or whose size field is not a
 * number, gives an error rather than a short file or a crash. */
void test_tar_truncated(void **state)
{
	struct want w;
	struct tarbuf t = {0};
	struct tar_entry *e = malloc(sizeof(*e));
	char buf[700];

	random_entry(&w, 0);
	w.size = 600;
	write_entries(&t, &w, 1);
	/* Cut inside the content. */
	struct tb_source src = {.p = t.data, .len = 512 + (size_t)hako_rand_range(0, 500)};
	struct tar_reader r = {.read = tb_read, .source = &src};
	check_int(tar_next(&r, e), 1, "tar_next on the cut archive's header");
	ssize_t k, total = 0;
	while ((k = tar_read(&r, buf, sizeof(buf))) > 0)
		total += k;
	check_int(k, -EIO, "tar_read when the archive ends inside the content");
	/* Cut inside a header. */
	src = (struct tb_source){.p = t.data, .len = (size_t)hako_rand_range(1, 511)};
	r = (struct tar_reader){.read = tb_read, .source = &src};
	check_int(tar_next(&r, e), -EIO, "tar_next when the archive ends inside a header");
	/* A size field that is not a number. */
	memcpy(t.data + 124, "00000z00000", 11);
	tb_fix_checksum(t.data);
	src = (struct tb_source){.p = t.data, .len = t.len};
	r = (struct tar_reader){.read = tb_read, .source = &src};
	check_int(tar_next(&r, e), -EINVAL, "tar_next on a header whose size is not octal");
	tb_free(&t);
	free(e);
}
