/* hakovm.h: the map of hakovm — the virtual machine it runs and the function each lesson adds. */
#ifndef HAKOVM_H
#define HAKOVM_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * `hakovm [OPTIONS] GUEST` (hakovm.c) calls the lessons in this order:
 *
 *   read the guest image, check its size        (16)  guest_image_read
 *   open /dev/kvm, make the VM and its memory   (15)  vm_create
 *   make the vCPU, map its kvm_run              (15)  vcpu_create
 *   16-bit image: copy it, real-mode registers  (15)  vcpu_init_real_mode
 *   ELF image: check and load its segments,     (17)  elf_load
 *              GDT, page tables, long mode,     (17)  longmode_setup
 *              the entry point and registers    (17)  longmode_set_entry
 *   register the devices: UART, debug-exit      (16)  bus_register
 *   run until the guest stops                   (16)  vcpu_run
 *   report a failure, free everything           (16)  vcpu_report, (15) vm_destroy
 *
 * Every function returns 0 (or a value) on success and a negative errno on failure; a lesson
 * that is not done yet returns -ENOSYS. A failed system call or ioctl on a VM is returned as
 * `return vm_fail(vm, "KVM_SET_SREGS");`, which also records its name, so hakovm's one
 * message says which call failed. Only hakovm.c prints error messages and picks the exit
 * code.
 */

/* ---- devices and buses (lesson 16) ---- */

/*
 * A device is data: where it sits on a bus and the function that answers an access. The
 * handler gets the OFFSET from BASE, the access SIZE in bytes (1, 2, 4 or 8) and DATA: the
 * bytes to store (write) or the buffer to fill (read). It returns 0 or a negative errno.
 */
struct device {
	const char *name;
	uint64_t base, len; /* the device answers base .. base + len - 1 */
	int (*handle)(struct device *dev, uint64_t offset, bool is_write, uint8_t *data,
	              uint32_t size);
	void *state; /* the device's own state, e.g. a struct uart */
};

#define BUS_MAX_DEVICES 16

/* A bus: the I/O ports (addresses 0 to 0xffff) or the MMIO space. Devices never overlap. */
struct bus {
	struct device *devices[BUS_MAX_DEVICES];
	int count;
};

/* ---- the virtual machine ---- */

/* Why vcpu_run() returned (lesson 16). */
enum vm_stop {
	VM_RUNNING = 0,
	VM_STOP_EXIT,       /* the guest wrote its status to the debug-exit port */
	VM_STOP_HALT,       /* hlt: nothing can wake the guest up (no interrupts yet) */
	VM_STOP_SHUTDOWN,   /* triple fault: KVM_EXIT_SHUTDOWN */
	VM_STOP_FAIL_ENTRY, /* the CPU refused to enter the guest: KVM_EXIT_FAIL_ENTRY */
	VM_STOP_INTERNAL,   /* KVM could not handle something: KVM_EXIT_INTERNAL_ERROR */
	VM_STOP_UNKNOWN,    /* an exit reason hakovm does not know */
};

struct kvm_run;

/*
 * One VM with one vCPU. Every field that holds a resource is -1 / NULL while it is not made,
 * so vm_destroy() can free a half-made VM.
 */
struct vm {
	/* Made by lesson 15, in this order; vm_destroy() frees them in reverse. */
	int kvm_fd;          /* /dev/kvm */
	int vm_fd;           /* KVM_CREATE_VM */
	uint8_t *mem;        /* guest physical address 0 .. mem_size - 1, mapped in hakovm */
	size_t mem_size;     /* bytes, a multiple of 4096 */
	int vcpu_fd;         /* KVM_CREATE_VCPU */
	struct kvm_run *run; /* the vCPU's shared page: why the guest exited, I/O data */
	size_t run_size;     /* KVM_GET_VCPU_MMAP_SIZE */

	/* The devices (lesson 16): hakovm.c registers them, vcpu_run() dispatches to them. */
	struct bus pio;  /* I/O ports: in/out instructions */
	struct bus mmio; /* guest physical addresses outside memory */

	/* Set when the guest stops (lesson 16). */
	enum vm_stop stop;
	int exit_status;    /* VM_STOP_EXIT: the byte the guest wrote to the debug-exit port */
	uint64_t stop_info; /* the exit reason, suberror or hardware reason, for the report */
	uint64_t ignored; /* guest accesses no device took, reported (rate-limited) and survived */

	const char *failed; /* the call behind the last error returned (vm_fail()), or NULL */
};

/* Record that CALL (an ioctl's or system call's name) just failed and return its -errno: how
 * lesson code reports a failed call on VM, right after it. hakovm's message names CALL. */
static inline int vm_fail(struct vm *vm, const char *call)
{
	int err = -errno;

	vm->failed = call;
	return err;
}

/* The guest's inputs (hakovm --arg) go into these registers, in this order: the x86-64
 * calling convention's first four, so a C guest receives them as arguments (lesson 15). */
#define VM_MAX_ARGS 4

/* hakovm's exit codes when it is not the guest's own status. A guest's status is 0 .. 120;
 * a higher one would look like these (or, from 128, like a signal): hakovm names it on stderr
 * and exits HAKOVM_EXIT_UNKNOWN. */
#define HAKOVM_GUEST_STATUS_MAX 120
#define HAKOVM_EXIT_SHUTDOWN    121 /* the guest triple-faulted */
#define HAKOVM_EXIT_INTERNAL    122 /* KVM_EXIT_INTERNAL_ERROR */
#define HAKOVM_EXIT_FAIL_ENTRY  123 /* KVM_EXIT_FAIL_ENTRY */
#define HAKOVM_EXIT_UNKNOWN     124 /* an exit reason hakovm does not handle, or a status > 120 */
#define HAKOVM_EXIT_FAILED      125 /* hakovm could not start the VM (options, image, KVM) */

/* ---- lesson 15: KVM, a VM, its memory and a vCPU (kvm.c) ---- */

/* The only KVM API version there has ever been (KVM_GET_API_VERSION). */
#define KVM_API_VERSION_EXPECTED 12
/* Where hakovm loads a 16-bit flat image and starts it (CS = 0, IP = 0x1000). */
#define REAL_MODE_ENTRY 0x1000

/* Open the KVM device PATH (normally /dev/kvm) and check its API version. Returns the fd, or
 * -ENOENT (no such device), -EACCES (no permission), -ENOTTY (PATH is not a KVM device),
 * -EPROTO (an API version other than 12), or another negative errno. */
int kvm_open(const char *path);
/* Open KVM_PATH, make a VM with MEM_SIZE bytes (a multiple of 4096) of guest memory at guest
 * physical address 0. On failure everything made is released and VM is left empty. */
int vm_create(struct vm *vm, const char *kvm_path, size_t mem_size);
/* Make vCPU 0 and map its struct kvm_run. */
int vcpu_create(struct vm *vm);
/* Put the vCPU in 16-bit real mode at CS:IP = 0:ENTRY with every segment base 0, and
 * NARGS (at most VM_MAX_ARGS) inputs in rdi, rsi, rdx, rcx. */
int vcpu_init_real_mode(struct vm *vm, uint16_t entry, const uint64_t *args, int nargs);
/* The smallest run loop: run the vCPU, copy every byte the guest writes to port 0x3f8 into
 * OUT (at most SIZE bytes kept), until it halts. Returns the number of bytes the guest wrote,
 * or -EIO for any other exit, or a negative errno from KVM_RUN. */
int kvm_hello_run(struct vm *vm, char *out, size_t size);
/* Free everything vm_create() and vcpu_create() made, in reverse order. Safe to call twice. */
void vm_destroy(struct vm *vm);

/* ---- lesson 16: the run loop, buses, the UART and guest memory ---- */

/* guestmem.c */
/* A pointer to guest physical memory GPA .. GPA + LEN - 1, or NULL when any of it lies
 * outside guest memory (overflow-safe: a huge GPA or LEN never wraps around). */
void *guest_mem(struct vm *vm, uint64_t gpa, uint64_t len);
/* Read the guest image PATH into a malloc'd buffer *DATA of *SIZE bytes, refusing an image
 * that is missing (-ENOENT, or another -errno of open), not a regular file (-EINVAL: a
 * directory, a device, a FIFO, which is refused without waiting for a writer), empty
 * (-ENODATA), larger than LIMIT bytes (-EFBIG) or shorter than its size said (-EIO). On an
 * error *DATA is NULL. */
int guest_image_read(const char *path, size_t limit, uint8_t **data, size_t *size);

/* bus.c */
/* Add DEV to BUS. -EINVAL when it is empty or wraps past the end of the address space,
 * -EBUSY when it overlaps a device already there, -ENOSPC when the bus is full. */
int bus_register(struct bus *bus, struct device *dev);
/* Pass an access of SIZE bytes at ADDR to the device that owns it. -ENODEV when no device
 * does: a read then returns all ones (0xff bytes), as on a real bus with nothing there. */
int bus_access(struct bus *bus, uint64_t addr, bool is_write, uint8_t *data, uint32_t size);
/* The debug-exit port (as QEMU's isa-debug-exit): the byte written stops the VM in STATE (a
 * struct vm) with that status. Register it as a device of length 1. */
#define DEBUG_EXIT_PORT 0x501
int debug_exit_handle(struct device *dev, uint64_t offset, bool is_write, uint8_t *data,
                      uint32_t size);

/* uart.c: a 16550 UART, the subset a console needs. */
#define UART_COM1_PORT 0x3f8
struct uart {
	int out_fd;       /* where transmitted bytes go (hakovm: 1, its stdout) */
	uint8_t ier;      /* interrupt enable */
	uint8_t lcr;      /* line control; bit 7 is DLAB */
	uint8_t mcr;      /* modem control; bit 4 is loopback */
	uint8_t scr;      /* scratch */
	uint8_t fcr;      /* FIFO control, as last written */
	uint8_t dll, dlm; /* the baud-rate divisor, reached while DLAB is set */
};
/* Reset UART and send what the guest transmits to OUT_FD. */
void uart_init(struct uart *uart, int out_fd);
/* The device handler: STATE is a struct uart; eight registers from the base port. */
int uart_handle(struct device *dev, uint64_t offset, bool is_write, uint8_t *data, uint32_t size);

/* vcpu.c */
/* Run the vCPU until the guest stops: returns 0 with vm->stop saying why, or a negative errno
 * when KVM_RUN itself fails. I/O and MMIO exits go to vm->pio and vm->mmio; accesses that no
 * device owns are reported on stderr and survived. */
int vcpu_run(struct vm *vm);
/* Print why the VM stopped, rip and the registers to F: the failure report. */
int vcpu_report(struct vm *vm, FILE *f);

/* ---- lesson 17: long mode and the ELF loader ---- */

/*
 * Guest physical memory in long mode (longmode.c):
 *
 *   0x0000 - 0x0fff   unused (a null pointer in the guest lands here)
 *   0x1000 - 0x1fff   GDT: null, 64-bit code (0x08), data (0x10)
 *   0x2000 - 0x2fff   PML4    \
 *   0x3000 - 0x3fff   PDPT     > identity map of guest memory with 2 MiB pages
 *   0x4000 - 0x4fff   PD      /
 *   0x5000 - 0x7fff   the guest's stack; rsp starts at 0x8000
 *   0x8000 - ...      free for the guest's ELF segments (our guests link at 1 MiB)
 */
#define LM_GDT       0x1000
#define LM_PML4      0x2000
#define LM_PDPT      0x3000
#define LM_PD        0x4000
#define LM_STACK_TOP 0x8000
#define LM_RESERVED  0x8000       /* 0 .. LM_RESERVED - 1 belong to hakovm, not the ELF */
#define LM_MAX_MEM   (1ULL << 30) /* one page directory maps 1 GiB */
#define LM_SEL_CODE  0x08
#define LM_SEL_DATA  0x10

/* Write the GDT and the page tables into guest memory and switch the vCPU to 64-bit long
 * mode (segments, CR0, CR3, CR4, EFER). -E2BIG when guest memory is larger than LM_MAX_MEM. */
int longmode_setup(struct vm *vm);
/* Start at ENTRY with rsp = LM_STACK_TOP and NARGS inputs in rdi, rsi, rdx, rcx. */
int longmode_set_entry(struct vm *vm, uint64_t entry, const uint64_t *args, int nargs);

/* elf.c: load an ELF64 x86-64 executable's PT_LOAD segments into guest memory at their
 * physical addresses, zero-filling bss, and return its entry point in *ENTRY. Everything is
 * checked before anything is copied: -ENOEXEC (not a 64-bit x86-64 executable, or a header
 * or segment that lies outside the file), -ERANGE (a segment or the entry outside guest
 * memory), -EBUSY (a segment overlaps hakovm's area below LM_RESERVED). */
int elf_load(struct vm *vm, const uint8_t *image, size_t size, uint64_t *entry);

#endif
