/* stats.c: lesson 08 — read a container's cgroup accounting, as `docker stats` shows it. */
#include "hako.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/*
 * Where each number lives:
 *
 *   number          cgroup v1                                 cgroup v2
 *   ------          ---------                                 ---------
 *   CPU time        cpuacct/.../cpuacct.usage (nanoseconds)   cpu.stat: usage_usec
 *   memory now      memory/.../memory.usage_in_bytes          memory.current
 *   memory peak     memory/.../memory.max_usage_in_bytes      memory.peak (Linux 5.19+)
 *   file cache      memory.stat: total_inactive_file          memory.stat: inactive_file
 *   memory limit    memory/.../memory.limit_in_bytes          memory.max ("max": none)
 *   processes       pids/.../pids.current                     pids.current
 *   process peak    pids/.../pids.peak (recent kernels)       pids.peak (recent kernels)
 */

/* Read the number in DIR/FILE into *VALUE. "max" (v2's "no limit") reads as LLONG_MAX. */
static GIVEN int read_ll(const char *dir, const char *file, long long *value)
{
	char path[PATH_MAX], buf[64];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (!(f = fopen(path, "re")))
		return -errno;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	*value = strncmp(buf, "max", 3) == 0 ? LLONG_MAX : strtoll(buf, NULL, 10);
	return 0;
}

/* Read the number after KEY in the "key value" lines of DIR/FILE. -ENOENT if absent. */
static int read_key(const char *dir, const char *file, const char *key, long long *value)
{
	char path[PATH_MAX], line[256];
	size_t klen = strlen(key);
	int err = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (!(f = fopen(path, "re")))
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, key, klen) == 0 && line[klen] == ' ') {
			*value = strtoll(line + klen + 1, NULL, 10);
			err = 0;
			break;
		}
	fclose(f);
	return err;
}

/* The machine's CPU time so far, all CPUs, in microseconds: the first line of /proc/stat,
 * "cpu  user nice system idle iowait irq softirq steal ..." in clock ticks. */
static long long system_usec(void)
{
	unsigned long long t[8] = {0}, sum = 0;
	FILE *f = fopen("/proc/stat", "re");

	if (!f)
		return 0;
	if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &t[0], &t[1], &t[2], &t[3],
	           &t[4], &t[5], &t[6], &t[7]) < 4)
		t[0] = 0;
	fclose(f);
	for (int i = 0; i < 8; i++)
		sum += t[i];
	return (long long)(sum * 1000000ULL / (unsigned long long)sysconf(_SC_CLK_TCK));
}

/* The machine's memory in bytes (the line "MemTotal:   24684004 kB" of /proc/meminfo). */
static long long host_memory(void)
{
	long long kib = 0;

	read_key("/proc", "meminfo", "MemTotal:", &kib);
	return kib * 1024;
}

int stats_read(struct hako_cgroup *cg, struct stats_sample *s)
{
	memset(s, 0, sizeof(*s));
	s->mem_peak = -1;
	s->pids_peak = -1;
	s->system_usec = system_usec();
	s->mem_limit = host_memory();

	/// TODO(08): Fill the rest of S (the fields in hako.h) from the files in the table
	/// above, for whichever cgroup version serves each controller; lesson 07 knows where
	/// the folders are and which version serves them (cgroup_dir()), and a controller the
	/// cgroup does not have is skipped. Mind the units: S holds microseconds and bytes.
	/// mem_usage is the usage less the inactive file cache, as Docker computes it. A peak
	/// the kernel does not keep stays -1; the limit stays the machine's memory unless the
	/// cgroup's is lower. The files for CPU time, memory now and processes now are
	/// required: one that cannot be read means the cgroup is gone, so return its -errno
	/// (-ENOENT). Return 0 when done. README: "Where the numbers are".
	return -ENOSYS;
}

double stats_cpu_percent(const struct stats_sample *before, const struct stats_sample *after,
                         int ncpus)
{
	/// TODO(08): Return Docker's CPU % between the samples BEFORE and AFTER:
	///     cpu %  =  (container's CPU time delta / machine's CPU time delta) * ncpus * 100
	/// The machine's delta counts every CPU, so the ratio is a share of the whole machine;
	/// times ncpus makes 100% mean one CPU. 0.0 when either delta is not positive.
	/// README: "CPU %".
	return -1.0;
}

void stats_format_size(long long bytes, char *buf, size_t len)
{
	/// TODO(08): Write BYTES into BUF (LEN bytes) as Docker (go-units' BytesSize) prints
	/// them: at most 4 significant digits and the largest unit of B, KiB, MiB, GiB, TiB,
	/// PiB that keeps the number at least 1, no space. 1536 -> "1.5KiB", 1023 -> "1023B",
	/// 536870912 -> "512MiB", 12345678 -> "11.77MiB", 1048575 -> "1024KiB" (the rounding
	/// to 4 digits comes last). README: "Docker's sizes".
	snprintf(buf, len, "?");
}

int stats_print_summary(struct hako_cgroup *cg, long long wall_us)
{
	struct stats_sample s;
	int err = stats_read(cg, &s);

	if (err < 0)
		return err;
	/// TODO(08): Print the summary of S to stderr and return 0. The line must be, exactly
	/// in this form (the tests parse it):
	///   hako: stats: wall 2.01s, cpu 1.00s (49.8%), peak memory 12.5MiB, peak pids 3
	/// with times in seconds (two decimals), CPU % as CPU time / wall time * 100 (one
	/// decimal), the memory peak as stats_format_size() writes it, and "-" for a peak the
	/// kernel does not keep.
	return -ENOSYS;
}

/* The container's name: the last part of its cgroup folder, hako/NAME. */
static GIVEN const char *container_name(struct hako_cgroup *cg)
{
	for (int c = 0; c < CGROUP_NCONTROLLERS; c++) {
		const char *dir = cgroup_dir(cg, c, NULL);
		if (dir)
			return strrchr(dir, '/') + 1;
	}
	return "?";
}

/* The header of the table (on a terminal the screen is cleared first, so that it reads as
 * a live view), then one row: NAME, CPU %, MEM USAGE / LIMIT, MEM %, PIDS. */
static GIVEN void print_row(const char *name, const struct stats_sample *before,
                            const struct stats_sample *after, int ncpus, bool header)
{
	char cpu[16], memp[16], use[32], lim[32], mem[80];
	bool tty = isatty(STDOUT_FILENO);

	if (tty)
		fputs("\033[2J\033[H", stdout);
	if (tty || header)
		printf("%-20s %-9s %-22s %-9s %s\n", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %",
		       "PIDS");
	snprintf(cpu, sizeof(cpu), "%.2f%%", stats_cpu_percent(before, after, ncpus));
	snprintf(memp, sizeof(memp), "%.2f%%",
	         after->mem_limit > 0 ? 100.0 * (double)after->mem_usage / (double)after->mem_limit
	                              : 0.0);
	stats_format_size(after->mem_usage, use, sizeof(use));
	stats_format_size(after->mem_limit, lim, sizeof(lim));
	snprintf(mem, sizeof(mem), "%s / %s", use, lim);
	printf("%-20s %-9s %-22s %-9s %ld\n", name, cpu, mem, memp, after->pids);
	fflush(stdout);
}

int stats_watch(pid_t pid, int count, int interval_ms)
{
	struct hako_cgroup *cg = NULL;
	int err;

	/* Lesson 07 finds the cgroup: -ESRCH if PID is in no container and made none. */
	if ((err = cgroup_open_pid(pid, &cg)) < 0)
		return err;

	/// TODO(08): The `docker stats` loop: one row every INTERVAL_MS milliseconds (hako stats
	/// passes 1000, a second, unless --interval says otherwise), COUNT rows (for ever when
	/// COUNT is 0), the header above the first row only. Each row's CPU % is measured over
	/// the interval before it, so the first row needs a sample taken an interval earlier. A
	/// sample that cannot be read means the container has gone: -ENOENT. Set err (0 after
	/// COUNT rows) and leave through the cgroup_destroy() below, which frees CG. print_row()
	/// prints one row, under the container's name (container_name()); sysconf(3) knows the
	/// number of CPUs, and nanosleep(2) sleeps for a struct timespec (seconds and
	/// nanoseconds).
	err = -ENOSYS;
	cgroup_destroy(cg);
	return err;
}
