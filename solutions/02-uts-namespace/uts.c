/* uts.c: lesson 02 — clone() on a stack of our own, and a hostname of the container's own. */
#include "hako.h"

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/*
 * The child's stack: 1 MiB of memory plus one guard page below it. The stack grows down,
 * from the highest address towards the lowest, so clone() is given the TOP of the region:
 *
 *   high  +----------------------+ <- stack + GUARD_SIZE + STACK_SIZE: passed to clone()
 *         |  the child's frames  |    first frame here, later ones below it
 *         |          |           |
 *         |          v           |
 *         |                      |
 *         +----------------------+ <- stack + GUARD_SIZE
 *         |  guard (PROT_NONE)   |    an overflow faults here (SIGSEGV) instead of
 *   low   +----------------------+ <- stack       writing over whatever lies below
 */
#define STACK_SIZE (1024 * 1024)
#define GUARD_SIZE 4096

/*
 * Check NAME before anything is created: the kernel keeps at most HOST_NAME_MAX (64) bytes of
 * hostname, and an empty one is no use. Returns 0 if 1 <= strlen(NAME) <= 64, else -EINVAL.
 */
int uts_check_hostname(const char *name)
{
	/// TODO(02): Return -EINVAL when NAME is NULL, empty, or longer than HOST_NAME_MAX
	/// (from <limits.h>) bytes; 0 otherwise. sethostname(2) would refuse a name that is too
	/// long too, but only later, inside the child: by then hako has made namespaces for
	/// nothing, and the user gets a vaguer message.
	/// BEGIN SOLUTION
	if (name == NULL)
		return -EINVAL;
	size_t n = strlen(name);
	if (n == 0 || n > HOST_NAME_MAX)
		return -EINVAL;
	return 0;
	/// END SOLUTION
	/// STUB: return -ENOSYS;
}

/*
 * Start FN(ARG) in a new process, in the new namespaces that FLAGS (CLONE_NEW*) ask for. The
 * child's exit is reported to us with SIGCHLD, like a forked child's, so a plain waitpid()
 * works for it. Returns the child's pid as we see it, or a negative errno.
 */
pid_t container_clone(int (*fn)(void *), void *arg, int flags)
{
	/// TODO(02): Give the child a stack, start it, and free the stack again:
	///   1. mmap(2) GUARD_SIZE + STACK_SIZE bytes: PROT_READ | PROT_WRITE,
	///      MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK. On MAP_FAILED return -errno.
	///   2. mprotect(2) the lowest GUARD_SIZE bytes PROT_NONE (the guard page).
	///   3. fflush(NULL), for the same reason as before fork() in lesson 01.
	///   4. clone(2): clone(fn, TOP, flags | SIGCHLD, arg), where TOP is the highest address
	///      of the region (the stack grows down). Save errno if it returned -1.
	///   5. munmap(2) the region. Without CLONE_VM the child has its own copy of our memory,
	///      stack included, so our copy can go at once.
	///   6. Return the pid, or -saved_errno.
	/// BEGIN SOLUTION
	pid_t pid = -1;
	int err = 0;
	char *stack = mmap(NULL, GUARD_SIZE + STACK_SIZE, PROT_READ | PROT_WRITE,
	                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED)
		return -errno;
	if (mprotect(stack, GUARD_SIZE, PROT_NONE) < 0) {
		err = -errno;
		goto out;
	}
	fflush(NULL);
	pid = clone(fn, stack + GUARD_SIZE + STACK_SIZE, flags | SIGCHLD, arg);
	if (pid < 0)
		err = -errno;
out:
	munmap(stack, GUARD_SIZE + STACK_SIZE);
	return err < 0 ? err : pid;
	/// END SOLUTION
	/// STUB: return -ENOSYS;
}

/*
 * In the child, inside its new UTS namespace: set the hostname that uname(2), hostname(1) and
 * the shell prompt will show. The host's hostname is untouched: it lives in another namespace.
 */
int uts_enter(const char *hostname)
{
	/// TODO(02): sethostname(2) takes the name and its length (no NUL needed). Return
	/// -errno if it fails, 0 if not.
	/// BEGIN SOLUTION
	if (sethostname(hostname, strlen(hostname)) < 0)
		return -errno;
	return 0;
	/// END SOLUTION
	/// STUB: return -ENOSYS;
}
