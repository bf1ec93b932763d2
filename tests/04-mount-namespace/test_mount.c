/* test_mount.c: graded tests for lesson 04 — the mount namespace, pivot_root, /proc, /sys
 * and /dev. Checked from outside the container, against what the kernel reports. */
#include "hako_test.h"
#include "hako.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <grp.h>

/*
 * Every test works in a "box": a fresh folder from hako_tmpdir() with a busybox root
 * filesystem in it, built by tests/tools/mkrootfs.sh, and a random marker file at its top.
 *
 * Tests that run containers first move this test process into a mount namespace of its own
 * that stands in for the host: its mounts are made private (nothing reaches the real host,
 * whatever the code under test does) and then shared again, as systemd leaves a real host.
 * So a container that forgets MS_PRIVATE leaks its mounts into this "host", where the test
 * sees them — and where they vanish when the test ends, even if it crashes.
 */
struct box {
	char *dir;                /* hako_tmpdir(), a mount point of its own when mounts is set */
	bool mounts;              /* in our own mount namespace, with dir bind-mounted */
	char rootfs[PATH_MAX];    /* DIR/rootfs */
	char marker[16];          /* a random file name at the top of the rootfs ... */
	char secret[24];          /* ... holding this random text */
	char host_file[PATH_MAX]; /* DIR/<random>: exists on the host, outside the rootfs */
	/* A `hako run` started by box_start(): */
	pid_t pid;              /* 0 when none */
	int in, out;            /* its stdin (we write) and stdout (we read) */
	char errpath[PATH_MAX]; /* its stderr goes to this file */
	char *out_text;         /* what it printed so far */
	size_t out_len;
};

static struct box *live_box; /* cleaned up at exit, even after a failed check */

#define WAIT_MS 20000 /* generous: the grading machine may be busy */

static void box_cleanup(void)
{
	struct box *b = live_box;

	if (!b)
		return;
	live_box = NULL;
	if (b->pid > 0) {
		kill(-b->pid, SIGKILL); /* the process group we made for it */
		waitpid(b->pid, NULL, 0);
		b->pid = 0;
	}
	if (b->in >= 0)
		close(b->in);
	if (b->out >= 0)
		close(b->out);
	b->in = b->out = -1;
	if (b->mounts)
		umount2(b->dir, MNT_DETACH); /* with everything still mounted below it */
	hako_rm_rf(b->dir);
	free(b->dir);
	free(b->out_text);
	b->out_text = NULL;
}

/* Run a program to completion (argv[0] a path), failing the test if it does not start. */
static void run_prog(struct hako_run *r, char *const argv[], int timeout_ms)
{
	check_that(hako_run_argv(argv, NULL, timeout_ms, r) == 0, "could not start %s", argv[0]);
	check_that(!r->timed_out, "%s did not finish within %d s", argv[0], timeout_ms / 1000);
}

/* Build the test's box. MOUNTS: also enter a mount namespace of our own (needs root). It is
 * removed when the test process exits, however the test ends. */
static struct box *box_setup(bool mounts)
{
	static struct box box;
	struct box *b = &box;
	char path[PATH_MAX];

	memset(b, 0, sizeof(*b));
	b->in = b->out = -1;
	if (mounts) {
		hako_require_root();
		check_that(unshare(CLONE_NEWNS) == 0, "unshare(CLONE_NEWNS): %s", strerror(errno));
		check_that(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0,
		           "make / private: %s", strerror(errno));
		check_that(mount(NULL, "/", NULL, MS_REC | MS_SHARED, NULL) == 0,
		           "make / shared: %s", strerror(errno));
	}
	b->dir = hako_tmpdir();
	live_box = b;
	atexit(box_cleanup);
	chmod(b->dir, 0755); /* an unprivileged hako must be able to look inside */
	if (mounts) {
		check_that(mount(b->dir, b->dir, NULL, MS_BIND, NULL) == 0, "bind mount %s: %s",
		           b->dir, strerror(errno));
		b->mounts = true;
	}

	snprintf(b->rootfs, sizeof(b->rootfs), "%s/rootfs", b->dir);
	/* hako keeps each container's layer (lesson 11) in its store: the box's, not the real
	 * /var/lib/hako or ~; owned by nobody, who runs the rootless tests. */
	snprintf(path, sizeof(path), "%s/store", b->dir);
	check_that(mkdir(path, 0755) == 0, "mkdir %s: %s", path, strerror(errno));
	if (geteuid() == 0)
		check_that(chown(path, 65534, 65534) == 0, "chown %s: %s", path, strerror(errno));
	setenv("HAKO_ROOT", path, 1);
	hako_make_rootfs(b->rootfs);

	hako_rand_name(b->marker, 12);
	hako_rand_name(b->secret, 20);
	snprintf(path, sizeof(path), "%s/%s", b->rootfs, b->marker);
	hako_write_file(path, b->secret);
	char name[16];
	hako_rand_name(name, 12);
	snprintf(b->host_file, sizeof(b->host_file), "%s/%s", b->dir, name);
	hako_write_file(b->host_file, "only on the host\n");
	return b;
}

/* A copy of hako_prog(NAME) in the box (so it can be run by anyone, or from the rootfs). */
static void copy_prog(const char *name, const char *to)
{
	char buf[65536];
	ssize_t n;
	int in = open(hako_prog(name), O_RDONLY | O_CLOEXEC);
	int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);

	check_that(in >= 0 && out >= 0, "copy %s to %s: %s", name, to, strerror(errno));
	while ((n = read(in, buf, sizeof(buf))) > 0)
		check_that(write(out, buf, n) == n, "write %s: %s", to, strerror(errno));
	close(in);
	close(out);
}

/*
 * Start ARGV (argv[0] a path) in the background, in a process group of its own, with pipes
 * on stdin and stdout and stderr in a file. AS_NOBODY: with uid/gid 65534 and no groups.
 */
static void box_spawn(struct box *b, char *const argv[], bool as_nobody)
{
	int in[2], out[2];

	snprintf(b->errpath, sizeof(b->errpath), "%s/stderr", b->dir);
	check_that(pipe2(in, O_CLOEXEC) == 0 && pipe2(out, O_CLOEXEC) == 0, "pipe: %s",
	           strerror(errno));
	fflush(NULL);
	b->pid = fork();
	check_that(b->pid >= 0, "fork: %s", strerror(errno));
	if (b->pid == 0) {
		int err = open(b->errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		setpgid(0, 0);
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(err, 2);
		if (as_nobody && getuid() == 0 &&
		    (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0)) {
			perror("drop to nobody");
			_exit(126);
		}
		execv(argv[0], argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	setpgid(b->pid, b->pid);
	close(in[0]);
	close(out[1]);
	b->in = in[1];
	b->out = out[0];
	free(b->out_text);
	b->out_text = calloc(1, 1);
	b->out_len = 0;
}

/* Start `hako run ROOTFS /bin/sh -c SCRIPT`. */
static void box_start(struct box *b, const char *script)
{
	char hako[PATH_MAX];

	snprintf(hako, sizeof(hako), "%s", hako_prog("hako"));
	char *argv[] = {hako, "run", b->rootfs, "/bin/sh", "-c", (char *)script, NULL};
	box_spawn(b, argv, false);
}

/* The same with CAP_SYS_ADMIN kept, for a script that mounts inside (since lesson 09 a
 * container cannot mount by default). */
static void box_start_admin(struct box *b, const char *script)
{
	char hako[PATH_MAX];

	snprintf(hako, sizeof(hako), "%s", hako_prog("hako"));
	char *argv[] = {hako,      "run", "--cap-add=SYS_ADMIN", b->rootfs,
	                "/bin/sh", "-c",  (char *)script,        NULL};
	box_spawn(b, argv, false);
}

/* True if TEXT has the whole line LINE. */
static bool has_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; (p = strstr(p, line)) != NULL; p++)
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return true;
	return false;
}

/* Read the program's stdout until it has printed the line WORD, or ended, or WAIT_MS passed.
 * Returns true if the line came. */
static bool box_wait_for(struct box *b, const char *word)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		if (has_line(b->out_text, word))
			return true;
		clock_gettime(CLOCK_MONOTONIC, &t);
		long left =
		    WAIT_MS - ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0 || b->out < 0)
			return false;
		struct pollfd p = {b->out, POLLIN, 0};
		if (poll(&p, 1, (int)left) <= 0)
			continue;
		char buf[4096];
		ssize_t n = read(b->out, buf, sizeof(buf));
		if (n <= 0) {
			close(b->out);
			b->out = -1;
			continue;
		}
		char *nt = realloc(b->out_text, b->out_len + n + 1);
		check_that(nt != NULL, "out of memory");
		memcpy(nt + b->out_len, buf, n);
		b->out_len += n;
		nt[b->out_len] = '\0';
		b->out_text = nt;
	}
}

/* Close the program's stdin (a waiting `read` returns), collect the rest of its stdout and
 * wait for it. Returns its shell-style exit code, or -1 if it had to be killed. */
static int box_finish(struct box *b)
{
	int wstatus;

	if (b->in >= 0)
		close(b->in);
	b->in = -1;
	box_wait_for(b, "\x01never printed"); /* read to the end */
	for (int i = 0; i < WAIT_MS / 10; i++) {
		pid_t w = waitpid(b->pid, &wstatus, WNOHANG);
		if (w == b->pid) {
			b->pid = 0;
			return WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
		}
		usleep(10000);
	}
	kill(-b->pid, SIGKILL);
	waitpid(b->pid, NULL, 0);
	b->pid = 0;
	return -1;
}

/* The whole of a (small) file, malloc'd and NUL-terminated; NULL if it cannot be read. */
static char *slurp(const char *path)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || !buf) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += n;
		if (cap - len < 2) {
			char *nb = realloc(buf, cap *= 2);
			if (!nb)
				break;
			buf = nb;
		}
	}
	close(fd);
	buf[len] = '\0';
	return buf;
}

/* The pid of a child of PARENT (from /proc/PID/stat), or 0. */
static pid_t child_of(pid_t parent)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	pid_t found = 0;

	while (d && !found && (e = readdir(d)) != NULL) {
		char path[64], *text, *p;
		int ppid;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		text = slurp(path);
		/* "pid (comm) state ppid ...": comm may hold anything, so look after its ')' */
		p = text ? strrchr(text, ')') : NULL;
		if (p && sscanf(p, ") %*c %d", &ppid) == 1 && ppid == parent)
			found = atoi(e->d_name);
		free(text);
	}
	if (d)
		closedir(d);
	return found;
}

/* The container's init as the host sees it: the child of the running hako. */
static pid_t box_init_pid(struct box *b)
{
	pid_t pid = child_of(b->pid);

	check_that(pid > 0, "hako (pid %d) has no child process: no container is running",
	           (int)b->pid);
	return pid;
}

/* One line of /proc/PID/mountinfo (see proc(5)). */
struct mnt {
	char root[PATH_MAX];  /* the folder of the filesystem that is mounted */
	char point[PATH_MAX]; /* where, as the process sees it */
	char opts[256];       /* per-mount options: ro/rw, nosuid, ... */
	char fstype[64];
	char source[256];
};

/* Parse MOUNTINFO (the text of a mountinfo file) into at most MAX entries; returns how many. */
static int parse_mountinfo(const char *mountinfo, struct mnt *m, int max)
{
	int n = 0;

	for (const char *line = mountinfo; line && *line && n < max; n++) {
		const char *end = strchr(line, '\n');
		char buf[2 * PATH_MAX + 1024];
		size_t len = end ? (size_t)(end - line) : strlen(line);

		if (len >= sizeof(buf))
			len = sizeof(buf) - 1;
		memcpy(buf, line, len);
		buf[len] = '\0';
		memset(&m[n], 0, sizeof(m[n]));
		sscanf(buf, "%*d %*d %*s %4095s %4095s %255s", m[n].root, m[n].point, m[n].opts);
		char *dash = strstr(buf, " - ");
		if (dash)
			sscanf(dash, " - %63s %255s", m[n].fstype, m[n].source);
		line = end ? end + 1 : NULL;
	}
	return n;
}

/* True if the comma-separated OPTS holds the option WORD. */
static bool has_opt(const char *opts, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = opts; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (strncmp(p, word, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return true;
	return false;
}

/* The container's mount table, as the kernel reports it for its init process. */
#define MAX_MNT 256
static int box_mounts(struct box *b, pid_t init, struct mnt *m)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/mountinfo", (int)init);
	char *text = slurp(path);
	check_that(text != NULL, "read %s: %s", path, strerror(errno));
	int n = parse_mountinfo(text, m, MAX_MNT);
	free(text);
	return n;
}

/* How much of TEXT to quote in a message: at most 600 characters, without the final newline. */
static int quote_len(const char *text)
{
	size_t n = text ? strlen(text) : 0;

	while (n > 0 && text[n - 1] == '\n')
		n--;
	return n > 600 ? 600 : (int)n;
}

/*
 * What to look at when a container did not start, from what hako printed on stderr (ERR):
 * the same few errors stop every test that runs a container, and they have causes that the
 * error name alone does not give away. Returns "" when there is nothing to add.
 */
static const char *why_not_started(const char *err)
{
	if (!err)
		return "";
	if (strstr(err, "enter rootfs: not implemented yet"))
		return "\n(mount_enter_rootfs() or a function it calls still returns -ENOSYS: "
		       "every test that runs a container needs all of tasks 3 to 7 to pass)";
	if (strstr(err, "not implemented yet"))
		return "\n(a check made before clone() still returns -ENOSYS: mount_check_rootfs() "
		       "or mount_check_command(), tasks 1 and 2)";
	if (strstr(err, "pivot_root") && strstr(err, strerror(EINVAL)))
		return "\n(pivot_root fails with EINVAL when a mount involved is shared: Step 1 "
		       "of mount_enter_rootfs(), MS_REC | MS_PRIVATE on \"/\" before any other "
		       "mount; or when the rootfs is not a mount point: Step 2, bind-mount it "
		       "onto itself. The tests' rootfs is on a mount other than /, so a missing "
		       "bind mount shows here as EINVAL, not EBUSY)";
	if (strstr(err, "pivot_root") && strstr(err, strerror(EBUSY)))
		return "\n(pivot_root fails with EBUSY when the rootfs is on the same mount as the "
		       "current root: Step 2 of mount_enter_rootfs(), bind-mount it onto itself)";
	if (strstr(err, "umount2") && strstr(err, strerror(EBUSY)))
		return "\n(the old root has mounts below it: detach it with umount2(\".\", "
		       "MNT_DETACH))";
	return "";
}

/* Fail unless READY, saying the container never DID (e.g. "printed \"ready\""); the message
 * quotes its stderr and what, from that, may have kept it from starting. */
static void check_box_ready(struct box *b, bool ready, const char *did)
{
	char *err = slurp(b->errpath);
	check_that(ready, "the container never %s; its stderr: %.*s%s", did, quote_len(err), err,
	           why_not_started(err));
	free(err);
}

/* Start a container that waits, read its init's mount table into M (MAX_MNT entries), and end
 * it; fails the test if it never got ready. Returns the number of mounts, and the box in *BP. */
static int box_mount_table(struct box **bp, struct mnt *m)
{
	struct box *b = box_setup(true);
	int n = 0;

	box_start(b, "echo ready; read x || :");
	bool ready = box_wait_for(b, "ready");
	if (ready)
		n = box_mounts(b, box_init_pid(b), m);
	box_finish(b);
	check_box_ready(b, ready, "printed \"ready\"");
	*bp = b;
	return n;
}

/* ------------------------------------------------------------------------------------------ */

/* This test checks that mount_check_rootfs() accepts a folder and names what is wrong with
 * anything else: -ENOENT for a path that does not exist, -ENOTDIR for a file. */
static void test_mount_check_rootfs(void **state)
{
	struct box *b;
	char missing[PATH_MAX], file[PATH_MAX], name[16];

	b = box_setup(false);
	hako_rand_name(name, 12);
	snprintf(missing, sizeof(missing), "%s/%s", b->dir, name);
	check_int(mount_check_rootfs(missing), -ENOENT,
	          "mount_check_rootfs(a path that does not exist)");
	check_int(mount_check_rootfs(b->host_file), -ENOTDIR, "mount_check_rootfs(a file)");
	snprintf(file, sizeof(file), "%s/etc", b->rootfs);
	check_int(mount_check_rootfs(b->rootfs), 0, "mount_check_rootfs(a busybox rootfs)");
	check_int(mount_check_rootfs(file), 0, "mount_check_rootfs(any folder)");
}

/* This test checks that mount_check_command() finds commands inside the rootfs (by name in
 * /bin, /usr/bin, /sbin, /usr/sbin, or by path) and refuses what is missing or not
 * executable. */
static void test_mount_check_command(void **state)
{
	struct box *b;
	char path[PATH_MAX], name[16], prog[16], cmd[PATH_MAX];

	b = box_setup(false);
	check_int(mount_check_command(b->rootfs, "sh"), 0, "mount_check_command(rootfs, \"sh\")");
	check_int(mount_check_command(b->rootfs, "mount"), 0,
	          "mount_check_command(rootfs, \"mount\"), which busybox puts in /bin or /sbin");
	hako_rand_name(name, 12);
	check_int(mount_check_command(b->rootfs, name), -ENOENT,
	          "mount_check_command(rootfs, a name that is nowhere)");

	/* A script only the rootfs has: found by name, by absolute and by relative path. */
	hako_rand_name(prog, 10);
	snprintf(path, sizeof(path), "%s/usr/sbin/%s", b->rootfs, prog);
	hako_write_file(path, "#!/bin/sh\necho hi\n");
	chmod(path, 0755);
	check_int(mount_check_command(b->rootfs, prog), 0,
	          "mount_check_command(rootfs, the name of an executable in its /usr/sbin)");
	snprintf(cmd, sizeof(cmd), "/usr/sbin/%s", prog);
	check_int(mount_check_command(b->rootfs, cmd), 0,
	          "mount_check_command(rootfs, \"/usr/sbin/NAME\")");

	/* Not executable: a file without x bits, and a folder. */
	chmod(path, 0644);
	check_int(mount_check_command(b->rootfs, cmd), -EACCES,
	          "mount_check_command(rootfs, a file without execute permission)");
	check_int(mount_check_command(b->rootfs, "/etc"), -EACCES,
	          "mount_check_command(rootfs, \"/etc\"), a folder");

	/* Executable by group or by others only: that is still an executable file. */
	mode_t only = hako_rand() % 2 ? 0654 : 0645;
	char what[96];
	chmod(path, only);
	snprintf(what, sizeof(what),
	         "mount_check_command(rootfs, a file of mode %04o: executable, not by its owner)",
	         (unsigned)only);
	check_int(mount_check_command(b->rootfs, cmd), 0, what);
}

/* This test checks that mount_check_command() looks paths up as the container will see them:
 * an absolute symlink in the rootfs points into the rootfs, not into the host. */
static void test_mount_check_command_in_root(void **state)
{
	struct box *b;
	char dir[16], a[16], c[16], d[16], path[PATH_MAX], target[PATH_MAX + 64];
	char host_prog[PATH_MAX];

	b = box_setup(false);
	/* bin/A -> /DIR/tool, and DIR/tool exists only in the rootfs. */
	hako_rand_name(dir, 10);
	hako_rand_name(a, 10);
	snprintf(path, sizeof(path), "%s/%s/tool", b->rootfs, dir);
	hako_write_file(path, "#!/bin/sh\n");
	chmod(path, 0755);
	snprintf(path, sizeof(path), "%s/bin/%s", b->rootfs, a);
	snprintf(target, sizeof(target), "/%s/tool", dir);
	check_that(symlink(target, path) == 0, "symlink %s: %s", path, strerror(errno));

	/* bin/C -> an executable that exists only on the host (this test's own hako), by an
	 * absolute path; bin/D -> the same through "../../../..". */
	check_that(realpath(hako_prog("hako"), host_prog) != NULL, "realpath: %s", strerror(errno));
	hako_rand_name(c, 10);
	snprintf(path, sizeof(path), "%s/bin/%s", b->rootfs, c);
	check_that(symlink(host_prog, path) == 0, "symlink %s: %s", path, strerror(errno));
	hako_rand_name(d, 10);
	snprintf(path, sizeof(path), "%s/bin/%s", b->rootfs, d);
	snprintf(target, sizeof(target), "../../../../../../../../../..%s", host_prog);
	check_that(symlink(target, path) == 0, "symlink %s: %s", path, strerror(errno));

	check_int(mount_check_command(b->rootfs, a), 0,
	          "bin/NAME -> /DIR/tool, where DIR/tool is only in the rootfs");
	check_int(mount_check_command(b->rootfs, c), -ENOENT,
	          "bin/NAME -> an absolute path that exists only on the host");
	check_int(mount_check_command(b->rootfs, d), -ENOENT,
	          "bin/NAME -> ../../../(...) to a path that exists only on the host");
}

/* Run the box's copy of hako as an unprivileged user with ARGS after `hako run`: it cannot
 * create namespaces, so any error it prints must come from the checks made before clone(). */
static int run_unprivileged(struct box *b, char **args, int nargs, char **err)
{
	char hako[PATH_MAX];
	char *argv[16] = {hako, "run"};

	snprintf(hako, sizeof(hako), "%s/hako", b->dir);
	if (access(hako, X_OK) != 0)
		copy_prog("hako", hako);
	for (int i = 0; i < nargs && i < 13; i++)
		argv[2 + i] = args[i];
	box_spawn(b, argv, true);
	int code = box_finish(b);
	*err = slurp(b->errpath);
	return code;
}

/* This test checks that `hako run --rootfs PATH` names a rootfs that does not exist or is not
 * a folder, and exits 125 before creating any namespace. */
static void test_mount_hako_bad_rootfs(void **state)
{
	struct box *b;
	char missing[PATH_MAX], name[16], *err;

	b = box_setup(false);
	hako_rand_name(name, 12);
	snprintf(missing, sizeof(missing), "%s/%s", b->dir, name);
	char *a1[] = {"--rootfs", missing, "/bin/sh", "-c", "echo ran"};
	int code = run_unprivileged(b, a1, 5, &err);
	check_contains(err, missing,
	               "stderr of `hako run --rootfs MISSING /bin/sh` names the path");
	check_contains(err, strerror(ENOENT), "stderr of `hako run --rootfs MISSING /bin/sh`");
	check_that(strstr(err, "clone") == NULL,
	           "hako tried clone() before checking the rootfs: %s", err);
	check_int(code, 125, "exit code of `hako run --rootfs MISSING /bin/sh`");
	check_that(strstr(b->out_text, "ran") == NULL, "the command ran anyway");
	free(err);

	char *a2[] = {"--rootfs", b->host_file, "/bin/sh", "-c", "echo ran"};
	code = run_unprivileged(b, a2, 5, &err);
	check_contains(err, b->host_file,
	               "stderr of `hako run --rootfs FILE /bin/sh` names the path");
	check_contains(err, strerror(ENOTDIR), "stderr of `hako run --rootfs FILE /bin/sh`");
	check_int(code, 125, "exit code of `hako run --rootfs FILE /bin/sh`");
	free(err);
}

/* This test checks that `hako run ROOTFS CMD` for a CMD the rootfs lacks (even one the host
 * has) exits 127 with a message naming both, before creating any namespace. */
static void test_mount_hako_command_missing(void **state)
{
	struct box *b;
	char name[16], *err;

	b = box_setup(false);
	hako_rand_name(name, 12);
	char *a1[] = {b->rootfs, name};
	int code = run_unprivileged(b, a1, 2, &err);
	check_contains(err, name, "stderr of `hako run ROOTFS NOSUCHCMD` names the command");
	check_contains(err, b->rootfs, "stderr of `hako run ROOTFS NOSUCHCMD` names the rootfs");
	check_that(strstr(err, "clone") == NULL,
	           "hako tried clone() before checking the command: %s", err);
	check_int(code, 127, "exit code of `hako run ROOTFS NOSUCHCMD`");
	free(err);

	/* The host's file, by absolute path: it exists here, but not in the rootfs. */
	char *a2[] = {b->rootfs, b->host_file};
	code = run_unprivileged(b, a2, 2, &err);
	check_contains(err, b->host_file, "stderr of `hako run ROOTFS /HOST/ONLY/FILE`");
	check_int(code, 127, "exit code of `hako run ROOTFS /HOST/ONLY/FILE`");
	free(err);
}

/* This test checks that the container's / is the rootfs: its marker file is there, and a
 * file of the host is not — looked at from inside, and from outside via /proc/PID/root. */
static void test_mount_host_paths_invisible(void **state)
{
	struct box *b;
	char script[PATH_MAX + 256], path[PATH_MAX + 64];

	b = box_setup(true);
	snprintf(script, sizeof(script),
	         "cat /%s; echo; test -e %s && echo host-file-visible; echo ready; read x || :",
	         b->marker, b->host_file);
	box_start(b, script);
	bool ready = box_wait_for(b, "ready");
	char *seen = NULL;
	bool host_seen = true;
	if (ready) {
		pid_t init = box_init_pid(b);
		snprintf(path, sizeof(path), "/proc/%d/root/%s", (int)init, b->marker);
		seen = slurp(path);
		snprintf(path, sizeof(path), "/proc/%d/root%s", (int)init, b->host_file);
		host_seen = access(path, F_OK) == 0;
	}
	int code = box_finish(b);
	check_box_ready(b, ready, "printed \"ready\"");
	check_that(strncmp(b->out_text, b->secret, strlen(b->secret)) == 0,
	           "inside, /%s should hold \"%s\"; the container printed \"%s\"", b->marker,
	           b->secret, b->out_text);
	check_that(strstr(b->out_text, "host-file-visible") == NULL,
	           "inside, the host's file %s is visible", b->host_file);
	check_str(seen, b->secret, "/proc/INIT/root/MARKER read from the host");
	check_that(!host_seen, "/proc/INIT/root%s exists: the host's files are reachable",
	           b->host_file);
	check_int(code, 0, "exit code of the container");
	free(seen);
}

/* This test checks that after pivot_root the old root is gone: the container's mount table
 * (as the kernel reports it for its init) holds the rootfs at / and only /proc, /sys, /dev
 * and what is under /dev. */
static void test_mount_old_root_detached(void **state)
{
	static const char *const allowed[] = {"/", "/proc", "/sys", "/dev"};
	static struct mnt m[MAX_MNT];
	struct box *b;
	int n = box_mount_table(&b, m);
	int roots = 0;
	char want_root[PATH_MAX];
	snprintf(want_root, sizeof(want_root), "/%s/rootfs", strrchr(b->dir, '/') + 1);
	for (int i = 0; i < n; i++) {
		bool ok = false;
		for (size_t j = 0; j < sizeof(allowed) / sizeof(allowed[0]); j++)
			ok |= strcmp(m[i].point, allowed[j]) == 0;
		ok |= strncmp(m[i].point, "/dev/", 5) == 0 && !strchr(m[i].point + 5, '/');
		/* Lesson 09 covers or freezes paths below /proc and /sys (masked, read-only). */
		ok |= strncmp(m[i].point, "/proc/", 6) == 0 || strncmp(m[i].point, "/sys/", 5) == 0;
		check_that(ok,
		           "the container has a mount at %s (%s %s): only /, /proc, /sys and /dev "
		           "should be there — is the old root still attached?",
		           m[i].point, m[i].fstype, m[i].source);
		/* Since lesson 11, / is an overlay with the rootfs as its lower layer (the
		 * overlay's own root is "/"); before it, a bind mount of the rootfs folder. */
		if (strcmp(m[i].point, "/") == 0 && strcmp(m[i].fstype, "overlay") == 0) {
			roots++;
			check_str(m[i].root, "/", "the root of the overlay mounted at /");
		} else if (strcmp(m[i].point, "/") == 0) {
			roots++;
			size_t lr = strlen(m[i].root), lw = strlen(want_root);
			check_that(
			    lr >= lw && strcmp(m[i].root + lr - lw, want_root) == 0,
			    "the container's / mounts %s, not the rootfs %s: is the old root "
			    "still stacked on / after pivot_root(\".\", \".\")? Detach it with "
			    "umount2(\".\", MNT_DETACH)",
			    m[i].root, b->rootfs);
		}
	}
	check_int(roots, 1, "number of mounts at / in the container");
}

/* This test checks that the chroot escape (mkdir, chroot, chdir("..") again and again,
 * chroot(".")) reaches the host's files from a chroot, but not from a hako container. */
static void test_mount_chroot_escape(void **state)
{
	struct box *b;
	struct hako_run r;
	char jail[PATH_MAX], prog[PATH_MAX], name[16], inside[32];

	b = box_setup(true);
	/* (a) From a plain chroot: the escape works (the demonstration's control). */
	snprintf(jail, sizeof(jail), "%s/jail", b->dir);
	mkdir(jail, 0755);
	snprintf(prog, sizeof(prog), "%s/chroot-escape", b->dir);
	copy_prog("chroot-escape", prog);
	char *a[] = {prog, "--jail", jail, b->host_file, NULL};
	run_prog(&r, a, WAIT_MS);
	check_contains(r.out, "ESCAPED", "chroot-escape --jail DIR HOSTFILE (a plain chroot)");
	hako_run_free(&r);

	/* (b) From inside the container. */
	hako_rand_name(name, 10);
	snprintf(prog, sizeof(prog), "%s/%s", b->rootfs, name);
	copy_prog("chroot-escape", prog);
	snprintf(inside, sizeof(inside), "/%s", name);
	char *c[] = {(char *)hako_prog("hako"), "run", b->rootfs, inside, b->host_file, NULL};
	run_prog(&r, c, WAIT_MS);
	check_that(strstr(r.out, "ESCAPED") == NULL,
	           "from inside the container, the chroot escape reached the host's %s: %s",
	           b->host_file, r.out);
	char what[1024];
	snprintf(what, sizeof(what),
	         "output of chroot-escape inside the container (hako exited %d; its stderr: "
	         "\"%.*s\")",
	         r.exit_code, quote_len(r.err), r.err);
	check_contains(r.out, "CONTAINED", what);
	check_int(r.exit_code, 0, "exit code of `hako run ROOTFS /chroot-escape HOSTFILE`");
	hako_run_free(&r);
}

/* This test checks that /proc inside lists only the container's processes: its init (PID
 * 1), the shell (PID 2) and the shell's N background children. */
static void test_mount_proc_only_container(void **state)
{
	struct box *b;
	struct hako_run r;
	char script[256], expect[256];
	int n = (int)hako_rand_range(2, 6);

	b = box_setup(true);
	/* `echo /proc/[0-9]*` runs in the shell itself: no extra process. */
	snprintf(script, sizeof(script), "for i in %.*s; do sleep 1000 & done; echo /proc/[0-9]*",
	         2 * n - 1, "1 2 3 4 5 6");
	int len = snprintf(expect, sizeof(expect), "/proc/1");
	for (int i = 2; i <= n + 2; i++)
		len += snprintf(expect + len, sizeof(expect) - len, " /proc/%d", i);
	snprintf(expect + len, sizeof(expect) - len, "\n");
	char *argv[] = {(char *)hako_prog("hako"), "run", b->rootfs, "/bin/sh", "-c", script, NULL};
	run_prog(&r, argv, WAIT_MS);
	char what[1024];
	snprintf(what, sizeof(what),
	         "the PIDs in /proc inside (init, sh, and sh's sleeps; hako exited %d, its stderr: "
	         "\"%.*s\")",
	         r.exit_code, quote_len(r.err), r.err);
	check_str(r.out, expect, what);
	check_int(r.exit_code, 0, "exit code");
	hako_run_free(&r);
}

/* This test checks that /sys is mounted in the container, read-only (every mount at or below
 * /sys carries "ro" in the container's mountinfo). */
static void test_mount_sys_read_only(void **state)
{
	static struct mnt m[MAX_MNT];
	struct box *b;
	int n = box_mount_table(&b, m), found = 0;
	/* More than one mount at "/": the old root is still stacked on the rootfs, and its /sys
	 * (the host's, read-write) is the one in sight. Say so, or MS_RDONLY looks wrong. */
	int roots = 0;
	for (int i = 0; i < n; i++)
		roots += strcmp(m[i].point, "/") == 0;
	for (int i = 0; i < n; i++) {
		if (strcmp(m[i].point, "/sys") != 0 && strncmp(m[i].point, "/sys/", 5) != 0)
			continue;
		found++;
		check_that(has_opt(m[i].opts, "ro"), "%s (%s) is mounted \"%s\", not read-only%s",
		           m[i].point, m[i].fstype, m[i].opts,
		           roots > 1 ? " — it is the host's: the container has more than one mount "
		                       "at /, so the old root was not detached after pivot_root"
		                     : "");
	}
	check_that(found > 0, "nothing is mounted on /sys in the container");
}

/* This test checks that /dev is a tmpfs of the container's own holding the six device nodes
 * (right numbers, mode 0666, working) and nothing of the host's /dev. */
static void test_mount_dev_minimal(void **state)
{
	static const struct {
		const char *name;
		unsigned int major, minor;
	} nodes[] = {{"null", 1, 3},   {"zero", 1, 5},    {"full", 1, 7},
	             {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0}};
	static const char *const ok_names[] = {
	    "null", "zero", "full",  "random", "urandom", "tty",     "pts",    "shm",
	    "ptmx", "fd",   "stdin", "stdout", "stderr",  "console", "mqueue", "core"};
	static struct mnt m[MAX_MNT];
	struct stat st[6];
	int st_ok[6] = {0}, n = 0;
	char script[256], path[128], extra[256] = "";
	int k = (int)hako_rand_range(100, 4000);
	struct box *b;

	b = box_setup(true);
	snprintf(script, sizeof(script),
	         "head -c %d /dev/urandom | wc -c; echo x >/dev/null && echo null-ok; "
	         "echo ready; read x || :",
	         k);
	box_start(b, script);
	bool ready = box_wait_for(b, "ready");
	if (ready) {
		pid_t init = box_init_pid(b);
		n = box_mounts(b, init, m);
		for (int i = 0; i < 6; i++) {
			snprintf(path, sizeof(path), "/proc/%d/root/dev/%s", (int)init,
			         nodes[i].name);
			st_ok[i] = lstat(path, &st[i]) == 0;
		}
		snprintf(path, sizeof(path), "/proc/%d/root/dev", (int)init);
		DIR *d = opendir(path);
		struct dirent *e;
		while (d && (e = readdir(d)) != NULL) {
			bool ok = e->d_name[0] == '.';
			for (size_t j = 0; j < sizeof(ok_names) / sizeof(ok_names[0]); j++)
				ok |= strcmp(e->d_name, ok_names[j]) == 0;
			if (!ok && strlen(extra) + strlen(e->d_name) + 2 < sizeof(extra)) {
				strcat(extra, " ");
				strcat(extra, e->d_name);
			}
		}
		if (d)
			closedir(d);
	}
	box_finish(b);
	check_box_ready(b, ready, "printed \"ready\"");

	bool dev_tmpfs = false;
	for (int i = 0; i < n; i++)
		if (strcmp(m[i].point, "/dev") == 0)
			dev_tmpfs = strcmp(m[i].fstype, "tmpfs") == 0;
	check_that(dev_tmpfs, "/dev in the container is not a tmpfs of its own");
	for (int i = 0; i < 6; i++) {
		check_that(st_ok[i], "/dev/%s is missing in the container", nodes[i].name);
		check_that(S_ISCHR(st[i].st_mode), "/dev/%s is not a character device",
		           nodes[i].name);
		check_that(major(st[i].st_rdev) == nodes[i].major &&
		               minor(st[i].st_rdev) == nodes[i].minor,
		           "/dev/%s is device %u:%u, expected %u:%u", nodes[i].name,
		           major(st[i].st_rdev), minor(st[i].st_rdev), nodes[i].major,
		           nodes[i].minor);
		check_that((st[i].st_mode & 0777) == 0666, "/dev/%s has mode %o, expected 666",
		           nodes[i].name, st[i].st_mode & 0777);
	}
	check_that(extra[0] == '\0', "the container's /dev holds more than it should:%s", extra);
	char expect[64];
	snprintf(expect, sizeof(expect), "%d\nnull-ok\n", k);
	check_contains(b->out_text, expect, "`head -c N /dev/urandom | wc -c; echo x >/dev/null`");
}

/* This test checks that the container has /dev/pts (a devpts of its own, not the host's) and
 * /dev/shm (a tmpfs), and /dev/ptmx. */
static void test_mount_dev_pts_shm(void **state)
{
	static struct mnt m[MAX_MNT];
	struct stat host_pts, pts, ptmx;
	bool pts_ok = false, ptmx_ok = false;
	int n = 0;
	struct box *b;
	char path[128];

	b = box_setup(true);
	box_start(b, "echo ready; read x || :");
	bool ready = box_wait_for(b, "ready");
	if (ready) {
		pid_t init = box_init_pid(b);
		n = box_mounts(b, init, m);
		snprintf(path, sizeof(path), "/proc/%d/root/dev/pts", (int)init);
		pts_ok = stat(path, &pts) == 0;
		snprintf(path, sizeof(path), "/proc/%d/root/dev/ptmx", (int)init);
		ptmx_ok = lstat(path, &ptmx) == 0;
	}
	box_finish(b);
	check_box_ready(b, ready, "printed \"ready\"");

	const char *pts_type = NULL, *shm_type = NULL;
	for (int i = 0; i < n; i++) {
		if (strcmp(m[i].point, "/dev/pts") == 0)
			pts_type = m[i].fstype;
		if (strcmp(m[i].point, "/dev/shm") == 0)
			shm_type = m[i].fstype;
	}
	check_str(pts_type, "devpts", "filesystem type mounted on /dev/pts in the container");
	check_str(shm_type, "tmpfs", "filesystem type mounted on /dev/shm in the container");
	check_that(pts_ok, "/dev/pts is missing in the container");
	if (stat("/dev/pts", &host_pts) == 0)
		check_that(pts.st_dev != host_pts.st_dev,
		           "the container's /dev/pts is the host's devpts: mount a new instance");
	check_that(ptmx_ok, "/dev/ptmx is missing in the container");
}

/* This test checks that a mount made inside the container does not appear in the host's
 * /proc/self/mountinfo, and that the rootfs itself is not mounted on the host either. */
static void test_mount_not_propagated(void **state)
{
	static struct mnt m[MAX_MNT], h[MAX_MNT];
	struct box *b;
	char source[32], script[128];
	int n = 0;

	b = box_setup(true);
	strcpy(source, "hako-");
	hako_rand_name(source + 5, 12);
	snprintf(script, sizeof(script),
	         "mount -t tmpfs %s /tmp && echo ready; read x || :", source);
	box_start_admin(b, script);
	bool ready = box_wait_for(b, "ready");
	char *host = NULL;
	if (ready) {
		n = box_mounts(b, box_init_pid(b), m);
		host = slurp("/proc/self/mountinfo");
	}
	box_finish(b);
	check_box_ready(b, ready, "mounted its tmpfs");

	bool inside = false;
	for (int i = 0; i < n; i++)
		inside |= strcmp(m[i].source, source) == 0 && strcmp(m[i].point, "/tmp") == 0;
	check_that(inside, "the container's mountinfo has no tmpfs %s on /tmp", source);
	int hn = parse_mountinfo(host, h, MAX_MNT);
	free(host);
	for (int i = 0; i < hn; i++) {
		check_that(strcmp(h[i].source, source) != 0,
		           "the tmpfs %s mounted inside the container appeared on the host at %s: "
		           "were the mounts made private first?",
		           source, h[i].point);
		check_that(
		    strncmp(h[i].point, b->rootfs, strlen(b->rootfs)) != 0,
		    "the host has a mount at %s (%s), inside the rootfs, while the container "
		    "runs: were the mounts made private first?",
		    h[i].point, h[i].fstype);
	}
}

/* Run `hako run ROOTFS /bin/sh -c SCRIPT` to the end; returns its exit code. WHAT (of size
 * LEN) gets "DESC" and, if hako printed anything on stderr, that text, for a failure message. */
static int box_run(struct box *b, const char *script, const char *desc, char *what, size_t len)
{
	struct hako_run r;
	char *argv[] = {
	    (char *)hako_prog("hako"), "run", b->rootfs, "/bin/sh", "-c", (char *)script, NULL};

	run_prog(&r, argv, WAIT_MS);
	int code = r.exit_code;
	if (r.err && r.err[0])
		snprintf(what, len, "%s (hako's stderr: \"%.*s\")", desc, quote_len(r.err), r.err);
	else
		snprintf(what, len, "%s", desc);
	hako_run_free(&r);
	return code;
}

/* The names in folder PATH, sorted and joined by spaces (malloc'd). */
static char *listing(const char *path)
{
	struct dirent **list;
	int n = scandir(path, &list, NULL, alphasort);
	size_t len = 1;
	char *s;

	for (int i = 0; i < n; i++)
		len += strlen(list[i]->d_name) + 1;
	s = calloc(1, len);
	for (int i = 0; i < n; i++) {
		strcat(s, list[i]->d_name);
		strcat(s, " ");
		free(list[i]);
	}
	if (n >= 0)
		free(list);
	return s;
}

/* Check that the host's mount table and the rootfs's folders are as they were (BEFORE_*). */
static void check_nothing_left(struct box *b, const char *before_mnt, const char *before_top,
                               const char *how)
{
	char *after = slurp("/proc/self/mountinfo"), path[PATH_MAX + 8];
	static const char *const empty[] = {"dev", "proc", "sys"};

	check_that(after != NULL, "read /proc/self/mountinfo: %s", strerror(errno));
	/* Name the mounts that are new (or gone), by where they are and what they are. */
	static struct mnt old[MAX_MNT], now[MAX_MNT];
	int n_old = parse_mountinfo(before_mnt, old, MAX_MNT);
	int n_now = parse_mountinfo(after, now, MAX_MNT);
	char diff[1024] = "";
	for (int i = 0; i < n_now; i++) {
		bool seen = false;
		for (int j = 0; j < n_old && !seen; j++)
			seen = strcmp(now[i].point, old[j].point) == 0 &&
			       strcmp(now[i].fstype, old[j].fstype) == 0 &&
			       strcmp(now[i].source, old[j].source) == 0;
		if (!seen && strlen(diff) < sizeof(diff) - PATH_MAX / 8)
			snprintf(diff + strlen(diff), sizeof(diff) - strlen(diff),
			         "\n  + %.200s (%s %s)", now[i].point, now[i].fstype,
			         now[i].source);
	}
	check_that(diff[0] == '\0' && n_now == n_old,
	           "after %s, the host's mount table has %d mounts instead of %d; new ones:%s\n"
	           "(mounts made before the mounts were private reached the host)",
	           how, n_now, n_old, diff[0] ? diff : " none");
	free(after);
	char *top = listing(b->rootfs);
	check_str(top, before_top, "the rootfs's top folder after the container ended");
	free(top);
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", b->rootfs, empty[i]);
		char *l = listing(path);
		check_str(l, ". .. ",
		          "what the container left in the rootfs's own (unmounted) folder");
		free(l);
	}
}

/* This test checks that a file system mounted inside the rootfs (as a volume would be)
 * comes along into the container: ROOTFS is bound with everything mounted below it. */
static void test_mount_rootfs_submounts_kept(void **state)
{
	struct box *b;
	char sub[16], secret[24], path[PATH_MAX + 64], got[32] = "";

	b = box_setup(true);
	hako_rand_name(sub, 10);
	hako_rand_name(secret, 20);
	snprintf(path, sizeof(path), "%s/%s", b->rootfs, sub);
	check_that(mkdir(path, 0755) == 0, "mkdir %s: %s", path, strerror(errno));
	check_that(mount("hako-test", path, "tmpfs", 0, "size=64k") == 0, "mount tmpfs on %s: %s",
	           path, strerror(errno));
	snprintf(path, sizeof(path), "%s/%s/file", b->rootfs, sub);
	hako_write_file(path, secret);
	/* mount_enter_rootfs() itself, in a child with a mount namespace of its own: from
	 * lesson 11 on, `hako run` puts an overlay over the rootfs folder, and an overlay's
	 * lower layer never shows the file systems mounted below it. */
	int pipefd[2];
	check_that(pipe(pipefd) == 0, "pipe: %s", strerror(errno));
	pid_t pid = fork();
	check_that(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		char file[64], buf[32] = "";
		close(pipefd[0]);
		if (unshare(CLONE_NEWNS) < 0 || mount_enter_rootfs(b->rootfs) < 0)
			_exit(2);
		snprintf(file, sizeof(file), "/%s/file", sub);
		int fd = open(file, O_RDONLY);
		ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
		if (n > 0 && write(pipefd[1], buf, (size_t)n) < 0)
			_exit(3);
		_exit(n > 0 ? 0 : 1);
	}
	close(pipefd[1]);
	ssize_t n = read(pipefd[0], got, sizeof(got) - 1);
	got[n > 0 ? n : 0] = '\0';
	close(pipefd[0]);
	int status;
	waitpid(pid, &status, 0);
	snprintf(path, sizeof(path), "%s/%s", b->rootfs, sub);
	umount2(path, MNT_DETACH);
	check_that(WIFEXITED(status) && WEXITSTATUS(status) != 2,
	           "mount_enter_rootfs(ROOTFS) failed in a child with its own mount namespace");
	check_str(got, secret,
	          "/SUB/file after mount_enter_rootfs(ROOTFS), SUB a tmpfs mounted inside ROOTFS "
	          "(the bind of the rootfs must be recursive)");
}

/* This test checks that after a container exits, nothing it mounted is still mounted on the
 * host and the rootfs folder is as before. */
static void test_mount_clean_after_exit(void **state)
{
	struct box *b;
	char script[64];
	int code = (int)hako_rand_range(1, 100);

	b = box_setup(true);
	char *before = slurp("/proc/self/mountinfo");
	char *top = listing(b->rootfs);
	char what0[1024], what1[1024];
	int code0 = box_run(b, "ls / >/dev/null", "exit code of a container that exits 0", what0,
	                    sizeof(what0));
	snprintf(script, sizeof(script), "exit %d", code);
	int code1 =
	    box_run(b, script, "exit code of a container that exits N", what1, sizeof(what1));
	check_nothing_left(b, before, top, "two containers exited");
	check_int(code0, 0, what0);
	check_int(code1, code, what1);
	free(before);
	free(top);
}

/* This test checks that nothing stays mounted after the container's command is killed by
 * SIGKILL. */
static void test_mount_clean_after_workload_killed(void **state)
{
	struct box *b;

	b = box_setup(true);
	char *before = slurp("/proc/self/mountinfo");
	char *top = listing(b->rootfs);
	char what[1024];
	int code =
	    box_run(b, "kill -9 $$", "exit code of a container whose command was killed by SIGKILL",
	            what, sizeof(what));
	check_nothing_left(b, before, top, "SIGKILL of the container's command");
	check_int(code, 128 + SIGKILL, what);
	free(before);
	free(top);
}

/* This test checks that SIGTERM to hako ends the container (exit 143), its processes are
 * gone, and nothing stays mounted. */
static void test_mount_clean_after_sigterm(void **state)
{
	struct box *b;
	pid_t init = 0;
	char path[64];

	b = box_setup(true);
	char *before = slurp("/proc/self/mountinfo");
	char *top = listing(b->rootfs);
	box_start(b, "echo ready; exec sleep 1000");
	bool ready = box_wait_for(b, "ready");
	if (ready) {
		init = box_init_pid(b);
		kill(b->pid, SIGTERM); /* the hako this test started */
	}
	int code = box_finish(b);
	check_nothing_left(b, before, top, "SIGTERM to hako");
	check_box_ready(b, ready, "printed \"ready\"");
	check_int(code, 128 + SIGTERM, "exit code of hako after SIGTERM");
	snprintf(path, sizeof(path), "/proc/%d", (int)init);
	check_that(access(path, F_OK) != 0, "the container's init (pid %d) still exists",
	           (int)init);
	free(before);
	free(top);
}

/* 0 if an unprivileged user (65534) may create a user namespace here, else the errno. */
static int nobody_userns_errno(void)
{
	int wstatus;
	pid_t pid = fork();

	if (pid == 0) {
		if (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0)
			_exit(EPERM);
		_exit(unshare(CLONE_NEWUSER) < 0 ? errno : 0);
	}
	if (pid < 0 || waitpid(pid, &wstatus, 0) != pid || !WIFEXITED(wstatus))
		return EIO;
	return WEXITSTATUS(wstatus);
}

/* This test checks that a rootless container (an unprivileged user; hako makes a user
 * namespace by itself) still gets a working /dev: mknod fails there, so the nodes must be
 * bind-mounted from the host — and nothing may then chmod the host's own nodes. */
static void test_mount_rootless_dev(void **state)
{
	struct box *b;
	char script[256], expect[32], *err;
	int k = (int)hako_rand_range(100, 4000);

	hako_require_root(); /* to become the unprivileged user */
	int e = nobody_userns_errno();
	if (e)
		hako_skip("needs unprivileged user namespaces (unshare as uid 65534: %s): see "
		          "`make doctor`",
		          strerror(e));
	b = box_setup(false);
	snprintf(script, sizeof(script),
	         "echo x >/dev/null && head -c %d /dev/zero | wc -c && "
	         "head -c 8 /dev/urandom | wc -c && echo dev-ok",
	         k);
	char *args[] = {"--net", "none", b->rootfs, "/bin/sh", "-c", script};
	int code = run_unprivileged(b, args, 6, &err);
	snprintf(expect, sizeof(expect), "%d\n8\ndev-ok\n", k);
	check_that(code == 0,
	           "a rootless `hako run --net none ROOTFS sh` (as uid 65534) exited %d: %s "
	           "(mknod is not allowed in a user namespace: bind-mount the host's node "
	           "onto an empty file instead, and do not chmod it)",
	           code, err ? err : "");
	check_str(b->out_text, expect, "what the rootless container read from /dev");
	free(err);
}

HAKO_TEST_MAIN(HAKO_TEST(test_mount_check_rootfs), HAKO_TEST(test_mount_check_command),
               HAKO_TEST(test_mount_check_command_in_root), HAKO_TEST(test_mount_hako_bad_rootfs),
               HAKO_TEST(test_mount_hako_command_missing),
               HAKO_TEST(test_mount_host_paths_invisible), HAKO_TEST(test_mount_old_root_detached),
               HAKO_TEST(test_mount_chroot_escape), HAKO_TEST(test_mount_proc_only_container),
               HAKO_TEST(test_mount_sys_read_only), HAKO_TEST(test_mount_dev_minimal),
               HAKO_TEST(test_mount_dev_pts_shm), HAKO_TEST(test_mount_not_propagated),
               HAKO_TEST(test_mount_clean_after_exit),
               HAKO_TEST(test_mount_clean_after_workload_killed),
               HAKO_TEST(test_mount_clean_after_sigterm), HAKO_TEST(test_mount_rootless_dev),
               HAKO_TEST(test_mount_rootfs_submounts_kept))
