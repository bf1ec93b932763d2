/* uart.S: lesson 16's UART guest, 16-bit real mode, loaded at 0x1000. It programs the UART
 * as a driver would (divisor under DLAB, then 8N1), then prints the text the test appended
 * to the image: a 16-bit length and that many bytes, right after the code (label text).
 * Before each byte it waits, a bounded number of times, for LSR.THRE.
 * Then it ends: di = 0xffff halts, anything else is written to the debug-exit port. */
	.code16
	.text
	.globl _start
_start:
	xor	%ax, %ax
	mov	%ax, %ds
	mov	$0x3fb, %dx		/* LCR: DLAB on */
	mov	$0x80, %al
	out	%al, (%dx)
	mov	$0x3f8, %dx		/* DLL = 1: 115200 baud */
	mov	$1, %al
	out	%al, (%dx)
	mov	$0x3f9, %dx		/* DLM = 0 */
	xor	%al, %al
	out	%al, (%dx)
	mov	$0x3fb, %dx		/* LCR: 8 bits, no parity, 1 stop bit, DLAB off */
	mov	$0x03, %al
	out	%al, (%dx)

	mov	$text, %si
	mov	(%si), %bx		/* bx = the length */
	add	$2, %si
next:	test	%bx, %bx
	jz	done
	mov	$100, %cx		/* wait for THRE, at most 100 times */
	mov	$0x3fd, %dx
1:	in	(%dx), %al
	test	$0x20, %al
	jnz	ready
	loop	1b
	mov	$0x55, %al		/* the UART never got ready: status 0x55 */
	jmp	exit
ready:	mov	(%si), %al
	mov	$0x3f8, %dx
	out	%al, (%dx)
	inc	%si
	dec	%bx
	jmp	next

done:	cmp	$0xffff, %di
	je	halt
	mov	%di, %ax
exit:	mov	$0x501, %dx
	out	%al, (%dx)
halt:	hlt
	jmp	halt
	.balign 2
text:	/* the test appends: .word length, then the bytes */
