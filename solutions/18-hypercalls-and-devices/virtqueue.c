/* virtqueue.c: lesson 18 — the device side of a split virtqueue, every guest value checked. */
#include "hakovm.h"

#include <errno.h>
#include <string.h>

/*
 * A split virtqueue of NUM entries: three parts the driver allocates in guest memory.
 *
 *   descriptor table (desc)          available ring (avail)        used ring (used)
 *   +------+-----+-------+------+    +-------+-----+---------+     +-------+-----+-------------+
 *   | addr | len | flags | next |    | flags | idx | ring[0] |     | flags | idx | ring[0]     |
 *   +------+-----+-------+------+    +-------+-----+---------+     |       |     |  {id, len}  |
 *   | ...  chains: 0 -> 3 -> 1  |    |  heads of chains  ... |     |  chains given back  ...   |
 *   +---------------------------+    +-----------------------+     +---------------------------+
 *        read by the device            written by the driver        written by the device
 *
 * The driver puts the head of a chain in avail.ring[avail.idx % num] and then increments
 * avail.idx; the device takes chains from last_avail up to avail.idx, and gives each back in
 * used.ring[used.idx % num], then increments used.idx. Both indexes run freely over 16
 * bits and wrap around; only "% num" turns them into positions.
 *
 * Every number in there was written by the guest: an address, a length, a next index. The
 * device trusts none of them. (The vCPU is stopped while hakovm handles its exit, so no
 * memory barriers are needed here; a device thread would need them.)
 */

struct vring_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

/* The available ring's header and the used ring's, followed by their rings. */
struct vring_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[];
};
struct vring_used_elem {
	uint32_t id;
	uint32_t len;
};
struct vring_used {
	uint16_t flags;
	uint16_t idx;
	struct vring_used_elem ring[];
};

/* A queue the transport should never have made ready: a size that is not a power of 2 from 1
 * to VIRTQ_MAX (the free-running 16-bit indexes only wrap correctly then), or parts that are
 * not aligned as the specification requires (16, 2 and 4 bytes). */
static bool bad_queue(const struct virtq *q)
{
	return q->num == 0 || q->num > VIRTQ_MAX || (q->num & (q->num - 1)) || q->desc % 16 ||
	       q->avail % 2 || q->used % 4;
}

int virtq_pop(struct vm *vm, struct virtq *q, uint16_t *head, struct virtq_buf *bufs, int max)
{
	if (bad_queue(q))
		return -EINVAL;
	struct vring_desc *desc = guest_mem(vm, q->desc, (uint64_t)q->num * sizeof(*desc));
	struct vring_avail *avail = guest_mem(vm, q->avail, 4 + 2 * (uint64_t)q->num);
	if (!desc || !avail)
		return -EFAULT;
	/// TODO(18): Take the next available chain. Nothing new (avail->idx == q->last_avail):
	/// return 0. A driver that claims more than q->num new entries is lying: -EINVAL. The
	/// head is avail->ring[q->last_avail % q->num]; follow the chain from there through
	/// .next while VIRTQ_DESC_F_NEXT is set, and for each descriptor, in this order:
	///   its index must be < q->num (-ERANGE);
	///   it must not have been seen before in this chain (-ELOOP: a loop would never end);
	///   the chain must not grow past MAX buffers (-E2BIG);
	///   VIRTQ_DESC_F_INDIRECT is not offered (-EINVAL);
	///   addr .. addr + len - 1 must lie in guest memory (guest_mem(); -EFAULT).
	/// Fill bufs[i] (data, len, writable), set *HEAD, advance q->last_avail (only when the
	/// whole chain was good) and return the number of buffers. See the README, "Split
	/// virtqueues", and virtio 1.x section 2.7.
	/// BEGIN SOLUTION
	uint16_t avail_idx = avail->idx;
	if (avail_idx == q->last_avail)
		return 0;
	if ((uint16_t)(avail_idx - q->last_avail) > q->num)
		return -EINVAL;

	uint64_t seen[VIRTQ_MAX / 64] = {0};
	uint16_t first = avail->ring[q->last_avail % q->num], idx = first;
	int n = 0;
	for (;;) {
		if (idx >= q->num)
			return -ERANGE;
		if (seen[idx / 64] & (1ULL << (idx % 64)))
			return -ELOOP;
		seen[idx / 64] |= 1ULL << (idx % 64);
		if (n == max)
			return -E2BIG;
		struct vring_desc d = desc[idx];
		if (d.flags & VIRTQ_DESC_F_INDIRECT)
			return -EINVAL;
		uint8_t *data = guest_mem(vm, d.addr, d.len);
		if (!data)
			return -EFAULT;
		bufs[n].data = data;
		bufs[n].len = d.len;
		bufs[n].writable = d.flags & VIRTQ_DESC_F_WRITE;
		n++;
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			break;
		idx = d.next;
	}
	*head = first;
	q->last_avail++;
	return n;
	/// END SOLUTION
	/// STUB: return -ENOSYS;
}

int virtq_push(struct vm *vm, struct virtq *q, uint16_t head, uint32_t len)
{
	if (bad_queue(q))
		return -EINVAL;
	struct vring_used *used = guest_mem(vm, q->used, 4 + 8 * (uint64_t)q->num);
	if (!used)
		return -EFAULT;
	/// TODO(18): Give the chain at HEAD back: write {HEAD, LEN} into the used ring's entry
	/// q->used_idx % q->num, then advance q->used_idx and store it in used->idx, in that
	/// order (the driver reads the entry as soon as it sees the new index). Return 0.
	/// BEGIN SOLUTION
	used->ring[q->used_idx % q->num] = (struct vring_used_elem){.id = head, .len = len};
	q->used_idx++;
	__atomic_store_n(&used->idx, q->used_idx, __ATOMIC_RELEASE);
	return 0;
	/// END SOLUTION
	/// STUB: return -ENOSYS;
}
