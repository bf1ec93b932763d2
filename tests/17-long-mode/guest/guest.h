/* guest.h: the tiny library of lesson 17's 64-bit guests: the shared UART, numbers and exit
 * (guest_io.h), and the registers that show long mode. */
#ifndef GUEST_H
#define GUEST_H

#include "guest_io.h" /* tests/lib/guest: outb, inb, print, print_hex, print_dec, guest_exit */

uint64_t read_cr0(void);
uint64_t read_cr4(void);
uint64_t read_efer(void);
/* The L bit of the code segment's descriptor in the GDT: 1 in 64-bit mode. */
int cs_long(void);

#endif
