/* vcpu.c: lesson 16 — the vCPU run loop: one switch over why the guest exited. */
#include "hakovm.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

/*
 * KVM_RUN runs guest code on this thread until the guest does something the kernel leaves
 * to us; then it returns and vm->run->exit_reason says what:
 *
 *          +-----------------------------------------------+
 *          v                                               |
 *   ioctl(KVM_RUN) --> exit_reason --+-- IO    --> port bus  --+ (stop set? return)
 *                                    +-- MMIO  --> MMIO bus  --+
 *                                    +-- HLT, SHUTDOWN, FAIL_ENTRY, INTERNAL_ERROR,
 *                                    |   anything else  --> set vm->stop, return
 */

/* Accesses reported one by one; after these, only every power of two is, with the count, so a
 * guest that pokes at a missing device in a loop cannot bury hakovm's stderr. */
#define REPORT_MAX 10

/* Report an access that failed with ERR: -ENODEV, no device answered (a read got all ones),
 * or the device's own error, e.g. -EINVAL for a 2-byte access to a 1-byte register. The guest
 * goes on either way. vm->ignored counts them all; hakovm prints the total at the end. */
static void report_unknown(struct vm *vm, const char *space, uint64_t addr, bool is_write,
                           uint32_t size, int err)
{
	struct kvm_regs regs;
	uint64_t rip = 0, n = ++vm->ignored;

	if (n > REPORT_MAX && (n & (n - 1)) != 0)
		return;
	if (ioctl(vm->vcpu_fd, KVM_GET_REGS, &regs) == 0)
		rip = regs.rip;
	const char *dir = is_write ? "wrote to" : "read from";
	if (err == -ENODEV)
		fprintf(stderr,
		        "hakovm: guest %s unknown %s 0x%" PRIx64 " (%u bytes) at rip 0x%" PRIx64
		        ": ignored",
		        dir, space, addr, size, rip);
	else
		fprintf(stderr,
		        "hakovm: guest %s %s 0x%" PRIx64 " (%u bytes) at rip 0x%" PRIx64
		        ": %s: ignored",
		        dir, space, addr, size, rip, strerror(-err));
	if (n >= REPORT_MAX)
		fprintf(stderr,
		        " (%" PRIu64 " so far; from now on only every power of two is shown)", n);
	fputc('\n', stderr);
}

/* An I/O exit: SIZE bytes, COUNT times (rep outsb/insb), at io.data_offset in kvm_run. */
static GIVEN int handle_io(struct vm *vm)
{
	/// TODO(16): Pass each of the io.count items of this exit (io.size bytes each, stored one
	/// after the other at io.data_offset in the run page) to the port bus, vm->pio. An item the
	/// bus fails on is reported with report_unknown(), and the guest goes on. Return 0, or
	/// -EFAULT when the data would not lie inside the run page (vm->run_size; compute the end
	/// without overflow). See the README's pitfalls on rep insb.
	/// BEGIN SOLUTION
	struct kvm_run *run = vm->run;
	bool is_write = run->io.direction == KVM_EXIT_IO_OUT;
	uint64_t bytes = (uint64_t)run->io.size * run->io.count, end;

	if (__builtin_add_overflow(run->io.data_offset, bytes, &end) || end > vm->run_size)
		return -EFAULT;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	for (uint32_t i = 0; i < run->io.count; i++) {
		int err = bus_access(&vm->pio, run->io.port, is_write, data + i * run->io.size,
		                     run->io.size);
		if (err < 0)
			report_unknown(vm, "port", run->io.port, is_write, run->io.size, err);
	}
	return 0;
	/// END SOLUTION
	/// STUB: return -ENOSYS;
}

/* An MMIO exit: a guest access to a physical address that is not guest memory. */
static GIVEN int handle_mmio(struct vm *vm)
{
	struct kvm_run *run = vm->run;

	if (run->mmio.len > sizeof(run->mmio.data))
		return -EFAULT;
	int err = bus_access(&vm->mmio, run->mmio.phys_addr, run->mmio.is_write, run->mmio.data,
	                     run->mmio.len);
	if (err < 0)
		report_unknown(vm, "MMIO address", run->mmio.phys_addr, run->mmio.is_write,
		               run->mmio.len, err);
	return 0;
}

int vcpu_run(struct vm *vm)
{
	vm->stop = VM_RUNNING;
	/// TODO(16): The run loop, one flat switch over vm->run->exit_reason. Run the vCPU until
	/// vm->stop is no longer VM_RUNNING: an I/O exit goes to handle_io(), an MMIO exit to
	/// handle_mmio() (a device may stop the VM); every other exit stops the VM with the
	/// VM_STOP_* that hakovm.h names for it, and stop_info holds the detail KVM gives (the
	/// hardware entry failure reason, the internal error's suberror, or for an unknown exit the
	/// exit reason itself). KVM_RUN interrupted by a signal, or asking to be run again, is not
	/// a failure; any other failure returns vm_fail(vm, "KVM_RUN"), and a handler's error is
	/// returned as it is. Return 0. Never run again after an exit you do not understand: that
	/// is how VMMs spin forever. See the README, "The run loop", and "The kvm_run structure" in
	/// the KVM API document.
	/// BEGIN SOLUTION
	while (vm->stop == VM_RUNNING) {
		if (ioctl(vm->vcpu_fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return vm_fail(vm, "KVM_RUN");
		}
		struct kvm_run *run = vm->run;
		int err = 0;
		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			err = handle_io(vm);
			break;
		case KVM_EXIT_MMIO:
			err = handle_mmio(vm);
			break;
		case KVM_EXIT_HLT:
			vm->stop = VM_STOP_HALT;
			break;
		case KVM_EXIT_SHUTDOWN:
			vm->stop = VM_STOP_SHUTDOWN;
			break;
		case KVM_EXIT_FAIL_ENTRY:
			vm->stop = VM_STOP_FAIL_ENTRY;
			vm->stop_info = run->fail_entry.hardware_entry_failure_reason;
			break;
		case KVM_EXIT_INTERNAL_ERROR:
			vm->stop = VM_STOP_INTERNAL;
			vm->stop_info = run->internal.suberror;
			break;
		default:
			vm->stop = VM_STOP_UNKNOWN;
			vm->stop_info = run->exit_reason;
			break;
		}
		if (err < 0)
			return err;
	}
	return 0;
	/// END SOLUTION
	/// STUB: return -ENOSYS;
}

static const char *stop_name(const struct vm *vm)
{
	switch (vm->stop) {
	case VM_RUNNING:
		return "still running";
	case VM_STOP_EXIT:
		return "the guest wrote to the debug-exit port";
	case VM_STOP_HALT:
		return "the guest halted (hlt)";
	case VM_STOP_SHUTDOWN:
		return "triple fault (KVM_EXIT_SHUTDOWN): the guest hit an exception it could not "
		       "handle, twice";
	case VM_STOP_FAIL_ENTRY:
		return "KVM_EXIT_FAIL_ENTRY: the CPU refused the guest's state";
	case VM_STOP_INTERNAL:
		return "KVM_EXIT_INTERNAL_ERROR: KVM could not emulate an instruction";
	case VM_STOP_UNKNOWN:
		return "an exit reason hakovm does not handle";
	case VM_STOP_RESET:
		return "the guest reset the machine (keyboard controller)";
	}
	return "?";
}

static GIVEN void print_segment(FILE *f, const char *name, const struct kvm_segment *s)
{
	fprintf(f, "  %-3s selector 0x%04x base 0x%016" PRIx64 " limit 0x%08x type %u l %u db %u\n",
	        name, s->selector, (uint64_t)s->base, s->limit, s->type, s->l, s->db);
}

int vcpu_report(struct vm *vm, FILE *f)
{
	fprintf(f, "hakovm: the VM stopped: %s", stop_name(vm));
	if (vm->stop == VM_STOP_FAIL_ENTRY || vm->stop == VM_STOP_INTERNAL ||
	    vm->stop == VM_STOP_UNKNOWN)
		fprintf(f, " [%" PRIu64 "]", vm->stop_info);
	fputc('\n', f);
	/// TODO(16): Print the vCPU's registers to F (return vm_fail(vm, "CALL") if KVM cannot read
	/// them): rip and rflags, the 16 general registers, the segments (print_segment()) and the
	/// control registers cr0, cr2, cr3, cr4 and efer, each with its name and its value in hex
	/// ("rip 0x..."). A student reading this report after a crash should need nothing else.
	/// BEGIN SOLUTION
	struct kvm_regs r;
	struct kvm_sregs s;

	if (ioctl(vm->vcpu_fd, KVM_GET_REGS, &r) < 0)
		return vm_fail(vm, "KVM_GET_REGS");
	if (ioctl(vm->vcpu_fd, KVM_GET_SREGS, &s) < 0)
		return vm_fail(vm, "KVM_GET_SREGS");

	const struct {
		const char *name;
		uint64_t value;
	} gprs[] = {
	    {"rax", r.rax}, {"rbx", r.rbx}, {"rcx", r.rcx}, {"rdx", r.rdx},
	    {"rsi", r.rsi}, {"rdi", r.rdi}, {"rsp", r.rsp}, {"rbp", r.rbp},
	    {"r8", r.r8},   {"r9", r.r9},   {"r10", r.r10}, {"r11", r.r11},
	    {"r12", r.r12}, {"r13", r.r13}, {"r14", r.r14}, {"r15", r.r15},
	};
	fprintf(f, "  rip 0x%016" PRIx64 " rflags 0x%08" PRIx64 "\n", (uint64_t)r.rip,
	        (uint64_t)r.rflags);
	for (size_t i = 0; i < sizeof(gprs) / sizeof(gprs[0]); i++)
		fprintf(f, "  %-3s 0x%016" PRIx64 "%s", gprs[i].name, gprs[i].value,
		        i % 4 == 3 ? "\n" : "");
	print_segment(f, "cs", &s.cs);
	print_segment(f, "ds", &s.ds);
	print_segment(f, "ss", &s.ss);
	fprintf(f,
	        "  cr0 0x%" PRIx64 " cr2 0x%" PRIx64 " cr3 0x%" PRIx64 " cr4 0x%" PRIx64
	        " efer 0x%" PRIx64 "\n",
	        (uint64_t)s.cr0, (uint64_t)s.cr2, (uint64_t)s.cr3, (uint64_t)s.cr4,
	        (uint64_t)s.efer);
	return 0;
	/// END SOLUTION
	/// STUB: return -ENOSYS;
}
