/* bus.c: lesson 16 — buses of devices (I/O ports, MMIO) and the debug-exit port. */
#include "hakovm.h"

#include <errno.h>
#include <string.h>

/*
 * A bus is a short list of devices, each owning a range of addresses:
 *
 *   I/O ports  0x0000 ...... 0x03f8-0x03ff ...... 0x0501 ...... 0xffff
 *                            uart (8 ports)       debug-exit
 *
 * Devices are data (struct device, filled with designated initialisers) and hakovm.c adds
 * them with explicit bus_register() calls, so the whole machine is visible in one place.
 * A handful of devices needs no faster lookup than a loop.
 */

/* The last address of DEV, or false when DEV is empty or runs past the end of addresses. */
static bool dev_last(const struct device *dev, uint64_t *last)
{
	return dev->len != 0 && !__builtin_add_overflow(dev->base, dev->len - 1, last);
}

int bus_register(struct bus *bus, struct device *dev)
{
	uint64_t last;

	if (!dev->handle || !dev_last(dev, &last))
		return -EINVAL;
	/// TODO(16): Refuse DEV with -EBUSY if its range [dev->base, last] overlaps the range of
	/// any device already on the bus (two ranges overlap when each starts at or before the
	/// other's last address: use dev_last() for theirs), and with -ENOSPC if the bus already
	/// holds BUS_MAX_DEVICES devices. Otherwise append it to bus->devices.
	return -ENOSYS;
}

int bus_access(struct bus *bus, uint64_t addr, bool is_write, uint8_t *data, uint32_t size)
{
	/// TODO(16): Find the device whose range holds ADDR (base <= addr <= its last address)
	/// and return dev->handle(dev, addr - dev->base, is_write, data, size).
	/// No device: a read gets all ones (memset DATA to 0xff, SIZE bytes), as a real bus
	/// with nothing on it answers; then return -ENODEV so the run loop can report it.
	return -ENOSYS;
}

/*
 * The debug-exit port: the simplest device there is. A guest without a power button ends
 * the VM by writing its status here, and hakovm exits with that status, which is how the
 * tests learn what a guest found. Reads return 0.
 */
int debug_exit_handle(struct device *dev, uint64_t offset, bool is_write, uint8_t *data,
                      uint32_t size)
{
	struct vm *vm = dev->state;

	/// TODO(16): On a write, stop the VM: vm->stop = VM_STOP_EXIT and vm->exit_status =
	/// data[0] (the low byte). On a read, fill DATA (SIZE bytes) with 0. Return 0.
	(void)vm;
	return -ENOSYS;
}
