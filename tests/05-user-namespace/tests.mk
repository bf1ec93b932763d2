# tests.mk: lesson 05's test helpers (helpers/ keeps them out of the test binary).
EXTRA_PROGS += $(OUT)/hako-asuser

$(OUT)/hako-asuser: tests/05-user-namespace/helpers/asuser.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $<
