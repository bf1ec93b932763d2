/* guest.c: the tiny guest library: output on the UART at 0x3f8, exit through port 0x501. */
#include "guest.h"

#define UART       0x3f8
#define UART_LSR   (UART + 5)
#define DEBUG_EXIT 0x501

static void putc_uart(char c)
{
	for (int i = 0; i < 1000 && !(inb(UART_LSR) & 0x20); i++)
		; /* wait (a little) for THRE */
	outb(UART, (uint8_t)c);
}

void print(const char *s)
{
	while (*s)
		putc_uart(*s++);
}

void print_hex(uint64_t v)
{
	static const char digits[] = "0123456789abcdef";
	char buf[19] = "0x";
	int n = 2, shift = 60;

	while (shift > 0 && ((v >> shift) & 0xf) == 0)
		shift -= 4;
	for (; shift >= 0; shift -= 4)
		buf[n++] = digits[(v >> shift) & 0xf];
	buf[n] = '\0';
	print(buf);
}

void print_dec(uint64_t v)
{
	char buf[21];
	int n = 20;

	buf[n] = '\0';
	do
		buf[--n] = (char)('0' + v % 10);
	while (v /= 10);
	print(buf + n);
}

void guest_exit(int status)
{
	outb(DEBUG_EXIT, (uint8_t)status);
	for (;;)
		__asm__ volatile("hlt");
}

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
