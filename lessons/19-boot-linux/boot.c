/* boot.c: lesson 19 — the Linux x86 boot protocol: a bzImage's setup header, the zero page. */
#include "hakovm.h"

#include <errno.h>
#include <linux/kvm.h>
#include <string.h>
#include <sys/ioctl.h>

/*
 * A bzImage file, and where its parts go (Documentation/arch/x86/boot.rst):
 *
 *   file offset 0          boot sector (512 bytes); the setup header starts at 0x1f1
 *               0x200      setup_sects more sectors of 16-bit setup code (we skip it)
 *   (setup_sects + 1) * 512
 *                          the protected-mode kernel: a decompressor and the compressed
 *                          kernel. It goes to BOOT_KERNEL_ADDR (1 MiB); its 64-bit entry is
 *                          at +0x200. It then copies itself to where it will run (16 MiB
 *                          here) and decompresses the kernel: it needs init_size bytes there.
 *
 * The fields hakovm reads, by their offset in the file (and in the zero page, which starts
 * with a copy of the same 4 KiB layout):
 */
#define HDR_SETUP_SECTS    0x1f1 /* u8: 512-byte setup sectors after the boot sector; 0 = 4 */
#define HDR_BOOT_FLAG      0x1fe /* u16: 0xaa55 */
#define HDR_JUMP           0x200 /* the setup code's first instruction, a short jump */
#define HDR_END_BYTE       0x201 /* that jump's offset: the header ends at 0x202 + this */
#define HDR_MAGIC          0x202 /* "HdrS" */
#define HDR_VERSION        0x206 /* u16: boot protocol version */
#define HDR_TYPE_OF_LOADER 0x210 /* u8: written by the boot loader; 0xff = "unknown" */
#define HDR_LOADFLAGS      0x211 /* u8: bit 0 LOADED_HIGH, the kernel runs from 1 MiB */
#define HDR_RAMDISK_IMAGE  0x218 /* u32: written: the initrd's address */
#define HDR_RAMDISK_SIZE   0x21c /* u32: written: its size */
#define HDR_CMD_LINE_PTR   0x228 /* u32: written: the command line's address */
#define HDR_INITRD_MAX     0x22c /* u32: highest address the initrd may use */
#define HDR_KERNEL_ALIGN   0x230 /* u32: a relocatable kernel runs at a multiple of this */
#define HDR_RELOCATABLE    0x234 /* u8 */
#define HDR_XLOADFLAGS     0x236 /* u16: bit 0 XLF_KERNEL_64, an entry point at +0x200 */
#define HDR_CMDLINE_SIZE   0x238 /* u32: longest command line, without the NUL */
#define HDR_PREF_ADDRESS   0x258 /* u64: where a non-relocatable kernel must run */
#define HDR_INIT_SIZE      0x260 /* u32: memory it needs from there to boot */
#define HDR_MIN_SIZE       0x268 /* every field above lies below this */

/* In the zero page only (struct boot_params): the e820 map. */
#define BP_E820_ENTRIES 0x1e8 /* u8: how many entries */
#define BP_E820_TABLE   0x2d0 /* BOOT_E820_MAX entries of 20 bytes */
#define BP_SIZE         4096

#define BOOT_FLAG        0xaa55
#define LOADED_HIGH      0x01
#define XLF_KERNEL_64    0x0001
#define E820_RAM         1
#define E820_RESERVED    2
#define LOADER_UNDEFINED 0xff

/* Little-endian fields at any offset (x86 is little-endian, and memcpy avoids misaligned
 * pointers). */
static GIVEN uint32_t get(const uint8_t *p, size_t off, size_t n)
{
	uint32_t v = 0;
	memcpy(&v, p + off, n);
	return v;
}

static void put(uint8_t *p, size_t off, uint64_t v, size_t n)
{
	memcpy(p + off, &v, n);
}

int bzimage_parse(const uint8_t *image, size_t size, struct bzimage *bz)
{
	memset(bz, 0, sizeof(*bz));
	/// TODO(19): Check the setup header of IMAGE and fill BZ, as hakovm.h's contract says.
	///   - It is a bzImage when it is at least HDR_MIN_SIZE bytes with the boot flag 0xaa55
	///     at HDR_BOOT_FLAG and "HdrS" at HDR_MAGIC; the version must be at least
	///     BOOT_MIN_VERSION (-EPROTONOSUPPORT), since older kernels have no 64-bit entry.
	///   - setup_sects 0 means 4. The setup part is (setup_sects + 1) * 512 bytes and must
	///     leave at least one byte of kernel after it; the header (up to 0x202 + the byte at
	///     HDR_END_BYTE) must lie inside the setup part.
	///   - loadflags must have LOADED_HIGH, xloadflags XLF_KERNEL_64, and kernel_alignment
	///     must be a power of two.
	/// Read every field with get(): the file is untrusted input. See the README, "The
	/// setup header".
	return -ENOSYS;
}

uint64_t bzimage_kernel_end(const struct bzimage *bz)
{
	/* Where the decompressor runs: a relocatable kernel at the load address rounded up to
	 * kernel_alignment, but never below pref_address (arch/x86/boot/compressed/head_64.S
	 * does exactly this); a fixed one at pref_address. */
	uint64_t run = bz->pref_address;
	if (bz->relocatable) {
		uint64_t a = bz->kernel_alignment ? bz->kernel_alignment : 1;
		uint64_t up = (BOOT_KERNEL_ADDR + a - 1) & ~(a - 1);
		if (up > run)
			run = up;
	}
	return run + bz->init_size;
}

int bzimage_load(struct vm *vm, const struct bzimage *bz)
{
	/// TODO(19): Copy the protected-mode kernel (bz->kernel, bz->kernel_size bytes) to
	/// BOOT_KERNEL_ADDR in guest memory. Refuse with -EFBIG, before copying anything, when it
	/// does not fit in guest memory or when the kernel's working area does not: it ends at
	/// bzimage_kernel_end(bz), which is not part of the file. guest_mem() is overflow-safe.
	return -ENOSYS;
}

int initrd_load(struct vm *vm, const struct bzimage *bz, const uint8_t *data, size_t size,
                uint64_t *addr)
{
	/// TODO(19): Put the initrd as high as the kernel allows: its last byte at or below
	/// bz->initrd_addr_max and inside guest memory, its start a multiple of 4096. It must not
	/// start below bzimage_kernel_end(bz), where the kernel decompresses itself: -EFBIG (also
	/// when SIZE alone is larger than guest memory). Copy it and return its address in *ADDR.
	/// Compute with 64-bit values: initrd_addr_max + 1 overflows 32 bits.
	return -ENOSYS;
}

/* Append one e820 entry (20 bytes: u64 address, u64 size, u32 type) to the zero page BP. */
static GIVEN void e820_add(uint8_t *bp, uint64_t addr, uint64_t size, uint32_t type)
{
	uint8_t n = bp[BP_E820_ENTRIES];
	uint8_t *e = bp + BP_E820_TABLE + (size_t)n * 20;

	put(e, 0, addr, 8);
	put(e, 8, size, 8);
	put(e, 16, type, 4);
	bp[BP_E820_ENTRIES] = (uint8_t)(n + 1);
}

int boot_params_build(struct vm *vm, const struct bzimage *bz, const char *cmdline,
                      uint64_t initrd_addr, uint64_t initrd_size)
{
	uint8_t *bp = guest_mem(vm, BOOT_PARAMS_ADDR, BP_SIZE);

	if (!bp)
		return -EFBIG;
	/// TODO(19): The zero page, the one thing the 64-bit entry gets (rsi points at it):
	///   - all 4096 bytes zero, then the setup header copied from the file to the same
	///     offsets (0x1f1 up to 0x202 + the byte at HDR_END_BYTE);
	///   - type_of_loader LOADER_UNDEFINED; cmd_line_ptr BOOT_CMDLINE_ADDR, where the command
	///     line goes with its NUL (-E2BIG, before writing anything, when it is longer than
	///     the header's cmdline_size); ramdisk_image and ramdisk_size;
	///   - the e820 map: usable RAM from 0 to BOOT_LOW_RAM_END, reserved from there to 1 MiB,
	///     usable RAM from 1 MiB to the end of guest memory (e820_add()).
	/// See the README, "The zero page" and "The e820 map".
	return -ENOSYS;
}

/* The boot protocol's GDT entries, in the format lesson 17's gdt_entry() draws: flat 4 GiB,
 * present, ring 0; 0x10 is 64-bit code (type 11, L = 1), 0x18 read/write data (type 3). */
#define GDT_BOOT_CODE 0x00af9b000000ffffULL
#define GDT_BOOT_DATA 0x00cf93000000ffffULL

int boot_set_entry(struct vm *vm, uint64_t entry)
{
	uint64_t *gdt = guest_mem(vm, LM_GDT, 4 * 8);

	if (!gdt)
		return -EFBIG;
	/// TODO(19): Lesson 17's long mode (longmode_setup()), with the boot protocol's
	/// selectors: a 4-entry GDT at LM_GDT with GDT_BOOT_CODE at BOOT_SEL_CODE and
	/// GDT_BOOT_DATA at BOOT_SEL_DATA, the GDT register's limit to match, cs.selector
	/// BOOT_SEL_CODE and the five data segments' selectors BOOT_SEL_DATA. Then the registers:
	/// all zero but rip = ENTRY, rsi = BOOT_PARAMS_ADDR, rsp = LM_STACK_TOP and rflags = 2
	/// (interrupts off). Return 0 or -errno.
	return -ENOSYS;
}
