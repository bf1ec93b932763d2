/* store.c: where hako keeps containers' layers (and, from lesson 12, images) on disk.
 *
 *   STORE/                       /var/lib/hako (root), ~/.local/share/hako (rootless),
 *     containers/                or $HAKO_ROOT
 *       NAME/
 *         lowers                 the read-only layers under it, one path a line, top first
 *         upper/                 the container's own writes (lesson 11's upperdir)
 *         work/                  overlayfs's scratch space (workdir)
 *         merged/                where the overlay is mounted, in the container's namespace
 *
 * Not a lesson: paths, names and removing trees. The overlay itself is lesson 11's. */
#include "hako.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

int store_root(char *buf, size_t len)
{
	const char *env = getenv("HAKO_ROOT");
	const char *xdg = getenv("XDG_DATA_HOME");
	const char *home = getenv("HOME");
	int n;

	if (env && *env)
		n = snprintf(buf, len, "%s", env);
	else if (geteuid() == 0)
		n = snprintf(buf, len, "/var/lib/hako");
	else if (xdg && *xdg == '/') /* the XDG spec: a relative value is ignored */
		n = snprintf(buf, len, "%s/hako", xdg);
	else if (home && *home)
		n = snprintf(buf, len, "%s/.local/share/hako", home);
	else
		return -ENOENT;
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

int store_check_name(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > STORE_NAME_MAX)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		bool alnum =
		    (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
		if (!alnum && (i == 0 || (c != '_' && c != '.' && c != '-')))
			return -EINVAL;
	}
	return 0;
}

/* Remove everything inside the open folder DIR (on device DEV); DIR stays open. */
static int remove_children(int dir, dev_t dev)
{
	DIR *d;
	struct dirent *e;
	int err = 0, fd = dup(dir);

	if (fd < 0)
		return -errno;
	/* A folder of ours without w or x (overlayfs's work/work is mode 000): let us in. */
	struct stat st;
	if (fstat(fd, &st) == 0 && (st.st_mode & 0700) != 0700)
		fchmod(fd, st.st_mode | 0700);
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (fstatat(dir, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			err = -errno;
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			if (st.st_dev != dev) { /* a mount point: never cross it */
				err = -EBUSY;
				continue;
			}
			int sub =
			    openat(dir, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0 && errno == EACCES && fchmodat(dir, e->d_name, 0700, 0) == 0)
				sub = openat(dir, e->d_name,
				             O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0) {
				err = -errno;
				continue;
			}
			int r = remove_children(sub, dev);
			close(sub);
			if (r < 0) {
				err = r;
				continue;
			}
		}
		if (unlinkat(dir, e->d_name, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) < 0 &&
		    errno != ENOENT)
			err = -errno;
	}
	closedir(d);
	return err;
}

int store_remove_tree(const char *path)
{
	struct stat st;
	int fd, err;

	if (lstat(path, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return unlink(path) < 0 ? -errno : 0;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = remove_children(fd, st.st_dev);
	close(fd);
	if (err < 0)
		return err;
	return rmdir(path) < 0 ? -errno : 0;
}

int layer_init(const char *name, struct container_layer *l)
{
	char root[PATH_MAX];
	int err;

	memset(l, 0, sizeof(*l));
	if (name) {
		if ((err = store_check_name(name)) < 0)
			return err;
		snprintf(l->name, sizeof(l->name), "%s", name);
	} else {
		/* Like docker's ids, shortened: 12 hex digits, 48 random bits. */
		unsigned char r[6];
		if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
			return -errno;
		for (size_t i = 0; i < sizeof(r); i++)
			snprintf(l->name + 2 * i, 3, "%02x", r[i]);
	}
	if ((err = store_root(root, sizeof(root))) < 0)
		return err;
	if ((size_t)snprintf(l->dir, sizeof(l->dir), "%s/containers/%s", root, l->name) >=
	    sizeof(l->dir) - sizeof("/merged"))
		return -ENAMETOOLONG;
	snprintf(l->upper, sizeof(l->upper), "%s/upper", l->dir);
	snprintf(l->work, sizeof(l->work), "%s/work", l->dir);
	snprintf(l->merged, sizeof(l->merged), "%s/merged", l->dir);
	return 0;
}

/* mkdir -p PATH's parents and PATH itself, mode 0700 for what is new; EEXIST is fine. */
static int make_dirs(const char *path)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s", path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0700) < 0 && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(p, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int layer_create(const struct container_layer *l, const char *const *lowers, size_t nlowers)
{
	char parent[PATH_MAX], path[PATH_MAX];
	FILE *f;
	int err;

	snprintf(parent, sizeof(parent), "%s", l->dir);
	*strrchr(parent, '/') = '\0';
	if ((err = make_dirs(parent)) < 0)
		return err;
	/* The one atomic step: whoever makes NAME first owns it. */
	if (mkdir(l->dir, 0700) < 0)
		return -errno;
	/* Folders a rootless container's root (us, outside) reads through the overlay. */
	if (mkdir(l->upper, 0755) < 0 || mkdir(l->work, 0700) < 0 || mkdir(l->merged, 0755) < 0)
		goto bad;
	snprintf(path, sizeof(path), "%s/lowers", l->dir);
	f = fopen(path, "we");
	if (!f)
		goto bad;
	for (size_t i = 0; i < nlowers; i++)
		fprintf(f, "%s\n", lowers[i]);
	if (fclose(f) != 0)
		goto bad;
	return 0;
bad:
	err = -errno;
	store_remove_tree(l->dir);
	return err;
}

int layer_lowers(const struct container_layer *l, char ***lowers, size_t *nlowers)
{
	char path[PATH_MAX], *line = NULL;
	size_t cap = 0, n = 0;
	char **v = NULL;
	ssize_t len;
	FILE *f;

	snprintf(path, sizeof(path), "%s/lowers", l->dir);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while ((len = getline(&line, &cap, f)) > 0) {
		if (line[len - 1] == '\n')
			line[len - 1] = '\0';
		char **nv = realloc(v, (n + 2) * sizeof(*v));
		if (!nv) {
			free(line);
			fclose(f);
			layer_free_lowers(v);
			return -ENOMEM;
		}
		v = nv;
		v[n++] = line;
		v[n] = NULL;
		line = NULL;
		cap = 0;
	}
	free(line);
	fclose(f);
	if (!v) {
		/* An empty list: still a valid, empty array. */
		v = calloc(1, sizeof(*v));
		if (!v)
			return -ENOMEM;
	}
	*lowers = v;
	*nlowers = n;
	return 0;
}

void layer_free_lowers(char **lowers)
{
	for (size_t i = 0; lowers && lowers[i]; i++)
		free(lowers[i]);
	free(lowers);
}

int layer_remove(const struct container_layer *l)
{
	return store_remove_tree(l->dir);
}
