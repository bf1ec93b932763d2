/* add.c: a submission that dereferences NULL. */
#include <stddef.h>

int fixture_add(int a, int b)
{
	volatile int *p = NULL;
	return *p + a + b;
}

int fixture_ready(void)
{
	return 1;
}
