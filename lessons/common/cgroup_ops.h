/* cgroup_ops.h: lesson 07's inside — the container's cgroup, and the table of operations that
 * hides the differences between cgroup v1 (cgroup_v1.c) and v2 (cgroup_v2.c). Given: not a
 * file you edit. */
#ifndef CGROUP_OPS_H
#define CGROUP_OPS_H

#include "hako.h"

/*
 * The same limit, written in each version's words:
 *
 *   limit          cgroup v1 (one hierarchy per controller)     cgroup v2 (one hierarchy)
 *   -----          ----------------------------------------     -------------------------
 *   memory         memory/hako/NAME/memory.limit_in_bytes       hako/NAME/memory.max
 *   no swap        memory/.../memory.memsw.limit_in_bytes       hako/NAME/memory.swap.max
 *   CPU            cpu/.../cpu.cfs_period_us, cpu.cfs_quota_us  hako/NAME/cpu.max
 *   processes      pids/hako/NAME/pids.max                      hako/NAME/pids.max
 *   OOM kills      memory/.../memory.oom_control: oom_kill N    hako/NAME/memory.events
 *   join           cgroup.procs in every hierarchy              hako/NAME/cgroup.procs
 *
 * Every operation returns 0 or a negative errno. They print nothing of their own: cg_write
 * prints a write that failed, and cgroup_create_at says which option lacks a file.
 */
struct cgroup_ops {
	int version;
	/* Make the hako parent PARENT able to hand controllers to its children (v2 only). */
	int (*prepare_parent)(const char *root, const char *parent);
	/* Limit memory to BYTES, swap included. */
	int (*set_memory)(const char *dir, long long bytes);
	/* Allow QUOTA microseconds of CPU time per CGROUP_CPU_PERIOD. */
	int (*set_cpu)(const char *dir, long long quota);
	/* Allow at most MAX processes. */
	int (*set_pids)(const char *dir, long max);
	/* 1 if the OOM killer killed a process of the cgroup, 0 if not. */
	int (*oom_killed)(const char *dir);
};

extern const struct cgroup_ops cgroup_v1_ops;
extern const struct cgroup_ops cgroup_v2_ops;

/* One container's cgroup: for each controller, the folder and the version that serve it. In
 * v2 every controller shares one folder; in v1 each has its own (cpu and cpuacct share one
 * when they are mounted together). */
struct hako_cgroup {
	char *dir[CGROUP_NCONTROLLERS];                    /* NULL: controller not available */
	const struct cgroup_ops *ops[CGROUP_NCONTROLLERS]; /* v1 or v2 */
	char *root[CGROUP_NCONTROLLERS];                   /* the hierarchy the folder is in */
	bool owned; /* made by cgroup_create_at (destroy removes it), not cgroup_open_pid */
};

/* Write the text of FMT to DIR/FILE, the way `echo TEXT > FILE` does. 0, or a negative errno
 * after printing `hako: write "TEXT" to DIR/FILE: reason`; but a file missing from a folder
 * that exists gives -ENOENT quietly (cgroup files are never created by writing, and a missing
 * one means the kernel lacks that feature: the caller decides whether that is an error). */
int cg_write(const char *dir, const char *file, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Read DIR/FILE into BUF (LEN bytes, NUL-terminated, trailing newline removed). 0 or a
 * negative errno, quietly: a read is most often a question ("is anything in it?"). */
int cg_read(const char *dir, const char *file, char *buf, size_t len);
/* The number after KEY in a "key value" file such as memory.events; -ENOENT if absent. */
int cg_read_key(const char *dir, const char *file, const char *key, long long *value);

#endif
