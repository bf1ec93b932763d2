/* run.c: `hako run` — calls each lesson's part in the order a container needs them. */
#include "hako.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* What the child needs to know, and the pipe on which it waits for the parent's "go". */
struct child_ctx {
	const struct hako_config *cfg;
	int go[2];     /* the child waits on go[0] for the parent's "go" (lesson 05) */
	bool cgroupns; /* a cgroup namespace, made once the parent attached the child (07) */
	/* The container's root: its overlay (lesson 11), or the rootfs folder itself. */
	const char *overlay_options; /* NULL: no overlay (no rootfs, or lesson 11 not done) */
	const char *root;            /* the merged folder, or cfg->rootfs */
	/* hako create (lesson 13): the exec fifo (O_PATH) and the "ready" pipe, or -1. */
	int fifo_fd;
	int ready[2];
	int tty_sock[2]; /* hako run -t: the child sends its pty's master on [1] (lesson 13) */
	bool limits;     /* the user set limits: a cgroup namespace is then not optional */
	struct sock_fprog filter; /* seccomp filter, compiled by the parent; len 0: none (10) */
};

bool hako_config_isolated(const struct hako_config *cfg)
{
	return cfg->rootfs || cfg->nlayers || cfg->hostname || cfg->isolate ||
	       cfg->net != HAKO_NET_HOST || cfg->rootless;
}

/* Report ERR from WHAT, a step of lesson LESSON, as "hako: WHAT: reason"; returns ERR. */
static int report(const char *lesson, const char *what, int err)
{
	if (err == -ENOSYS)
		fprintf(stderr, "hako: %s: not implemented yet (lesson %s)\n", what, lesson);
	else
		fprintf(stderr, "hako: %s: %s\n", what, strerror(-err));
	return err;
}

/* For a step that prints its own message, naming the call that failed (lessons 04, 05, 06,
 * 07 and 09 do): add nothing, unless the step is not written yet. Returns ERR. */
static int reported(const char *lesson, const char *what, int err)
{
	return err == -ENOSYS ? report(lesson, what, err) : err;
}

/*
 * A protection that is on by default (lesson 09 on) and not written yet (-ENOSYS) must not
 * stop a student's hako from working: say so once and go on (returns 0). Any other error,
 * or a protection the user asked for by name (ASKED), is reported and returned.
 */
static int default_on(const char *lesson, const char *what, bool asked, int err)
{
	if (err == -ENOSYS && !asked) {
		fprintf(stderr, "hako: warning: %s: not implemented yet (lesson %s)\n", what,
		        lesson);
		return 0;
	}
	return report(lesson, what, err);
}

/* default_on() for a step that prints its own message (lesson 09's, but the environment):
 * a failure adds no second line; a step not written yet is handled as default_on() does. */
static int default_on_reported(const char *lesson, const char *what, bool asked, int err)
{
	return err == -ENOSYS ? default_on(lesson, what, asked, err) : err;
}

/*
 * The child's side. It runs in the new namespaces but must not change anything until the
 * parent has finished its part (uid maps, veth, cgroup): it blocks on the "go" pipe
 * (userns_sync_wait, lesson 05), and gives up quietly if hako failed or died.
 */
static int child_main(void *arg)
{
	struct child_ctx *ctx = arg;
	const struct hako_config *cfg = ctx->cfg;
	int err;

	if ((err = userns_sync_wait(ctx->go)) < 0) {
		if (err != -ECANCELED) /* hako reports its own failure */
			report("05", "wait for go", err);
		_exit(HAKO_EXIT_FAILED);
	}
	/* hako create exits while the container waits for start: it must not take the
	 * container with it (userns_sync_wait asked for that, lesson 05). */
	if (ctx->fifo_fd >= 0) {
		prctl(PR_SET_PDEATHSIG, 0);
		close(ctx->ready[0]);
	}
	if (ctx->tty_sock[0] >= 0)
		close(ctx->tty_sock[0]);

	/* A cgroup namespace always (09), so the container sees its own cgroup as "/";
	 * default-on when there are no limits. */
	if (ctx->cgroupns && (err = cgroup_enter_ns()) < 0 &&
	    (err = default_on("07", "no cgroup namespace", ctx->limits, err)) < 0)
		goto bad;
	if (cfg->hostname && (err = uts_enter(cfg->hostname)) < 0) {
		report("02", "sethostname", err);
		goto bad;
	}
	if (cfg->net != HAKO_NET_HOST && (err = net_loopback_up()) < 0) {
		reported("06", "loopback", err);
		goto bad;
	}
	if (ctx->overlay_options && (err = overlay_mount(ctx->overlay_options, ctx->root)) < 0) {
		if (err != -ENOSYS || !cfg->rootfs) {
			report("11", "overlay", err);
			goto bad;
		}
		fputs("hako: warning: the container writes straight into its rootfs: overlay: not "
		      "implemented yet (lesson 11)\n",
		      stderr);
		ctx->root = cfg->rootfs;
	}
	/* Bind mounts' sources, while the host's paths are in sight (lesson 13). */
	int mount_fds[HAKO_MAX_MOUNTS];
	if (cfg->nmounts && (err = mounts_prepare(cfg, mount_fds)) < 0) {
		report("13", "mounts", err);
		goto bad;
	}
	if (ctx->root && (err = mount_enter_rootfs(ctx->root)) < 0) {
		reported("04", "enter rootfs", err);
		goto bad;
	}
	if ((cfg->nmounts || cfg->readonly_root) && (err = mounts_apply(cfg, mount_fds)) < 0) {
		report("13", cfg->readonly_root ? "mounts, read-only /" : "mounts", err);
		goto bad;
	}
	for (size_t i = 0; i < cfg->nrlimits; i++) {
		const struct hako_rlimit *r = &cfg->rlimits[i];
		if (setrlimit(r->resource, &(struct rlimit){r->soft, r->hard}) < 0) {
			report("13", "setrlimit", -errno);
			goto bad;
		}
	}
	/* An image's working folder (lesson 12; its environment: secure_build_env, 09). */
	if (cfg->workdir && chdir(cfg->workdir) < 0) {
		report("12", cfg->workdir, -errno);
		goto bad;
	}
	/* -t: a terminal of its own, on the container's devpts (lesson 13). Before lesson 09
	 * closes the fds above 2: the socket to hako is one of them. */
	if (ctx->tty_sock[1] >= 0 && (err = tty_setup_child(ctx->tty_sock[1])) < 0) {
		report("13", "terminal", err);
		goto bad;
	}
	/* hako create: ready, and held here until hako start (lesson 13). Nothing of the
	 * workload has run; what follows only takes privileges away. */
	if (ctx->fifo_fd >= 0 && (err = state_exec_wait(ctx->fifo_fd, ctx->ready[1])) < 0) {
		report("13", "exec fifo", err);
		goto bad;
	}
	if (hako_config_isolated(cfg)) {
		/* Lesson 09, in this order: the kernel's files hidden or read-only (this needs
		 * CAP_SYS_ADMIN, so it comes before the capabilities go); then what the caller
		 * left us (fds, environment); then the capabilities and the user, last. */
		if (ctx->root && !cfg->privileged && (err = secure_mask_paths()) < 0 &&
		    (err = default_on_reported("09", "/proc and /sys paths not masked", false,
		                               err)) < 0)
			goto bad;
		if ((err = secure_close_fds()) < 0 &&
		    (err = default_on_reported("09", "inherited fds not closed", false, err)) < 0)
			goto bad;
		if ((err = secure_build_env(cfg)) < 0 &&
		    (err = default_on("09", "environment not rebuilt", false, err)) < 0)
			goto bad;
		/* An OCI bundle's process.env is the whole environment (lesson 13). */
		if (cfg->env_replace) {
			clearenv();
			for (char **e = cfg->env; e && *e; e++)
				putenv(*e);
		}
		/* Asked for by name: --user, --security-opt no-new-privileges, --privileged. */
		bool asked = cfg->user || cfg->no_new_privs || cfg->privileged;
		if ((err = caps_apply(cfg)) < 0 &&
		    (err = default_on_reported("09",
		                               asked ? "capabilities" : "capabilities not dropped",
		                               asked, err)) < 0)
			goto bad;
	}
	/* Last before the init: everything above needs calls the filter refuses (mount,
	 * pivot_root, sethostname), and every call from here on is the workload's. */
	if ((err = seccomp_enter(&ctx->filter)) < 0) {
		report("10", "seccomp filter", err);
		goto bad;
	}
	err = init_main(cfg->argv);
	if (err >= 0)
		_exit(err);
	report("03", "init", err);
bad:
	_exit(HAKO_EXIT_FAILED);
}

/* Say that the kernel's OOM killer ended the container, with the limit in readable units. */
static void report_oom(long long limit)
{
	if (limit >= 1024 * 1024)
		fprintf(stderr, "hako: killed: out of memory (limit %.4g MiB)\n",
		        limit / (1024.0 * 1024.0));
	else if (limit >= 1024)
		fprintf(stderr, "hako: killed: out of memory (limit %.4g KiB)\n", limit / 1024.0);
	else if (limit > 0)
		fprintf(stderr, "hako: killed: out of memory (limit %lld bytes)\n", limit);
	else
		fputs("hako: killed: out of memory\n", stderr);
}

/* Plain fork/exec for a command that asked for no isolation (lesson 01). */
static int run_plain(const struct hako_config *cfg)
{
	int code = process_run(cfg->argv);

	if (code < 0)
		return report("01", "run", code);
	return code;
}

/*
 * Lesson 11: the container's own layer. Fills L (the folders in the store) and OPTS (the
 * overlay's mount options, PAGE bytes) and makes the folders. Returns 1 when there is an
 * overlay to mount, 0 when there is none (no rootfs, or lesson 11 is not done yet: a warning
 * then, and the rootfs is used as it is), or a negative errno after saying why.
 */
static int layer_prepare(const struct hako_config *cfg, struct container_layer *l, char *opts,
                         size_t page)
{
	const char *const *lowers = cfg->layers;
	size_t nlowers = cfg->nlayers;
	char rootfs[PATH_MAX];
	const char *one[] = {rootfs};
	int err;

	if (!lowers || nlowers == 0) {
		if (!cfg->rootfs)
			return 0;
		/* Absolute: `hako diff` reads the list later, from anywhere. */
		if (!realpath(cfg->rootfs, rootfs))
			return report("11", cfg->rootfs, -errno);
		lowers = one;
		nlowers = 1;
	}
	/* A missing layer would fail the mount in the child, with a vaguer message, after the
	 * layer was made: check them all first. */
	for (size_t i = 0; i < nlowers; i++) {
		struct stat st;
		if (stat(lowers[i], &st) < 0)
			return report("11", lowers[i], -errno);
		if (!S_ISDIR(st.st_mode))
			return report("11", lowers[i], -ENOTDIR);
	}
	if ((err = layer_init(cfg->name, l)) < 0) {
		if (err == -EINVAL)
			fprintf(stderr,
			        "hako: --name '%s': a name is 1 to %d letters, digits, '_', '.' or "
			        "'-', starting with a letter or digit\n",
			        cfg->name, STORE_NAME_MAX);
		else
			report("11", "container store (set HAKO_ROOT, or HOME)", err);
		return err;
	}
	err = overlay_options(lowers, nlowers, l->upper, l->work, cfg->rootless, opts, page);
	if (err == -ENOSYS) {
		if (!cfg->rootfs)
			return report("11", "overlay options", err);
		fputs("hako: warning: the container writes straight into its rootfs: overlay: not "
		      "implemented yet (lesson 11)\n",
		      stderr);
		return 0;
	}
	if (err == -E2BIG) {
		fprintf(stderr,
		        "hako: %zu layers: too many for one overlay mount (at most %d, and the "
		        "options must fit in one page, %zu bytes, with their paths)\n",
		        nlowers, OVERLAY_MAX_LAYERS, page);
		return err;
	}
	if (err < 0)
		return report("11", "overlay options", err);
	if ((err = layer_create(l, lowers, nlowers)) < 0) {
		if (err == -EEXIST)
			fprintf(stderr,
			        "hako: a container named '%s' exists already: `hako rm %s` removes "
			        "it\n",
			        l->name, l->name);
		else
			report("11", l->dir, err);
		return err;
	}
	return 1;
}

long long hako_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

/*
 * hako_run() and hako_create(): with CREATED NULL, run the container and wait for it; else
 * (lesson 13) return once it is ready and held on its exec fifo, its pid in *CREATED and its
 * cgroup in *CG_OUT.
 */
static int run_container(const struct hako_config *cfg, pid_t *created, struct hako_cgroup **cg_out,
                         char *devdir, size_t devlen)
{
	struct child_ctx ctx = {.cfg = cfg,
	                        .go = {-1, -1},
	                        .root = cfg->rootfs,
	                        .filter = {0, NULL},
	                        .fifo_fd = -1,
	                        .ready = {-1, -1},
	                        .tty_sock = {-1, -1}};
	struct tty_session *tty = NULL;
	struct hako_cgroup *cg = NULL;
	struct container_layer layer;
	bool layer_made = false, started = false;
	long page = sysconf(_SC_PAGESIZE);
	char *opts = NULL;
	struct hako_devices *devices = NULL;
	char host_if[16] = "";
	char name[32];
	int flags, err, code = -1;
	pid_t pid = -1;
	long long start = hako_now_us();
	sigset_t fwd, old_mask;
	struct sigaction old_pipe;
	bool pipe_set = false;
	/* A detached container (lesson 14) always has a cgroup as root: `hako stats NAME`. */
	bool limits = cfg->memory || cfg->cpu_max || cfg->pids_limit || cfg->stats ||
	              (cfg->monitor && geteuid() == 0);

	/* 0. What would only fail later, with a confusing message (lesson 13). */
	char why[512];
	if ((err = spec_check(cfg, why, sizeof(why))) == -ENOSYS) {
		fputs("hako: warning: configuration not checked: not implemented yet (lesson 13)\n",
		      stderr);
	} else if (err < 0) {
		fprintf(stderr, "hako: %s\n", why);
		/* As a shell: a command that is not there is 127. */
		return err == -ENOENT ? 127 : err;
	}
	if (cfg->nmounts > HAKO_MAX_MOUNTS) {
		fprintf(stderr, "hako: %zu mounts: at most %d\n", cfg->nmounts, HAKO_MAX_MOUNTS);
		return -E2BIG;
	}
	/* Without a root filesystem of its own, a mount would land in the host's tree. */
	if ((cfg->nmounts || cfg->readonly_root) && !cfg->rootfs && !cfg->nlayers) {
		fputs("hako: -v, --tmpfs and --read-only need a ROOTFS or an image\n", stderr);
		return -EINVAL;
	}

	if (!hako_config_isolated(cfg) && !limits && !created && !cfg->nmounts &&
	    !cfg->readonly_root && !cfg->tty)
		return run_plain(cfg);

	/* 1. Check everything that can be checked before anything is made. */
	if (cfg->hostname && (err = uts_check_hostname(cfg->hostname)) < 0) {
		if (err != -EINVAL)
			return report("02", "--hostname", err);
		fprintf(stderr, "hako: --hostname '%s': a hostname is 1 to 64 bytes, not %zu\n",
		        cfg->hostname, strlen(cfg->hostname));
		return err;
	}
	if (cfg->rootfs && (err = mount_check_rootfs(cfg->rootfs)) < 0)
		return report("04", cfg->rootfs, err);
	if (cfg->rootfs && (err = mount_check_command(cfg->rootfs, cfg->argv[0])) < 0) {
		char what[512];
		snprintf(what, sizeof(what), "%s (in rootfs %s)", cfg->argv[0], cfg->rootfs);
		report("04", what, err);
		/* As a shell (and docker run): 127 not found, 126 not executable. */
		return err == -ENOENT ? 127 : err == -EACCES ? 126 : err;
	}
	/* The seccomp filter is built and compiled here, in the parent: a bad profile stops
	 * hako before anything exists, and the child only has to load it. A filter that is on
	 * by default but not written yet is a warning; a profile asked for is an error. */
	if (hako_config_isolated(cfg) && (err = seccomp_build(cfg, &ctx.filter)) < 0) {
		bool asked = cfg->seccomp && strcmp(cfg->seccomp, "unconfined") != 0;
		if (asked && err == -EINVAL)
			return err; /* the profile reader said which field, and where */
		if (err != -ENOSYS || asked)
			return report("10", asked ? cfg->seccomp : "seccomp filter", err);
		fputs("hako: warning: no seccomp filter: not implemented yet (lesson 10)\n",
		      stderr);
	}

	/* From here on, the signals that container_wait() passes on wait, blocked: one that
	 * arrives while the container starts must not kill hako and leave the container
	 * behind. The child inherits the mask; init_main() unblocks them for the workload. */
	sigemptyset(&fwd);
	sigaddset(&fwd, SIGCHLD);
	sigaddset(&fwd, SIGTERM);
	sigaddset(&fwd, SIGINT);
	sigaddset(&fwd, SIGHUP);
	sigprocmask(SIG_BLOCK, &fwd, &old_mask);

	/* 2. The container's layer (lesson 11), then its cgroup: both exist before the child,
	 * which mounts the one and joins the other before exec. */
	if (!cfg->keep_rootfs && (cfg->rootfs || cfg->nlayers) && !(opts = malloc(page))) {
		err = report("11", "overlay options", -ENOMEM);
		goto bad;
	}
	if (opts && (err = layer_prepare(cfg, &layer, opts, (size_t)page)) < 0)
		goto bad;
	if (opts && err > 0) {
		layer_made = true;
		ctx.overlay_options = opts;
		ctx.root = layer.merged;
	}

	snprintf(name, sizeof(name), "hako-%d", (int)getpid());
	if (cfg->cgroup_name)
		snprintf(name, sizeof(name), "%s", cfg->cgroup_name);
	if (limits && (err = cgroup_create(cfg, name, &cg)) < 0) {
		reported("07", "cgroup", err);
		goto bad;
	}

	/* 3. The child, in its new namespaces, waiting on the pipe. */
	flags = SIGCHLD;
	if (hako_config_isolated(cfg))
		flags |= CLONE_NEWUTS | CLONE_NEWPID | CLONE_NEWNS | net_clone_flags(cfg);
	if (cfg->rootless)
		flags |= CLONE_NEWUSER;
	/* Not CLONE_NEWCGROUP here: a cgroup namespace is rooted where the child is when it is
	 * made, so the child unshares it after cgroup_attach (07). */
	ctx.cgroupns = hako_config_isolated(cfg);
	ctx.limits = cg != NULL;
	if (pipe2(ctx.go, O_CLOEXEC) < 0) {
		err = report("02", "pipe", -errno);
		goto bad;
	}
	if (created) {
		ctx.fifo_fd = open(cfg->exec_fifo, O_PATH | O_CLOEXEC);
		if (ctx.fifo_fd < 0 || pipe2(ctx.ready, O_CLOEXEC) < 0) {
			err = report("13", cfg->exec_fifo, -errno);
			goto bad;
		}
	}
	if (cfg->tty && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ctx.tty_sock) < 0) {
		err = report("13", "socketpair", -errno);
		goto bad;
	}
	pid = container_clone(child_main, &ctx, flags);
	if (pid < 0) {
		err = report("02", "clone", pid);
		pid = -1;
		goto bad;
	}
	close(ctx.go[0]);
	ctx.go[0] = -1;
	if (ctx.tty_sock[1] >= 0) {
		close(ctx.tty_sock[1]);
		ctx.tty_sock[1] = -1;
	}
	/* If the child dies before "go", writing it must fail with EPIPE (reported, then cleaned
	 * up), not kill hako with SIGPIPE. Set after clone, so the container keeps the default. */
	sigaction(SIGPIPE, &(struct sigaction){.sa_handler = SIG_IGN}, &old_pipe);
	pipe_set = true;

	/* 4. The parent's part, while the child waits. */
	if (cfg->rootless && (err = userns_write_maps(pid, getuid(), getgid())) < 0) {
		reported("05", "uid/gid maps", err);
		goto bad;
	}
	if (cfg->net == HAKO_NET_VETH && (err = net_veth_create(pid, host_if)) < 0) {
		reported("06", "veth", err);
		if (err == -EPERM && geteuid() != 0)
			fputs("hako: --net veth needs root: the host end of the pair lives in the "
			      "host's network namespace (use --net none)\n",
			      stderr);
		goto bad;
	}
	if (cg && (err = cgroup_attach(cg, pid)) < 0) {
		reported("07", "cgroup", err);
		goto bad;
	}
	/* Device access as Docker's (09): needs root in the host's user namespace. */
	if (hako_config_isolated(cfg) && !cfg->rootless && !cfg->privileged &&
	    (err = devices_limit(name, pid, &devices)) < 0 &&
	    (err = default_on_reported("09", "device access not limited", false, err)) < 0)
		goto bad;

	/* 5. Go. */
	if ((err = userns_sync_go(ctx.go)) < 0) {
		report("05", "go", err);
		goto bad;
	}
	started = true;
	if (created) {
		/* The child says "ready" once everything is in place, or closes the pipe when
		 * it failed (it said why). */
		char c;
		close(ctx.ready[1]);
		ctx.ready[1] = -1;
		if (read(ctx.ready[0], &c, 1) != 1) {
			err = -ECHILD;
			goto bad;
		}
		*created = pid;
		*cg_out = cg;
		cg = NULL;
		/* The device cgroup outlives hako create too: hako delete removes it. */
		snprintf(devdir, devlen, "%s", devices_dir(devices) ? devices_dir(devices) : "");
		devices_release(devices);
		devices = NULL;
		pid = -1;
		err = 0;
		goto bad;
	}
	if (cfg->tty) {
		int master = tty_recv_master(ctx.tty_sock[0]);
		if (master < 0) {
			if (master != -ECHILD) /* -ECHILD: the child failed and said why */
				report("13", "terminal", master);
			err = master;
			goto bad;
		}
		if ((err = tty_session_start(master, cfg->interactive, &tty)) < 0) {
			close(master);
			report("13", "terminal", err);
			goto bad;
		}
	}
	/* A detached container's monitor waits for it, with a pidfd (lesson 14). */
	code = cfg->monitor ? cfg->monitor(cfg->monitor_arg, pid, cg, devices_dir(devices))
	                    : container_wait(pid);
	/* The relay ends when the container's terminal does: with the container. */
	tty_session_end(tty);
	tty = NULL;
	if (code < 0) {
		err = report(cfg->monitor ? "14" : "03", "wait", code);
		goto bad;
	}
	pid = -1;

	if (cg && cgroup_oom_killed(cg) > 0)
		report_oom(cfg->memory);
	if (cg && cfg->stats)
		stats_print_summary(cg, hako_now_us() - start);
	err = code;
bad:
	if (pid > 0) {
		/* The child never got "go" (or could not be waited for): stop it, and reap it. */
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	tty_session_end(tty);
	if (pipe_set)
		sigaction(SIGPIPE, &old_pipe, NULL);
	sigprocmask(SIG_SETMASK, &old_mask, NULL);
	if (ctx.go[0] >= 0)
		close(ctx.go[0]);
	if (ctx.go[1] >= 0)
		close(ctx.go[1]);
	if (ctx.fifo_fd >= 0)
		close(ctx.fifo_fd);
	if (ctx.tty_sock[0] >= 0)
		close(ctx.tty_sock[0]);
	if (ctx.tty_sock[1] >= 0)
		close(ctx.tty_sock[1]);
	if (ctx.ready[0] >= 0)
		close(ctx.ready[0]);
	if (ctx.ready[1] >= 0)
		close(ctx.ready[1]);
	if (host_if[0])
		net_veth_destroy(host_if);
	devices_destroy(devices);
	cgroup_destroy(cg);
	/* The layer outlives the container unless --rm asked, or it never ran. */
	if (layer_made && (cfg->rm || !started)) {
		if ((code = layer_remove(&layer)) < 0)
			report("11", layer.dir, code);
	} else if (layer_made && !cfg->name) {
		fprintf(stderr,
		        "hako: container %s kept: `hako diff %s` shows its changes, "
		        "`hako rm %s` removes it\n",
		        layer.name, layer.name, layer.name);
	}
	free(opts);
	seccomp_free(&ctx.filter);
	return err;
}

int hako_run(const struct hako_config *cfg)
{
	return run_container(cfg, NULL, NULL, NULL, 0);
}

int hako_create(const struct hako_config *cfg, pid_t *pid, struct hako_cgroup **cg, char *devdir,
                size_t len)
{
	*pid = -1;
	*cg = NULL;
	devdir[0] = '\0';
	if (!cfg->exec_fifo)
		return -EINVAL;
	return run_container(cfg, pid, cg, devdir, len);
}
