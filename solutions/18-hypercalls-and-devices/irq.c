/* irq.c: lesson 18 — interrupts into the guest (irqchip, PIT, lines, irqfd) and doorbells out. */
#include "hakovm.h"

#include <errno.h>
#include <linux/kvm.h>
#include <string.h>
#include <sys/ioctl.h>

/*
 * A PC's interrupt hardware, which KVM can model inside the kernel:
 *
 *   devices --- line 0..15 ---> 8259 PIC (master + slave) --+
 *          \                                                 +--> local APIC --> vCPU
 *           `-- line 0..23 ---> IOAPIC ----------------------+
 *
 *   8254 PIT (ports 0x40-0x43) --- line 0
 *
 * hakovm's devices live in user space: they raise and lower a line with KVM_IRQ_LINE, and
 * KVM routes it to both the PICs and the IOAPIC; the guest decides which one it listens to.
 * An eventfd wired with KVM_IRQFD raises an edge without hakovm's thread at all, and
 * KVM_IOEVENTFD turns a guest write into an eventfd count without a VM exit.
 */

int vm_irqchip_create(struct vm *vm)
{
	/// TODO(18): Make the in-kernel interrupt controllers (KVM_CREATE_IRQCHIP), then the
	/// in-kernel PIT (KVM_CREATE_PIT2) with flags KVM_PIT_SPEAKER_DUMMY, so that port 0x61 is
	/// answered inside KVM too (Linux polls it while it calibrates its clock). The PIT needs
	/// the irqchip first. Return 0, or -errno of the ioctl that failed. See the README,
	/// "Interrupts", and both ioctls in the KVM API document.
	/// BEGIN SOLUTION
	if (ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0)
		return -errno; /* KVM_CREATE_IRQCHIP */

	struct kvm_pit_config pit = {.flags = KVM_PIT_SPEAKER_DUMMY};
	if (ioctl(vm->vm_fd, KVM_CREATE_PIT2, &pit) < 0)
		return -errno; /* KVM_CREATE_PIT2 */
	return 0;
	/// END SOLUTION
	/// STUB: return -ENOSYS;
}

int vm_irq_line(struct vm *vm, unsigned int irq, int level)
{
	/// TODO(18): Set line IRQ to LEVEL (any non-zero LEVEL is 1) with KVM_IRQ_LINE and a
	/// struct kvm_irq_level. Refuse IRQ >= VM_IRQ_LINES with -EINVAL before asking KVM (the
	/// number may come from the guest). Return 0 or -errno.
	/// BEGIN SOLUTION
	if (irq >= VM_IRQ_LINES)
		return -EINVAL;
	struct kvm_irq_level line = {.irq = irq, .level = level ? 1 : 0};
	if (ioctl(vm->vm_fd, KVM_IRQ_LINE, &line) < 0)
		return -errno; /* KVM_IRQ_LINE */
	return 0;
	/// END SOLUTION
	/// STUB: return -ENOSYS;
}

int vm_irqfd(struct vm *vm, int fd, unsigned int irq)
{
	/// TODO(18): Wire eventfd FD to line IRQ with KVM_IRQFD (struct kvm_irqfd: fd and gsi;
	/// no flags, so the line is pulsed once per write). -EINVAL for IRQ >= VM_IRQ_LINES.
	/// Return 0 or -errno.
	/// BEGIN SOLUTION
	if (irq >= VM_IRQ_LINES)
		return -EINVAL;
	struct kvm_irqfd irqfd = {.fd = (uint32_t)fd, .gsi = irq};
	if (ioctl(vm->vm_fd, KVM_IRQFD, &irqfd) < 0)
		return -errno; /* KVM_IRQFD */
	return 0;
	/// END SOLUTION
	/// STUB: return -ENOSYS;
}

int vm_ioeventfd(struct vm *vm, int fd, uint64_t addr, uint32_t len)
{
	/// TODO(18): Wire guest writes of LEN bytes to the MMIO address ADDR to eventfd FD with
	/// KVM_IOEVENTFD (struct kvm_ioeventfd: addr, len, fd; no flags: MMIO, any value
	/// written). Refuse a LEN other than 1, 2, 4 or 8 with -EINVAL. Return 0 or -errno.
	/// BEGIN SOLUTION
	if (len != 1 && len != 2 && len != 4 && len != 8)
		return -EINVAL;
	struct kvm_ioeventfd ioeventfd = {.addr = addr, .len = len, .fd = fd};
	if (ioctl(vm->vm_fd, KVM_IOEVENTFD, &ioeventfd) < 0)
		return -errno; /* KVM_IOEVENTFD */
	return 0;
	/// END SOLUTION
	/// STUB: return -ENOSYS;
}
