/* platform.c: lesson 19 — the PC around the CPU that Linux expects: TSS, irqchip, CPUID, reset. */
#include "hakovm.h"

#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <sys/ioctl.h>

/*
 * What Linux finds on a PC and hakovm provides, and who does the work:
 *
 *   +-----------------+   in the kernel (KVM)         +------------------+   in hakovm
 *   | PIC, IOAPIC,    |   KVM_CREATE_IRQCHIP          | UART at 0x3f8,   |   serial.c,
 *   | local APIC      |   (lesson 18)                 | IRQ 4            |   lesson 16
 *   | PIT timer, 0x61 |   KVM_CREATE_PIT2             | keyboard ctrl.   |   kbd_handle:
 *   +-----------------+                               | 0x60, 0x64       |   only reset
 *   CPUID: KVM_GET_SUPPORTED_CPUID -> KVM_SET_CPUID2  +------------------+
 */

#define CPUID_MAX_ENTRIES 256

int vcpu_setup_cpuid(struct vm *vm)
{
	struct kvm_cpuid2 *cpuid;
	int err = 0;

	cpuid = calloc(1, sizeof(*cpuid) + CPUID_MAX_ENTRIES * sizeof(struct kvm_cpuid_entry2));
	if (!cpuid)
		return -ENOMEM;
	cpuid->nent = CPUID_MAX_ENTRIES;
	/// TODO(19): Without CPUID set, a vCPU reports almost no features (no long mode, no
	/// APIC) and Linux stops early. Fill CPUID with KVM_GET_SUPPORTED_CPUID (asked of
	/// /dev/kvm, vm->kvm_fd: nent is the room on the way in, the count on the way out) and
	/// hand the same table to the vCPU with KVM_SET_CPUID2. -errno from either; free CPUID
	/// on every path. See "KVM_GET_SUPPORTED_CPUID" in the KVM API document.
	err = -ENOSYS;
	free(cpuid);
	return err;
}

int vm_setup_platform(struct vm *vm)
{
	/// TODO(19): The machine, in this order, before any vCPU exists: KVM_SET_TSS_ADDR
	/// (BOOT_TSS_ADDR: Intel's VT-x needs three pages of guest address space for a TSS of
	/// its own) and KVM_SET_IDENTITY_MAP_ADDR (BOOT_IDENTITY_ADDR, passed as a pointer to a
	/// __u64), both on the VM; then lesson 18's vm_irqchip_create(). Return the first error
	/// (-errno for the ioctls).
	return -ENOSYS;
}

/*
 * The keyboard controller (an Intel 8042): port 0x60 is data, 0x64 status (read) and
 * command (write). hakovm has no keyboard; the one command it knows is 0xfe, "pulse the reset
 * line", which is how Linux restarts a PC when booted with reboot=k.
 */
#define KBD_STATUS_OFFSET 4 /* 0x64 - 0x60 */
#define KBD_CMD_RESET     0xfe

int kbd_handle(struct device *dev, uint64_t offset, bool is_write, uint8_t *data, uint32_t size)
{
	if (size != 1)
		return -EINVAL;
	/// TODO(19): A read of any port returns 0: no key waiting, ready for a command (a read of
	/// 0xff would say "busy" forever). A write of KBD_CMD_RESET to the command port
	/// (offset KBD_STATUS_OFFSET) stops the VM (DEV->state) with VM_STOP_RESET; other writes
	/// are ignored.
	return -ENOSYS;
}
