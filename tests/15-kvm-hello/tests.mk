# tests.mk: lesson 15's guest, a 16-bit flat image: assembled for real mode (.code16),
# linked to run at 0x1000 and stripped to raw bytes.
EXTRA_PROGS += $(OUT)/guest-hello.bin

$(OUT)/guest-hello.o: tests/15-kvm-hello/guests/hello.S
	@mkdir -p $(@D)
	$(CC) -m32 -c $< -o $@

$(OUT)/guest-%.bin: $(OUT)/guest-%.o
	ld -m elf_i386 -Ttext=0x1000 -e _start -o $(@:.bin=.elf) $<
	objcopy -O binary $(@:.bin=.elf) $@
