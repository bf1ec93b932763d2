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
	/// TODO(16): Return where the guest physical range GPA .. GPA + LEN - 1 is in hakovm
	/// (vm->mem + gpa) when the whole range lies inside guest memory, else NULL. Both numbers
	/// come from the guest: a GPA near 2^64 makes gpa + len wrap around to a small,
	/// harmless-looking number, and that range must be refused too. An empty range (LEN 0)
	/// at gpa == mem_size is allowed. See the README, "One door to guest memory".
	return NULL;
}

int guest_image_read(const char *path, size_t limit, uint8_t **data, size_t *size)
{
	uint8_t *buf = NULL;
	int fd = -1, err;

	*data = NULL;
	*size = 0;
	/// TODO(16): Read the whole file PATH into a new malloc'd buffer (*data, *size), return 0.
	/// Refuse a bad image before reading it; each error sets err and goes to bad, which
	/// frees and closes what was made:
	///   -errno of open(2) (ENOENT: the image is missing);
	///   -EINVAL when PATH is not a regular file (a directory, /dev/zero, a FIFO);
	///   -ENODATA when it is empty; -EFBIG when it is larger than LIMIT;
	///   -EIO when the file ends before its size said (it shrank while we read).
	/// Opening a FIFO waits until someone opens its other end, which may be never: open
	/// without blocking (O_NONBLOCK), so that fstat(2) can refuse it first.
	/// See open(2), fstat(2) and read(2), and the README, "Your tasks".
	err = -ENOSYS;
	goto bad;
bad:
	free(buf);
	if (fd >= 0)
		close(fd);
	return err;
}
