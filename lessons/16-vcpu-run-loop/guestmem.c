/* guestmem.c: lesson 16 — guest memory through one bounds-checked door, and reading images. */
#include "hakovm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * Every address the guest hands us (a buffer for a device, a pointer in a table) is a guest
 * physical address chosen by code we do not trust. hakovm touches guest memory only through
 * this function, so one check protects every access:
 *
 *   vm->mem                                      vm->mem + mem_size
 *   |<------------------ guest memory ------------------>|
 *              |<-- len -->|
 *             gpa      gpa + len   must be <= mem_size, computed without wrapping around
 */
void *guest_mem(struct vm *vm, uint64_t gpa, uint64_t len)
{
	/// TODO(16): Return vm->mem + gpa when gpa + len <= vm->mem_size, else NULL.
	/// A guest can pass gpa = 0xffffffffffffff00 and len = 0x200: gpa + len wraps around to
	/// 0x100, which looks fine. Compute the end with __builtin_add_overflow(gpa, len, &end)
	/// and return NULL when it overflows. (len 0 at gpa == mem_size is allowed: it is empty.)
	return NULL;
}

int guest_image_read(const char *path, size_t limit, uint8_t **data, size_t *size)
{
	struct stat st;
	uint8_t *buf = NULL;
	int fd = -1, err;

	*data = NULL;
	*size = 0;
	/// TODO(16): Refuse a bad image before anything else is made:
	///   open(2) PATH read-only (O_CLOEXEC); on failure err = -errno (ENOENT: missing)
	///   fstat(2) it, then from st:
	///   not a regular file (S_ISREG)    -> err = -EINVAL
	///   0 bytes                         -> err = -ENODATA
	///   more than LIMIT bytes           -> err = -EFBIG
	/// (goto bad in each case). Then malloc st.st_size bytes into buf and read(2) the whole
	/// file into it; read may return fewer bytes than asked, so loop until it is all there
	/// (a 0 return before that means the file shrank: err = -EIO). On success set *data
	/// and *size, close fd, return 0.
	(void)st;
	err = -ENOSYS;
	goto bad;
bad:
	free(buf);
	if (fd >= 0)
		close(fd);
	return err;
}
