/* add.c: a submission on a "machine" where every test skips. */
int fixture_add(int a, int b)
{
	return a + b;
}

int fixture_ready(void)
{
	return 0;
}
