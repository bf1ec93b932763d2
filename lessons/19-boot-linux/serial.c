/* serial.c: lesson 19 — lesson 16's UART as a Linux console: its interrupt and its input. */
#include "hakovm.h"

#include <errno.h>
#include <string.h>

/*
 * Lesson 16's UART never interrupts and never receives. Linux's 8250 driver needs both: it
 * writes a byte only after the UART said "transmitter empty" with an interrupt (when the
 * driver enabled that interrupt in IER), and it reads a byte when "data ready" interrupts.
 *
 *   IER (offset 1) bit 0  ERBFI: interrupt when a received byte waits in RBR
 *                  bit 1  ETBEI: interrupt when THR is empty (after each byte sent, and
 *                         when the driver turns the bit on while THR is already empty)
 *   IIR (offset 2)        which interrupt is pending, highest priority first:
 *                         0x04 data ready, 0x02 THR empty, 0x01 none. Reading 0x02 clears
 *                         the THR-empty interrupt; data ready lasts while bytes wait.
 *   LSR (offset 5) bit 0  DR: a received byte waits in RBR
 *
 * The line to the interrupt controller is IRQ 4: raised while an enabled interrupt is
 * pending, lowered otherwise. The IOAPIC (or PIC) sees edges, so a THR-empty interrupt after
 * another one lowers the line first.
 */
enum {
	RBR_THR = 0,
	IER = 1,
	IIR_FCR = 2,
	LCR = 3,
	MCR = 4,
	LSR = 5,
};
#define LCR_DLAB   0x80
#define MCR_LOOP   0x10
#define IER_ERBFI  0x01
#define IER_ETBEI  0x02
#define IIR_NONE   0x01
#define IIR_THRE   0x02
#define IIR_RDA    0x04
#define IIR_FIFO   0xc0
#define FCR_ENABLE 0x01
#define FCR_CLR_RX 0x02
#define LSR_DR     0x01
#define LSR_THRE   0x20
#define LSR_TEMT   0x40

void serial_init(struct serial *s, struct vm *vm, int out_fd)
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
	uart_init(&s->uart, out_fd);
	s->vm = vm;
}

void serial_destroy(struct serial *s)
{
	pthread_mutex_destroy(&s->lock);
}

/* Set the interrupt line to LEVEL, telling the VM only when it changes. */
static void set_line(struct serial *s, int level)
{
	if (s->level == level)
		return;
	s->level = level;
	s->raises += level;
	if (s->vm)
		vm_irq_line(s->vm, SERIAL_IRQ, level);
}

/* The IIR value for the current state (without the FIFO bits). */
static uint8_t pending(const struct serial *s)
{
	/// TODO(19): Which interrupt is pending, by the table above: data ready (IIR_RDA) when
	/// ERBFI is enabled and a byte waits, else THR empty (IIR_THRE) when ETBEI is enabled and
	/// thr_empty_irq is set, else IIR_NONE.
	return IIR_NONE;
}

static void update_line(struct serial *s)
{
	set_line(s, pending(s) != IIR_NONE);
}

/* Queue N bytes; the lock is held. */
static size_t receive(struct serial *s, const uint8_t *buf, size_t n)
{
	size_t i;

	for (i = 0; i < n && s->rx_count < SERIAL_RX_SIZE; i++) {
		s->rx[(s->rx_head + s->rx_count) % SERIAL_RX_SIZE] = buf[i];
		s->rx_count++;
	}
	update_line(s);
	return i;
}

size_t serial_receive(struct serial *s, const uint8_t *buf, size_t n)
{
	pthread_mutex_lock(&s->lock);
	size_t done = receive(s, buf, n);
	pthread_mutex_unlock(&s->lock);
	return done;
}

/* The registers that interrupts and input change; the caller holds the lock. Returns 1 when
 * it handled the access, 0 to pass it to lesson 16's uart_handle(). */
static int access(struct serial *s, uint64_t offset, bool is_write, uint8_t *data)
{
	bool dlab = s->uart.lcr & LCR_DLAB;

	if (is_write) {
		switch (offset) {
		case RBR_THR:
			if (dlab)
				return 0;
			/// TODO(19): A byte to send: clear the THR-empty interrupt and update the
			/// line (lowering it, for the edge), send the byte (lesson 16: return 0 and
			/// uart_handle() does it) - or in loopback mode (MCR_LOOP) receive it
			/// yourself - then THR is empty again: set thr_empty_irq, update the line.
			return 0;
		case IER:
			if (dlab)
				return 0;
			/// TODO(19): Keep IER as lesson 16 does (uart_handle()), and when this write
			/// turns ETBEI on, THR is empty: set thr_empty_irq. Update the line.
			return 0;
		case IIR_FCR:
			if (data[0] & FCR_CLR_RX)
				s->rx_count = 0;
			return 0;
		default:
			return 0;
		}
	}
	switch (offset) {
	case RBR_THR:
		if (dlab)
			return 0;
		/// TODO(19): Reading RBR takes the oldest received byte (0 when there is none) and
		/// updates the line.
		return 0;
	case IIR_FCR: {
		/// TODO(19): IIR: pending() with the FIFO bits when FCR_ENABLE was written (as
		/// lesson 16). Reading a THR-empty answer clears that interrupt; update the line.
		return 0;
	}
	case LSR:
		/// TODO(19): LSR as lesson 16's, plus DR while a received byte waits.
		return 0;
	default:
		return 0;
	}
}

int serial_handle(struct device *dev, uint64_t offset, bool is_write, uint8_t *data, uint32_t size)
{
	struct serial *s = dev->state;
	int err = 0;

	if (size != 1 || offset > 7)
		return -EINVAL;
	pthread_mutex_lock(&s->lock);
	if (!access(s, offset, is_write, data))
		err =
		    uart_handle(&(struct device){.state = &s->uart}, offset, is_write, data, size);
	pthread_mutex_unlock(&s->lock);
	return err;
}
