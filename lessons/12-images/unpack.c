/* unpack.c: lesson 12 — unpack a layer's tar into a folder, never writing outside it. */
#include "hako.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

/*
 * A layer is untrusted input. Its names decide where files land, and a careless unpacker
 * writes wherever they point:
 *
 *   entry                          careless result             here
 *   -----                          ---------------             ----
 *   ../../etc/cron.d/x             a file outside the layer    refused: ".." climbs out
 *   /etc/passwd                    the host's /etc/passwd      refused: an absolute name
 *   lib -> /etc, then lib/passwd   the host's /etc/passwd      LAYER/etc/passwd: every path
 *                                                              is resolved with the layer
 *                                                              as its / (RESOLVE_IN_ROOT)
 *   hardlink x -> /etc/shadow      the host's shadow, linked   refused, like the names above
 *
 * So: check each name, open its folder with openat2(2) and RESOLVE_IN_ROOT, and create the
 * last component relative to that folder's fd, with O_NOFOLLOW | O_EXCL where it applies.
 */

#ifndef RESOLVE_IN_ROOT
#define RESOLVE_IN_ROOT 0x10
#endif

/* The overlayfs names for "hide this": see README.md, "Whiteouts". */
#define WH_PREFIX ".wh."
#define WH_OPAQUE ".wh..wh..opq"

/* Remove NAME in DIRFD whatever it is; a folder with everything in it. */
static GIVEN int remove_any(int dirfd, const char *name)
{
	struct stat st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dirfd, name, 0) < 0 ? -errno : 0;
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -ENOMEM;
	}
	struct dirent *de;
	int err = 0;
	while (!err && (de = readdir(d)))
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			err = remove_any(fd, de->d_name);
	closedir(d);
	if (err)
		return err;
	return unlinkat(dirfd, name, AT_REMOVEDIR) < 0 ? -errno : 0;
}

/*
 * Turn the archive name NAME into a clean relative path in PATH (LEN bytes): "./" and extra
 * slashes dropped. Returns 0, 1 when the name is the layer's root itself ("./"), or -EINVAL
 * for a name that is absolute or has a ".." component.
 */
static int clean_name(const char *name, char *path, size_t len)
{
	/// TODO(12): refuse what could point outside the layer (an absolute name, a ".."
	/// component: -EINVAL); drop "." components and repeated or trailing slashes, so
	/// "./usr//bin/" becomes "usr/bin". README.md, "Task 2".
	return -ENOSYS;
}

/*
 * Open the folder PATH (relative, clean) inside the layer ROOTFD as if ROOTFD were /:
 * symlinks on the way are followed but can never lead out. With CREATE, missing folders on
 * the way are made (mode 0755), as tar does for entries whose folder came later or never.
 * Returns an O_PATH fd or a negative errno.
 */
static int open_in_root(int rootfd, const char *path, bool create)
{
	/// TODO(12): openat2(2) with RESOLVE_IN_ROOT (and RESOLVE_NO_MAGICLINKS) on ROOTFD; glibc
	/// has no wrapper: syscall(SYS_openat2, ...). An empty PATH is ROOTFD itself. When a
	/// folder is missing and CREATE is set, make each missing one with mkdirat() in the
	/// folder before it, also opened this way. README.md, "Task 2".
	return -ENOSYS;
}

/* Copy the current entry's content from R to the open file FD. */
static GIVEN int copy_content(struct tar_reader *r, int fd)
{
	char buf[65536];
	ssize_t n;

	while ((n = tar_read(r, buf, sizeof(buf))) > 0)
		for (ssize_t done = 0; done < n;) {
			ssize_t w = write(fd, buf + done, (size_t)(n - done));
			if (w < 0)
				return -errno;
			done += w;
		}
	return (int)n;
}

/* Split the clean PATH into its folder (in DIR) and last component (returned). */
static const char *split(char *path, char *dir, size_t len)
{
	char *slash = strrchr(path, '/');

	if (!slash) {
		dir[0] = '\0';
		return path;
	}
	snprintf(dir, len, "%.*s", (int)(slash - path), path);
	return slash + 1;
}

/* Make the entry E (its content still in R) called LEAF in the folder DIRFD of the layer
 * ROOTFD. */
static int make_entry(struct tar_reader *r, int rootfd, int dirfd, const char *leaf,
                      const struct tar_entry *e, int flags)
{
	/// TODO(12): make the entry LEAF in DIRFD, as its type says (README.md, "Task 3"):
	/// - unless flags has LAYER_NO_WHITEOUT, a leaf ".wh..wh..opq" marks DIRFD's folder
	///   opaque (xattr trusted.overlay.opaque = "y", user.overlay.opaque when
	///   LAYER_ROOTLESS), and ".wh.NAME" becomes a character device 0:0 called NAME, in
	///   place of whatever NAME was (a whole folder too);
	/// - whatever is already at LEAF goes first (remove_any), but a folder over a folder
	///   stays (a symlink to a folder is not a folder);
	/// - never follow a symlink at LEAF: O_NOFOLLOW | O_EXCL for files; a hardlink's source
	///   is a name in the layer, checked and opened the same way as E's own name, and the
	///   link is to that name itself (a symlink stays a symlink); it has no metadata of its
	///   own;
	/// - device nodes with LAYER_ROOTLESS: -EPERM (FIFOs need no privilege);
	/// - then owner (not when rootless), mode and mtime, without following a symlink. Set
	///   the mode yourself: the umask and a setgid parent folder change what open(),
	///   mkdir() and mknod() give.
	return -ENOSYS;
}

/* Unpack the entry E (its content still in R) into the layer ROOTFD. */
static int unpack_entry(struct tar_reader *r, int rootfd, const struct tar_entry *e, int flags)
{
	char path[TAR_NAME_MAX], dir[TAR_NAME_MAX];
	const char *leaf;
	int dirfd, err;

	if ((err = clean_name(e->name, path, sizeof(path))) != 0)
		return err > 0 ? 0 : err; /* "./" itself: nothing to make */
	leaf = split(path, dir, sizeof(dir));
	if ((dirfd = open_in_root(rootfd, dir, true)) < 0)
		return dirfd;
	err = make_entry(r, rootfd, dirfd, leaf, e, flags);
	close(dirfd);
	return err;
}

int layer_unpack(struct tar_reader *r, int rootfd, int flags, char *bad, size_t len)
{
	struct tar_entry *e = malloc(sizeof(*e));
	int n, err = 0;

	if (!e)
		return -ENOMEM;
	snprintf(bad, len, "the first header");
	while ((n = tar_next(r, e)) > 0) {
		if ((err = unpack_entry(r, rootfd, e, flags)) < 0) {
			snprintf(bad, len, "%s", e->name);
			break;
		}
		/* If the next header is broken, say where it was. */
		snprintf(bad, len, "the header after %.*s", (int)(len > 20 ? len - 20 : 0),
		         e->name);
	}
	if (n < 0)
		err = n;
	free(e);
	return err;
}
