/* add.c: a submission with a syntax error. */
int fixture_add(int a, int b)
{
	return a + ;
}

int fixture_ready(void)
{
	return 1;
}
