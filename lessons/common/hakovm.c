/* hakovm.c: the `hakovm` command line — reads a guest, builds the VM from the lessons, runs it. */
#include "hakovm.h"

#include <ctype.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_MEM       (2u << 20)
#define LINUX_DEFAULT_MEM (128u << 20) /* lesson 19 */

/* What hakovm's options fill in. */
struct config {
	const char *kvm_path;
	size_t mem_size;
	bool mem_given;
	uint64_t args[VM_MAX_ARGS];
	int nargs;
	const char *disk_path;                /* lesson 18 */
	const char *kernel, *initrd, *append; /* lesson 19 */
};

static int set_mem(struct config *cfg, const char *value);
static int set_arg(struct config *cfg, const char *value);
static int set_kvm(struct config *cfg, const char *value);
static int set_disk(struct config *cfg, const char *value);
static int set_kernel(struct config *cfg, const char *value);
static int set_initrd(struct config *cfg, const char *value);
static int set_append(struct config *cfg, const char *value);

/* hakovm's options, as data: getopt's table and the help are made from this one list. */
static const struct hakovm_option {
	const char *name;  /* --NAME */
	const char *value; /* the value's name in the help; NULL: the option takes none */
	int (*set)(struct config *cfg, const char *value); /* 0, or -EINVAL; NULL for --help */
	const char *help;                                  /* one or two lines */
} options[] = {
    {"mem", "SIZE", set_mem,
     "guest memory: bytes, or with k, m or g (default 2m; 64k .. 1g,\n"
     "a multiple of 4k)"},
    {"arg", "N", set_arg,
     "an input for the guest (decimal or 0x hex, up to 4 times): in\n"
     "rdi, rsi, rdx and rcx when it starts"},
    {"kvm", "PATH", set_kvm, "the KVM device (default /dev/kvm)"},
    {"disk", "FILE", set_disk,
     "a virtio-mmio block device backed by FILE (lesson 18); it also\n"
     "makes KVM's interrupt controllers and timer, so hlt waits"},
    {"kernel", "F", set_kernel,
     "boot the Linux kernel F (bzImage or vmlinux; lesson 19);\n"
     "--mem defaults to 128m then"},
    {"initrd", "F", set_initrd, "the initramfs (a cpio archive) for --kernel"},
    {"append", "TEXT", set_append, "more kernel command line, after hakovm's own"},
    {"help", NULL, NULL, "show this help"},
};
#define NOPTIONS (sizeof(options) / sizeof(options[0]))

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: hakovm [OPTIONS] GUEST\n"
	        "       hakovm [OPTIONS] --kernel KERNEL [--initrd FILE] [--append TEXT]\n"
	        "\n"
	        "Run GUEST in a KVM virtual machine with one vCPU. GUEST is a 16-bit flat image,\n"
	        "loaded at 0x%x and started in real mode (lesson 15), or an ELF64 x86-64\n"
	        "executable, started in 64-bit long mode (lesson 17). The guest prints on a\n"
	        "16550 UART at port 0x%x (hakovm's stdout) and ends the VM by writing its\n"
	        "status to the debug-exit port 0x%x (lesson 16). Its hypercalls (port 0x%x,\n"
	        "lesson 18) read hakovm's stdin and write its stdout.\n"
	        "With --kernel, hakovm boots Linux instead (lesson 19): a bzImage, or a vmlinux\n"
	        "ELF, with the UART as its console (stdin is its keyboard); it ends when the\n"
	        "guest resets the machine (reboot=k).\n"
	        "\n"
	        "Options:\n",
	        REAL_MODE_ENTRY, UART_COM1_PORT, DEBUG_EXIT_PORT, HC_PORT);
	for (size_t i = 0; i < NOPTIONS; i++) {
		char head[32];
		snprintf(head, sizeof(head), "--%s%s%s", options[i].name,
		         options[i].value ? " " : "", options[i].value ? options[i].value : "");
		fprintf(f, "  %-14s", head);
		for (const char *c = options[i].help; *c; c++)
			fprintf(f, *c == '\n' ? "\n                " : "%c", *c);
		fputc('\n', f);
	}
	fprintf(f,
	        "With --kernel, the command line starts with hakovm's own:\n"
	        "  \"%s\"\n"
	        "\n"
	        "Exit status:\n"
	        "  N    the guest wrote N (0 .. %d) to the debug-exit port\n"
	        "  0    the guest halted (hlt), or Linux reset the machine\n"
	        "  %d  the guest triple-faulted (KVM_EXIT_SHUTDOWN)\n"
	        "  %d  KVM could not run an instruction (KVM_EXIT_INTERNAL_ERROR)\n"
	        "  %d  the CPU refused to enter the guest (KVM_EXIT_FAIL_ENTRY)\n"
	        "  %d  an exit reason hakovm does not handle, or a guest status above %d\n"
	        "  %d  hakovm could not start the VM (options, guest image, /dev/kvm)\n"
	        "A guest status above %d would look like one of hakovm's own codes (or, from\n"
	        "128 on, like a signal), so hakovm names it on stderr and exits %d.\n",
	        hakovm_default_cmdline(), HAKOVM_GUEST_STATUS_MAX, HAKOVM_EXIT_SHUTDOWN,
	        HAKOVM_EXIT_INTERNAL, HAKOVM_EXIT_FAIL_ENTRY, HAKOVM_EXIT_UNKNOWN,
	        HAKOVM_GUEST_STATUS_MAX, HAKOVM_EXIT_FAILED, HAKOVM_GUEST_STATUS_MAX,
	        HAKOVM_EXIT_UNKNOWN);
}

/* "64k", "2m", "1g" or bytes; 0 on success, -EINVAL for anything else (strtoull alone would
 * also take leading spaces and a sign). */
static int parse_size(const char *text, size_t *out)
{
	char *end;
	unsigned long long v;

	if (!isdigit((unsigned char)text[0]))
		return -EINVAL;
	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno)
		return -EINVAL;
	unsigned shift = 0;
	switch (*end) {
	case 'k':
	case 'K':
		shift = 10;
		end++;
		break;
	case 'm':
	case 'M':
		shift = 20;
		end++;
		break;
	case 'g':
	case 'G':
		shift = 30;
		end++;
		break;
	}
	if (*end || v > (1ULL << 30) >> shift)
		return -EINVAL;
	*out = (size_t)(v << shift);
	return 0;
}

/* A decimal or 0x hex number, digits only; 0 or -EINVAL. */
static int parse_u64(const char *text, uint64_t *out)
{
	char *end;

	if (!isdigit((unsigned char)text[0]))
		return -EINVAL;
	errno = 0;
	*out = strtoull(text, &end, 0);
	return errno || *end ? -EINVAL : 0;
}

static int set_mem(struct config *cfg, const char *value)
{
	size_t size;

	if (parse_size(value, &size) < 0 || size % 4096 || size < (64u << 10)) {
		fprintf(stderr, "hakovm: --mem %s: invalid size (64k .. 1g, a multiple of 4k)\n",
		        value);
		return -EINVAL;
	}
	cfg->mem_size = size;
	cfg->mem_given = true;
	return 0;
}

static int set_arg(struct config *cfg, const char *value)
{
	if (cfg->nargs == VM_MAX_ARGS || parse_u64(value, &cfg->args[cfg->nargs]) < 0) {
		fprintf(stderr, "hakovm: --arg %s: invalid (a number; at most %d)\n", value,
		        VM_MAX_ARGS);
		return -EINVAL;
	}
	cfg->nargs++;
	return 0;
}

static int set_kvm(struct config *cfg, const char *value)
{
	cfg->kvm_path = value;
	return 0;
}

static int set_disk(struct config *cfg, const char *value)
{
	cfg->disk_path = value;
	return 0;
}

static int set_kernel(struct config *cfg, const char *value)
{
	cfg->kernel = value;
	return 0;
}

static int set_initrd(struct config *cfg, const char *value)
{
	cfg->initrd = value;
	return 0;
}

static int set_append(struct config *cfg, const char *value)
{
	cfg->append = value;
	return 0;
}

/* Fill CFG from the options in ARGV; leaves optind at the first operand. Returns 0, 1 after
 * --help, or -EINVAL (the reason printed). */
static int parse_options(int argc, char **argv, struct config *cfg)
{
	struct option longopts[NOPTIONS + 1];
	int c;

	memset(longopts, 0, sizeof(longopts));
	for (size_t i = 0; i < NOPTIONS; i++)
		longopts[i] = (struct option){options[i].name,
		                              options[i].value ? required_argument : no_argument,
		                              NULL, 256 + (int)i};
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		if (c < 256) { /* getopt_long's '?': unknown, or a value missing (optopt says) */
			if (optopt >= 256)
				fprintf(stderr, "hakovm: --%s needs a value (--%s %s)\n",
				        options[optopt - 256].name, options[optopt - 256].name,
				        options[optopt - 256].value);
			else
				fprintf(stderr, "hakovm: unknown option: %s\n", argv[optind - 1]);
			fputs("Try `hakovm --help`.\n", stderr);
			return -EINVAL;
		}
		const struct hakovm_option *o = &options[c - 256];
		if (!o->set) {
			usage(stdout);
			return 1;
		}
		if (o->set(cfg, optarg) < 0)
			return -EINVAL;
	}
	return 0;
}

/* Report ERR from a step of lesson LESSON as "hakovm: WHAT: reason". */
static int fail(const char *lesson, const char *what, int err)
{
	if (err == -ENOSYS)
		fprintf(stderr, "hakovm: %s: not implemented yet (lesson %s)\n", what, lesson);
	else
		fprintf(stderr, "hakovm: %s: %s\n", what, strerror(-err));
	return HAKOVM_EXIT_FAILED;
}

/* Report ERR from a step on VM, naming the call that failed when the lesson recorded it
 * (vm_fail()): "hakovm: WHAT: KVM_GET_SREGS: reason". */
static int fail_vm(const char *lesson, const char *what, struct vm *vm, int err)
{
	if (err == -ENOSYS || !vm->failed)
		return fail(lesson, what, err);
	fprintf(stderr, "hakovm: %s: %s: %s\n", what, vm->failed, strerror(-err));
	return HAKOVM_EXIT_FAILED;
}

/* The advice for each way opening the KVM device can fail (lesson 15). */
static int fail_kvm_open(const char *path, int err)
{
	switch (err) {
	case -ENOENT:
		fprintf(
		    stderr,
		    "hakovm: %s: no such device: this machine has no KVM.\n"
		    "  Turn on hardware virtualisation (Intel VT-x or AMD-V, called \"SVM\" or\n"
		    "  \"Virtualization Technology\") in the BIOS/UEFI setup, then load the kvm\n"
		    "  module: `sudo modprobe kvm_intel` (or kvm_amd). Inside a VM, enable\n"
		    "  nested virtualisation on the host.\n",
		    path);
		break;
	case -EACCES:
	case -EPERM:
		fprintf(stderr,
		        "hakovm: %s: permission denied: add yourself to the kvm group\n"
		        "  (`sudo usermod -aG kvm $USER`, then log in again) or run as root.\n",
		        path);
		break;
	case -ENOTTY:
		fprintf(stderr, "hakovm: %s: not a KVM device (KVM_GET_API_VERSION failed)\n",
		        path);
		break;
	case -EPROTO:
		fprintf(stderr, "hakovm: %s: KVM_GET_API_VERSION is not %d: an unknown KVM\n", path,
		        KVM_API_VERSION_EXPECTED);
		break;
	default:
		return fail("15", path, err);
	}
	return HAKOVM_EXIT_FAILED;
}

static int fail_image(const char *path, size_t limit, int err)
{
	switch (err) {
	case -ENODATA:
		fprintf(stderr, "hakovm: %s: the guest image is empty\n", path);
		break;
	case -EFBIG:
		fprintf(stderr,
		        "hakovm: %s: the guest image is larger than guest memory allows (%zu bytes "
		        "from 0x%x): give more with --mem\n",
		        path, limit, REAL_MODE_ENTRY);
		break;
	case -EINVAL:
		fprintf(stderr, "hakovm: %s: not a regular file\n", path);
		break;
	case -EIO:
		fprintf(stderr,
		        "hakovm: %s: the file ended before the size it said (did it change "
		        "while hakovm read it?)\n",
		        path);
		break;
	default:
		return fail("16", path, err);
	}
	return HAKOVM_EXIT_FAILED;
}

static int fail_elf(const char *path, size_t mem_size, int err)
{
	switch (err) {
	case -ENOEXEC:
		fprintf(stderr,
		        "hakovm: %s: not a valid ELF64 x86-64 executable (bad header, or a part "
		        "outside the file)\n",
		        path);
		break;
	case -ERANGE:
		fprintf(stderr,
		        "hakovm: %s: a segment or the entry point lies outside guest memory (%zu "
		        "bytes): give more with --mem, or link the guest lower\n",
		        path, mem_size);
		break;
	case -EBUSY:
		fprintf(stderr,
		        "hakovm: %s: a segment overlaps hakovm's GDT, page tables and stack at "
		        "0x0-0x%x: "
		        "link the guest at 0x%x or above\n",
		        path, LM_RESERVED - 1, LM_RESERVED);
		break;
	default:
		return fail("17", path, err);
	}
	return HAKOVM_EXIT_FAILED;
}

/* The code hakovm exits with for a VM that stopped as vm->stop says. A guest status above
 * HAKOVM_GUEST_STATUS_MAX would be mistaken for one of hakovm's own codes: it is named on
 * stderr instead. */
static int stop_code(struct vm *vm)
{
	switch (vm->stop) {
	case VM_STOP_EXIT:
		if (vm->exit_status < 0 || vm->exit_status > HAKOVM_GUEST_STATUS_MAX) {
			fprintf(
			    stderr,
			    "hakovm: the guest wrote status %d to the debug-exit port: only 0 .. "
			    "%d can be hakovm's exit code, so it exits %d\n",
			    vm->exit_status, HAKOVM_GUEST_STATUS_MAX, HAKOVM_EXIT_UNKNOWN);
			return HAKOVM_EXIT_UNKNOWN;
		}
		return vm->exit_status;
	case VM_STOP_HALT:
	case VM_STOP_RESET:
		return 0;
	case VM_STOP_SHUTDOWN:
		return HAKOVM_EXIT_SHUTDOWN;
	case VM_STOP_INTERNAL:
		return HAKOVM_EXIT_INTERNAL;
	case VM_STOP_FAIL_ENTRY:
		return HAKOVM_EXIT_FAIL_ENTRY;
	default:
		return HAKOVM_EXIT_UNKNOWN;
	}
}

/* True when IMAGE is not an ELF file but starts as one would: 0x7f and at least two of "ELF"
 * (or all of it, cut short). Byte 0x7f is an unlikely first instruction for a 16-bit guest,
 * and running a damaged ELF header as code only fails later, somewhere puzzling. */
static bool looks_like_elf(const uint8_t *image, size_t size)
{
	int same = 0;

	if (size == 0 || image[0] != ELFMAG0)
		return false;
	for (size_t i = 1; i < SELFMAG; i++)
		same += i < size && image[i] == (uint8_t)ELFMAG[i];
	return size < SELFMAG ? same == (int)size - 1 : same >= 2;
}

/* While lesson 16 is not done: read PATH (at most LIMIT bytes) without its checks. */
static int read_lesson15(const char *path, size_t limit, uint8_t **data, size_t *size)
{
	FILE *f = fopen(path, "rb");

	if (!f)
		return -errno;
	*data = malloc(limit + 1);
	*size = *data ? fread(*data, 1, limit + 1, f) : 0;
	fclose(f);
	if (*size == 0 || *size > limit) {
		free(*data);
		*data = NULL;
		return *size ? -EFBIG : -ENODATA;
	}
	return 0;
}

/* While lesson 16 is not done, run a 16-bit guest with lesson 15's smallest loop. */
static int run_lesson15(struct vm *vm)
{
	char out[4096];

	fputs("hakovm: note: lesson 16's run loop is not written yet: using kvm_hello_run\n",
	      stderr);
	int n = kvm_hello_run(vm, out, sizeof(out));
	if (n < 0)
		return fail_vm("15", "kvm_hello_run", vm, n);
	fwrite(out, 1, (size_t)n < sizeof(out) ? (size_t)n : sizeof(out), stdout);
	return 0;
}

int main(int argc, char **argv)
{
	struct config cfg = {.kvm_path = "/dev/kvm", .mem_size = DEFAULT_MEM};
	int err, code = HAKOVM_EXIT_FAILED;

	err = parse_options(argc, argv, &cfg);
	if (err != 0)
		return err > 0 ? 0 : HAKOVM_EXIT_FAILED;
	if (cfg.kernel) {
		if (optind != argc || cfg.nargs) {
			fputs("hakovm: --kernel takes no GUEST and no --arg\n", stderr);
			return HAKOVM_EXIT_FAILED;
		}
		return hakovm_boot_linux(cfg.kvm_path,
		                         cfg.mem_given ? cfg.mem_size : LINUX_DEFAULT_MEM,
		                         cfg.kernel, cfg.initrd, cfg.append, cfg.disk_path);
	}
	if (cfg.initrd || cfg.append) {
		fputs("hakovm: --initrd and --append need --kernel\n", stderr);
		return HAKOVM_EXIT_FAILED;
	}
	const char *disk_path = cfg.disk_path;
	if (optind != argc - 1) {
		fputs("hakovm: give one GUEST image\nTry `hakovm --help`.\n", stderr);
		return HAKOVM_EXIT_FAILED;
	}
	const char *guest = argv[optind];

	/* 1. The image, checked before any VM exists (lesson 16). */
	uint8_t *image = NULL;
	size_t image_size = 0, limit = cfg.mem_size - REAL_MODE_ENTRY;
	err = guest_image_read(guest, limit, &image, &image_size);
	if (err == -ENOSYS)
		err = read_lesson15(guest, limit, &image, &image_size);
	if (err < 0)
		return fail_image(guest, limit, err);
	bool is_elf = image_size >= SELFMAG && memcmp(image, ELFMAG, SELFMAG) == 0;
	if (!is_elf && looks_like_elf(image, image_size)) {
		fprintf(
		    stderr,
		    "hakovm: %s: starts like an ELF file but its magic (7f 45 4c 46) is damaged "
		    "or cut short: refusing to run it as a 16-bit image\n",
		    guest);
		free(image);
		return HAKOVM_EXIT_FAILED;
	}

	/* The disk, opened before any VM exists (lesson 18). */
	int disk_fd = -1;
	if (disk_path) {
		disk_fd = open(disk_path, O_RDWR | O_CLOEXEC);
		if (disk_fd < 0) {
			fprintf(stderr, "hakovm: --disk %s: %s\n", disk_path, strerror(errno));
			free(image);
			return HAKOVM_EXIT_FAILED;
		}
	}

	/* 2. The VM, its memory and its vCPU (lesson 15); with a disk, the interrupt
	 * controllers first, because a vCPU gets its local APIC when it is made (lesson 18). */
	struct vm vm;
	err = vm_create(&vm, cfg.kvm_path, cfg.mem_size);
	if (err < 0) {
		free(image);
		if (err == -ENOENT || err == -EACCES || err == -EPERM || err == -ENOTTY ||
		    err == -EPROTO)
			return fail_kvm_open(cfg.kvm_path, err);
		if (disk_fd >= 0)
			close(disk_fd);
		return fail_vm("15", "making the VM", &vm, err);
	}
	if (disk_fd >= 0 && (err = vm_irqchip_create(&vm)) < 0) {
		code = fail("18", "the interrupt controllers (KVM_CREATE_IRQCHIP, KVM_CREATE_PIT2)",
		            err);
		goto out;
	}
	err = vcpu_create(&vm);
	if (err < 0) {
		code = fail_vm("15", "making the vCPU", &vm, err);
		goto out;
	}

	/* 3. The guest in memory and the vCPU's first state (15 or 17). */
	if (is_elf) {
		/* The ELF first: a bad file is refused for what it is, whatever the state of long
		 * mode. elf_load() writes only at LM_RESERVED and above, longmode_setup() below. */
		uint64_t entry;
		err = elf_load(&vm, image, image_size, &entry);
		if (err < 0) {
			code = fail_elf(guest, cfg.mem_size, err);
			goto out;
		}
		err = longmode_setup(&vm);
		if (err < 0) {
			code = fail_vm("17", "switching to long mode", &vm, err);
			goto out;
		}
		err = longmode_set_entry(&vm, entry, cfg.args, cfg.nargs);
		if (err < 0) {
			code = fail_vm("17", "setting the entry point", &vm, err);
			goto out;
		}
	} else {
		memcpy(vm.mem + REAL_MODE_ENTRY, image, image_size);
		err = vcpu_init_real_mode(&vm, REAL_MODE_ENTRY, cfg.args, cfg.nargs);
		if (err < 0) {
			code = fail_vm("15", "setting up real mode", &vm, err);
			goto out;
		}
	}
	free(image);
	image = NULL;

	/* 4. The devices, registered explicitly: this is the whole machine (lesson 16). */
	struct uart com1;
	uart_init(&com1, 1);
	struct device uart_dev = {
	    .name = "uart",
	    .base = UART_COM1_PORT,
	    .len = 8,
	    .handle = uart_handle,
	    .state = &com1,
	};
	struct device exit_dev = {
	    .name = "debug-exit",
	    .base = DEBUG_EXIT_PORT,
	    .len = 1,
	    .handle = debug_exit_handle,
	    .state = &vm,
	};
	struct hypercall hc = {.vm = &vm, .in_fd = 0, .out_fd = 1};
	struct device hc_dev = {
	    .name = "hypercall",
	    .base = HC_PORT,
	    .len = 4,
	    .handle = hypercall_handle,
	    .state = &hc,
	};
	struct virtio_blk blk;
	struct device blk_dev = {
	    .name = "virtio-blk",
	    .base = VIRTIO_MMIO_BASE,
	    .len = VIRTIO_MMIO_SIZE,
	    .handle = virtio_blk_handle,
	    .state = &blk,
	};
	if (disk_fd >= 0 && (err = virtio_blk_init(&blk, &vm, disk_fd, VIRTIO_MMIO_IRQ)) < 0) {
		if (err == -EINVAL)
			fprintf(stderr,
			        "hakovm: --disk %s: not a regular file of at least %d bytes\n",
			        disk_path, VIRTIO_BLK_SECTOR);
		else
			fail("18", disk_path, err);
		code = HAKOVM_EXIT_FAILED;
		goto out;
	}
	if ((err = bus_register(&vm.pio, &uart_dev)) < 0 ||
	    (err = bus_register(&vm.pio, &exit_dev)) < 0 ||
	    (err = bus_register(&vm.pio, &hc_dev)) < 0 ||
	    (disk_fd >= 0 && (err = bus_register(&vm.mmio, &blk_dev)) < 0)) {
		if (err == -ENOSYS && !is_elf) {
			code = run_lesson15(&vm);
			goto out;
		}
		code = fail("16", "registering the devices", err);
		goto out;
	}

	/* 5. Run until the guest stops (lesson 16). */
	err = vcpu_run(&vm);
	if (err < 0) {
		code = fail_vm("16", "running the vCPU", &vm, err);
		goto out;
	}
	code = stop_code(&vm);
	if (vm.ignored > 0)
		fprintf(stderr,
		        "hakovm: %" PRIu64 " guest access%s no device took, ignored in all\n",
		        vm.ignored, vm.ignored == 1 ? "" : "es");
	if (vm.stop != VM_STOP_EXIT && vm.stop != VM_STOP_HALT) {
		fflush(stdout);
		err = vcpu_report(&vm, stderr);
		if (err < 0)
			fail_vm("16", "the failure report", &vm, err);
	}
out:
	fflush(stdout);
	free(image);
	vm_destroy(&vm);
	if (disk_fd >= 0)
		close(disk_fd);
	return code;
}
