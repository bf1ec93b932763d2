/* longmode.c: lesson 17 — 64-bit long mode: a GDT, identity page tables, CR0, CR4 and EFER. */
#include "hakovm.h"

#include <errno.h>
#include <linux/kvm.h>
#include <string.h>
#include <sys/ioctl.h>

#define CR0_PE   (1ULL << 0) /* protected mode */
#define CR0_MP   (1ULL << 1)
#define CR0_ET   (1ULL << 4)
#define CR0_NE   (1ULL << 5)  /* report FPU errors as exceptions */
#define CR0_WP   (1ULL << 16) /* read-only pages are read-only for the kernel too */
#define CR0_AM   (1ULL << 18)
#define CR0_PG   (1ULL << 31) /* paging */
#define CR4_PAE  (1ULL << 5)  /* 64-bit page table entries: required for long mode */
#define EFER_LME (1ULL << 8)  /* long mode enable */
#define EFER_LMA (1ULL << 10) /* long mode active: what the CPU sets once PG is on */

#define PTE_P  (1ULL << 0) /* present */
#define PTE_RW (1ULL << 1) /* writable */
#define PTE_PS (1ULL << 7) /* in a PD entry: this is a 2 MiB page, not a page table */

/*
 * The two segments every 64-bit guest needs. In long mode base and limit are ignored for
 * code and data, but the L bit of CS is what makes the CPU decode 64-bit instructions.
 * (type 11: code, execute/read, accessed; type 3: data, read/write, accessed.)
 */
static GIVEN const struct kvm_segment code_segment = {
    .base = 0,
    .limit = 0xffffffff,
    .selector = LM_SEL_CODE,
    .type = 11,
    .present = 1,
    .dpl = 0,
    .db = 0,
    .s = 1,
    .l = 1,
    .g = 1,
};
static GIVEN const struct kvm_segment data_segment = {
    .base = 0,
    .limit = 0xffffffff,
    .selector = LM_SEL_DATA,
    .type = 3,
    .present = 1,
    .dpl = 0,
    .db = 1,
    .s = 1,
    .l = 0,
    .g = 1,
};

/*
 * Encode S as the 8-byte GDT descriptor the CPU would load it from:
 *
 *   63      56 55 54 53 52 51    48 47 46 45 44 43   40 39       16 15        0
 *   base 31:24  G DB  L AVL limit19:16 P  DPL  S  type   base 23:0   limit 15:0
 */
static GIVEN uint64_t gdt_entry(const struct kvm_segment *s)
{
	uint64_t limit = s->g ? s->limit >> 12 : s->limit;

	return (limit & 0xffff) | ((uint64_t)s->base & 0xffffff) << 16 | (uint64_t)s->type << 40 |
	       (uint64_t)s->s << 44 | (uint64_t)s->dpl << 45 | (uint64_t)s->present << 47 |
	       ((limit >> 16) & 0xf) << 48 | (uint64_t)s->avl << 52 | (uint64_t)s->l << 53 |
	       (uint64_t)s->db << 54 | (uint64_t)s->g << 55 |
	       (((uint64_t)s->base >> 24) & 0xff) << 56;
}

/*
 * The tables in guest memory. Identity map: virtual address X is physical address X, so the
 * ELF's addresses need no translation. A 48-bit virtual address is cut into indices:
 *
 *   47     39 38     30 29     21 20                 0
 *   PML4 idx  PDPT idx  PD idx    offset in a 2 MiB page
 *
 * Guest memory is at most 1 GiB, so PML4[0] -> PDPT[0] -> one PD of up to 512 entries.
 */
static int write_tables(struct vm *vm)
{
	uint64_t *gdt = guest_mem(vm, LM_GDT, 3 * 8);
	uint64_t *pml4 = guest_mem(vm, LM_PML4, 4096);
	uint64_t *pdpt = guest_mem(vm, LM_PDPT, 4096);
	uint64_t *pd = guest_mem(vm, LM_PD, 4096);

	if (!gdt || !pml4 || !pdpt || !pd)
		return -ENOMEM; /* guest memory is smaller than hakovm's area */
	/// TODO(17): Write, through these pointers into guest memory, the GDT and the page tables:
	///   the GDT: the null descriptor, then code_segment and data_segment at the entries
	///     their selectors (LM_SEL_CODE, LM_SEL_DATA) point to, encoded by gdt_entry();
	///   page tables that identity-map all of guest memory with 2 MiB pages (the last may
	///     reach beyond mem_size: round up), PML4 -> PDPT -> PD, every entry present and
	///     writable, and nothing else mapped.
	/// Return 0. See the README, "The GDT and the hidden state" and "Four levels of page
	/// tables, identity mapped", and the PTE_* bits above.
	return -ENOSYS;
}

int longmode_setup(struct vm *vm)
{
	int err;

	if (vm->mem_size > LM_MAX_MEM)
		return -E2BIG;
	err = write_tables(vm);
	if (err < 0)
		return err;

	/// TODO(17): The vCPU's side: the state a CPU is in after the switch to 64-bit long mode.
	///   segments: cs from code_segment, the other five from data_segment (the hidden
	///     state must match the GDT: a later segment load reads the GDT, and the CPU checks
	///     that they agree);
	///   the GDT register: the 3-entry table at LM_GDT;
	///   CR3 at the PML4; CR0, CR4 and EFER with the bits of the README's table (CR0 also with
	///   the MP, ET, NE, WP and AM bits a 64-bit kernel sets: cr0 = 0x80050033). Start from
	///   KVM's state for everything else. Return 0, or vm_fail(vm, "CALL") when KVM refuses. A
	///   KVM quirk: set EFER.LMA as well as LME. No mode switch happens to set LMA for us, and
	///   newer kernels refuse LME and PG without LMA. See KVM_GET_SREGS / KVM_SET_SREGS in the
	///   KVM API document.
	return -ENOSYS;
}

int longmode_set_entry(struct vm *vm, uint64_t entry, const uint64_t *args, int nargs)
{
	struct kvm_regs regs;

	if (nargs < 0 || nargs > VM_MAX_ARGS)
		return -EINVAL;
	memset(&regs, 0, sizeof(regs));
	/// TODO(17): Start the vCPU at ENTRY. REGS is zeroed; set rip to ENTRY, rsp to
	/// LM_STACK_TOP (the stack grows down into 0x5000-0x7fff), rflags to 2, and the NARGS
	/// ARGS in the first argument registers of the x86-64 calling convention: rdi, rsi, rdx,
	/// rcx (the guest's main() takes them as its arguments). Return 0, or vm_fail(vm,
	/// "KVM_SET_REGS") when KVM refuses.
	return -ENOSYS;
}
