/* guest.c: the registers lesson 17's guests report (output and exit: tests/lib/guest). */
#include "guest.h"

uint64_t read_cr0(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

uint64_t read_cr4(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

uint64_t read_efer(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0xc0000080));
	return (uint64_t)hi << 32 | lo;
}

int cs_long(void)
{
	struct __attribute__((packed)) {
		uint16_t limit;
		uint64_t base;
	} gdtr;
	uint16_t sel;

	/* The descriptor the CPU loaded CS from: the GDT's address (sgdt), the selector's
	 * index (its low 3 bits are flags), then bit 53 of the 8-byte entry. */
	__asm__ volatile("sgdt %0" : "=m"(gdtr));
	__asm__ volatile("mov %%cs, %0" : "=r"(sel));
	const uint64_t *gdt = (const uint64_t *)gdtr.base;
	return (int)((gdt[sel >> 3] >> 53) & 1);
}
