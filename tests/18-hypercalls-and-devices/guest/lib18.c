/* lib18.c: lesson 18's guest library (see guest18.h). */
#include "guest18.h"

#define PIC1 0x20
#define PIC2 0xa0

void report(const char *key, int64_t value)
{
	print(key);
	print("=");
	if (value < 0) {
		print("-");
		value = -value;
	}
	print_dec((uint64_t)value);
	print("\n");
}

void guest_fault(uint64_t vector, uint64_t top) __attribute__((noreturn));
void guest_fault(uint64_t vector, uint64_t top)
{
	print("guest: exception ");
	print_dec(vector);
	print(" (top of stack ");
	print_hex(top);
	print(")\n");
	guest_exit(99);
}

/* ---- interrupts ---- */

struct __attribute__((packed)) idt_gate {
	uint16_t offset0;
	uint16_t selector;
	uint8_t ist;
	uint8_t type; /* 0x8e: present, ring 0, 64-bit interrupt gate */
	uint16_t offset1;
	uint32_t offset2;
	uint32_t zero;
};

static struct idt_gate idt[48] __attribute__((aligned(16)));
extern const uint64_t vectors[48];
volatile uint64_t irq_count[16];
int virtio_irq = -1;
volatile uint32_t virtio_isr;

#define VIRTIO_BASE 0xd0000000ULL

void irq_handler(uint64_t vector);
void irq_handler(uint64_t vector)
{
	int irq = (int)vector - 32;

	if (irq == virtio_irq) {
		/* A virtio device keeps its line up until the driver acknowledges. */
		uint32_t isr = mmio_read32(VIRTIO_BASE + 0x060);
		mmio_write32(VIRTIO_BASE + 0x064, isr);
		virtio_isr |= isr;
	}
	irq_count[irq]++;
	if (irq >= 8)
		outb(PIC2, 0x20); /* end of interrupt, to the slave */
	outb(PIC1, 0x20);         /* and the master */
}

void interrupts_init(void)
{
	for (int v = 0; v < 48; v++) {
		uint64_t a = vectors[v];
		idt[v] = (struct idt_gate){
		    .offset0 = (uint16_t)a,
		    .selector = 0x08,
		    .type = 0x8e,
		    .offset1 = (uint16_t)(a >> 16),
		    .offset2 = (uint32_t)(a >> 32),
		};
	}
	struct __attribute__((packed)) {
		uint16_t limit;
		uint64_t base;
	} idtr = {sizeof(idt) - 1, (uint64_t)idt};
	__asm__ volatile("lidt %0" : : "m"(idtr));

	/* ICW1: edge-triggered, cascade, ICW4 follows; ICW2: vector base; ICW3: the slave
	 * hangs on the master's line 2; ICW4: 8086 mode. Then mask every line. */
	outb(PIC1, 0x11);
	outb(PIC2, 0x11);
	outb(PIC1 + 1, 32);
	outb(PIC2 + 1, 40);
	outb(PIC1 + 1, 4);
	outb(PIC2 + 1, 2);
	outb(PIC1 + 1, 1);
	outb(PIC2 + 1, 1);
	outb(PIC1 + 1, 0xff);
	outb(PIC2 + 1, 0xff);
}

void pic_unmask(int irq)
{
	if (irq >= 8) {
		outb(PIC2 + 1, inb(PIC2 + 1) & (uint8_t) ~(1 << (irq - 8)));
		irq = 2;
	}
	outb(PIC1 + 1, inb(PIC1 + 1) & (uint8_t) ~(1 << irq));
}

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

bool wait_irq(int irq, uint64_t before)
{
	uint64_t start = rdtsc();
	bool got;

	__asm__ volatile("sti" ::: "memory");
	while (!(got = irq_count[irq] > before) && rdtsc() - start < 3000000000ULL)
		__asm__ volatile("pause" ::: "memory");
	__asm__ volatile("cli" ::: "memory");
	return got || irq_count[irq] > before;
}

/* ---- MMIO ---- */

static uint64_t pd_io[512] __attribute__((aligned(4096)));

void map_io(void)
{
	uint64_t *pdpt = (uint64_t *)0x3000; /* hakovm's PDPT (LM_PDPT) */

	/* PDPT[3] covers 3 GiB .. 4 GiB; entry 0x80 of its PD is 0xd0000000, a 2 MiB page:
	 * present, writable, cache disabled (PCD, as device memory must be), PS. */
	pd_io[0x80] = VIRTIO_BASE | 0x93;
	pdpt[3] = (uint64_t)pd_io | 3;
	uint64_t cr3;
	__asm__ volatile("mov %%cr3, %0; mov %0, %%cr3" : "=r"(cr3) : : "memory");
}

/* ---- hypercalls ---- */

static volatile struct {
	uint64_t nr, addr, len;
	int64_t ret;
} request;

int64_t hcall(uint64_t nr, uint64_t addr, uint64_t len)
{
	request.nr = nr;
	request.addr = addr;
	request.len = len;
	request.ret = -12345;
	outl(HC_PORT, (uint32_t)(uint64_t)&request);
	return request.ret;
}
