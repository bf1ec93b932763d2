/* scprobe.c: lesson 10's probe — makes harmless system calls inside a container and prints
 * what each returned, "NAME=ok" or "NAME=EPERM" (the errno's name), one line per probe.
 *
 *   scprobe PROBE...      e.g. scprobe keyctl clone3 i386_keyctl mkdir:/tmp/x
 *
 * Every call is harmless when it is allowed: it asks for nothing, makes nothing outside the
 * probe's own process, or fails on a bad argument after the filter has had its say. Linked
 * statically: the container's busybox root filesystem has no C library.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define X32_SYSCALL_BIT 0x40000000 /* __X32_SYSCALL_BIT: an x32 call is x86_64's number | it */

/* The i386 numbers of the calls probed through `int 0x80` (arch/x86/entry/syscalls). */
#define I386_GETPID  20
#define I386_KEYCTL  288
#define I386_UNSHARE 310

/* A system call through the i386 door: `int 0x80`, number in eax, arguments in ebx, ecx,
 * edx. A 64-bit process may use it; the kernel then takes the i386 numbers and seccomp sees
 * AUDIT_ARCH_I386. Returns the raw result (-errno on failure). */
static long i386_syscall(long nr, long a, long b, long c)
{
	long ret;

	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
	return ret;
}

static void print(const char *name, long ret)
{
	if (ret >= 0)
		printf("%s=ok\n", name);
	else {
		const char *e = strerrorname_np((int)-ret);
		if (e)
			printf("%s=%s\n", name, e);
		else
			printf("%s=E%ld\n", name, -ret);
	}
	fflush(stdout);
}

/* The result of a libc-style call: RET < 0 means errno. */
static long res(long ret)
{
	return ret < 0 ? -errno : ret;
}

/* Run FN in a forked child and report whether it could make the call (child exit 0). */
static long in_child(long (*fn)(void))
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0)
		_exit((int)(-fn() & 0xff));
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	if (WIFSIGNALED(status))
		return -1000 - WTERMSIG(status);
	return -WEXITSTATUS(status);
}

static long do_unshare_user(void)
{
	return res(unshare(CLONE_NEWUSER));
}

static long probe(const char *p)
{
	if (strcmp(p, "keyctl") == 0) /* KEYCTL_GET_KEYRING_ID of the session keyring, no create */
		return res(syscall(SYS_keyctl, 0, -3, 0));
	if (strcmp(p, "add_key") == 0) /* a key type that does not exist: ENODEV if allowed */
		return res(syscall(SYS_add_key, "hako-no-such-type", "d", "x", 1, -3));
	if (strcmp(p, "request_key") == 0)
		return res(syscall(SYS_request_key, "hako-no-such-type", "d", NULL, 0));
	if (strcmp(p, "userfaultfd") == 0) {
		long fd = res(syscall(SYS_userfaultfd, O_CLOEXEC));
		if (fd >= 0)
			close((int)fd);
		return fd;
	}
	if (strcmp(p, "io_uring_setup") == 0) /* 0 entries: EINVAL if allowed */
		return res(syscall(SYS_io_uring_setup, 0, NULL));
	if (strcmp(p, "unshare_user") == 0) /* in a child, so the probe stays where it is */
		return in_child(do_unshare_user);
	if (strcmp(p, "fork") == 0 || strcmp(p, "clone_newns") == 0) {
		/* clone(2) directly: glibc's fork() may try clone3 first */
		long flags = SIGCHLD | (p[0] == 'c' ? CLONE_NEWNS : 0);
		long pid = res(syscall(SYS_clone, flags, 0, NULL, NULL, 0));
		if (pid == 0)
			_exit(0);
		if (pid > 0)
			waitpid((pid_t)pid, NULL, 0);
		return pid;
	}
	if (strcmp(p, "clone3") == 0) {
		/* struct clone_args: flags, pidfd, child_tid, parent_tid, exit_signal, ... */
		uint64_t args[11] = {0};
		args[4] = SIGCHLD;
		long pid = res(syscall(SYS_clone3, args, sizeof(args)));
		if (pid == 0)
			_exit(0);
		if (pid > 0)
			waitpid((pid_t)pid, NULL, 0);
		return pid;
	}
	if (strcmp(p, "i386_getpid") == 0) {
		long r = i386_syscall(I386_GETPID, 0, 0, 0);
		return r == getpid() ? 0 : r < 0 ? r : -ESRCH;
	}
	if (strcmp(p, "i386_keyctl") == 0)
		return i386_syscall(I386_KEYCTL, 0, -3, 0);
	if (strcmp(p, "i386_unshare") == 0)
		return i386_syscall(I386_UNSHARE, CLONE_NEWUTS, 0, 0);
	if (strcmp(p, "x32_keyctl") == 0) /* ENOSYS if allowed on a kernel without x32 */
		return res(syscall(SYS_keyctl | X32_SYSCALL_BIT, 0, -3, 0));
	if (strcmp(p, "x32_getpid") == 0)
		return res(syscall(SYS_getpid | X32_SYSCALL_BIT));
	if (strncmp(p, "mkdir:", 6) == 0)
		return res(mkdir(p + 6, 0755));
	if (strncmp(p, "mount:", 6) == 0)
		return res(mount("hako-probe", p + 6, "tmpfs", 0, "size=64k"));
	if (strncmp(p, "socket:", 7) == 0) {
		long fd = res(socket(atoi(p + 7), SOCK_STREAM | SOCK_CLOEXEC, 0));
		if (fd == -EPERM || fd < 0)
			return fd == -EPERM ? fd
			                    : 0; /* a family the kernel lacks is not the filter */
		close((int)fd);
		return 0;
	}
	if (strncmp(p, "personality:", 12) == 0) {
		long r = res(syscall(SYS_personality, strtoul(p + 12, NULL, 0)));
		if (r >= 0)
			syscall(SYS_personality, r); /* put the old one back */
		return r;
	}
	fprintf(stderr, "scprobe: unknown probe %s\n", p);
	exit(2);
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		print(argv[i], probe(argv[i]));
	return 0;
}
