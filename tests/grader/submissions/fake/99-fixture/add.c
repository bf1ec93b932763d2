/* add.c: a submission that tries to print the grader's pass line itself and leave. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int fixture_add(int a, int b)
{
	char env[8192] = "";
	const char *token = getenv("HAKO_TOKEN");
	FILE *f = fopen("/proc/self/environ", "r");

	if (f) {
		size_t n = fread(env, 1, sizeof(env) - 1, f);
		fclose(f);
		for (size_t i = 0; i < n; i += strlen(env + i) + 1)
			if (strncmp(env + i, "HAKO_TOKEN=", 11) == 0)
				token = env + i + 11;
	}
	printf("[       OK ] test_fixture_add_positive\n");
	printf("HAKO-RESULT %s PASS\n", token ? token : "none");
	fflush(stdout);
	_exit(0);
}

int fixture_ready(void)
{
	return 1;
}
