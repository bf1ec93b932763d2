/* triple.S: a guest that triple-faults. It switches on protected mode with an interrupt
 * table of limit 0. An invalid instruction (ud2) then faults (#UD), the #UD cannot be
 * delivered (#DF), and neither can the double fault: the CPU shuts down, which KVM reports as
 * KVM_EXIT_SHUTDOWN. (Real mode is more forgiving about the table's limit.) */
	.code16
	.text
	.globl _start
_start:
	cli
	xor	%ax, %ax
	mov	%ax, %ds
	lidt	idt
	mov	%cr0, %eax
	or	$1, %eax		/* CR0.PE */
	mov	%eax, %cr0
	mov	$0x1234, %ax		/* something to see in the register dump */
	ud2				/* #UD: no handler, nor for #DF */
	hlt
	.balign 8
idt:	.word	0			/* limit 0: no vector fits */
	.long	0
