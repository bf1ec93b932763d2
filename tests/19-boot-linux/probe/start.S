/* start.S: the probe kernel's protected-mode part, loaded at 1 MiB. A real kernel keeps its
 * 32-bit entry at +0 and its 64-bit entry at +0x200; the probe has only the 64-bit one. It
 * hands what the boot loader left in the registers to probe_main(zero page, cs, ds, ss,
 * rflags) before anything changes them. */
	.section .text.head, "ax"
	.globl _start
_start:
	.fill	0x200, 1, 0xf4		/* hlt: nobody should enter at +0 */
startup_64:
	mov	%rsi, %rdi		/* the zero page */
	movl	%cs, %esi
	movl	%ds, %edx
	movl	%ss, %ecx
	lea	stack_top(%rip), %rsp
	pushfq
	pop	%r8
	call	probe_main
1:	hlt
	jmp	1b

	.section .bss
	.balign	16
	.space	8192
stack_top:
	.section .note.GNU-stack, "", @progbits
