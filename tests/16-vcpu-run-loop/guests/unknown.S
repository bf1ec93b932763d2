/* unknown.S: a guest that touches what is not there: port di (in, then out) and, with es =
 * si, the byte at es:0, an address outside guest memory (read, then write). Both reads must
 * give 0xff. It prints "ok\n" (or "bad\n") and writes dl (its third input) to the
 * debug-exit port. */
	.code16
	.text
	.globl _start
_start:
	mov	%dx, %bp		/* the exit status, for later */
	mov	%di, %dx
	in	(%dx), %al		/* nothing there: all ones */
	mov	%al, %bl
	out	%al, (%dx)
	mov	%si, %es
	mov	%es:0, %al		/* an MMIO read: outside guest memory */
	and	%al, %bl
	movb	$0x5a, %es:0		/* an MMIO write */
	mov	$0x3f8, %dx
	cmp	$0xff, %bl
	jne	bad
	mov	$'o', %al
	out	%al, (%dx)
	mov	$'k', %al
	out	%al, (%dx)
	jmp	end
bad:	mov	$'b', %al
	out	%al, (%dx)
	mov	$'a', %al
	out	%al, (%dx)
	mov	$'d', %al
	out	%al, (%dx)
end:	mov	$'\n', %al
	out	%al, (%dx)
	mov	$0x501, %dx
	mov	%bp, %ax
	out	%al, (%dx)
	hlt
