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
static const struct kvm_segment code_segment = {
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
static const struct kvm_segment data_segment = {
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
static uint64_t gdt_entry(const struct kvm_segment *s)
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
	uint64_t pages = (vm->mem_size + (2u << 20) - 1) >> 21; /* 2 MiB pages, rounded up */

	if (!gdt || !pml4 || !pdpt || !pd)
		return -ENOMEM; /* guest memory is smaller than hakovm's area */
	/// TODO(17): Write the GDT and the page tables (guest memory, so through these pointers):
	///   gdt[0] = 0 (the null descriptor), gdt[LM_SEL_CODE / 8] = gdt_entry(&code_segment),
	///   gdt[LM_SEL_DATA / 8] = gdt_entry(&data_segment).
	///   Zero the three tables (4096 bytes each), then
	///   pml4[0] = LM_PDPT | PTE_P | PTE_RW;  pdpt[0] = LM_PD | PTE_P | PTE_RW;
	///   pd[i] = (i << 21) | PTE_P | PTE_RW | PTE_PS  for i < pages.
	(void)pages;
	(void)gdt_entry;
	return -ENOSYS;
}

int longmode_setup(struct vm *vm)
{
	struct kvm_sregs sregs;
	int err;

	if (vm->mem_size > LM_MAX_MEM)
		return -E2BIG;
	err = write_tables(vm);
	if (err < 0)
		return err;

	/// TODO(17): The vCPU's side. KVM_GET_SREGS, then:
	///   sregs.cs = code_segment; ds, es, fs, gs, ss = data_segment (the hidden state must
	///   match the GDT: a later segment load reads the GDT, and the CPU checks they agree);
	///   sregs.gdt.base = LM_GDT, sregs.gdt.limit = 3 * 8 - 1;
	///   cr3 = LM_PML4; cr4 = CR4_PAE; cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP |
	///   CR0_AM | CR0_PG; efer = EFER_LME | EFER_LMA (both: newer kernels refuse LME alone,
	///   since no mode switch happens to set LMA for us);
	///   KVM_SET_SREGS. Return -errno if an ioctl fails.
	(void)sregs;
	(void)code_segment;
	(void)data_segment;
	return -ENOSYS;
}

int longmode_set_entry(struct vm *vm, uint64_t entry, const uint64_t *args, int nargs)
{
	struct kvm_regs regs;

	if (nargs < 0 || nargs > VM_MAX_ARGS)
		return -EINVAL;
	memset(&regs, 0, sizeof(regs));
	/// TODO(17): rip = ENTRY, rsp = LM_STACK_TOP (the stack grows down into 0x5000-0x7fff),
	/// rflags = 2, ARGS into rdi, rsi, rdx, rcx (in that order, NARGS of them);
	/// ioctl(vm->vcpu_fd, KVM_SET_REGS, &regs), -errno on failure.
	return -ENOSYS;
}
