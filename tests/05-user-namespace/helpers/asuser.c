/* asuser.c: `hako-asuser UID GID PROG [ARG...]` runs PROG as UID/GID with no supplementary
 * groups: how the lesson 05 tests, running as root, become an ordinary user. */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: hako-asuser UID GID PROG [ARG...]\n");
		return 125;
	}
	uid_t uid = (uid_t)strtoul(argv[1], NULL, 10);
	gid_t gid = (gid_t)strtoul(argv[2], NULL, 10);

	if (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 ||
	    setresuid(uid, uid, uid) < 0) {
		fprintf(stderr, "hako-asuser: become %u:%u: %s\n", uid, gid, strerror(errno));
		return 125;
	}
	execv(argv[3], &argv[3]);
	fprintf(stderr, "hako-asuser: exec %s: %s\n", argv[3], strerror(errno));
	return 127;
}
