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
	/// BEGIN SOLUTION
	unsigned long long v = 0;
	size_t i = 0;

	if (len > 0 && (unsigned char)field[0] & 0x80) {
		/* Base 256: the first byte's low 7 bits lead; 0xff (negative) is not accepted. */
		if ((unsigned char)field[0] & 0x40)
			return -EOVERFLOW;
		v = (unsigned char)field[0] & 0x3f;
		for (i = 1; i < len; i++) {
			if (v > (unsigned long long)LLONG_MAX >> 8)
				return -EOVERFLOW;
			v = v << 8 | (unsigned char)field[i];
		}
		*value = (long long)v;
		return 0;
	}
	while (i < len && field[i] == ' ')
		i++;
	size_t start = i;
	for (; i < len && field[i] >= '0' && field[i] <= '7'; i++) {
		if (v > (unsigned long long)LLONG_MAX >> 3)
			return -EOVERFLOW;
		v = v << 3 | (unsigned long long)(field[i] - '0');
	}
	if (i == start)
		return -EINVAL;
	for (; i < len; i++)
		if (field[i] != '\0' && field[i] != ' ')
			return -EINVAL;
	*value = (long long)v;
	return 0;
	/// END SOLUTION
	/// STUB: return -ENOSYS;
}

/// BEGIN SOLUTION
/* Copy the field SRC of at most LEN bytes (NUL-terminated only when shorter) to DST. */
static void field_str(char *dst, const char *src, size_t len)
{
	size_t n = strnlen(src, len);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Read the content of the current entry (a PAX or GNU name entry) into a malloc'd,
 * NUL-terminated buffer; at most MAX bytes. */
static int read_content(struct tar_reader *r, char **out, long long max)
{
	char *buf;
	ssize_t n;

	if (r->left > max)
		return -ENAMETOOLONG;
	if (!(buf = malloc((size_t)r->left + 1)))
		return -ENOMEM;
	size_t len = (size_t)r->left;
	size_t got = 0;
	while (got < len) {
		n = tar_read(r, buf + got, len - got);
		if (n <= 0) {
			free(buf);
			return n < 0 ? (int)n : -EIO;
		}
		got += (size_t)n;
	}
	buf[len] = '\0';
	*out = buf;
	return 0;
}

/* Apply the PAX records "LEN key=value\n" in TEXT (LEN bytes) to E; *SIZE_SET says whether a
 * size record was there. Unknown keys are ignored, as POSIX allows. */
static int pax_apply(const char *text, size_t len, struct tar_entry *e, bool *size_set)
{
	size_t pos = 0;

	while (pos < len) {
		size_t reclen = 0, i = pos;
		while (i < len && text[i] >= '0' && text[i] <= '9') {
			if (reclen > len)
				return -EINVAL;
			reclen = reclen * 10 + (size_t)(text[i++] - '0');
		}
		/* A record is "LEN key=value\n", LEN counting the whole record. */
		if (i == pos || i >= len || text[i] != ' ' || reclen > len - pos ||
		    reclen < i - pos + 3 || text[pos + reclen - 1] != '\n')
			return -EINVAL;
		const char *key = text + i + 1, *end = text + pos + reclen - 1;
		const char *eq = memchr(key, '=', (size_t)(end - key));
		if (!eq)
			return -EINVAL;
		size_t klen = (size_t)(eq - key), vlen = (size_t)(end - eq - 1);
		char *dst = NULL;
		if (klen == 4 && memcmp(key, "path", 4) == 0)
			dst = e->name;
		else if (klen == 8 && memcmp(key, "linkpath", 8) == 0)
			dst = e->link;
		if (dst) {
			if (vlen >= TAR_NAME_MAX || memchr(eq + 1, '\0', vlen))
				return vlen >= TAR_NAME_MAX ? -ENAMETOOLONG : -EINVAL;
			memcpy(dst, eq + 1, vlen);
			dst[vlen] = '\0';
		} else if (klen == 4 && memcmp(key, "size", 4) == 0) {
			char num[32];
			char *stop;
			if (vlen == 0 || vlen >= sizeof(num))
				return -EINVAL;
			memcpy(num, eq + 1, vlen);
			num[vlen] = '\0';
			errno = 0;
			long long v = strtoll(num, &stop, 10);
			if (errno || *stop || v < 0 || num[0] == '-' || num[0] == '+' ||
			    num[0] == ' ')
				return errno == ERANGE ? -EOVERFLOW : -EINVAL;
			e->size = v;
			*size_set = true;
		}
		pos += reclen;
	}
	return 0;
}
/// END SOLUTION

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
	/// BEGIN SOLUTION
	const struct header *h = (const struct header *)block;
	bool long_name = false, long_link = false, size_set = false;
	/// END SOLUTION
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
		/// BEGIN SOLUTION
		long long size, v;
		char *text = NULL;
		bool zero = true;
		for (int i = 0; i < BLOCK; i++)
			zero = zero && block[i] == 0;
		if (zero)
			return 0;

		long long sum = 0, want;
		for (int i = 0; i < BLOCK; i++)
			sum += (i >= 148 && i < 156) ? ' ' : (unsigned char)block[i];
		if (tar_parse_octal(h->chksum, sizeof(h->chksum), &want) < 0 || want != sum)
			return -EBADMSG;
		if (memcmp(h->magic, "ustar", 5) != 0)
			return -EBADMSG;

		if ((err = tar_parse_octal(h->size, sizeof(h->size), &size)) < 0)
			return err;
		r->left = size;
		r->pad = (BLOCK - size % BLOCK) % BLOCK;

		if (h->typeflag == 'x' || h->typeflag == 'g' || h->typeflag == 'L' ||
		    h->typeflag == 'K') {
			if ((err = read_content(r, &text,
			                        h->typeflag == 'x' || h->typeflag == 'g'
			                            ? 1 << 20
			                            : TAR_NAME_MAX - 1)) < 0)
				return err;
			if (h->typeflag == 'x')
				err = pax_apply(text, (size_t)size, e, &size_set);
			else if (h->typeflag == 'L' || h->typeflag == 'K') {
				/* GNU: the content is the name, NUL-terminated. */
				if (strlen(text) >= TAR_NAME_MAX)
					err = -ENAMETOOLONG;
				else
					strcpy(h->typeflag == 'L' ? e->name : e->link, text);
				long_name = long_name || h->typeflag == 'L';
				long_link = long_link || h->typeflag == 'K';
			}
			long_name = long_name || (h->typeflag == 'x' && e->name[0]);
			long_link = long_link || (h->typeflag == 'x' && e->link[0]);
			free(text);
			if (err < 0)
				return err;
			/* Skip the padding of the extra entry; the real header follows. */
			if ((err = skip_entry(r)) < 0)
				return err;
			continue;
		}

		if (!long_name) {
			char name[101], prefix[156];
			field_str(name, h->name, sizeof(h->name));
			field_str(prefix, h->prefix, sizeof(h->prefix));
			if (memcmp(h->magic, "ustar\0", 6) == 0 && prefix[0])
				snprintf(e->name, sizeof(e->name), "%s/%s", prefix, name);
			else
				strcpy(e->name, name);
		}
		if (!long_link)
			field_str(e->link, h->linkname, sizeof(h->linkname));

		switch (h->typeflag) {
		case '0':
		case '\0':
		case '7': /* contiguous file: a regular file everywhere but on old Masscomp */
			e->type = TAR_FILE;
			break;
		case '1':
			e->type = TAR_HARDLINK;
			break;
		case '2':
			e->type = TAR_SYMLINK;
			break;
		case '3':
			e->type = TAR_CHAR;
			break;
		case '4':
			e->type = TAR_BLOCK;
			break;
		case '5':
			e->type = TAR_DIR;
			break;
		case '6':
			e->type = TAR_FIFO;
			break;
		default:
			return -EINVAL;
		}
		if ((err = tar_parse_octal(h->mode, sizeof(h->mode), &v)) < 0)
			return err;
		e->mode = (unsigned int)(v & 07777);
		if ((err = tar_parse_octal(h->uid, sizeof(h->uid), &e->uid)) < 0 ||
		    (err = tar_parse_octal(h->gid, sizeof(h->gid), &e->gid)) < 0 ||
		    (err = tar_parse_octal(h->mtime, sizeof(h->mtime), &e->mtime)) < 0)
			return err;
		if (e->type == TAR_CHAR || e->type == TAR_BLOCK) {
			if ((err = tar_parse_octal(h->devmajor, sizeof(h->devmajor), &v)) < 0)
				return err;
			e->devmajor = (unsigned int)v;
			if ((err = tar_parse_octal(h->devminor, sizeof(h->devminor), &v)) < 0)
				return err;
			e->devminor = (unsigned int)v;
		}
		if (size_set)
			size = e->size;
		/* Only regular files carry content; a size on anything else is skipped. */
		e->size = e->type == TAR_FILE ? size : 0;
		r->left = size;
		r->pad = (BLOCK - size % BLOCK) % BLOCK;
		return 1;
		/// END SOLUTION
		/// STUB: return -ENOSYS;
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
