/* timeit.c: run several commands side by side, N rounds, and report each one's median wall
 * time and peak memory.
 *
 *   timeit N  CODE CMD [ARG...]  [-- CODE CMD [ARG...]]...
 *
 * Each round runs every command once, in turn, so that a machine that gets busier or quieter
 * during the benchmark affects all of them alike; who goes first rotates from round to round. CODE is the exit status a good run ends
 * with (QEMU's isa-debug-exit makes it 1). One line per command:
 *
 *   MEDIAN_US MIN_US MAXRSS_KIB BAD_RUNS
 *
 * Wall time runs from just before fork() to the return of wait4(): process start, dynamic
 * linking, the program's work and its exit — what a user waiting for it sees. MAXRSS is the
 * largest ru_maxrss of its runs. stdout and stderr of the commands go to /dev/null. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CMDS 8

struct cmd {
	char **argv;
	int code;
	long long *us, maxrss;
	int bad;
};

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return (x > y) - (x < y);
}

/* Run C once; returns 0, or -1 if it could not be started. */
static int run_once(struct cmd *c, int round)
{
	struct timespec t0, t1;
	struct rusage ru;
	int status;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 1);
		dup2(null, 2);
		execv(c->argv[0], c->argv);
		_exit(127);
	}
	if (pid < 0 || wait4(pid, &status, 0, &ru) != pid)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	c->us[round] = (t1.tv_sec - t0.tv_sec) * 1000000LL + (t1.tv_nsec - t0.tv_nsec) / 1000;
	if (ru.ru_maxrss > c->maxrss)
		c->maxrss = ru.ru_maxrss;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != c->code)
		c->bad++;
	return 0;
}

int main(int argc, char **argv)
{
	struct cmd cmds[MAX_CMDS];
	int n, ncmds = 0;

	if (argc < 4 || (n = atoi(argv[1])) <= 0) {
		fprintf(stderr, "usage: timeit N CODE CMD [ARG...] [-- CODE CMD [ARG...]]...\n");
		return 2;
	}
	for (int i = 2; i < argc && ncmds < MAX_CMDS;) {
		struct cmd *c = &cmds[ncmds++];
		memset(c, 0, sizeof(*c));
		c->code = atoi(argv[i++]);
		c->argv = &argv[i];
		while (i < argc && strcmp(argv[i], "--") != 0)
			i++;
		if (i < argc)
			argv[i++] = NULL; /* ends this command's argv */
		c->us = calloc((size_t)n, sizeof(long long));
	}
	for (int round = 0; round < n; round++)
		for (int j = 0; j < ncmds; j++) {
			int k = (round + j) % ncmds; /* rotate who goes first: no order bias */
			if (run_once(&cmds[k], round) < 0) {
				perror("timeit: fork/wait");
				return 1;
			}
		}
	for (int k = 0; k < ncmds; k++) {
		qsort(cmds[k].us, (size_t)n, sizeof(long long), cmp_ll);
		printf("%lld %lld %lld %d\n", cmds[k].us[n / 2], cmds[k].us[0], cmds[k].maxrss,
		       cmds[k].bad);
	}
	return 0;
}
