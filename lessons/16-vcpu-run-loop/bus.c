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
	/// TODO(16): Add DEV to BUS. Refuse it with -EBUSY when its addresses overlap those of a
	/// device already on the bus (dev_last() gives a device's last address), and with -ENOSPC
	/// when the bus already holds BUS_MAX_DEVICES devices.
	return -ENOSYS;
}

int bus_access(struct bus *bus, uint64_t addr, bool is_write, uint8_t *data, uint32_t size)
{
	/// TODO(16): Pass the access to the device whose addresses include ADDR: call its handler
	/// with the offset of ADDR from the device's base, and return what the handler returns. No
	/// such device: -ENODEV, and a read gets all ones in each of its SIZE bytes, as a real bus
	/// with nothing on it answers. See the README, "Devices are data".
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
	/// TODO(16): DEV->state is the struct vm. A write stops the VM (VM_STOP_EXIT) with the byte
	/// written (the low byte of DATA) as hakovm's exit status; a read gets SIZE bytes of 0.
	/// Return 0.
	return -ENOSYS;
}
