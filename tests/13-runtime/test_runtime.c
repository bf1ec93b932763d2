#include "hako_test.h"
#include "hako.h"
static void test_placeholder(void **state)
{
	(void)state;
}
HAKO_TEST_MAIN(HAKO_TEST(test_placeholder))
