/* cgprog.c: workloads for the cgroup tests of lessons 07 and 08 (built by their tests.mk).
 *
 *   cgprog cgroup            print /proc/self/cgroup
 *   cgprog hog MIB           print /proc/self/cgroup, allocate and touch MIB MiB, print "done"
 *   cgprog leave MIB         print /proc/self/cgroup; start a child that touches MIB MiB (so
 *                            that it takes a moment to die) and then sleeps, its output on
 *                            /dev/null; print "leftover PID" once it holds them, and exit
 *   cgprog forker            fork children (held on a pipe) until fork fails, at most 1000;
 *                            print "forked N errno E", release and reap them
 *   cgprog spawn K           start K children that each wait (on a pipe) until all K run,
 *                            then end together; wait for them
 *   cgprog burn-wall SEC     spin for SEC seconds of wall-clock time; print "wall W"
 *   cgprog burn-cpu SEC      spin until this process used SEC seconds of CPU time
 *   cgprog wait SEC          print /proc/self/cgroup, then sleep SEC seconds
 *   cgprog burn-wait CPU SEC print /proc/self/cgroup, spin for CPU seconds of CPU time, then
 *                            sleep SEC seconds
 *   cgprog stdin-wait        print /proc/self/cgroup, then wait for end of file on stdin
 *   cgprog stdin-burn CPU SEC
 *                            print /proc/self/cgroup, spin until stdin is at end of file and
 *                            at least CPU seconds of CPU time are used, then sleep SEC seconds
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void print_cgroup(void)
{
	char buf[4096];
	FILE *f = fopen("/proc/self/cgroup", "r");
	size_t n = f ? fread(buf, 1, sizeof(buf), f) : 0;

	fwrite(buf, 1, n, stdout);
	fflush(stdout);
	if (f)
		fclose(f);
}

static double now(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	if (strcmp(cmd, "cgroup") == 0) {
		print_cgroup();
		return 0;
	}
	if (strcmp(cmd, "wait") == 0 && argc == 3) {
		print_cgroup();
		sleep((unsigned)atoi(argv[2]));
		return 0;
	}
	if (strcmp(cmd, "hog") == 0 && argc == 3) {
		size_t len = (size_t)atol(argv[2]) << 20;
		print_cgroup();
		char *p = malloc(len);
		if (!p)
			return 1;
		for (size_t i = 0; i < len; i += 4096)
			p[i] = (char)i;
		printf("done\n");
		return 0;
	}
	if (strcmp(cmd, "leave") == 0 && argc == 3) {
		size_t len = (size_t)atol(argv[2]) << 20;
		int held[2];
		char c = 0;
		print_cgroup();
		if (pipe(held) < 0)
			return 1;
		pid_t pid = fork();
		if (pid < 0)
			return 1;
		if (pid == 0) {
			char *p = malloc(len);
			int null = open("/dev/null", O_WRONLY);
			if (!p || null < 0)
				_exit(1);
			for (size_t i = 0; i < len; i += 4096)
				p[i] = (char)(i | 1);
			dup2(null, 1);
			dup2(null, 2);
			if (write(held[1], "x", 1) != 1)
				_exit(1);
			for (;;)
				pause();
		}
		close(held[1]);
		if (read(held[0], &c, 1) != 1)
			return 1;
		printf("leftover %d\n", (int)pid);
		return 0;
	}
	if (strcmp(cmd, "forker") == 0) {
		int hold[2], n = 0, err = 0;
		if (pipe(hold) < 0)
			return 1;
		while (n < 1000) {
			pid_t pid = fork();
			if (pid < 0) {
				err = errno;
				break;
			}
			if (pid == 0) {
				char c;
				close(hold[1]);
				while (read(hold[0], &c, 1) > 0)
					;
				_exit(0);
			}
			n++;
		}
		close(hold[1]); /* end of file for every child: they exit */
		while (wait(NULL) > 0)
			;
		printf("forked %d errno %d\n", n, err);
		return 0;
	}
	if (strcmp(cmd, "spawn") == 0 && argc == 3) {
		int k = atoi(argv[2]), hold[2];
		if (pipe(hold) < 0)
			return 1;
		for (int i = 0; i < k; i++)
			if (fork() == 0) {
				char c;
				close(hold[1]);
				while (read(hold[0], &c, 1) > 0)
					;
				_exit(0);
			}
		close(hold[1]); /* all K run: end of file for every child */
		while (wait(NULL) > 0)
			;
		return 0;
	}
	if (strcmp(cmd, "stdin-wait") == 0 && argc == 2) {
		char buf[256];
		print_cgroup();
		while (read(0, buf, sizeof(buf)) > 0)
			;
		return 0;
	}
	if (strcmp(cmd, "stdin-burn") == 0 && argc == 4) {
		double sec = atof(argv[2]);
		volatile unsigned long x = 0;
		bool eof = false;
		char buf[256];
		print_cgroup();
		while (!eof || now(CLOCK_PROCESS_CPUTIME_ID) < sec) {
			struct pollfd p = {0, POLLIN, 0};
			if (!eof && poll(&p, 1, 0) > 0)
				eof = read(0, buf, sizeof(buf)) <= 0;
			for (int i = 0; i < 100000; i++)
				x++;
		}
		sleep((unsigned)atoi(argv[3]));
		return 0;
	}
	if (strcmp(cmd, "burn-wall") == 0 && argc == 3) {
		double t0 = now(CLOCK_MONOTONIC), sec = atof(argv[2]);
		volatile unsigned long x = 0;
		while (now(CLOCK_MONOTONIC) - t0 < sec)
			x++;
		printf("wall %.3f\n", now(CLOCK_MONOTONIC) - t0);
		return 0;
	}
	if (strcmp(cmd, "burn-wait") == 0 && argc == 4) {
		double sec = atof(argv[2]);
		volatile unsigned long x = 0;
		print_cgroup();
		while (now(CLOCK_PROCESS_CPUTIME_ID) < sec)
			x++;
		sleep((unsigned)atoi(argv[3]));
		return 0;
	}
	if (strcmp(cmd, "burn-cpu") == 0 && argc == 3) {
		double sec = atof(argv[2]);
		volatile unsigned long x = 0;
		while (now(CLOCK_PROCESS_CPUTIME_ID) < sec)
			x++;
		return 0;
	}
	fprintf(stderr, "usage: see the comment at the top of cgprog.c\n");
	return 2;
}
