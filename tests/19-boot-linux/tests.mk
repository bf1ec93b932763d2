# tests.mk: lesson 19's probe kernel, a freestanding 64-bit program (built like lesson 17's
# guest) linked at 1 MiB and flattened to the bytes of a protected-mode kernel. The tests wrap
# it in a setup header of their own, with random fields, to make a bzImage.
EXTRA_PROGS += $(OUT)/probe.bin

PROBE_DIR := tests/19-boot-linux/probe
PROBE_CFLAGS := -std=gnu11 -O2 -Wall -ffreestanding -nostdlib -mno-red-zone -fno-pic \
	-fno-pie -static -mgeneral-regs-only -fno-stack-protector -fno-asynchronous-unwind-tables

$(OUT)/probe.elf: $(PROBE_DIR)/start.S $(PROBE_DIR)/probe.c $(PROBE_DIR)/probe.ld
	@mkdir -p $(@D)
	$(CC) $(PROBE_CFLAGS) -no-pie -T $(PROBE_DIR)/probe.ld -Wl,--build-id=none -Wl,--no-warn-rwx-segments -o $@ \
		$(PROBE_DIR)/start.S $(PROBE_DIR)/probe.c

$(OUT)/probe.bin: $(OUT)/probe.elf
	objcopy -O binary $< $@
