/* hako.c: the `hako` command line — parses options into a struct hako_config and runs it. */
#include "hako.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

/* The options of `hako run`, as data: one row each, in the order --help lists them. */
enum opt_id {
	OPT_ROOTFS = 1000,
	OPT_HOSTNAME,
	OPT_ISOLATE,
	OPT_NET,
	OPT_ROOTLESS,
	OPT_MEMORY,
	OPT_CPUS,
	OPT_PIDS,
	OPT_STATS,
	OPT_CAP_ADD,
	OPT_CAP_DROP,
	OPT_PRIVILEGED,
	OPT_SECURITY_OPT,
	OPT_USER,
	OPT_NAME,
	OPT_RM,
	OPT_ENV_FILE,
	OPT_READ_ONLY,
	OPT_TMPFS,
	OPT_ENTRYPOINT,
	OPT_HELP,
	OPT_DETACH = 'd',
	/* Options with a one-letter form are named by it. */
	OPT_ENV = 'e',
	OPT_WORKDIR = 'w',
	OPT_VOLUME = 'v',
	OPT_TTY = 't',
	OPT_INTERACTIVE = 'i',
};

static const struct run_option {
	const char *name;
	const char *arg; /* NULL for a flag */
	enum opt_id id;
	const char *lesson;
	const char *help;
} run_options[] = {
    {"rootfs", "DIR", OPT_ROOTFS, "04", "root filesystem folder (the same as the ROOTFS word)"},
    {"hostname", "NAME", OPT_HOSTNAME, "02", "hostname inside (a UTS namespace), 1 to 64 bytes"},
    {"isolate", NULL, OPT_ISOLATE, "02", "new namespaces even without ROOTFS or --hostname"},
    {"rootless", NULL, OPT_ROOTLESS, "05",
     "map root inside to your own user (automatic if not root)"},
    {"net", "MODE", OPT_NET, "06", "host (default), none (loopback only) or veth"},
    {"memory", "SIZE", OPT_MEMORY, "07", "memory limit: 512m, 1g, 64k or bytes"},
    {"cpus", "N", OPT_CPUS, "07", "CPU limit in CPUs: 0.5 is half of one CPU"},
    {"pids-limit", "N", OPT_PIDS, "07", "at most N processes (-1: no limit)"},
    {"stats", NULL, OPT_STATS, "08", "print CPU time, peak memory and pids at exit"},
    {"cap-add", "CAP", OPT_CAP_ADD, "09", "keep capability CAP too (SYS_ADMIN, ALL); repeatable"},
    {"cap-drop", "CAP", OPT_CAP_DROP, "09", "drop capability CAP (CHOWN, ALL); repeatable"},
    {"privileged", NULL, OPT_PRIVILEGED, "09",
     "every capability and device, no masked paths, no seccomp"},
    {"security-opt", "OPT", OPT_SECURITY_OPT, "09",
     "no-new-privileges[=true|false], seccomp=unconfined|FILE.json"},
    {"user", "UID[:GID]", OPT_USER, "09", "run CMD as this user and group (numbers)"},
    {"name", "NAME", OPT_NAME, "11", "name the container (and its kept layer); default: an id"},
    {"rm", NULL, OPT_RM, "11", "remove the container's layer when it exits"},
    {"env", "KEY=VALUE", OPT_ENV, "13",
     "set KEY in the workload's environment (KEY alone: "
     "hako's own value)"},
    {"env-file", "FILE", OPT_ENV_FILE, "13", "read KEY=VALUE lines from FILE (# comments)"},
    {"workdir", "DIR", OPT_WORKDIR, "13", "the working folder inside (absolute)"},
    {"volume", "SRC:DST[:ro]", OPT_VOLUME, "13", "bind-mount host folder SRC at DST"},
    {"read-only", NULL, OPT_READ_ONLY, "13", "mount the container's / read-only"},
    {"tmpfs", "DST[:OPTS]", OPT_TMPFS, "13", "a fresh tmpfs at DST (OPTS: size=64m,mode=1777)"},
    {"entrypoint", "CMD", OPT_ENTRYPOINT, "13", "run CMD instead of the image's entrypoint"},
    {"tty", NULL, OPT_TTY, "13", "a terminal of the container's own (-it: an interactive shell)"},
    {"interactive", NULL, OPT_INTERACTIVE, "13", "pass hako's stdin to the workload (with -t)"},
    {"detach", NULL, OPT_DETACH, "14", "run in the background under a monitor; print the name"},
    {"help", NULL, OPT_HELP, "01", "show this help"},
};
#define N_RUN_OPTIONS (sizeof(run_options) / sizeof(run_options[0]))

/* The values of --net, as data. */
static const struct net_mode {
	const char *name;
	enum hako_net net;
} net_modes[] = {
    {"host", HAKO_NET_HOST},
    {"none", HAKO_NET_NONE},
    {"veth", HAKO_NET_VETH},
};
#define N_NET_MODES (sizeof(net_modes) / sizeof(net_modes[0]))

static void usage(FILE *f)
{
	fputs(
	    "usage: hako COMMAND [ARGS...]\n"
	    "\n"
	    "A small container runtime, written lesson by lesson.\n"
	    "\n"
	    "Commands:\n"
	    "  run [OPTIONS] [ROOTFS] CMD [ARG...]   run CMD, isolated as the options ask\n"
	    "  image import|ls|rm ...                the local image store (lesson 12)\n"
	    "  images                                list the images (lesson 12)\n"
	    "  run -d [--name NAME] [OPTIONS] ...    run in the background (lesson 14)\n"
	    "  ps [-a]                               the detached containers (lesson 14)\n"
	    "  exec [-i] [-e K=V] [-w DIR] [-u UID[:GID]] NAME CMD   run CMD in it (lesson 14)\n"
	    "  logs [-f] NAME                        its output (lesson 14)\n"
	    "  stop [-t SECONDS] NAME                TERM, then KILL after SECONDS (lesson 14)\n"
	    "  kill [-s SIGNAL] NAME                 send SIGNAL (default KILL) (lesson 14)\n"
	    "  rm [-f] NAME                          remove it (-f: kill it first) (lesson 14)\n"
	    "  stats [--no-stream] [--interval MS] PID   docker-stats view of a running "
	    "container, a row every MS ms (default 1000) (lesson 08)\n"
	    "  diff NAME                             what container NAME changed: A/C/D lines "
	    "(lesson 11)\n"
	    "  rm NAME                               remove container NAME's kept layer (lesson "
	    "11)\n"
	    "  create|start|state|kill|delete ID     runc's commands for an OCI bundle (lesson "
	    "13)\n"
	    "  run --bundle DIR ID                   an OCI bundle in the foreground (lesson 13)\n"
	    "  doctor                                what this machine supports (lesson 00)\n"
	    "  help                                  show this help\n"
	    "\n"
	    "Run `hako run --help` for the options of run.\n",
	    f);
}

static void run_usage(FILE *f)
{
	fputs("usage: hako run [OPTIONS] [ROOTFS] CMD [ARG...]\n"
	      "\n"
	      "Run CMD. With no options it is a plain child process (lesson 01); ROOTFS (a folder\n"
	      "with a root filesystem, e.g. build/rootfs) and the options below isolate it.\n"
	      "\n"
	      "ROOTFS becomes the container's / (lesson 04): CMD is looked up inside it (in /bin,\n"
	      "/usr/bin, /sbin, /usr/sbin), and it gets its own /proc, a read-only /sys and a\n"
	      "minimal /dev. `make rootfs` builds a busybox one in build/rootfs. The first word\n"
	      "after the options is ROOTFS when it is a folder; --rootfs DIR says so explicitly.\n"
	      "ROOTFS is never written: the container's / is an overlay with a layer of its own\n"
	      "on top (lesson 11), kept after it exits unless --rm (`hako diff`, `hako rm`), in\n"
	      "/var/lib/hako (root), ~/.local/share/hako (rootless) or $HAKO_ROOT.\n"
	      "Example: sudo hako run build/rootfs /bin/sh\n"
	      "\n"
	      "Options:\n",
	      f);
	for (size_t i = 0; i < N_RUN_OPTIONS; i++) {
		char left[40];
		const struct run_option *o = &run_options[i];
		if (o->id < 128) /* it has a one-letter form too */
			snprintf(left, sizeof(left), "-%c, --%s%s%s", (char)o->id, o->name,
			         o->arg ? " " : "", o->arg ? o->arg : "");
		else
			snprintf(left, sizeof(left), "--%s%s%s", o->name, o->arg ? " " : "",
			         o->arg ? o->arg : "");
		fprintf(f, "  %-26s %s (lesson %s)\n", left, o->help, o->lesson);
	}
	fputs("\nExit status: CMD's own; 128+N if a signal N killed it; 127 if CMD was not\n"
	      "found (in ROOTFS, when there is one), 126 if it could not be executed; 125 if\n"
	      "hako itself failed.\n",
	      f);
}

/* What -e, --env-file, -v and --tmpfs collect (lesson 13): hako runs one container, so static
 * arrays hold them for its lifetime. */
#define MAX_ENV 256
static char *env_extra[MAX_ENV + 1];
static size_t n_env;
static char *env_all[2 * MAX_ENV + 1];
static struct hako_mount run_mounts[HAKO_MAX_MOUNTS];
static char mount_text[HAKO_MAX_MOUNTS][PATH_MAX * 2 + 8];
static size_t n_mounts;

/* Add KEY=VALUE (or KEY: hako's own value, dropped when hako has none) to env_extra. */
static int add_env(const char *entry, const char *where)
{
	char *copy;

	if (entry[0] == '\0' || entry[0] == '=') {
		fprintf(stderr, "hako run: %s '%s': expected KEY=VALUE\n", where, entry);
		return -EINVAL;
	}
	if (n_env == MAX_ENV) {
		fprintf(stderr, "hako run: more than %d environment entries\n", MAX_ENV);
		return -E2BIG;
	}
	if (strchr(entry, '=')) {
		copy = strdup(entry);
	} else {
		const char *v = getenv(entry);
		if (!v)
			return 0;
		if (asprintf(&copy, "%s=%s", entry, v) < 0)
			copy = NULL;
	}
	if (!copy)
		return -ENOMEM;
	env_extra[n_env++] = copy;
	return 0;
}

/* --env-file FILE: one KEY=VALUE (or KEY) a line; empty lines and # comments skipped. */
static int read_env_file(const char *path)
{
	char line[4096];
	FILE *f = fopen(path, "re");
	int err = 0;

	if (!f) {
		fprintf(stderr, "hako run: --env-file %s: %s\n", path, strerror(errno));
		return -errno;
	}
	while (err == 0 && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0' || line[0] == '#')
			continue;
		err = add_env(line, path);
	}
	fclose(f);
	return err;
}

/* Join the image's environment (if any) and -e's, -e last so that it wins. */
static char **merge_env(char **image)
{
	size_t n = 0;

	for (char **e = image; e && *e && n < MAX_ENV; e++)
		env_all[n++] = *e;
	for (size_t i = 0; i < n_env; i++)
		env_all[n++] = env_extra[i];
	env_all[n] = NULL;
	return env_all;
}

/* --tmpfs DST[:OPTS]: docker's defaults (nosuid, nodev, noexec), then OPTS. */
static int add_tmpfs(const char *arg)
{
	struct hako_mount *m = &run_mounts[n_mounts];
	char *text = mount_text[n_mounts], *opts, *data, *save = NULL;

	if (n_mounts == HAKO_MAX_MOUNTS)
		return -E2BIG;
	snprintf(text, sizeof(mount_text[0]), "%s", arg);
	if ((opts = strchr(text, ':')))
		*opts++ = '\0';
	if (text[0] != '/')
		return -EINVAL;
	data = text + strlen(text) + (opts ? strlen(opts) : 0) + 2;
	*data = '\0';
	*m = (struct hako_mount){.source = "tmpfs",
	                         .target = text,
	                         .type = "tmpfs",
	                         .flags = MS_NOSUID | MS_NODEV | MS_NOEXEC};
	for (char *o = opts ? strtok_r(opts, ",", &save) : NULL; o;
	     o = strtok_r(NULL, ",", &save)) {
		int err = spec_mount_option(o, &m->flags, data, PATH_MAX);
		if (err < 0)
			return err;
	}
	m->data = data[0] ? data : NULL;
	n_mounts++;
	return 0;
}

/* Turn a parser's error into a message naming the option; returns HAKO_EXIT_FAILED. */
static int bad_value(const char *opt, const char *value, int err, const char *what,
                     const char *lesson)
{
	if (err == -ENOSYS)
		fprintf(stderr, "hako: --%s: not implemented yet (lesson %s)\n", opt, lesson);
	else
		fprintf(stderr, "hako: --%s %s: invalid %s\n", opt, value, what);
	return HAKO_EXIT_FAILED;
}

static int cmd_run(int argc, char **argv)
{
	struct hako_config cfg = {.net = HAKO_NET_HOST};
	const char *entrypoint = NULL;
	bool detach = false;
	struct option longopts[N_RUN_OPTIONS + 1];
	/* --cap-add and --cap-drop values, resolved together once all options are read. */
	const char **cap_add = calloc((size_t)argc, sizeof(char *));
	const char **cap_drop = calloc((size_t)argc, sizeof(char *));
	size_t ncap_add = 0, ncap_drop = 0;
	int c, err, code = HAKO_EXIT_FAILED;

	if (!cap_add || !cap_drop) {
		fputs("hako: out of memory\n", stderr);
		goto out;
	}

	for (size_t i = 0; i < N_RUN_OPTIONS; i++)
		longopts[i] = (struct option){run_options[i].name,
		                              run_options[i].arg ? required_argument : no_argument,
		                              NULL, run_options[i].id};
	memset(&longopts[N_RUN_OPTIONS], 0, sizeof(longopts[0]));

	optind = 1;
	opterr = 0;
	/* "+": stop at the first non-option, so CMD's own options are left alone; ":": a missing
	 * value is reported as ':' (not '?'), with the option's id in optopt. */
	while ((c = getopt_long(argc, argv, "+:hde:w:v:ti", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_ROOTFS:
			cfg.rootfs = optarg;
			break;
		case OPT_HOSTNAME:
			cfg.hostname = optarg;
			break;
		case OPT_ISOLATE:
			cfg.isolate = true;
			break;
		case OPT_ROOTLESS:
			cfg.rootless = true;
			break;
		case OPT_NET: {
			size_t i = 0;
			while (i < N_NET_MODES && strcmp(optarg, net_modes[i].name) != 0)
				i++;
			if (i == N_NET_MODES) {
				bad_value("net", optarg, -EINVAL,
				          "network mode (host, none or veth)", "06");
				goto out;
			}
			cfg.net = net_modes[i].net;
			break;
		}
		case OPT_MEMORY:
			err = cgroup_parse_size(optarg, &cfg.memory);
			if (err < 0) {
				bad_value("memory", optarg, err, "size", "07");
				goto out;
			}
			break;
		case OPT_CPUS:
			err = cgroup_parse_cpus(optarg, &cfg.cpu_max);
			if (err < 0) {
				bad_value("cpus", optarg, err, "number of CPUs", "07");
				goto out;
			}
			break;
		case OPT_PIDS: {
			char *end;
			errno = 0;
			long n = strtol(optarg, &end, 10);
			/* As docker run: -1 means no limit. */
			if (errno || end == optarg || *end || n == 0 || n < -1) {
				bad_value("pids-limit", optarg, -EINVAL,
				          "process count (a positive number, or -1 for no limit)",
				          "07");
				goto out;
			}
			cfg.pids_limit = n > 0 ? n : 0;
			break;
		}
		case OPT_STATS:
			cfg.stats = true;
			break;
		case OPT_CAP_ADD:
			cap_add[ncap_add++] = optarg;
			break;
		case OPT_CAP_DROP:
			cap_drop[ncap_drop++] = optarg;
			break;
		case OPT_PRIVILEGED:
			cfg.privileged = true;
			break;
		case OPT_SECURITY_OPT:
			if (strcmp(optarg, "no-new-privileges") == 0 ||
			    strcmp(optarg, "no-new-privileges=true") == 0)
				cfg.no_new_privs = true;
			else if (strcmp(optarg, "no-new-privileges=false") == 0)
				cfg.no_new_privs = false;
			else if (strncmp(optarg, "seccomp=", 8) == 0 && optarg[8])
				cfg.seccomp = optarg + 8;
			else {
				bad_value("security-opt", optarg, -EINVAL,
				          "security option (no-new-privileges[=true|false] or "
				          "seccomp=unconfined|FILE)",
				          "09");
				goto out;
			}
			break;
		case OPT_USER: {
			uid_t uid;
			gid_t gid;
			err = caps_parse_user(optarg, &uid, &gid);
			if (err < 0) {
				bad_value("user", optarg, err, "user (UID or UID:GID, as numbers)",
				          "09");
				goto out;
			}
			cfg.user = optarg;
			break;
		}
		case OPT_NAME:
			if (store_check_name(optarg) < 0) {
				bad_value("name", optarg, -EINVAL,
				          "name (letters, digits, '_', '.', '-'; at most 64)",
				          "11");
				goto out;
			}
			cfg.name = optarg;
			break;
		case OPT_RM:
			cfg.rm = true;
			break;
		case OPT_ENV:
			if (add_env(optarg, "-e") < 0)
				goto out;
			break;
		case OPT_ENV_FILE:
			if (read_env_file(optarg) < 0)
				goto out;
			break;
		case OPT_WORKDIR:
			if (optarg[0] != '/') {
				bad_value("workdir", optarg, -EINVAL,
				          "working folder (an absolute path)", "13");
				goto out;
			}
			cfg.workdir = optarg;
			break;
		case OPT_VOLUME:
			if (n_mounts == HAKO_MAX_MOUNTS) {
				bad_value("volume", optarg, -E2BIG, "volume (too many)", "13");
				goto out;
			}
			err = spec_parse_volume(optarg, &run_mounts[n_mounts], mount_text[n_mounts],
			                        sizeof(mount_text[0]));
			if (err < 0) {
				bad_value("volume", optarg, err,
				          "volume (SRC:DST[:ro], both absolute paths)", "13");
				goto out;
			}
			n_mounts++;
			break;
		case OPT_READ_ONLY:
			cfg.readonly_root = true;
			break;
		case OPT_TMPFS:
			if ((err = add_tmpfs(optarg)) < 0) {
				bad_value("tmpfs", optarg, err,
				          "tmpfs (an absolute DST, then :OPTIONS)", "13");
				goto out;
			}
			break;
		case OPT_ENTRYPOINT:
			entrypoint = optarg;
			break;
		case OPT_DETACH:
			detach = true;
			break;
		case OPT_TTY:
			cfg.tty = true;
			break;
		case OPT_INTERACTIVE:
			cfg.interactive = true;
			break;
		case 'h':
		case OPT_HELP:
			run_usage(stdout);
			code = 0;
			goto out;
		case ':': /* a known option without its value: optopt says which */
			for (size_t i = 0; i < N_RUN_OPTIONS; i++)
				if ((int)run_options[i].id == optopt)
					fprintf(stderr, "hako run: --%s needs a value (%s)\n",
					        run_options[i].name, run_options[i].arg);
			fputs("Try `hako run --help`.\n", stderr);
			goto out;
		default:
			/* optopt is a short option's letter; for a long one it is 0 (unknown). */
			if (optopt > 0 && optopt < 128)
				fprintf(stderr, "hako run: unknown option: -%c\n", optopt);
			else
				fprintf(stderr, "hako run: unknown option: %s\n", argv[optind - 1]);
			fputs("Try `hako run --help`.\n", stderr);
			goto out;
		}
	}

	/* [ROOTFS|IMAGE] CMD...: the first word is a root filesystem if it is a folder, an image
	 * if the store has one of that name (lesson 12). */
	struct stat st;
	int image_args = -1; /* where the words after an image start */
	if (!cfg.rootfs && optind < argc && stat(argv[optind], &st) == 0 && S_ISDIR(st.st_mode) &&
	    (optind + 1 < argc || entrypoint)) {
		cfg.rootfs = argv[optind++];
	} else if (!cfg.rootfs && optind < argc && !strchr(argv[optind], '/') &&
	           images_resolve(argv[optind], &cfg, argv + optind + 1, argc - optind - 1) == 0) {
		image_args = optind + 1;
		optind = argc; /* cfg.argv is the image's command */
	} else if (!cfg.rootfs && optind + 1 == argc && stat(argv[optind], &st) == 0 &&
	           S_ISDIR(st.st_mode)) {
		/* A root filesystem and nothing to run in it. */
		fprintf(stderr, "hako run: no command given to run in %s\nTry `hako run --help`.\n",
		        argv[optind]);
		goto out;
	}
	/* --entrypoint CMD: CMD, then the words given after the image or rootfs (as docker, the
	 * image's own Cmd is dropped). */
	static char *entry_argv[1024];
	if (entrypoint) {
		int from = image_args >= 0 ? image_args : optind, n = 0;
		entry_argv[n++] = (char *)entrypoint;
		for (int i = from; i < argc && n < 1023; i++)
			entry_argv[n++] = argv[i];
		entry_argv[n] = NULL;
		cfg.argv = entry_argv;
	}
	if (!cfg.argv && optind >= argc) {
		fputs("hako run: no command given\nTry `hako run --help`.\n", stderr);
		goto out;
	}
	if (!cfg.argv)
		cfg.argv = &argv[optind];
	if (n_env)
		cfg.env = merge_env(cfg.env);
	cfg.mounts = run_mounts;
	cfg.nmounts = n_mounts;
	/* Privileges are a container's (lesson 09): asking about them asks for a container. */
	if (ncap_add || ncap_drop || cfg.privileged || cfg.no_new_privs || cfg.seccomp || cfg.user)
		cfg.isolate = true;
	/* So are an environment, a working folder, mounts and a terminal (lesson 13). */
	if (n_env || cfg.workdir || n_mounts || cfg.readonly_root || cfg.tty)
		cfg.isolate = true;
	/* Without root, namespaces other than a user namespace need one to own them (lesson 05). */
	if (geteuid() != 0 && hako_config_isolated(&cfg))
		cfg.rootless = true;

	/* The capabilities the workload keeps (lesson 09): Docker's default set, adjusted. A
	 * wrong name stops here, before anything is made. Not done yet (-ENOSYS) is an error
	 * only when the options asked for something. */
	err = caps_resolve(cap_add, ncap_add, cap_drop, ncap_drop, &cfg.caps);
	if (err == 0)
		cfg.caps_set = true;
	else if (err != -ENOSYS || ncap_add || ncap_drop) {
		if (err == -ENOSYS)
			bad_value(ncap_add ? "cap-add" : "cap-drop", "", err, "", "09");
		goto out;
	}

	if (detach) {
		if (cfg.tty) {
			fputs("hako run: -d with -t: a detached container has no terminal; use "
			      "`hako exec -it NAME sh` to get one\n",
			      stderr);
			goto out;
		}
		code = containers_run_detached(&cfg,
		                               image_args >= 0 ? argv[image_args - 1] : cfg.rootfs);
		goto out;
	}
	code = hako_run(&cfg);
	if (code < 0)
		code = HAKO_EXIT_FAILED;
out:
	images_release(&cfg);
	free(cap_add);
	free(cap_drop);
	return code;
}

/* `hako stats [--no-stream] [--interval MS] PID`: PID is a process in the container, or its
 * `hako run`. A row every MS milliseconds, a second by default as docker's. */
static int cmd_stats(int argc, char **argv)
{
	bool once = false;
	long interval = 1000;
	char *end;
	long pid;
	int err, i;
	struct lifecycle_info c;

	for (i = 1; i < argc - 1; i++) {
		if (strcmp(argv[i], "--no-stream") == 0) {
			once = true;
		} else if (strcmp(argv[i], "--interval") == 0 && i + 1 < argc - 1) {
			errno = 0;
			interval = strtol(argv[++i], &end, 10);
			if (errno || end == argv[i] || *end || interval < 10 ||
			    interval > 3600000) {
				fprintf(stderr,
				        "hako stats: --interval %s: milliseconds, 10 to 3600000\n",
				        argv[i]);
				return HAKO_EXIT_FAILED;
			}
		} else {
			break;
		}
	}
	const char *arg = argv[argc - 1];

	/* A detached container by name (lesson 14). */
	if (i == argc - 1 && containers_exists(arg) && lifecycle_load(arg, &c) == 0) {
		static char num[16];
		snprintf(num, sizeof(num), "%d", (int)c.st.pid);
		arg = num;
	}
	if (argc < 2 || i != argc - 1 || arg[0] == '-') {
		fputs("usage: hako stats [--no-stream] [--interval MS] PID\n", stderr);
		return HAKO_EXIT_FAILED;
	}
	errno = 0;
	pid = strtol(arg, &end, 10);
	if (errno || end == arg || *end || pid <= 0 || pid > 0x3fffffff) {
		fprintf(stderr, "hako stats: %s: not a process id\n", arg);
		return HAKO_EXIT_FAILED;
	}
	err = stats_watch((pid_t)pid, once ? 1 : 0, (int)interval);
	if (err == -ESRCH)
		fprintf(stderr,
		        "hako stats: no container for PID %ld: no such process, or not in a "
		        "hako cgroup\n",
		        pid);
	else if (err == -ENOENT)
		fprintf(stderr, "hako stats: container of PID %ld has exited\n", pid);
	else if (err == -ENOSYS)
		fputs("hako stats: not implemented yet (lesson 08)\n", stderr);
	else if (err < 0)
		fprintf(stderr, "hako stats: %s\n", strerror(-err));
	return err < 0 ? 1 : 0;
}

/* Find the kept layer of container ARGV[1] for `hako CMD NAME`; prints why not. */
static int open_layer(int argc, char **argv, const char *cmd, struct container_layer *l)
{
	int err;

	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: hako %s NAME\n", cmd);
		return -EINVAL;
	}
	err = layer_init(argv[1], l);
	if (err == -EINVAL)
		fprintf(stderr, "hako %s: '%s' is not a container name\n", cmd, argv[1]);
	else if (err < 0)
		fprintf(stderr, "hako %s: container store: %s\n", cmd, strerror(-err));
	else if (access(l->dir, F_OK) < 0)
		fprintf(stderr, "hako %s: no such container: %s\n", cmd, argv[1]), err = -ENOENT;
	return err;
}

/* `hako diff NAME`: what the container's layer adds, changes and deletes (lesson 11). */
static int cmd_diff(int argc, char **argv)
{
	struct container_layer l;
	char **lowers;
	size_t n;
	int err;

	if (open_layer(argc, argv, "diff", &l) < 0)
		return 1;
	if ((err = layer_lowers(&l, &lowers, &n)) < 0) {
		fprintf(stderr, "hako diff: %s/lowers: %s\n", l.dir, strerror(-err));
		return 1;
	}
	err = overlay_diff(l.upper, (const char *const *)lowers, n, stdout);
	layer_free_lowers(lowers);
	if (err == -ENOSYS)
		fputs("hako diff: not implemented yet (lesson 11)\n", stderr);
	else if (err < 0)
		fprintf(stderr, "hako diff: %s: %s\n", l.upper, strerror(-err));
	return err < 0 ? 1 : 0;
}

/* `hako rm NAME`: remove a container's kept layer (lesson 11; lesson 14 adds running ones). */
static int cmd_rm(int argc, char **argv)
{
	struct container_layer l;
	int err;

	if (open_layer(argc, argv, "rm", &l) < 0)
		return 1;
	if ((err = layer_remove(&l)) < 0) {
		fprintf(stderr, "hako rm: %s: %s\n", l.dir, strerror(-err));
		return 1;
	}
	puts(l.name);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return HAKO_EXIT_FAILED;
	}
	/* runc's command line (lesson 13): `hako run --bundle DIR ID` and the lifecycle. */
	if (strcmp(argv[1], "run") == 0 && argc > 2 &&
	    (strcmp(argv[2], "--bundle") == 0 || strcmp(argv[2], "-b") == 0 ||
	     strncmp(argv[2], "--bundle=", 9) == 0))
		return runtime_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "run") == 0)
		return cmd_run(argc - 1, argv + 1);
	/* Detached containers (lesson 14); `hako kill -s SIG NAME` is docker's, `hako kill ID
	 * SIG` runc's (lesson 13); `hako rm` of a kept layer alone is lesson 11's. */
	if (strcmp(argv[1], "ps") == 0 || strcmp(argv[1], "logs") == 0 ||
	    strcmp(argv[1], "stop") == 0 || strcmp(argv[1], "exec") == 0 ||
	    (strcmp(argv[1], "kill") == 0 && argc > 2 &&
	     (strncmp(argv[2], "-s", 2) == 0 || containers_exists(argv[2]))) ||
	    (strcmp(argv[1], "rm") == 0 && argc > 2 &&
	     (strcmp(argv[2], "-f") == 0 || containers_exists(argv[2]))))
		return containers_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "create") == 0 || strcmp(argv[1], "start") == 0 ||
	    strcmp(argv[1], "state") == 0 || strcmp(argv[1], "kill") == 0 ||
	    strcmp(argv[1], "delete") == 0)
		return runtime_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "stats") == 0)
		return cmd_stats(argc - 1, argv + 1);
	if (strcmp(argv[1], "diff") == 0)
		return cmd_diff(argc - 1, argv + 1);
	if (strcmp(argv[1], "rm") == 0)
		return cmd_rm(argc - 1, argv + 1);
	if (strcmp(argv[1], "image") == 0 || strcmp(argv[1], "images") == 0)
		return images_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "doctor") == 0)
		return doctor_report() < 0 ? 1 : 0;
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "hako: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return HAKO_EXIT_FAILED;
}
