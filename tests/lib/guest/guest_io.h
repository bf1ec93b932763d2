/* guest_io.h: what the tests' freestanding 64-bit guests share (lessons 17 and 18): port
 * I/O, text on the UART at 0x3f8, and the end of the VM through the debug-exit port 0x501
 * (lesson 19's probe kernel uses the first two).
 * No libc: the guests are built with -ffreestanding -nostdlib (see each lesson's tests.mk),
 * with guest_io.c linked in. */
#ifndef GUEST_IO_H
#define GUEST_IO_H

#include <stdint.h>

/* The "memory" clobber keeps the compiler from moving memory accesses across a port access:
 * a device may read what the guest wrote just before. */
static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port) : "memory");
	return v;
}

/* C on the UART (after waiting a little for its transmit register to be empty). */
void putc_uart(char c);
/* S on the UART, byte by byte. */
void print(const char *s);
/* V as "0x" and lowercase hex digits, without leading zeros. */
void print_hex(uint64_t v);
/* V in decimal. */
void print_dec(uint64_t v);
/* End the VM with STATUS through the debug-exit port; never returns. */
void guest_exit(int status) __attribute__((noreturn));

#endif
