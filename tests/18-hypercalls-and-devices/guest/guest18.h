/* guest18.h: lesson 18's guest library: ports, MMIO, UART, IDT and PICs, hypercalls, waits. */
#ifndef GUEST18_H
#define GUEST18_H

#include <stdbool.h>
#include <stdint.h>

#include "guest_io.h" /* tests/lib/guest: outb, inb, print, print_hex, print_dec, guest_exit */

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port) : "memory");
}
static inline uint32_t mmio_read32(uint64_t addr)
{
	return *(volatile uint32_t *)addr;
}
static inline void mmio_write32(uint64_t addr, uint32_t v)
{
	*(volatile uint32_t *)addr = v;
}
static inline void barrier(void)
{
	__asm__ volatile("" : : : "memory");
}

/* "KEY=VALUE\n" in decimal. */
void report(const char *key, int64_t value);

/* The IDT with every exception reported and IRQs 0-15 on vectors 32-47, and the two 8259
 * PICs programmed for them, every line masked. */
void interrupts_init(void);
void pic_unmask(int irq);
/* Interrupts delivered on each line so far, and what the virtio line's handler read. */
extern volatile uint64_t irq_count[16];
extern int virtio_irq;               /* the line whose handler acks the virtio device */
extern volatile uint32_t virtio_isr; /* InterruptStatus bits seen, ORed */
/* Wait (interrupts on, about a second at most) until irq_count[IRQ] > BEFORE. */
bool wait_irq(int irq, uint64_t before);

/* Map the 2 MiB of MMIO space at 0xd0000000 into the page tables hakovm built. */
void map_io(void);

/* The hypercall ABI of hakovm.h. */
#define HC_PORT 0x510
enum { HC_WRITE = 1, HC_READ = 2, HC_IRQ = 3 };
int64_t hcall(uint64_t nr, uint64_t addr, uint64_t len);

#endif
