/* guest_io.c: the test guests' output on the UART at 0x3f8 and exit through port 0x501. */
#include "guest_io.h"

#define UART       0x3f8
#define UART_LSR   (UART + 5)
#define DEBUG_EXIT 0x501

void putc_uart(char c)
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
