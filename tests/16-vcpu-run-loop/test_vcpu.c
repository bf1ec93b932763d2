/* test_vcpu.c: graded tests for lesson 16 — the run loop, buses, the UART, guest memory. */
#include "hako_test.h"
#include "hakovm.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

/* The path of a guest image this lesson's tests.mk built. */
static const char *guest_path(const char *name)
{
	static char path[4096];

	snprintf(path, sizeof(path), "%s/%s", hako_out_dir(), name);
	check_that(access(path, R_OK) == 0, "guest %s was not built", path);
	return path;
}

/* Run hakovm with ARGS (NULL-terminated, without the program) and check it ends in 10 s. */
static void run_hakovm(struct hako_run *r, const char *const *args)
{
	hako_run_prog(r, "hakovm", args, NULL, 10000);
}

/* The start of hakovm's stderr as the end of a failure message, or "". Its note (lesson 16's
 * loop is not written yet), its error (exit 125: it could not start the VM) or its report
 * says why an exit code or an output is not the one expected. */
static const char *said(const struct hako_run *r)
{
	static char buf[512];

	if (!r->err || !r->err[0])
		return "";
	snprintf(buf, sizeof(buf), "\nhakovm's stderr: %.400s%s", r->err,
	         strlen(r->err) > 400 ? "..." : "");
	return buf;
}

/* Check that hakovm's stdout is the text WANT; a failure shows its stderr too. */
static void check_out(const struct hako_run *r, const char *want, const char *what)
{
	check_that(r->out && strcmp(r->out, want) == 0, "%s: expected \"%s\", got \"%s\"%s", what,
	           want, r->out ? r->out : "", said(r));
}

/* Check that hakovm wrote WANT bytes on stdout; a failure shows its stderr too. */
static void check_out_len(const struct hako_run *r, size_t want, const char *what)
{
	check_that(r->out_len == want, "%s: expected %zu, got %zu%s", what, want, r->out_len,
	           said(r));
}

/* Write LEN bytes of DATA to a new file PATH. */
static void write_bytes(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	check_that(fd >= 0 && write(fd, data, len) == (ssize_t)len, "write %s", path);
	close(fd);
}

/* Write the UART guest followed by TEXT (LEN bytes, length first) to PATH. */
static void uart_guest_with_text(const char *path, const uint8_t *text, uint16_t len)
{
	FILE *f = fopen(guest_path("guest-uart.bin"), "rb");
	uint8_t buf[4096 + 2 + 65536];
	size_t n = fread(buf, 1, 4096, f);

	fclose(f);
	buf[n] = (uint8_t)len;
	buf[n + 1] = (uint8_t)(len >> 8);
	memcpy(buf + n + 2, text, len);
	write_bytes(path, buf, n + 2 + len);
}

/* ---- guest memory ---- */

/* This test checks that guest_mem() gives a pointer for ranges inside guest memory and NULL
 * for anything reaching outside, including ranges whose end wraps around 2^64. */
static void test_guestmem_bounds(void **state)
{
	struct vm vm = {.kvm_fd = -1, .vm_fd = -1, .vcpu_fd = -1};
	size_t size = (size_t)hako_rand_range(1, 64) * 4096;
	uint64_t gpa = (uint64_t)hako_rand_range(0, (long)size - 1);

	vm.mem = malloc(size);
	vm.mem_size = size;
	check_that(guest_mem(&vm, gpa, size - gpa) == vm.mem + gpa,
	           "guest_mem(0x%llx, 0x%llx) should be vm->mem + gpa (the range ends at the "
	           "last byte)",
	           (unsigned long long)gpa, (unsigned long long)(size - gpa));
	check_that(guest_mem(&vm, 0, size) == vm.mem, "guest_mem(0, all of memory) is NULL");
	check_that(guest_mem(&vm, gpa, size - gpa + 1) == NULL,
	           "guest_mem() of a range one byte too long is not NULL");
	check_that(guest_mem(&vm, size, 1) == NULL, "guest_mem(mem_size, 1) is not NULL");
	check_that(guest_mem(&vm, UINT64_MAX - 0xff, 0x200) == NULL,
	           "guest_mem(0xffffffffffffff00, 0x200) is not NULL: gpa + len wrapped around");
	check_that(guest_mem(&vm, gpa, UINT64_MAX) == NULL,
	           "guest_mem(gpa, 0xffffffffffffffff) is not NULL: gpa + len wrapped around");
	free(vm.mem);
}

/* This test checks that guest_image_read() reads a whole image, byte for byte. */
static void test_guestmem_image_read(void **state)
{
	char *dir = hako_tmpdir(), path[512];
	size_t len = (size_t)hako_rand_range(1, 20000), size = 0;
	uint8_t *want = malloc(len), *got = NULL;

	for (size_t i = 0; i < len; i++)
		want[i] = (uint8_t)hako_rand();
	snprintf(path, sizeof(path), "%s/guest.bin", dir);
	write_bytes(path, want, len);
	int err = guest_image_read(path, len, &got, &size);
	hako_rm_rf(dir);
	free(dir);
	check_that(err == 0, "guest_image_read() returned %d (%s)", err, strerror(-err));
	check_int(size, len, "the size guest_image_read() returned");
	check_that(got && memcmp(got, want, len) == 0, "the bytes read differ from the file's");
	free(got);
	free(want);
}

/* Check that hakovm refuses the image PATH with exit 125 and MESSAGE, before it opens KVM:
 * it is given a KVM device that does not exist. */
static void check_refused(const char *path, const char *mem, const char *message)
{
	struct hako_run r;
	const char *args[] = {"--mem", mem, "--kvm", "/dev/hako-no-such-kvm", path, NULL};

	run_hakovm(&r, args);
	check_exit(&r, HAKOVM_EXIT_FAILED, "hakovm's exit code for a bad image");
	check_contains(r.err, message, "hakovm's message (the image is checked before KVM)");
	hako_run_free(&r);
}

/* This test checks that a missing guest image is refused (-ENOENT) before the VM is made. */
static void test_guestmem_image_missing(void **state)
{
	char path[64], name[16];
	uint8_t *data = NULL;
	size_t size;

	hako_rand_name(name, 10);
	snprintf(path, sizeof(path), "/tmp/hako-no-guest-%s.bin", name);
	check_int(guest_image_read(path, 1 << 20, &data, &size), -ENOENT,
	          "guest_image_read() of a missing file");
	check_refused(path, "64k", "No such file");
}

/* This test checks that an empty guest image is refused (-ENODATA) before the VM is made. */
static void test_guestmem_image_empty(void **state)
{
	char *dir = hako_tmpdir(), path[512];
	uint8_t *data = NULL;
	size_t size;

	snprintf(path, sizeof(path), "%s/empty.bin", dir);
	write_bytes(path, "", 0);
	int err = guest_image_read(path, 1 << 20, &data, &size);
	check_int(err, -ENODATA, "guest_image_read() of an empty file");
	check_refused(path, "64k", "empty");
	hako_rm_rf(dir);
	free(dir);
}

/* This test checks that an image larger than guest memory is refused (-EFBIG) before the VM is
 * made. */
static void test_guestmem_image_too_large(void **state)
{
	char *dir = hako_tmpdir(), path[512], mem[16];
	size_t kib = 4 * (size_t)hako_rand_range(16, 64), len = kib * 1024 - REAL_MODE_ENTRY + 1;
	uint8_t *data = calloc(1, len), *got = NULL;
	size_t size;

	snprintf(path, sizeof(path), "%s/big.bin", dir);
	snprintf(mem, sizeof(mem), "%zuk", kib);
	write_bytes(path, data, len);
	free(data);
	check_int(guest_image_read(path, len - 1, &got, &size), -EFBIG,
	          "guest_image_read() of a file one byte over the limit");
	check_that(got == NULL, "guest_image_read() refused the image but set *data");
	check_refused(path, mem, "larger than guest memory");
	hako_rm_rf(dir);
	free(dir);
}

/* This test checks that what is not a regular file is refused (-EINVAL): a directory, and a
 * FIFO, which must be refused at once rather than waiting in open() for a writer that never
 * comes (hakovm is run on it first, with a timeout, so a hang fails the test). */
static void test_guestmem_image_not_regular(void **state)
{
	char *dir = hako_tmpdir(), fifo[512];
	uint8_t *data = NULL;
	size_t size;

	snprintf(fifo, sizeof(fifo), "%s/guest.fifo", dir);
	check_that(mkfifo(fifo, 0600) == 0, "mkfifo %s: %s", fifo, strerror(errno));
	check_refused(fifo, "64k", "not a regular file");
	check_int(guest_image_read(fifo, 1 << 20, &data, &size), -EINVAL,
	          "guest_image_read() of a FIFO");
	check_that(data == NULL, "guest_image_read() refused a FIFO but set *data");
	check_int(guest_image_read(dir, 1 << 20, &data, &size), -EINVAL,
	          "guest_image_read() of a directory");
	hako_rm_rf(dir);
	free(dir);
}

/* This test checks that a file that ends before the size fstat gave is refused (-EIO) rather
 * than read short: a sysfs file says 4096 bytes and holds a few, as a file cut while hakovm
 * reads it would. */
static void test_guestmem_image_shrunk(void **state)
{
	const char *path = "/sys/kernel/uevent_seqnum";
	struct stat st;
	uint8_t *data = NULL;
	size_t size = 0;

	hako_require_path(path, "sysfs (mount -t sysfs sysfs /sys)");
	if (stat(path, &st) < 0 || st.st_size <= 64)
		hako_skip("%s does not claim more bytes than it holds here", path);
	int err = guest_image_read(path, 1 << 20, &data, &size);
	check_int(err, -EIO, "guest_image_read() of a file shorter than its size");
	check_that(data == NULL, "guest_image_read() refused the image but set *data");
	free(data);
}

/* ---- the bus ---- */

struct probe {
	int calls;
	uint64_t offset;
	bool is_write;
	uint32_t size;
	uint8_t byte;
};

static int probe_handle(struct device *dev, uint64_t offset, bool is_write, uint8_t *data,
                        uint32_t size)
{
	struct probe *p = dev->state;

	p->calls++;
	p->offset = offset;
	p->is_write = is_write;
	p->size = size;
	if (is_write)
		p->byte = data[0];
	else
		memset(data, p->byte, size);
	return 0;
}

/* This test checks that bus_access() calls the handler of the device that owns the address,
 * with the offset from its base, the direction and the size. */
static void test_bus_dispatch(void **state)
{
	struct bus bus = {0};
	struct probe pa = {0}, pb = {0};
	uint64_t base_a = (uint64_t)hako_rand_range(0x10, 0x7000);
	uint64_t base_b = base_a + (uint64_t)hako_rand_range(0x10, 0x7000);
	struct device a = {
	    .name = "a", .base = base_a, .len = 8, .handle = probe_handle, .state = &pa};
	struct device b = {
	    .name = "b", .base = base_b, .len = 4, .handle = probe_handle, .state = &pb};
	uint8_t byte = (uint8_t)hako_rand(), data[4] = {byte};

	check_int(bus_register(&bus, &a), 0, "bus_register() of the first device");
	check_int(bus_register(&bus, &b), 0, "bus_register() of a second device elsewhere");
	check_int(bus_access(&bus, base_b + 3, true, data, 1), 0, "bus_access() write");
	check_int(pb.calls, 1, "calls to the second device's handler");
	check_int(pa.calls, 0, "calls to the first device's handler");
	check_int(pb.offset, 3, "the offset the handler got (address - base)");
	check_int(pb.is_write, 1, "is_write");
	check_int(pb.byte, byte, "the byte the handler got");
	memset(data, 0, sizeof(data));
	check_int(bus_access(&bus, base_a + 7, false, data, 2), 0, "bus_access() read");
	check_int(pa.calls, 1, "calls to the first device's handler");
	check_int(pa.offset, 7, "the offset the handler got");
	check_int(pa.size, 2, "the size the handler got");
	check_int(pa.is_write, 0, "is_write of a read");
}

/* This test checks that bus_register() refuses a device overlapping another (-EBUSY), an empty
 * one (-EINVAL) and one too many (-ENOSPC). */
static void test_bus_register_refuses(void **state)
{
	struct bus bus = {0};
	struct probe p = {0};
	uint64_t base = (uint64_t)hako_rand_range(0x100, 0x8000);
	struct device first = {
	    .name = "first", .base = base, .len = 8, .handle = probe_handle, .state = &p};
	struct device over = {
	    .name = "over", .base = base + 7, .len = 2, .handle = probe_handle, .state = &p};
	struct device under = {
	    .name = "under", .base = base - 1, .len = 2, .handle = probe_handle, .state = &p};
	struct device empty = {.name = "empty", .base = 0x10, .len = 0, .handle = probe_handle};
	struct device many[BUS_MAX_DEVICES];

	check_int(bus_register(&bus, &first), 0, "bus_register() of the first device");
	check_int(bus_register(&bus, &over), -EBUSY, "a device over the first one's last port");
	check_int(bus_register(&bus, &under), -EBUSY, "a device over the first one's first port");
	check_int(bus_register(&bus, &empty), -EINVAL, "a device of length 0");
	int i;
	for (i = 0; i < BUS_MAX_DEVICES - 1; i++) {
		many[i] = (struct device){.name = "many",
		                          .base = 0x10000 + i * 4,
		                          .len = 4,
		                          .handle = probe_handle,
		                          .state = &p};
		check_int(bus_register(&bus, &many[i]), 0, "bus_register() of another device");
	}
	many[i] = (struct device){
	    .name = "too many", .base = 0x20000, .len = 4, .handle = probe_handle, .state = &p};
	check_int(bus_register(&bus, &many[i]), -ENOSPC, "a device on a full bus");
}

/* This test checks that an access no device owns returns -ENODEV, and a read gets 0xff bytes. */
static void test_bus_unknown_reads_ones(void **state)
{
	struct bus bus = {0};
	struct probe p = {0};
	uint64_t base = (uint64_t)hako_rand_range(0x100, 0x8000);
	struct device d = {
	    .name = "d", .base = base, .len = 8, .handle = probe_handle, .state = &p};
	uint8_t data[4] = {0x12, 0x34, 0x56, 0x78};

	check_int(bus_register(&bus, &d), 0, "bus_register()");
	check_int(bus_access(&bus, base + 8, false, data, 4), -ENODEV,
	          "bus_access() just past the device");
	check_that(data[0] == 0xff && data[1] == 0xff && data[2] == 0xff && data[3] == 0xff,
	           "a read from nothing gave %02x %02x %02x %02x, not ff ff ff ff", data[0],
	           data[1], data[2], data[3]);
	check_int(p.calls, 0, "calls to the device's handler");
}

/* ---- the UART ---- */

struct uart_rig {
	struct uart uart;
	struct device dev;
	int pipe[2];
};

static void uart_rig_up(struct uart_rig *r)
{
	check_that(pipe2(r->pipe, O_NONBLOCK | O_CLOEXEC) == 0, "pipe failed");
	uart_init(&r->uart, r->pipe[1]);
	r->dev = (struct device){.name = "uart",
	                         .base = UART_COM1_PORT,
	                         .len = 8,
	                         .handle = uart_handle,
	                         .state = &r->uart};
}

static void uart_rig_down(struct uart_rig *r)
{
	close(r->pipe[0]);
	close(r->pipe[1]);
}

static void uart_out(struct uart_rig *r, int offset, uint8_t v)
{
	check_int(uart_handle(&r->dev, offset, true, &v, 1), 0, "uart_handle() write");
}

static uint8_t uart_in(struct uart_rig *r, int offset)
{
	uint8_t v = 0x99;
	check_int(uart_handle(&r->dev, offset, false, &v, 1), 0, "uart_handle() read");
	return v;
}

/* This test checks that bytes written to THR (offset 0) are sent to the output, in order. */
static void test_uart_thr_output(void **state)
{
	struct uart_rig r;
	uint8_t want[64], got[128];
	int n = (int)hako_rand_range(1, 64);

	uart_rig_up(&r);
	for (int i = 0; i < n; i++) {
		want[i] = (uint8_t)hako_rand();
		uart_out(&r, 0, want[i]);
	}
	ssize_t len = read(r.pipe[0], got, sizeof(got));
	uart_rig_down(&r);
	check_int(len, n, "bytes the UART sent");
	check_that(memcmp(got, want, (size_t)n) == 0, "the bytes sent differ from those written");
}

/* This test checks that LSR reports the transmitter ready (0x60) and IIR no interrupt (0x01). */
static void test_uart_lsr_ready(void **state)
{
	struct uart_rig r;

	uart_rig_up(&r);
	uart_out(&r, 0, 'x');
	uint8_t lsr = uart_in(&r, 5), iir = uart_in(&r, 2);
	uart_rig_down(&r);
	check_int(lsr, 0x60, "LSR (offset 5): THRE | TEMT");
	check_int(iir, 0x01, "IIR (offset 2) with no interrupt pending");
}

/* This test checks that with DLAB set offsets 0 and 1 are the divisor (DLL, DLM) — nothing is
 * sent — and with DLAB clear they are THR and IER again. */
static void test_uart_dlab_divisor(void **state)
{
	struct uart_rig r;
	uint8_t dll = (uint8_t)hako_rand_range(1, 255), dlm = (uint8_t)hako_rand(), buf[8];
	/* At least one of the 4 undefined high bits set, so a UART that keeps them is seen. */
	uint8_t ier = (uint8_t)(hako_rand_range(1, 15) << 4 | hako_rand_range(0, 15));

	uart_rig_up(&r);
	uart_out(&r, 1, ier);
	uart_out(&r, 3, 0x83); /* DLAB, 8 bits */
	uart_out(&r, 0, dll);
	uart_out(&r, 1, dlm);
	check_int(uart_in(&r, 3), 0x83, "LCR read back");
	check_int(uart_in(&r, 0), dll, "DLL read back under DLAB");
	check_int(uart_in(&r, 1), dlm, "DLM read back under DLAB");
	uart_out(&r, 3, 0x03);
	check_int(uart_in(&r, 1), ier & 0x0f,
	          "IER after DLAB is cleared (only its 4 defined bits)");
	ssize_t sent = read(r.pipe[0], buf, sizeof(buf));
	uart_rig_down(&r);
	check_int(sent < 0 ? 0 : sent, 0, "bytes sent while writing the divisor");
}

/* This test checks that SCR keeps what is written and MCR reads back its 5 defined bits. */
static void test_uart_scratch(void **state)
{
	struct uart_rig r;
	uint8_t v = (uint8_t)hako_rand(), mcr = (uint8_t)hako_rand_range(0x20, 255);

	uart_rig_up(&r);
	uart_out(&r, 7, v);
	uart_out(&r, 4, mcr);
	uint8_t got = uart_in(&r, 7), got_mcr = uart_in(&r, 4);
	uart_rig_down(&r);
	check_int(got, v, "SCR (offset 7) read back");
	check_int(got_mcr, mcr & 0x1f, "MCR (offset 4) read back: bits 5-7 do not exist");
}

/* This test checks that MSR reports a connected line (0xb0), and in loopback mode the MCR
 * outputs fed back (MCR 0x1a gives 0x90, what Linux checks). */
static void test_uart_modem_status(void **state)
{
	struct uart_rig r;

	uart_rig_up(&r);
	uint8_t normal = uart_in(&r, 6);
	uart_out(&r, 4, 0x1a); /* loopback, RTS, OUT2 */
	uint8_t loop = uart_in(&r, 6);
	uart_rig_down(&r);
	check_int(normal, 0xb0, "MSR (offset 6): DCD | DSR | CTS");
	check_int(loop & 0xf0, 0x90, "MSR in loopback with RTS and OUT2 set");
}

/* This test checks that IIR shows the FIFO bits (0xc0) while FCR bit 0 has the FIFOs enabled,
 * as a 16550A does (how a driver tells it from an older 8250), and not after they are off. */
static void test_uart_iir_fifo(void **state)
{
	struct uart_rig r;
	uint8_t fcr = (uint8_t)(hako_rand_range(0, 127) << 1 | 1);

	uart_rig_up(&r);
	uint8_t before = uart_in(&r, 2);
	uart_out(&r, 2, fcr);
	uint8_t on = uart_in(&r, 2);
	uart_out(&r, 2, fcr & 0xfe);
	uint8_t off = uart_in(&r, 2);
	uart_rig_down(&r);
	check_int(before, 0x01, "IIR before FCR is written");
	check_int(on, 0xc1, "IIR after FCR bit 0 enabled the FIFOs");
	check_int(off, 0x01, "IIR after FCR bit 0 turned the FIFOs off");
}

/* This test checks that in loopback mode (MCR bit 4) a byte written to THR goes nowhere (a
 * driver probing the UART must not print), and that it is sent again once loopback is off. */
static void test_uart_loopback_silent(void **state)
{
	struct uart_rig r;
	uint8_t quiet = (uint8_t)hako_rand(), loud = (uint8_t)hako_rand(), got[8];

	uart_rig_up(&r);
	uart_out(&r, 4, (uint8_t)(0x10 | hako_rand_range(0, 15)));
	uart_out(&r, 0, quiet);
	ssize_t in_loop = read(r.pipe[0], got, sizeof(got));
	uart_out(&r, 4, 0x03);
	uart_out(&r, 0, loud);
	ssize_t after = read(r.pipe[0], got, sizeof(got));
	uart_rig_down(&r);
	check_int(in_loop < 0 ? 0 : in_loop, 0, "bytes sent while MCR has loopback set");
	check_int(after, 1, "bytes sent after loopback was turned off");
	check_int(got[0], loud, "the byte sent");
}

/* ---- the debug-exit port and the run loop ---- */

/* This test checks that a write to the debug-exit device stops the VM with that status. */
static void test_debug_exit_status(void **state)
{
	struct vm vm = {.kvm_fd = -1, .vm_fd = -1, .vcpu_fd = -1};
	struct device d = {.name = "debug-exit",
	                   .base = DEBUG_EXIT_PORT,
	                   .len = 1,
	                   .handle = debug_exit_handle,
	                   .state = &vm};
	uint8_t status = (uint8_t)hako_rand();

	check_int(debug_exit_handle(&d, 0, true, &status, 1), 0, "debug_exit_handle() write");
	check_int(vm.stop, VM_STOP_EXIT, "vm->stop after a debug-exit write");
	check_int(vm.exit_status, status, "vm->exit_status");
}

/* This test checks that the text a guest writes to the UART reaches hakovm's stdout byte for
 * byte (random bytes, all 256 values possible), and that hakovm then exits 0. */
static void test_vcpu_uart_text(void **state)
{
	char *dir = hako_tmpdir(), path[512];
	uint16_t len = (uint16_t)hako_rand_range(1, 300);
	uint8_t text[300];
	struct hako_run r;

	hako_require_kvm();
	for (int i = 0; i < len; i++)
		text[i] = (uint8_t)hako_rand();
	snprintf(path, sizeof(path), "%s/guest.bin", dir);
	uart_guest_with_text(path, text, len);
	const char *args[] = {"--arg", "0", path, NULL};
	run_hakovm(&r, args);
	hako_rm_rf(dir);
	free(dir);
	check_that(r.exit_code != 0x55, "the guest gave up: LSR never said THRE (0x20)");
	check_out_len(&r, len, "bytes on hakovm's stdout");
	for (int i = 0; i < len; i++)
		check_that((uint8_t)r.out[i] == text[i], "byte %d: expected 0x%02x, got 0x%02x", i,
		           text[i], (uint8_t)r.out[i]);
	check_exit(&r, 0, "hakovm's exit code (the guest wrote 0 to the debug-exit port)");
	hako_run_free(&r);
}

/* This test checks that the status a guest writes to the debug-exit port is hakovm's exit code. */
static void test_vcpu_exit_status(void **state)
{
	char *dir = hako_tmpdir(), path[512], arg[16];
	int status = (int)hako_rand_range(1, 120);
	struct hako_run r;

	hako_require_kvm();
	snprintf(path, sizeof(path), "%s/guest.bin", dir);
	uart_guest_with_text(path, (const uint8_t *)"bye\n", 4);
	snprintf(arg, sizeof(arg), "%d", status);
	const char *args[] = {"--arg", arg, path, NULL};
	run_hakovm(&r, args);
	hako_rm_rf(dir);
	free(dir);
	check_out(&r, "bye\n", "hakovm's stdout");
	check_exit(&r, status, "hakovm's exit code (the guest's debug-exit status)");
	hako_run_free(&r);
}

/* This test checks that a guest status above 120 does not pass for one of hakovm's own exit
 * codes (121-125) or a signal (128 + N): hakovm names it on stderr and exits 124. */
static void test_vcpu_exit_status_range(void **state)
{
	char *dir = hako_tmpdir(), path[512], arg[16];
	int status = (int)hako_rand_range(HAKOVM_GUEST_STATUS_MAX + 1, 255);
	struct hako_run r;

	hako_require_kvm();
	snprintf(path, sizeof(path), "%s/guest.bin", dir);
	uart_guest_with_text(path, (const uint8_t *)"hi\n", 3);
	snprintf(arg, sizeof(arg), "%d", status);
	const char *args[] = {"--arg", arg, path, NULL};
	run_hakovm(&r, args);
	hako_rm_rf(dir);
	free(dir);
	check_out(&r, "hi\n", "hakovm's stdout");
	check_exit(&r, HAKOVM_EXIT_UNKNOWN, "hakovm's exit code for a guest status above 120");
	check_contains(r.err, arg, "hakovm's stderr names the guest's status");
	hako_run_free(&r);
}

/* This test checks hakovm's --mem: a size with a leading space or a sign is refused (exit
 * 125, before any VM), and a good one gives the guest that much memory. */
static void test_hakovm_mem_option(void **state)
{
	char *dir = hako_tmpdir(), path[512], good[16], spaced[16], plus[16];
	long kib = 4 * hako_rand_range(16, 64);
	struct hako_run r;

	hako_require_kvm();
	snprintf(path, sizeof(path), "%s/guest.bin", dir);
	uart_guest_with_text(path, (const uint8_t *)"mem\n", 4);
	snprintf(good, sizeof(good), "%ldk", kib);
	snprintf(spaced, sizeof(spaced), " %ldk", kib);
	snprintf(plus, sizeof(plus), "+%ldk", kib);
	const char *bad1[] = {"--mem", spaced, "--arg", "0", path, NULL};
	run_hakovm(&r, bad1);
	check_exit(&r, HAKOVM_EXIT_FAILED, "hakovm --mem ' SIZE' (a leading space)");
	check_contains(r.err, "--mem", "hakovm's message");
	hako_run_free(&r);
	const char *bad2[] = {"--mem", plus, "--arg", "0", path, NULL};
	run_hakovm(&r, bad2);
	check_exit(&r, HAKOVM_EXIT_FAILED, "hakovm --mem +SIZE");
	hako_run_free(&r);
	const char *ok[] = {"--mem", good, "--arg", "0", path, NULL};
	run_hakovm(&r, ok);
	hako_rm_rf(dir);
	free(dir);
	check_out(&r, "mem\n", "hakovm's stdout with a good --mem");
	check_exit(&r, 0, "hakovm's exit code with a good --mem");
	hako_run_free(&r);
}

/* This test checks that a guest that halts ends hakovm with exit code 0. */
static void test_vcpu_halt(void **state)
{
	char *dir = hako_tmpdir(), path[512];
	struct hako_run r;

	hako_require_kvm();
	snprintf(path, sizeof(path), "%s/guest.bin", dir);
	uart_guest_with_text(path, (const uint8_t *)"zz", 2);
	const char *args[] = {"--arg", "0xffff", path, NULL};
	run_hakovm(&r, args);
	hako_rm_rf(dir);
	free(dir);
	check_out(&r, "zz", "hakovm's stdout");
	check_exit(&r, 0, "hakovm's exit code after hlt");
	hako_run_free(&r);
}

/* This test checks that a triple fault ends hakovm at once with exit code 121 and a report
 * of the reason, rip and the registers. */
static void test_vcpu_triple_fault(void **state)
{
	struct hako_run r;

	hako_require_kvm();
	const char *args[] = {guest_path("guest-triple.bin"), NULL};
	run_hakovm(&r, args);
	check_exit(&r, HAKOVM_EXIT_SHUTDOWN, "hakovm's exit code after a triple fault");
	check_contains(r.err, "triple fault", "the report");
	check_contains(r.err, "rip 0x", "the report");
	check_contains(r.err, "1234", "the report shows rax (0x1234)");
	check_contains(r.err, "cr0", "the report shows the control registers");
	hako_run_free(&r);
}

/* This test checks that guest accesses to an unknown port and an address outside memory are
 * reported on stderr, read as all ones, and survived: the guest goes on to finish. */
static void test_vcpu_unknown_access(void **state)
{
	struct hako_run r;
	char port[16], seg[16], status[16], want_port[32], want_mmio[32];
	unsigned p = (unsigned)hako_rand_range(0x200, 0x3f0);
	unsigned s = (unsigned)hako_rand_range(0x1000, 0x9000);

	hako_require_kvm();
	snprintf(port, sizeof(port), "0x%x", p);
	snprintf(seg, sizeof(seg), "0x%x", s);
	snprintf(status, sizeof(status), "%ld", hako_rand_range(1, 100));
	snprintf(want_port, sizeof(want_port), "0x%x", p);
	snprintf(want_mmio, sizeof(want_mmio), "0x%x", s * 16);
	const char *args[] = {"--mem", "64k",   "--arg",
	                      port,    "--arg", seg,
	                      "--arg", status,  guest_path("guest-unknown.bin"),
	                      NULL};
	run_hakovm(&r, args);
	check_contains(r.err, want_port, "hakovm's report of the unknown port");
	check_contains(r.err, want_mmio, "hakovm's report of the MMIO address");
	check_out(&r, "ok\n", "the guest's output (\"bad\": a read did not give 0xff)");
	check_exit(&r, atoi(status), "hakovm's exit code (the guest went on to finish)");
	hako_run_free(&r);
}

/* This test checks that string I/O reaches the device once per item, each item in its own
 * place: the guest reads the UART's scratch register N times with one rep insb (KVM passes
 * many items per exit: io.count) and sends what it read to the UART with rep outsb. */
static void test_vcpu_rep_string(void **state)
{
	struct hako_run r;
	char byte[8], count[8];
	unsigned v = (unsigned)hako_rand_range(0, 255), n = (unsigned)hako_rand_range(1500, 3000);

	hako_require_kvm();
	snprintf(byte, sizeof(byte), "%u", v);
	snprintf(count, sizeof(count), "%u", n);
	const char *args[] = {"--arg", byte, "--arg", count, guest_path("guest-rep.bin"), NULL};
	run_hakovm(&r, args);
	check_out_len(&r, n, "bytes on hakovm's stdout (the guest sent what it read)");
	for (unsigned i = 0; i < n; i++)
		check_that((uint8_t)r.out[i] == v,
		           "byte %u of %u: expected 0x%02x (SCR), got 0x%02x: was every item of "
		           "the rep insb exit given to the device, at data + i * io.size?",
		           i, n, v, (uint8_t)r.out[i]);
	check_exit(&r, 0, "hakovm's exit code (the guest ends with hlt)");
	hako_run_free(&r);
}

/* Make a VM of 64 KiB with CODE (LEN bytes of 16-bit code) at REAL_MODE_ENTRY, ready to run. */
static void vm_with_code(struct vm *vm, const uint8_t *code, size_t len)
{
	int err = vm_create(vm, "/dev/kvm", 64 << 10);
	check_that(err == 0, "vm_create() returned %d (%s)", err, strerror(-err));
	err = vcpu_create(vm);
	check_that(err == 0, "vcpu_create() returned %d (%s)", err, strerror(-err));
	memcpy(vm->mem + REAL_MODE_ENTRY, code, len);
	err = vcpu_init_real_mode(vm, REAL_MODE_ENTRY, NULL, 0);
	check_that(err == 0, "vcpu_init_real_mode() returned %d (%s)", err, strerror(-err));
}

/* This test checks that a guest that reads an unknown port thousands of times (one rep insb)
 * does not flood stderr: the first accesses are reported, the rest only counted, and hakovm
 * says how many there were in all. */
static void test_vcpu_unknown_rate_limited(void **state)
{
	char *dir = hako_tmpdir(), path[512], total[32];
	unsigned n = (unsigned)hako_rand_range(3000, 9000),
	         port = (unsigned)hako_rand_range(0x200, 0x3f0);
	uint8_t code[] = {
	    0xb9, (uint8_t)n,    (uint8_t)(n >> 8),    /* mov cx, N */
	    0xba, (uint8_t)port, (uint8_t)(port >> 8), /* mov dx, PORT */
	    0xbf, 0x00,          0x20,                 /* mov di, 0x2000 */
	    0xfc,                                      /* cld */
	    0xf3, 0x6c,                                /* rep insb */
	    0xf4,                                      /* hlt */
	};
	struct hako_run r;

	hako_require_kvm();
	snprintf(path, sizeof(path), "%s/flood.bin", dir);
	write_bytes(path, code, sizeof(code));
	const char *args[] = {"--mem", "64k", path, NULL};
	run_hakovm(&r, args);
	hako_rm_rf(dir);
	free(dir);
	check_exit(&r, 0, "hakovm's exit code (the guest halts after its reads)");
	int lines = 0;
	for (const char *c = r.err; c && *c; c++)
		lines += *c == '\n';
	check_that(lines >= 3 && lines <= 40,
	           "hakovm printed %d lines on stderr for %u ignored reads: expected the first few "
	           "and a count, not one line each%s",
	           lines, n, said(&r));
	snprintf(total, sizeof(total), "%u", n);
	check_contains(r.err, total, "hakovm's stderr names the total of ignored accesses");
	hako_run_free(&r);
}

/* This test checks that an I/O exit whose data would lie outside the run page is refused with
 * -EFAULT instead of being read: vm->run_size is made smaller than io.data_offset. */
static void test_vcpu_io_outside_run_page(void **state)
{
	struct vm vm;
	static const uint8_t code[] = {
	    0xba, 0xf8, 0x03, /* mov dx, 0x3f8 */
	    0xb0, 0x78,       /* mov al, 'x' */
	    0xee,             /* out dx, al */
	    0xf4,             /* hlt */
	};

	hako_require_kvm();
	vm_with_code(&vm, code, sizeof(code));
	size_t real_size = vm.run_size;
	vm.run_size = (size_t)hako_rand_range(sizeof(struct kvm_run), 4096);
	int err = vcpu_run(&vm);
	vm.run_size = real_size;
	enum vm_stop stop = vm.stop;
	vm_destroy(&vm);
	check_int(err, -EFAULT, "vcpu_run() when io.data_offset + the data lies past run_size");
	check_that(stop == VM_RUNNING, "the VM stopped (%d) instead of vcpu_run() failing", stop);
}

/* This test checks that an exit reason the loop does not handle (here KVM_EXIT_DEBUG: the
 * vCPU is single-stepped) stops the VM as VM_STOP_UNKNOWN with the reason in stop_info,
 * instead of running the guest on. */
static void test_vcpu_unknown_exit(void **state)
{
	struct vm vm;
	static const uint8_t code[] = {0x90, 0x90, 0xf4}; /* nop; nop; hlt */
	struct kvm_guest_debug dbg = {.control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP};

	hako_require_kvm();
	vm_with_code(&vm, code, sizeof(code));
	check_int(ioctl(vm.vcpu_fd, KVM_SET_GUEST_DEBUG, &dbg), 0, "KVM_SET_GUEST_DEBUG");
	int err = vcpu_run(&vm);
	enum vm_stop stop = vm.stop;
	uint64_t info = vm.stop_info;
	vm_destroy(&vm);
	check_int(err, 0, "vcpu_run()");
	check_int(stop, VM_STOP_UNKNOWN, "vm->stop after an unhandled exit (6: VM_STOP_UNKNOWN)");
	check_int(info, KVM_EXIT_DEBUG, "vm->stop_info: the exit reason (4: KVM_EXIT_DEBUG)");
}

/* This test checks that KVM_EXIT_INTERNAL_ERROR stops the VM as VM_STOP_INTERNAL with the
 * suberror in stop_info: the guest jumps to 0xf0000, outside its memory, and KVM cannot fetch
 * instructions from there (KVM_INTERNAL_ERROR_EMULATION). */
static void test_vcpu_internal_error(void **state)
{
	struct vm vm;
	static const uint8_t code[] = {0xea, 0x00, 0x00, 0x00, 0xf0}; /* jmp 0xf000:0 */

	hako_require_kvm();
	vm_with_code(&vm, code, sizeof(code));
	int err = vcpu_run(&vm);
	enum vm_stop stop = vm.stop;
	uint64_t info = vm.stop_info;
	vm_destroy(&vm);
	check_int(err, 0, "vcpu_run()");
	check_int(stop, VM_STOP_INTERNAL, "vm->stop (5: VM_STOP_INTERNAL)");
	check_int(info, KVM_INTERNAL_ERROR_EMULATION, "vm->stop_info: internal.suberror");
}

HAKO_TEST_MAIN(HAKO_TEST(test_guestmem_bounds), HAKO_TEST(test_guestmem_image_read),
               HAKO_TEST(test_guestmem_image_missing), HAKO_TEST(test_guestmem_image_empty),
               HAKO_TEST(test_guestmem_image_too_large), HAKO_TEST(test_guestmem_image_not_regular),
               HAKO_TEST(test_guestmem_image_shrunk), HAKO_TEST(test_bus_dispatch),
               HAKO_TEST(test_bus_register_refuses), HAKO_TEST(test_bus_unknown_reads_ones),
               HAKO_TEST(test_uart_thr_output), HAKO_TEST(test_uart_lsr_ready),
               HAKO_TEST(test_uart_dlab_divisor), HAKO_TEST(test_uart_scratch),
               HAKO_TEST(test_uart_modem_status), HAKO_TEST(test_uart_iir_fifo),
               HAKO_TEST(test_uart_loopback_silent), HAKO_TEST(test_debug_exit_status),
               HAKO_TEST(test_vcpu_uart_text), HAKO_TEST(test_vcpu_exit_status),
               HAKO_TEST(test_vcpu_exit_status_range), HAKO_TEST(test_hakovm_mem_option),
               HAKO_TEST(test_vcpu_halt), HAKO_TEST(test_vcpu_triple_fault),
               HAKO_TEST(test_vcpu_unknown_access), HAKO_TEST(test_vcpu_rep_string),
               HAKO_TEST(test_vcpu_unknown_rate_limited), HAKO_TEST(test_vcpu_io_outside_run_page),
               HAKO_TEST(test_vcpu_unknown_exit), HAKO_TEST(test_vcpu_internal_error))
