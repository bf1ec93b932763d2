/* state.c: lesson 13 — a container's state on disk, its status, and the exec fifo. */
#include "hako.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/*
 * The runtime spec's lifecycle, as hako keeps it:
 *
 *   hako create ──► creating ──► created ──hako start──► running ──exit──► stopped
 *                   (clone,       (held on                (workload)        (pid gone)
 *                    mounts)       exec.fifo)                                   │
 *                                                                   hako delete ▼
 *                                                                       (state dir,
 *                                                                        cgroup gone)
 *
 * STATE_ROOT/ID/ holds state.json (id, pid, its start time, bundle, created), exec.fifo
 * while the container is held, and cgroups (the folders to remove at delete).
 */

int state_root(char *buf, size_t len)
{
	const char *env = getenv("HAKO_STATE");
	int n;

	if (env && *env)
		n = snprintf(buf, len, "%s", env);
	else if (geteuid() == 0)
		n = snprintf(buf, len, "/run/hako");
	else if ((env = getenv("XDG_RUNTIME_DIR")) && *env)
		n = snprintf(buf, len, "%s/hako", env);
	else
		return -ENOENT;
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int state_start_time(pid_t pid, unsigned long long *ticks)
{
	char path[64], buf[1024];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -ESRCH;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -ESRCH;
	buf[n] = '\0';
	/// TODO(13): Field 22 of /proc/PID/stat is the start time (proc(5)). Field 2, the
	///   command name, is in parentheses and may hold spaces and ')': start counting after
	///   the LAST ')' (strrchr). Field 3 is the state: a zombie ('Z') has exited, so
	///   return -ESRCH for it too.
	return -ENOSYS;
}

enum state_status state_status(const struct container_state *st)
{
	/// TODO(13): STOPPED when there is no pid, or state_start_time fails for it, or gives
	///   another start time than ST's (the pid now belongs to a new process: pids are
	///   reused). Otherwise CREATED while ST->dir/exec.fifo exists, RUNNING when not.
	return STATE_CREATING;
}

int state_print(const struct container_state *st, FILE *out)
{
	static GIVEN const char *const names[] = {"creating", "created", "running", "stopped"};
	json_t *o = json_object();
	char *text;

	if (!o)
		return -ENOMEM;
	/// TODO(13): The runtime spec's state: "ociVersion" ("1.0.2"), "id", "status" (NAMES),
	///   "pid" (only while created or running, as state_status() says: a stopped container
	///   has none), "bundle".
	///   Build it with json_object_set_new, print it with json_dumps + a newline.
	json_decref(o);
	return -ENOSYS;
	/* As runc prints it: the creation time in RFC 3339, UTC. */
	char when[32] = "";
	time_t t = (time_t)st->created;
	struct tm tm;
	if (gmtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_object_set_new(o, "created", json_string(when));
	text = json_dumps(o, JSON_INDENT(2));
	json_decref(o);
	if (!text)
		return -ENOMEM;
	fprintf(out, "%s\n", text);
	free(text);
	return 0;
}

int state_save(const struct container_state *st)
{
	char path[PATH_MAX + 16], tmp[PATH_MAX + 32];
	json_t *o = json_pack("{s:s, s:s, s:I, s:I, s:I}", "id", st->id, "bundle", st->bundle,
	                      "pid", (json_int_t)st->pid, "startTime", (json_int_t)st->start_time,
	                      "created", (json_int_t)st->created);
	int err = 0;

	if (!o)
		return -ENOMEM;
	/* Written to a new file, then renamed: a reader sees the old state or the new one. */
	snprintf(path, sizeof(path), "%s/state.json", st->dir);
	snprintf(tmp, sizeof(tmp), "%s/.state.json.new", st->dir);
	if (json_dump_file(o, tmp, JSON_INDENT(2)) < 0 || rename(tmp, path) < 0)
		err = errno ? -errno : -EIO;
	json_decref(o);
	return err;
}

int state_load(const char *id, struct container_state *st)
{
	char root[PATH_MAX], path[PATH_MAX + 16];
	json_error_t jerr;
	json_t *o;
	const char *bundle;
	json_int_t pid, start, created;
	int err;

	memset(st, 0, sizeof(*st));
	if (store_check_name(id) < 0)
		return -EINVAL;
	if ((err = state_root(root, sizeof(root))) < 0)
		return err;
	snprintf(st->id, sizeof(st->id), "%s", id);
	snprintf(st->dir, sizeof(st->dir), "%s/%s", root, id);
	snprintf(path, sizeof(path), "%s/state.json", st->dir);
	if (access(path, F_OK) < 0)
		return -ENOENT;
	if (!(o = json_load_file(path, 0, &jerr)))
		return -EBADMSG;
	if (json_unpack(o, "{s:s, s:I, s:I, s:I}", "bundle", &bundle, "pid", &pid, "startTime",
	                &start, "created", &created) < 0) {
		json_decref(o);
		return -EBADMSG;
	}
	snprintf(st->bundle, sizeof(st->bundle), "%s", bundle);
	st->pid = (pid_t)pid;
	st->start_time = (unsigned long long)start;
	st->created = created;
	json_decref(o);
	return 0;
}

int state_exec_wait(int fifo_fd, int ready_fd)
{
	/// TODO(13): Tell hako create that this container is ready: write one byte to
	///   READY_FD and close it. Then open the fifo for writing through its O_PATH fd
	///   ("/proc/self/fd/N": the fifo's own path is gone after pivot_root). open(2) of a
	///   fifo for writing blocks until someone opens it for reading: that is `hako start`.
	///   Write one byte (start waits for it), close, and return 0; -errno on failure.
	return -ENOSYS;
}

int state_exec_start(const char *path, int timeout_ms)
{
	/// TODO(13): Open PATH for reading without blocking (O_NONBLOCK: a container that died
	///   before its open would make a blocking open wait forever), then poll(2) for its byte
	///   for at most TIMEOUT_MS: read it (1 byte: started; 0 bytes: the writer closed
	///   without writing, -ECHILD), -ETIMEDOUT when poll times out. Remove PATH (unlink)
	///   once the container has started: the fifo's absence is what `state` calls running.
	return -ENOSYS;
}
