# tests.mk: lesson 07's helper program (workloads to limit), built without sanitizers so that
# their memory use is what the tests expect.
EXTRA_PROGS += $(OUT)/cgprog

$(OUT)/cgprog: tests/07-cgroups/progs/cgprog.c
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -O1 -g -Wall -Wextra $(if $(WERROR),-Werror) -o $@ $<
