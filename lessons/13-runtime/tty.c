/* tty.c: lesson 13 — `hako run -t`: a terminal of the container's own, relayed to hako's. */
#include "hako.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

/*
 * A pseudo-terminal (pty(7)) is a pair: what is written to the master comes out of the slave
 * as if typed on a keyboard, and the slave's output comes out of the master. The slave is
 * the workload's terminal: its line discipline turns Ctrl-C into SIGINT for the terminal's
 * foreground process group, and a shell does job control on it.
 *
 *   your terminal ── hako (raw mode) ──relay──► master ═══ slave /dev/pts/0 ── sh (PID 2)
 *                                         ▲                  (the container's own devpts)
 *                                         └── the master's fd, sent from inside over a unix
 *                                             socket (SCM_RIGHTS) before the workload starts
 *
 * The pty is made *inside* the container, on its own devpts instance (lesson 04 mounted one
 * with newinstance), so that `tty` there names a /dev/pts/N that exists there.
 */

int tty_setup_child(int sock)
{
	char name[64];
	int master = -1, slave = -1, err = 0;

	master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return -errno;
	if (unlockpt(master) < 0 || ptsname_r(master, name, sizeof(name)) != 0) {
		err = -errno;
		goto out;
	}
	/// TODO(13): Make the slave NAME this process's controlling terminal and its stdin,
	///   stdout and stderr: a new session first (setsid(2): only a session leader may take
	///   a controlling terminal), then open NAME and ioctl TIOCSCTTY (ioctl_tty(2)), then
	///   dup2 it onto 0, 1 and 2. Then send MASTER to hako over SOCK: one byte of data and
	///   the fd in an SCM_RIGHTS control message (unix(7), cmsg(3)). -errno on failure.
	err = -ENOSYS;
out:
	if (slave >= 0)
		close(slave);
	close(master);
	close(sock);
	return err;
}

int tty_recv_master(int sock)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	char byte;
	struct iovec iov = {.iov_base = &byte, .iov_len = 1};
	struct msghdr msg = {.msg_iov = &iov,
	                     .msg_iovlen = 1,
	                     .msg_control = ctl.buf,
	                     .msg_controllen = sizeof(ctl.buf)};
	int fd;

	ssize_t n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	if (n < 0)
		return -errno;
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	if (n == 0 || !c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len != CMSG_LEN(sizeof(int)))
		return -ECHILD; /* the child ended without sending it */
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

/* Copy what is readable on FROM to TO; false at the end (EOF, EIO: the slave's last holder
 * closed it) or on an error. */
static GIVEN bool copy_some(int from, int to)
{
	char buf[4096];
	ssize_t n = read(from, buf, sizeof(buf));

	if (n <= 0)
		return n < 0 && errno == EINTR;
	for (ssize_t off = 0; off < n;) {
		ssize_t w = write(to, buf + off, (size_t)(n - off));
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		off += w;
	}
	return true;
}

int tty_relay(int master, int in, int out)
{
	/// TODO(13): Until the master ends: poll(2) MASTER and IN (IN is -1 without -i, or once
	///   it reached its end), copy the master's output to OUT and IN's bytes to the master
	///   (copy_some). The master ends with POLLHUP or a read of EIO once the workload and
	///   everything that held the slave are gone: return 0 then. IN's end is not the end of
	///   the relay: stop polling it (set it to -1) and go on.
	return -ENOSYS;
}

/* ---- given: hako's own terminal in raw mode, and the relay on a thread of its own ---- */

struct tty_session {
	int master, in;
	bool raw;
	struct termios saved;
	pthread_t thread;
	bool started;
};

static void *relay_thread(void *arg)
{
	struct tty_session *t = arg;

	tty_relay(t->master, t->in, STDOUT_FILENO);
	return NULL;
}

int tty_session_start(int master, bool interactive, struct tty_session **out)
{
	struct tty_session *t = calloc(1, sizeof(*t));
	struct winsize ws;

	if (!t)
		return -ENOMEM;
	t->master = master;
	t->in = interactive ? STDIN_FILENO : -1;
	/* The container's terminal does the line editing and turns Ctrl-C into SIGINT: hako's
	 * own terminal must pass every byte through as it is (raw), and be given back after. */
	if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &t->saved) == 0) {
		struct termios raw = t->saved;
		cfmakeraw(&raw);
		if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0)
			t->raw = true;
		if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
			ioctl(master, TIOCSWINSZ, &ws);
	}
	if (pthread_create(&t->thread, NULL, relay_thread, t) != 0) {
		tty_session_end(t);
		return -EAGAIN;
	}
	t->started = true;
	*out = t;
	return 0;
}

void tty_session_end(struct tty_session *t)
{
	if (!t)
		return;
	if (t->started)
		pthread_join(t->thread, NULL);
	if (t->raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &t->saved);
	close(t->master);
	free(t);
}
