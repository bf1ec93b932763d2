/* overlay.c: lesson 11 — a container's / as an overlay: read-only layers below, a writable
 * layer of the container's own on top, and `hako diff` to read what it changed. */
#include "hako.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

/*
 * Append the text S to the option string being built in BUF (LEN bytes), at *POS, keeping it
 * NUL-terminated. ESCAPE: put a '\' before each ':' ',' and '\' of S, the characters the
 * kernel splits the options on. Returns 0, or -E2BIG when it does not fit (BUF then holds
 * what fitted; the caller gives up).
 */
static GIVEN int append(char *buf, size_t len, size_t *pos, const char *s, bool escape)
{
	for (; *s; s++) {
		bool special = escape && (*s == ':' || *s == ',' || *s == '\\');
		if (*pos + special + 1 >= len) /* room for the character(s) and the NUL */
			return -E2BIG;
		if (special)
			buf[(*pos)++] = '\\';
		buf[(*pos)++] = *s;
	}
	buf[*pos] = '\0';
	return 0;
}

int overlay_options(const char *const *lowers, size_t nlowers, const char *upper, const char *work,
                    bool rootless, char *buf, size_t len)
{
	if (len == 0)
		return -E2BIG;
	buf[0] = '\0';
	/// TODO(11): Build the options of the overlay mount into BUF, as hako.h's contract for
	///   overlay_options says: "lowerdir=" and the lower folders top first, separated by ':',
	///   then ",upperdir=" UPPER and ",workdir=" WORK, then ",userxattr" when ROOTLESS.
	///   append() writes one piece; paths go through it with ESCAPE true (a folder named
	///   "a:b" would otherwise be read as two layers), the fixed words with false. Refuse
	///   what the kernel would refuse before building anything: no lower layer at all
	///   (-EINVAL), more than OVERLAY_MAX_LAYERS (-E2BIG); and return append()'s -E2BIG when
	///   the string does not fit. See the README's "The mount options" and task 1.
	return -ENOSYS;
}

int overlay_mount(const char *options, const char *merged)
{
	/// TODO(11): Mount the overlay. This runs in the child, in its new mount namespace,
	///   before lesson 04's mount_enter_rootfs(). First make every mount of the namespace
	///   private (as lesson 04's step 1, and for the same reason: the copy of a shared mount
	///   is shared, and the overlay would show up on the host and stay there). Then mount(2)
	///   a filesystem of type "overlay" (source "overlay": it is what `mount` shows) on
	///   MERGED with OPTIONS as its data. On failure print "hako: WHAT: reason" naming the
	///   call and return -errno; when the kernel has no overlayfs (ENODEV), also say so and
	///   how to get it (`modprobe overlay`). See the README's task 2 and mount(2).
	return -ENOSYS;
}

enum overlay_kind overlay_kind(const char *path, const struct stat *st)
{
	/// TODO(11): Say what overlayfs makes of the entry PATH (lstat ST): a whiteout is a
	///   character device with device number 0/0 (makedev(0, 0)); a folder is opaque when
	///   its extended attribute "trusted.overlay.opaque" (set by a rootful overlay) or
	///   "user.overlay.opaque" (a rootless one, mounted with userxattr) holds "y". Anything
	///   else is OVERLAY_ENTRY. Read the attribute with lgetxattr(2): a missing attribute
	///   (ENODATA) or a file system without xattrs (ENOTSUP) just means "not opaque". See the
	///   README's "Whiteouts and opaque folders".
	return OVERLAY_ENTRY;
}

/* ---- hako diff ---- */

/* The lines found so far, sorted and printed at the end. */
struct changes {
	char **lines;
	size_t n, cap;
};

static int add_change(struct changes *c, char kind, const char *rel)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 64;
		char **l = realloc(c->lines, cap * sizeof(*l));
		if (!l)
			return -ENOMEM;
		c->lines = l;
		c->cap = cap;
	}
	if (asprintf(&c->lines[c->n], "%c /%s", kind, rel) < 0)
		return -ENOMEM;
	c->n++;
	return 0;
}

/* Sort by path (the text after "X "), so a folder comes just before what is inside it. */
static int by_path(const void *a, const void *b)
{
	return strcmp(*(char *const *)a + 2, *(char *const *)b + 2);
}

/*
 * Does REL exist in the read-only view the LOWERS make (top first)? Looking down the stack,
 * the first layer that has the name decides: a whiteout there means it was deleted in that
 * layer (so: no); anything else means yes. Paths are relative to each layer's top.
 */
static bool in_lowers(const char *const *lowers, size_t nlowers, const char *rel)
{
	char path[PATH_MAX];
	struct stat st;

	for (size_t i = 0; i < nlowers; i++) {
		snprintf(path, sizeof(path), "%s/%s", lowers[i], rel);
		if (lstat(path, &st) == 0)
			return overlay_kind(path, &st) != OVERLAY_WHITEOUT;
	}
	return false;
}

/* For an opaque folder REL: every name the lowers have there and the upper does not is
 * hidden now, i.e. deleted ("D"). UPPER_DIR is the folder's path in the upper layer. */
static GIVEN int hidden_by_opaque(const char *upper_dir, const char *const *lowers, size_t nlowers,
                                  const char *rel, struct changes *c)
{
	char path[PATH_MAX], child[PATH_MAX];
	struct stat st;
	int err = 0;

	for (size_t i = 0; i < nlowers && err == 0; i++) {
		snprintf(path, sizeof(path), "%s/%s", lowers[i], rel);
		DIR *d = opendir(path);
		if (!d)
			continue;
		struct dirent *e;
		while ((e = readdir(d)) != NULL && err == 0) {
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			snprintf(child, sizeof(child), "%s/%s", upper_dir, e->d_name);
			if (lstat(child, &st) == 0)
				continue; /* the upper has it: reported as A (or D) on its own */
			snprintf(child, sizeof(child), "%s/%s", rel, e->d_name);
			/* Seen already from a higher lower layer? Then skip. */
			bool seen = false;
			for (size_t j = 0; j < c->n && !seen; j++)
				seen = strcmp(c->lines[j] + 2, child) == 0;
			if (!seen && in_lowers(lowers + i, nlowers - i, child))
				err = add_change(c, 'D', child);
		}
		closedir(d);
	}
	return err;
}

/* Walk the upper layer's folder REL ("" for its top) and record what each entry changes. */
static int walk(const char *upper, const char *rel, const char *const *lowers, size_t nlowers,
                struct changes *c)
{
	char dir[PATH_MAX], path[PATH_MAX], sub[PATH_MAX];
	struct dirent **names;
	struct stat st;
	int n, err = 0;

	snprintf(dir, sizeof(dir), "%s%s%s", upper, *rel ? "/" : "", rel);
	n = scandir(dir, &names, NULL, alphasort);
	if (n < 0)
		return -errno;
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		if (err < 0 || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "", name);
		if (lstat(path, &st) < 0) {
			err = -errno;
			continue;
		}
		/// TODO(11): Record the change the upper entry SUB (at PATH, of the kind overlay_kind()
		///   tells) makes, with add_change(c, LETTER, sub): a whiteout is 'D' (deleted);
		///   anything else is 'C' (changed) if the lowers have SUB (in_lowers) and 'A' (added)
		///   if they do not.
		///   Then, for a folder: walk() into it; and when it is opaque, nothing of the lowers
		///   shows through it any more, so hidden_by_opaque() reports what it hides as 'D'.
		///   Keep the first error in ERR (the loop then only frees the names). See the
		///   README's task 4 and `docker diff`.
		err = -ENOSYS;
	}
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return err;
}

int overlay_diff(const char *upper, const char *const *lowers, size_t nlowers, FILE *out)
{
	struct changes c = {0};
	int err = walk(upper, "", lowers, nlowers, &c);

	if (err == 0) {
		if (c.n > 1) /* qsort wants an array: c.lines is NULL when nothing changed */
			qsort(c.lines, c.n, sizeof(*c.lines), by_path);
		for (size_t i = 0; i < c.n; i++)
			fprintf(out, "%s\n", c.lines[i]);
	}
	for (size_t i = 0; i < c.n; i++)
		free(c.lines[i]);
	free(c.lines);
	return err;
}
