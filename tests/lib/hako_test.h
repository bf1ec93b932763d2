/* hako_test.h: what every graded test uses — cmocka, checks that print expected and actual,
 * explicit skips with a reason, random inputs, and running a program with a timeout. */
#ifndef HAKO_TEST_H
#define HAKO_TEST_H

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdbool.h>
#include <string.h>
#include <sys/types.h>
#include <cmocka.h>

/*
 * A test is a function `static void test_<module>_<behaviour>(void **state)` that opens with a
 * comment saying "This test checks that ...". A lesson's test file ends with
 *
 *	HAKO_TEST_MAIN(HAKO_TEST(test_process_exit_code), HAKO_TEST(test_process_not_found));
 *
 * The grader runs each test alone (`./tests --run NAME`) under a hard timeout and reads the
 * one result line the harness prints at the end, so a test that crashes, hangs, exits early
 * or is skipped can never be mistaken for a pass.
 */
struct hako_case {
	void (*fn)(void **state);
};

#define HAKO_TEST(f)                                                                               \
	{                                                                                          \
		.name = #f, .test_func = hako_case_run,                                            \
		.initial_state = (void *)&(struct hako_case){f},                                   \
	}

#define HAKO_TEST_MAIN(...)                                                                        \
	static const struct CMUnitTest hako_tests_[] = {__VA_ARGS__};                              \
	int main(int argc, char **argv)                                                            \
	{                                                                                          \
		return hako_test_main(argc, argv, hako_tests_,                                     \
		                      sizeof(hako_tests_) / sizeof(hako_tests_[0]));               \
	}

void hako_case_run(void **state);
int hako_test_main(int argc, char **argv, const struct CMUnitTest *tests, size_t n);

/* ---- Checks: each prints what was expected and what the code produced. ----
 * Strings are printed escaped (a newline as \n, a NUL or other control byte as \x00), so
 * what differs can be seen. */

/* Integers. A negative value is named as an errno (-38 (-ENOSYS: Function not implemented))
 * only where that reading is sure: -2 and below, or -1 when E is itself a -errno. A function
 * whose contract is "-errno on failure" is checked with check_errno, which always names both;
 * a call that returns -1 and sets errno with check_fails_with. */
#define check_int(actual, expected, what)                                                          \
	do {                                                                                       \
		long long a_ = (long long)(actual), e_ = (long long)(expected);                    \
		if (a_ != e_)                                                                      \
			hako_fail_int((what), e_, a_, 0, __FILE__, __LINE__);                      \
	} while (0)

/* A function that returns 0 (or a count) on success and -errno on failure. */
#define check_errno(actual, expected, what)                                                        \
	do {                                                                                       \
		long long a_ = (long long)(actual), e_ = (long long)(expected);                    \
		if (a_ != e_)                                                                      \
			hako_fail_int((what), e_, a_, 1, __FILE__, __LINE__);                      \
	} while (0)

/* A call that must fail the C library's way: return -1 and set errno to ERR (e.g. EPERM). */
#define check_fails_with(call, err, what)                                                          \
	do {                                                                                       \
		errno = 0;                                                                         \
		long long r_ = (long long)(call);                                                  \
		hako_check_fails_with((what), r_, errno, (err), __FILE__, __LINE__);               \
	} while (0)

/* An enum, printed by name: NAMES is an array of strings indexed by value, e.g.
 *	static const char *const stop_names[] = {[VM_RUNNING] = "VM_RUNNING", ...};
 *	check_enum(vm.stop, VM_STOP_HALT, stop_names, "vm.stop after hlt"); */
#define check_enum(actual, expected, names, what)                                                  \
	do {                                                                                       \
		long long a_ = (long long)(actual), e_ = (long long)(expected);                    \
		if (a_ != e_)                                                                      \
			hako_fail_enum((what), e_, a_, (names),                                    \
			               sizeof(names) / sizeof((names)[0]), __FILE__, __LINE__);    \
	} while (0)

#define check_str(actual, expected, what)                                                          \
	do {                                                                                       \
		const char *a_ = (actual), *e_ = (expected);                                       \
		if (a_ == NULL || strcmp(a_, e_) != 0)                                             \
			hako_fail_str((what), "expected", e_, a_, __FILE__, __LINE__);             \
	} while (0)

#define check_contains(haystack, needle, what)                                                     \
	do {                                                                                       \
		const char *h_ = (haystack), *n_ = (needle);                                       \
		if (h_ == NULL || strstr(h_, n_) == NULL)                                          \
			hako_fail_str((what), "expected to find", n_, h_, __FILE__, __LINE__);     \
	} while (0)

#define check_that(cond, ...)                                                                      \
	do {                                                                                       \
		if (!(cond))                                                                       \
			fail_msg(__VA_ARGS__);                                                     \
	} while (0)

/* What a helper returns, and check_int prints as "no answer in time", when the code under test
 * did not answer before the helper gave up waiting (a timeout, said as one). */
#define HAKO_TIMED_OUT (-1000000000LL)

/* Fail with "WHAT: expected E, got A"; AS_ERRNO: the contract is -errno (see check_errno). */
void hako_fail_int(const char *what, long long e, long long a, int as_errno, const char *file,
                   int line) __attribute__((noreturn));
void hako_fail_enum(const char *what, long long e, long long a, const char *const *names, size_t n,
                    const char *file, int line) __attribute__((noreturn));
/* Fail with "WHAT: RELATION "E", got "A"" (escaped; a long A is cut in the middle). */
void hako_fail_str(const char *what, const char *relation, const char *e, const char *a,
                   const char *file, int line) __attribute__((noreturn));
void hako_check_fails_with(const char *what, long long ret, int got_errno, int want_errno,
                           const char *file, int line);

/* What ERR means after a socket call under SO_RCVTIMEO / SO_SNDTIMEO: "timed out (no answer
 * in time)" for EAGAIN, EWOULDBLOCK and EINPROGRESS (what connect, read and write report when
 * that timeout runs out), else strerror(ERR). */
const char *hako_sock_strerror(int err);

/* The name of errno value ERR ("ENOENT"), or "E?" for an unknown one. */
const char *hako_errno_name(int err);
/* S with every byte that is not printable ASCII escaped (\n, \t, \\, \", \xNN), and cut to
 * about MAX characters (first and last part kept) if longer. Returns a malloc'd string. */
char *hako_escape(const char *s, size_t max);

/* Skip the running test with a one-line reason, e.g.
 * hako_skip("needs root: run `sudo make lesson-04`"). Never returns. */
void hako_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Skip unless running as root; the reason names the make command to use. */
void hako_require_root(void);

/* Skip unless PATH exists; WHY says what it is ("/dev/kvm", "the kvm module"). */
void hako_require_path(const char *path, const char *why);

/* Skip unless /dev/kvm exists and this user may open it for reading and writing; the reason
 * says how to get it (firmware and module, or the kvm group). */
void hako_require_kvm(void);

/* ---- Random inputs: seeded from HAKO_SEED (printed at the start of each test). ---- */

uint32_t hako_rand(void);
/* A random integer in [lo, hi]. */
long hako_rand_range(long lo, long hi);
/* Fill BUF with LEN random characters from [a-z0-9] (first one a letter) and a NUL. */
void hako_rand_name(char *buf, size_t len);

/* ---- Programs under test ---- */

/* The path of a program the grader built for this lesson: "hako", "hakovm", or a helper a
 * lesson's tests.mk builds. Fails the test if it does not exist. The path lives in one of 8
 * rotating buffers, so several calls may appear in one expression. */
const char *hako_prog(const char *name);

/* The folder for this lesson's build output (HAKO_OUT). */
const char *hako_out_dir(void);

/* The bytes of NAME in that folder (a guest image the lesson's tests.mk built, say), at most
 * 1 MiB, in a malloc'd buffer; *SIZE is how many. Fails the test if NAME was not built. */
uint8_t *hako_read_built(const char *name, size_t *size);

struct hako_run {
	int status;    /* raw wait status */
	int exit_code; /* shell-style: WEXITSTATUS, or 128 + signal */
	bool timed_out;
	char *out; /* captured stdout, NUL-terminated */
	char *err; /* captured stderr, NUL-terminated */
	size_t out_len, err_len;
};

/*
 * Run ARGV (argv[0] is a path) with INPUT on its stdin (NULL: /dev/null), capture stdout and
 * stderr, and wait at most TIMEOUT_MS; a program still running then is killed with its whole
 * process group and the run reports timed_out. Returns 0, or -1 if the program could not be
 * started. Free the result with hako_run_free().
 */
int hako_run_argv(char *const argv[], const char *input, int timeout_ms, struct hako_run *r);
void hako_run_free(struct hako_run *r);

/* Check that the run R exited with WANT; a failure also shows the start of what the program
 * printed on stderr, which usually says why. */
#define check_exit(r, want, what) hako_check_exit((r), (want), (what), __FILE__, __LINE__)
void hako_check_exit(const struct hako_run *r, int want, const char *what, const char *file,
                     int line);

/* Run the built program PROG (see hako_prog) with ARGS (NULL-terminated, at most 30, without
 * the program itself) and INPUT on stdin; fails the test if it cannot start or is still
 * running after TIMEOUT_MS. */
void hako_run_prog(struct hako_run *r, const char *prog, const char *const *args, const char *input,
                   int timeout_ms);

/* A program running in the background, in its own process group, so that a test can look at
 * it (its /proc, its output so far) while it runs. */
struct hako_bg {
	pid_t pid;       /* the program, leader of its own process group */
	int in, out;     /* our ends of its stdin and stdout */
	char text[4096]; /* its stdout so far (hako_bg_wait_for reads it) */
	size_t len;
};

/* Start ARGV (argv[0] a path) with pipes on its stdin and stdout; or, when ARGV is NULL, fork
 * a child that calls FN(ARG) and _exits with its return value. Returns 0 or -1. */
int hako_bg_start(struct hako_bg *b, char *const argv[], int (*fn)(void *), void *arg);
/* Read its stdout until it contains TEXT (true) or TIMEOUT_MS have passed (false). */
bool hako_bg_wait_for(struct hako_bg *b, const char *text, int timeout_ms);
/* Close its stdin and wait at most TIMEOUT_MS for it to exit. Returns its wait status, or -1
 * if it had to be killed. Whatever is left of its process group is killed either way. */
int hako_bg_finish(struct hako_bg *b, int timeout_ms);

/* Milliseconds on the monotonic clock, for deadlines. */
long long hako_now_ms(void);

/* The namespace link /proc/PID/ns/NAME (e.g. "uts:[4026531838]") into BUF of LEN bytes; ""
 * if it cannot be read. Two processes share a namespace exactly when their links are equal. */
const char *hako_ns_link(pid_t pid, const char *name, char *buf, size_t len);

/* Number of open file descriptors of this process (from /proc/self/fd). */
int hako_fd_count(void);

/* Is PID asleep in the system call NR, with ARG0 as its first argument (any first argument
 * when ARG0 is -1)? /proc/PID/stat says S (an interruptible sleep) and /proc/PID/syscall names
 * the call it is in and its arguments ("NR ARG1 ..."). A process asleep in read() on a pipe
 * whose write end is open, or in flock() on a held lock, waits there until something the
 * test controls happens. False when the files cannot be read (then wait some other way). */
bool hako_asleep_in(pid_t pid, long nr, long arg0);

/* Read FD into BUF (LEN bytes, accumulating after *USED, kept NUL-terminated) until BUF holds
 * TEXT, FD reaches its end, or TIMEOUT_MS pass; true if TEXT is there. For a pty's master, a
 * pipe from a background program. */
bool hako_read_until(int fd, char *buf, size_t len, size_t *used, const char *text, int timeout_ms);

/* Make a fresh temporary directory; returns a malloc'd path. hako_rm_rf removes it (without
 * crossing into other mounted file systems); the harness also removes it after the test, so a
 * failed check leaves nothing behind. */
char *hako_tmpdir(void);
int hako_rm_rf(const char *path);

/* Make a busybox root filesystem in the new folder PATH with tests/tools/mkrootfs.sh (run from
 * the top of the course); fails the test, with the script's stderr, if it cannot. */
void hako_make_rootfs(const char *path);

/* Write TEXT to PATH (creating parent folders as needed); fails the test on error. */
void hako_write_file(const char *path, const char *text);

/* The text of PATH (its first 64 KiB) in a static buffer that the next call overwrites; ""
 * if it cannot be read. For files and /proc entries a test looks at, not for binary data. */
const char *hako_read_file(const char *path);

#endif
