# tests.mk: lesson 18's guest, a freestanding 64-bit C program (built as lesson 17's is: no
# libc, no red zone, no SSE) that drives interrupts, hypercalls, a doorbell and virtio-blk.
EXTRA_PROGS += $(OUT)/guest-devices.elf

GUEST18_DIR := tests/18-hypercalls-and-devices/guest
GUEST18_CFLAGS := -std=gnu11 -O2 -g -Wall -ffreestanding -nostdlib -mno-red-zone -fno-pic \
	-fno-pie -static -mgeneral-regs-only -fno-stack-protector -fno-asynchronous-unwind-tables
# What the test guests share (output on the UART, exit): tests/lib/guest.
GUEST18_IO_DIR := tests/lib/guest

$(OUT)/guest-devices.elf: $(GUEST18_DIR)/entry.S $(GUEST18_DIR)/scenarios.c \
		$(GUEST18_DIR)/lib18.c $(GUEST18_DIR)/guest18.h $(GUEST18_DIR)/guest18.ld \
		$(GUEST18_IO_DIR)/guest_io.c $(GUEST18_IO_DIR)/guest_io.h
	@mkdir -p $(@D)
	$(CC) $(GUEST18_CFLAGS) -I$(GUEST18_IO_DIR) -no-pie -T $(GUEST18_DIR)/guest18.ld \
		-Wl,--build-id=none -o $@ $(GUEST18_DIR)/entry.S $(GUEST18_DIR)/scenarios.c \
		$(GUEST18_DIR)/lib18.c $(GUEST18_IO_DIR)/guest_io.c
