/* main.c: lesson 17's 64-bit guest. It shows the mode it runs in, as the CPU reports it, and
 * computes with its three inputs (rdi, rsi, rdx), using data and bss the loader placed. */
#include "guest.h"

static volatile uint64_t mix = 0x9e3779b97f4a7c15; /* .data: copied from the file */
static uint64_t squares[32];                       /* .bss: zeroed by the loader */

/* The same computation is repeated by the test on the host. */
static uint64_t compute(uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t r = a * b + c;

	for (int i = 0; i < 32; i++)
		squares[i] += (a + i) * (a + i);
	for (int i = 0; i < 32; i++)
		r = (r ^ squares[i]) * mix + (r >> 29);
	return r;
}

int main(uint64_t a, uint64_t b, uint64_t c)
{
	print("hello from 64-bit long mode\n");
	print("cs.l=");
	print_dec((uint64_t)cs_long());
	print(" cr0=");
	print_hex(read_cr0());
	print(" cr4=");
	print_hex(read_cr4());
	print(" efer=");
	print_hex(read_efer());
	print("\n");

	uint64_t r = compute(a, b, c);
	print("result=");
	print_hex(r);
	print("\n");
	return (int)(r & 0x3f); /* a status hakovm passes on: 0 .. 120 */
}
