/* hakovm.h: the map of hakovm — the virtual machine it runs and the function each lesson adds. */
#ifndef HAKOVM_H
#define HAKOVM_H

#include "given.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * `hakovm [OPTIONS] GUEST` (hakovm.c) calls the lessons in this order:
 *
 *   read the guest image, check its size        (16)  guest_image_read
 *   open /dev/kvm, make the VM and its memory   (15)  vm_create
 *   --disk: interrupt controllers and PIT       (18)  vm_irqchip_create
 *   make the vCPU, map its kvm_run              (15)  vcpu_create
 *   16-bit image: copy it, real-mode registers  (15)  vcpu_init_real_mode
 *   ELF image: check and load its segments,     (17)  elf_load
 *              GDT, page tables, long mode,     (17)  longmode_setup
 *              the entry point and registers    (17)  longmode_set_entry
 *   register the devices: UART, debug-exit      (16)  bus_register
 *     the hypercall port; --disk: virtio-blk    (18)  hypercall_handle, virtio_blk_init
 *   run until the guest stops                   (16)  vcpu_run
 *   report a failure, free everything           (16)  vcpu_report, (15) vm_destroy
 *
 * `hakovm --kernel KERNEL` boots Linux instead (lesson 19; linux.c draws its order).
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
	VM_STOP_RESET,      /* lesson 19: the guest reset the machine (keyboard controller) */
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

/* ---- lesson 18: interrupts, hypercalls, MMIO devices and a virtio-mmio block device ---- */

/* irq.c: interrupts from hakovm to the guest, and doorbells from the guest to hakovm. */
/* Make KVM's interrupt controllers inside the kernel (two 8259 PICs, an IOAPIC and a local
 * APIC for each vCPU) and its 8254 timer (the PIT), with the PC speaker port 0x61 answered
 * there too (KVM_PIT_SPEAKER_DUMMY). Call it after vm_create() and before vcpu_create(): a
 * vCPU gets its local APIC when it is made. Returns 0 or -errno. */
int vm_irqchip_create(struct vm *vm);
/* Set interrupt line IRQ (0 .. VM_IRQ_LINES - 1) to LEVEL: 1 raised, 0 lowered. A raise
 * after a lower is one edge: one interrupt for an edge-triggered line. -EINVAL for a line
 * past the last, -errno of KVM_IRQ_LINE (-ENXIO: there is no irqchip). */
#define VM_IRQ_LINES 24 /* the IOAPIC's pins; the PICs see the first 16 */
int vm_irq_line(struct vm *vm, unsigned int irq, int level);
/* Wire the eventfd FD to line IRQ (KVM_IRQFD): each write to FD is one interrupt edge,
 * delivered by the kernel without hakovm running. -EINVAL for a line past the last. */
int vm_irqfd(struct vm *vm, int fd, unsigned int irq);
/* Wire guest writes of LEN bytes (1, 2, 4 or 8) to the MMIO address ADDR to the eventfd FD
 * (KVM_IOEVENTFD): each write adds 1 to FD's counter and the vCPU does not exit. -EINVAL
 * for another LEN. */
int vm_ioeventfd(struct vm *vm, int fd, uint64_t addr, uint32_t len);

/*
 * hypercall.c: the guest's calls to hakovm. The guest puts a struct hc_request in its memory
 * and writes the request's guest physical address to port HC_PORT with one 4-byte `out`;
 * when the `out` instruction is done, hakovm has done the call and written ret:
 *
 *   nr        what to do                              ret
 *   HC_WRITE  write the LEN bytes at ADDR to out_fd   LEN, or -errno
 *   HC_READ   read up to LEN bytes of in_fd to ADDR   the bytes read (0: end), or -errno
 *   HC_IRQ    one edge on interrupt line ADDR         0, or -errno (-EINVAL: no such line)
 *   other                                             -ENOSYS
 *
 * A buffer outside guest memory gets -EFAULT, a LEN above HC_MAX_LEN -E2BIG. A request that
 * does not itself lie in guest memory cannot be answered: the handler returns -EFAULT and
 * the run loop reports it. A 4-byte read of the port gives HC_VERSION.
 */
#define HC_PORT    0x510
#define HC_VERSION 1
#define HC_MAX_LEN (64u << 10)
enum hc_nr { HC_WRITE = 1, HC_READ = 2, HC_IRQ = 3 };
struct hc_request {
	uint64_t nr;   /* HC_WRITE, HC_READ or HC_IRQ */
	uint64_t addr; /* a guest physical address (HC_IRQ: the line) */
	uint64_t len;  /* bytes at ADDR */
	int64_t ret;   /* written by hakovm */
};
struct hypercall {
	struct vm *vm;
	int in_fd, out_fd; /* HC_READ reads in_fd, HC_WRITE writes out_fd */
	uint64_t calls;    /* requests answered */
};
int hypercall_handle(struct device *dev, uint64_t offset, bool is_write, uint8_t *data,
                     uint32_t size);

/*
 * virtqueue.c: the device side of a split virtqueue (virtio 1.x, section 2.7). The driver
 * places three parts in guest memory and tells the device where they are:
 *
 *   descriptor table  num x {u64 addr; u32 len; u16 flags; u16 next}   16 bytes each
 *   available ring    {u16 flags; u16 idx; u16 ring[num]; u16 used_event}  driver -> device
 *   used ring         {u16 flags; u16 idx; {u32 id; u32 len} ring[num]; u16 avail_event}
 */
#define VIRTQ_MAX             256 /* the largest queue hakovm accepts (QueueNumMax) */
#define VIRTQ_MAX_CHAIN       16  /* the most descriptors hakovm follows in one chain */
#define VIRTQ_DESC_F_NEXT     1   /* the chain goes on at .next */
#define VIRTQ_DESC_F_WRITE    2   /* the device writes this buffer (else it reads it) */
#define VIRTQ_DESC_F_INDIRECT 4   /* a table of descriptors: not offered by hakovm */
struct virtq {
	uint32_t num;               /* QueueNum: entries, a power of 2, 1 .. VIRTQ_MAX */
	bool ready;                 /* QueueReady */
	uint64_t desc, avail, used; /* guest physical addresses of the three parts */
	uint16_t last_avail;        /* the next available-ring entry the device takes */
	uint16_t used_idx;          /* the device's copy of used.idx */
};
/* One buffer of a chain, checked to lie in guest memory. */
struct virtq_buf {
	uint8_t *data;
	uint32_t len;
	bool writable; /* VIRTQ_DESC_F_WRITE: the device fills it */
};
/* Take the next chain the driver made available: its buffers into BUFS (at most MAX), its
 * first descriptor's index into *HEAD. Returns the number of buffers, 0 when nothing new is
 * available, or refuses the queue: -EFAULT (a ring or a buffer outside guest memory),
 * -ERANGE (a descriptor index >= num), -ELOOP (a descriptor seen twice in one chain),
 * -E2BIG (more than MAX descriptors), -EINVAL (an indirect descriptor, or the available
 * index more than num entries ahead). */
int virtq_pop(struct vm *vm, struct virtq *q, uint16_t *head, struct virtq_buf *bufs, int max);
/* Give the chain at HEAD back to the driver through the used ring, with LEN bytes written
 * into its buffers. Returns 0 or -EFAULT (the used ring outside guest memory). */
int virtq_push(struct vm *vm, struct virtq *q, uint16_t head, uint32_t len);

/* virtio_blk.c: a virtio-mmio transport (virtio 1.x, section 4.2.2) with a block device
 * behind it, backed by a file. */
#define VIRTIO_MMIO_BASE        0xd0000000ULL /* where hakovm puts it: virtio_mmio.device=4K@... */
#define VIRTIO_MMIO_SIZE        0x1000
#define VIRTIO_MMIO_IRQ         5
#define VIRTIO_MMIO_MAGIC_VALUE 0x74726976 /* "virt" */
enum virtio_mmio_reg {
	VIRTIO_MMIO_MAGIC = 0x000,
	VIRTIO_MMIO_VERSION = 0x004,
	VIRTIO_MMIO_DEVICE_ID = 0x008,
	VIRTIO_MMIO_VENDOR_ID = 0x00c,
	VIRTIO_MMIO_DEVICE_FEATURES = 0x010,
	VIRTIO_MMIO_DEVICE_FEATURES_SEL = 0x014,
	VIRTIO_MMIO_DRIVER_FEATURES = 0x020,
	VIRTIO_MMIO_DRIVER_FEATURES_SEL = 0x024,
	VIRTIO_MMIO_QUEUE_SEL = 0x030,
	VIRTIO_MMIO_QUEUE_NUM_MAX = 0x034,
	VIRTIO_MMIO_QUEUE_NUM = 0x038,
	VIRTIO_MMIO_QUEUE_READY = 0x044,
	VIRTIO_MMIO_QUEUE_NOTIFY = 0x050,
	VIRTIO_MMIO_INTERRUPT_STATUS = 0x060,
	VIRTIO_MMIO_INTERRUPT_ACK = 0x064,
	VIRTIO_MMIO_STATUS = 0x070,
	VIRTIO_MMIO_QUEUE_DESC_LOW = 0x080,
	VIRTIO_MMIO_QUEUE_DESC_HIGH = 0x084,
	VIRTIO_MMIO_QUEUE_DRIVER_LOW = 0x090,
	VIRTIO_MMIO_QUEUE_DRIVER_HIGH = 0x094,
	VIRTIO_MMIO_QUEUE_DEVICE_LOW = 0x0a0,
	VIRTIO_MMIO_QUEUE_DEVICE_HIGH = 0x0a4,
	VIRTIO_MMIO_CONFIG_GENERATION = 0x0fc,
	VIRTIO_MMIO_CONFIG = 0x100, /* the block device's: u64 capacity in sectors */
};
#define VIRTIO_ID_BLOCK    2
#define VIRTIO_VENDOR_HAKO 0x6f6b6168 /* "hako" */
#define VIRTIO_F_VERSION_1 32         /* feature bit: a virtio 1.x device, not a legacy one */
/* Status bits: the driver sets the first four in order; the device sets NEEDS_RESET. */
#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER      2
#define VIRTIO_STATUS_DRIVER_OK   4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_NEEDS_RESET 0x40
#define VIRTIO_STATUS_FAILED      0x80
/* InterruptStatus bits */
#define VIRTIO_INT_USED   1 /* the device put buffers in the used ring */
#define VIRTIO_INT_CONFIG 2 /* the configuration or the status changed (NEEDS_RESET) */
/* A block request: a header the device reads, the data, a status byte it writes. */
#define VIRTIO_BLK_SECTOR   512
#define VIRTIO_BLK_T_IN     0 /* read sectors into the data buffers */
#define VIRTIO_BLK_T_OUT    1 /* write the data buffers to sectors */
#define VIRTIO_BLK_S_OK     0
#define VIRTIO_BLK_S_IOERR  1
#define VIRTIO_BLK_S_UNSUPP 2
struct virtio_blk_req_header {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};
struct virtio_blk {
	struct vm *vm;
	int fd;           /* the backing file */
	uint64_t sectors; /* its size in 512-byte sectors (a partial last sector is not used) */
	unsigned int irq; /* the interrupt line */
	/* The transport's registers, as the driver set them. */
	uint32_t status;
	uint32_t device_features_sel, driver_features_sel, queue_sel;
	uint64_t driver_features;
	uint32_t interrupt_status;
	struct virtq queue; /* request queue 0, the only one */
	/* What the device did, for the guest's interrupt line and for the tests. */
	bool irq_level;      /* the line as hakovm last set it */
	uint64_t interrupts; /* raises of the line */
	uint64_t requests;   /* requests completed */
	char error[160];     /* why the device last needed a reset; "" if it never did */
};
/* Reset BLK as a device backed by the open file FD, raising line IRQ of VM. -errno of fstat,
 * -EINVAL when FD is not a regular file or holds less than one sector. */
int virtio_blk_init(struct virtio_blk *blk, struct vm *vm, int fd, unsigned int irq);
/* The device handler: STATE is a struct virtio_blk; VIRTIO_MMIO_SIZE bytes of registers. */
int virtio_blk_handle(struct device *dev, uint64_t offset, bool is_write, uint8_t *data,
                      uint32_t size);

/* ---- lesson 19: booting Linux ---- */

/*
 * Guest physical memory when hakovm boots Linux (the 64-bit boot protocol):
 *
 *   0x0000 - 0x7fff      lesson 17's GDT, page tables and stack (the GDT also gets the
 *                        boot protocol's selectors 0x10 and 0x18)
 *   0x10000 - 0x10fff    the zero page: struct boot_params, rsi points here
 *   0x20000 - ...        the kernel command line, NUL-terminated
 *   0x9fc00 - 0xfffff    reserved in the e820 map (where a PC has its BIOS)
 *   0x100000 - ...       the protected-mode kernel (a bzImage without its setup sectors)
 *   ... top of memory    the initrd, as high as the kernel allows
 */
#define BOOT_PARAMS_ADDR  0x10000
#define BOOT_CMDLINE_ADDR 0x20000
#define BOOT_KERNEL_ADDR  0x100000
#define BOOT_LOW_RAM_END  0x9fc00
#define BOOT_SEL_CODE     0x10 /* the selectors the boot protocol asks for */
#define BOOT_SEL_DATA     0x18
#define BOOT_MIN_VERSION  0x020c /* 2.12: xloadflags says whether a 64-bit entry exists */
#define BOOT_E820_MAX     128    /* entries that fit in struct boot_params */

/* What bzimage_parse() found in a bzImage's setup header (Documentation/arch/x86/boot.rst). */
struct bzimage {
	const uint8_t *setup;  /* the boot sector and setup sectors: the header is in here */
	size_t setup_size;     /* (setup_sects + 1) * 512 */
	const uint8_t *kernel; /* the protected-mode kernel, loaded at BOOT_KERNEL_ADDR */
	size_t kernel_size;
	uint16_t version; /* boot protocol version, 0x020f is 2.15 */
	uint8_t loadflags;
	uint16_t xloadflags;
	bool relocatable; /* relocatable_kernel */
	uint32_t kernel_alignment;
	uint32_t initrd_addr_max; /* highest address the initrd's last byte may have */
	uint32_t cmdline_size;    /* longest command line, without its NUL */
	uint64_t pref_address;    /* where the kernel prefers to run */
	uint32_t init_size;       /* memory the kernel needs from where it runs, to boot */
};

/* boot.c */
/* Check the setup header of the bzImage IMAGE (SIZE bytes) and fill BZ with pointers into
 * IMAGE. -ENOEXEC: not a bzImage (too short, no 0xaa55 boot flag or "HdrS" magic), setup
 * sectors beyond the end of the file, no kernel after them, not loaded high, no 64-bit entry
 * point or a kernel_alignment that is not a power of two; -EPROTONOSUPPORT: boot protocol
 * older than BOOT_MIN_VERSION. */
int bzimage_parse(const uint8_t *image, size_t size, struct bzimage *bz);
/* Copy the protected-mode kernel to BOOT_KERNEL_ADDR. -EFBIG when guest memory cannot hold
 * it, or the working area the kernel needs (init_size from where it will run). */
int bzimage_load(struct vm *vm, const struct bzimage *bz);
/* Where the kernel's working area ends (the initrd must start at or above it). */
uint64_t bzimage_kernel_end(const struct bzimage *bz);
/* Copy the initrd DATA (SIZE bytes) as high in guest memory as the kernel allows
 * (page-aligned, its last byte at most initrd_addr_max), above the kernel's working area.
 * Returns its address in *ADDR. -EFBIG when it does not fit. */
int initrd_load(struct vm *vm, const struct bzimage *bz, const uint8_t *data, size_t size,
                uint64_t *addr);
/* Build the zero page at BOOT_PARAMS_ADDR: a copy of the setup header from BZ, the loader
 * type 0xff, the command line CMDLINE (copied to BOOT_CMDLINE_ADDR), the initrd's
 * INITRD_ADDR and INITRD_SIZE (0, 0: none), and an e820 map of guest memory. -E2BIG when
 * CMDLINE is longer than the header's cmdline_size. */
int boot_params_build(struct vm *vm, const struct bzimage *bz, const char *cmdline,
                      uint64_t initrd_addr, uint64_t initrd_size);
/* Start at the 64-bit entry ENTRY as the boot protocol says: lesson 17's long mode with CS
 * BOOT_SEL_CODE, the data segments BOOT_SEL_DATA, interrupts off, rsi = BOOT_PARAMS_ADDR. */
int boot_set_entry(struct vm *vm, uint64_t entry);

/* platform.c */
/* Where KVM may put the TSS (3 pages) and the identity-map page it needs on Intel: a hole
 * just below 4 GiB, outside guest memory. */
#define BOOT_TSS_ADDR      0xfffbd000ULL
#define BOOT_IDENTITY_ADDR 0xfffbc000ULL
/* The machine Linux expects, made after vm_create() and BEFORE vcpu_create() (KVM refuses
 * all three once a vCPU exists): KVM_SET_TSS_ADDR, KVM_SET_IDENTITY_MAP_ADDR, then the
 * interrupt controllers and timer (lesson 18's vm_irqchip_create). */
int vm_setup_platform(struct vm *vm);
/* After vcpu_create(): the CPUID the host supports (KVM_GET_SUPPORTED_CPUID), given to the
 * vCPU (KVM_SET_CPUID2). */
int vcpu_setup_cpuid(struct vm *vm);
/* The keyboard controller (ports 0x60 and 0x64, register it with length 5): reads answer 0
 * ("no key, ready"); 0xfe written to 0x64 pulses the CPU's reset line, which Linux does with
 * reboot=k: vm->stop = VM_STOP_RESET. STATE is the struct vm. */
#define KBD_PORT 0x60
int kbd_handle(struct device *dev, uint64_t offset, bool is_write, uint8_t *data, uint32_t size);

/* serial.c: lesson 16's UART plus what a Linux console needs: an interrupt line (IRQ 4) and
 * bytes received from the host (hakovm's stdin). */
#define SERIAL_IRQ     4
#define SERIAL_RX_SIZE 256
struct serial {
	pthread_mutex_t lock; /* the vCPU and hakovm's stdin thread both use the rx ring */
	struct uart uart;     /* lesson 16's registers; serial_handle() passes the rest there */
	struct vm *vm;        /* where vm_irq_line() raises the line; NULL: no VM (tests) */
	int level;            /* the line as last set: 1 raised, 0 lowered */
	unsigned raises;      /* how many times it went from 0 to 1: the PIC counts edges */
	bool thr_empty_irq;   /* a "transmitter empty" interrupt is pending */
	uint8_t rx[SERIAL_RX_SIZE]; /* received bytes not read yet, a ring */
	unsigned rx_head, rx_count;
};
void serial_init(struct serial *s, struct vm *vm, int out_fd);
void serial_destroy(struct serial *s);
/* Queue up to N received bytes (as many as fit); returns how many were queued. */
size_t serial_receive(struct serial *s, const uint8_t *buf, size_t n);
/* The device handler: STATE is a struct serial. */
int serial_handle(struct device *dev, uint64_t offset, bool is_write, uint8_t *data, uint32_t size);

/* Lesson 19's hakovm: boot the kernel KERNEL (a bzImage, or a vmlinux ELF through lesson 17's
 * loader), with INITRD (or NULL), hakovm's command line plus APPEND (or NULL), lesson 18's
 * virtio disk backed by DISK (or NULL), on MEM_SIZE bytes of memory.
 * Runs until the guest resets or fails; returns hakovm's exit code. (linux.c, not an
 * exercise.) */
int hakovm_boot_linux(const char *kvm_path, size_t mem_size, const char *kernel, const char *initrd,
                      const char *append, const char *disk);
/* The command line hakovm gives every kernel, before --append (linux.c). */
const char *hakovm_default_cmdline(void);
/* 1 when /dev/kvm is nested, emulated KVM (the kvm_pvm module), where guest kernel code runs
 * in KVM's instruction emulator and needs the options of linux-on-emulated-kvm (linux.c). */
int kvm_is_emulated(void);

#endif
