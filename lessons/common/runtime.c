/* runtime.c: `hako create|start|state|kill|delete` and `hako run --bundle`, runc's command
 * line (given, not an exercise: lesson 13's parts are spec.c, mounts.c and state.c). */
#include "hako.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char runtime_usage[] =
    "usage: hako create [--bundle DIR] [--pid-file FILE] ID   make container ID, held before "
    "exec\n"
    "       hako start ID                                     run its command\n"
    "       hako state ID                                     print its state (JSON)\n"
    "       hako kill ID [SIGNAL]                             send SIGNAL (default TERM)\n"
    "       hako delete [--force] ID                          remove it (--force: kill it "
    "first)\n"
    "       hako run --bundle DIR [--pid-file FILE] ID        create, start, wait, delete\n"
    "DIR (default: the current folder) holds config.json and the root filesystem; states are\n"
    "kept in $HAKO_STATE, /run/hako (root) or $XDG_RUNTIME_DIR/hako.\n";

/* Options shared by create and run: --bundle/-b DIR, --pid-file FILE; then ID. */
struct runtime_args {
	const char *bundle, *pid_file, *id;
	bool force;
};

static int parse_args(int argc, char **argv, struct runtime_args *a)
{
	static const struct option longopts[] = {
	    {"bundle", required_argument, NULL, 'b'},
	    {"pid-file", required_argument, NULL, 'p'},
	    {"force", no_argument, NULL, 'f'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	*a = (struct runtime_args){.bundle = "."};
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+b:fh", longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			a->bundle = optarg;
			break;
		case 'p':
			a->pid_file = optarg;
			break;
		case 'f':
			a->force = true;
			break;
		case 'h':
			fputs(runtime_usage, stdout);
			return 1;
		default:
			fprintf(stderr, "hako %s: unknown option or missing value: %s\n%s", argv[0],
			        argv[optind - 1], runtime_usage);
			return -EINVAL;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "hako %s: no container id given\n%s", argv[0], runtime_usage);
		return -EINVAL;
	}
	a->id = argv[optind++];
	if (store_check_name(a->id) < 0) {
		fprintf(stderr,
		        "hako %s: '%s' is not a container id (1 to %d letters, digits, '_', '.', "
		        "'-', starting with a letter or digit)\n",
		        argv[0], a->id, STORE_NAME_MAX);
		return -EINVAL;
	}
	return optind;
}

/* Load the state of ID for `hako CMD`, saying why not. */
static int load(const char *cmd, const char *id, struct container_state *st)
{
	int err = state_load(id, st);

	if (err == -ENOENT)
		fprintf(stderr, "hako %s: container '%s' does not exist\n", cmd, id);
	else if (err == -ENOSYS)
		fprintf(stderr, "hako %s: not implemented yet (lesson 13)\n", cmd);
	else if (err < 0)
		fprintf(stderr, "hako %s: state of '%s': %s\n", cmd, id, strerror(-err));
	return err;
}

/* Remove the cgroup folders listed in DIR/cgroups (deepest last made, so any order works
 * once they are empty), killing what is left in them first. */
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
		if (!line[0])
			continue;
		snprintf(procs, sizeof(procs), "%s/cgroup.procs", line);
		if ((p = fopen(procs, "re"))) {
			while (fscanf(p, "%d", &pid) == 1)
				kill(pid, SIGKILL);
			fclose(p);
		}
		/* Killed processes leave their cgroup a moment later. */
		for (int i = 0; i < 200 && rmdir(line) < 0 && errno == EBUSY; i++)
			usleep(10000);
		if (access(line, F_OK) == 0)
			fprintf(stderr, "hako delete: rmdir %s: %s\n", line, strerror(errno));
	}
	fclose(f);
}

static int write_pid_file(const char *path, pid_t pid)
{
	FILE *f = fopen(path, "we");

	if (!f || fprintf(f, "%d", (int)pid) < 0 || fclose(f) != 0) {
		fprintf(stderr, "hako: --pid-file %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int cmd_create(int argc, char **argv)
{
	struct runtime_args a;
	struct hako_spec spec;
	struct container_state st = {0};
	struct hako_cgroup *cg = NULL;
	char root[PATH_MAX], fifo[PATH_MAX + 16], err_text[512], devdir[PATH_MAX];
	int err, made = 0;
	pid_t pid;

	if ((err = parse_args(argc, argv, &a)) <= 0)
		return err == 1 ? 0 : 1;
	if (err != argc) {
		fprintf(stderr, "hako create: unexpected argument '%s' after the id\n", argv[err]);
		return 1;
	}
	/* Everything in config.json is checked before anything is made. */
	if ((err = spec_load(a.bundle, &spec, err_text, sizeof(err_text))) < 0) {
		fprintf(stderr, "hako create: %s\n", err_text);
		goto bad;
	}
	if ((err = state_root(root, sizeof(root))) < 0) {
		fprintf(stderr, "hako create: state folder: %s (set HAKO_STATE)\n", strerror(-err));
		goto bad;
	}
	snprintf(st.id, sizeof(st.id), "%s", a.id);
	snprintf(st.dir, sizeof(st.dir), "%s/%s", root, a.id);
	if (!realpath(a.bundle, st.bundle)) {
		err = -errno;
		goto bad;
	}
	if (mkdir(root, 0711) < 0 && errno != EEXIST) {
		err = -errno;
		fprintf(stderr, "hako create: mkdir %s: %s\n", root, strerror(errno));
		goto bad;
	}
	if (mkdir(st.dir, 0700) < 0) {
		err = -errno;
		if (errno == EEXIST)
			fprintf(stderr, "hako create: container '%s' exists already\n", a.id);
		else
			fprintf(stderr, "hako create: mkdir %s: %s\n", st.dir, strerror(errno));
		goto bad;
	}
	made = 1;
	snprintf(fifo, sizeof(fifo), "%s/exec.fifo", st.dir);
	if (mkfifo(fifo, 0600) < 0) {
		err = -errno;
		fprintf(stderr, "hako create: mkfifo %s: %s\n", fifo, strerror(errno));
		goto bad;
	}
	spec.cfg.exec_fifo = fifo;
	spec.cfg.cgroup_name = a.id;
	if ((err = hako_create(&spec.cfg, &pid, &cg, devdir, sizeof(devdir))) < 0)
		goto bad; /* the step that failed said why */

	/* Ready and held. First the cgroups it is in (lesson 07's, and lesson 09's device
	 * cgroup), so that hako delete, or the failure path below, removes them. */
	if (cg || devdir[0]) {
		char path[PATH_MAX + 16];
		FILE *f;
		snprintf(path, sizeof(path), "%s/cgroups", st.dir);
		if ((f = fopen(path, "we"))) {
			for (int c = CGROUP_NCONTROLLERS - 1; cg && c >= 0; c--) {
				const char *d = cgroup_dir(cg, c, NULL);
				if (d)
					fprintf(f, "%s\n", d);
			}
			if (devdir[0])
				fprintf(f, "%s\n", devdir);
			fclose(f);
		}
		cgroup_release(cg);
	}
	st.pid = pid;
	st.created = (long long)time(NULL);
	if ((err = state_start_time(pid, &st.start_time)) < 0 || (err = state_save(&st)) < 0) {
		fprintf(stderr, "hako create: state of %s: %s\n", a.id, strerror(-err));
		kill(pid, SIGKILL);
		goto bad;
	}
	spec_free(&spec);
	if (a.pid_file && write_pid_file(a.pid_file, pid) < 0)
		return 1;
	return 0;
bad:
	if (made) {
		remove_cgroups(st.dir);
		store_remove_tree(st.dir);
	}
	spec_free(&spec);
	return 1;
}

static int cmd_start(int argc, char **argv)
{
	struct runtime_args a;
	struct container_state st;
	char fifo[PATH_MAX + 16];
	int err;

	if ((err = parse_args(argc, argv, &a)) <= 0)
		return err == 1 ? 0 : 1;
	if (load("start", a.id, &st) < 0)
		return 1;
	if (state_status(&st) != STATE_CREATED) {
		fprintf(stderr,
		        "hako start: container '%s' is not created (it has started or "
		        "stopped already)\n",
		        a.id);
		return 1;
	}
	snprintf(fifo, sizeof(fifo), "%s/exec.fifo", st.dir);
	if ((err = state_exec_start(fifo, 10000)) < 0) {
		fprintf(stderr, "hako start: %s: %s\n", a.id,
		        err == -ENOSYS ? "not implemented yet (lesson 13)" : strerror(-err));
		return 1;
	}
	return 0;
}

static int cmd_state(int argc, char **argv)
{
	struct runtime_args a;
	struct container_state st;
	int err;

	if ((err = parse_args(argc, argv, &a)) <= 0)
		return err == 1 ? 0 : 1;
	if (load("state", a.id, &st) < 0)
		return 1;
	if ((err = state_print(&st, stdout)) < 0) {
		fprintf(stderr, "hako state: %s\n",
		        err == -ENOSYS ? "not implemented yet (lesson 13)" : strerror(-err));
		return 1;
	}
	return 0;
}

int runtime_signal_number(const char *text)
{
	char *end;
	long n = strtol(text, &end, 10);

	if (end != text && !*end)
		return n > 0 && n < NSIG ? (int)n : -1;
	if (strncmp(text, "SIG", 3) == 0)
		text += 3;
	for (int s = 1; s < NSIG; s++) {
		const char *name = sigabbrev_np(s);
		if (name && strcmp(name, text) == 0)
			return s;
	}
	return -1;
}

static int cmd_kill(int argc, char **argv)
{
	struct runtime_args a;
	struct container_state st;
	int i, sig = SIGTERM;

	if ((i = parse_args(argc, argv, &a)) <= 0)
		return i == 1 ? 0 : 1;
	if (i < argc && (sig = runtime_signal_number(argv[i])) < 0) {
		fprintf(stderr, "hako kill: '%s' is not a signal\n", argv[i]);
		return 1;
	}
	if (load("kill", a.id, &st) < 0)
		return 1;
	enum state_status s = state_status(&st);
	if (s != STATE_CREATED && s != STATE_RUNNING) {
		fprintf(stderr, "hako kill: container '%s' is not running\n", a.id);
		return 1;
	}
	if (kill(st.pid, sig) < 0) {
		fprintf(stderr, "hako kill: %s (pid %d): %s\n", a.id, (int)st.pid, strerror(errno));
		return 1;
	}
	return 0;
}

static int cmd_delete(int argc, char **argv)
{
	struct runtime_args a;
	struct container_state st;
	int err;

	if ((err = parse_args(argc, argv, &a)) <= 0)
		return err == 1 ? 0 : 1;
	if (load("delete", a.id, &st) < 0)
		return 1;
	enum state_status s = state_status(&st);
	if (s == STATE_RUNNING && !a.force) {
		fprintf(stderr,
		        "hako delete: container '%s' is running: stop it first, or use "
		        "--force\n",
		        a.id);
		return 1;
	}
	/* A created container never ran its command: delete may end it (as runc's). */
	if (s == STATE_RUNNING || s == STATE_CREATED) {
		kill(st.pid, SIGKILL);
		for (int i = 0; i < 500 && state_status(&st) != STATE_STOPPED; i++)
			usleep(10000);
	}
	remove_cgroups(st.dir);
	if ((err = store_remove_tree(st.dir)) < 0) {
		fprintf(stderr, "hako delete: %s: %s\n", st.dir, strerror(-err));
		return 1;
	}
	return 0;
}

/* `hako run --bundle DIR ID`: the bundle's container in the foreground. */
static int cmd_run_bundle(int argc, char **argv)
{
	struct runtime_args a;
	struct hako_spec spec;
	char err_text[512];
	int err, code;

	if ((err = parse_args(argc, argv, &a)) <= 0)
		return err == 1 ? 0 : HAKO_EXIT_FAILED;
	if (err != argc) {
		fprintf(stderr, "hako run: unexpected argument '%s' after the id\n", argv[err]);
		return HAKO_EXIT_FAILED;
	}
	if ((err = spec_load(a.bundle, &spec, err_text, sizeof(err_text))) < 0) {
		fprintf(stderr, "hako run: %s\n", err_text);
		spec_free(&spec);
		return HAKO_EXIT_FAILED;
	}
	if (a.pid_file)
		fputs("hako run: --pid-file is written by create; run ignores it\n", stderr);
	code = hako_run(&spec.cfg);
	spec_free(&spec);
	return code < 0 ? HAKO_EXIT_FAILED : code;
}

int runtime_main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
	    {"create", cmd_create}, {"start", cmd_start},   {"state", cmd_state},
	    {"kill", cmd_kill},     {"delete", cmd_delete}, {"run", cmd_run_bundle},
	};

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(cmds[i].name, argv[0]) == 0)
			return cmds[i].fn(argc, argv);
	fputs(runtime_usage, stderr);
	return 1;
}
