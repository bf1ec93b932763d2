/* test_fixture.c: the grader's fixture lesson — three tests of a one-line function. */
#include "hako_test.h"

int fixture_add(int a, int b);
/* 1 when the submission's "machine" has what the tests need; the skip fixture says 0. */
int fixture_ready(void);

static void require_ready(void)
{
	if (!fixture_ready())
		hako_skip("needs a ready fixture: run `make ready`");
}

/* This test checks that fixture_add() adds random positive numbers. */
static void test_fixture_add_positive(void **state)
{
	require_ready();
	for (int i = 0; i < 10; i++) {
		int a = (int)hako_rand_range(1, 100000), b = (int)hako_rand_range(1, 100000);
		check_int(fixture_add(a, b), a + b, "fixture_add(a, b)");
	}
}

/* This test checks that fixture_add() adds random negative numbers. */
static void test_fixture_add_negative(void **state)
{
	require_ready();
	int a = (int)hako_rand_range(-100000, -1), b = (int)hako_rand_range(-100000, -1);
	check_int(fixture_add(a, b), a + b, "fixture_add(a, b) with negative numbers");
}

/* This test checks that adding zero returns the other argument. */
static void test_fixture_add_identity(void **state)
{
	require_ready();
	int a = (int)hako_rand_range(-1000, 1000);
	check_int(fixture_add(a, 0), a, "fixture_add(a, 0)");
}

HAKO_TEST_MAIN(HAKO_TEST(test_fixture_add_positive), HAKO_TEST(test_fixture_add_negative),
               HAKO_TEST(test_fixture_add_identity))
