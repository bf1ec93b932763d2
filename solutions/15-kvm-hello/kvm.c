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
	/// BEGIN SOLUTION
	int fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;

	int version = ioctl(fd, KVM_GET_API_VERSION, 0);
	if (version < 0) {
		close(fd);
		return -ENOTTY;
	}
	if (version != KVM_API_VERSION_EXPECTED) {
		close(fd);
		return -EPROTO;
	}
	return fd;
	/// END SOLUTION
	/// STUB: return -ENOSYS;
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
	/// BEGIN SOLUTION
	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0) {
		err = vm_fail(vm, "KVM_CREATE_VM");
		goto bad;
	}

	void *mem = mmap(NULL, mem_size, PROT_READ | PROT_WRITE,
	                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED) {
		err = vm_fail(vm, "mmap of the guest memory");
		goto bad;
	}
	vm->mem = mem;
	vm->mem_size = mem_size;

	struct kvm_userspace_memory_region region = {
	    .slot = 0,
	    .guest_phys_addr = 0,
	    .memory_size = mem_size,
	    .userspace_addr = (uint64_t)(uintptr_t)vm->mem,
	};
	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0) {
		err = vm_fail(vm, "KVM_SET_USER_MEMORY_REGION");
		goto bad;
	}
	/// END SOLUTION
	/// STUB: err = -ENOSYS;
	/// STUB: goto bad;
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
	/// BEGIN SOLUTION
	vm->vcpu_fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, 0);
	if (vm->vcpu_fd < 0) {
		vm->vcpu_fd = -1;
		return vm_fail(vm, "KVM_CREATE_VCPU");
	}

	int size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size < 0)
		return vm_fail(vm, "KVM_GET_VCPU_MMAP_SIZE");
	if ((size_t)size < sizeof(struct kvm_run))
		return -EPROTO;

	void *run = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, vm->vcpu_fd, 0);
	if (run == MAP_FAILED)
		return vm_fail(vm, "mmap of kvm_run");
	vm->run = run;
	vm->run_size = (size_t)size;
	return 0;
	/// END SOLUTION
	/// STUB: return -ENOSYS;
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
	/// BEGIN SOLUTION
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	if (ioctl(vm->vcpu_fd, KVM_GET_SREGS, &sregs) < 0)
		return vm_fail(vm, "KVM_GET_SREGS");
	struct kvm_segment *segs[] = {&sregs.cs, &sregs.ds, &sregs.es,
	                              &sregs.fs, &sregs.gs, &sregs.ss};
	for (size_t i = 0; i < sizeof(segs) / sizeof(segs[0]); i++) {
		segs[i]->base = 0;
		segs[i]->selector = 0;
	}
	if (ioctl(vm->vcpu_fd, KVM_SET_SREGS, &sregs) < 0)
		return vm_fail(vm, "KVM_SET_SREGS");

	memset(&regs, 0, sizeof(regs));
	regs.rip = entry;
	regs.rflags = 2;
	set_args(&regs, args, nargs);
	if (ioctl(vm->vcpu_fd, KVM_SET_REGS, &regs) < 0)
		return vm_fail(vm, "KVM_SET_REGS");
	return 0;
	/// END SOLUTION
	/// STUB: return -ENOSYS;
}

int kvm_hello_run(struct vm *vm, char *out, size_t size)
{
	/// TODO(15): Run the guest until it halts, collecting the bytes it writes to port
	/// UART_COM1_PORT: the first SIZE into OUT. Return how many bytes the guest wrote in all
	/// (more than SIZE if OUT was too small), vm_fail(vm, "KVM_RUN") if KVM_RUN fails, or -EIO
	/// on any other exit (an in, another port, an exit this loop does not know). A signal that
	/// interrupts KVM_RUN is not a failure. See the README, "Exits: the guest asks for help",
	/// and "The kvm_run structure" in the KVM API document.
	/// BEGIN SOLUTION
	size_t written = 0;

	for (;;) {
		if (ioctl(vm->vcpu_fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR)
				continue;
			return vm_fail(vm, "KVM_RUN");
		}
		struct kvm_run *run = vm->run;
		switch (run->exit_reason) {
		case KVM_EXIT_HLT:
			return (int)written;
		case KVM_EXIT_IO: {
			if (run->io.direction != KVM_EXIT_IO_OUT || run->io.port != UART_COM1_PORT)
				return -EIO;
			const char *data = (const char *)run + run->io.data_offset;
			uint64_t n = (uint64_t)run->io.size * run->io.count, end;
			if (__builtin_add_overflow(run->io.data_offset, n, &end) ||
			    end > vm->run_size)
				return -EIO; /* the data would lie outside the run page */
			for (uint64_t i = 0; i < n; i++, written++)
				if (written < size)
					out[written] = data[i];
			break;
		}
		default:
			return -EIO;
		}
	}
	/// END SOLUTION
	/// STUB: return -ENOSYS;
}

void vm_destroy(struct vm *vm)
{
	/// TODO(15): Free what vm_create() and vcpu_create() made, in reverse order, skipping what
	/// was never made (fd -1, pointer NULL) and marking what you free, so that a second call is
	/// harmless. An fd left open here is a VM left alive in the kernel: the tests count this
	/// process's fds. See munmap(2) and close(2).
	/// BEGIN SOLUTION
	if (vm->run) {
		munmap(vm->run, vm->run_size);
		vm->run = NULL;
	}
	if (vm->vcpu_fd >= 0) {
		close(vm->vcpu_fd);
		vm->vcpu_fd = -1;
	}
	if (vm->mem) {
		munmap(vm->mem, vm->mem_size);
		vm->mem = NULL;
	}
	if (vm->vm_fd >= 0) {
		close(vm->vm_fd);
		vm->vm_fd = -1;
	}
	if (vm->kvm_fd >= 0) {
		close(vm->kvm_fd);
		vm->kvm_fd = -1;
	}
	/// END SOLUTION
}
