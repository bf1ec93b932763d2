# tests.mk: lesson 06's test helpers (helpers/ keeps them out of the test binary).
EXTRA_PROGS += $(OUT)/hako-echo

$(OUT)/hako-echo: tests/06-ipc-and-network/helpers/echo.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $<
