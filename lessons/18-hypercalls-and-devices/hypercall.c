/* hypercall.c: lesson 18 — the guest calls hakovm: a request in guest memory, one port write. */
#include "hakovm.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

/*
 * The call, as the guest makes it (the ABI is in hakovm.h):
 *
 *   guest memory                                 hakovm
 *   +---------------------+
 *   | nr   = HC_WRITE     | <---- 0x1f000 ----   outl(0x1f000, HC_PORT)   KVM_EXIT_IO
 *   | addr = 0x20000  ----+--> "hello"           check the request, then the buffer,
 *   | len  = 5            |                      write(out_fd, ...)
 *   | ret  = 5     <------+--------------------  the result, before the guest goes on
 *   +---------------------+
 *
 * A port write carries only 4 bytes, so the guest passes the address of its request instead
 * of the request itself: the same trick as a real device's DMA descriptor. Every address
 * and length in the request comes from the guest and is checked before it is used.
 */

/* Write or read LEN bytes at BUF, retrying short transfers and EINTR. Returns the bytes
 * moved (fewer only at the end of a file, when reading) or -errno. */
static GIVEN int64_t transfer(int fd, uint8_t *buf, uint64_t len, bool is_write)
{
	uint64_t done = 0;

	while (done < len) {
		ssize_t n =
		    is_write ? write(fd, buf + done, len - done) : read(fd, buf + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		done += (uint64_t)n;
		if (!is_write)
			break; /* a read returns what is there: a pipe may not have more yet */
	}
	return (int64_t)done;
}

/* Do the call REQ asks for and return its result (the value of ret). */
static GIVEN int64_t hypercall_do(struct hypercall *hc, const struct hc_request *req)
{
	/// TODO(18): Do what REQ->nr asks (the table in hakovm.h) and return the result:
	///   HC_WRITE: the REQ->len bytes at REQ->addr go to hc->out_fd; HC_READ: up to
	///   REQ->len bytes of hc->in_fd go to REQ->addr (use transfer()). A length above
	///   HC_MAX_LEN is -E2BIG; a buffer not wholly inside guest memory is -EFAULT (guest_mem()
	///   checks without overflow; check before any byte moves).
	///   HC_IRQ: one edge on line REQ->addr: raised, then lowered (vm_irq_line()); its error.
	///   Anything else: -ENOSYS.
	/// See the README, "A hypercall ABI".
	return -ENOSYS;
}

int hypercall_handle(struct device *dev, uint64_t offset, bool is_write, uint8_t *data,
                     uint32_t size)
{
	if (size != 4)
		return -EINVAL; /* the ABI is one 4-byte access: outl / inl */
	if (!is_write) {
		uint32_t version = HC_VERSION;
		memcpy(data, &version, 4);
		return 0;
	}
	/// TODO(18): DATA holds the guest physical address of a struct hc_request (4 bytes,
	/// little-endian). Find the request in guest memory (guest_mem(); not wholly inside:
	/// return -EFAULT, and the run loop reports it), copy it into hakovm's memory first (the
	/// guest could change it while we look: check the copy, not the original), do it with
	/// hypercall_do(), write the result into the guest's ret field, count the call in
	/// hc->calls (the struct hypercall is DEV->state) and return 0.
	return -ENOSYS;
}
