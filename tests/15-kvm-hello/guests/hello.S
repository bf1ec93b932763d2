/* hello.S: lesson 15's guest, 16-bit real mode. Adds its two inputs (di and si), stores the
 * sum at 0x500, prints it in decimal and a newline on port 0x3f8, and halts.
 * Built with DEBUG_EXIT (for `make bench`), it also writes 0 to the debug-exit port 0x501
 * before halting, so QEMU ends too. It uses only relative jumps, so it runs at any address. */
	.code16
	.text
	.globl _start
_start:
	xor	%ax, %ax
	mov	%ax, %ds
	mov	%ax, %ss
	mov	$0x1000, %sp		/* the stack grows down from 0x1000, below the image */
	mov	%di, %ax
	add	%si, %ax		/* ax = a + b */
	mov	%ax, 0x500		/* the host can read it in guest memory */
	mov	$10, %bx
	xor	%cx, %cx
1:	xor	%dx, %dx
	div	%bx			/* ax = ax / 10, dx = the last digit */
	add	$'0', %dl
	push	%dx
	inc	%cx
	test	%ax, %ax
	jnz	1b
	mov	$0x3f8, %dx
2:	pop	%ax
	out	%al, (%dx)		/* each out is one exit to the VMM */
	loop	2b
	mov	$'\n', %al
	out	%al, (%dx)
#ifdef DEBUG_EXIT
	mov	$0x501, %dx
	xor	%al, %al
	out	%al, (%dx)
#endif
	hlt
