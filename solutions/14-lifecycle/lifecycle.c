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
	/// BEGIN SOLUTION
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0)
		return -errno;
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			int err = -errno;
			close(fd);
			return err;
		}
	}
	return fd;
	/// END SOLUTION
	/// STUB: return -ENOSYS;
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
	/// BEGIN SOLUTION
	if (f) {
		c->exited = true;
		c->exit_code = code;
		c->finished = finished;
		return 0;
	}
	if (state_status(&c->st) == STATE_RUNNING) {
		c->exited = false;
		c->exit_code = 0;
		c->finished = 0;
		return 1;
	}
	c->exited = true;
	c->exit_code = 255;
	c->finished = 0;
	return 0;
	/// END SOLUTION
	/// STUB: return -ENOSYS;
}

void lifecycle_duration(long long seconds, char *buf, size_t len)
{
	/// TODO(14): Docker's wording (its units.HumanDuration), band by band, as hako.h lists
	///   them. Minutes are whole minutes (seconds / 60); hours are rounded to the nearest
	///   ((seconds + 1800) / 3600), and days, weeks and months (30 days) come from those
	///   rounded hours; years (365 days) from whole hours, as docker's.
	/// BEGIN SOLUTION
	long long minutes = seconds / 60, hours = (seconds + 1800) / 3600;

	if (seconds < 1)
		snprintf(buf, len, "Less than a second");
	else if (seconds == 1)
		snprintf(buf, len, "1 second");
	else if (seconds < 60)
		snprintf(buf, len, "%lld seconds", seconds);
	else if (minutes == 1)
		snprintf(buf, len, "About a minute");
	else if (minutes < 60)
		snprintf(buf, len, "%lld minutes", minutes);
	else if (hours == 1)
		snprintf(buf, len, "About an hour");
	else if (hours < 48)
		snprintf(buf, len, "%lld hours", hours);
	else if (hours < 24 * 7 * 2)
		snprintf(buf, len, "%lld days", hours / 24);
	else if (hours < 24 * 30 * 2)
		snprintf(buf, len, "%lld weeks", hours / 24 / 7);
	else if (hours < 24 * 365 * 2)
		snprintf(buf, len, "%lld months", hours / 24 / 30);
	else
		snprintf(buf, len, "%lld years", seconds / 3600 / 24 / 365);
	/// END SOLUTION
	/// STUB: snprintf(buf, len, "?");
}

void lifecycle_format_status(const struct lifecycle_info *c, long long now, char *buf, size_t len)
{
	/// TODO(14): "Up DURATION" since c->st.created while it runs; "Exited (CODE) DURATION
	///   ago" since c->finished once it ended, or "Exited (CODE)" when finished is 0. A
	///   clock that went backwards must not give a negative duration.
	/// BEGIN SOLUTION
	char d[64];

	if (!c->exited) {
		lifecycle_duration(now > c->st.created ? now - c->st.created : 0, d, sizeof(d));
		snprintf(buf, len, "Up %s", d);
	} else if (c->finished > 0) {
		lifecycle_duration(now > c->finished ? now - c->finished : 0, d, sizeof(d));
		snprintf(buf, len, "Exited (%d) %s ago", c->exit_code, d);
	} else {
		snprintf(buf, len, "Exited (%d)", c->exit_code);
	}
	/// END SOLUTION
	/// STUB: snprintf(buf, len, "?");
}

int monitor_wait(int pidfd, int *code)
{
	/// TODO(14): A pidfd is readable (POLLIN) once its process has exited. poll(2) it
	///   (again on EINTR), then reap the process with waitid(P_PIDFD, PIDFD, ..., WEXITED)
	///   and turn si_code/si_status into a shell-style code: CLD_EXITED gives the status,
	///   CLD_KILLED and CLD_DUMPED 128 + the signal.
	/// BEGIN SOLUTION
	struct pollfd p = {.fd = pidfd, .events = POLLIN};
	siginfo_t info;

	for (;;) {
		int n = poll(&p, 1, -1);
		if (n > 0)
			break;
		if (n < 0 && errno != EINTR)
			return -errno;
	}
	memset(&info, 0, sizeof(info));
	while (waitid(P_PIDFD, (id_t)pidfd, &info, WEXITED) < 0)
		if (errno != EINTR)
			return -errno;
	if (info.si_code == CLD_EXITED)
		*code = info.si_status;
	else
		*code = 128 + info.si_status;
	return 0;
	/// END SOLUTION
	/// STUB: return -ENOSYS;
}
