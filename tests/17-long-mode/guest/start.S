/* start.S: the guest's entry. hakovm set rsp and put its --arg values in rdi, rsi, rdx and
 * rcx, which is where the C calling convention passes main's arguments. */
	.section .text.start, "ax"
	.globl _start
_start:
	call	main
	mov	%eax, %edi
	call	guest_exit
1:	hlt
	jmp	1b
	.section .note.GNU-stack, "", @progbits
