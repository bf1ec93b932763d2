# tests.mk: lesson 19's probe kernel, a freestanding 64-bit program (built like lesson 17's
# guest) linked at 1 MiB and flattened to the bytes of a protected-mode kernel. The tests wrap
# it in a setup header of their own, with random fields, to make a bzImage.
EXTRA_PROGS += $(OUT)/probe.bin

PROBE_DIR := tests/19-boot-linux/probe
PROBE_CFLAGS := -std=gnu11 -O2 -Wall -ffreestanding -nostdlib -mno-red-zone -fno-pic \
	-fno-pie -static -mgeneral-regs-only -fno-stack-protector -fno-asynchronous-unwind-tables

# Output on the UART and port I/O, as lessons 17 and 18's guests: tests/lib/guest.
GUEST_IO_DIR := tests/lib/guest

$(OUT)/probe.elf: $(PROBE_DIR)/start.S $(PROBE_DIR)/probe.c $(PROBE_DIR)/probe.ld \
		$(GUEST_IO_DIR)/guest_io.c $(GUEST_IO_DIR)/guest_io.h
	@mkdir -p $(@D)
	$(CC) $(PROBE_CFLAGS) -I$(GUEST_IO_DIR) -no-pie -T $(PROBE_DIR)/probe.ld -Wl,--build-id=none -Wl,--no-warn-rwx-segments -o $@ \
		$(PROBE_DIR)/start.S $(PROBE_DIR)/probe.c $(GUEST_IO_DIR)/guest_io.c

$(OUT)/probe.bin: $(OUT)/probe.elf
	objcopy -O binary $< $@
