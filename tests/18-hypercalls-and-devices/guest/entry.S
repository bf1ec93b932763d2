/* entry.S: lesson 18's guest: the entry point and the interrupt stubs its IDT points at. */
	.section .text.start, "ax"
	.globl _start
_start:
	call	main		/* hakovm put the --arg values in rdi, rsi, rdx, rcx */
	mov	%eax, %edi
	call	guest_exit
1:	hlt
	jmp	1b

	.text
	.altmacro
/* Exceptions 0-31: report the vector and stop (guest_fault never returns). */
	.macro fault n
fault_\n:
	mov	$\n, %edi
	mov	(%rsp), %rsi	/* the error code or rip: enough for a report */
	jmp	guest_fault
	.endm
/* IRQs on vectors 32-47 (the PICs, remapped): save what C may clobber, call irq_handler. */
	.macro irq n
irq_\n:
	push	%rdi
	mov	$\n, %edi
	jmp	irq_common
	.endm

	.set i, 0
	.rept 32
	fault %i
	.set i, i + 1
	.endr
	.set i, 32
	.rept 16
	irq %i
	.set i, i + 1
	.endr

irq_common:
	push	%rax
	push	%rcx
	push	%rdx
	push	%rsi
	push	%r8
	push	%r9
	push	%r10
	push	%r11
	cld
	call	irq_handler	/* rsp is 16-byte aligned here: the CPU aligned it first */
	pop	%r11
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rsi
	pop	%rdx
	pop	%rcx
	pop	%rax
	pop	%rdi
	iretq

	.macro addr kind, n
	.quad	\kind\()_\n
	.endm
	.section .rodata
	.globl vectors
vectors:
	.set i, 0
	.rept 32
	addr fault, %i
	.set i, i + 1
	.endr
	.rept 16
	addr irq, %i
	.set i, i + 1
	.endr
	.section .note.GNU-stack, "", @progbits
