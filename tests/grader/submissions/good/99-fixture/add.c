/* add.c: a correct submission. */
int fixture_add(int a, int b)
{
	return a + b;
}

int fixture_ready(void)
{
	return 1;
}
