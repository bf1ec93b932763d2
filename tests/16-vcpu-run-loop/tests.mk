# tests.mk: lesson 16's guests, 16-bit flat images: assembled for real mode (.code16),
# linked to run at 0x1000 and stripped to raw bytes.
GUESTS_16 := uart triple unknown rep
EXTRA_PROGS += $(patsubst %,$(OUT)/guest-%.bin,$(GUESTS_16))

$(OUT)/guest-%.o: tests/16-vcpu-run-loop/guests/%.S
	@mkdir -p $(@D)
	$(CC) -m32 -c $< -o $@

$(OUT)/guest-%.bin: $(OUT)/guest-%.o
	ld -m elf_i386 -Ttext=0x1000 -e _start -o $(@:.bin=.elf) $<
	objcopy -O binary $(@:.bin=.elf) $@
