/* probe.c: a "kernel" for lesson 19's tests: it reads what a boot loader gave it, as Linux
 * would, and reports it on the UART as "probe: KEY=VALUE" lines; then it resets the machine
 * through the keyboard controller (reboot=k's way). The tests compare the report with what
 * they asked hakovm to do. */
#include "guest_io.h" /* outb, inb, print, print_hex: tests/lib/guest */

#include <stdint.h>

static void field(const char *key, uint64_t v)
{
	print("probe: ");
	print(key);
	print("=");
	print_hex(v);
	print("\n");
}

static uint64_t get(const volatile uint8_t *p, unsigned off, unsigned n)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[off + i] << (8 * i);
	return v;
}

static uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (uint64_t)hi << 32 | lo;
}

#define HDR_START 0x1f1
#define HDR_END   0x268

void probe_main(uint64_t zp, uint64_t cs, uint64_t ds, uint64_t ss, uint64_t rflags)
{
	const volatile uint8_t *bp = (const volatile uint8_t *)zp;
	uint64_t cr0, cr4;

	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	print("probe: hello from the 64-bit entry\n");
	field("rsi", zp);
	field("cs", cs & 0xffff);
	field("ds", ds & 0xffff);
	field("ss", ss & 0xffff);
	field("rflags", rflags);
	field("cr0", cr0);
	field("cr4", cr4);
	field("efer", rdmsr(0xc0000080));
	if (zp == 0 || zp >= (1ULL << 30)) {
		print("probe: no zero page\n");
		goto out;
	}

	/* The setup header, byte by byte, as the loader left it in the zero page. */
	print("probe: hdr=");
	for (unsigned i = HDR_START; i < HDR_END; i++) {
		static const char digits[] = "0123456789abcdef";
		putc_uart(digits[bp[i] >> 4]);
		putc_uart(digits[bp[i] & 0xf]);
	}
	print("\n");

	uint64_t cmdline = get(bp, 0x228, 4);
	field("cmd_line_ptr", cmdline);
	if (cmdline && cmdline < (1ULL << 30)) {
		const volatile char *c = (const volatile char *)cmdline;
		print("probe: cmdline=");
		for (int i = 0; i < 4096 && c[i]; i++)
			putc_uart(c[i]);
		print("\n");
	}

	unsigned n = bp[0x1e8];
	field("e820_entries", n);
	for (unsigned i = 0; i < n && i < 128; i++) {
		unsigned e = 0x2d0 + 20 * i;
		print("probe: e820=");
		print_hex(get(bp, e, 8));
		print(",");
		print_hex(get(bp, e + 8, 8));
		print(",");
		print_hex(get(bp, e + 16, 4));
		print("\n");
	}

	/* The initrd: where, how big, and an FNV-1a hash of its bytes. */
	uint64_t rd = get(bp, 0x218, 4), rd_size = get(bp, 0x21c, 4);
	field("ramdisk_image", rd);
	field("ramdisk_size", rd_size);
	if (rd && rd + rd_size <= (1ULL << 30)) {
		uint64_t h = 0xcbf29ce484222325ULL;
		const volatile uint8_t *p = (const volatile uint8_t *)rd;
		for (uint64_t i = 0; i < rd_size; i++)
			h = (h ^ p[i]) * 0x100000001b3ULL;
		field("ramdisk_fnv", h);
	}

	/* Everything else in the zero page must be zero: Linux reads many more fields. */
	uint64_t nonzero = 0;
	for (unsigned i = 0; i < 4096; i++) {
		if (i == 0x1e8 || (i >= HDR_START && i < HDR_END) ||
		    (i >= 0x2d0 && i < 0x2d0 + 20 * n))
			continue;
		nonzero += bp[i] != 0;
	}
	field("nonzero", nonzero);
out:
	print("probe: done\n");
	outb(0x64, 0xfe);
}
