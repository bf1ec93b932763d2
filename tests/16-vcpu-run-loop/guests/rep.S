/* rep.S: a guest of string I/O. It stores di (its first input) in the UART's scratch register,
 * reads it back si (its second input) times with one rep insb into memory at 0x3000, then
 * sends those bytes to the UART with one rep outsb, and halts. KVM hands a rep insb to the VMM
 * as exits of many items each (io.count), so the output is right only if every item is. */
	.code16
	.text
	.globl _start
_start:
	xor	%ax, %ax
	mov	%ax, %ds
	mov	%ax, %es
	cld
	mov	%si, %bx		/* bx = the count */
	mov	%di, %ax
	mov	$0x3ff, %dx		/* SCR = the byte */
	out	%al, (%dx)
	mov	$0x3000, %di
	mov	%bx, %cx
	rep insb			/* es:di <- port dx, cx times */
	mov	$0x3000, %si
	mov	%bx, %cx
	mov	$0x3f8, %dx
	rep outsb			/* port dx <- ds:si, cx times */
	hlt
