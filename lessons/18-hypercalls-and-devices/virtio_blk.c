/* virtio_blk.c: lesson 18 — a virtio-mmio device: the register file, and a disk behind it. */
#include "hakovm.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * The virtio-mmio register map (virtio 1.x, 4.2.2), one 4 KiB page at VIRTIO_MMIO_BASE.
 * Every register is 32 bits wide and read or written with one 4-byte access:
 *
 *   0x000 MagicValue  R  "virt"          0x044 QueueReady        RW
 *   0x004 Version     R  2               0x050 QueueNotify        W  a queue has news
 *   0x008 DeviceID    R  2 (block)       0x060 InterruptStatus   R   bit 0 used, 1 config
 *   0x00c VendorID    R                  0x064 InterruptACK       W  clears those bits
 *   0x010 DeviceFeatures     R (32 of   0x070 Status            RW  0 resets the device
 *   0x014 DeviceFeaturesSel  W  them)    0x080 QueueDescLow/High  W  the descriptor table
 *   0x020 DriverFeatures     W           0x090 QueueDriverLow/High W the available ring
 *   0x024 DriverFeaturesSel  W           0x0a0 QueueDeviceLow/High W the used ring
 *   0x030 QueueSel    W                  0x0fc ConfigGeneration  R
 *   0x034 QueueNumMax R                  0x100 config: u64 capacity (sectors); any width
 *   0x038 QueueNum    W
 *
 * The driver brings the device up in a fixed order: reset (Status = 0), ACKNOWLEDGE, DRIVER,
 * read the features and write the ones it wants, FEATURES_OK (and read it back: the device
 * clears it when it cannot live with the choice), set up the queue, DRIVER_OK. Then each
 * request is a chain in the queue and a write to QueueNotify; the device answers through the
 * used ring and an interrupt.
 */

/* The features this device offers: only VIRTIO_F_VERSION_1 (no legacy interface). */
#define DEVICE_FEATURES (1ULL << VIRTIO_F_VERSION_1)

/* Set the interrupt line to what InterruptStatus says: raised while a bit is set. */
static void update_irq(struct virtio_blk *blk)
{
	bool level = blk->interrupt_status != 0;

	if (level == blk->irq_level)
		return;
	blk->irq_level = level;
	if (level)
		blk->interrupts++;
	vm_irq_line(blk->vm, blk->irq, level); /* no irqchip (a test's fake VM): nothing to do */
}

/* Forget everything the driver set up: what Status = 0 and virtio_blk_init() do. */
static void device_reset(struct virtio_blk *blk)
{
	blk->status = 0;
	blk->device_features_sel = blk->driver_features_sel = blk->queue_sel = 0;
	blk->driver_features = 0;
	blk->interrupt_status = 0;
	memset(&blk->queue, 0, sizeof(blk->queue));
	update_irq(blk); /* blk->error stays: the report of what happened before */
}

int virtio_blk_init(struct virtio_blk *blk, struct vm *vm, int fd, unsigned int irq)
{
	struct stat st;

	memset(blk, 0, sizeof(*blk));
	blk->vm = vm;
	blk->fd = fd;
	blk->irq = irq;
	if (fstat(fd, &st) < 0)
		return -errno; /* fstat of the disk */
	if (!S_ISREG(st.st_mode) || st.st_size < VIRTIO_BLK_SECTOR)
		return -EINVAL;
	blk->sectors = (uint64_t)st.st_size / VIRTIO_BLK_SECTOR;
	device_reset(blk);
	return 0;
}

/* The queue broke a rule: say why once, set DEVICE_NEEDS_RESET and tell the driver with a
 * configuration-change interrupt. The device does nothing more until it is reset. */
static void device_fail(struct virtio_blk *blk, const char *why)
{
	snprintf(blk->error, sizeof(blk->error), "%s", why);
	fprintf(stderr, "hakovm: virtio-blk: %s: the device needs a reset\n", why);
	blk->status |= VIRTIO_STATUS_NEEDS_RESET;
	blk->interrupt_status |= VIRTIO_INT_CONFIG;
	update_irq(blk);
}

/* What virtq_pop()'s refusals mean, for the report. */
static GIVEN const char *queue_error(int err)
{
	switch (err) {
	case -EFAULT:
		return "a ring or a buffer lies outside guest memory";
	case -ERANGE:
		return "a descriptor index is out of range";
	case -ELOOP:
		return "a descriptor loop (a descriptor appears twice in one chain)";
	case -E2BIG:
		return "a descriptor chain is too long";
	default:
		return "an invalid queue (indirect descriptor, or the available index too far "
		       "ahead)";
	}
}

/*
 * One request: a chain of at least two buffers.
 *
 *   [ header: type, sector ]  [ data ] [ data ] ...  [ status byte ]
 *     read by the device        read (OUT) or         written by the device
 *                               written (IN)
 *
 * Returns the status byte for the driver, or -EINVAL when the chain is not a request at all
 * (the device then needs a reset). *WRITTEN gets the bytes written into the chain.
 */
static GIVEN int blk_request(struct virtio_blk *blk, struct virtq_buf *bufs, int n,
                             uint32_t *written)
{
	struct virtio_blk_req_header h;

	*written = 0;
	if (n < 2 || bufs[0].writable || bufs[0].len < sizeof(h) || !bufs[n - 1].writable ||
	    bufs[n - 1].len < 1)
		return -EINVAL;
	memcpy(&h, bufs[0].data, sizeof(h));
	if (h.type != VIRTIO_BLK_T_IN && h.type != VIRTIO_BLK_T_OUT)
		return VIRTIO_BLK_S_UNSUPP;

	/// TODO(18): Move the data of a read (VIRTIO_BLK_T_IN) or write (VIRTIO_BLK_T_OUT)
	/// request between the backing file blk->fd and the data buffers bufs[1 .. n-2], starting
	/// at byte h.sector * VIRTIO_BLK_SECTOR of the disk, buffer after buffer. Check first:
	///   every data buffer's direction: writable for a read, readable for a write (-EINVAL);
	///   the whole transfer inside the disk (blk->sectors), computed without overflow, and
	///   a total length that is a multiple of VIRTIO_BLK_SECTOR: VIRTIO_BLK_S_IOERR if not.
	/// Use pread(2) / pwrite(2); a failure or a short transfer is VIRTIO_BLK_S_IOERR. Add
	/// the bytes put into a read's buffers to *WRITTEN. Return VIRTIO_BLK_S_OK.
	return VIRTIO_BLK_S_UNSUPP;
}

/* QueueNotify: answer every request the driver made available, then interrupt once. */
static void blk_notify(struct virtio_blk *blk)
{
	struct virtq *q = &blk->queue;

	if (!q->ready || !(blk->status & VIRTIO_STATUS_DRIVER_OK) ||
	    (blk->status & VIRTIO_STATUS_NEEDS_RESET))
		return;
	/// TODO(18): Take chains with virtq_pop() until it returns 0. For each: blk_request(),
	/// put the status byte it returns into the chain's last buffer, give the chain back with
	/// virtq_push() (the bytes written: the data read plus the status byte), count it in
	/// blk->requests. When any chain was given back, set VIRTIO_INT_USED in
	/// blk->interrupt_status and update_irq(). A refused queue (virtq_pop() < 0), a chain
	/// that is not a request (blk_request() < 0) or a used ring outside guest memory ends in
	/// device_fail() with a message that says which (queue_error() words virtq_pop()'s).
	/// Never loop more than the queue allows: virtq_pop() guarantees that.
}

/* Status written by the driver. */
static void write_status(struct virtio_blk *blk, uint32_t value)
{
	/// TODO(18): 0 resets the device (device_reset()). Otherwise store VALUE as the status,
	/// keeping VIRTIO_STATUS_NEEDS_RESET if the device had set it; but refuse
	/// VIRTIO_STATUS_FEATURES_OK (leave that bit clear, so the driver reads back that it was
	/// refused) when the driver's features are not a subset of DEVICE_FEATURES or lack
	/// VIRTIO_F_VERSION_1: hakovm has no legacy interface. See virtio 1.x 3.1.1 and 2.2.
}

/* Set the low (HIGH false) or high half of *ADDR to VALUE. */
static void set_half(uint64_t *addr, bool high, uint32_t value)
{
	if (high)
		*addr = (*addr & 0xffffffffULL) | (uint64_t)value << 32;
	else
		*addr = (*addr & ~0xffffffffULL) | value;
}

/* A 4-byte read of register OFFSET. */
static uint32_t read_reg(struct virtio_blk *blk, uint64_t offset)
{
	/// TODO(18): Answer a read of the register at OFFSET (the map above, hakovm.h's
	/// VIRTIO_MMIO_*): MagicValue VIRTIO_MMIO_MAGIC_VALUE, Version 2, DeviceID VIRTIO_ID_BLOCK,
	/// VendorID VIRTIO_VENDOR_HAKO; DeviceFeatures: bits 0-31 of DEVICE_FEATURES when
	/// DeviceFeaturesSel is 0, bits 32-63 when it is 1, else 0; QueueNumMax VIRTQ_MAX for queue
	/// 0 (0 for a QueueSel with no queue); QueueReady, InterruptStatus and Status as the device
	/// holds them; ConfigGeneration 0 (the configuration never changes). Every other register
	/// reads as 0. See the README, "The virtio-mmio register map".
	return 0;
}

/* A 4-byte write of VALUE to register OFFSET. */
static void write_reg(struct virtio_blk *blk, uint64_t offset, uint32_t value)
{
	struct virtq *q = &blk->queue;
	/* The queue's registers may change only while it is not ready, and only queue 0 exists. */
	bool settable = blk->queue_sel == 0 && !q->ready;

	switch (offset) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
		blk->device_features_sel = value;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		blk->driver_features_sel = value;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		if (blk->driver_features_sel <= 1)
			set_half(&blk->driver_features, blk->driver_features_sel == 1, value);
		break;
	case VIRTIO_MMIO_QUEUE_SEL:
		blk->queue_sel = value;
		break;
	case VIRTIO_MMIO_QUEUE_NUM:
		if (settable)
			q->num = value;
		break;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		if (settable)
			set_half(&q->desc, offset == VIRTIO_MMIO_QUEUE_DESC_HIGH, value);
		break;
	case VIRTIO_MMIO_QUEUE_DRIVER_LOW:
	case VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
		if (settable)
			set_half(&q->avail, offset == VIRTIO_MMIO_QUEUE_DRIVER_HIGH, value);
		break;
	case VIRTIO_MMIO_QUEUE_DEVICE_LOW:
	case VIRTIO_MMIO_QUEUE_DEVICE_HIGH:
		if (settable)
			set_half(&q->used, offset == VIRTIO_MMIO_QUEUE_DEVICE_HIGH, value);
		break;
	case VIRTIO_MMIO_QUEUE_READY:
		if (blk->queue_sel != 0)
			break;
		if (value && !q->ready &&
		    (q->num == 0 || q->num > VIRTQ_MAX || (q->num & (q->num - 1)))) {
			device_fail(blk, "the queue size is not a power of 2 up to QueueNumMax");
			break;
		}
		q->ready = value & 1;
		break;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		if (value == 0)
			blk_notify(blk);
		break;
	case VIRTIO_MMIO_INTERRUPT_ACK:
		blk->interrupt_status &= ~value;
		update_irq(blk);
		break;
	case VIRTIO_MMIO_STATUS:
		write_status(blk, value);
		break;
	default:
		break; /* read-only and reserved registers ignore writes */
	}
}

int virtio_blk_handle(struct device *dev, uint64_t offset, bool is_write, uint8_t *data,
                      uint32_t size)
{
	struct virtio_blk *blk = dev->state;

	/* The configuration space: the capacity, a little-endian u64, any width the driver
	 * likes; everything after it reads as 0. */
	if (offset >= VIRTIO_MMIO_CONFIG) {
		uint64_t at = offset - VIRTIO_MMIO_CONFIG;
		if (is_write)
			return 0; /* read-only */
		for (uint32_t i = 0; i < size; i++)
			data[i] = at + i < 8 ? (uint8_t)(blk->sectors >> (8 * (at + i))) : 0;
		return 0;
	}
	if (size != 4 || offset % 4)
		return -EINVAL; /* registers take aligned 4-byte accesses only */
	uint32_t value;
	if (is_write) {
		memcpy(&value, data, 4);
		write_reg(blk, offset, value);
	} else {
		value = read_reg(blk, offset);
		memcpy(data, &value, 4);
	}
	return 0;
}
