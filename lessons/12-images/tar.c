/* tar.c: lesson 12 — read tar archives (ustar, PAX and GNU long names), as image layers are. */
#include "hako.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * A tar archive is a row of 512-byte blocks. Each entry is a header block, then its content
 * rounded up to whole blocks; two zero blocks end the archive.
 *
 *   offset size field      offset size field
 *   ------ ---- -----      ------ ---- -----
 *        0  100 name          257    6 magic "ustar\0" (GNU tar: "ustar " + " \0")
 *      100    8 mode          263    2 version "00"
 *      108    8 uid           265   32 uname
 *      116    8 gid           297   32 gname
 *      124   12 size          329    8 devmajor
 *      136   12 mtime         337    8 devminor
 *      148    8 chksum        345  155 prefix: the name is PREFIX "/" NAME when not empty
 *      156    1 typeflag
 *      157  100 linkname
 *
 * Numbers are octal text. Names longer than the fields come in an extra entry just before
 * the one they belong to: a PAX header ('x', "LEN key=value\n" records: path, linkpath,
 * size, ...) or a GNU one ('L' for the name, 'K' for the link name, the name as content).
 */
#define BLOCK 512

struct header {
	char name[100], mode[8], uid[8], gid[8], size[12], mtime[12], chksum[8], typeflag;
	char linkname[100], magic[6], version[2], uname[32], gname[32], devmajor[8], devminor[8];
	char prefix[155], pad[12];
};
_Static_assert(sizeof(struct header) == BLOCK, "a tar header is one block");

/* Fill BUF with exactly LEN bytes from R's source: 0, -EIO if it ends first, or -errno. */
static int read_full(struct tar_reader *r, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = r->read(r->source, (char *)buf + got, len - got);
		if (n < 0)
			return (int)n;
		if (n == 0)
			return -EIO;
		got += (size_t)n;
	}
	return 0;
}

int tar_parse_octal(const char *field, size_t len, long long *value)
{
	/// TODO(12): the value of a numeric header field (contract in hako.h). Octal text may
	/// start with spaces and ends at a NUL or a space (or the field's end); a field with no
	/// digits, or another character, is -EINVAL. GNU tar writes numbers too big for octal
	/// (a size over 8 GiB) in base 256: the high bit (0x80) of the first byte is set, its
	/// next bit (0x40) is the sign, and the first byte's low 6 bits and the next bytes are
	/// the number, big-endian. No field hako reads may be negative: a set sign bit is
	/// -EOVERFLOW, and so is every step that could go past LLONG_MAX (an archive is
	/// untrusted input). See README.md, "Numbers in a header".
	return -ENOSYS;
}

/* Skip what is left of the current entry: its unread content, then its padding. */
static int skip_entry(struct tar_reader *r)
{
	char buf[BLOCK];
	ssize_t n;

	while ((n = tar_read(r, buf, sizeof(buf))) > 0)
		;
	if (n < 0)
		return (int)n;
	size_t pad = (size_t)r->pad;
	r->pad = 0;
	return read_full(r, buf, pad);
}

int tar_next(struct tar_reader *r, struct tar_entry *e)
{
	char block[BLOCK];
	int err;

	if ((err = skip_entry(r)) < 0)
		return err;
	memset(e, 0, sizeof(*e));
	for (;;) {
		if ((err = read_full(r, block, BLOCK)) < 0)
			return err;
		/// TODO(12): decode one header block into E (contract in hako.h, layout above).
		/// An all-zero block ends the archive. Trust nothing before the checksum
		/// matches: it is the sum of the block's 512 bytes as unsigned numbers, with the
		/// 8 chksum bytes counted as spaces. The magic must be ustar's or GNU tar's. A full
		/// text field has no NUL at its end. The name is prefix "/" name when the prefix is
		/// not empty and the magic is ustar's (GNU's header keeps other things there).
		/// Type flags 'x' (PAX: path, linkpath, size; a path or linkpath with a NUL byte in
		/// it is -EINVAL) and 'L'/'K' (GNU: the name or link name is the content) change the
		/// entry that follows, and only that one; 'g' (global PAX) is skipped. devmajor and
		/// devminor are read for devices only (GNU and PAX archives leave them empty for the
		/// rest). Before returning, set r->left and r->pad so tar_read() can give the content.
		/// README.md, "Task 1".
		return -ENOSYS;
	}
}

ssize_t tar_read(struct tar_reader *r, void *buf, size_t len)
{
	ssize_t n;

	if (r->left == 0)
		return 0;
	if ((long long)len > r->left)
		len = (size_t)r->left;
	n = r->read(r->source, buf, len);
	if (n == 0)
		return -EIO; /* the archive ends inside the entry */
	if (n > 0)
		r->left -= n;
	return n;
}
