/* test_boot.c: graded tests for lesson 19 — the boot protocol, the console, booting Linux. */
#include "hako_test.h"
#include "hakovm.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/kvm.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- helpers: a fake VM, header fields, the probe bzImage ---- */

/* A VM without KVM: just memory. Free vm->mem when done. */
static void fake_vm(struct vm *vm, size_t mem)
{
	memset(vm, 0, sizeof(*vm));
	vm->kvm_fd = vm->vm_fd = vm->vcpu_fd = -1;
	vm->mem = calloc(1, mem);
	vm->mem_size = mem;
	check_that(vm->mem != NULL, "out of memory");
}

static void put(uint8_t *p, size_t off, uint64_t v, size_t n)
{
	memcpy(p + off, &v, n);
}

static uint64_t get(const uint8_t *p, size_t off, size_t n)
{
	uint64_t v = 0;
	memcpy(&v, p + off, n);
	return v;
}

/* What the tests put in a setup header. */
struct hdr {
	unsigned setup_sects; /* the byte in the file: 0 means 4 */
	uint16_t version;
	uint8_t loadflags;
	uint16_t xloadflags;
	uint8_t relocatable;
	uint32_t kernel_alignment, initrd_addr_max, cmdline_size, init_size;
	uint64_t pref_address;
};

/* A plausible header with random values where the protocol allows them. The kernel runs at
 * 1 MiB rounded up to its alignment (pref_address is 1 MiB), so tests can predict where the
 * working area ends. */
static struct hdr random_hdr(size_t kernel_size)
{
	struct hdr h = {
	    .setup_sects = (unsigned)hako_rand_range(0, 12),
	    .version = (uint16_t)hako_rand_range(BOOT_MIN_VERSION, 0x020f),
	    .loadflags = (uint8_t)(0x01 | (hako_rand() & 0xe0)),
	    .xloadflags = (uint16_t)(0x01 | (hako_rand() & 0x02)),
	    .relocatable = 1,
	    .kernel_alignment = 1u << hako_rand_range(12, 21),
	    .cmdline_size = (uint32_t)hako_rand_range(255, 2047),
	    .pref_address = BOOT_KERNEL_ADDR,
	};
	h.init_size =
	    (uint32_t)((kernel_size + 0x10000 + (size_t)hako_rand_range(0, 64) * 4096 + 0xfff) &
	               ~(size_t)0xfff);
	h.initrd_addr_max = 0x7fffffff;
	return h;
}

static size_t setup_bytes(const struct hdr *h)
{
	return ((h->setup_sects ? h->setup_sects : 4) + 1) * 512;
}

/* A bzImage: boot sector and setup sectors of random bytes with the header H in them, then
 * KERNEL. Free the result. */
static uint8_t *make_bzimage(const struct hdr *h, const uint8_t *kernel, size_t kernel_size,
                             size_t *size)
{
	size_t setup = setup_bytes(h);
	uint8_t *img = malloc(setup + kernel_size);

	check_that(img != NULL, "out of memory");
	for (size_t i = 0; i < setup; i++)
		img[i] = (uint8_t)hako_rand();
	img[0x1f1] = (uint8_t)h->setup_sects;
	put(img, 0x1fe, 0xaa55, 2);
	img[0x200] = 0xeb;
	img[0x201] = 0x66; /* the header ends at 0x268 */
	memcpy(img + 0x202, "HdrS", 4);
	put(img, 0x206, h->version, 2);
	img[0x211] = h->loadflags;
	put(img, 0x22c, h->initrd_addr_max, 4);
	put(img, 0x230, h->kernel_alignment, 4);
	img[0x234] = h->relocatable;
	put(img, 0x236, h->xloadflags, 2);
	put(img, 0x238, h->cmdline_size, 4);
	put(img, 0x258, h->pref_address, 8);
	put(img, 0x260, h->init_size, 4);
	memcpy(img + setup, kernel, kernel_size);
	*size = setup + kernel_size;
	return img;
}

static uint8_t *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	check_that(f != NULL, "cannot open %s: %s", path, strerror(errno));
	uint8_t *buf = malloc(4 << 20);
	*size = fread(buf, 1, 4 << 20, f);
	fclose(f);
	return buf;
}

static const char *write_tmp(const char *dir, const char *name, const uint8_t *data, size_t size)
{
	static char paths[4][512];
	static int next;
	char *path = paths[next++ % 4];

	snprintf(path, sizeof(paths[0]), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	check_that(f != NULL, "cannot write %s", path);
	check_that(fwrite(data, 1, size, f) == size, "short write to %s", path);
	fclose(f);
	return path;
}

/* The probe's protected-mode part that tests.mk built. */
static uint8_t *probe_kernel(size_t *size)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/probe.bin", hako_out_dir());
	return read_file(path, size);
}

/* One run of hakovm with the probe bzImage: the header, memory, initrd and command line it
 * used, and what the probe reported. */
struct probe_run {
	struct hdr h;
	size_t mem;
	uint8_t *file; /* the bzImage */
	size_t file_size;
	uint8_t *initrd;
	size_t initrd_size;
	char append[64];
	struct hako_run r;
};

static void run_probe(struct probe_run *p, bool with_initrd)
{
	size_t ksize;
	uint8_t *kernel = probe_kernel(&ksize);
	char *dir = hako_tmpdir();

	hako_require_kvm();
	memset(p, 0, sizeof(*p));
	p->h = random_hdr(ksize);
	p->mem = (size_t)hako_rand_range(4, 24) << 20;
	p->file = make_bzimage(&p->h, kernel, ksize, &p->file_size);
	free(kernel);
	char word[16];
	hako_rand_name(word, 12);
	snprintf(p->append, sizeof(p->append), "probe.word=%s", word);

	const char *args[12] = {"--kernel", write_tmp(dir, "probe.bzImage", p->file, p->file_size),
	                        "--mem",    NULL,
	                        "--append", p->append};
	char mem[32];
	snprintf(mem, sizeof(mem), "%zu", p->mem);
	args[3] = mem;
	if (with_initrd) {
		p->initrd_size =
		    (size_t)hako_rand_range(1, 16) * 4096 - (size_t)hako_rand_range(0, 4095);
		p->initrd = malloc(p->initrd_size);
		for (size_t i = 0; i < p->initrd_size; i++)
			p->initrd[i] = (uint8_t)hako_rand();
		args[6] = "--initrd";
		args[7] = write_tmp(dir, "initrd.img", p->initrd, p->initrd_size);
	}
	hako_run_prog(&p->r, "hakovm", args, NULL, 15000);
	check_exit(&p->r, 0,
	           "hakovm --kernel probe.bzImage (the probe resets the machine at the end)");
	check_contains(p->r.out, "probe: done", "the probe's report");
}

/* The value the probe reported for KEY ("probe: KEY=0x..."). */
static uint64_t probe_value(const struct probe_run *p, const char *key)
{
	char pat[64];
	snprintf(pat, sizeof(pat), "probe: %s=", key);
	const char *at = strstr(p->r.out, pat);
	check_that(at != NULL, "the probe did not report %s; it printed:\n%s", key, p->r.out);
	return strtoull(at + strlen(pat), NULL, 16);
}

/* The rest of the line the probe printed after "probe: KEY=" (static buffer). */
static const char *probe_text(const struct probe_run *p, const char *key)
{
	static char buf[4096];
	char pat[64];
	snprintf(pat, sizeof(pat), "probe: %s=", key);
	const char *at = strstr(p->r.out, pat);
	check_that(at != NULL, "the probe did not report %s; it printed:\n%s", key, p->r.out);
	at += strlen(pat);
	size_t n = strcspn(at, "\n");
	if (n >= sizeof(buf))
		n = sizeof(buf) - 1;
	memcpy(buf, at, n);
	buf[n] = '\0';
	return buf;
}

static void free_probe(struct probe_run *p)
{
	free(p->file);
	free(p->initrd);
	hako_run_free(&p->r);
}

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

/* Where the initrd must go for a probe run: as high as allowed, page-aligned. */
static uint64_t expected_initrd(const struct probe_run *p)
{
	uint64_t top = (uint64_t)p->h.initrd_addr_max + 1;
	if (top > p->mem)
		top = p->mem;
	return (top - p->initrd_size) & ~0xfffULL;
}

/* ---- bzimage_parse ---- */

/* This test checks that bzimage_parse() finds the setup part, the kernel and every header
 * field of a valid bzImage with random setup_sects (0 meaning 4) and random field values. */
static void test_bzimage_parse_fields(void **state)
{
	(void)state;
	uint8_t kernel[3000];
	for (size_t i = 0; i < sizeof(kernel); i++)
		kernel[i] = (uint8_t)hako_rand();
	struct hdr h = random_hdr(sizeof(kernel));
	h.initrd_addr_max = (uint32_t)hako_rand_range(0x1000000, 0x7fffffff);
	h.pref_address = (uint64_t)hako_rand_range(1, 64) << 20;
	h.relocatable = (uint8_t)(hako_rand() & 1);
	size_t size;
	uint8_t *img = make_bzimage(&h, kernel, sizeof(kernel), &size);
	struct bzimage bz;

	int err = bzimage_parse(img, size, &bz);
	check_int(err, 0, "bzimage_parse() of a valid bzImage");
	check_int(bz.setup_size, setup_bytes(&h), "setup_size ((setup_sects + 1) * 512, 0 is 4)");
	check_that(bz.setup == img, "bz.setup must point at the start of the image");
	check_that(bz.kernel == img + setup_bytes(&h),
	           "bz.kernel must point just after the setup sectors");
	check_int(bz.kernel_size, sizeof(kernel), "kernel_size");
	check_int(bz.version, h.version, "version");
	check_int(bz.loadflags, h.loadflags, "loadflags");
	check_int(bz.xloadflags, h.xloadflags, "xloadflags");
	check_int(bz.relocatable, h.relocatable != 0, "relocatable");
	check_int(bz.kernel_alignment, h.kernel_alignment, "kernel_alignment");
	check_int(bz.initrd_addr_max, h.initrd_addr_max, "initrd_addr_max");
	check_int(bz.cmdline_size, h.cmdline_size, "cmdline_size");
	check_int(bz.pref_address, h.pref_address, "pref_address");
	check_int(bz.init_size, h.init_size, "init_size");
	free(img);

	/* setup_sects 0 is an old convention for 4. */
	h.setup_sects = 0;
	img = make_bzimage(&h, kernel, sizeof(kernel), &size);
	check_int(bzimage_parse(img, size, &bz), 0, "bzimage_parse() with setup_sects 0");
	check_int(bz.setup_size, 5 * 512, "setup_size when setup_sects is 0 (it means 4)");
	check_int(bz.kernel_size, sizeof(kernel), "kernel_size when setup_sects is 0");
	free(img);
}

/* This test checks that bzimage_parse() refuses what is not a bzImage it can boot: bad boot
 * flag, bad "HdrS" magic, a file too short for the header (-ENOEXEC), a protocol older than
 * 2.12 (-EPROTONOSUPPORT). */
static void test_bzimage_parse_bad_magic(void **state)
{
	(void)state;
	uint8_t kernel[512] = {1};
	struct hdr h = random_hdr(sizeof(kernel));
	size_t size;
	uint8_t *img = make_bzimage(&h, kernel, sizeof(kernel), &size);
	struct bzimage bz;

	img[0x1fe] ^= 0xff;
	check_int(bzimage_parse(img, size, &bz), -ENOEXEC, "boot flag 0x55aa-swapped");
	img[0x1fe] ^= 0xff;
	img[0x202 + hako_rand_range(0, 3)] ^= 0x20;
	check_int(bzimage_parse(img, size, &bz), -ENOEXEC, "magic \"HdrS\" with a changed letter");
	free(img);
	img = make_bzimage(&h, kernel, sizeof(kernel), &size);
	check_int(bzimage_parse(img, 0x260, &bz), -ENOEXEC,
	          "a file that ends inside the header (0x260 bytes)");
	put(img, 0x206, hako_rand_range(0x0200, BOOT_MIN_VERSION - 1), 2);
	check_int(bzimage_parse(img, size, &bz), -EPROTONOSUPPORT, "boot protocol older than 2.12");
	free(img);
}

/* This test checks that bzimage_parse() refuses a file whose setup sectors reach past its
 * end (or leave no kernel), and headers without LOADED_HIGH, without a 64-bit entry, or with
 * a kernel_alignment that is not a power of two (-ENOEXEC each). */
static void test_bzimage_parse_bad_layout(void **state)
{
	(void)state;
	uint8_t kernel[1024] = {1};
	struct hdr h = random_hdr(sizeof(kernel));
	h.setup_sects = (unsigned)hako_rand_range(1, 12);
	size_t size;
	uint8_t *img = make_bzimage(&h, kernel, sizeof(kernel), &size);
	struct bzimage bz;

	check_int(bzimage_parse(img, size, &bz), 0, "the valid image first");
	img[0x1f1] = (uint8_t)(h.setup_sects + 2 + hako_rand_range(0, 100));
	check_int(bzimage_parse(img, size, &bz), -ENOEXEC,
	          "setup_sects beyond the end of the file");
	img[0x1f1] = (uint8_t)(h.setup_sects + 2);
	check_int(bzimage_parse(img, size, &bz), -ENOEXEC,
	          "setup sectors that end exactly at the end of the file (no kernel)");
	img[0x1f1] = (uint8_t)h.setup_sects;
	img[0x211] &= (uint8_t)~0x01;
	check_int(bzimage_parse(img, size, &bz), -ENOEXEC, "loadflags without LOADED_HIGH");
	img[0x211] |= 0x01;
	put(img, 0x236, 0x02, 2);
	check_int(bzimage_parse(img, size, &bz), -ENOEXEC, "xloadflags without XLF_KERNEL_64");
	put(img, 0x236, 0x01, 2);
	put(img, 0x230, h.kernel_alignment | (h.kernel_alignment >> hako_rand_range(1, 4)), 4);
	check_int(bzimage_parse(img, size, &bz), -ENOEXEC, "kernel_alignment not a power of two");
	put(img, 0x230, 0, 4);
	check_int(bzimage_parse(img, size, &bz), -ENOEXEC, "kernel_alignment 0");
	free(img);
}

/* ---- loading ---- */

/* This test checks that bzimage_load() copies the protected-mode kernel to 1 MiB, and refuses
 * (-EFBIG, copying nothing) a kernel or working area larger than guest memory. */
static void test_bzimage_load(void **state)
{
	(void)state;
	size_t ksize = (size_t)hako_rand_range(10000, 200000);
	uint8_t *kernel = malloc(ksize);
	for (size_t i = 0; i < ksize; i++)
		kernel[i] = (uint8_t)hako_rand();
	struct hdr h = random_hdr(ksize);
	size_t size;
	uint8_t *img = make_bzimage(&h, kernel, ksize, &size);
	struct bzimage bz;
	struct vm vm;

	check_int(bzimage_parse(img, size, &bz), 0, "bzimage_parse()");
	fake_vm(&vm, 4u << 20);
	check_int(bzimage_load(&vm, &bz), 0, "bzimage_load() into 4 MiB");
	check_that(memcmp(vm.mem + BOOT_KERNEL_ADDR, kernel, ksize) == 0,
	           "the kernel's bytes must be at guest address 0x100000");
	free(vm.mem);

	/* Working area past the end of memory: init_size counts, not only the file. */
	fake_vm(&vm, 4u << 20);
	put(img, 0x260, (4u << 20) - BOOT_KERNEL_ADDR + (size_t)hako_rand_range(1, 8) * 4096, 4);
	check_int(bzimage_parse(img, size, &bz), 0, "bzimage_parse()");
	check_int(bzimage_load(&vm, &bz), -EFBIG, "init_size beyond the end of guest memory");
	check_int(vm.mem[BOOT_KERNEL_ADDR], 0, "nothing copied when refusing");
	free(vm.mem);

	/* The file itself larger than memory. */
	fake_vm(&vm, BOOT_KERNEL_ADDR + ksize - (size_t)hako_rand_range(1, 999));
	put(img, 0x260, 4096, 4);
	put(img, 0x230, 4096, 4); /* so that only the file is too large, not the working area */
	check_int(bzimage_parse(img, size, &bz), 0, "bzimage_parse()");
	check_int(bzimage_load(&vm, &bz), -EFBIG, "a kernel larger than guest memory");
	free(vm.mem);
	free(img);
	free(kernel);
}

/* This test checks that initrd_load() puts the initrd as high as allowed (page-aligned, below
 * initrd_addr_max and the end of memory) and refuses one that would reach into the kernel's
 * working area. */
static void test_initrd_load(void **state)
{
	(void)state;
	uint8_t kernel[4096] = {1};
	struct hdr h = random_hdr(sizeof(kernel));
	size_t mem = (size_t)hako_rand_range(8, 32) << 20;
	size_t rd_size = (size_t)hako_rand_range(1, 300000);
	uint8_t *rd = malloc(rd_size);
	for (size_t i = 0; i < rd_size; i++)
		rd[i] = (uint8_t)hako_rand();
	size_t size;
	struct bzimage bz;
	struct vm vm;
	uint64_t addr = 0;

	/* Limited by the end of memory. */
	uint8_t *img = make_bzimage(&h, kernel, sizeof(kernel), &size);
	check_int(bzimage_parse(img, size, &bz), 0, "bzimage_parse()");
	fake_vm(&vm, mem);
	check_int(initrd_load(&vm, &bz, rd, rd_size, &addr), 0, "initrd_load()");
	check_int(addr, (mem - rd_size) & ~0xfffULL,
	          "initrd address (highest page below memory's end)");
	check_that(memcmp(vm.mem + addr, rd, rd_size) == 0, "the initrd's bytes at that address");
	free(vm.mem);
	free(img);

	/* Limited by initrd_addr_max, which lies below the end of memory. */
	h.initrd_addr_max = (uint32_t)(mem / 2 + (size_t)hako_rand_range(0, 0xfffff));
	img = make_bzimage(&h, kernel, sizeof(kernel), &size);
	check_int(bzimage_parse(img, size, &bz), 0, "bzimage_parse()");
	fake_vm(&vm, mem);
	check_int(initrd_load(&vm, &bz, rd, rd_size, &addr), 0, "initrd_load()");
	check_int(addr, ((uint64_t)h.initrd_addr_max + 1 - rd_size) & ~0xfffULL,
	          "initrd address (its last byte at or below initrd_addr_max)");
	free(vm.mem);

	/* initrd_addr_max 0xffffffff: its + 1 does not fit in 32 bits. */
	put(img, 0x22c, 0xffffffff, 4);
	check_int(bzimage_parse(img, size, &bz), 0, "bzimage_parse()");
	fake_vm(&vm, mem);
	check_int(initrd_load(&vm, &bz, rd, rd_size, &addr), 0,
	          "initrd_load() with initrd_addr_max 0xffffffff");
	check_int(addr, (mem - rd_size) & ~0xfffULL,
	          "initrd address with initrd_addr_max 0xffffffff");
	free(vm.mem);

	/* No room above the kernel's working area. */
	size_t small = (size_t)(bzimage_kernel_end(&bz) + rd_size - 4096) & ~(size_t)0xfff;
	if (small < bzimage_kernel_end(&bz))
		small = (size_t)bzimage_kernel_end(&bz);
	fake_vm(&vm, small);
	check_int(initrd_load(&vm, &bz, rd, rd_size, &addr), -EFBIG,
	          "an initrd that would overlap the kernel's working area");
	free(vm.mem);
	fake_vm(&vm, 2u << 20);
	check_int(initrd_load(&vm, &bz, rd, (3u << 20), &addr), -EFBIG,
	          "an initrd larger than guest memory");
	free(vm.mem);
	free(img);
	free(rd);
}

/* This test checks that boot_params_build() refuses (-E2BIG) a command line longer than the
 * header's cmdline_size, and accepts one of exactly that length. */
static void test_boot_params_cmdline_size(void **state)
{
	(void)state;
	uint8_t kernel[4096] = {1};
	struct hdr h = random_hdr(sizeof(kernel));
	size_t size;
	uint8_t *img = make_bzimage(&h, kernel, sizeof(kernel), &size);
	struct bzimage bz;
	struct vm vm;
	char *cmd = malloc(h.cmdline_size + 2);

	check_int(bzimage_parse(img, size, &bz), 0, "bzimage_parse()");
	fake_vm(&vm, 4u << 20);
	memset(cmd, 'a' + hako_rand_range(0, 25), h.cmdline_size + 1);
	cmd[h.cmdline_size + 1] = '\0';
	check_int(boot_params_build(&vm, &bz, cmd, 0, 0), -E2BIG,
	          "a command line one byte longer than cmdline_size");
	cmd[h.cmdline_size] = '\0';
	check_int(boot_params_build(&vm, &bz, cmd, 0, 0), 0,
	          "a command line exactly cmdline_size long");
	check_str((char *)vm.mem + BOOT_CMDLINE_ADDR, cmd, "the command line in guest memory");
	free(vm.mem);
	free(cmd);
	free(img);
}

/* This test checks that boot_params_build() starts from a zeroed zero page: bytes left from
 * before are gone, except the header, the loader's fields and the e820 map. */
static void test_boot_params_clears_page(void **state)
{
	(void)state;
	uint8_t kernel[4096] = {1};
	struct hdr h = random_hdr(sizeof(kernel));
	size_t size;
	uint8_t *img = make_bzimage(&h, kernel, sizeof(kernel), &size);
	struct bzimage bz;
	struct vm vm;

	check_int(bzimage_parse(img, size, &bz), 0, "bzimage_parse()");
	fake_vm(&vm, 4u << 20);
	memset(vm.mem + BOOT_PARAMS_ADDR, (int)hako_rand_range(1, 255), 4096);
	check_int(boot_params_build(&vm, &bz, "console=ttyS0", 0, 0), 0, "boot_params_build()");
	const uint8_t *bp = vm.mem + BOOT_PARAMS_ADDR;
	unsigned n = bp[0x1e8];
	for (unsigned i = 0; i < 4096; i++) {
		if (i == 0x1e8 || (i >= 0x1f1 && i < 0x268) || (i >= 0x2d0 && i < 0x2d0 + 20 * n))
			continue;
		if (bp[i] != 0)
			fail_msg("zero page byte 0x%x is 0x%02x: clear the page before filling it",
			         i, bp[i]);
	}
	check_int(get(bp, 0x218, 4), 0, "ramdisk_image without an initrd");
	free(vm.mem);
	free(img);
}

/* ---- the probe kernel ---- */

/* This test checks, with the probe kernel, that the zero page holds a copy of the file's setup
 * header (random fields included) with the loader's own fields written: type_of_loader
 * 0xff, cmd_line_ptr, ramdisk_image and ramdisk_size; and that the rest of it is zero. */
static void test_probe_zero_page_header(void **state)
{
	(void)state;
	struct probe_run p;
	run_probe(&p, true);

	uint8_t want[0x268];
	memcpy(want, p.file, sizeof(want));
	want[0x210] = 0xff;
	put(want, 0x218, expected_initrd(&p), 4);
	put(want, 0x21c, p.initrd_size, 4);
	put(want, 0x228, BOOT_CMDLINE_ADDR, 4);
	const char *got = probe_text(&p, "hdr");
	check_int(strlen(got), 2 * (0x268 - 0x1f1), "hex digits of the header the probe saw");
	for (size_t i = 0x1f1; i < 0x268; i++) {
		char byte[3] = {got[2 * (i - 0x1f1)], got[2 * (i - 0x1f1) + 1], 0};
		unsigned v = (unsigned)strtoul(byte, NULL, 16);
		if (v != want[i])
			fail_msg("zero page byte 0x%zx: expected 0x%02x, got 0x%02x (the header is "
			         "copied from the file; 0x210 type_of_loader, 0x218 ramdisk_image, "
			         "0x21c ramdisk_size, 0x228 cmd_line_ptr are hakovm's)",
			         i, want[i], v);
	}
	check_int(probe_value(&p, "nonzero"), 0,
	          "non-zero bytes in the zero page outside the header and the e820 map");
	free_probe(&p);
}

/* This test checks, with the probe kernel, that the command line it finds at cmd_line_ptr is
 * hakovm's default followed by --append's random words. */
static void test_probe_cmdline(void **state)
{
	(void)state;
	struct probe_run p;
	run_probe(&p, false);

	char want[1024];
	snprintf(want, sizeof(want), "%s %s", hakovm_default_cmdline(), p.append);
	check_int(probe_value(&p, "cmd_line_ptr"), BOOT_CMDLINE_ADDR, "cmd_line_ptr");
	check_str(probe_text(&p, "cmdline"), want, "the command line the kernel reads");
	free_probe(&p);
}

/* This test checks, with the probe kernel and a random memory size, that the e820 map is the
 * three entries the lesson gives: RAM below 0x9fc00, reserved to 1 MiB, RAM to the end. */
static void test_probe_e820(void **state)
{
	(void)state;
	struct probe_run p;
	run_probe(&p, false);

	check_int(probe_value(&p, "e820_entries"), 3, "e820_entries");
	char want[512];
	snprintf(want, sizeof(want),
	         "probe: e820=0x0,0x%x,0x1\nprobe: e820=0x%x,0x%x,0x2\n"
	         "probe: e820=0x100000,0x%zx,0x1\n",
	         BOOT_LOW_RAM_END, BOOT_LOW_RAM_END, BOOT_KERNEL_ADDR - BOOT_LOW_RAM_END,
	         p.mem - BOOT_KERNEL_ADDR);
	check_contains(p.r.out, want, "the e820 map the probe read");
	free_probe(&p);
}

/* This test checks, with the probe kernel and a random initrd, that the kernel finds it
 * where the lesson says (as high as allowed) with its size, and that its bytes are intact. */
static void test_probe_initrd(void **state)
{
	(void)state;
	struct probe_run p;
	run_probe(&p, true);

	check_int(probe_value(&p, "ramdisk_image"), expected_initrd(&p),
	          "ramdisk_image (highest page-aligned address that fits)");
	check_int(probe_value(&p, "ramdisk_size"), p.initrd_size, "ramdisk_size");
	check_int(probe_value(&p, "ramdisk_fnv"), fnv1a(p.initrd, p.initrd_size),
	          "FNV-1a hash of the initrd's bytes as the kernel reads them");
	free_probe(&p);
}

/* This test checks, with the probe kernel, the CPU state at the 64-bit entry: rsi = the zero
 * page, the boot selectors 0x10 (code) and 0x18 (data), interrupts off, paging and long mode
 * on. */
static void test_probe_entry_state(void **state)
{
	(void)state;
	struct probe_run p;
	run_probe(&p, false);

	check_int(probe_value(&p, "rsi"), BOOT_PARAMS_ADDR, "rsi at the 64-bit entry");
	check_int(probe_value(&p, "cs"), BOOT_SEL_CODE, "cs selector");
	check_int(probe_value(&p, "ds"), BOOT_SEL_DATA, "ds selector");
	check_int(probe_value(&p, "ss"), BOOT_SEL_DATA, "ss selector");
	check_int(probe_value(&p, "rflags") & 0x200, 0, "rflags.IF (interrupts must be off)");
	check_that(probe_value(&p, "cr0") & (1ULL << 31), "cr0.PG must be set");
	check_that(probe_value(&p, "cr4") & (1ULL << 5), "cr4.PAE must be set");
	check_that(probe_value(&p, "efer") & (1ULL << 10), "efer.LMA must be set");
	free_probe(&p);
}

/* ---- malformed kernels, refused before the VM runs ---- */

/* Run hakovm --kernel IMG (with INITRD if not NULL) on MEM bytes; it must exit 125 with WHAT
 * in its message and without the probe ever running. */
static void check_refused(const uint8_t *img, size_t size, const uint8_t *initrd,
                          size_t initrd_size, size_t mem, const char *want, const char *what)
{
	char *dir = hako_tmpdir();
	char memtext[32];
	struct hako_run r;

	snprintf(memtext, sizeof(memtext), "%zu", mem);
	const char *args[10] = {"--kernel", write_tmp(dir, "bad.bzImage", img, size), "--mem",
	                        memtext};
	if (initrd) {
		args[4] = "--initrd";
		args[5] = write_tmp(dir, "initrd.img", initrd, initrd_size);
	}
	hako_run_prog(&r, "hakovm", args, NULL, 15000);
	check_exit(&r, HAKOVM_EXIT_FAILED, what);
	check_that(strstr(r.out, "probe:") == NULL, "%s: the VM ran; it printed:\n%s", what, r.out);
	check_contains(r.err, want, what);
	hako_run_free(&r);
}

/* This test checks that hakovm refuses, with a message and exit 125, a bzImage with a bad
 * magic, a too-old protocol, or setup sectors beyond the end of the file. */
static void test_hakovm_refuses_bad_header(void **state)
{
	(void)state;
	size_t ksize, size;
	uint8_t *kernel = probe_kernel(&ksize);
	struct hdr h = random_hdr(ksize);
	uint8_t *img = make_bzimage(&h, kernel, ksize, &size);

	hako_require_kvm();
	memcpy(img + 0x202, "HdrZ", 4);
	check_refused(img, size, NULL, 0, 8u << 20, "not a bzImage", "magic \"HdrZ\"");
	memcpy(img + 0x202, "HdrS", 4);
	put(img, 0x206, hako_rand_range(0x0200, BOOT_MIN_VERSION - 1), 2);
	check_refused(img, size, NULL, 0, 8u << 20, "older than 2.12", "protocol before 2.12");
	put(img, 0x206, h.version, 2);
	img[0x1f1] = (uint8_t)(size / 512 + (size_t)hako_rand_range(0, 20));
	check_refused(img, size, NULL, 0, 8u << 20, "beyond the end of the file",
	              "setup_sects past the end of the file");
	free(img);
	free(kernel);
}

/* This test checks that hakovm refuses, with a message and exit 125, a kernel whose working
 * area is larger than guest memory, and an initrd that does not fit. */
static void test_hakovm_refuses_too_large(void **state)
{
	(void)state;
	size_t ksize, size;
	uint8_t *kernel = probe_kernel(&ksize);
	struct hdr h = random_hdr(ksize);
	size_t mem = (size_t)hako_rand_range(4, 8) << 20;

	hako_require_kvm();
	h.init_size = (uint32_t)(mem + (size_t)hako_rand_range(1, 100) * 4096);
	uint8_t *img = make_bzimage(&h, kernel, ksize, &size);
	check_refused(img, size, NULL, 0, mem, "does not fit in guest memory",
	              "a kernel that needs more than guest memory");
	free(img);

	h = random_hdr(ksize);
	img = make_bzimage(&h, kernel, ksize, &size);
	uint64_t a = h.kernel_alignment,
	         kernel_end = ((BOOT_KERNEL_ADDR + a - 1) & ~(a - 1)) + h.init_size;
	size_t rd_size = mem - (size_t)kernel_end + (size_t)hako_rand_range(1, 200) * 4096;
	uint8_t *rd = calloc(1, rd_size);
	check_refused(img, size, rd, rd_size, mem, "does not fit",
	              "an initrd that does not fit above the kernel");
	free(rd);
	free(img);
	free(kernel);
}

/* ---- the console ---- */

static int serial_io(struct serial *s, unsigned off, bool is_write, uint8_t *v)
{
	struct device dev = {.name = "serial", .base = UART_COM1_PORT, .len = 8, .state = s};
	return serial_handle(&dev, off, is_write, v, 1);
}

static uint8_t serial_read(struct serial *s, unsigned off)
{
	uint8_t v = 0xee;
	int err = serial_io(s, off, false, &v);
	check_int(err, 0, "serial_handle() read");
	return v;
}

static void serial_write(struct serial *s, unsigned off, uint8_t v)
{
	int err = serial_io(s, off, true, &v);
	check_int(err, 0, "serial_handle() write");
}

/* This test checks the transmitter-empty interrupt: turning on IER's ETBEI raises the line
 * and IIR says 0x02; reading IIR clears it; every byte sent raises it again (a new edge). */
static void test_serial_thr_interrupt(void **state)
{
	(void)state;
	struct serial s;
	int fds[2];
	uint8_t byte = (uint8_t)hako_rand_range('a', 'z'), got = 0;

	check_int(pipe(fds), 0, "pipe()");
	serial_init(&s, NULL, fds[1]);
	check_int(s.level, 0, "the line after serial_init()");
	check_int(serial_read(&s, 2), 0x01, "IIR with no interrupt enabled");
	serial_write(&s, 1, 0x02);
	check_int(serial_read(&s, 1), 0x02, "IER reads back what was written");
	check_int(s.level, 1, "the line once ETBEI is on while THR is empty");
	check_int(serial_read(&s, 2), 0x02, "IIR: THR empty");
	check_int(s.level, 0, "the line after IIR said THR empty");
	check_int(serial_read(&s, 2), 0x01, "IIR read again: nothing pending");
	unsigned raises = s.raises;
	serial_write(&s, 0, byte);
	check_int(read(fds[0], &got, 1), 1, "the byte sent comes out");
	check_int(got, byte, "the byte sent");
	check_int(s.level, 1, "the line after a byte was sent");
	check_int(s.raises, raises + 1, "new rising edges after a byte was sent");
	serial_write(&s, 0, byte);
	check_int(s.raises, raises + 2,
	          "a second byte while the interrupt is still pending must lower and raise the "
	          "line again (the PIC counts edges)");
	serial_write(&s, 1, 0x00);
	check_int(s.level, 0, "the line once IER is 0");
	serial_destroy(&s);
	close(fds[0]);
	close(fds[1]);
}

/* This test checks receiving: random bytes queued with serial_receive() set LSR's DR bit,
 * raise the line when ERBFI is on (IIR 0x04), and come out of RBR in order. */
static void test_serial_receive(void **state)
{
	(void)state;
	struct serial s;
	uint8_t in[40];
	size_t n = (size_t)hako_rand_range(1, sizeof(in));

	for (size_t i = 0; i < n; i++)
		in[i] = (uint8_t)hako_rand();
	serial_init(&s, NULL, -1);
	check_int(serial_read(&s, 5) & 0x01, 0, "LSR.DR with nothing received");
	check_int(serial_receive(&s, in, n), n, "serial_receive() of a few bytes");
	check_int(serial_read(&s, 5), 0x61, "LSR with a byte waiting (THRE, TEMT, DR)");
	check_int(s.level, 0, "the line with ERBFI off");
	serial_write(&s, 1, 0x01);
	check_int(s.level, 1, "the line once ERBFI is on and a byte waits");
	check_int(serial_read(&s, 2), 0x04, "IIR: data ready");
	serial_write(&s, 1, 0x03);
	check_int(serial_read(&s, 2), 0x04,
	          "IIR with data waiting and THR empty: data ready comes first");
	serial_write(&s, 1, 0x01);
	for (size_t i = 0; i < n; i++)
		check_int(serial_read(&s, 0), in[i], "RBR, in the order received");
	check_int(serial_read(&s, 5) & 0x01, 0, "LSR.DR after reading everything");
	check_int(s.level, 0, "the line after reading everything");
	check_int(serial_read(&s, 2), 0x01, "IIR after reading everything");

	uint8_t many[SERIAL_RX_SIZE + 50];
	memset(many, 'x', sizeof(many));
	check_int(serial_receive(&s, many, sizeof(many)), SERIAL_RX_SIZE,
	          "serial_receive() takes only what fits");
	serial_destroy(&s);
}

/* This test checks loopback mode (MCR bit 4): a byte sent comes back in RBR instead of going
 * out. Linux uses it to test the UART. */
static void test_serial_loopback(void **state)
{
	(void)state;
	struct serial s;
	int fds[2];
	uint8_t byte = (uint8_t)hako_rand_range(1, 255);

	check_int(pipe(fds), 0, "pipe()");
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	serial_init(&s, NULL, fds[1]);
	serial_write(&s, 4, 0x10);
	serial_write(&s, 0, byte);
	uint8_t out;
	check_int(read(fds[0], &out, 1), -1, "nothing may go out in loopback mode");
	check_int(serial_read(&s, 5) & 0x01, 1, "LSR.DR after a byte looped back");
	check_int(serial_read(&s, 0), byte, "RBR: the byte sent");
	serial_destroy(&s);
	close(fds[0]);
	close(fds[1]);
}

/* ---- the platform ---- */

/* This test checks the keyboard controller: reads answer 0, and only 0xfe written to port
 * 0x64 resets the machine (VM_STOP_RESET). */
static void test_kbd_reset(void **state)
{
	(void)state;
	struct vm vm;
	struct device dev = {.name = "i8042", .base = KBD_PORT, .len = 5, .state = &vm};
	uint8_t v;

	fake_vm(&vm, 4096);
	for (unsigned off = 0; off < 5; off += 4) {
		v = 0xaa;
		check_int(kbd_handle(&dev, off, false, &v, 1), 0, "kbd_handle() read");
		check_int(v, 0, "a read of the keyboard controller");
	}
	v = (uint8_t)hako_rand_range(0, 0xfd);
	check_int(kbd_handle(&dev, 4, true, &v, 1), 0, "kbd_handle() write");
	check_int(vm.stop, VM_RUNNING, "another command to 0x64");
	v = 0xfe;
	check_int(kbd_handle(&dev, 0, true, &v, 1), 0, "kbd_handle() write");
	check_int(vm.stop, VM_RUNNING, "0xfe written to port 0x60 (data, not a command)");
	check_int(kbd_handle(&dev, 4, true, &v, 1), 0, "kbd_handle() write");
	check_int(vm.stop, VM_STOP_RESET, "0xfe written to port 0x64");
	free(vm.mem);
}

/* This test checks vm_setup_platform() and vcpu_setup_cpuid(): the irqchip exists afterwards
 * (a second KVM_CREATE_IRQCHIP fails with EEXIST) and the vCPU has the host's CPUID with long
 * mode in leaf 0x80000001. */
static void test_platform_setup(void **state)
{
	(void)state;
	struct vm vm;

	hako_require_kvm();
	int err = vm_create(&vm, "/dev/kvm", 2u << 20);
	check_int(err, 0, "vm_create()");
	check_int(vm_setup_platform(&vm), 0, "vm_setup_platform() before vcpu_create()");
	check_int(ioctl(vm.vm_fd, KVM_CREATE_IRQCHIP, 0) < 0 ? -errno : 0, -EEXIST,
	          "a second KVM_CREATE_IRQCHIP (the first must have been made)");
	check_int(vcpu_create(&vm), 0, "vcpu_create()");
	check_int(vcpu_setup_cpuid(&vm), 0, "vcpu_setup_cpuid()");

	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + 256 * sizeof(struct kvm_cpuid_entry2));
	c->nent = 256;
	check_int(ioctl(vm.vcpu_fd, KVM_GET_CPUID2, c) < 0 ? -errno : 0, 0, "KVM_GET_CPUID2");
	bool lm = false;
	for (unsigned i = 0; i < c->nent; i++)
		if (c->entries[i].function == 0x80000001 && (c->entries[i].edx & (1u << 29)))
			lm = true;
	check_that(c->nent > 1, "the vCPU's CPUID has %u entries: KVM_SET_CPUID2 was not done",
	           c->nent);
	check_that(lm, "CPUID leaf 0x80000001 must say long mode (edx bit 29)");
	free(c);
	vm_destroy(&vm);
}

/* ---- Linux ---- */

/* The course kernel and initramfs: HAKO_KERNEL_DIR (CI sets it), else build/ from here. */
static void course_kernel(char *kernel, char *initrd, size_t len)
{
	const char *dir = getenv("HAKO_KERNEL_DIR");
	if (dir && *dir) {
		snprintf(kernel, len, "%s/vmlinux", dir);
		snprintf(initrd, len, "%s/../initramfs.cpio", dir);
	} else {
		snprintf(kernel, len, "build/kernel/vmlinux");
		snprintf(initrd, len, "build/initramfs.cpio");
	}
	if (access(kernel, R_OK) != 0 || access(initrd, R_OK) != 0)
		hako_skip("needs the course kernel and initramfs: run `make kernel` and `sudo make "
		          "initramfs` (%s, %s)",
		          kernel, initrd);
}

/* Read B's output into OUT (LEN bytes, kept NUL-terminated) until it contains TEXT or the
 * deadline passes. */
static bool read_until(struct hako_bg *b, char *out, size_t len, size_t *used, const char *text,
                       long long deadline)
{
	while (strstr(out, text) == NULL) {
		struct pollfd p = {b->out, POLLIN, 0};
		long long left = deadline - hako_now_ms();
		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			return false;
		if (*used + 1 >= len) { /* keep the last half */
			memmove(out, out + len / 2, *used - len / 2);
			*used -= len / 2;
		}
		ssize_t n = read(b->out, out + *used, len - 1 - *used);
		if (n <= 0)
			return false;
		*used += (size_t)n;
		out[*used] = '\0';
	}
	return true;
}

/* This test checks the real thing: hakovm boots the course kernel with the busybox initramfs
 * to its /init, which prints a marker with a random word from the command line; the kernel
 * found the 16550A; a random line typed on stdin reaches the guest's shell and comes back;
 * and the guest's reboot (reboot=k) ends hakovm with status 0. One boot for all of it, of the
 * vmlinux: on emulated KVM the bzImage's decompressor alone takes ~10 s more (the probe tests
 * grade the bzImage path). About 6 s here (emulated KVM; lesson 19's README lists what made
 * it so); well under a second on hardware KVM. */
static void test_boot_linux(void **state)
{
	(void)state;
	char kernel[4096], initrd[4096], nonce[16], line[24], append[128], want[128];
	static char out[1 << 16];
	size_t used = 0;
	struct hako_bg b;
	const char *scale = getenv("TIMEOUT_SCALE");
	long long budget = 85000LL * (scale && atoi(scale) > 0 ? atoi(scale) : 1);
	long long deadline = hako_now_ms() + budget;

	hako_require_kvm();
	course_kernel(kernel, initrd, sizeof(kernel));
	hako_rand_name(nonce, 12);
	hako_rand_name(line, 16);
	snprintf(append, sizeof(append), "hakonce=%s hakotest=1", nonce);
	char *argv[] = {(char *)hako_prog("hakovm"),
	                "--kernel",
	                kernel,
	                "--initrd",
	                initrd,
	                "--append",
	                append,
	                NULL};
	out[0] = '\0';
	check_int(hako_bg_start(&b, argv, NULL, NULL), 0, "starting hakovm");
	snprintf(want, sizeof(want), "hako-init: hello from /init %s", nonce);
	bool booted = read_until(&b, out, sizeof(out), &used, want, deadline);
	if (!booted) {
		hako_bg_finish(&b, 1000);
		fail_msg("no \"%s\" (hakovm ended, or %lld s passed); the end of the console:\n%s",
		         want, budget / 1000, used > 3000 ? out + used - 3000 : out);
	}
	check_contains(out, "serial8250: ttyS0 at I/O 0x3f8 (irq = 4",
	               "the kernel's serial driver found the UART with its interrupt");
	check_contains(out, "is a 16550A", "the kernel's serial driver saw a 16550A");
	char typed[40];
	snprintf(typed, sizeof(typed), "%s\n", line);
	check_int(write(b.in, typed, strlen(typed)), (long long)strlen(typed), "typing on stdin");
	snprintf(want, sizeof(want), "hako-init: you typed: %s", line);
	bool echoed = read_until(&b, out, sizeof(out), &used, want, deadline + 20000);
	if (!echoed) {
		hako_bg_finish(&b, 1000);
		fail_msg("the guest never echoed \"%s\"; the end of the console:\n%s", line,
		         used > 3000 ? out + used - 3000 : out);
	}
	read_until(&b, out, sizeof(out), &used, "reboot: Restarting system", deadline + 30000);
	int status = hako_bg_finish(&b, 30000);
	check_that(status >= 0, "hakovm did not end after the guest rebooted (reboot=k)");
	check_int(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), 0,
	          "hakovm's exit status after the guest's reset");
}

HAKO_TEST_MAIN(HAKO_TEST(test_bzimage_parse_fields), HAKO_TEST(test_bzimage_parse_bad_magic),
               HAKO_TEST(test_bzimage_parse_bad_layout), HAKO_TEST(test_bzimage_load),
               HAKO_TEST(test_initrd_load), HAKO_TEST(test_boot_params_cmdline_size),
               HAKO_TEST(test_boot_params_clears_page), HAKO_TEST(test_probe_zero_page_header),
               HAKO_TEST(test_probe_cmdline), HAKO_TEST(test_probe_e820),
               HAKO_TEST(test_probe_initrd), HAKO_TEST(test_probe_entry_state),
               HAKO_TEST(test_hakovm_refuses_bad_header), HAKO_TEST(test_hakovm_refuses_too_large),
               HAKO_TEST(test_serial_thr_interrupt), HAKO_TEST(test_serial_receive),
               HAKO_TEST(test_serial_loopback), HAKO_TEST(test_kbd_reset),
               HAKO_TEST(test_platform_setup), HAKO_TEST(test_boot_linux))
