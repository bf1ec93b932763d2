/* lifecycle.c: lesson 14 — the state folder's lock, a detached container's status (and
 * stale entries), docker ps's STATUS column, and the monitor's wait on a pidfd. */
#include "hako.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * Who knows what about a detached container:
 *
 *   hako run -d ──fork──► monitor ──clone──► init (PID 1 inside) ──► workload
 *   (prints the name,     holds a pidfd of init,
 *    exits at once)       writes NAME/exit when it ends, cleans up
 *
 *   hako ps / stop / rm:  read NAME/state.json, NAME/monitor, NAME/exit; check that the
 *                         pids still name the same processes (pid + start time).
 */

int lifecycle_lock(const char *root)
{
	char path[PATH_MAX + 16];

	if (mkdir(root, 0711) < 0 && errno != EEXIST)
		return -errno;
	snprintf(path, sizeof(path), "%s/.lock", root);
	/// TODO(14): Open PATH (create it, mode 0600, O_CLOEXEC so no container inherits it) and
	///   take an exclusive flock(2) on it, waiting while another hako holds it (retry on
	///   EINTR). Return the fd: closing it releases the lock. -errno on failure (close it).
	return -ENOSYS;
}

int lifecycle_status(struct lifecycle_info *c)
{
	char path[PATH_MAX + 16];
	FILE *f;
	int code = 0;
	long long finished = 0;

	snprintf(path, sizeof(path), "%s/exit", c->st.dir);
	f = fopen(path, "re");
	if (f) {
		if (fscanf(f, "%d %lld", &code, &finished) != 2)
			code = 255, finished = 0;
		fclose(f);
	}
	/// TODO(14): Three cases, in this order. F was opened: the monitor saw the end, it is
	///   exited with CODE at FINISHED. Else the container runs while its init is the same
	///   process as recorded: state_status (lesson 13) compares pid and start time, never
	///   trust the pid alone. Else the entry is stale: exited, code 255, finished 0.
	///   Fill c->exited, c->exit_code and c->finished; return 1 running, 0 exited.
	return -ENOSYS;
}

void lifecycle_duration(long long seconds, char *buf, size_t len)
{
	/// TODO(14): Docker's wording (its units.HumanDuration), band by band, as hako.h lists
	///   them. Minutes are whole minutes (seconds / 60); hours are rounded to the nearest
	///   ((seconds + 1800) / 3600), and days, weeks and months (30 days) come from those
	///   rounded hours; years (365 days) from whole hours, as docker's.
	snprintf(buf, len, "?");
}

void lifecycle_format_status(const struct lifecycle_info *c, long long now, char *buf, size_t len)
{
	/// TODO(14): "Up DURATION" since c->st.created while it runs; "Exited (CODE) DURATION
	///   ago" since c->finished once it ended, or "Exited (CODE)" when finished is 0. A
	///   clock that went backwards must not give a negative duration.
	snprintf(buf, len, "?");
}

int monitor_wait(int pidfd, int *code)
{
	/// TODO(14): A pidfd is readable (POLLIN) once its process has exited. poll(2) it
	///   (again on EINTR), then reap the process with waitid(P_PIDFD, PIDFD, ..., WEXITED)
	///   and turn si_code/si_status into a shell-style code: CLD_EXITED gives the status,
	///   CLD_KILLED and CLD_DUMPED 128 + the signal.
	return -ENOSYS;
}
