/* tarbuild.c: builds tar archives in memory for lesson 12's tests, header by header, so a test
 * can write exactly the archive it needs — also the broken and hostile ones. */
#include "hako_test.h"
#include "hako.h"
#include "images_test.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void grow(struct tarbuf *t, size_t more)
{
	if (t->len + more <= t->cap)
		return;
	t->cap = (t->len + more) * 2 + 4096;
	t->data = realloc(t->data, t->cap);
	check_that(t->data != NULL, "out of memory");
}

void tb_fix_checksum(char *h)
{
	unsigned int sum = 0;

	memset(h + 148, ' ', 8);
	for (int i = 0; i < 512; i++)
		sum += (unsigned char)h[i];
	snprintf(h + 148, 8, "%06o", sum); /* six digits, NUL, then the space already there */
}

void tb_add(struct tarbuf *t, const struct tb_entry *e, const char *data)
{
	size_t padded = ((size_t)e->size + 511) / 512 * 512;
	char *h;

	grow(t, 512 + padded);
	h = t->data + t->len;
	memset(h, 0, 512 + padded);
	memcpy(h, e->name, strnlen(e->name, 100));
	snprintf(h + 100, 8, "%07o", e->mode);
	snprintf(h + 108, 8, "%07llo", e->uid);
	snprintf(h + 116, 8, "%07llo", e->gid);
	snprintf(h + 124, 12, "%011llo", e->no_size ? 0 : e->size);
	h[135] = ' ';
	snprintf(h + 136, 12, "%011llo", e->mtime);
	h[156] = e->type;
	if (e->link)
		memcpy(h + 157, e->link, strnlen(e->link, 100));
	if (e->gnu)
		memcpy(h + 257, "ustar  ", 8);
	else
		memcpy(h + 257,
		       "ustar\0"
		       "00",
		       8);
	memcpy(h + 265, "root", 4);
	memcpy(h + 297, "root", 4);
	snprintf(h + 329, 8, "%07o", e->devmajor);
	snprintf(h + 337, 8, "%07o", e->devminor);
	if (e->prefix)
		memcpy(h + 345, e->prefix, strnlen(e->prefix, 155));
	tb_fix_checksum(h);
	if (e->size > 0)
		memcpy(h + 512, data, (size_t)e->size);
	t->len += 512 + padded;
}

void tb_pax(struct tarbuf *t, const char *key, const char *value)
{
	char rec[8192];
	size_t body = strlen(key) + strlen(value) + 3; /* ' ', '=', '\n' */
	size_t digits = 1, total;

	/* The record's length counts its own digits. */
	for (;;) {
		total = body + digits;
		size_t d = (size_t)snprintf(NULL, 0, "%zu", total);
		if (d == digits)
			break;
		digits = d;
	}
	snprintf(rec, sizeof(rec), "%zu %s=%s\n", total, key, value);
	tb_add(t,
	       &(struct tb_entry){
	           .name = "PaxHeaders/x", .type = 'x', .mode = 0644, .size = (long long)total},
	       rec);
}

void tb_ext(struct tarbuf *t, char type, const char *data, size_t len)
{
	tb_add(t,
	       &(struct tb_entry){
	           .name = "PaxHeaders/x", .type = type, .mode = 0644, .size = (long long)len},
	       data);
}

void tb_gnu_long(struct tarbuf *t, char type, const char *name)
{
	tb_add(t,
	       &(struct tb_entry){.name = "././@LongLink",
	                          .type = type,
	                          .mode = 0644,
	                          .size = (long long)strlen(name) + 1,
	                          .gnu = true},
	       name);
}

void tb_end(struct tarbuf *t)
{
	grow(t, 1024);
	memset(t->data + t->len, 0, 1024);
	t->len += 1024;
}

void tb_free(struct tarbuf *t)
{
	free(t->data);
	memset(t, 0, sizeof(*t));
}

ssize_t tb_read(void *source, void *buf, size_t len)
{
	struct tb_source *s = source;
	size_t n = s->len - s->pos;

	if (n > len)
		n = len;
	if (s->random_chunks && n > 1)
		n = (size_t)hako_rand_range(1, (long)n);
	memcpy(buf, s->p + s->pos, n);
	s->pos += n;
	return (ssize_t)n;
}

int tb_open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	check_that(d != NULL, "/proc/self/fd: %s", strerror(errno));
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n - 1; /* the one opendir holds */
}

int tb_unpack(struct tarbuf *t, const char *dir, int flags, char *bad, size_t len)
{
	struct tb_source src = {.p = t->data, .len = t->len, .random_chunks = true};
	struct tar_reader r = {.read = tb_read, .source = &src};
	int fds = tb_open_fds();
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int err;

	check_that(fd >= 0, "open %s: %s", dir, strerror(errno));
	bad[0] = '\0';
	err = layer_unpack(&r, fd, flags, bad, len);
	close(fd);
	check_that(tb_open_fds() == fds,
	           "layer_unpack returned %d and left %d fds open (close every folder and file "
	           "it opened, on every path)",
	           err, tb_open_fds() - fds);
	return err;
}
