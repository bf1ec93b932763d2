/* scenarios.c: lesson 18's guest. rdi picks what it does; each prints KEY=VALUE lines on the
 * UART for the test to read and exits with 0 when it saw what it expected. */
#include "guest18.h"

enum { S_TIMER = 1, S_IRQ_LINE, S_DOORBELL, S_ECHO, S_BLK, S_HOSTILE };

/* ---- the PIT: timer interrupts from a device inside KVM ---- */

static int timer(void)
{
	interrupts_init();
	pic_unmask(0);
	/* Channel 0, lobyte/hibyte, mode 2 (rate generator): 1193182 Hz / 1193 = ~1 kHz. */
	outb(0x43, 0x34);
	outb(0x40, 1193 & 0xff);
	outb(0x40, 1193 >> 8);
	for (int i = 0; i < 5; i++)
		wait_irq(0, irq_count[0]);
	report("ticks", (int64_t)irq_count[0]);
	report("speaker", inb(0x61) != 0xff); /* answered inside KVM, not by hakovm */
	return irq_count[0] >= 5 ? 0 : 1;
}

/* ---- hypercall HC_IRQ: N edges on one line, each counted ---- */

static int irq_line(int irq, int n)
{
	int64_t ret = 0;

	interrupts_init();
	pic_unmask(irq);
	for (int i = 0; i < n; i++) {
		uint64_t before = irq_count[irq];
		ret = hcall(HC_IRQ, (uint64_t)irq, 0);
		if (ret != 0 || !wait_irq(irq, before))
			break;
	}
	report("irqs", (int64_t)irq_count[irq]);
	report("ret", ret);
	return irq_count[irq] == (uint64_t)n ? 0 : 1;
}

/* ---- a doorbell register: N writes, and (if IRQ < 16) an interrupt after each ---- */

static int doorbell(uint64_t addr, int n, int irq)
{
	map_io();
	interrupts_init();
	if (irq < 16)
		pic_unmask(irq);
	int rung = 0;
	for (int i = 0; i < n; i++) {
		uint64_t before = irq < 16 ? irq_count[irq] : 0;
		mmio_write32(addr, 0x1000u + (uint32_t)i);
		rung++;
		if (irq < 16 && !wait_irq(irq, before))
			break;
	}
	report("rings", rung);
	report("irqs", irq < 16 ? (int64_t)irq_count[irq] : 0);
	return 0;
}

/* ---- hypercalls HC_READ and HC_WRITE: echo hakovm's input back, CHUNK bytes at a time ---- */

static uint8_t echo_buf[65536];

static int echo(uint64_t chunk)
{
	int64_t total = 0, n;

	while ((n = hcall(HC_READ, (uint64_t)echo_buf, chunk)) > 0) {
		int64_t w = hcall(HC_WRITE, (uint64_t)echo_buf, (uint64_t)n);
		if (w != n) {
			report("write_ret", w);
			return 2;
		}
		total += n;
	}
	report("read_ret", n);
	report("echoed", total);
	return n == 0 ? 0 : 1;
}

/* ---- a virtio-blk driver ---- */

#define VIRTIO         0xd0000000ULL
#define R_MAGIC        0x000
#define R_VERSION      0x004
#define R_DEVICE_ID    0x008
#define R_DEV_FEAT     0x010
#define R_DEV_FEAT_SEL 0x014
#define R_DRV_FEAT     0x020
#define R_DRV_FEAT_SEL 0x024
#define R_QUEUE_SEL    0x030
#define R_QUEUE_MAX    0x034
#define R_QUEUE_NUM    0x038
#define R_QUEUE_READY  0x044
#define R_NOTIFY       0x050
#define R_STATUS       0x070
#define R_DESC_LO      0x080
#define R_DESC_HI      0x084
#define R_AVAIL_LO     0x090
#define R_AVAIL_HI     0x094
#define R_USED_LO      0x0a0
#define R_USED_HI      0x0a4
#define R_CONFIG       0x100
#define QMAX           256
#define F_NEXT         1
#define F_WRITE        2

struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};
static struct desc descs[QMAX] __attribute__((aligned(16)));
static volatile struct {
	uint16_t flags, idx, ring[QMAX], used_event;
} avail __attribute__((aligned(4)));
static volatile struct {
	uint16_t flags, idx;
	struct {
		uint32_t id, len;
	} ring[QMAX];
	uint16_t avail_event;
} used __attribute__((aligned(4)));
static uint32_t qnum;
static struct {
	uint32_t type, reserved;
	uint64_t sector;
} header;
static volatile uint8_t status;

static uint32_t reg(uint32_t off)
{
	return mmio_read32(VIRTIO + off);
}
static void set(uint32_t off, uint32_t v)
{
	mmio_write32(VIRTIO + off, v);
}

/* Bring the device up as a driver does (virtio 1.x 3.1.1) with a queue of NUM entries. */
static int blk_init(uint32_t num)
{
	if (reg(R_MAGIC) != 0x74726976 || reg(R_VERSION) != 2 || reg(R_DEVICE_ID) != 2) {
		print("fail: not a virtio-mmio block device\n");
		return 10;
	}
	set(R_STATUS, 0);
	set(R_STATUS, 1);     /* ACKNOWLEDGE */
	set(R_STATUS, 1 | 2); /* DRIVER */
	set(R_DEV_FEAT_SEL, 1);
	if (!(reg(R_DEV_FEAT) & 1)) {
		print("fail: VIRTIO_F_VERSION_1 not offered\n");
		return 11;
	}
	set(R_DRV_FEAT_SEL, 0);
	set(R_DRV_FEAT, 0);
	set(R_DRV_FEAT_SEL, 1);
	set(R_DRV_FEAT, 1); /* VIRTIO_F_VERSION_1 is bit 32 */
	set(R_STATUS, 1 | 2 | 8);
	if (!(reg(R_STATUS) & 8)) {
		print("fail: FEATURES_OK refused\n");
		return 12;
	}
	set(R_QUEUE_SEL, 0);
	if (reg(R_QUEUE_READY) != 0 || reg(R_QUEUE_MAX) < num) {
		print("fail: queue 0 busy or too small\n");
		return 13;
	}
	for (uint32_t i = 0; i < QMAX; i++)
		descs[i] = (struct desc){0};
	avail.idx = 0;
	used.idx = 0;
	qnum = num;
	set(R_QUEUE_NUM, num);
	set(R_DESC_LO, (uint32_t)(uint64_t)descs);
	set(R_DESC_HI, 0);
	set(R_AVAIL_LO, (uint32_t)(uint64_t)&avail);
	set(R_AVAIL_HI, 0);
	set(R_USED_LO, (uint32_t)(uint64_t)&used);
	set(R_USED_HI, 0);
	set(R_QUEUE_READY, 1);
	set(R_STATUS, 1 | 2 | 8 | 4); /* DRIVER_OK */
	return 0;
}

/* Make the chain at HEAD available and notify; wait for the interrupt. Returns whether the
 * used ring got it back (and then *LEN is what the device wrote). */
static bool submit(uint16_t head, uint32_t *len)
{
	uint16_t want = (uint16_t)(used.idx + 1);
	uint64_t before = irq_count[5];

	avail.ring[avail.idx % qnum] = head;
	barrier();
	avail.idx++;
	barrier();
	set(R_NOTIFY, 0);
	wait_irq(5, before);
	if (used.idx != want)
		return false;
	*len = used.ring[(uint16_t)(want - 1) % qnum].len;
	return used.ring[(uint16_t)(want - 1) % qnum].id == head;
}

/* One request of TYPE at SECTOR with LEN bytes at BUF, split into PIECES data buffers.
 * Returns the status byte, or -1 when the device did not give it back as it should. */
static int blk_rw(uint32_t type, uint64_t sector, uint8_t *buf, uint32_t len, int pieces)
{
	uint16_t base = (uint16_t)((avail.idx * 3u) % (qnum - 4)), d = base;
	uint32_t got;

	header.type = type;
	header.sector = sector;
	status = 0xff;
	descs[d] = (struct desc){(uint64_t)&header, 16, F_NEXT, (uint16_t)(d + 1)};
	d++;
	for (int p = 0; p < pieces; p++) {
		uint32_t part = p == pieces - 1 ? len - len / pieces * (uint32_t)p : len / pieces;
		descs[d] = (struct desc){(uint64_t)buf + len / pieces * (uint32_t)p, part,
		                         (uint16_t)(F_NEXT | (type == 0 ? F_WRITE : 0)),
		                         (uint16_t)(d + 1)};
		d++;
	}
	descs[d] = (struct desc){(uint64_t)&status, 1, F_WRITE, 0};
	if (!submit(base, &got))
		return -1;
	if (got != (type == 0 && status == 0 ? len : 0) + 1) {
		print("fail: used length ");
		print_dec(got);
		print("\n");
		return -1;
	}
	return status;
}

static uint8_t sectors[4 * 512];
static uint32_t rng;

static uint32_t next_rand(void)
{
	rng = rng * 1103515245u + 12345u;
	return rng >> 8;
}

/* Copy the first half of the disk to the second half, each byte XORed with KEY, in
 * requests of 1 to 4 sectors split into 1 to 3 buffers; sum the bytes read. */
static int blk(uint8_t key, uint32_t num)
{
	map_io();
	interrupts_init();
	virtio_irq = 5;
	pic_unmask(5);
	int err = blk_init(num);
	if (err)
		return err;
	uint64_t capacity = (uint64_t)reg(R_CONFIG) | (uint64_t)reg(R_CONFIG + 4) << 32;
	uint64_t half = capacity / 2, sum = 0, requests = 0;
	rng = key;
	report("capacity", (int64_t)capacity);
	for (uint64_t s = 0; s < half;) {
		uint32_t count = 1 + next_rand() % 4;
		if (count > half - s)
			count = (uint32_t)(half - s);
		int pieces = 1 + (int)(next_rand() % 3);
		int st = blk_rw(0, s, sectors, count * 512, pieces);
		if (st != 0) {
			report("read_status", st);
			return 20;
		}
		for (uint32_t i = 0; i < count * 512; i++) {
			sum += sectors[i];
			sectors[i] ^= key;
		}
		st = blk_rw(1, half + s, sectors, count * 512, 1 + (int)(next_rand() % 3));
		if (st != 0) {
			report("write_status", st);
			return 21;
		}
		requests += 2;
		s += count;
	}
	/* A read past the end, and a request type the device does not know. */
	report("past_end", blk_rw(0, capacity - 1, sectors, 1024, 1));
	report("unknown_type", blk_rw(99, 0, sectors, 512, 1));
	requests += 2;
	report("sum", (int64_t)sum);
	report("requests", (int64_t)requests);
	report("irqs", (int64_t)irq_count[5]);
	return 0;
}

/* ---- hostile queues: each class, then a reset and a good request ---- */

enum { H_LOOP = 1, H_LONG, H_HEAD_RANGE, H_NEXT_RANGE, H_BUF_OUTSIDE, H_RING_OUTSIDE, H_AHEAD };

static int hostile(int kind, uint64_t far)
{
	map_io();
	interrupts_init();
	virtio_irq = 5;
	pic_unmask(5);
	int err = blk_init(32);
	if (err)
		return err;
	header.type = 0;
	header.sector = 0;
	uint16_t head = 0;
	switch (kind) {
	case H_LOOP: /* 0 -> 1 -> 2 -> 0 */
		for (uint16_t i = 0; i < 3; i++)
			descs[i] = (struct desc){(uint64_t)sectors, 512, F_NEXT | F_WRITE,
			                         (uint16_t)((i + 1) % 3)};
		descs[0] = (struct desc){(uint64_t)&header, 16, F_NEXT, 1};
		break;
	case H_LONG: /* 20 distinct descriptors: more than hakovm follows */
		descs[0] = (struct desc){(uint64_t)&header, 16, F_NEXT, 1};
		for (uint16_t i = 1; i < 20; i++)
			descs[i] = (struct desc){(uint64_t)sectors, 16, F_NEXT | F_WRITE,
			                         (uint16_t)(i + 1)};
		descs[19].flags = F_WRITE;
		break;
	case H_HEAD_RANGE: /* the chain starts at a descriptor past the table */
		head = (uint16_t)(32 + far % 1000);
		break;
	case H_NEXT_RANGE:
		descs[0] =
		    (struct desc){(uint64_t)&header, 16, F_NEXT, (uint16_t)(32 + far % 1000)};
		break;
	case H_BUF_OUTSIDE: /* a data buffer beyond guest memory (or wrapping around 2^64) */
		descs[0] = (struct desc){(uint64_t)&header, 16, F_NEXT, 1};
		descs[1] = (struct desc){far, 512, F_NEXT | F_WRITE, 2};
		descs[2] = (struct desc){(uint64_t)&status, 1, F_WRITE, 0};
		break;
	case H_RING_OUTSIDE: /* the descriptor table moved outside guest memory */
		set(R_STATUS, 0);
		set(R_STATUS, 1 | 2);
		set(R_DRV_FEAT_SEL, 1);
		set(R_DRV_FEAT, 1);
		set(R_STATUS, 1 | 2 | 8);
		set(R_QUEUE_NUM, 32);
		set(R_DESC_LO, (uint32_t)far & ~0xfu);
		set(R_DESC_HI, (uint32_t)(far >> 32));
		set(R_AVAIL_LO, (uint32_t)(uint64_t)&avail);
		set(R_USED_LO, (uint32_t)(uint64_t)&used);
		set(R_QUEUE_READY, 1);
		set(R_STATUS, 1 | 2 | 8 | 4);
		break;
	case H_AHEAD: /* avail.idx claims more new entries than the queue has */
		avail.idx = (uint16_t)(32 + 1 + far % 1000);
		break;
	}
	uint64_t before = irq_count[5];
	if (kind != H_AHEAD) {
		avail.ring[0] = head;
		barrier();
		avail.idx = 1;
	}
	barrier();
	set(R_NOTIFY, 0);
	wait_irq(5, before);
	report("needs_reset", (reg(R_STATUS) & 0x40) != 0);
	report("config_irq", (virtio_isr & 2) != 0);
	report("used", used.idx);

	/* After a reset the device works again. */
	err = blk_init(8);
	if (err)
		return err;
	int st = blk_rw(0, 0, sectors, 512, 1);
	report("after_reset", st);
	return st == 0 ? 0 : 30;
}

int main(uint64_t what, uint64_t a, uint64_t b, uint64_t c)
{
	switch (what) {
	case S_TIMER:
		return timer();
	case S_IRQ_LINE:
		return irq_line((int)a, (int)b);
	case S_DOORBELL:
		return doorbell(a, (int)b, (int)c);
	case S_ECHO:
		return echo(a);
	case S_BLK:
		return blk((uint8_t)a, (uint32_t)b);
	case S_HOSTILE:
		return hostile((int)a, b);
	}
	print("guest: unknown scenario\n");
	return 98;
}
