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
	/// TODO(05): First make sure this child cannot outlive hako (prctl(2) has an option for
	///   that; if it fails, return -errno). Then wait for the parent's byte on GO, as the
	///   comment above says: only SYNC_GO means go; end of file or any other byte is
	///   -ECANCELED; a failed read(2) is -errno (but if a signal interrupts it, read again).
	///   End of file comes only once every write end is closed: the README's "The
	///   handshake" says what that means for the child's own ends.
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
	/// TODO(05): Send the one byte SYNC_GO on GO (if a signal interrupts write(2), write
	///   again), then close the write end and set it to -1, on the error path too.
	///   Return 0, -errno for a failed write, or -EIO if the byte did not go.
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
 */
static GIVEN int write_proc(pid_t pid, const char *file, const char *text)
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
	/// TODO(05): With write_proc(), write PID's uid_map, then setgroups, then gid_map (the
	///   comment above says why), so that 0 inside is UID (GID) outside, one id each. Stop
	///   at the first failure and return its error. The line format of a map and what
	///   setgroups accepts: user_namespaces(7), and the README's "A user namespace and its
	///   maps".
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
