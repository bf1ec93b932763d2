# tests.mk: lesson 06's test helpers (helpers/ keeps them out of the test binary).
#
# Built without the sanitizers (SAN=1), as lesson 04's and 07's helpers are: hako-echo runs
# as a container's workload, under hako's default seccomp filter (lesson 10), which refuses
# the ptrace(2) that LeakSanitizer needs at exit.
EXTRA_PROGS += $(OUT)/hako-echo

$(OUT)/hako-echo: tests/06-ipc-and-network/helpers/echo.c tests/06-ipc-and-network/tests.mk
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -std=gnu11 -O1 -g -Wall -Wextra $(if $(WERROR),-Werror) -o $@ $<
