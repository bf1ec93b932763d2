/* devices.c: lesson 09 — which device files a container may open: the device cgroup. */
#include "hako.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>

/*
 * Device files are the kernel's doors to hardware: whoever can open /dev/vda (the host's
 * disk, block device 254:0) can read and write the host's file system under every check the
 * file system makes. The device cgroup decides, per cgroup, which devices may be made
 * (mknod, "m"), read ("r") and written ("w"), by type (c: character, b: block), major and
 * minor number ("*" for any). Rules, as cgroup v1's devices.allow takes them:
 */
static const char *const device_rules[] = {
    "c *:* m",     /* mknod of any character device: harmless if it cannot be opened */
    "b *:* m",     /* ... and of any block device (Docker allows both) */
    "c 1:3 rwm",   /* /dev/null */
    "c 1:5 rwm",   /* /dev/zero */
    "c 1:7 rwm",   /* /dev/full */
    "c 1:8 rwm",   /* /dev/random */
    "c 1:9 rwm",   /* /dev/urandom */
    "c 5:0 rwm",   /* /dev/tty */
    "c 5:1 rwm",   /* /dev/console */
    "c 5:2 rwm",   /* /dev/ptmx */
    "c 136:* rwm", /* /dev/pts/N: the container's own pseudo-terminals */
};

#define N_OF(a)         (sizeof(a) / sizeof((a)[0]))
#define DEVICES_ROOT    CGROUP_MOUNT "/devices"
#define CGROUP_V1_MAGIC 0x27e0eb /* CGROUP_SUPER_MAGIC: a cgroup v1 hierarchy */

struct hako_devices {
	char dir[PATH_MAX]; /* the container's folder in the devices hierarchy */
};

/* Write TEXT to DIR/FILE in one write(2). 0 or -errno (printed). */
static int write_file(const char *dir, const char *file, const char *text)
{
	char path[PATH_MAX];
	size_t len = strlen(text);
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len)
		err = -errno;
	if (fd >= 0)
		close(fd);
	if (err < 0)
		fprintf(stderr, "hako: write \"%s\" to %s: %s\n", text, path, strerror(-err));
	return err;
}

/* rmdir DIR; while processes are still leaving it (EBUSY), wait a little and retry. */
static void remove_dir(const char *dir)
{
	for (int i = 0; i < 100; i++) {
		if (rmdir(dir) == 0 || errno == ENOENT)
			return;
		if (errno != EBUSY)
			break;
		usleep(10000);
	}
	fprintf(stderr, "hako: rmdir %s: %s\n", dir, strerror(errno));
}

int devices_limit(const char *name, pid_t pid, struct hako_devices **out)
{
	struct hako_devices *d;
	struct statfs sf;
	char text[32];
	int err;

	*out = NULL;
	/* Only a cgroup v1 devices hierarchy (legacy and hybrid machines). On cgroup v2 the same
	 * rules are a BPF program (BPF_CGROUP_DEVICE), which hako does not build yet. */
	if (statfs(DEVICES_ROOT, &sf) < 0 || sf.f_type != CGROUP_V1_MAGIC)
		return 0;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	if (mkdir(DEVICES_ROOT "/" CGROUP_PARENT, 0755) < 0 && errno != EEXIST) {
		err = -errno;
		fprintf(stderr, "hako: mkdir %s: %s\n", DEVICES_ROOT "/" CGROUP_PARENT,
		        strerror(errno));
		free(d);
		return err;
	}
	snprintf(d->dir, sizeof(d->dir), "%s/%s/%s", DEVICES_ROOT, CGROUP_PARENT, name);
	if (mkdir(d->dir, 0755) < 0) {
		err = -errno;
		fprintf(stderr, "hako: mkdir %s: %s\n", d->dir, strerror(errno));
		free(d);
		return err;
	}
	/// TODO(09): A new device cgroup starts with its parent's rules (everything allowed).
	///   Deny everything first ("a" to devices.deny), then allow each of device_rules[]
	///   (one write each to devices.allow, see write_file), then move PID in (its pid to
	///   cgroup.procs). On failure: err = the negative errno, goto bad. The kernel's
	///   admin-guide/cgroup-v1/devices.rst; README: task 9.
	(void)text;
	err = -ENOSYS;
	goto bad;
	*out = d;
	return 0;
bad:
	remove_dir(d->dir);
	free(d);
	return err;
}

void devices_destroy(struct hako_devices *d)
{
	if (!d)
		return;
	remove_dir(d->dir);
	free(d);
}
