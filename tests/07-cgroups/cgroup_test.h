/* cgroup_test.h: what the files of lesson 07's tests share: fake cgroup trees, the
 * machine's own cgroups found independently of the code under test, and the test list. */
#ifndef CGROUP_TEST_H
#define CGROUP_TEST_H

#include "hako.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Fake trees (test_cgroup.c) and the machine's cgroups (test_cgroup.c). */
extern const char *const v2_files[];
extern const char *const v1_memory_files[];
extern const char *const v1_cpu_files[];
extern const char *const v1_cpuacct_files[];
extern const char *const v1_pids_files[];
void make_files(const char *base, const char *rel, const char *const *files);
void fake_v2(const char *base, const char *sub, const char *controllers, const char *name);
void fake_v1(const char *base, const char *name, bool memsw);
const char *slurp(const char *base, const char *rel);
bool exists(const char *base, const char *rel);
void check_created(int err, const char *what);
struct hako_config random_limits(void);
void random_name(char *name);
pid_t dead_pid(void);
int mounts_mode(void);
bool v2_has(const char *dir, const char *ctl);
void real_dir(const char *ctl, const char *name, char *out, size_t len);
void require_cgroups(void);
bool name_from_output(const char *out, char *name, size_t len);
int remove_left(const char *name);
int oom_with(int mode, const char *file, const char *text, int *err);
char first_written(int fd, int wd_a, int wd_b);

/* The tests, one file per behaviour. */
void test_cgroup_parse_size(void **state);
void test_cgroup_parse_size_invalid(void **state);
void test_cgroup_parse_cpus(void **state);
void test_cgroup_parse_cpus_invalid(void **state);
void test_cgroup_hako_rejects_bad_values(void **state);
void test_cgroup_detect_mode(void **state);
void test_cgroup_detect_mode_layouts(void **state);
void test_cgroup_v2_limits(void **state);
void test_cgroup_v2_without_swap(void **state);
void test_cgroup_v2_enables_controllers(void **state);
void test_cgroup_v1_limits(void **state);
void test_cgroup_v1_without_memsw(void **state);
void test_cgroup_hybrid_layout(void **state);
void test_cgroup_v1_comounted(void **state);
void test_cgroup_attach(void **state);
void test_cgroup_oom_killed_v2(void **state);
void test_cgroup_oom_killed_v1(void **state);
void test_cgroup_stale_removed(void **state);
void test_cgroup_destroy_removes(void **state);
void test_cgroup_missing_controller(void **state);
void test_cgroup_existing_busy(void **state);
void test_cgroup_mkdir_failure_named(void **state);
void test_cgroup_kernel_memory_oom(void **state);
void test_cgroup_kernel_memory_within_limit(void **state);
void test_cgroup_kernel_pids_limit(void **state);
void test_cgroup_kernel_refused_limit(void **state);
void test_cgroup_kernel_cpu_quota(void **state);
void test_cgroup_kernel_attach(void **state);
void test_cgroup_kernel_namespace(void **state);
void test_cgroup_kernel_cleanup_after_kill(void **state);
void test_cgroup_kernel_leftover_killed(void **state);
void test_cgroup_kernel_stale_removed(void **state);

#endif
