/* guest.h: the tiny library of lesson 17's 64-bit guests: a UART, numbers, exit, registers. */
#ifndef GUEST_H
#define GUEST_H

#include <stdint.h>

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

void print(const char *s);
void print_hex(uint64_t v);
void print_dec(uint64_t v);
/* End the VM with STATUS through the debug-exit port; never returns. */
void guest_exit(int status) __attribute__((noreturn));

uint64_t read_cr0(void);
uint64_t read_cr4(void);
uint64_t read_efer(void);
/* The L bit of the code segment's descriptor in the GDT: 1 in 64-bit mode. */
int cs_long(void);

#endif
