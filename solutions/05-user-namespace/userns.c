/* userns.c: lesson 05 — user namespaces: the parent/child handshake and the uid/gid maps. */
#include "hako.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

/*
 * The handshake. hako makes a pipe GO before clone(), so both processes hold both ends:
 *
 *   parent (hako)                                 child (in its new namespaces)
 *   clone() ─────────────────────────────────────► userns_sync_wait():
 *   close(go[0])                                     close(go[1]), read(go[0]) ... blocks
 *   write uid_map, setgroups, gid_map
 *   make the veth pair, join the cgroup
 *   userns_sync_go(): write "G", close(go[1]) ───►  read returns 1 byte "G": carry on
 *
 * A read that returns 0 (end of file) means every write end is closed without a "G": hako
 * failed or died. It must never be taken for "go".
 */

#define SYNC_GO 'G'

/*
 * In the child, right after clone(): arrange to be killed if hako dies, then block until the
 * parent says go. Closes both ends of GO and sets them to -1. Returns 0 on "go",
 * -ECANCELED if the parent closed its end without saying go, or a negative errno.
 */
int userns_sync_wait(int go[2])
{
	/// TODO(05): 1. prctl(PR_SET_PDEATHSIG, SIGKILL): the kernel kills this child when its
	///              parent (hako) dies, so a killed hako never leaves a container behind.
	///              Do it first, before the read. If prctl fails: return -errno.
	///           2. close(go[1]) and set it to -1: while the child holds a write end itself,
	///              read() can never see end of file.
	///           3. read(2) one byte from go[0], again on EINTR; then close(go[0]), set -1.
	///           4. Exactly one byte 'G' (SYNC_GO) means go: return 0. End of file (read
	///              returned 0) means the parent gave up or died: return -ECANCELED, and
	///              so does any other byte. read() < 0: return -errno.
	/// BEGIN SOLUTION
	char byte = 0;
	ssize_t n;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		return -errno;
	close(go[1]);
	go[1] = -1;
	do
		n = read(go[0], &byte, 1);
	while (n < 0 && errno == EINTR);
	int err = errno;
	close(go[0]);
	go[0] = -1;
	if (n < 0)
		return -err;
	if (n == 1 && byte == SYNC_GO)
		return 0;
	return -ECANCELED;
	/// END SOLUTION
	/// STUB: return 0; /* no handshake yet: the child runs ahead of the parent */
}

/*
 * In the parent, once everything the child needs is ready: tell it to go on. Closes go[1]
 * and sets it to -1. Returns 0 or a negative errno.
 */
int userns_sync_go(int go[2])
{
	/// TODO(05): write(2) the one byte SYNC_GO to go[1], again on EINTR (a return other than
	///           1 is an error: -errno, or -EIO for a short write), then close(go[1]) and
	///           set it to -1. Close it on the error path too.
	/// BEGIN SOLUTION
	char byte = SYNC_GO;
	ssize_t n;

	do
		n = write(go[1], &byte, 1);
	while (n < 0 && errno == EINTR);
	int err = n == 1 ? 0 : n < 0 ? -errno : -EIO;
	close(go[1]);
	go[1] = -1;
	return err;
	/// END SOLUTION
	/// STUB: return 0;
}

/*
 * Write TEXT to /proc/PID/FILE with one write(2), as uid_map demands (it takes one write,
 * once). On failure print `hako: write /proc/PID/FILE "TEXT": reason` and return -errno.
 * (Marked unused only so that the starter, which does not call it yet, compiles cleanly.)
 */
static __attribute__((unused)) int write_proc(pid_t pid, const char *file, const char *text)
{
	size_t len = strlen(text);
	char path[64];
	int fd, err = 0;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0) {
		err = -errno;
		goto bad;
	}
	ssize_t n = write(fd, text, len);
	if (n < 0)
		err = -errno;
	else if ((size_t)n != len)
		err = -EIO;
	close(fd);
	if (err == 0)
		return 0;
bad:
	fprintf(stderr, "hako: write %s \"%.*s\": %s\n", path, (int)strcspn(text, "\n"), text,
	        strerror(-err));
	return err;
}

/*
 * In the parent, while the child waits: make root (0) in PID's user namespace be UID and GID
 * outside, one id each. The order is the kernel's rule: an unprivileged writer must write
 * "deny" to setgroups before it may write gid_map (see user_namespaces(7)).
 * Returns 0, or the negative errno of the first write that failed (it is also printed).
 */
int userns_write_maps(pid_t pid, uid_t uid, gid_t gid)
{
	/// TODO(05): Three files under /proc/PID/, in this order, each with write_proc():
	///   uid_map    "0 UID 1\n"  (inside id 0 is outside id UID; a range of 1 id)
	///   setgroups  "deny\n"     (nobody in this user namespace may call setgroups(2))
	///   gid_map    "0 GID 1\n"
	/// Stop at the first failure and return its error. Format ids with %u.
	/// BEGIN SOLUTION
	char line[64];
	int err;

	snprintf(line, sizeof(line), "0 %u 1\n", (unsigned)uid);
	if ((err = write_proc(pid, "uid_map", line)) < 0)
		return err;
	if ((err = write_proc(pid, "setgroups", "deny\n")) < 0)
		return err;
	snprintf(line, sizeof(line), "0 %u 1\n", (unsigned)gid);
	return write_proc(pid, "gid_map", line);
	/// END SOLUTION
	/// STUB: return -ENOSYS;
}
