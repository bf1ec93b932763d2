/* add.c: a submission that never returns. */
int fixture_add(int a, int b)
{
	for (volatile int spin = 1; spin;)
		;
	return a + b;
}

int fixture_ready(void)
{
	return 1;
}
