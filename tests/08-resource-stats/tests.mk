# tests.mk: lesson 08 uses lesson 07's workload program (allocate, burn CPU, fork).
EXTRA_PROGS += $(OUT)/cgprog

$(OUT)/cgprog: tests/07-cgroups/progs/cgprog.c
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -O1 -g -Wall -Wextra $(if $(WERROR),-Werror) -o $@ $<
