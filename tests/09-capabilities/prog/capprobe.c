/* capprobe.c: lesson 09's probe, run inside a container. Each command tries one thing an
 * attacker would and prints "NAME=ok" or "NAME=ERRNO" (EPERM, EROFS, ...). It never does
 * damage: files are opened but never written, a mount that succeeds is undone at once, and
 * the host's disk is only mounted read-only, inside the container's own mount namespace.
 *
 *   capprobe status [PID]           the Cap*, NoNewPrivs, Uid, Gid, Groups lines of status
 *                                   (of PID, e.g. 1: the container's init; lines "PID:Cap...")
 *   capprobe mountopts PATH         the options of the mount at PATH: "opts=ro,nosuid,..."
 *   capprobe mount-tmpfs            mount a tmpfs on /tmp/probe-mnt
 *   capprobe finit                  finit_module(-1, "", 0)
 *   capprobe shocker                open_by_handle_at() of inode 2 (an ext4 root folder)
 *   capprobe mknod PATH b|c MAJ MIN make a device node
 *   capprobe open PATH r|w          open for reading or writing (no read, no write)
 *   capprobe read PATH              read a file: "read=BYTES"
 *   capprobe mount-dev DEV          mount DEV read-only, only if it could not be opened
 *   capprobe remount PATH           make the bind mount at PATH read-write
 *   capprobe fds N NAME             fds open here and in PID 1; reach NAME through fd N
 *   capprobe env                    the environment, one "env:KEY=VALUE" line each
 *   capprobe cgroup CONTROLLER FILE VALUE  mount a cgroup v1 hierarchy, write FILE at its top
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

extern char **environ;

static void result(const char *name, int ok)
{
	if (ok)
		printf("%s=ok\n", name);
	else
		printf("%s=%s\n", name, strerrorname_np(errno) ? strerrorname_np(errno) : "E?");
}

static int list_fds(const char *label, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d) {
		printf("%s=%s\n", label, strerrorname_np(errno));
		return 0;
	}
	printf("%s=", label);
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (strcmp(dir, "/proc/self/fd") == 0 && atoi(e->d_name) == dirfd(d))
			continue; /* the fd of this listing */
		printf("%s,", e->d_name);
	}
	printf("\n");
	closedir(d);
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IONBF, 0);
	if (strcmp(cmd, "status") == 0) {
		char line[512], path[64];
		snprintf(path, sizeof(path), "/proc/%s/status", argc > 2 ? argv[2] : "self");
		FILE *f = fopen(path, "r");
		if (!f)
			return 1;
		while (fgets(line, sizeof(line), f))
			if (strncmp(line, "Cap", 3) == 0 || strncmp(line, "NoNewPrivs", 10) == 0 ||
			    strncmp(line, "Uid", 3) == 0 || strncmp(line, "Gid", 3) == 0 ||
			    strncmp(line, "Groups", 6) == 0)
				printf("%s%s%s", argc > 2 ? argv[2] : "", argc > 2 ? ":" : "",
				       line);
		fclose(f);
	} else if (strcmp(cmd, "mountopts") == 0 && argc == 3) {
		/* mountinfo: ID PARENT MAJ:MIN ROOT POINT OPTIONS ...; the last mount wins. */
		char line[1024], point[512], opts[256], found[256] = "";
		FILE *f = fopen("/proc/self/mountinfo", "r");
		if (!f)
			return 1;
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "%*s %*s %*s %*s %511s %255s", point, opts) == 2 &&
			    strcmp(point, argv[2]) == 0)
				snprintf(found, sizeof(found), "%s", opts);
		fclose(f);
		printf("opts=%s\n", found);
	} else if (strcmp(cmd, "mount-tmpfs") == 0) {
		mkdir("/tmp/probe-mnt", 0755);
		int ok = mount("probe", "/tmp/probe-mnt", "tmpfs", 0, "size=64k") == 0;
		result("mount", ok);
		if (ok)
			umount2("/tmp/probe-mnt", MNT_DETACH);
	} else if (strcmp(cmd, "finit") == 0) {
		/* An invalid fd: the kernel checks CAP_SYS_MODULE first, then the fd (EBADF). */
		result("finit", syscall(SYS_finit_module, -1, "", 0) == 0);
	} else if (strcmp(cmd, "shocker") == 0) {
		struct {
			struct file_handle h;
			unsigned char bytes[8];
		} fh = {.h = {.handle_bytes = 8, .handle_type = 1}}; /* FILEID_INO32_GEN */
		unsigned int ino = 2, gen = 0;
		memcpy(fh.h.f_handle, &ino, 4);
		memcpy(fh.h.f_handle + 4, &gen, 4);
		int mnt = open("/", O_RDONLY | O_DIRECTORY);
		int fd = open_by_handle_at(mnt, &fh.h, O_RDONLY | O_DIRECTORY);
		result("shocker", fd >= 0);
		if (fd >= 0)
			close(fd);
	} else if (strcmp(cmd, "mknod") == 0 && argc == 6) {
		mode_t type = argv[3][0] == 'b' ? S_IFBLK : S_IFCHR;
		dev_t dev = makedev(atoi(argv[4]), atoi(argv[5]));
		result("mknod", mknod(argv[2], type | 0600, dev) == 0);
	} else if (strcmp(cmd, "open") == 0 && argc == 4) {
		int fd = open(argv[2], argv[3][0] == 'w' ? O_WRONLY : O_RDONLY);
		result("open", fd >= 0);
		if (fd >= 0)
			close(fd); /* never written */
	} else if (strcmp(cmd, "read") == 0 && argc == 3) {
		char buf[4096];
		long total = 0;
		ssize_t n;
		int fd = open(argv[2], O_RDONLY);
		if (fd < 0) {
			result("read", 0);
			return 0;
		}
		while ((n = read(fd, buf, sizeof(buf))) > 0 && total < (1 << 20))
			total += n;
		close(fd);
		printf("read=%ld\n", total);
	} else if (strcmp(cmd, "mount-dev") == 0 && argc == 3) {
		int fd = open(argv[2], O_RDONLY);
		if (fd >= 0) {
			/* It opened: the device cgroup let it through; no need to go further. */
			close(fd);
			printf("mount=skipped\n");
			return 0;
		}
		mkdir("/tmp/probe-disk", 0755);
		int ok = mount(argv[2], "/tmp/probe-disk", "ext4", MS_RDONLY, NULL) == 0;
		result("mount", ok);
		if (ok)
			umount2("/tmp/probe-disk", MNT_DETACH);
	} else if (strcmp(cmd, "remount") == 0 && argc == 3) {
		/* Only this mount's flags: MS_BIND | MS_REMOUNT never touches the filesystem. */
		result("remount", mount(NULL, argv[2], NULL, MS_REMOUNT | MS_BIND, NULL) == 0);
	} else if (strcmp(cmd, "fds") == 0 && argc == 4) {
		int n = atoi(argv[2]);
		char path[512];
		list_fds("self", "/proc/self/fd");
		list_fds("init", "/proc/1/fd");
		result("openat", openat(n, argv[3], O_RDONLY) >= 0);
		snprintf(path, sizeof(path), "/proc/1/fd/%d/%s", n, argv[3]);
		result("via-init", open(path, O_RDONLY) >= 0);
	} else if (strcmp(cmd, "env") == 0) {
		for (char **e = environ; *e; e++)
			printf("env:%s\n", *e);
	} else if (strcmp(cmd, "cgroup") == 0 && argc == 5) {
		char path[512];
		mkdir("/tmp/probe-cg", 0755);
		int ok = mount("cgroup", "/tmp/probe-cg", "cgroup", 0, argv[2]) == 0;
		result("cgmount", ok);
		if (!ok)
			return 0;
		snprintf(path, sizeof(path), "/tmp/probe-cg/%s", argv[3]);
		int fd = open(path, O_WRONLY);
		ok = fd >= 0 && write(fd, argv[4], strlen(argv[4])) > 0;
		result("raise", ok);
		if (fd >= 0)
			close(fd);
		umount2("/tmp/probe-cg", MNT_DETACH);
	} else {
		fprintf(stderr, "capprobe: unknown command or arguments\n");
		return 2;
	}
	return 0;
}
