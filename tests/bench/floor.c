/* floor.c: the least a KVM program must do to run a 16-bit guest — the baseline of `make bench`.
 *
 *   floor GUEST.bin
 *
 * Only the required steps: open /dev/kvm, KVM_CREATE_VM, mmap + KVM_SET_USER_MEMORY_REGION,
 * KVM_CREATE_VCPU, mmap kvm_run, KVM_GET/SET_SREGS, KVM_SET_REGS, then KVM_RUN until the
 * guest halts or writes to the debug-exit port 0x501; bytes written to 0x3f8 go to stdout.
 * No checks beyond what keeps it from misbehaving, no devices, no options. */
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define MEM   (2u << 20)
#define ENTRY 0x1000

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	int vm = ioctl(kvm, KVM_CREATE_VM, 0);
	uint8_t *mem = mmap(NULL, MEM, PROT_READ | PROT_WRITE,
	                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	struct kvm_userspace_memory_region region = {
	    .slot = 0, .memory_size = MEM, .userspace_addr = (uint64_t)(uintptr_t)mem};
	if (kvm < 0 || vm < 0 || mem == MAP_FAILED ||
	    ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0) {
		perror("floor: setting up the VM");
		return 1;
	}
	int fd = open(argv[1], O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, mem + ENTRY, MEM - ENTRY);
	if (n <= 0) {
		perror(argv[1]);
		return 1;
	}
	int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	int size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	struct kvm_run *run = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	struct kvm_sregs sregs;
	struct kvm_regs regs = {.rip = ENTRY, .rflags = 2};
	if (vcpu < 0 || size < 0 || run == MAP_FAILED || ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0) {
		perror("floor: setting up the vCPU");
		return 1;
	}
	sregs.cs.base = sregs.cs.selector = 0;
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0 || ioctl(vcpu, KVM_SET_REGS, &regs) < 0) {
		perror("floor: setting the registers");
		return 1;
	}
	for (;;) {
		if (ioctl(vcpu, KVM_RUN, 0) < 0) {
			perror("floor: KVM_RUN");
			return 1;
		}
		if (run->exit_reason == KVM_EXIT_HLT)
			return 0;
		if (run->exit_reason != KVM_EXIT_IO) {
			fprintf(stderr, "floor: exit reason %u\n", run->exit_reason);
			return 1;
		}
		uint8_t *data = (uint8_t *)run + run->io.data_offset;
		if (run->io.port == 0x501)
			return data[0];
		if (run->io.port == 0x3f8 && run->io.direction == KVM_EXIT_IO_OUT &&
		    write(1, data, run->io.size) < 0)
			return 1;
	}
}
