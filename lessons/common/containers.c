/* containers.c: detached containers — `hako run -d`, ps, logs, stop, kill, rm, exec (given,
 * not an exercise: lesson 14's parts are lifecycle.c and exec.c). The files of
 * STATE_ROOT/NAME/ are listed in hako.h's lesson 14 block. */
#include "hako.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/filter.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* "not implemented yet (lesson NN)" or the reason. */
static const char *why(int err, const char *lesson)
{
	static char buf[64];

	if (err != -ENOSYS)
		return strerror(-err);
	snprintf(buf, sizeof(buf), "not implemented yet (lesson %s)", lesson);
	return buf;
}

static int path_of(char *buf, size_t len, const char *name, const char *file)
{
	char root[PATH_MAX];
	int err = state_root(root, sizeof(root));

	if (err < 0)
		return err;
	if (snprintf(buf, len, "%s/%s%s%s", root, name, file ? "/" : "", file ? file : "") >=
	    (int)len)
		return -ENAMETOOLONG;
	return 0;
}

int containers_exists(const char *name)
{
	char p[PATH_MAX];

	return store_check_name(name) == 0 && path_of(p, sizeof(p), name, "monitor") == 0 &&
	       access(p, F_OK) == 0;
}

int lifecycle_load(const char *name, struct lifecycle_info *c)
{
	char p[PATH_MAX];
	FILE *f;
	int err;

	memset(c, 0, sizeof(*c));
	if (!containers_exists(name))
		return -ENOENT;
	if ((err = state_load(name, &c->st)) < 0)
		return err;
	path_of(p, sizeof(p), name, "monitor");
	if ((f = fopen(p, "re"))) {
		int pid = 0;
		if (fscanf(f, "%d %llu", &pid, &c->monitor_start) == 2)
			c->monitor = pid;
		fclose(f);
	}
	path_of(p, sizeof(p), name, "info");
	if ((f = fopen(p, "re"))) {
		char *lines[] = {c->id, c->image, c->command};
		size_t sizes[] = {sizeof(c->id), sizeof(c->image), sizeof(c->command)};
		for (int i = 0; i < 3 && fgets(lines[i], (int)sizes[i], f); i++)
			lines[i][strcspn(lines[i], "\n")] = '\0';
		fclose(f);
	}
	return 0;
}

/* ---- the monitor ---- */

struct monitor_ctx {
	const char *name, *dir;
	int ready; /* write end: "ok" once the container runs */
};

static int write_file(const char *dir, const char *file, const char *text)
{
	char p[PATH_MAX + 32], tmp[PATH_MAX + 48];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, file);
	snprintf(tmp, sizeof(tmp), "%s/.%s.new", dir, file);
	if (!(f = fopen(tmp, "we")))
		return -errno;
	fputs(text, f);
	if (fclose(f) != 0 || rename(tmp, p) < 0)
		return -errno;
	return 0;
}

/* Called by hako_run() in the monitor once the container runs (cfg->monitor). */
static int monitor_started(void *arg, pid_t pid, struct hako_cgroup *cg, const char *devdir)
{
	struct monitor_ctx *m = arg;
	struct container_state st = {0};
	int pidfd, code = 0, err;

	/* A pidfd names this very process, even after its pid is reused. */
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		return -errno;
	snprintf(st.id, sizeof(st.id), "%s", m->name);
	snprintf(st.dir, sizeof(st.dir), "%s", m->dir);
	st.pid = pid;
	st.created = (long long)time(NULL);
	path_of(st.bundle, sizeof(st.bundle), m->name, NULL);
	if ((err = state_start_time(pid, &st.start_time)) < 0 || (err = state_save(&st)) < 0) {
		close(pidfd);
		return err;
	}
	/* The cgroups it is in (lesson 07's, and lesson 09's device cgroup), for `hako rm`: if
	 * this monitor is killed, nothing else removes them (as hako create does, lesson 13). */
	if (cg || devdir) {
		char p[PATH_MAX + 16];
		FILE *f;
		snprintf(p, sizeof(p), "%s/cgroups", m->dir);
		if ((f = fopen(p, "we"))) {
			for (int c = CGROUP_NCONTROLLERS - 1; cg && c >= 0; c--) {
				const char *d = cgroup_dir(cg, c, NULL);
				if (d)
					fprintf(f, "%s\n", d);
			}
			if (devdir)
				fprintf(f, "%s\n", devdir);
			fclose(f);
		}
	}
	if (write(m->ready, "ok", 2) != 2) {
		close(pidfd);
		return -EPIPE;
	}
	close(m->ready);
	m->ready = -1;
	err = monitor_wait(pidfd, &code);
	close(pidfd);
	return err < 0 ? err : code;
}

/* Remove the cgroup folders listed in DIR/cgroups, killing what is left in them first. */
static void remove_cgroups(const char *dir)
{
	char path[PATH_MAX + 16], line[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/cgroups", dir);
	if (!(f = fopen(path, "re")))
		return;
	while (fgets(line, sizeof(line), f)) {
		char procs[PATH_MAX + 16];
		FILE *p;
		int pid;

		line[strcspn(line, "\n")] = '\0';
		if (!line[0] || access(line, F_OK) < 0)
			continue;
		snprintf(procs, sizeof(procs), "%s/cgroup.procs", line);
		if ((p = fopen(procs, "re"))) {
			while (fscanf(p, "%d", &pid) == 1)
				kill(pid, SIGKILL);
			fclose(p);
		}
		for (int i = 0; i < 200 && rmdir(line) < 0 && errno == EBUSY; i++)
			usleep(10000);
		if (access(line, F_OK) == 0)
			fprintf(stderr, "hako rm: rmdir %s: %s\n", line, strerror(errno));
	}
	fclose(f);
}

/* Remove everything of container NAME: its cgroups, layer and state folder (locked). */
static int remove_container(const char *name, const char *dir)
{
	char root[PATH_MAX];
	struct container_layer l;
	int lock, err = 0;

	if ((err = state_root(root, sizeof(root))) < 0)
		return err;
	if ((lock = lifecycle_lock(root)) < 0)
		return lock;
	remove_cgroups(dir);
	if (layer_init(name, &l) == 0 && access(l.dir, F_OK) == 0 && (err = layer_remove(&l)) < 0)
		fprintf(stderr, "hako rm: %s: %s\n", l.dir, strerror(-err));
	if ((err = store_remove_tree(dir)) < 0)
		fprintf(stderr, "hako rm: %s: %s\n", dir, strerror(-err));
	close(lock);
	return err;
}

int containers_run_detached(struct hako_config *cfg, const char *image)
{
	static char name[STORE_NAME_MAX + 1];
	char root[PATH_MAX], dir[PATH_MAX], p[PATH_MAX + 16], info[1024], id[16];
	unsigned char rnd[6];
	int lock, ready[2], err;
	size_t n = 0;
	pid_t monitor;

	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
		return HAKO_EXIT_FAILED;
	for (int i = 0; i < 6; i++)
		snprintf(id + 2 * i, 3, "%02x", rnd[i]);
	if (!cfg->name)
		snprintf(name, sizeof(name), "%s", id), cfg->name = name;
	if (store_check_name(cfg->name) < 0) {
		fprintf(stderr, "hako run: --name '%s' is not a container name\n", cfg->name);
		return HAKO_EXIT_FAILED;
	}
	if ((err = state_root(root, sizeof(root))) < 0) {
		fprintf(stderr, "hako run -d: state folder: %s (set HAKO_STATE)\n", strerror(-err));
		return HAKO_EXIT_FAILED;
	}
	/* The name is taken under the lock: two hako run -d --name X, one wins. */
	if ((lock = lifecycle_lock(root)) < 0) {
		fprintf(stderr, "hako run -d: lock %s: %s\n", root, why(lock, "14"));
		return HAKO_EXIT_FAILED;
	}
	snprintf(dir, sizeof(dir), "%s/%s", root, cfg->name);
	if (mkdir(dir, 0700) < 0) {
		err = errno;
		close(lock);
		if (err == EEXIST)
			fprintf(stderr,
			        "hako run: the name '%s' is in use by a container: `hako rm %s` "
			        "removes it\n",
			        cfg->name, cfg->name);
		else
			fprintf(stderr, "hako run: mkdir %s: %s\n", dir, strerror(err));
		return HAKO_EXIT_FAILED;
	}
	n = (size_t)snprintf(info, sizeof(info), "%s\n%s\n", id, image ? image : "-");
	for (char **a = cfg->argv; *a && n < sizeof(info) - 2; a++)
		n += (size_t)snprintf(info + n, sizeof(info) - n, "%s%s", a == cfg->argv ? "" : " ",
		                      *a);
	if (n < sizeof(info) - 1)
		strcat(info, "\n");
	err = write_file(dir, "info", info);
	if (err == 0) {
		/* What exec needs to build the same seccomp filter (lesson 10): the profile (made
		 * absolute), --privileged, the capabilities kept (lesson 09). */
		char sec[PATH_MAX + 64], prof[PATH_MAX];
		const char *seccomp = cfg->seccomp;
		if (seccomp && strcmp(seccomp, "unconfined") != 0 && realpath(seccomp, prof))
			seccomp = prof;
		snprintf(sec, sizeof(sec), "%d %d %llx\n%s\n", cfg->privileged, cfg->caps_set,
		         (unsigned long long)cfg->caps, seccomp ? seccomp : "");
		err = write_file(dir, "security", sec);
	}
	close(lock);
	if (err < 0 || pipe2(ready, O_CLOEXEC) < 0) {
		store_remove_tree(dir);
		return HAKO_EXIT_FAILED;
	}
	fflush(NULL);
	monitor = fork();
	if (monitor < 0) {
		store_remove_tree(dir);
		return HAKO_EXIT_FAILED;
	}
	if (monitor == 0) {
		/* The monitor: its own session (no terminal to hang up on it), the log as its
		 * and the container's output. */
		struct monitor_ctx m = {.name = cfg->name, .dir = dir, .ready = ready[1]};
		unsigned long long t = 0;
		char text[64];
		int fd, code;

		close(ready[0]);
		setsid();
		snprintf(p, sizeof(p), "%s/log", dir);
		fd = open(p, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (fd < 0 || null < 0 || dup2(null, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(HAKO_EXIT_FAILED);
		close(fd);
		close(null);
		/* Nothing else of the caller's: an inherited fd (a pipe someone reads to its end,
		 * a lock) would stay open as long as the container runs. */
		if (ready[1] > 3)
			syscall(SYS_close_range, 3U, (unsigned)ready[1] - 1, 0U);
		syscall(SYS_close_range, (unsigned)ready[1] + 1, ~0U, 0U);
		state_start_time(getpid(), &t);
		snprintf(text, sizeof(text), "%d %llu\n", (int)getpid(), t);
		if (write_file(dir, "monitor", text) < 0)
			_exit(HAKO_EXIT_FAILED);
		cfg->monitor = monitor_started;
		cfg->cgroup_name = cfg->name; /* hako/NAME: `hako stats NAME` shows it */
		cfg->monitor_arg = &m;
		code = hako_run(cfg);
		if (m.ready >= 0) /* it never ran: hako_run said why, in the log */
			_exit(HAKO_EXIT_FAILED);
		if (code < 0)
			code = 255;
		snprintf(text, sizeof(text), "%d %lld\n", code, (long long)time(NULL));
		write_file(dir, "exit", text);
		if (cfg->rm)
			remove_container(cfg->name, dir);
		_exit(0);
	}
	close(ready[1]);
	char ok[2];
	if (read(ready[0], ok, 2) != 2) {
		/* The monitor could not start the container: show why (its log), undo. */
		char buf[4096];
		ssize_t r;
		int fd;
		close(ready[0]);
		waitpid(monitor, NULL, 0);
		snprintf(p, sizeof(p), "%s/log", dir);
		if ((fd = open(p, O_RDONLY | O_CLOEXEC)) >= 0) {
			while ((r = read(fd, buf, sizeof(buf))) > 0)
				if (write(2, buf, (size_t)r) < 0)
					break;
			close(fd);
		}
		remove_container(cfg->name, dir);
		return HAKO_EXIT_FAILED;
	}
	close(ready[0]);
	puts(cfg->name);
	return 0;
}

/* ---- the commands ---- */

/* Load NAME for `hako CMD`, saying why not. */
static int load(const char *cmd, const char *name, struct lifecycle_info *c)
{
	int err = lifecycle_load(name, c);

	if (err == -ENOENT)
		fprintf(stderr, "hako %s: no such container: %s\n", cmd, name);
	else if (err < 0)
		fprintf(stderr, "hako %s: %s: %s\n", cmd, name, why(err, "13"));
	return err;
}

static int cmd_ps(int argc, char **argv)
{
	bool all = argc == 2 && (strcmp(argv[1], "-a") == 0 || strcmp(argv[1], "--all") == 0);
	char root[PATH_MAX];
	struct dirent *e;
	DIR *d;

	if (argc > 1 + all) {
		fputs("usage: hako ps [-a]\n", stderr);
		return 1;
	}
	printf("%-12s   %-16s   %-20s   %-20s   %-24s   %s\n", "CONTAINER ID", "NAME", "IMAGE",
	       "COMMAND", "CREATED", "STATUS");
	if (state_root(root, sizeof(root)) < 0 || !(d = opendir(root)))
		return 0;
	while ((e = readdir(d))) {
		struct lifecycle_info c;
		char created[64], status[96], cmd[24];
		long long now = (long long)time(NULL);
		int running;

		if (e->d_name[0] == '.' || lifecycle_load(e->d_name, &c) < 0)
			continue;
		if ((running = lifecycle_status(&c)) < 0) {
			fprintf(stderr, "hako ps: %s\n", why(running, "14"));
			closedir(d);
			return 1;
		}
		if (!running && !all)
			continue;
		lifecycle_duration(now > c.st.created ? now - c.st.created : 0, created,
		                   sizeof(created));
		strncat(created, " ago", sizeof(created) - strlen(created) - 1);
		lifecycle_format_status(&c, now, status, sizeof(status));
		snprintf(cmd, sizeof(cmd), "\"%.18s\"", c.command);
		printf("%-12s   %-16s   %-20.20s   %-20s   %-24s   %s\n", c.id, c.st.id, c.image,
		       cmd, created, status);
	}
	closedir(d);
	return 0;
}

static int cmd_logs(int argc, char **argv)
{
	bool follow = argc == 3 && (strcmp(argv[1], "-f") == 0 || strcmp(argv[1], "--follow") == 0);
	struct lifecycle_info c;
	char p[PATH_MAX], buf[8192];
	ssize_t n;
	int fd;

	if (argc != 2 + follow || argv[argc - 1][0] == '-') {
		fputs("usage: hako logs [-f] NAME\n", stderr);
		return 1;
	}
	if (load("logs", argv[argc - 1], &c) < 0)
		return 1;
	snprintf(p, sizeof(p), "%s/log", c.st.dir);
	if ((fd = open(p, O_RDONLY | O_CLOEXEC)) < 0) {
		fprintf(stderr, "hako logs: %s: %s\n", p, strerror(errno));
		return 1;
	}
	for (;;) {
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n)
				break;
		fflush(stdout);
		/* -f: until the container has exited and all it wrote was read. */
		if (!follow || lifecycle_status(&c) != 1) {
			while ((n = read(fd, buf, sizeof(buf))) > 0)
				fwrite(buf, 1, (size_t)n, stdout);
			break;
		}
		usleep(100000);
	}
	close(fd);
	return 0;
}

/* Wait at most MS milliseconds for process PID, started at START (/proc/PID/stat), to end;
 * true if it has. A pidfd (pidfd_open(2)) becomes readable when its process ends, so this
 * returns the moment it does, with no polling loop. -1 if pidfds are missing (Linux < 5.3). */
static int wait_gone(pid_t pid, unsigned long long start, int ms)
{
	unsigned long long t;
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);

	if (fd < 0)
		return errno == ESRCH ? 1 : -1;
	/* The pid may have been reused before it was opened: compare the start time. */
	int gone = state_start_time(pid, &t) < 0 || t != start;
	if (!gone) {
		struct pollfd p = {fd, POLLIN, 0};
		gone = poll(&p, 1, ms) == 1;
	}
	close(fd);
	return gone;
}

/* Wait at most MS milliseconds for C to exit, and for its monitor to record it and end; true if
 * the container exited. */
static bool wait_exited(struct lifecycle_info *c, int ms)
{
	long long end = hako_now_us() + ms * 1000LL;
	int gone = wait_gone(c->st.pid, c->st.start_time, ms);

	if (gone == 0)
		return false;
	if (gone > 0 && c->monitor > 0) {
		long long left = end - hako_now_us();
		wait_gone(c->monitor, c->monitor_start, left > 0 ? (int)(left / 1000) : 0);
	}
	/* Without pidfds, or if the monitor is still writing: look every 20 ms. */
	while (lifecycle_status(c) != 0) {
		if (hako_now_us() >= end)
			return false;
		usleep(20000);
	}
	return true;
}

/* Send SIG to C's init if it still runs (pid and start time checked). */
static int signal_container(const char *cmd, struct lifecycle_info *c, int sig)
{
	int running = lifecycle_status(c);

	if (running < 0) {
		fprintf(stderr, "hako %s: %s\n", cmd, why(running, "14"));
		return -1;
	}
	if (!running) {
		fprintf(stderr, "hako %s: container %s is not running\n", cmd, c->st.id);
		return -1;
	}
	if (kill(c->st.pid, sig) < 0) {
		fprintf(stderr, "hako %s: %s: %s\n", cmd, c->st.id, strerror(errno));
		return -1;
	}
	return 0;
}

static int cmd_stop_kill(int argc, char **argv)
{
	bool stop = strcmp(argv[0], "stop") == 0;
	int c, sig = stop ? SIGTERM : SIGKILL, timeout = 10, status = 0;
	char *end;

	optind = 1;
	opterr = 0;
	while ((c = getopt(argc, argv, stop ? "+t:" : "+s:")) != -1) {
		if (c == 't') {
			long t = strtol(optarg, &end, 10);
			if (end == optarg || *end || t < 0 || t > 3600) {
				fprintf(stderr, "hako stop: -t %s: seconds, 0 to 3600\n", optarg);
				return 1;
			}
			timeout = (int)t;
		} else if (c == 's' && (sig = runtime_signal_number(optarg)) > 0) {
			continue;
		} else {
			fprintf(stderr, "usage: hako %s\n",
			        stop ? "stop [-t SECONDS] NAME..." : "kill [-s SIGNAL] NAME...");
			return 1;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "hako %s: no container named\n", argv[0]);
		return 1;
	}
	for (int i = optind; i < argc; i++) {
		struct lifecycle_info ci;
		if (load(argv[0], argv[i], &ci) < 0) {
			status = 1;
			continue;
		}
		if (stop && lifecycle_status(&ci) == 0) { /* stopped already: docker says so too */
			puts(argv[i]);
			continue;
		}
		if (signal_container(argv[0], &ci, sig) < 0) {
			status = 1;
			continue;
		}
		/* stop: TERM, then KILL after the timeout; then wait for the monitor's record. */
		if (stop && !wait_exited(&ci, timeout * 1000))
			kill(ci.st.pid, SIGKILL);
		if (stop && !wait_exited(&ci, 10000)) {
			fprintf(stderr, "hako stop: %s did not exit\n", argv[i]);
			status = 1;
			continue;
		}
		puts(argv[i]);
	}
	return status;
}

static int cmd_rm(int argc, char **argv)
{
	bool force = false;
	int c, status = 0;

	optind = 1;
	opterr = 0;
	while ((c = getopt(argc, argv, "+f")) != -1) {
		if (c != 'f') {
			fputs("usage: hako rm [-f] NAME...\n", stderr);
			return 1;
		}
		force = true;
	}
	for (int i = optind; i < argc; i++) {
		struct lifecycle_info ci;
		if (load("rm", argv[i], &ci) < 0) {
			status = 1;
			continue;
		}
		int running = lifecycle_status(&ci);
		if (running < 0) {
			fprintf(stderr, "hako rm: %s\n", why(running, "14"));
			return 1;
		}
		if (running && !force) {
			fprintf(stderr,
			        "hako rm: container %s is running: stop it first, or use rm -f\n",
			        argv[i]);
			status = 1;
			continue;
		}
		if (running) {
			kill(ci.st.pid, SIGKILL);
			wait_exited(&ci, 10000);
		}
		/* A monitor still there (it cleans up after the container): let it finish. */
		unsigned long long t;
		if (ci.monitor > 0 && wait_gone(ci.monitor, ci.monitor_start, 5000) < 0)
			for (int k = 0; k < 250 && state_start_time(ci.monitor, &t) == 0 &&
			                t == ci.monitor_start;
			     k++)
				usleep(20000);
		if (remove_container(argv[i], ci.st.dir) < 0)
			status = 1;
		else
			puts(argv[i]);
	}
	return status;
}

/* The seccomp filter of the container in DIR, from DIR/security (see run -d). */
static int exec_filter(const char *dir, struct sock_fprog *prog)
{
	char p[PATH_MAX + 16], profile[PATH_MAX] = "";
	struct hako_config cfg = {.net = HAKO_NET_NONE, .isolate = true};
	int privileged = 0, caps_set = 0;
	unsigned long long caps = 0;
	FILE *f;

	snprintf(p, sizeof(p), "%s/security", dir);
	if (!(f = fopen(p, "re")))
		return -errno;
	if (fscanf(f, "%d %d %llx ", &privileged, &caps_set, &caps) != 3) {
		fclose(f);
		return -EBADMSG;
	}
	if (fgets(profile, sizeof(profile), f))
		profile[strcspn(profile, "\n")] = '\0';
	fclose(f);
	cfg.privileged = privileged;
	cfg.caps_set = caps_set;
	cfg.caps = caps;
	cfg.seccomp = profile[0] ? profile : NULL;
	return seccomp_build(&cfg, prog);
}

static int cmd_exec(int argc, char **argv)
{
	static char *env[64];
	int nenv = 0, c, err, sock[2] = {-1, -1};
	bool tty = false, interactive = false;
	const char *workdir = NULL, *user = NULL;
	struct lifecycle_info ci;
	struct exec_security sec;
	char p[64];
	char status[8192];

	optind = 1;
	opterr = 0;
	while ((c = getopt(argc, argv, "+ite:w:u:")) != -1) {
		switch (c) {
		case 'i':
			interactive = true;
			break;
		case 't':
			tty = true;
			break;
		case 'e':
			if (nenv < 63 && strchr(optarg, '='))
				env[nenv++] = optarg;
			else {
				fprintf(stderr, "hako exec: -e %s: KEY=VALUE\n", optarg);
				return HAKO_EXIT_FAILED;
			}
			break;
		case 'w':
			workdir = optarg;
			break;
		case 'u':
			user = optarg;
			break;
		default:
			fputs(
			    "usage: hako exec [-i] [-e KEY=VALUE] [-w DIR] [-u UID[:GID]] NAME CMD "
			    "[ARG...]\n",
			    stderr);
			return HAKO_EXIT_FAILED;
		}
	}
	if (argc - optind < 2) {
		fputs("usage: hako exec [-i] [-e KEY=VALUE] [-w DIR] [-u UID[:GID]] NAME CMD "
		      "[ARG...]\n",
		      stderr);
		return HAKO_EXIT_FAILED;
	}
	if (load("exec", argv[optind], &ci) < 0)
		return HAKO_EXIT_FAILED;
	if ((err = lifecycle_status(&ci)) != 1) {
		fprintf(stderr, "hako exec: %s\n",
		        err < 0 ? why(err, "14") : "the container is not running");
		return HAKO_EXIT_FAILED;
	}
	/* What the container's init has, read while the host's /proc is ours. */
	snprintf(p, sizeof(p), "/proc/%d/status", (int)ci.st.pid);
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, status, sizeof(status) - 1) : -1;
	if (fd >= 0)
		close(fd);
	status[n > 0 ? n : 0] = '\0';
	if (exec_parse_status(status, &sec) < 0) {
		fprintf(stderr, "hako exec: %s: no capabilities found\n", p);
		return HAKO_EXIT_FAILED;
	}
	/* Its environment: the container's, then -e. */
	static char environ_text[65536];
	static char *cenv[512];
	int ncenv = 0;
	snprintf(p, sizeof(p), "/proc/%d/environ", (int)ci.st.pid);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	n = fd >= 0 ? read(fd, environ_text, sizeof(environ_text) - 1) : -1;
	if (fd >= 0)
		close(fd);
	for (ssize_t k = 0; n > 0 && k < n && ncenv < 511;
	     k += (ssize_t)strlen(environ_text + k) + 1)
		cenv[ncenv++] = environ_text + k;
	/* Its seccomp filter, built again as run -d built it (lesson 10). */
	struct sock_fprog filter = {0};
	if (sec.seccomp == 2 && (err = exec_filter(ci.st.dir, &filter)) < 0) {
		fprintf(stderr, "hako exec: the container's seccomp filter: %s\n", why(err, "10"));
		return HAKO_EXIT_FAILED;
	}
	/* -t (lesson 13's tty.c): the command makes a pty on the container's devpts and sends
	 * us its master. */
	if (tty && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sock) < 0) {
		fprintf(stderr, "hako exec: socketpair: %s\n", strerror(errno));
		seccomp_free(&filter);
		return HAKO_EXIT_FAILED;
	}
	/*
	 * hako exec (stays on the host: relays the terminal, returns the code)
	 *   └─ helper: joins the cgroups and namespaces, waits, _exits with the code
	 *        └─ the command: born in the container's PID namespace
	 * A process that did setns(CLONE_NEWPID) can no longer start threads (the relay is one),
	 * and its exit-time handlers (a sanitizer's leak check) may hang there: the helper does
	 * it, and leaves with _exit.
	 */
	fflush(NULL);
	pid_t helper = fork();
	if (helper < 0) {
		fprintf(stderr, "hako exec: fork: %s\n", strerror(errno));
		seccomp_free(&filter);
		return HAKO_EXIT_FAILED;
	}
	if (helper > 0) {
		struct tty_session *session = NULL;
		int ws;
		seccomp_free(&filter);
		if (tty) {
			close(sock[1]);
			int master = tty_recv_master(sock[0]);
			close(sock[0]);
			if (master >= 0 &&
			    (err = tty_session_start(master, interactive, &session)) < 0) {
				close(master);
				fprintf(stderr, "hako exec: terminal: %s\n", why(err, "13"));
				kill(helper, SIGKILL);
			}
		}
		while (waitpid(helper, &ws, 0) < 0)
			if (errno != EINTR)
				return HAKO_EXIT_FAILED;
		tty_session_end(session);
		return process_exit_code(ws);
	}
	if ((err = exec_join_cgroups(ci.st.pid)) < 0) {
		fprintf(stderr, "hako exec: cgroups: %s\n", why(err, "14"));
		_exit(HAKO_EXIT_FAILED);
	}
	if ((err = exec_enter(ci.st.pid)) < 0) {
		if (err == -ENOSYS)
			fputs("hako exec: namespaces: not implemented yet (lesson 14)\n", stderr);
		_exit(HAKO_EXIT_FAILED);
	}
	/* The PID namespace is our children's: the command runs in a child. */
	pid_t pid = fork();
	if (pid < 0)
		_exit(HAKO_EXIT_FAILED);
	if (pid == 0) {
		if (tty) {
			close(sock[0]);
			if ((err = tty_setup_child(sock[1])) < 0) {
				fprintf(stderr, "hako exec: terminal: %s\n", why(err, "13"));
				_exit(HAKO_EXIT_FAILED);
			}
		} else if (!interactive) {
			/* Without -i the command reads nothing (as docker exec). */
			int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
			if (null >= 0)
				dup2(null, 0);
		}
		if (user) {
			unsigned uid, gid;
			int k = sscanf(user, "%u:%u", &uid, &gid);
			if (k < 1) {
				fprintf(stderr, "hako exec: -u %s: UID[:GID]\n", user);
				_exit(HAKO_EXIT_FAILED);
			}
			if (k == 1)
				gid = uid;
			if (setgroups(0, NULL) < 0 || setgid(gid) < 0 || setuid(uid) < 0) {
				fprintf(stderr, "hako exec: -u %s: %s\n", user, strerror(errno));
				_exit(HAKO_EXIT_FAILED);
			}
		}
		/* Root keeps the container's capabilities; another user has none (as docker). */
		if (!user || geteuid() == 0) {
			if ((err = exec_apply_security(&sec)) < 0) {
				fprintf(stderr, "hako exec: capabilities: %s\n", why(err, "14"));
				_exit(HAKO_EXIT_FAILED);
			}
		} else if (sec.no_new_privs) {
			prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		}
		if (filter.len && (err = seccomp_enter(&filter)) < 0) {
			fprintf(stderr, "hako exec: seccomp filter: %s\n", why(err, "10"));
			_exit(HAKO_EXIT_FAILED);
		}
		if (chdir(workdir ? workdir : "/") < 0) {
			fprintf(stderr, "hako exec: -w %s: %s\n", workdir, strerror(errno));
			_exit(HAKO_EXIT_FAILED);
		}
		if (ncenv)
			clearenv();
		for (int i = 0; i < ncenv; i++)
			putenv(cenv[i]);
		for (int i = 0; i < nenv; i++)
			putenv(env[i]);
		process_exec(&argv[optind + 1]);
	}
	if (tty) {
		close(sock[0]);
		close(sock[1]);
	}
	int ws;
	while (waitpid(pid, &ws, 0) < 0)
		if (errno != EINTR)
			_exit(HAKO_EXIT_FAILED);
	/* A command killed by signal N: the helper's code is 128 + N, as the shell's. */
	_exit(process_exit_code(ws));
}

int containers_main(int argc, char **argv)
{
	if (strcmp(argv[0], "ps") == 0)
		return cmd_ps(argc, argv);
	if (strcmp(argv[0], "logs") == 0)
		return cmd_logs(argc, argv);
	if (strcmp(argv[0], "stop") == 0 || strcmp(argv[0], "kill") == 0)
		return cmd_stop_kill(argc, argv);
	if (strcmp(argv[0], "rm") == 0)
		return cmd_rm(argc, argv);
	if (strcmp(argv[0], "exec") == 0)
		return cmd_exec(argc, argv);
	fprintf(stderr, "hako: unknown command '%s'\n", argv[0]);
	return 1;
}
