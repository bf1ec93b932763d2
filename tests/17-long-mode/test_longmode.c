/* test_longmode.c: graded tests for lesson 17 — long mode set up by the VMM, the ELF loader. */
#include "hako_test.h"
#include "hakovm.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define MEM (2u << 20)

/* The guest ELF this lesson's tests.mk built, read into memory. */
static uint8_t *guest_elf(size_t *size)
{
	return hako_read_built("guest-long.elf", size);
}

/* A VM without KVM: just memory, enough for elf_load(). Free vm->mem when done. */
static void fake_vm(struct vm *vm, size_t mem)
{
	memset(vm, 0, sizeof(*vm));
	vm->kvm_fd = vm->vm_fd = vm->vcpu_fd = -1;
	vm->mem = calloc(1, mem);
	vm->mem_size = mem;
}

static void vm_up(struct vm *vm)
{
	int err = vm_create(vm, "/dev/kvm", MEM);
	check_that(err == 0, "vm_create() returned %d (%s)", err, strerror(-err));
	err = vcpu_create(vm);
	check_that(err == 0, "vcpu_create() returned %d (%s)", err, strerror(-err));
}

/* The first PT_LOAD header of IMAGE (inside IMAGE, so it can be patched). */
static Elf64_Phdr *first_load(uint8_t *image)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)image;
	for (int i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr *ph = (Elf64_Phdr *)(image + eh->e_phoff + i * sizeof(Elf64_Phdr));
		if (ph->p_type == PT_LOAD)
			return ph;
	}
	fail_msg("the guest has no PT_LOAD segment");
	return NULL;
}

/* The last PT_LOAD header of IMAGE (the guest has two: text, then data and bss). */
static Elf64_Phdr *last_load(uint8_t *image)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)image;
	Elf64_Phdr *last = NULL;
	for (int i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr *ph = (Elf64_Phdr *)(image + eh->e_phoff + i * sizeof(Elf64_Phdr));
		if (ph->p_type == PT_LOAD)
			last = ph;
	}
	check_that(last != NULL && last != first_load(image),
	           "the guest should have two PT_LOAD segments");
	return last;
}

/* Write SIZE bytes of IMAGE to a new file in DIR; returns its path (static). */
static const char *write_image(const char *dir, const uint8_t *image, size_t size)
{
	static char path[512];

	snprintf(path, sizeof(path), "%s/guest.elf", dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	check_that(fd >= 0 && write(fd, image, size) == (ssize_t)size, "write %s", path);
	close(fd);
	return path;
}

/* Run hakovm with ARGS (NULL-terminated, without the program) and check it ends in 10 s. */
static void run_hakovm(struct hako_run *r, const char *const *args)
{
	hako_run_prog(r, "hakovm", args, NULL, 10000);
}

/* Run hakovm on SIZE bytes of IMAGE (written to a folder of the test's own) and check that it
 * refuses the image: exit 125 (HAKOVM_EXIT_FAILED) and MESSAGE in what it says on stderr. */
static void check_hakovm_refuses(const uint8_t *image, size_t size, const char *message,
                                 const char *what)
{
	char *dir = hako_tmpdir();
	struct hako_run r;
	const char *args[] = {write_image(dir, image, size), NULL};

	run_hakovm(&r, args);
	hako_rm_rf(dir);
	free(dir);
	check_exit(&r, HAKOVM_EXIT_FAILED, "hakovm's exit code");
	check_contains(r.err, message, what);
	hako_run_free(&r);
}

/* A checksum of guest memory, to see that a refused ELF wrote nothing. */
static uint64_t mem_sum(const struct vm *vm)
{
	uint64_t s = 0;
	for (size_t i = 0; i < vm->mem_size; i++)
		s = s * 31 + vm->mem[i];
	return s;
}

/* ---- long mode ---- */

/* This test checks that longmode_setup() writes a GDT with a 64-bit code segment at 0x08 and
 * a data segment at 0x10, and identity page tables of 2 MiB pages covering guest memory (also
 * when its size is not a multiple of 2 MiB). */
static void test_longmode_tables(void **state)
{
	struct vm vm;

	hako_require_kvm();
	vm_up(&vm);
	int err = longmode_setup(&vm);
	uint64_t gdt[3], pml4, pdpt, pd0, pd1;
	memcpy(gdt, vm.mem + LM_GDT, sizeof(gdt));
	memcpy(&pml4, vm.mem + LM_PML4, 8);
	memcpy(&pdpt, vm.mem + LM_PDPT, 8);
	memcpy(&pd0, vm.mem + LM_PD, 8);
	memcpy(&pd1, vm.mem + LM_PD + 8, 8);
	vm_destroy(&vm);
	check_that(err == 0, "longmode_setup() returned %d (%s)", err, strerror(-err));
	check_int(gdt[0], 0, "GDT entry 0 (the null descriptor)");
	check_int((gdt[1] >> 53) & 1, 1, "the L bit (53) of GDT entry 1 (the code segment)");
	check_int((gdt[1] >> 47) & 1, 1, "the present bit of the code segment");
	check_int((gdt[1] >> 43) & 1, 1, "the code bit (43) of the code segment");
	check_int((gdt[2] >> 47) & 1, 1, "the present bit of the data segment");
	check_int((gdt[2] >> 43) & 1, 0, "the code bit (43) of the data segment");
	check_int(pml4, LM_PDPT | 3, "PML4[0]: the PDPT's address, present and writable");
	check_int(pdpt, LM_PD | 3, "PDPT[0]: the PD's address, present and writable");
	check_int(pd0, 0x83, "PD[0]: physical 0, present, writable, 2 MiB page (PS)");
	check_int(pd1, 0, "PD[1] for 2 MiB of guest memory (nothing past the end)");

	/* N 2 MiB pages and a bit more: the last, partial 2 MiB is mapped too. */
	uint64_t n = (uint64_t)hako_rand_range(1, 8),
	         mem = (n << 21) + 4096 * hako_rand_range(1, 511);
	err = vm_create(&vm, "/dev/kvm", mem);
	check_that(err == 0, "vm_create(%" PRIu64 ") returned %d (%s)", mem, err, strerror(-err));
	err = vcpu_create(&vm);
	check_that(err == 0, "vcpu_create() returned %d (%s)", err, strerror(-err));
	err = longmode_setup(&vm);
	uint64_t last, after;
	memcpy(&last, vm.mem + LM_PD + 8 * n, 8);
	memcpy(&after, vm.mem + LM_PD + 8 * (n + 1), 8);
	vm_destroy(&vm);
	check_that(err == 0, "longmode_setup() with %" PRIu64 " bytes returned %d (%s)", mem, err,
	           strerror(-err));
	check_int(last, (n << 21) | 0x83, "the PD entry of the last, partly used 2 MiB (round up)");
	check_int(after, 0, "the PD entry after the end of guest memory");
}

/* This test checks that longmode_setup() puts the vCPU in 64-bit mode: CS.L, CR0.PE|PG,
 * CR4.PAE, EFER.LME|LMA, CR3 at the PML4 and the GDT's address and limit. */
static void test_longmode_sregs(void **state)
{
	struct vm vm;
	struct kvm_sregs s;

	hako_require_kvm();
	vm_up(&vm);
	int err = longmode_setup(&vm);
	ioctl(vm.vcpu_fd, KVM_GET_SREGS, &s);
	vm_destroy(&vm);
	check_that(err == 0, "longmode_setup() returned %d (%s)", err, strerror(-err));
	check_int(s.cs.l, 1, "cs.l");
	check_int(s.cs.selector, LM_SEL_CODE, "cs.selector");
	check_int(s.ds.selector, LM_SEL_DATA, "ds.selector");
	check_int(s.ss.selector, LM_SEL_DATA, "ss.selector");
	check_int(s.es.selector, LM_SEL_DATA, "es.selector");
	check_int(s.fs.selector, LM_SEL_DATA, "fs.selector");
	check_int(s.gs.selector, LM_SEL_DATA, "gs.selector");
	check_int(s.cr0 & 0x80000001, 0x80000001, "CR0.PG | CR0.PE");
	check_int(s.cr4 & 0x20, 0x20, "CR4.PAE");
	check_int(s.efer & 0x500, 0x500, "EFER.LME | EFER.LMA");
	check_int(s.cr3, LM_PML4, "CR3");
	check_int(s.gdt.base, LM_GDT, "the GDT's base");
	check_int(s.gdt.limit, 23, "the GDT's limit (3 entries)");
}

/* This test checks that longmode_set_entry() sets rip, rsp = LM_STACK_TOP, rflags = 2 and
 * the inputs in rdi, rsi, rdx, rcx. */
static void test_longmode_entry_regs(void **state)
{
	struct vm vm;
	struct kvm_regs r;
	uint64_t args[4], entry = 0x100000 + (uint64_t)hako_rand_range(0, 0xfffff);

	hako_require_kvm();
	for (int i = 0; i < 4; i++)
		args[i] = ((uint64_t)hako_rand() << 32) | hako_rand();
	vm_up(&vm);
	int err = longmode_set_entry(&vm, entry, args, 4);
	ioctl(vm.vcpu_fd, KVM_GET_REGS, &r);
	vm_destroy(&vm);
	check_that(err == 0, "longmode_set_entry() returned %d (%s)", err, strerror(-err));
	check_int(r.rip, entry, "rip");
	check_int(r.rsp, LM_STACK_TOP, "rsp");
	check_int(r.rflags, 2, "rflags");
	check_that(r.rdi == args[0] && r.rsi == args[1] && r.rdx == args[2] && r.rcx == args[3],
	           "the inputs are not in rdi, rsi, rdx, rcx");

	/* Fewer inputs: only NARGS registers are set, the others stay 0. */
	int nargs = (int)hako_rand_range(0, 3);
	vm_up(&vm);
	err = longmode_set_entry(&vm, entry, args, nargs);
	ioctl(vm.vcpu_fd, KVM_GET_REGS, &r);
	vm_destroy(&vm);
	uint64_t got[4] = {r.rdi, r.rsi, r.rdx, r.rcx};
	check_that(err == 0, "longmode_set_entry() with %d inputs returned %d (%s)", nargs, err,
	           strerror(-err));
	for (int i = 0; i < 4; i++)
		check_that(
		    got[i] == (i < nargs ? args[i] : 0),
		    "with %d inputs, argument register %d is 0x%llx: only the first NARGS are "
		    "set",
		    nargs, i, (unsigned long long)got[i]);
}

/* ---- the ELF loader ---- */

/* This test checks that elf_load() copies each PT_LOAD segment to its physical address
 * (p_paddr, not p_vaddr), zero-fills the rest of p_memsz, and returns e_entry. */
static void test_elf_load_segments(void **state)
{
	struct vm vm;
	size_t size;
	uint8_t *image = guest_elf(&size);
	Elf64_Ehdr *eh = (Elf64_Ehdr *)image;
	uint64_t entry = 0;

	fake_vm(&vm, MEM);
	memset(vm.mem, 0xcc, vm.mem_size); /* dirty, so the bss must really be zeroed */
	/* Where a kernel links itself: virtual addresses in the top 2 GiB, physical ones low.
	 * The loader places segments by p_paddr. */
	for (int i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr *ph = (Elf64_Phdr *)(image + eh->e_phoff + i * sizeof(Elf64_Phdr));
		if (ph->p_type == PT_LOAD)
			ph->p_vaddr = 0xffffffff80000000ULL + ph->p_paddr;
	}
	int err = elf_load(&vm, image, size, &entry);
	check_that(err == 0, "elf_load() of the guest returned %d (%s)", err, strerror(-err));
	check_int(entry, eh->e_entry, "the entry point");
	for (int i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr *ph = (Elf64_Phdr *)(image + eh->e_phoff + i * sizeof(Elf64_Phdr));
		if (ph->p_type != PT_LOAD)
			continue;
		check_that(memcmp(vm.mem + ph->p_paddr, image + ph->p_offset, ph->p_filesz) == 0,
		           "segment %d: guest memory at 0x%" PRIx64 " differs from the file", i,
		           (uint64_t)ph->p_paddr);
		for (uint64_t j = ph->p_filesz; j < ph->p_memsz; j++)
			check_that(vm.mem[ph->p_paddr + j] == 0,
			           "segment %d: byte 0x%" PRIx64 " of the bss is not zero", i,
			           (uint64_t)(ph->p_paddr + j));
	}
	free(vm.mem);
	free(image);
}

/* This test checks that an image whose magic is damaged (one random byte of the four) is
 * refused with -ENOEXEC, and guest memory is left as it was. */
static void test_elf_bad_magic(void **state)
{
	struct vm vm;
	size_t size;
	uint8_t *image = guest_elf(&size);
	uint64_t entry;
	int at = (int)hako_rand_range(0, 3);

	image[at] ^= (uint8_t)hako_rand_range(1, 255);
	fake_vm(&vm, MEM);
	uint64_t before = mem_sum(&vm);
	check_int(elf_load(&vm, image, size, &entry), -ENOEXEC, "elf_load() with a damaged magic");
	check_that(mem_sum(&vm) == before, "guest memory changed although the ELF was refused");
	free(vm.mem);
	free(image);
}

/* This test checks that 32-bit ELF files, other machines, non-executables, a program header
 * table or a segment outside the file, and a segment with more file bytes than memory bytes
 * are refused with -ENOEXEC (without reading outside). */
static void test_elf_not_x86_64(void **state)
{
	struct vm vm;
	size_t size;
	uint8_t *image = guest_elf(&size), *copy = malloc(size);
	Elf64_Ehdr *eh = (Elf64_Ehdr *)copy;
	uint64_t entry;

	fake_vm(&vm, MEM);
	memcpy(copy, image, size);
	copy[EI_CLASS] = ELFCLASS32;
	check_int(elf_load(&vm, copy, size, &entry), -ENOEXEC, "elf_load() of an ELFCLASS32 file");
	memcpy(copy, image, size);
	eh->e_machine = EM_AARCH64;
	check_int(elf_load(&vm, copy, size, &entry), -ENOEXEC, "elf_load() of an AArch64 file");
	memcpy(copy, image, size);
	copy[EI_DATA] = ELFDATA2MSB;
	check_int(elf_load(&vm, copy, size, &entry), -ENOEXEC, "elf_load() of a big-endian file");
	memcpy(copy, image, size);
	eh->e_phentsize = sizeof(Elf32_Phdr);
	check_int(elf_load(&vm, copy, size, &entry), -ENOEXEC,
	          "elf_load() with e_phentsize 32 (not sizeof(Elf64_Phdr))");
	memcpy(copy, image, size);
	eh->e_type = ET_DYN;
	check_int(elf_load(&vm, copy, size, &entry), -ENOEXEC, "elf_load() of an ET_DYN file");
	memcpy(copy, image, size);
	eh->e_phoff = UINT64_MAX - (uint64_t)hako_rand_range(0, 100);
	check_int(elf_load(&vm, copy, size, &entry), -ENOEXEC,
	          "elf_load() with e_phoff near 2^64 (the table wraps around)");
	/* e_phoff = 2^64 - 64 with two headers: e_phoff + the table wraps around to 48. A loader
	 * that adds without checking reads the headers from before the image: here 64 bytes of
	 * our own holding a PT_LOAD header, so the mistake shows as an accepted file, not a crash. */
	uint8_t *padded = calloc(1, 64 + size);
	Elf64_Phdr fake = {.p_type = PT_LOAD,
	                   .p_filesz = 16,
	                   .p_memsz = 16,
	                   .p_paddr = 0x100000,
	                   .p_vaddr = 0x100000};
	memcpy(padded, &fake, sizeof(fake));
	memcpy(padded + 64, image, size);
	Elf64_Ehdr *padded_eh = (Elf64_Ehdr *)(padded + 64);
	padded_eh->e_phoff = UINT64_MAX - 63;
	padded_eh->e_phnum = 2;
	check_int(elf_load(&vm, padded + 64, size, &entry), -ENOEXEC,
	          "elf_load() with e_phoff = 2^64 - 64 and two headers (the table's end wraps "
	          "around to 48)");
	free(padded);
	memcpy(copy, image, size);
	eh->e_phoff = size - (uint64_t)hako_rand_range(1, 50);
	check_int(elf_load(&vm, copy, size, &entry), -ENOEXEC,
	          "elf_load() with the program headers past the end of the file");
	check_int(elf_load(&vm, image, 40, &entry), -ENOEXEC, "elf_load() of the first 40 bytes");
	memcpy(copy, image, size);
	Elf64_Phdr *ph = last_load(copy);
	ph->p_offset = size - ph->p_filesz + (uint64_t)hako_rand_range(1, 100);
	check_int(elf_load(&vm, copy, size, &entry), -ENOEXEC,
	          "elf_load() of a segment whose bytes run past the end of the file");
	memcpy(copy, image, size);
	ph->p_offset = UINT64_MAX - (uint64_t)hako_rand_range(0, 100);
	check_int(elf_load(&vm, copy, size, &entry), -ENOEXEC,
	          "elf_load() with p_offset near 2^64 (p_offset + p_filesz wraps around)");
	memcpy(copy, image, size);
	ph->p_memsz = ph->p_filesz - 1;
	check_int(elf_load(&vm, copy, size, &entry), -ENOEXEC,
	          "elf_load() of a segment with p_filesz > p_memsz");
	free(vm.mem);
	free(copy);
	free(image);
}

/* This test checks that a segment reaching outside guest memory is refused (-ERANGE, also when
 * its end wraps around 2^64), and hakovm says so. */
static void test_elf_segment_outside_memory(void **state)
{
	struct vm vm;
	size_t size;

	hako_require_kvm(); /* the last part runs hakovm */
	uint8_t *image = guest_elf(&size);
	Elf64_Phdr *ph = first_load(image);
	uint64_t entry;

	fake_vm(&vm, MEM);
	ph->p_paddr = ph->p_vaddr = UINT64_MAX - 0xfff;
	check_int(elf_load(&vm, image, size, &entry), -ERANGE,
	          "elf_load() of a segment at 0xfffffffffffff000 (its end wraps around)");
	ph->p_paddr = ph->p_vaddr = MEM - ph->p_memsz + (uint64_t)hako_rand_range(1, 4096);
	uint64_t before = mem_sum(&vm);
	check_int(elf_load(&vm, image, size, &entry), -ERANGE,
	          "elf_load() of a segment that ends past guest memory");
	check_that(mem_sum(&vm) == before, "guest memory changed although the ELF was refused");

	/* The first segment fine, the last one outside: nothing may be copied either. */
	uint8_t *good = guest_elf(&size);
	Elf64_Phdr *last = last_load(good);
	last->p_paddr = last->p_vaddr = MEM - last->p_memsz + (uint64_t)hako_rand_range(1, 4096);
	check_int(elf_load(&vm, good, size, &entry), -ERANGE,
	          "elf_load() whose last segment ends past guest memory");
	check_that(mem_sum(&vm) == before, "guest memory changed although the ELF was refused: "
	                                   "check every segment before copying any");
	/* The last one's end wraps around 2^64 to a small number: refused in the first pass too. */
	last->p_paddr = last->p_vaddr = UINT64_MAX - (uint64_t)hako_rand_range(0, 7);
	check_int(elf_load(&vm, good, size, &entry), -ERANGE,
	          "elf_load() whose last segment's end wraps around 2^64");
	check_that(mem_sum(&vm) == before,
	           "guest memory changed although the ELF was refused: p_paddr + p_memsz wrapped "
	           "around and passed the first pass's check (__builtin_add_overflow)");
	free(good);
	free(vm.mem);

	check_hakovm_refuses(image, size, "outside guest memory", "hakovm's message");
	free(image);
}

/* This test checks that an entry point outside guest memory is refused (-ERANGE) before
 * anything is copied, and hakovm says so. */
static void test_elf_entry_outside_memory(void **state)
{
	struct vm vm;
	size_t size;

	hako_require_kvm(); /* the last part runs hakovm */
	uint8_t *image = guest_elf(&size);
	Elf64_Ehdr *eh = (Elf64_Ehdr *)image;
	uint64_t entry;

	fake_vm(&vm, MEM);
	uint64_t before = mem_sum(&vm);
	eh->e_entry = MEM + (uint64_t)hako_rand_range(0, 1 << 20);
	check_int(elf_load(&vm, image, size, &entry), -ERANGE,
	          "elf_load() with e_entry past the end of guest memory");
	eh->e_entry = 0xffffffff80000000ULL + (uint64_t)hako_rand_range(0x100000, 0x1fffff);
	check_int(elf_load(&vm, image, size, &entry), -ERANGE,
	          "elf_load() with e_entry in the top 2 GiB (a virtual address not mapped here)");
	check_that(mem_sum(&vm) == before, "guest memory changed although the ELF was refused");
	free(vm.mem);

	check_hakovm_refuses(image, size, "entry point", "hakovm's message");
	free(image);
}

/* This test checks that a segment over hakovm's GDT and page tables is refused (-EBUSY), and
 * hakovm says so. */
static void test_elf_overlaps_page_tables(void **state)
{
	struct vm vm;
	size_t size;

	hako_require_kvm(); /* the last part runs hakovm */
	uint8_t *image = guest_elf(&size);
	Elf64_Phdr *ph = first_load(image);
	uint64_t entry, addr = (uint64_t)hako_rand_range(LM_GDT, LM_PD + 0xfff) & ~0xfULL;

	ph->p_paddr = ph->p_vaddr = addr;
	fake_vm(&vm, MEM);
	uint64_t before = mem_sum(&vm);
	check_int(elf_load(&vm, image, size, &entry), -EBUSY,
	          "elf_load() of a segment over the page tables");
	check_that(mem_sum(&vm) == before, "guest memory changed although the ELF was refused");
	free(vm.mem);

	check_hakovm_refuses(image, size, "a segment overlaps hakovm's GDT, page tables and stack",
	                     "hakovm's message for elf_load()'s -EBUSY");
	free(image);
}

/* This test checks that hakovm runs the guest ELF as it is, and refuses a copy whose magic is
 * damaged or cut short instead of running it as a 16-bit image (exit 125, saying why). */
static void test_elf_damaged_refused(void **state)
{
	char *dir = hako_tmpdir();
	size_t size;
	uint8_t *image = guest_elf(&size);
	struct hako_run r;
	size_t cut = (size_t)hako_rand_range(1, 3);
	int at = (int)hako_rand_range(1, 3);

	hako_require_kvm();
	const char *good[] = {write_image(dir, image, size), NULL};
	run_hakovm(&r, good);
	check_contains(r.out, "hello from 64-bit long mode", "the guest's output (the ELF intact)");
	hako_run_free(&r);

	const char *shortened[] = {write_image(dir, image, cut), NULL};
	run_hakovm(&r, shortened);
	check_exit(&r, HAKOVM_EXIT_FAILED, "hakovm's exit code for an ELF magic cut short");
	check_contains(r.err, "ELF", "hakovm's message for an ELF magic cut short");
	hako_run_free(&r);

	image[at] ^= (uint8_t)hako_rand_range(1, 255);
	const char *damaged[] = {write_image(dir, image, size), NULL};
	run_hakovm(&r, damaged);
	hako_rm_rf(dir);
	free(dir);
	free(image);
	check_exit(&r, HAKOVM_EXIT_FAILED,
	           "hakovm's exit code for an ELF with one magic byte damaged");
	check_contains(r.err, "ELF", "hakovm's message for a damaged ELF magic");
	hako_run_free(&r);
}

/* ---- the 64-bit guest ---- */

/* Find "NAME=" in TEXT and parse the number after it (0x hex or decimal); -1 if absent. */
static long long field(const char *text, const char *name)
{
	char key[32];
	snprintf(key, sizeof(key), "%s=", name);
	const char *p = strstr(text, key);
	return p ? strtoll(p + strlen(key), NULL, 0) : -1;
}

/* This test checks that the C guest finds itself in 64-bit long mode: it reads CS.L from the
 * GDT, CR0, CR4 and EFER itself and prints them. */
static void test_longmode_guest_reports_64bit(void **state)
{
	char *dir = hako_tmpdir();
	size_t size;
	uint8_t *image = guest_elf(&size);
	struct hako_run r;

	hako_require_kvm();
	const char *args[] = {
	    "--arg", "1", "--arg", "2", "--arg", "3", write_image(dir, image, size), NULL};
	run_hakovm(&r, args);
	hako_rm_rf(dir);
	free(dir);
	free(image);
	check_contains(r.out, "hello from 64-bit long mode", "the guest's output");
	check_int(field(r.out, "cs.l"), 1, "the guest's CS.L");
	check_int(field(r.out, "cr0") & 0x80000001, 0x80000001, "the guest's CR0.PG | CR0.PE");
	check_int(field(r.out, "cr4") & 0x20, 0x20, "the guest's CR4.PAE");
	check_int(field(r.out, "efer") & 0x500, 0x500, "the guest's EFER.LME | EFER.LMA");
	hako_run_free(&r);
}

/* What the guest computes (tests/17-long-mode/guest/main.c), on the host. */
static uint64_t guest_compute(uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t squares[32] = {0}, mix = 0x9e3779b97f4a7c15, r = a * b + c;

	for (int i = 0; i < 32; i++)
		squares[i] += (a + i) * (a + i);
	for (int i = 0; i < 32; i++)
		r = (r ^ squares[i]) * mix + (r >> 29);
	return r;
}

/* This test checks that three random 64-bit inputs passed by `hakovm --arg` reach the C guest
 * as main's arguments, and its result comes back on the UART and as the exit status. */
static void test_longmode_guest_computes(void **state)
{
	char *dir = hako_tmpdir(), a[24], b[24], c[24], want[48];
	size_t size;
	uint8_t *image = guest_elf(&size);
	uint64_t x = ((uint64_t)hako_rand() << 32) | hako_rand(), y = hako_rand(),
	         z = ((uint64_t)hako_rand() << 32) | hako_rand();
	struct hako_run r;

	hako_require_kvm();
	snprintf(a, sizeof(a), "0x%" PRIx64, x);
	snprintf(b, sizeof(b), "%" PRIu64, y);
	snprintf(c, sizeof(c), "0x%" PRIx64, z);
	uint64_t result = guest_compute(x, y, z);
	snprintf(want, sizeof(want), "result=0x%" PRIx64 "\n", result);
	const char *args[] = {"--arg", a, "--arg", b, "--arg", c, write_image(dir, image, size),
	                      NULL};
	run_hakovm(&r, args);
	hako_rm_rf(dir);
	free(dir);
	free(image);
	check_contains(r.out, want, "the guest's output");
	check_exit(&r, result & 0x3f, "hakovm's exit code (the guest's main returned it)");
	hako_run_free(&r);
}

HAKO_TEST_MAIN(HAKO_TEST(test_longmode_tables), HAKO_TEST(test_longmode_sregs),
               HAKO_TEST(test_longmode_entry_regs), HAKO_TEST(test_elf_load_segments),
               HAKO_TEST(test_elf_bad_magic), HAKO_TEST(test_elf_not_x86_64),
               HAKO_TEST(test_elf_segment_outside_memory), HAKO_TEST(test_elf_entry_outside_memory),
               HAKO_TEST(test_elf_overlaps_page_tables), HAKO_TEST(test_elf_damaged_refused),
               HAKO_TEST(test_longmode_guest_reports_64bit),
               HAKO_TEST(test_longmode_guest_computes))
