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
	/// TODO(02): Return -EINVAL when NAME is NULL, empty, or longer than the kernel keeps
	/// (HOST_NAME_MAX, in <limits.h>); 0 otherwise. Why check here: sethostname(2) would refuse
	/// a name that is too long too, but only later, inside the child: by then hako has made
	/// namespaces for nothing, and the user gets a vaguer message. README, task 1.
	return -ENOSYS;
}

/*
 * Start FN(ARG) in a new process, in the new namespaces that FLAGS (CLONE_NEW*) ask for. The
 * child's exit is reported to us with SIGCHLD, like a forked child's, so a plain waitpid()
 * works for it. Returns the child's pid as we see it, or a negative errno.
 */
pid_t container_clone(int (*fn)(void *), void *arg, int flags)
{
	/// TODO(02): Start FN(ARG) with clone(2), in the namespaces FLAGS asks for, on a stack of
	///   its own laid out as drawn above (see mmap(2) and mprotect(2)). Its end must be
	///   reported with SIGCHLD, so that a plain waitpid() sees it. What lesson 01 did before
	///   fork() is needed before clone() too. Free the region again before you return, on
	///   every path (the README's "The child's stack" says why that is safe). Returns the pid,
	///   or the -errno of the call that failed. README, task 2.
	return -ENOSYS;
}

/*
 * In the child, inside its new UTS namespace: set the hostname that uname(2), hostname(1) and
 * the shell prompt will show. The host's hostname is untouched: it lives in another namespace.
 */
int uts_enter(const char *hostname)
{
	/// TODO(02): Set the hostname of this UTS namespace to HOSTNAME (see sethostname(2)).
	/// Returns 0, or -errno. README, task 3.
	return -ENOSYS;
}
