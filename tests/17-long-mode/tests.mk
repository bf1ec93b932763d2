# tests.mk: lesson 17's guest, a freestanding 64-bit C program: no libc, no red zone (an
# interrupt would overwrite it), no position-independent code, no SSE (the guest does not
# enable it), linked at 1 MiB by guest/guest.ld.
EXTRA_PROGS += $(OUT)/guest-long.elf

GUEST_DIR := tests/17-long-mode/guest
GUEST_CFLAGS := -std=gnu11 -O2 -g -Wall -ffreestanding -nostdlib -mno-red-zone -fno-pic \
	-fno-pie -static -mgeneral-regs-only -fno-stack-protector -fno-asynchronous-unwind-tables
# What the test guests share (output on the UART, exit): tests/lib/guest.
GUEST_IO_DIR := tests/lib/guest

$(OUT)/guest-long.elf: $(GUEST_DIR)/start.S $(GUEST_DIR)/main.c $(GUEST_DIR)/guest.c \
		$(GUEST_DIR)/guest.h $(GUEST_DIR)/guest.ld $(GUEST_IO_DIR)/guest_io.c \
		$(GUEST_IO_DIR)/guest_io.h
	@mkdir -p $(@D)
	$(CC) $(GUEST_CFLAGS) -I$(GUEST_IO_DIR) -no-pie -T $(GUEST_DIR)/guest.ld -Wl,--build-id=none \
		-o $@ $(GUEST_DIR)/start.S $(GUEST_DIR)/main.c $(GUEST_DIR)/guest.c \
		$(GUEST_IO_DIR)/guest_io.c
