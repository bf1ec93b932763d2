/* linux.c: `hakovm --kernel`: boots Linux with lesson 19's functions (course code, not a task). */
#include "hakovm.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

/*
 * The order (lesson 19's README draws it):
 *
 *   read and check the kernel (bzimage_parse, or lesson 17's ELF checks for a vmlinux) and
 *   the initrd, all before a VM exists;
 *   vm_create, vm_setup_platform (TSS, irqchip + PIT), vcpu_create, vcpu_setup_cpuid;
 *   the kernel at 1 MiB (bzimage_load) or at its ELF addresses (elf_load);
 *   the initrd high (initrd_load), the zero page (boot_params_build);
 *   the vCPU at the 64-bit entry (boot_set_entry);
 *   the devices: serial console (IRQ 4), keyboard controller, CMOS clock, port 0x80,
 *   debug-exit, and with --disk lesson 18's virtio-mmio disk (on the command line);
 *   a thread that feeds hakovm's stdin to the console; vcpu_run until the guest resets.
 */

#define KERNEL_MAX (64u << 20) /* a bigger file is not a kernel for this course */

int kvm_is_emulated(void)
{
	return access("/sys/module/kvm_pvm", F_OK) == 0;
}

const char *hakovm_default_cmdline(void)
{
	/* console=ttyS0: the UART is the console; reboot=k: restart through the keyboard
	 * controller (kbd_handle), which hakovm takes as the end; panic=-1: a panic restarts at
	 * once instead of hanging. On emulated KVM (see kvm_is_emulated) the guest sees the
	 * host's CPUID whatever KVM_SET_CPUID2 said, so the features KVM's instruction emulator
	 * cannot run are switched off on the command line instead. There, guest kernel code runs
	 * in KVM's instruction emulator, so four more options skip boot work that costs seconds
	 * (lesson 19's README measures each): pty.legacy_count=0, no 512 old-style /dev/pty*
	 * devices; random.trust_cpu=on, the random generator is seeded by the CPU's RDRAND at
	 * once (otherwise every new file of the initramfs hashes the entropy pool again);
	 * rodata=off, the kernel does not write-protect its own code page by page; retain_initrd,
	 * the initramfs's memory is not overwritten and freed after unpacking. */
	if (kvm_is_emulated())
		return "console=ttyS0 reboot=k panic=-1 noxsave clearcpuid=smap,popcnt,erms,fsrm "
		       "pty.legacy_count=0 random.trust_cpu=on rodata=off retain_initrd";
	return "console=ttyS0 reboot=k panic=-1";
}

static int fail(const char *what, int err)
{
	if (err == -ENOSYS)
		fprintf(stderr, "hakovm: %s: not implemented yet (lesson 19)\n", what);
	else
		fprintf(stderr, "hakovm: %s: %s\n", what, strerror(-err));
	return HAKOVM_EXIT_FAILED;
}

/*
 * A vmlinux has no setup header: make the one a bzImage of protocol 2.15 would carry, so
 * boot_params_build() copies it into the zero page like any other (this is what Firecracker
 * does). KERNEL_END is the end of the highest PT_LOAD segment: the initrd goes above it.
 */
static void vmlinux_header(uint8_t *setup, struct bzimage *bz, uint64_t kernel_end)
{
	memset(setup, 0, 1024);
	setup[0x1f1] = 1;    /* setup_sects */
	setup[0x1fe] = 0x55; /* boot_flag 0xaa55 */
	setup[0x1ff] = 0xaa;
	setup[0x200] = 0xeb; /* jmp: the header ends at 0x202 + 0x66 = 0x268 */
	setup[0x201] = 0x66;
	memcpy(setup + 0x202, "HdrS", 4);
	setup[0x206] = 0x0f; /* version 2.15 */
	setup[0x207] = 0x02;
	setup[0x211] = 0x01;     /* loadflags: LOADED_HIGH */
	uint32_t v = 0x7fffffff; /* initrd_addr_max */
	memcpy(setup + 0x22c, &v, 4);
	v = 0x200000; /* kernel_alignment */
	memcpy(setup + 0x230, &v, 4);
	setup[0x236] = 0x01; /* xloadflags: XLF_KERNEL_64 */
	v = 2047;            /* cmdline_size */
	memcpy(setup + 0x238, &v, 4);

	memset(bz, 0, sizeof(*bz));
	bz->setup = setup;
	bz->setup_size = 1024;
	bz->version = 0x020f;
	bz->kernel_alignment = 0x200000;
	bz->initrd_addr_max = 0x7fffffff;
	bz->cmdline_size = 2047;
	bz->init_size = (uint32_t)kernel_end; /* from pref_address 0: the whole image */
}

/*
 * An Intel MultiProcessor (MP) table: how a PC without ACPI tells its kernel about its CPUs,
 * its buses and its interrupt controllers (the "MultiProcessor Specification" 1.4; Linux's
 * arch/x86/kernel/mpparse.c reads it). Linux looks for the 16-byte *floating pointer* "_MP_"
 * in the first KiB of memory, in the last KiB below 640 KiB, then in the 64 KiB of BIOS at
 * 0xf0000, one 16-byte step at a time; that last search alone takes one to two seconds in
 * KVM's instruction emulator. hakovm puts the pointer where it is found quickly, at
 * BOOT_LOW_RAM_END (the last KiB below 640 KiB, which the e820 map reserves), and the table
 * right after it: one CPU, an ISA bus, KVM's IOAPIC (KVM_CREATE_IRQCHIP, at its usual
 * 0xfec00000), ISA interrupts 0-15 on IOAPIC pins 0-15 (KVM's default routing: PIT on 0, the
 * UART's IRQ 4 on 4), and the local APIC's LINT0/LINT1 inputs as a PC wires them.
 */
#define MP_IOAPIC_ADDR 0xfec00000u
#define MP_LAPIC_ADDR  0xfee00000u

static void mp_put(uint8_t *p, size_t off, uint32_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[off + i] = (uint8_t)(v >> (8 * i));
}

static uint8_t mp_checksum(const uint8_t *p, size_t n)
{
	uint8_t sum = 0;
	for (size_t i = 0; i < n; i++)
		sum = (uint8_t)(sum + p[i]);
	return (uint8_t)-sum; /* the byte that makes the sum 0 */
}

static void mptable_write(struct vm *vm)
{
	enum { FP = 16, HDR = 44, CPU = 20, BUS = 8, IOAPIC = 8, IRQ = 8, N_ISA = 16 };
	size_t len = HDR + CPU + BUS + IOAPIC + (N_ISA + 2) * IRQ;
	uint8_t *fp = guest_mem(vm, BOOT_LOW_RAM_END, FP + len);
	if (!fp || vm->mem_size < BOOT_KERNEL_ADDR)
		return; /* no room: Linux searches, finds nothing and boots without it */
	uint8_t *t = fp + FP, *e = t + HDR;
	memset(fp, 0, FP + len);

	memcpy(fp, "_MP_", 4);                   /* the floating pointer */
	mp_put(fp, 4, BOOT_LOW_RAM_END + FP, 4); /* physptr: the table */
	fp[8] = 1;                               /* length, in 16-byte units */
	fp[9] = 4;                               /* specification 1.4 */
	fp[10] = mp_checksum(fp, FP);            /* feature bytes 0: the table describes all */

	memcpy(t, "PCMP", 4); /* the table's header */
	mp_put(t, 4, (uint32_t)len, 2);
	t[6] = 4; /* 1.4 */
	memcpy(t + 8, "HAKO    ", 8);
	memcpy(t + 16, "HAKOVM      ", 12);
	mp_put(t, 34, 3 + N_ISA + 2, 2); /* entry count */
	mp_put(t, 36, MP_LAPIC_ADDR, 4);

	e[0] = 0;     /* processor: */
	e[1] = 0;     /* local APIC id 0 */
	e[2] = 0x14;  /* its version */
	e[3] = 1 | 2; /* enabled, the boot processor */
	e += CPU;     /* (signature and feature flags: Linux reads CPUID) */
	e[0] = 1;     /* bus: */
	e[1] = 0;     /* id 0 */
	memcpy(e + 2, "ISA   ", 6);
	e += BUS;
	e[0] = 2;    /* IOAPIC: */
	e[1] = 1;    /* id 1 */
	e[2] = 0x11; /* version */
	e[3] = 1;    /* enabled */
	mp_put(e, 4, MP_IOAPIC_ADDR, 4);
	e += IOAPIC;
	for (int irq = 0; irq < N_ISA; irq++, e += IRQ) {
		e[0] = 3; /* I/O interrupt: */
		e[1] = 0; /* an ordinary interrupt; flags 0: the bus's default (ISA: edge, high) */
		e[4] = 0; /* from bus 0 */
		e[5] = (uint8_t)irq;
		e[6] = 1;            /* to IOAPIC 1 */
		e[7] = (uint8_t)irq; /* pin */
	}
	e[0] = 4; /* local interrupt: */
	e[1] = 3; /* ExtINT: the 8259 PIC */
	e[7] = 0; /* on every local APIC's (0xff) LINT0 */
	e[6] = 0xff;
	e += IRQ;
	e[0] = 4; /* local interrupt: */
	e[1] = 1; /* NMI */
	e[6] = 0xff;
	e[7] = 1; /* on LINT1 */
	t[7] = mp_checksum(t, len);
}

/* The end of the highest PT_LOAD of the ELF IMAGE, or 0 if the header is broken (elf_load()
 * checks it properly later). */
static uint64_t elf_end(const uint8_t *image, size_t size)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)image;
	uint64_t end = 0, phend;

	if (size < sizeof(*eh) || eh->e_phentsize != sizeof(Elf64_Phdr) ||
	    __builtin_mul_overflow((uint64_t)eh->e_phnum, sizeof(Elf64_Phdr), &phend) ||
	    __builtin_add_overflow(phend, eh->e_phoff, &phend) || phend > size)
		return 0;
	for (int i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr ph;
		memcpy(&ph, image + eh->e_phoff + i * sizeof(ph), sizeof(ph));
		uint64_t e;
		if (ph.p_type == PT_LOAD && !__builtin_add_overflow(ph.p_paddr, ph.p_memsz, &e) &&
		    e > end)
			end = e;
	}
	return end;
}

/*
 * The CMOS clock at ports 0x70 (index) and 0x71 (data), as little of it as Linux needs to
 * stop asking: a clock that is not updating (status A), 24-hour BCD (status B), valid
 * (status D), and says 2000-01-01 00:00:00. Without it every read answers 0xff, "update in
 * progress", and the kernel polls it again and again.
 */
struct cmos {
	uint8_t index;
};

static int cmos_handle(struct device *dev, uint64_t offset, bool is_write, uint8_t *data,
                       uint32_t size)
{
	struct cmos *c = dev->state;

	if (size != 1)
		return -EINVAL;
	if (offset == 0) {
		if (is_write)
			c->index = data[0] & 0x7f; /* bit 7 masks NMIs on a PC */
		else
			data[0] = 0xff;
		return 0;
	}
	if (is_write)
		return 0;
	switch (c->index) {
	case 0x0a:
		data[0] = 0x26;
		break; /* status A: divider on, UIP clear */
	case 0x0b:
		data[0] = 0x02;
		break; /* status B: 24-hour, BCD */
	case 0x0d:
		data[0] = 0x80;
		break; /* status D: the battery is fine */
	case 0x07:
	case 0x08:
		data[0] = 0x01;
		break; /* day of month, month: 1 */
	default:
		data[0] = 0;
		break;
	}
	return 0;
}

/* Port 0x80, where a PC's firmware posts progress codes: Linux writes it as a tiny delay
 * between slow I/O accesses. Nothing to do, and nothing worth reporting. */
static int post_handle(struct device *dev, uint64_t offset, bool is_write, uint8_t *data,
                       uint32_t size)
{
	(void)dev;
	(void)offset;
	if (!is_write)
		memset(data, 0xff, size);
	return 0;
}

/* Whether the guest's driver has receive interrupts on, i.e. has opened the console. */
static bool serial_listening(struct serial *s)
{
	pthread_mutex_lock(&s->lock);
	bool on = s->uart.ier & 0x01;
	pthread_mutex_unlock(&s->lock);
	return on;
}

/* hakovm's stdin, fed to the console as the guest makes room. Bytes wait in the pipe or
 * terminal until Linux has opened the port (it clears the UART's FIFO when it does), like a
 * terminal with flow control: piped input is not lost. */
static void *stdin_thread(void *arg)
{
	struct serial *s = arg;
	uint8_t buf[64];

	for (;;) {
		if (!serial_listening(s)) {
			usleep(10000);
			continue;
		}
		ssize_t n = read(0, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return NULL;
		for (size_t done = 0; done < (size_t)n;) {
			size_t k = serial_receive(s, buf + done, (size_t)n - done);
			done += k;
			if (k == 0)
				usleep(10000); /* the guest has not read the ring yet */
		}
	}
}

static const char *describe(int err)
{
	switch (err) {
	case -ENOEXEC:
		return "not a bzImage or vmlinux this course can boot (bad magic, setup sectors "
		       "beyond the end of the file, or no 64-bit entry point)";
	case -EPROTONOSUPPORT:
		return "boot protocol older than 2.12: the kernel has no 64-bit entry point";
	case -EFBIG:
		return "does not fit in guest memory: give more with --mem";
	case -E2BIG:
		return "the command line is longer than the kernel accepts";
	}
	return strerror(-err);
}

int hakovm_boot_linux(const char *kvm_path, size_t mem_size, const char *kernel, const char *initrd,
                      const char *append, const char *disk)
{
	uint8_t *image = NULL, *rd = NULL, setup[1024];
	size_t image_size = 0, rd_size = 0;
	struct bzimage bz;
	struct vm vm = {.kvm_fd = -1, .vm_fd = -1, .vcpu_fd = -1};
	char *cmdline = NULL;
	int err, code = HAKOVM_EXIT_FAILED;
	bool is_elf, thread = false, raw = false;
	pthread_t tid;
	struct termios saved;
	struct serial com1;
	uint64_t rd_addr = 0, entry = BOOT_KERNEL_ADDR + 0x200;
	int disk_fd = -1;
	struct virtio_blk blk;
	char disk_arg[64] = "";

	/* 1. Everything read and checked before any VM exists. */
	err = guest_image_read(kernel, KERNEL_MAX, &image, &image_size);
	if (err < 0) {
		fprintf(stderr, "hakovm: %s: %s\n", kernel,
		        err == -ENODATA ? "the kernel is empty" : strerror(-err));
		return HAKOVM_EXIT_FAILED;
	}
	is_elf = image_size >= 4 && memcmp(image, ELFMAG, SELFMAG) == 0;
	if (is_elf) {
		uint64_t end = elf_end(image, image_size);
		if (end == 0 || end > UINT32_MAX) {
			fprintf(stderr, "hakovm: %s: not a valid vmlinux (ELF64 x86-64)\n", kernel);
			goto out;
		}
		vmlinux_header(setup, &bz, end);
	} else {
		err = bzimage_parse(image, image_size, &bz);
		if (err < 0) {
			if (err == -ENOSYS)
				fail("bzimage_parse", err);
			else
				fprintf(stderr, "hakovm: %s: %s\n", kernel, describe(err));
			goto out;
		}
	}
	if (initrd) {
		err = guest_image_read(initrd, mem_size, &rd, &rd_size);
		if (err < 0) {
			fprintf(stderr, "hakovm: %s: %s\n", initrd,
			        err == -EFBIG     ? "the initrd is larger than guest memory: give "
			                            "more with --mem"
			        : err == -ENODATA ? "the initrd is empty"
			                          : strerror(-err));
			goto out;
		}
	}
	if (disk) {
		/* Lesson 18's virtio-mmio disk: Linux finds it through the command line. */
		disk_fd = open(disk, O_RDWR | O_CLOEXEC);
		if (disk_fd < 0) {
			fprintf(stderr, "hakovm: --disk %s: %s\n", disk, strerror(errno));
			goto out;
		}
		snprintf(disk_arg, sizeof(disk_arg), " virtio_mmio.device=4K@0x%llx:%d",
		         (unsigned long long)VIRTIO_MMIO_BASE, VIRTIO_MMIO_IRQ);
	}
	const char *base = hakovm_default_cmdline();
	size_t len = strlen(base) + strlen(disk_arg) + (append ? strlen(append) + 1 : 0) + 1;
	cmdline = malloc(len);
	if (!cmdline)
		goto out;
	snprintf(cmdline, len, "%s%s%s%s", base, disk_arg, append ? " " : "", append ? append : "");

	/* 2. The VM and the machine around the CPU. */
	err = vm_create(&vm, kvm_path, mem_size);
	if (err < 0) {
		code = fail("making the VM (KVM_CREATE_VM)", err);
		goto out;
	}
	err = vm_setup_platform(&vm);
	if (err < 0) {
		code = fail("the platform (TSS, identity map, irqchip)", err);
		goto out;
	}
	err = vcpu_create(&vm);
	if (err < 0) {
		code = fail("making the vCPU", err);
		goto out;
	}
	err = vcpu_setup_cpuid(&vm);
	if (err < 0) {
		code = fail("CPUID (KVM_GET_SUPPORTED_CPUID, KVM_SET_CPUID2)", err);
		goto out;
	}

	/* 3. Kernel, initrd, zero page, entry state. */
	if (is_elf) {
		err = elf_load(&vm, image, image_size, &entry);
		if (err < 0) {
			fprintf(stderr, "hakovm: %s: %s\n", kernel,
			        err == -ERANGE
			            ? "does not fit in guest memory: give more with --mem"
			            : strerror(-err));
			goto out;
		}
	} else if ((err = bzimage_load(&vm, &bz)) < 0) {
		if (err == -ENOSYS)
			fail("bzimage_load", err);
		else
			fprintf(stderr, "hakovm: %s: %s (%zu bytes)\n", kernel, describe(err),
			        mem_size);
		goto out;
	}
	if (rd && (err = initrd_load(&vm, &bz, rd, rd_size, &rd_addr)) < 0) {
		if (err == -ENOSYS)
			fail("initrd_load", err);
		else
			fprintf(stderr,
			        "hakovm: %s: the initrd does not fit above the kernel in guest "
			        "memory (%zu bytes): give more with --mem\n",
			        initrd, mem_size);
		goto out;
	}
	err = boot_params_build(&vm, &bz, cmdline, rd_addr, rd_size);
	if (err < 0) {
		if (err == -E2BIG)
			fprintf(stderr, "hakovm: --append: %s (%zu bytes, at most %u)\n",
			        describe(err), strlen(cmdline), bz.cmdline_size);
		else
			fail(err == -ENOSYS ? "boot_params_build" : "the zero page", err);
		goto out;
	}
	mptable_write(&vm);
	err = boot_set_entry(&vm, entry);
	if (err < 0) {
		code = fail("the 64-bit entry state", err);
		goto out;
	}
	free(image);
	image = NULL;
	free(rd);
	rd = NULL;

	/* 4. The devices. */
	serial_init(&com1, &vm, 1);
	struct device serial_dev = {.name = "serial",
	                            .base = UART_COM1_PORT,
	                            .len = 8,
	                            .handle = serial_handle,
	                            .state = &com1};
	struct device kbd_dev = {
	    .name = "i8042", .base = KBD_PORT, .len = 5, .handle = kbd_handle, .state = &vm};
	struct cmos cmos = {0};
	struct device cmos_dev = {
	    .name = "cmos", .base = 0x70, .len = 2, .handle = cmos_handle, .state = &cmos};
	struct device post_dev = {.name = "post", .base = 0x80, .len = 1, .handle = post_handle};
	struct device exit_dev = {.name = "debug-exit",
	                          .base = DEBUG_EXIT_PORT,
	                          .len = 1,
	                          .handle = debug_exit_handle,
	                          .state = &vm};
	struct device blk_dev = {.name = "virtio-blk",
	                         .base = VIRTIO_MMIO_BASE,
	                         .len = VIRTIO_MMIO_SIZE,
	                         .handle = virtio_blk_handle,
	                         .state = &blk};
	if (disk_fd >= 0 && (err = virtio_blk_init(&blk, &vm, disk_fd, VIRTIO_MMIO_IRQ)) < 0) {
		code = fail(disk, err);
		goto out_serial;
	}
	if ((disk_fd >= 0 && (err = bus_register(&vm.mmio, &blk_dev)) < 0) ||
	    (err = bus_register(&vm.pio, &serial_dev)) < 0 ||
	    (err = bus_register(&vm.pio, &kbd_dev)) < 0 ||
	    (err = bus_register(&vm.pio, &cmos_dev)) < 0 ||
	    (err = bus_register(&vm.pio, &post_dev)) < 0 ||
	    (err = bus_register(&vm.pio, &exit_dev)) < 0) {
		code = fail("registering the devices", err);
		goto out_serial;
	}

	/* 5. Input, then run. On a terminal, keys go to the guest as typed (its shell echoes
	 * them); Ctrl-C still stops hakovm. */
	if (isatty(0) && tcgetattr(0, &saved) == 0) {
		struct termios t = saved;
		cfmakeraw(&t);
		t.c_lflag |= ISIG;
		t.c_oflag |= OPOST | ONLCR;
		raw = tcsetattr(0, TCSANOW, &t) == 0;
	}
	thread = pthread_create(&tid, NULL, stdin_thread, &com1) == 0;
	err = vcpu_run(&vm);
	if (err < 0) {
		code = fail("running the vCPU (KVM_RUN)", err);
		goto out_serial;
	}
	fflush(stdout);
	switch (vm.stop) {
	case VM_STOP_RESET:
		code = 0;
		break;
	case VM_STOP_EXIT:
		code = vm.exit_status;
		break;
	default:
		code = vm.stop == VM_STOP_SHUTDOWN   ? HAKOVM_EXIT_SHUTDOWN
		       : vm.stop == VM_STOP_INTERNAL ? HAKOVM_EXIT_INTERNAL
		                                     : HAKOVM_EXIT_UNKNOWN;
		vcpu_report(&vm, stderr);
		break;
	}
out_serial:
	if (thread) {
		pthread_cancel(tid);
		pthread_join(tid, NULL);
	}
	if (raw)
		tcsetattr(0, TCSANOW, &saved);
	serial_destroy(&com1);
out:
	fflush(stdout);
	if (disk_fd >= 0)
		close(disk_fd);
	free(cmdline);
	free(image);
	free(rd);
	vm_destroy(&vm);
	return code;
}
