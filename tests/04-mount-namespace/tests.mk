# tests.mk: lesson 04's extra program, included by tests/tools/lesson.mk.
#
# chroot-escape runs inside the container's busybox root filesystem, where there is no C
# library: it is linked statically, and without the sanitizers (SAN=1), which cannot be.
EXTRA_PROGS += $(OUT)/chroot-escape

$(OUT)/chroot-escape: tests/04-mount-namespace/prog/chroot-escape.c
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -O1 -g -Wall -Wextra $(if $(WERROR),-Werror) -static -o $@ $<
