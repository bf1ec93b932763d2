# tests.mk: lesson 10's probe, included by tests/tools/lesson.mk.
#
# scprobe runs inside the container's busybox root filesystem, where there is no C library: it
# is linked statically, and without the sanitizers (SAN=1), which cannot be. Its i386 calls
# use `int 0x80` from 64-bit code, so no 32-bit compiler (gcc-multilib) is needed.
EXTRA_PROGS += $(OUT)/scprobe

$(OUT)/scprobe: tests/10-seccomp/prog/scprobe.c
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -O1 -g -Wall -Wextra $(if $(WERROR),-Werror) -static -o $@ $<
