/* images_test.h: what lesson 12's test files share — a tar builder for archives made in memory
 * (tarbuild.c), OCI layout helpers, and the list of tests (main.c runs them all). */
#ifndef IMAGES_TEST_H
#define IMAGES_TEST_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* An archive being built in memory. */
struct tarbuf {
	char *data;
	size_t len, cap;
};

/* One header to write; unset fields are 0 / NULL. */
struct tb_entry {
	const char *name;   /* the name field (at most 100 bytes: longer names need tb_pax) */
	const char *prefix; /* the ustar prefix field, or NULL */
	char type;          /* '0', '1', ... as written in the typeflag */
	unsigned int mode;
	long long uid, gid, mtime;
	long long size;   /* bytes of content that follow */
	bool no_size;     /* write 0 in the size field (a PAX size record gives the size) */
	const char *link; /* the linkname field, or NULL */
	unsigned int devmajor, devminor;
	bool gnu; /* GNU magic "ustar  \0" instead of POSIX "ustar\0" "00" */
};

/* Append a header for E and its SIZE bytes of content DATA, padded to 512 bytes. */
void tb_add(struct tarbuf *t, const struct tb_entry *e, const char *data);
/* Append a PAX 'x' header whose one record is KEY=VALUE (applies to the next entry). */
void tb_pax(struct tarbuf *t, const char *key, const char *value);
/* Append an extra entry of TYPE ('x' or 'g' for PAX) whose content is the LEN bytes DATA,
 * exactly as given (records written by hand, also broken ones). */
void tb_ext(struct tarbuf *t, char type, const char *data, size_t len);
/* Append a GNU long-name entry: TYPE 'L' (name) or 'K' (link name) carrying NAME. */
void tb_gnu_long(struct tarbuf *t, char type, const char *name);
/* Append the two zero blocks that end an archive. */
void tb_end(struct tarbuf *t);
/* Recompute the checksum of the header at H after changing it. */
void tb_fix_checksum(char *h);
void tb_free(struct tarbuf *t);

/* A tar_reader source over memory; with RANDOM_CHUNKS, each read returns a random number of
 * bytes (at least 1), as a pipe or zlib may. */
struct tb_source {
	const char *p;
	size_t len, pos;
	bool random_chunks;
};
ssize_t tb_read(void *source, void *buf, size_t len);

/* How many file descriptors this process has open. */
int tb_open_fds(void);
/* Unpack the archive T into the folder DIR with layer_unpack(FLAGS); returns its result and
 * copies the entry it blamed into BAD (LEN bytes). Fails the test if it leaves an fd open. */
int tb_unpack(struct tarbuf *t, const char *dir, int flags, char *bad, size_t len);

/* The tests of test_tar.c, test_unpack.c and test_image.c. */
void test_tar_octal(void **state);
void test_tar_entries(void **state);
void test_tar_skips_unread(void **state);
void test_tar_checksum(void **state);
void test_tar_prefix(void **state);
void test_tar_pax(void **state);
void test_tar_gnu_longname(void **state);
void test_tar_truncated(void **state);
void test_unpack_tree(void **state);
void test_unpack_missing_folders(void **state);
void test_unpack_replaces(void **state);
void test_unpack_dotdot(void **state);
void test_unpack_absolute(void **state);
void test_unpack_symlink_escape(void **state);
void test_unpack_hardlink_escape(void **state);
void test_unpack_whiteouts(void **state);
void test_unpack_devices_rootless(void **state);
void test_unpack_devices(void **state);
void test_blob_open_verified(void **state);
void test_blob_digest_mismatch(void **state);
void test_blob_size_mismatch(void **state);
void test_blob_digest_name(void **state);
void test_blob_fifo(void **state);
void test_image_read_course(void **state);
void test_image_import_twice(void **state);
void test_image_bad_blob_refused(void **state);
void test_image_hostile_layer(void **state);
void test_image_matches_umoci(void **state);
void test_image_run(void **state);
#endif
