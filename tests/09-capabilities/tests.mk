# tests.mk: lesson 09's probe, run inside containers. There is no C library in the busybox
# root filesystem: it is linked statically, and without the sanitizers (SAN=1), which cannot be.
EXTRA_PROGS += $(OUT)/capprobe

$(OUT)/capprobe: tests/09-capabilities/prog/capprobe.c
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -O1 -g -Wall -Wextra $(if $(WERROR),-Werror) -static -o $@ $<
