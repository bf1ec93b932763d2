/* uart.c: lesson 16 — a 16550 UART, the serial port a guest (and later Linux) prints on. */
#include "hakovm.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

/*
 * Eight registers at base, base + 1, ... base + 7. Offsets 0 and 1 mean two things: while
 * DLAB (bit 7 of LCR) is set they are the baud-rate divisor, otherwise the data and
 * interrupt-enable registers.
 *
 *   offset  read                      write
 *   0       RBR receive buffer        THR transmit holding    (DLAB=1: DLL divisor low)
 *   1       IER interrupt enable      IER                     (DLAB=1: DLM divisor high)
 *   2       IIR interrupt identity    FCR FIFO control
 *   3       LCR line control          LCR
 *   4       MCR modem control         MCR
 *   5       LSR line status           (ignored)
 *   6       MSR modem status          (ignored)
 *   7       SCR scratch               SCR
 */
enum {
	UART_RBR_THR = 0,
	UART_IER = 1,
	UART_IIR_FCR = 2,
	UART_LCR = 3,
	UART_MCR = 4,
	UART_LSR = 5,
	UART_MSR = 6,
	UART_SCR = 7,
};

#define LCR_DLAB      0x80
#define MCR_LOOP      0x10
#define LSR_THRE      0x20 /* the transmit register is empty: send the next byte */
#define LSR_TEMT      0x40 /* the transmitter is idle */
#define IIR_NO_INT    0x01 /* no interrupt pending */
#define IIR_FIFO      0xc0 /* FIFOs enabled: how a driver recognises a 16550A */
#define MSR_CONNECTED 0xb0 /* DCD, DSR and CTS: a cable with someone at the other end */

void uart_init(struct uart *uart, int out_fd)
{
	memset(uart, 0, sizeof(*uart));
	uart->out_fd = out_fd;
}

/* The modem status: a connected line, or in loopback mode the MCR's outputs fed back in
 * (RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD), which is what Linux checks to find a UART. */
static GIVEN uint8_t uart_msr(const struct uart *uart)
{
	if (!(uart->mcr & MCR_LOOP))
		return MSR_CONNECTED;
	return (uint8_t)(((uart->mcr & 0x02) << 3) | ((uart->mcr & 0x01) << 5) |
	                 ((uart->mcr & 0x04) << 4) | ((uart->mcr & 0x08) << 4));
}

/* Send one byte the guest transmitted. A byte that cannot be written is dropped: a real
 * UART with nothing connected does the same. */
static GIVEN void uart_transmit(struct uart *uart, uint8_t byte)
{
	ssize_t n;

	do
		n = write(uart->out_fd, &byte, 1);
	while (n < 0 && errno == EINTR);
}

int uart_handle(struct device *dev, uint64_t offset, bool is_write, uint8_t *data, uint32_t size)
{
	if (size != 1 || offset > UART_SCR)
		return -EINVAL; /* the registers are one byte wide */

	if (is_write) {
		/// TODO(16): The writes of data[0] to DEV->state, a struct uart, as the register
		/// table above says. A byte written to THR goes out (uart_transmit()) unless
		/// loopback mode (MCR bit 4) is on; while DLAB is set, offsets 0 and 1 are the
		/// divisor instead. IER keeps only its 4 defined bits, MCR its 5. Writes to the
		/// read-only registers are ignored. Return 0.
		return -ENOSYS;
	}

	/// TODO(16): The reads, into data[0], as the register table above says. Nothing is ever
	/// received (RBR reads 0), and hakovm sends each byte at once, so LSR always says "ready to
	/// send" (THRE and TEMT). IIR says "no interrupt pending", with the FIFO bits when FCR bit
	/// 0 enabled the FIFOs. MSR is uart_msr(). Return 0. See the README, "The 16550 UART".
	return -ENOSYS;
}
