/* elf.c: lesson 17 — hakovm's first loader: an ELF64 executable's segments into guest memory. */
#include "hakovm.h"

#include <elf.h>
#include <errno.h>
#include <string.h>

/*
 * An ELF executable, as a loader sees it:
 *
 *   offset 0        Elf64_Ehdr: magic, class, machine, type, e_entry, e_phoff, e_phnum
 *   e_phoff         Elf64_Phdr[e_phnum]: for each PT_LOAD, "copy p_filesz bytes from file
 *                   offset p_offset to address p_paddr, then zero up to p_memsz" (bss)
 *   ...             the bytes of the segments
 *
 * Every number in it comes from a file we did not write: check each offset, size and
 * address, without overflow, before using any of them — and check all segments before
 * copying any, so a refused file leaves guest memory as it was.
 */

/* Read program header I of IMAGE into *PH (memcpy: the file need not be aligned). */
static void read_phdr(const uint8_t *image, const Elf64_Ehdr *eh, int i, Elf64_Phdr *ph)
{
	memcpy(ph, image + eh->e_phoff + (uint64_t)i * sizeof(*ph), sizeof(*ph));
}

/* 0 if the ELF header is one hakovm can load and its program headers lie inside the file. */
static int check_header(const Elf64_Ehdr *eh, size_t size)
{
	/// TODO(17): Return 0 if EH is the header of an ELF hakovm can load, else -ENOEXEC: a
	/// 64-bit, little-endian, x86-64 executable (ET_EXEC) whose program headers are
	/// Elf64_Phdr-sized and lie, all e_phnum of them, inside the file of SIZE bytes. Check the
	/// magic before trusting anything else. Every number comes from the file: compute sizes and
	/// ends so that they cannot wrap around. See elf(5) and the README, "ELF: what a loader
	/// reads".
	/// BEGIN SOLUTION
	uint64_t table, end;

	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_ident[EI_DATA] != ELFDATA2LSB || eh->e_machine != EM_X86_64 ||
	    eh->e_type != ET_EXEC || eh->e_phentsize != sizeof(Elf64_Phdr))
		return -ENOEXEC;
	if (__builtin_mul_overflow((uint64_t)eh->e_phnum, sizeof(Elf64_Phdr), &table) ||
	    __builtin_add_overflow(eh->e_phoff, table, &end) || end > size)
		return -ENOEXEC;
	return 0;
	/// END SOLUTION
	/// STUB: return -ENOSYS;
}

/* 0 if the PT_LOAD segment PH can be loaded into VM from a file of SIZE bytes. */
static int check_segment(struct vm *vm, const Elf64_Phdr *ph, size_t size)
{
	/// TODO(17): Return 0 if the PT_LOAD segment PH can be loaded, else:
	///   -ENOEXEC when its file part (p_filesz bytes at p_offset) is not inside the file,
	///     or is bigger than its memory part (p_memsz);
	///   -ERANGE when its memory part (p_memsz bytes at p_paddr) is not inside guest memory;
	///   -EBUSY when it starts below LM_RESERVED, where the GDT, page tables and stack are.
	/// As in check_header(), no sum may wrap around.
	/// BEGIN SOLUTION
	uint64_t file_end, mem_end;

	if (__builtin_add_overflow(ph->p_offset, ph->p_filesz, &file_end) || file_end > size ||
	    ph->p_filesz > ph->p_memsz)
		return -ENOEXEC;
	if (__builtin_add_overflow(ph->p_paddr, ph->p_memsz, &mem_end) || mem_end > vm->mem_size)
		return -ERANGE;
	if (ph->p_paddr < LM_RESERVED)
		return -EBUSY;
	return 0;
	/// END SOLUTION
	/// STUB: return -ENOSYS;
}

int elf_load(struct vm *vm, const uint8_t *image, size_t size, uint64_t *entry)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	int err;

	if (size < sizeof(eh))
		return -ENOEXEC;
	memcpy(&eh, image, sizeof(eh));
	err = check_header(&eh, size);
	if (err < 0)
		return err;

	/* First pass: check everything. */
	for (int i = 0; i < eh.e_phnum; i++) {
		read_phdr(image, &eh, i, &ph);
		if (ph.p_type == PT_LOAD && (err = check_segment(vm, &ph, size)) < 0)
			return err;
	}
	if (eh.e_entry >= vm->mem_size)
		return -ERANGE;

	/// TODO(17): Second pass, now that every segment is known to be good: load each PT_LOAD
	/// segment into guest memory at its physical address (through guest_mem()), its file bytes
	/// followed by zeros up to its memory size (the bss). Then set *ENTRY and return 0.
	/// BEGIN SOLUTION
	for (int i = 0; i < eh.e_phnum; i++) {
		read_phdr(image, &eh, i, &ph);
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		uint8_t *dst = guest_mem(vm, ph.p_paddr, ph.p_memsz);
		if (!dst)
			return -ERANGE;
		memcpy(dst, image + ph.p_offset, ph.p_filesz);
		memset(dst + ph.p_filesz, 0, ph.p_memsz - ph.p_filesz);
	}
	*entry = eh.e_entry;
	return 0;
	/// END SOLUTION
	/// STUB: return -ENOSYS;
}
