/* kvm.c: lesson 15 — open KVM, make a VM with memory and one vCPU, run a 16-bit guest. */
#include "hakovm.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

/*
 * Open the KVM device and make sure it speaks the API we know. Three ioctls on three kinds of
 * file descriptor make a VM:
 *
 *   /dev/kvm fd  --KVM_CREATE_VM-->  VM fd  --KVM_CREATE_VCPU-->  vCPU fd
 *   (the system)                     (memory, devices)            (registers, KVM_RUN)
 */
int kvm_open(const char *path)
{
	/// TODO(15): Open PATH read-write and close-on-exec (hakovm must not leak a VM into the
	/// programs it runs), and make sure it is a KVM that speaks API version
	/// KVM_API_VERSION_EXPECTED. Return the fd, or:
	///   -errno of open(2), unchanged (hakovm turns ENOENT and EACCES into advice);
	///   -ENOTTY when PATH is some other file (it answers no KVM ioctl);
	///   -EPROTO when the API version is a different one.
	/// No fd stays open on an error. See the README, "KVM is a device ...", and
	/// KVM_GET_API_VERSION in the KVM API document.
	return -ENOSYS;
}

/* Mark every resource of VM as "not made", so vm_destroy() knows what to free. */
static void vm_clear(struct vm *vm)
{
	memset(vm, 0, sizeof(*vm));
	vm->kvm_fd = vm->vm_fd = vm->vcpu_fd = -1;
}

int vm_create(struct vm *vm, const char *kvm_path, size_t mem_size)
{
	int err;

	vm_clear(vm);
	if (mem_size == 0 || mem_size % 4096 != 0)
		return -EINVAL;

	vm->kvm_fd = kvm_open(kvm_path);
	if (vm->kvm_fd < 0) {
		err = vm->kvm_fd;
		vm->kvm_fd = -1;
		goto bad;
	}

	/// TODO(15): Make the VM (vm->vm_fd) and give it MEM_SIZE bytes of memory: anonymous,
	/// private memory of this process (vm->mem, vm->mem_size) that the guest sees as its
	/// physical addresses 0 .. MEM_SIZE - 1 (memory slot 0). The memory need not be reserved up
	/// front: a guest rarely touches all of it. On a failure set err = vm_fail(vm, "CALL"), naming
	/// the call, and goto bad (vm_destroy() frees what was made; vm->mem stays NULL if the mapping
	/// failed). See the README, "Guest memory is your memory", mmap(2), and KVM_CREATE_VM and
	/// KVM_SET_USER_MEMORY_REGION in the KVM API document.
	err = -ENOSYS;
	goto bad;
	return 0;
bad:
	vm_destroy(vm);
	return err;
}

int vcpu_create(struct vm *vm)
{
	/// TODO(15): Make vCPU 0 (vm->vcpu_fd) and map its struct kvm_run, the memory it shares
	/// with KVM, into vm->run and vm->run_size. Return 0 or vm_fail(vm, "CALL") (vm_destroy()
	/// frees what was made). The mapping is bigger than sizeof(struct kvm_run): I/O data
	/// follows the structure, so map the size KVM tells you. See the README's pitfalls, and
	/// KVM_CREATE_VCPU and KVM_GET_VCPU_MMAP_SIZE in the KVM API document.
	return -ENOSYS;
}

/* Put ARGS into the argument registers, in the order of hakovm.h's VM_MAX_ARGS. */
static GIVEN void set_args(struct kvm_regs *regs, const uint64_t *args, int nargs)
{
	__u64 *slot[VM_MAX_ARGS] = {&regs->rdi, &regs->rsi, &regs->rdx, &regs->rcx};

	for (int i = 0; i < nargs && i < VM_MAX_ARGS; i++)
		*slot[i] = args[i];
}

/*
 * Real mode: the state an x86 CPU starts in. An address is segment * 16 + offset, and the
 * CPU uses the "hidden" base KVM keeps for each segment register; with selector 0 and base 0
 * everywhere, CS:IP = 0:ENTRY is guest physical address ENTRY.
 */
int vcpu_init_real_mode(struct vm *vm, uint16_t entry, const uint64_t *args, int nargs)
{
	if (nargs < 0 || nargs > VM_MAX_ARGS)
		return -EINVAL;
	/// TODO(15): Put the vCPU in real mode at ENTRY with ARGS in its argument registers: every
	/// segment register (cs ds es fs gs ss) with base 0 and selector 0, the rest of each
	/// segment as KVM has it; the general registers all 0 except rip = ENTRY, rflags = 2 (bit 1
	/// of RFLAGS is reserved and must be 1) and the NARGS arguments (set_args()). Return 0, or
	/// vm_fail(vm, "CALL") when KVM refuses. See the README, "Real mode and the vCPU's
	/// registers", and KVM_GET_SREGS, KVM_SET_SREGS and KVM_SET_REGS in the KVM API document.
	return -ENOSYS;
}

int kvm_hello_run(struct vm *vm, char *out, size_t size)
{
	/// TODO(15): Run the guest until it halts, collecting the bytes it writes to port
	/// UART_COM1_PORT: the first SIZE into OUT. Return how many bytes the guest wrote in all
	/// (more than SIZE if OUT was too small), vm_fail(vm, "KVM_RUN") if KVM_RUN fails, or -EIO
	/// on any other exit (an in, another port, an exit this loop does not know). A signal that
	/// interrupts KVM_RUN is not a failure. See the README, "Exits: the guest asks for help",
	/// and "The kvm_run structure" in the KVM API document.
	return -ENOSYS;
}

void vm_destroy(struct vm *vm)
{
	/// TODO(15): Free what vm_create() and vcpu_create() made, in reverse order, skipping what
	/// was never made (fd -1, pointer NULL) and marking what you free, so that a second call is
	/// harmless. An fd left open here is a VM left alive in the kernel: the tests count this
	/// process's fds. See munmap(2) and close(2).
}
