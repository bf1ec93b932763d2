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
	uint64_t table, end;

	/// TODO(17): -ENOEXEC unless: the magic (memcmp(eh->e_ident, ELFMAG, SELFMAG)),
	/// e_ident[EI_CLASS] == ELFCLASS64, e_ident[EI_DATA] == ELFDATA2LSB,
	/// e_machine == EM_X86_64, e_type == ET_EXEC, e_phentsize == sizeof(Elf64_Phdr), and
	/// the table of e_phnum headers at e_phoff ends inside the file. Compute its size and
	/// end with __builtin_mul_overflow / __builtin_add_overflow: e_phoff comes from the file.
	/// BEGIN SOLUTION
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_ident[EI_DATA] != ELFDATA2LSB || eh->e_machine != EM_X86_64 ||
	    eh->e_type != ET_EXEC || eh->e_phentsize != sizeof(Elf64_Phdr))
		return -ENOEXEC;
	if (__builtin_mul_overflow((uint64_t)eh->e_phnum, sizeof(Elf64_Phdr), &table) ||
	    __builtin_add_overflow(eh->e_phoff, table, &end) || end > size)
		return -ENOEXEC;
	return 0;
	/// END SOLUTION
	/// STUB: (void)table;
	/// STUB: (void)end;
	/// STUB: return -ENOSYS;
}

/* 0 if the PT_LOAD segment PH can be loaded into VM from a file of SIZE bytes. */
static int check_segment(struct vm *vm, const Elf64_Phdr *ph, size_t size)
{
	uint64_t file_end, mem_end;

	/// TODO(17): The file part must be inside the file (p_offset + p_filesz <= size,
	/// overflow-safe) and no bigger than the memory part (p_filesz <= p_memsz): else
	/// -ENOEXEC. The memory part p_paddr .. p_paddr + p_memsz must lie inside guest memory
	/// (overflow-safe): else -ERANGE. And it must not start below LM_RESERVED, where the
	/// GDT, page tables and stack are: else -EBUSY.
	/// BEGIN SOLUTION
	if (__builtin_add_overflow(ph->p_offset, ph->p_filesz, &file_end) || file_end > size ||
	    ph->p_filesz > ph->p_memsz)
		return -ENOEXEC;
	if (__builtin_add_overflow(ph->p_paddr, ph->p_memsz, &mem_end) || mem_end > vm->mem_size)
		return -ERANGE;
	if (ph->p_paddr < LM_RESERVED)
		return -EBUSY;
	return 0;
	/// END SOLUTION
	/// STUB: (void)file_end;
	/// STUB: (void)mem_end;
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

	/// TODO(17): Second pass: for each PT_LOAD header with p_memsz > 0, get
	/// dst = guest_mem(vm, p_paddr, p_memsz) (NULL: return -ERANGE), copy p_filesz bytes
	/// from image + p_offset and zero the remaining p_memsz - p_filesz (the bss).
	/// Then *entry = eh.e_entry; return 0.
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
	/// STUB: (void)entry;
	/// STUB: return -ENOSYS;
}
