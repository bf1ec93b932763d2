/* cgroup.c: lesson 07 — limit a container's memory, CPU and processes with a cgroup. */
#include "cgroup_ops.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>

/* ---- Reading and writing cgroup files ---- */

int cg_write(const char *dir, const char *file, const char *fmt, ...)
{
	char path[PATH_MAX], text[256];
	va_list ap;
	int fd, n, err = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	va_start(ap, fmt);
	n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	/* No O_CREAT: a cgroup's files are made by the kernel, and one that is missing means the
	 * kernel lacks the feature (memory.memsw.* without swap accounting, say). */
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		/* A file missing from a folder that is there: the caller decides (quietly). */
		if (err == -ENOENT && access(dir, F_OK) == 0)
			return err;
	} else {
		/* One write(2): the kernel parses each write on its own. */
		ssize_t done = write(fd, text, (size_t)n);
		if (done < 0)
			err = -errno;
		else if (done != n)
			err = -EIO;
		close(fd);
	}
	if (err < 0)
		fprintf(stderr, "hako: write \"%s\" to %s: %s\n", text, path, strerror(-err));
	return err;
}

int cg_read(const char *dir, const char *file, char *buf, size_t len)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	int err = n < 0 ? -errno : 0;
	close(fd);
	if (err < 0)
		return err;
	buf[n] = '\0';
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return 0;
}

int cg_read_key(const char *dir, const char *file, const char *key, long long *value)
{
	char buf[4096];
	size_t klen = strlen(key);
	int err = cg_read(dir, file, buf, sizeof(buf));

	if (err < 0)
		return err;
	for (char *line = buf; line; line = strchr(line, '\n')) {
		if (*line == '\n')
			line++;
		if (strncmp(line, key, klen) == 0 && line[klen] == ' ') {
			*value = strtoll(line + klen + 1, NULL, 10);
			return 0;
		}
	}
	return -ENOENT;
}

/* ---- Docker's units ---- */

int cgroup_parse_size(const char *text, long long *bytes)
{
	/// TODO(07): Parse TEXT as `docker run --memory` does into *BYTES: 0 or -EINVAL.
	/// The grammar: digits, maybe a fraction (a point and at least one more digit: "1.5"),
	/// maybe a unit k, m, g or t in either case (1024, 1024^2, ...), maybe a "b" or "ib"
	/// after the unit (or a lone "b"), and nothing else. "512m" -> 536870912,
	/// "1.5g" -> 1610612736 (round down), "4096" -> 4096. Anything else is -EINVAL: "",
	/// "m", "12x", "-1", ".5g", "1.g", "1..5g", "5mm", "5i"; so is a value too big for a
	/// long long. Integers only: a double cannot hold every large size exactly. Beware the
	/// fraction: its digits times the unit overflow 64 bits ("0.999999999t" is 9 digits
	/// times 2^40). README: "Docker's units".
	return -ENOSYS;
}

int cgroup_parse_cpus(const char *text, long long *cpu_max)
{
	/// TODO(07): Turn `--cpus TEXT` into a CFS quota in *CPU_MAX: 0 or -EINVAL. Docker
	/// makes nano-CPUs (0.5 * 10^9), then quota = nanocpus * CGROUP_CPU_PERIOD / 10^9
	/// microseconds per period: "0.5" -> 50000, "2" -> 200000, "1.25" -> 125000. Accept
	/// 1 to 6 digits, then maybe a point and 1 to 9 digits, and nothing else; -EINVAL for
	/// the rest ("", ".5", "1.", "0.5x", "-1") and for less than 0.01 CPU (the kernel
	/// refuses a quota under 1000 us). Integers only, and mind that 6 digits' worth of
	/// nano-CPUs times the period does not fit in 64 bits. README: "Docker's units".
	return -ENOSYS;
}

/* ---- Which cgroup version serves each controller ---- */

int cgroup_detect_mode(const char *path)
{
	/// TODO(07): Tell the layouts apart as systemd and runc do, by the type of filesystem
	/// mounted at PATH (and, when that is a tmpfs, at PATH/unified): return CGROUP_UNIFIED,
	/// CGROUP_HYBRID or CGROUP_LEGACY, or -errno if PATH cannot be examined. README:
	/// "Telling them apart"; statfs(2); the magic numbers are in <linux/magic.h>.
	return -ENOSYS;
}

/* The controllers as data: the v1 hierarchy's folder, and the name v2 lists in
 * cgroup.controllers (NULL: the files are always there, as cpu.stat's usage_usec is). */
static const struct controller {
	const char *v1;
	const char *v2;
} controllers[CGROUP_NCONTROLLERS] = {
    [CGROUP_MEMORY] = {.v1 = "memory", .v2 = "memory"},
    [CGROUP_CPU] = {.v1 = "cpu", .v2 = "cpu"},
    [CGROUP_CPUACCT] = {.v1 = "cpuacct", .v2 = NULL},
    [CGROUP_PIDS] = {.v1 = "pids", .v2 = "pids"},
};

/* True if the word NAME is in the space-separated list in DIR/cgroup.controllers. */
static bool v2_lists(const char *dir, const char *name)
{
	char buf[1024];

	if (cg_read(dir, "cgroup.controllers", buf, sizeof(buf)) < 0)
		return false;
	for (char *w = strtok(buf, " \n"); w; w = strtok(NULL, " \n"))
		if (strcmp(w, name) == 0)
			return true;
	return false;
}

/*
 * Decide, for each controller, which hierarchy serves it and where NAME's folder is:
 *
 *   unified:  ROOT/hako/NAME                      for all of them (v2)
 *   hybrid:   ROOT/unified/hako/NAME              for those the v2 hierarchy lists (v2),
 *             ROOT/<controller>/hako/NAME         for the rest (v1)
 *   legacy:   ROOT/<controller>/hako/NAME         (v1)
 *
 * A v1 hierarchy is often mounted once for two controllers (cpu,cpuacct) with symlinks for
 * each name; realpath() makes those two folders the same string.
 */
static int layout(const struct cgroup_root *root, const char *name, struct hako_cgroup *cg)
{
	char v2root[PATH_MAX], path[PATH_MAX], real[PATH_MAX];

	if (strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || !*name)
		return -EINVAL;
	snprintf(v2root, sizeof(v2root), "%s%s", root->path,
	         root->mode == CGROUP_HYBRID ? "/unified" : "");
	for (int c = 0; c < CGROUP_NCONTROLLERS; c++) {
		const struct controller *ctl = &controllers[c];
		bool v2 = false;

		if (root->mode == CGROUP_UNIFIED)
			v2 = !ctl->v2 || v2_lists(v2root, ctl->v2);
		else if (root->mode == CGROUP_HYBRID)
			v2 = ctl->v2 && v2_lists(v2root, ctl->v2);
		if (v2) {
			cg->ops[c] = &cgroup_v2_ops;
			cg->root[c] = strdup(v2root);
		} else if (root->mode != CGROUP_UNIFIED) {
			snprintf(path, sizeof(path), "%s/%s", root->path, ctl->v1);
			if (!realpath(path, real))
				continue; /* this hierarchy is not mounted */
			cg->ops[c] = &cgroup_v1_ops;
			cg->root[c] = strdup(real);
		} else {
			continue;
		}
		if (!cg->root[c] ||
		    asprintf(&cg->dir[c], "%s/%s/%s", cg->root[c], CGROUP_PARENT, name) < 0) {
			cg->dir[c] = NULL;
			return -ENOMEM;
		}
	}
	return 0;
}

/* True if controller C's folder is the same as an earlier controller's (v2, or cpu,cpuacct),
 * so that each folder is made, joined and removed once. */
static bool seen_before(const struct hako_cgroup *cg, int c)
{
	for (int i = 0; i < c; i++)
		if (cg->dir[i] && strcmp(cg->dir[i], cg->dir[c]) == 0)
			return true;
	return false;
}

/* ---- Making and removing the folders ---- */

/* SIGKILL every process listed in DIR/cgroup.procs: what the container left behind. Only
 * on a real cgroup filesystem: in a test's fake tree the file is just text. */
static void kill_procs(const char *dir)
{
	char buf[4096];
	struct statfs fs;

	if (statfs(dir, &fs) < 0 ||
	    (fs.f_type != CGROUP_SUPER_MAGIC && fs.f_type != CGROUP2_SUPER_MAGIC))
		return;
	if (cg_read(dir, "cgroup.procs", buf, sizeof(buf)) < 0)
		return;
	for (char *w = strtok(buf, "\n"); w; w = strtok(NULL, "\n"))
		kill((pid_t)atoi(w), SIGKILL);
}

/*
 * Remove the cgroup folder DIR. Its control files do not count: rmdir(2) on cgroupfs works
 * once no process and no child cgroup is left. The container's init has exited when we get
 * here and cgroup_destroy has killed what it left behind, but dying processes take a moment
 * to leave (and a leftover may have forked meanwhile): while the cgroup is busy, kill what
 * is listed again and retry, for about a second.
 */
static int remove_dir(const char *dir)
{
	/// TODO(07): Remove DIR as the comment above says: 0 once it is gone (a folder that is
	/// already gone counts), -EBUSY if it is still busy after about a second, -errno for
	/// any other failure. rmdir(2) lists the error a busy folder gives.
	return -ENOSYS;
}

/*
 * Remove the cgroups that crashed runs left in the hako parent PARENT. run.c names a
 * container's cgroup "hako-PID" after the hako process that made it (tests add "-SUFFIX"):
 * if that process is gone, so is the owner. rmdir only succeeds on an empty cgroup, so one
 * whose processes still run is left alone.
 */
static void sweep_stale(const char *parent)
{
	/// TODO(07): Remove every folder in PARENT named "hako-PID" (or "hako-PID-SUFFIX": PID
	/// is digits, then the end of the name or a '-') whose PID no longer exists. Leave
	/// everything else alone; a PARENT that does not exist yet is not an error, and
	/// neither is a folder that will not go (it still has processes): nothing to report.
	/// See opendir(3), readdir(3), and kill(2) for asking whether a process exists.
}

/*
 * Make controller C's folder: the hako parent (shared by every container: it may exist),
 * its controllers switched on (v2), then the container's own cgroup. Like every step of
 * cgroup_create_at, a failure is printed here, once, naming the call and the folder.
 */
static int make_dir(const struct hako_cgroup *cg, int c)
{
	char parent[PATH_MAX];
	int err;

	snprintf(parent, sizeof(parent), "%s/%s", cg->root[c], CGROUP_PARENT);
	if (mkdir(parent, 0755) < 0 && errno != EEXIST) {
		err = -errno;
		fprintf(stderr, "hako: mkdir %s: %s\n", parent, strerror(errno));
		return err;
	}
	if (cg->ops[c]->prepare_parent &&
	    (err = cg->ops[c]->prepare_parent(cg->root[c], parent)) < 0) {
		/* cg_write printed any failed write, but for a file that is not there (-ENOENT,
		 * cgroup.controllers or cgroup.subtree_control): say that one here. */
		if (err == -ENOENT)
			fprintf(stderr, "hako: switch on controllers for %s: %s\n", parent,
			        strerror(-err));
		return err;
	}
	sweep_stale(parent);

	/// TODO(07): Make the container's folder cg->dir[c] (mode 0755); the kernel fills it
	/// with control files. Return 0, or a negative errno after printing which call failed
	/// on which folder ("hako: mkdir DIR: reason"): this is the only message hako prints
	/// for it. A folder that already exists is left over from an earlier run with the same
	/// name: if processes are in it, it is in use (say so, and return -EBUSY, touching
	/// nothing); otherwise replace it with a fresh one. Most fake-tree tests go this way:
	/// their fake tree already has hako/NAME with empty control files in it (as the kernel
	/// would make them), and removing a folder that holds plain files fails with ENOTEMPTY:
	/// then use the folder as it is (return 0). README: "Running the tests".
	return -ENOSYS;
}

int cgroup_create_at(const struct cgroup_root *root, const struct hako_config *cfg,
                     const char *name, struct hako_cgroup **out)
{
	struct hako_cgroup *cg = calloc(1, sizeof(*cg));
	int err;

	if (!cg) {
		err = -ENOMEM;
		fprintf(stderr, "hako: cgroup %s: %s\n", name, strerror(-err));
		return err;
	}
	err = layout(root, name, cg);
	if (err < 0) {
		fprintf(stderr, "hako: cgroup %s/%s: %s\n", CGROUP_PARENT, name, strerror(-err));
		goto bad;
	}
	/// TODO(07): Fail before anything is made if a limit in CFG (memory, cpu_max,
	/// pids_limit) has no controller to serve it here (layout() left its folder NULL):
	/// print which option needs which controller, and end with err = -ENODEV at bad.

	/* Every folder once; cgroup_destroy removes the ones made, if a later step fails. */
	cg->owned = true;
	for (int c = 0; c < CGROUP_NCONTROLLERS; c++) {
		if (!cg->dir[c] || seen_before(cg, c))
			continue;
		if ((err = make_dir(cg, c)) < 0) {
			/* Not made, this one and the rest: nothing of theirs to remove. */
			for (int i = c; i < CGROUP_NCONTROLLERS; i++) {
				free(cg->dir[i]);
				cg->dir[i] = NULL;
			}
			goto bad;
		}
	}

	/* The limits, each in the words of the version that serves it (cgroup_v1.c, _v2.c).
	 * cg_write printed a write that failed; a control file that is not there (-ENOENT) it
	 * leaves to us: this kernel lacks the feature the option needs. */
	const char *option = "--memory";
	int c = CGROUP_MEMORY;
	if (cfg->memory && (err = cg->ops[c]->set_memory(cg->dir[c], cfg->memory)) < 0)
		goto limit;
	option = "--cpus";
	c = CGROUP_CPU;
	if (cfg->cpu_max && (err = cg->ops[c]->set_cpu(cg->dir[c], cfg->cpu_max)) < 0)
		goto limit;
	option = "--pids-limit";
	c = CGROUP_PIDS;
	if (cfg->pids_limit && (err = cg->ops[c]->set_pids(cg->dir[c], cfg->pids_limit)) < 0)
		goto limit;
	*out = cg;
	return 0;
limit:
	if (err == -ENOENT)
		fprintf(stderr, "hako: %s: a file it needs is not in %s (this kernel lacks it)\n",
		        option, cg->dir[c]);
bad:
	cgroup_destroy(cg);
	return err;
}

int cgroup_create(const struct hako_config *cfg, const char *name, struct hako_cgroup **out)
{
	int mode = cgroup_detect_mode(CGROUP_MOUNT);

	if (mode < 0) {
		if (mode != -ENOSYS) /* not written yet: run.c says so */
			fprintf(stderr, "hako: statfs %s: %s\n", CGROUP_MOUNT, strerror(-mode));
		return mode;
	}
	struct cgroup_root root = {.path = CGROUP_MOUNT, .mode = mode};
	return cgroup_create_at(&root, cfg, name, out);
}

int cgroup_attach(struct hako_cgroup *cg, pid_t pid)
{
	/// TODO(07): Move PID into the container's cgroup, in every hierarchy that serves one
	/// of its controllers (on v1 each hierarchy is joined on its own), and once per
	/// distinct folder (see the Pitfalls on cpu,cpuacct). 0 or the first negative errno
	/// (cg_write has printed it). README: "A cgroup is a folder".
	return -ENOSYS;
}

int cgroup_enter_ns(void)
{
	/// TODO(07): Put the calling process into a new cgroup namespace: 0 or -errno. Its root
	/// is the cgroup this process is in right now, which is why the child does this only
	/// after the parent attached it: /proc/self/cgroup then shows "/" instead of the
	/// host's path (hako/hako-1234), and the container cannot see the cgroups around it.
	/// See cgroup_namespaces(7).
	return -ENOSYS;
}

int cgroup_oom_killed(struct hako_cgroup *cg)
{
	if (!cg || !cg->dir[CGROUP_MEMORY])
		return 0;
	return cg->ops[CGROUP_MEMORY]->oom_killed(cg->dir[CGROUP_MEMORY]);
}

const char *cgroup_dir(const struct hako_cgroup *cg, enum cgroup_controller c, int *version)
{
	if (!cg || c < 0 || c >= CGROUP_NCONTROLLERS || !cg->dir[c])
		return NULL;
	if (version)
		*version = cg->ops[c]->version;
	return cg->dir[c];
}

/* The container name in a /proc/PID/cgroup path such as "/hako/hako-1234/...", or NULL. */
static char *name_in_path(char *path)
{
	char *p = strstr(path, "/" CGROUP_PARENT "/");

	if (!p)
		return NULL;
	p += strlen("/" CGROUP_PARENT "/");
	p[strcspn(p, "/\n")] = '\0';
	return *p ? p : NULL;
}

int cgroup_open_pid(pid_t pid, struct hako_cgroup **out)
{
	char path[64], line[PATH_MAX], name[PATH_MAX] = "";
	struct hako_cgroup *cg;
	FILE *f;
	int mode, err;

	/* Lines are "ID:CONTROLLERS:PATH" (v2's is "0::PATH"); any of them names the cgroup. */
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -ESRCH;
	while (!name[0] && fgets(line, sizeof(line), f)) {
		char *p = strchr(line, ':');
		p = p ? strchr(p + 1, ':') : NULL;
		char *n = p ? name_in_path(p + 1) : NULL;
		if (n)
			snprintf(name, sizeof(name), "%s", n);
	}
	fclose(f);
	if (!name[0]) /* not inside a container: maybe the `hako run` that made one */
		snprintf(name, sizeof(name), "hako-%d", (int)pid);

	if ((mode = cgroup_detect_mode(CGROUP_MOUNT)) < 0)
		return mode;
	struct cgroup_root root = {.path = CGROUP_MOUNT, .mode = mode};
	if (!(cg = calloc(1, sizeof(*cg))))
		return -ENOMEM;
	err = layout(&root, name, cg);
	for (int c = 0; c < CGROUP_NCONTROLLERS; c++)
		if (cg->dir[c] && access(cg->dir[c], F_OK) < 0) {
			free(cg->dir[c]);
			cg->dir[c] = NULL;
		}
	if (err == 0 && !cg->dir[CGROUP_MEMORY] && !cg->dir[CGROUP_CPUACCT] &&
	    !cg->dir[CGROUP_PIDS])
		err = -ESRCH;
	if (err < 0) {
		cgroup_destroy(cg);
		return err;
	}
	*out = cg;
	return 0;
}

/*
 * cgroup_destroy runs on clean-up paths (after the container, or after a failed step) where
 * no caller waits for an error: a folder it cannot remove is printed here, one line each, as
 * "hako: rmdir DIR: reason", and it goes on with the others. A folder already gone counts as
 * removed; a leftover named hako-PID is swept by the next cgroup_create (sweep_stale).
 */
void cgroup_destroy(struct hako_cgroup *cg)
{
	if (!cg)
		return;
	/* The last folder first: the reverse of the order they were made in. */
	for (int c = CGROUP_NCONTROLLERS - 1; c >= 0; c--) {
		if (cg->owned && cg->dir[c] && !seen_before(cg, c)) {
			kill_procs(cg->dir[c]);
			int err = remove_dir(cg->dir[c]);
			if (err < 0 && err != -ENOTEMPTY) /* ENOTEMPTY: a test's fake tree */
				fprintf(stderr, "hako: rmdir %s: %s\n", cg->dir[c], strerror(-err));
		}
	}
	for (int c = 0; c < CGROUP_NCONTROLLERS; c++) {
		free(cg->dir[c]);
		free(cg->root[c]);
	}
	free(cg);
}

void cgroup_release(struct hako_cgroup *cg)
{
	if (cg)
		cg->owned = false;
	cgroup_destroy(cg);
}
