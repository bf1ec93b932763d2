/* add.c: a correct submission that the compiler warns about (an unused variable). */
int fixture_add(int a, int b)
{
	int unused;

	return a + b;
}

int fixture_ready(void)
{
	return 1;
}
