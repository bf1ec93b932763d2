/* test_harness.c: the harness's own messages. Every test here fails on purpose; the grader's
 * self-test (tests/grader/run.sh) reads what each one printed. */
#include "hako_test.h"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

/* This test checks that check_str shows a newline and a control byte escaped. */
static void test_harness_escape(void **state)
{
	check_str("a\nb\x01", "a\nb", "escaped");
}

/* This test checks that a -1 from a call like read() is not called -EPERM. */
static void test_harness_minus_one(void **state)
{
	check_int(-1, 5, "bytes read");
}

/* This test checks that a -errno is named when the contract says -errno. */
static void test_harness_errno(void **state)
{
	check_errno(-ENOSYS, -ENOENT, "a -errno function");
}

/* This test checks that an enum is printed by name. */
static void test_harness_enum(void **state)
{
	static const char *const names[] = {"ZERO", "ONE", "TWO"};

	check_enum(1, 2, names, "the state");
}

/* This test checks that "returns -1 and sets errno" names the errno it got. */
static void test_harness_fails_with(void **state)
{
	char path[64];

	snprintf(path, sizeof(path), "/nonexistent-%08x/x", hako_rand());
	check_fails_with(open(path, O_RDONLY), EACCES, "open of a missing file");
}

/* This test checks that a timeout is said as one. */
static void test_harness_timeout(void **state)
{
	check_int(HAKO_TIMED_OUT, 0, "the answer");
}

/* This test checks that a socket call's timeout is said as one. */
static void test_harness_sock_timeout(void **state)
{
	check_that(false, "connect: %s", hako_sock_strerror(EINPROGRESS));
}

/* This test checks that a failing test shows how the last program it ran ended. */
static void test_harness_program(void **state)
{
	char *argv[] = {"/bin/sh", "-c", "echo first >&2; echo 'the reason' >&2; exit 3", NULL};
	struct hako_run r;

	check_that(hako_run_argv(argv, NULL, 5000, &r) == 0, "could not start sh");
	hako_run_free(&r);
	check_that(false, "failed on purpose");
}

/* This test checks that a failing test shows a background program's stderr. */
static void test_harness_background(void **state)
{
	char *argv[] = {"/bin/sh", "-c", "echo 'bg reason' >&2; echo ready; sleep 5", NULL};
	struct hako_bg b;

	check_that(hako_bg_start(&b, argv, NULL, NULL) == 0, "could not start sh");
	check_that(hako_bg_wait_for(&b, "ready", 5000), "sh did not start");
	check_that(false, "failed on purpose");
}

HAKO_TEST_MAIN(HAKO_TEST(test_harness_escape), HAKO_TEST(test_harness_minus_one),
               HAKO_TEST(test_harness_errno), HAKO_TEST(test_harness_enum),
               HAKO_TEST(test_harness_fails_with), HAKO_TEST(test_harness_timeout),
               HAKO_TEST(test_harness_sock_timeout), HAKO_TEST(test_harness_program),
               HAKO_TEST(test_harness_background))
