/* run.c: `hako run` — calls each lesson's part in the order a container needs them. */
#include "hako.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* What the child needs to know, and the pipe on which it waits for the parent's "go". */
struct child_ctx {
	const struct hako_config *cfg;
	int go[2];     /* the child waits on go[0] for the parent's "go" (lesson 05) */
	bool cgroupns; /* a cgroup namespace, made once the parent attached the child (07) */
};

bool hako_config_isolated(const struct hako_config *cfg)
{
	return cfg->rootfs || cfg->hostname || cfg->isolate || cfg->net != HAKO_NET_HOST ||
	       cfg->rootless;
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

/* For a step that prints its own message, naming the call that failed (lessons 04, 05 and
 * 06 do): add nothing, unless the step is not written yet. Returns ERR. */
static int reported(const char *lesson, const char *what, int err)
{
	return err == -ENOSYS ? report(lesson, what, err) : err;
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

	if (ctx->cgroupns && (err = cgroup_enter_ns()) < 0) {
		report("07", "cgroup namespace", err);
		goto bad;
	}
	if (cfg->hostname && (err = uts_enter(cfg->hostname)) < 0) {
		report("02", "sethostname", err);
		goto bad;
	}
	if (cfg->net != HAKO_NET_HOST && (err = net_loopback_up()) < 0) {
		reported("06", "loopback", err);
		goto bad;
	}
	if (cfg->rootfs && (err = mount_enter_rootfs(cfg->rootfs)) < 0) {
		reported("04", "enter rootfs", err);
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

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

int hako_run(const struct hako_config *cfg)
{
	struct child_ctx ctx = {.cfg = cfg, .go = {-1, -1}};
	struct hako_cgroup *cg = NULL;
	char host_if[16] = "";
	char name[32];
	int flags, err, code = -1;
	pid_t pid = -1;
	long long start = now_us();
	sigset_t fwd, old_mask;
	struct sigaction old_pipe;
	bool pipe_set = false;
	bool limits = cfg->memory || cfg->cpu_max || cfg->pids_limit || cfg->stats;

	if (!hako_config_isolated(cfg) && !limits)
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

	/* From here on, the signals that container_wait() passes on wait, blocked: one that
	 * arrives while the container starts must not kill hako and leave the container
	 * behind. The child inherits the mask; init_main() unblocks them for the workload. */
	sigemptyset(&fwd);
	sigaddset(&fwd, SIGCHLD);
	sigaddset(&fwd, SIGTERM);
	sigaddset(&fwd, SIGINT);
	sigaddset(&fwd, SIGHUP);
	sigprocmask(SIG_BLOCK, &fwd, &old_mask);

	/* 2. The cgroup exists before the child, so the child can join it before exec. */
	snprintf(name, sizeof(name), "hako-%d", (int)getpid());
	if (limits && (err = cgroup_create(cfg, name, &cg)) < 0) {
		report("07", "cgroup", err);
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
	ctx.cgroupns = cg && hako_config_isolated(cfg);
	if (pipe2(ctx.go, O_CLOEXEC) < 0) {
		err = report("02", "pipe", -errno);
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
		report("07", "cgroup", err);
		goto bad;
	}

	/* 5. Go. */
	if ((err = userns_sync_go(ctx.go)) < 0) {
		report("05", "go", err);
		goto bad;
	}
	code = container_wait(pid);
	if (code < 0) {
		err = report("03", "wait", code);
		goto bad;
	}
	pid = -1;

	if (cg && cgroup_oom_killed(cg) > 0)
		report_oom(cfg->memory);
	if (cg && cfg->stats)
		stats_print_summary(cg, now_us() - start);
	err = code;
bad:
	if (pid > 0) {
		/* The child never got "go" (or could not be waited for): stop it, and reap it. */
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	if (pipe_set)
		sigaction(SIGPIPE, &old_pipe, NULL);
	sigprocmask(SIG_SETMASK, &old_mask, NULL);
	if (ctx.go[0] >= 0)
		close(ctx.go[0]);
	if (ctx.go[1] >= 0)
		close(ctx.go[1]);
	if (host_if[0])
		net_veth_destroy(host_if);
	cgroup_destroy(cg);
	return err;
}
