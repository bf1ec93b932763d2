/* test_devices.c: graded tests for lesson 18 — interrupts, hypercalls, doorbells, virtio-blk. */
#include "hako_test.h"
#include "hakovm.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#define MEM (2u << 20)

/* What the guest (tests/18-hypercalls-and-devices/guest) does, chosen by its first input. */
enum { S_TIMER = 1, S_IRQ_LINE, S_DOORBELL, S_ECHO, S_BLK, S_HOSTILE };
enum { H_LOOP = 1, H_LONG, H_HEAD_RANGE, H_NEXT_RANGE, H_BUF_OUTSIDE, H_RING_OUTSIDE, H_AHEAD };

/* ---- a machine in this process: the VM hakovm would build, plus the lesson's devices ---- */

/* A device that counts the accesses it gets: to prove KVM answered them instead. */
struct probe {
	int count;
};
static int probe_handle(struct device *dev, uint64_t offset, bool is_write, uint8_t *data,
                        uint32_t size)
{
	struct probe *p = dev->state;
	p->count++;
	if (!is_write)
		memset(data, 0, size);
	return 0;
}

struct machine {
	struct vm vm;
	char *dir;
	int uart_fd;
	struct uart uart;
	struct hypercall hc;
	struct virtio_blk blk;
	struct probe pio_probe, mmio_probe;
	struct device uart_dev, exit_dev, hc_dev, blk_dev, pio_probe_dev, mmio_probe_dev;
	uint64_t entry; /* the guest's entry point */
	char out[8192]; /* what the guest printed on its UART */
};

/* The guest ELF this lesson's tests.mk built, read into memory. */
static uint8_t *guest_elf(size_t *size)
{
	return hako_read_built("guest-devices.elf", size);
}

/* Build the VM: irqchip (lesson 18) before the vCPU, long mode and the guest (17), the UART
 * and debug-exit (16), the hypercall port, and the devices the test asked for. */
static void machine_up(struct machine *m)
{
	size_t size;
	uint8_t *image = guest_elf(&size);
	uint64_t entry;

	memset(m, 0, sizeof(*m));
	m->dir = hako_tmpdir();
	int err = vm_create(&m->vm, "/dev/kvm", MEM);
	check_that(err == 0, "vm_create() returned %d (%s)", err, strerror(-err));
	err = vm_irqchip_create(&m->vm);
	check_that(err == 0, "vm_irqchip_create() returned %d (%s)", err, strerror(-err));
	err = vcpu_create(&m->vm);
	check_that(err == 0, "vcpu_create() returned %d (%s)", err, strerror(-err));
	err = longmode_setup(&m->vm);
	check_that(err == 0, "longmode_setup() returned %d", err);
	err = elf_load(&m->vm, image, size, &entry);
	check_that(err == 0, "elf_load() of the guest returned %d", err);
	free(image);
	m->entry = entry;

	char path[4200];
	snprintf(path, sizeof(path), "%s/uart", m->dir);
	m->uart_fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	check_that(m->uart_fd >= 0, "open %s: %s", path, strerror(errno));
	uart_init(&m->uart, m->uart_fd);
	m->uart_dev = (struct device){"uart", UART_COM1_PORT, 8, uart_handle, &m->uart};
	m->exit_dev = (struct device){"debug-exit", DEBUG_EXIT_PORT, 1, debug_exit_handle, &m->vm};
	m->hc = (struct hypercall){.vm = &m->vm, .in_fd = -1, .out_fd = -1};
	m->hc_dev = (struct device){"hypercall", HC_PORT, 4, hypercall_handle, &m->hc};
	check_int(bus_register(&m->vm.pio, &m->uart_dev), 0, "bus_register(uart)");
	check_int(bus_register(&m->vm.pio, &m->exit_dev), 0, "bus_register(debug-exit)");
	check_int(bus_register(&m->vm.pio, &m->hc_dev), 0, "bus_register(hypercall)");
}

/* Put the virtio-blk device on the MMIO bus, backed by the open file FD. */
static void machine_add_blk(struct machine *m, int fd)
{
	int err = virtio_blk_init(&m->blk, &m->vm, fd, VIRTIO_MMIO_IRQ);
	check_that(err == 0, "virtio_blk_init() returned %d (%s)", err, strerror(-err));
	m->blk_dev = (struct device){"virtio-blk", VIRTIO_MMIO_BASE, VIRTIO_MMIO_SIZE,
	                             virtio_blk_handle, &m->blk};
	check_int(bus_register(&m->vm.mmio, &m->blk_dev), 0, "bus_register(virtio-blk)");
}

static struct vm *watched;
static volatile sig_atomic_t timed_out;
static void watchdog(int sig)
{
	(void)sig;
	timed_out = 1;
	if (watched)
		watched->stop = VM_STOP_UNKNOWN; /* vcpu_run() sees it when KVM_RUN returns EINTR */
}

/* Run the guest with its four inputs until it stops (at most 10 s); collect its output.
 * Returns the guest's exit status, or -1 when it did not exit through the debug port. */
static int machine_run(struct machine *m, uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
	uint64_t args[4] = {a, b, c, d};
	int err = longmode_set_entry(&m->vm, m->entry, args, 4);
	check_that(err == 0, "longmode_set_entry() returned %d", err);

	struct sigaction sa = {.sa_handler = watchdog};
	sigaction(SIGALRM, &sa, NULL);
	watched = &m->vm;
	timed_out = 0;
	alarm(10);
	err = vcpu_run(&m->vm);
	alarm(0);
	watched = NULL;

	ssize_t n = pread(m->uart_fd, m->out, sizeof(m->out) - 1, 0);
	m->out[n > 0 ? n : 0] = '\0';
	printf("guest output:\n%s", m->out);
	check_that(err == 0, "vcpu_run() returned %d (%s)", err, strerror(-err));
	check_that(!timed_out, "the guest did not finish within 10 s (waiting for an interrupt?)");
	return m->vm.stop == VM_STOP_EXIT ? m->vm.exit_status : -1;
}

static void machine_down(struct machine *m)
{
	vm_destroy(&m->vm);
	if (m->uart_fd > 0)
		close(m->uart_fd);
	hako_rm_rf(m->dir);
	free(m->dir);
}

/* Find "NAME=" in TEXT and parse the (decimal) number after it; -99999 if absent. */
static long long field(const char *text, const char *name)
{
	char key[40];
	snprintf(key, sizeof(key), "\n%s=", name);
	const char *p = strstr(text, key);
	if (!p && strncmp(text, key + 1, strlen(key + 1)) == 0)
		p = text - 1;
	return p ? strtoll(p + strlen(key), NULL, 10) : -99999;
}

/* A VM without KVM: page-aligned memory only, enough for the devices' own checks. */
static void fake_vm(struct vm *vm, size_t mem)
{
	memset(vm, 0, sizeof(*vm));
	vm->kvm_fd = vm->vm_fd = vm->vcpu_fd = -1;
	vm->mem = aligned_alloc(4096, mem);
	memset(vm->mem, 0, mem);
	vm->mem_size = mem;
}

/* ---- interrupts ---- */

/* This test checks that vm_irqchip_create() makes the PICs and the PIT inside KVM, and that
 * vm_irq_line() raises a random line (seen in the master PIC's request register) and refuses
 * a line past the last. */
static void test_irq_line_reaches_pic(void **state)
{
	struct vm vm;
	struct kvm_irqchip chip = {.chip_id = KVM_IRQCHIP_PIC_MASTER};
	struct kvm_pit_state2 pit;
	unsigned int irq = (unsigned int)hako_rand_range(3, 7);

	hako_require_kvm();
	int err = vm_create(&vm, "/dev/kvm", MEM);
	check_that(err == 0, "vm_create() returned %d", err);
	err = vm_irqchip_create(&vm);
	int pit_err = ioctl(vm.vm_fd, KVM_GET_PIT2, &pit) < 0 ? -errno : 0;
	int line = vm_irq_line(&vm, irq, 1);
	ioctl(vm.vm_fd, KVM_GET_IRQCHIP, &chip);
	int bad = vm_irq_line(&vm, VM_IRQ_LINES + (unsigned int)hako_rand_range(0, 1000), 1);
	vm_destroy(&vm);
	check_int(err, 0, "vm_irqchip_create()");
	check_int(pit_err, 0, "KVM_GET_PIT2 after vm_irqchip_create() (is there a PIT?)");
	check_int(line, 0, "vm_irq_line(irq, 1)");
	check_int((chip.chip.pic.irr >> irq) & 1, 1, "the line's bit in the master PIC's IRR");
	check_int(bad, -EINVAL, "vm_irq_line() of a line past VM_IRQ_LINES");
}

/* This test checks that the in-kernel PIT interrupts a guest that programmed it (ticks on
 * line 0) and that port 0x61 (the speaker) is answered inside KVM, never reaching hakovm. */
static void test_irq_pit_ticks(void **state)
{
	struct machine m;

	hako_require_kvm();
	machine_up(&m);
	m.pio_probe_dev = (struct device){"probe", 0x61, 1, probe_handle, &m.pio_probe};
	check_int(bus_register(&m.vm.pio, &m.pio_probe_dev), 0, "bus_register(probe at 0x61)");
	int status = machine_run(&m, S_TIMER, 0, 0, 0);
	machine_down(&m);
	check_that(field(m.out, "ticks") >= 5, "the guest counted %lld timer interrupts, not >= 5",
	           field(m.out, "ticks"));
	check_int(m.pio_probe.count, 0,
	          "accesses to port 0x61 that reached hakovm (KVM_PIT_SPEAKER_DUMMY answers them)");
	check_int(status, 0, "the guest's exit status");
}

/* This test checks that a random number of HC_IRQ hypercalls on a random line each deliver
 * exactly one interrupt to the guest (a raised line must be lowered again). */
static void test_irq_line_counted(void **state)
{
	static const int lines[] = {3, 4, 5, 6, 9, 10, 11, 12};
	struct machine m;
	int irq = lines[hako_rand_range(0, 7)], n = (int)hako_rand_range(3, 12);

	hako_require_kvm();
	machine_up(&m);
	int status = machine_run(&m, S_IRQ_LINE, (uint64_t)irq, (uint64_t)n, 0);
	uint64_t calls = m.hc.calls;
	machine_down(&m);
	check_int(field(m.out, "ret"), 0, "HC_IRQ's result in the guest");
	check_int(field(m.out, "irqs"), n, "interrupts the guest counted on its line");
	check_int(calls, n, "hypercalls hakovm counted");
	check_int(status, 0, "the guest's exit status");
}

/* This test checks that vm_ioeventfd() turns a random number of guest writes to a random
 * doorbell address into that many eventfd counts, with no MMIO exit reaching hakovm. */
static void test_irq_ioeventfd_doorbell(void **state)
{
	struct machine m;
	int n = (int)hako_rand_range(2, 40);
	uint64_t bell = VIRTIO_MMIO_BASE + 0x1000 + 8 * (uint64_t)hako_rand_range(0, 0x1000);

	hako_require_kvm();
	machine_up(&m);
	m.mmio_probe_dev =
	    (struct device){"probe", VIRTIO_MMIO_BASE, 0x200000, probe_handle, &m.mmio_probe};
	check_int(bus_register(&m.vm.mmio, &m.mmio_probe_dev), 0, "bus_register(probe)");
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	int err = vm_ioeventfd(&m.vm, efd, bell, 4);
	int bad = vm_ioeventfd(&m.vm, efd, bell + 64, (uint32_t)hako_rand_range(5, 7));
	check_int(err, 0, "vm_ioeventfd()");
	machine_run(&m, S_DOORBELL, bell, (uint64_t)n, 0xff);
	uint64_t count = 0;
	ssize_t got = read(efd, &count, 8);
	close(efd);
	int exits = m.mmio_probe.count;
	machine_down(&m);
	check_int(bad, -EINVAL, "vm_ioeventfd() with a length other than 1, 2, 4, 8");
	check_int(field(m.out, "rings"), n, "doorbell writes the guest made");
	check_that(got == 8, "the eventfd was never signalled");
	check_int(count, n, "the eventfd's count");
	check_int(exits, 0, "doorbell writes that exited to hakovm (KVM should have taken them)");
}

/* This test checks that vm_irqfd() delivers one interrupt per eventfd signal: the guest
 * rings a doorbell wired by vm_ioeventfd() to the same eventfd, a random number of times,
 * and counts an interrupt after each ring, with hakovm's thread never involved. */
static void test_irq_irqfd_loop(void **state)
{
	struct machine m;
	int n = (int)hako_rand_range(2, 20), irq = (int)hako_rand_range(9, 11);
	uint64_t bell = VIRTIO_MMIO_BASE + 0x1000;

	hako_require_kvm();
	machine_up(&m);
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	check_int(vm_ioeventfd(&m.vm, efd, bell, 4), 0, "vm_ioeventfd()");
	int err = vm_irqfd(&m.vm, efd, (unsigned int)irq);
	int bad = vm_irqfd(&m.vm, efd, VM_IRQ_LINES + (unsigned int)hako_rand_range(0, 100));
	check_int(err, 0, "vm_irqfd()");
	machine_run(&m, S_DOORBELL, bell, (uint64_t)n, (uint64_t)irq);
	machine_down(&m);
	close(efd);
	check_int(bad, -EINVAL, "vm_irqfd() of a line past VM_IRQ_LINES");
	check_int(field(m.out, "irqs"), n, "interrupts the guest counted, one per doorbell");
}

/* ---- hypercalls ---- */

/* Place REQ at GPA in VM's memory and make the 4-byte port write that carries GPA. */
static int call_at(struct device *dev, struct vm *vm, uint32_t gpa, struct hc_request *req)
{
	uint8_t data[4];
	memcpy(vm->mem + gpa, req, sizeof(*req));
	memcpy(data, &gpa, 4);
	int err = hypercall_handle(dev, 0, true, data, 4);
	memcpy(req, vm->mem + gpa, sizeof(*req));
	return err;
}

static int temp_file(const char *dir, const char *name)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	check_that(fd >= 0, "open %s: %s", path, strerror(errno));
	return fd;
}

/* This test checks the hypercall ABI: HC_WRITE puts random guest bytes on out_fd, HC_READ
 * fills a guest buffer from in_fd, an unknown number answers -ENOSYS, each call writes ret and
 * is counted. */
static void test_hypercall_abi(void **state)
{
	struct vm vm;
	char *dir = hako_tmpdir();
	struct hypercall hc = {.vm = &vm};
	struct device dev = {"hypercall", HC_PORT, 4, hypercall_handle, &hc};
	uint32_t len = (uint32_t)hako_rand_range(1, 4000), at = 0x10000 + hako_rand_range(0, 999);
	uint32_t gpa = 0x8000 + 8 * (uint32_t)hako_rand_range(0, 100);
	uint8_t want[4000], got[4000];

	fake_vm(&vm, MEM);
	hc.out_fd = temp_file(dir, "out");
	hc.in_fd = temp_file(dir, "in");
	for (uint32_t i = 0; i < len; i++)
		want[i] = vm.mem[at + i] = (uint8_t)hako_rand();
	struct hc_request req = {.nr = HC_WRITE, .addr = at, .len = len, .ret = 777};
	check_int(call_at(&dev, &vm, gpa, &req), 0, "hypercall_handle(HC_WRITE)");
	check_int(req.ret, len, "ret of HC_WRITE");
	check_int(pread(hc.out_fd, got, sizeof(got), 0), len, "bytes on out_fd");
	check_that(memcmp(got, want, len) == 0, "out_fd does not hold the guest's bytes");

	for (uint32_t i = 0; i < len; i++)
		want[i] = (uint8_t)hako_rand();
	check_that(pwrite(hc.in_fd, want, len, 0) == (ssize_t)len, "write in_fd");
	memset(vm.mem + at, 0, len + 16);
	req = (struct hc_request){.nr = HC_READ, .addr = at, .len = len + 16, .ret = 777};
	check_int(call_at(&dev, &vm, gpa, &req), 0, "hypercall_handle(HC_READ)");
	check_int(req.ret, len, "ret of HC_READ (the file holds fewer bytes than asked)");
	check_that(memcmp(vm.mem + at, want, len) == 0,
	           "the guest buffer does not hold in_fd's bytes");
	req = (struct hc_request){.nr = HC_READ, .addr = at, .len = 16, .ret = 777};
	check_int(call_at(&dev, &vm, gpa, &req), 0, "hypercall_handle(HC_READ) at the end");
	check_int(req.ret, 0, "ret of HC_READ at the end of in_fd");

	req = (struct hc_request){.nr = 4 + (uint64_t)hako_rand_range(0, 1000), .ret = 777};
	check_int(call_at(&dev, &vm, gpa, &req), 0, "hypercall_handle(unknown nr)");
	check_int(req.ret, -ENOSYS, "ret of an unknown call");
	check_int(hc.calls, 4, "hc->calls after four calls");
	close(hc.out_fd);
	close(hc.in_fd);
	free(vm.mem);
	hako_rm_rf(dir);
	free(dir);
}

/* This test checks that every guest-controlled value of a hypercall is bounds-checked: a
 * request outside guest memory, a buffer past the end or wrapping around 2^64, a length above
 * HC_MAX_LEN, a line past the last, a 1- or 2-byte access; nothing reaches out_fd. */
static void test_hypercall_bounds(void **state)
{
	struct vm vm;
	char *dir = hako_tmpdir();
	struct hypercall hc = {.vm = &vm};
	struct device dev = {"hypercall", HC_PORT, 4, hypercall_handle, &hc};
	uint8_t data[4];
	uint32_t gpa = 0x8000;

	fake_vm(&vm, MEM);
	hc.out_fd = temp_file(dir, "out");
	hc.in_fd = hc.out_fd;
	uint32_t outside = MEM - (uint32_t)hako_rand_range(1, sizeof(struct hc_request) - 1);
	memcpy(data, &outside, 4);
	check_int(hypercall_handle(&dev, 0, true, data, 4), -EFAULT,
	          "a request that runs past the end of guest memory");

	struct hc_request req = {.nr = HC_WRITE,
	                         .addr = MEM - 100,
	                         .len = 100 + (uint64_t)hako_rand_range(1, 99),
	                         .ret = 777};
	check_int(call_at(&dev, &vm, gpa, &req), 0, "hypercall_handle(HC_WRITE past the end)");
	check_int(req.ret, -EFAULT, "ret of HC_WRITE of a buffer past the end of guest memory");
	req = (struct hc_request){.nr = HC_READ,
	                          .addr = UINT64_MAX - (uint64_t)hako_rand_range(0, 4000),
	                          .len = 0x8000,
	                          .ret = 777};
	check_int(call_at(&dev, &vm, gpa, &req), 0, "hypercall_handle(HC_READ wrapping)");
	check_int(req.ret, -EFAULT, "ret of HC_READ of a buffer that wraps around 2^64");
	req = (struct hc_request){.nr = HC_WRITE,
	                          .addr = 0x10000,
	                          .len = HC_MAX_LEN + (uint64_t)hako_rand_range(1, 1 << 20),
	                          .ret = 777};
	check_int(call_at(&dev, &vm, gpa, &req), 0, "hypercall_handle(HC_WRITE too long)");
	check_int(req.ret, -E2BIG, "ret of HC_WRITE longer than HC_MAX_LEN");
	req = (struct hc_request){
	    .nr = HC_IRQ, .addr = VM_IRQ_LINES + (uint64_t)hako_rand_range(0, 1000), .ret = 777};
	check_int(call_at(&dev, &vm, gpa, &req), 0, "hypercall_handle(HC_IRQ)");
	check_int(req.ret, -EINVAL, "ret of HC_IRQ of a line past the last");
	check_int(hypercall_handle(&dev, 0, true, data, (uint32_t)hako_rand_range(1, 2)), -EINVAL,
	          "a 1- or 2-byte write to the hypercall port");
	memset(data, 0, 4);
	check_int(hypercall_handle(&dev, 0, false, data, 4), 0, "a 4-byte read of the port");
	check_int(data[0], HC_VERSION, "the port's value (HC_VERSION)");
	struct stat st;
	fstat(hc.out_fd, &st);
	check_int(st.st_size, 0, "bytes written to out_fd by refused calls");
	close(hc.out_fd);
	free(vm.mem);
	hako_rm_rf(dir);
	free(dir);
}

/* This test checks that a guest echoing hakovm's input through HC_READ and HC_WRITE, in random
 * chunks, gives back a random input of random size byte for byte. */
static void test_hypercall_guest_echo(void **state)
{
	struct machine m;
	size_t len = (size_t)hako_rand_range(1, 200000);
	uint8_t *want = malloc(len), *got = malloc(len + 1);

	hako_require_kvm();
	machine_up(&m);
	for (size_t i = 0; i < len; i++)
		want[i] = (uint8_t)hako_rand();
	m.hc.in_fd = temp_file(m.dir, "in");
	m.hc.out_fd = temp_file(m.dir, "out");
	check_that(pwrite(m.hc.in_fd, want, len, 0) == (ssize_t)len, "write the input");
	int status = machine_run(&m, S_ECHO, (uint64_t)hako_rand_range(1, 65536), 0, 0);
	ssize_t n = pread(m.hc.out_fd, got, len + 1, 0);
	close(m.hc.in_fd);
	close(m.hc.out_fd);
	machine_down(&m);
	check_int(status, 0, "the guest's exit status");
	check_int(field(m.out, "echoed"), len, "bytes the guest echoed");
	check_int(n, len, "bytes hakovm wrote");
	check_that(memcmp(got, want, len) == 0, "the echoed bytes differ from the input");
	free(want);
	free(got);
}

/* ---- split virtqueues, in a fake VM's memory ---- */

#define Q_DESC  0x10000
#define Q_AVAIL 0x11000
#define Q_USED  0x12000
#define Q_DATA  0x20000

struct vdesc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

static struct vdesc *qdesc(struct vm *vm)
{
	return (struct vdesc *)(vm->mem + Q_DESC);
}
static uint16_t *qavail(struct vm *vm)
{
	return (uint16_t *)(vm->mem + Q_AVAIL);
}
static uint16_t *qused(struct vm *vm)
{
	return (uint16_t *)(vm->mem + Q_USED);
}

/* Make the chain at HEAD the next available entry of Q. */
static void make_available(struct vm *vm, struct virtq *q, uint16_t head)
{
	uint16_t *avail = qavail(vm);
	avail[2 + avail[1] % q->num] = head;
	avail[1]++;
}

/* This test checks that virtq_pop() follows a random chain of random descriptors (order,
 * lengths, directions), returns it with its head, and 0 when nothing is new; and that
 * virtq_push() fills the used ring's entry and then its index. */
static void test_virtq_chain(void **state)
{
	struct vm vm;
	struct virtq q = {.num = 1u << hako_rand_range(3, 8),
	                  .ready = true,
	                  .desc = Q_DESC,
	                  .avail = Q_AVAIL,
	                  .used = Q_USED};
	struct virtq_buf bufs[VIRTQ_MAX_CHAIN];
	uint16_t order[VIRTQ_MAX], head = 0;
	int n = (int)hako_rand_range(1, 8);

	fake_vm(&vm, MEM);
	for (uint16_t i = 0; i < q.num; i++)
		order[i] = i;
	for (int i = (int)q.num - 1; i > 0; i--) { /* shuffle the descriptor numbers */
		int j = (int)hako_rand_range(0, i);
		uint16_t t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	uint32_t lens[8];
	bool wr[8];
	for (int i = 0; i < n; i++) {
		lens[i] = (uint32_t)hako_rand_range(1, 4096);
		wr[i] = hako_rand() & 1;
		qdesc(&vm)[order[i]] =
		    (struct vdesc){Q_DATA + 0x1000 * (uint64_t)i, lens[i],
		                   (uint16_t)((i < n - 1 ? VIRTQ_DESC_F_NEXT : 0) |
		                              (wr[i] ? VIRTQ_DESC_F_WRITE : 0)),
		                   i < n - 1 ? order[i + 1] : (uint16_t)hako_rand()};
	}
	check_int(virtq_pop(&vm, &q, &head, bufs, VIRTQ_MAX_CHAIN), 0,
	          "virtq_pop() of an empty queue");
	make_available(&vm, &q, order[0]);
	int got = virtq_pop(&vm, &q, &head, bufs, VIRTQ_MAX_CHAIN);
	check_int(got, n, "virtq_pop(): buffers in the chain");
	check_int(head, order[0], "virtq_pop(): the chain's head");
	for (int i = 0; i < n; i++) {
		check_that(bufs[i].data == vm.mem + Q_DATA + 0x1000 * i, "buffer %d: wrong address",
		           i);
		check_int(bufs[i].len, lens[i], "a buffer's length");
		check_int(bufs[i].writable, wr[i], "a buffer's VIRTQ_DESC_F_WRITE");
	}
	check_int(q.last_avail, 1, "q->last_avail after one chain");
	check_int(virtq_pop(&vm, &q, &head, bufs, VIRTQ_MAX_CHAIN), 0,
	          "virtq_pop() after the only chain was taken");

	uint32_t written = (uint32_t)hako_rand();
	check_int(virtq_push(&vm, &q, head, written), 0, "virtq_push()");
	uint32_t elem[2];
	memcpy(elem, vm.mem + Q_USED + 4, 8);
	check_int(elem[0], order[0], "used.ring[0].id");
	check_int(elem[1], written, "used.ring[0].len");
	check_int(qused(&vm)[1], 1, "used.idx after one chain");
	free(vm.mem);
}

/* This test checks that each class of hostile queue is refused with its error and without
 * taking the entry: a loop, a chain longer than the device takes, a head or next index past
 * the table, a buffer outside guest memory (also wrapping around), a ring outside guest
 * memory, an indirect descriptor, and an available index too far ahead. */
static void test_virtq_hostile(void **state)
{
	struct vm vm;
	struct virtq q = {
	    .num = 32, .ready = true, .desc = Q_DESC, .avail = Q_AVAIL, .used = Q_USED};
	struct virtq_buf bufs[VIRTQ_MAX_CHAIN];
	uint16_t head;
	struct vdesc *d;

	fake_vm(&vm, MEM);
	d = qdesc(&vm);
	/* A loop: 0 -> 1 -> ... -> k -> 0. */
	int k = (int)hako_rand_range(1, 10);
	for (int i = 0; i <= k; i++)
		d[i] = (struct vdesc){Q_DATA, 16, VIRTQ_DESC_F_NEXT, (uint16_t)(i < k ? i + 1 : 0)};
	make_available(&vm, &q, 0);
	check_int(virtq_pop(&vm, &q, &head, bufs, VIRTQ_MAX_CHAIN), -ELOOP, "a descriptor loop");
	check_int(q.last_avail, 0, "q->last_avail after a refused chain");
	d[k].next = (uint16_t)hako_rand_range(0, k); /* a loop back into the middle, with max 32 */
	check_int(virtq_pop(&vm, &q, &head, bufs, 32), -ELOOP,
	          "a loop into the middle of the chain");

	/* More distinct descriptors than MAX. */
	int max = (int)hako_rand_range(2, 8);
	for (int i = 0; i <= max; i++)
		d[i] = (struct vdesc){Q_DATA, 16, VIRTQ_DESC_F_NEXT, (uint16_t)(i + 1)};
	d[max].flags = 0;
	check_int(virtq_pop(&vm, &q, &head, bufs, max), -E2BIG, "a chain of MAX + 1 descriptors");

	/* Indexes past the table. */
	d[0] = (struct vdesc){Q_DATA, 16, VIRTQ_DESC_F_NEXT, (uint16_t)hako_rand_range(32, 255)};
	check_int(virtq_pop(&vm, &q, &head, bufs, VIRTQ_MAX_CHAIN), -ERANGE,
	          "a next index past this queue's 32 descriptors (but below VIRTQ_MAX)");
	qavail(&vm)[2] = (uint16_t)hako_rand_range(32, 65535);
	check_int(virtq_pop(&vm, &q, &head, bufs, VIRTQ_MAX_CHAIN), -ERANGE,
	          "a head index past the descriptor table");
	qavail(&vm)[2] = 0;

	/* Buffers outside guest memory. */
	d[0] = (struct vdesc){MEM - 100, 100 + (uint32_t)hako_rand_range(1, 1000), 0, 0};
	check_int(virtq_pop(&vm, &q, &head, bufs, VIRTQ_MAX_CHAIN), -EFAULT,
	          "a buffer that runs past the end of guest memory");
	d[0] = (struct vdesc){UINT64_MAX - (uint64_t)hako_rand_range(0, 1000), 0x2000, 0, 0};
	check_int(virtq_pop(&vm, &q, &head, bufs, VIRTQ_MAX_CHAIN), -EFAULT,
	          "a buffer whose end wraps around 2^64");
	d[0] = (struct vdesc){Q_DATA, 16, VIRTQ_DESC_F_INDIRECT, 0};
	check_int(virtq_pop(&vm, &q, &head, bufs, VIRTQ_MAX_CHAIN), -EINVAL,
	          "an indirect descriptor (not offered)");
	check_int(q.last_avail, 0, "q->last_avail after refused chains");

	/* The rings themselves outside guest memory. */
	struct virtq far = q;
	far.desc = MEM - 16 * (uint64_t)hako_rand_range(1, 31);
	check_int(virtq_pop(&vm, &far, &head, bufs, VIRTQ_MAX_CHAIN), -EFAULT,
	          "a descriptor table that runs past the end of guest memory");
	far = q;
	far.used = (MEM - 8) & ~3ULL;
	check_int(virtq_push(&vm, &far, 0, 0), -EFAULT,
	          "virtq_push() to a used ring past the end of guest memory");

	/* The driver claims more new chains than the queue holds. */
	d[0] = (struct vdesc){Q_DATA, 16, 0, 0};
	qavail(&vm)[1] = (uint16_t)(q.num + (uint16_t)hako_rand_range(1, 1000));
	check_int(virtq_pop(&vm, &q, &head, bufs, VIRTQ_MAX_CHAIN), -EINVAL,
	          "an available index more than num entries ahead");
	free(vm.mem);
}

/* ---- the virtio-mmio device ---- */

static uint32_t reg_read(struct device *dev, uint64_t off)
{
	uint8_t data[4];
	uint32_t v;
	int err = virtio_blk_handle(dev, off, false, data, 4);
	check_that(err == 0, "a 4-byte read of register 0x%03" PRIx64 " returned %d", off, err);
	memcpy(&v, data, 4);
	return v;
}

static void reg_write(struct device *dev, uint64_t off, uint32_t v)
{
	uint8_t data[4];
	memcpy(data, &v, 4);
	int err = virtio_blk_handle(dev, off, true, data, 4);
	check_that(err == 0, "a 4-byte write of register 0x%03" PRIx64 " returned %d", off, err);
}

/* A disk of SECTORS random sectors in DIR; returns its fd and its bytes in *CONTENT. */
static int make_disk(const char *dir, uint64_t sectors, uint8_t **content)
{
	int fd = temp_file(dir, "disk");
	size_t size = sectors * VIRTIO_BLK_SECTOR;
	*content = malloc(size);
	for (size_t i = 0; i < size; i++)
		(*content)[i] = (uint8_t)hako_rand();
	check_that(pwrite(fd, *content, size, 0) == (ssize_t)size, "write the disk");
	return fd;
}

/* A virtio-blk device at VIRTIO_MMIO_BASE on a fake VM (memory only, no KVM), over a disk of
 * SECTORS random sectors in DIR: what the register and request tests drive directly. Sets
 * *CONTENT to the disk's bytes and *DEV to the device; returns the disk's fd. */
static int blk_up(struct vm *vm, struct virtio_blk *blk, struct device *dev, const char *dir,
                  uint64_t sectors, uint8_t **content)
{
	fake_vm(vm, MEM);
	int fd = make_disk(dir, sectors, content);
	check_int(virtio_blk_init(blk, vm, fd, VIRTIO_MMIO_IRQ), 0, "virtio_blk_init()");
	*dev = (struct device){"virtio-blk", VIRTIO_MMIO_BASE, VIRTIO_MMIO_SIZE, virtio_blk_handle,
	                       blk};
	return fd;
}

/* Undo blk_up() and remove DIR. */
static void blk_down(struct vm *vm, int fd, uint8_t *content, char *dir)
{
	close(fd);
	free(content);
	free(vm->mem);
	hako_rm_rf(dir);
	free(dir);
}

/* This test checks the register map: magic, version 2, block device ID, the features (only
 * VIRTIO_F_VERSION_1, in the high half), QueueNumMax, the capacity in the configuration space
 * (any width), and that a 2-byte access to a register is refused. */
static void test_virtio_registers(void **state)
{
	struct vm vm;
	struct virtio_blk blk;
	struct device dev;
	char *dir = hako_tmpdir();
	uint8_t *content;
	uint64_t sectors = (uint64_t)hako_rand_range(1, 5000);

	int fd = blk_up(&vm, &blk, &dev, dir, sectors, &content);
	check_int(reg_read(&dev, VIRTIO_MMIO_MAGIC), VIRTIO_MMIO_MAGIC_VALUE, "MagicValue");
	check_int(reg_read(&dev, VIRTIO_MMIO_VERSION), 2, "Version");
	check_int(reg_read(&dev, VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_BLOCK, "DeviceID");
	reg_write(&dev, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	check_int(reg_read(&dev, VIRTIO_MMIO_DEVICE_FEATURES), 0, "DeviceFeatures, bits 0-31");
	reg_write(&dev, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	check_int(reg_read(&dev, VIRTIO_MMIO_DEVICE_FEATURES), 1, "DeviceFeatures, bits 32-63");
	check_int(reg_read(&dev, VIRTIO_MMIO_QUEUE_NUM_MAX), VIRTQ_MAX, "QueueNumMax of queue 0");
	uint64_t cap = (uint64_t)reg_read(&dev, VIRTIO_MMIO_CONFIG) |
	               (uint64_t)reg_read(&dev, VIRTIO_MMIO_CONFIG + 4) << 32;
	check_int(cap, sectors, "the capacity (config space, two 4-byte reads)");
	uint8_t b = 0;
	check_int(virtio_blk_handle(&dev, VIRTIO_MMIO_CONFIG + 1, false, &b, 1), 0,
	          "a 1-byte read of the config space");
	check_int(b, (sectors >> 8) & 0xff, "byte 1 of the capacity");
	uint8_t two[2];
	check_int(virtio_blk_handle(&dev, VIRTIO_MMIO_STATUS, false, two, 2), -EINVAL,
	          "a 2-byte read of the Status register");
	blk_down(&vm, fd, content, dir);
}

/* This test checks feature negotiation and the status sequence: FEATURES_OK is refused
 * without VIRTIO_F_VERSION_1 or with a feature not offered, accepted with exactly it, and
 * writing 0 to Status resets the device (status, features, queue, interrupt). */
static void test_virtio_features_status(void **state)
{
	struct vm vm;
	struct virtio_blk blk;
	struct device dev;
	char *dir = hako_tmpdir();
	uint8_t *content;

	int fd = blk_up(&vm, &blk, &dev, dir, 8, &content);
	uint32_t s = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER;

	reg_write(&dev, VIRTIO_MMIO_STATUS, s);
	check_int(reg_read(&dev, VIRTIO_MMIO_STATUS), s, "Status after ACKNOWLEDGE | DRIVER");
	reg_write(&dev, VIRTIO_MMIO_STATUS, s | VIRTIO_STATUS_FEATURES_OK);
	check_int(reg_read(&dev, VIRTIO_MMIO_STATUS), s,
	          "Status after FEATURES_OK with no features (a legacy driver): refused");
	reg_write(&dev, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	reg_write(&dev, VIRTIO_MMIO_DRIVER_FEATURES, 1);
	reg_write(&dev, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	reg_write(&dev, VIRTIO_MMIO_DRIVER_FEATURES, 1u << hako_rand_range(0, 31));
	reg_write(&dev, VIRTIO_MMIO_STATUS, s | VIRTIO_STATUS_FEATURES_OK);
	check_int(reg_read(&dev, VIRTIO_MMIO_STATUS), s,
	          "Status after FEATURES_OK with a feature the device did not offer: refused");
	reg_write(&dev, VIRTIO_MMIO_DRIVER_FEATURES, 0);
	reg_write(&dev, VIRTIO_MMIO_STATUS, s | VIRTIO_STATUS_FEATURES_OK);
	check_int(reg_read(&dev, VIRTIO_MMIO_STATUS), s | VIRTIO_STATUS_FEATURES_OK,
	          "Status after FEATURES_OK with VIRTIO_F_VERSION_1 alone: accepted");

	reg_write(&dev, VIRTIO_MMIO_QUEUE_NUM, 16);
	reg_write(&dev, VIRTIO_MMIO_QUEUE_DESC_LOW, Q_DESC);
	reg_write(&dev, VIRTIO_MMIO_QUEUE_READY, 1);
	check_int(reg_read(&dev, VIRTIO_MMIO_QUEUE_READY), 1, "QueueReady");
	blk.interrupt_status = VIRTIO_INT_USED;
	reg_write(&dev, VIRTIO_MMIO_STATUS, 0);
	check_int(reg_read(&dev, VIRTIO_MMIO_STATUS), 0, "Status after a reset");
	check_int(reg_read(&dev, VIRTIO_MMIO_QUEUE_READY), 0, "QueueReady after a reset");
	reg_write(&dev, VIRTIO_MMIO_QUEUE_NUM, 3 + 2 * (uint32_t)hako_rand_range(0, 100));
	reg_write(&dev, VIRTIO_MMIO_QUEUE_READY, 1);
	check_int(reg_read(&dev, VIRTIO_MMIO_QUEUE_READY), 0,
	          "QueueReady after QueueNum was set to an odd size (not a power of 2)");
	check_int(reg_read(&dev, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET,
	          VIRTIO_STATUS_NEEDS_RESET, "Status after a queue size that is not a power of 2");
	reg_write(&dev, VIRTIO_MMIO_STATUS, 0);
	check_int(blk.queue.num, 0, "the queue's size after a reset");
	check_int(blk.driver_features, 0, "the driver's features after a reset");
	check_int(reg_read(&dev, VIRTIO_MMIO_INTERRUPT_STATUS), 0, "InterruptStatus after a reset");
	blk_down(&vm, fd, content, dir);
}

/* Bring BLK (behind DEV) up with queue Q_* of 16 entries, as a driver would. */
static void drive_up(struct device *dev)
{
	reg_write(dev, VIRTIO_MMIO_STATUS, 0);
	reg_write(dev, VIRTIO_MMIO_STATUS, 3);
	reg_write(dev, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	reg_write(dev, VIRTIO_MMIO_DRIVER_FEATURES, 1);
	reg_write(dev, VIRTIO_MMIO_STATUS, 3 | VIRTIO_STATUS_FEATURES_OK);
	reg_write(dev, VIRTIO_MMIO_QUEUE_NUM, 16);
	reg_write(dev, VIRTIO_MMIO_QUEUE_DESC_LOW, Q_DESC);
	reg_write(dev, VIRTIO_MMIO_QUEUE_DRIVER_LOW, Q_AVAIL);
	reg_write(dev, VIRTIO_MMIO_QUEUE_DEVICE_LOW, Q_USED);
	reg_write(dev, VIRTIO_MMIO_QUEUE_READY, 1);
	reg_write(dev, VIRTIO_MMIO_STATUS, 3 | VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
}

/* One request: header at Q_DATA, data at Q_DATA + 0x1000 (LEN bytes, WRITABLE or not),
 * status at Q_DATA + 0x100. Returns the status byte the device wrote (0xee if none). */
static int blk_request_at(struct vm *vm, struct device *dev, struct virtq *q, uint32_t type,
                          uint64_t sector, uint32_t len, bool writable)
{
	struct vdesc *d = qdesc(vm);
	struct virtio_blk_req_header h = {.type = type, .sector = sector};
	memcpy(vm->mem + Q_DATA, &h, sizeof(h));
	vm->mem[Q_DATA + 0x100] = 0xee;
	d[0] = (struct vdesc){Q_DATA, sizeof(h), VIRTQ_DESC_F_NEXT, 1};
	d[1] =
	    (struct vdesc){Q_DATA + 0x1000, len,
	                   (uint16_t)(VIRTQ_DESC_F_NEXT | (writable ? VIRTQ_DESC_F_WRITE : 0)), 2};
	d[2] = (struct vdesc){Q_DATA + 0x100, 1, VIRTQ_DESC_F_WRITE, 0};
	make_available(vm, q, 0);
	reg_write(dev, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	return vm->mem[Q_DATA + 0x100];
}

/* This test checks block requests in a fake VM: a read and a write of random sectors move
 * the right bytes, raise the interrupt status and fill the used ring; a request past the end
 * of the disk (also one whose offset overflows) or of a partial sector is an I/O error; an
 * unknown type is unsupported; a read into a read-only buffer makes the device need a reset. */
static void test_virtio_blk_requests(void **state)
{
	struct vm vm;
	struct virtio_blk blk;
	struct device dev;
	char *dir = hako_tmpdir();
	uint8_t *content;
	uint64_t sectors = (uint64_t)hako_rand_range(8, 64);

	int fd = blk_up(&vm, &blk, &dev, dir, sectors, &content);
	drive_up(&dev);
	struct virtq *q = &blk.queue;

	uint64_t s = (uint64_t)hako_rand_range(0, (long)sectors - 4);
	uint32_t n = (uint32_t)hako_rand_range(1, 4) * VIRTIO_BLK_SECTOR;
	check_int(blk_request_at(&vm, &dev, q, VIRTIO_BLK_T_IN, s, n, true), VIRTIO_BLK_S_OK,
	          "the status of a read");
	check_that(memcmp(vm.mem + Q_DATA + 0x1000, content + s * VIRTIO_BLK_SECTOR, n) == 0,
	           "a read of sector %" PRIu64 " did not bring the disk's bytes", s);
	uint32_t elem[2];
	memcpy(elem, vm.mem + Q_USED + 4, 8);
	check_int(elem[1], n + 1, "used.ring[0].len of a read (data + status byte)");
	check_int(qused(&vm)[1], 1, "used.idx after a request");
	check_int(reg_read(&dev, VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_INT_USED, VIRTIO_INT_USED,
	          "InterruptStatus after a request");
	check_int(blk.irq_level, 1, "the interrupt line after a request");
	reg_write(&dev, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_INT_USED);
	check_int(blk.irq_level, 0, "the interrupt line after InterruptACK");

	for (uint32_t i = 0; i < n; i++)
		vm.mem[Q_DATA + 0x1000 + i] = (uint8_t)hako_rand();
	s = (uint64_t)hako_rand_range(0, (long)sectors - 4);
	check_int(blk_request_at(&vm, &dev, q, VIRTIO_BLK_T_OUT, s, n, false), VIRTIO_BLK_S_OK,
	          "the status of a write");
	uint8_t *back = malloc(n);
	check_that(pread(fd, back, n, (off_t)(s * VIRTIO_BLK_SECTOR)) == (ssize_t)n,
	           "read the disk");
	check_that(memcmp(back, vm.mem + Q_DATA + 0x1000, n) == 0,
	           "a write to sector %" PRIu64 " did not reach the file", s);
	/* CONTENT stays the disk's bytes: the reads below may land on the sectors just written. */
	memcpy(content + s * VIRTIO_BLK_SECTOR, back, n);
	memcpy(elem, vm.mem + Q_USED + 12, 8);
	check_int(elem[1], 1, "used.ring[1].len of a write (only the status byte)");
	free(back);

	check_int(blk_request_at(&vm, &dev, q, VIRTIO_BLK_T_IN, sectors - 1, 1024, true),
	          VIRTIO_BLK_S_IOERR, "the status of a read running past the end of the disk");
	/* sector * 512 wraps around to a sector inside the disk: must still be refused. */
	check_int(blk_request_at(&vm, &dev, q, VIRTIO_BLK_T_IN,
	                         UINT64_MAX / VIRTIO_BLK_SECTOR + 1 +
	                             (uint64_t)hako_rand_range(0, (long)sectors - 2),
	                         512, true),
	          VIRTIO_BLK_S_IOERR, "the status of a read whose byte offset overflows 64 bits");
	check_int(blk_request_at(&vm, &dev, q, VIRTIO_BLK_T_IN, 0,
	                         (uint32_t)hako_rand_range(1, 511), true),
	          VIRTIO_BLK_S_IOERR, "the status of a read of part of a sector");
	check_int(blk_request_at(&vm, &dev, q, 3 + (uint32_t)hako_rand_range(0, 100), 0, 512, true),
	          VIRTIO_BLK_S_UNSUPP, "the status of an unknown request type");
	check_int(blk.requests, 6, "requests completed");

	/* Two chains made available before one notify: both are answered, one interrupt. */
	struct vdesc *d = qdesc(&vm);
	uint64_t raised = blk.interrupts;
	reg_write(&dev, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_INT_USED);
	for (int c = 0; c < 2; c++) {
		struct virtio_blk_req_header h = {.type = VIRTIO_BLK_T_IN, .sector = (uint64_t)c};
		memcpy(vm.mem + Q_DATA + 0x20 * c, &h, sizeof(h));
		vm.mem[Q_DATA + 0x100 + c] = 0xee;
		d[3 * c + 3] = (struct vdesc){Q_DATA + 0x20 * (uint64_t)c, sizeof(h),
		                              VIRTQ_DESC_F_NEXT, (uint16_t)(3 * c + 4)};
		d[3 * c + 4] =
		    (struct vdesc){Q_DATA + 0x1000 + 0x200 * (uint64_t)c, 512,
		                   VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, (uint16_t)(3 * c + 5)};
		d[3 * c + 5] =
		    (struct vdesc){Q_DATA + 0x100 + (uint64_t)c, 1, VIRTQ_DESC_F_WRITE, 0};
		make_available(&vm, q, (uint16_t)(3 * c + 3));
	}
	reg_write(&dev, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	check_int(qused(&vm)[1], 8, "used.idx after two chains and one notify (both answered)");
	check_int(vm.mem[Q_DATA + 0x100], VIRTIO_BLK_S_OK, "the first chain's status");
	check_int(vm.mem[Q_DATA + 0x101], VIRTIO_BLK_S_OK, "the second chain's status");
	check_that(memcmp(vm.mem + Q_DATA + 0x1000, content, 512) == 0,
	           "the first chain's read did not bring sector 0");
	check_that(memcmp(vm.mem + Q_DATA + 0x1200, content + 512, 512) == 0,
	           "the second chain's read did not bring sector 1");
	check_int(blk.interrupts, raised + 1, "raises of the line for one notify");
	check_int(blk.status & VIRTIO_STATUS_NEEDS_RESET, 0, "NEEDS_RESET after good requests");
	blk_request_at(&vm, &dev, q, VIRTIO_BLK_T_IN, 0, 512, false);
	check_int(blk.status & VIRTIO_STATUS_NEEDS_RESET, VIRTIO_STATUS_NEEDS_RESET,
	          "Status after a read into a buffer the device may not write");
	check_that(blk.error[0] != '\0', "blk->error is empty after the device failed");

	/* The device stays failed until a reset: rewriting Status keeps NEEDS_RESET, and a good
	 * request is not answered. */
	uint16_t used_before = qused(&vm)[1];
	reg_write(&dev, VIRTIO_MMIO_STATUS,
	          3 | VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
	check_int(reg_read(&dev, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET,
	          VIRTIO_STATUS_NEEDS_RESET, "NEEDS_RESET after the driver rewrote Status");
	blk_request_at(&vm, &dev, q, VIRTIO_BLK_T_IN, 0, 512, true);
	check_int(qused(&vm)[1], used_before, "used.idx after a request to a failed device");
	blk_down(&vm, fd, content, dir);
}

/* This test checks virtio-blk with a real driver: the guest copies the first half of a random
 * disk to the second half, each byte XORed with a random key, in random requests over a queue
 * of random size; every byte arrives, and one interrupt is counted per request. */
static void test_virtio_blk_guest_copy(void **state)
{
	struct machine m;
	uint64_t sectors = 2 * (uint64_t)hako_rand_range(4, 24);
	uint8_t key = (uint8_t)hako_rand_range(1, 255), *content;
	uint32_t num = 1u << hako_rand_range(3, 8);

	hako_require_kvm();
	machine_up(&m);
	int fd = make_disk(m.dir, sectors, &content);
	machine_add_blk(&m, fd);
	int status = machine_run(&m, S_BLK, key, num, 0);
	size_t half = sectors / 2 * VIRTIO_BLK_SECTOR;
	uint8_t *disk = malloc(2 * half);
	ssize_t got = pread(fd, disk, 2 * half, 0);
	uint64_t requests = m.blk.requests, interrupts = m.blk.interrupts;
	close(fd);
	machine_down(&m);
	check_int(status, 0, "the guest's exit status");
	check_int(got, 2 * half, "the disk's size");
	long long sum = 0;
	for (size_t i = 0; i < half; i++) {
		sum += content[i];
		check_that(disk[half + i] == (content[i] ^ key),
		           "disk byte %zu: expected 0x%02x (byte %zu ^ 0x%02x), got 0x%02x",
		           half + i, content[i] ^ key, i, key, disk[half + i]);
	}
	check_int(field(m.out, "sum"), sum, "the sum of the bytes the guest read");
	check_int(field(m.out, "past_end"), VIRTIO_BLK_S_IOERR, "status of a read past the end");
	check_int(field(m.out, "unknown_type"), VIRTIO_BLK_S_UNSUPP, "status of an unknown type");
	check_int(requests, field(m.out, "requests"), "requests the device completed");
	check_int(field(m.out, "irqs"), requests, "interrupts the guest counted, one per request");
	check_int(interrupts, requests, "raises of the interrupt line");
	free(disk);
	free(content);
}

/* This test checks that each class of hostile queue a guest driver can make (a loop, a chain
 * too long, a head or next index out of range, a buffer or the descriptor table outside guest
 * memory, an available index too far ahead) is refused with a message: NEEDS_RESET and a
 * configuration interrupt, nothing in the used ring, and the device works again after a
 * reset. */
static void test_virtio_blk_hostile_guest(void **state)
{
	static const struct {
		int kind;
		const char *words;
	} classes[] = {
	    {H_LOOP, "loop"},
	    {H_LONG, "too long"},
	    {H_HEAD_RANGE, "out of range"},
	    {H_NEXT_RANGE, "out of range"},
	    {H_BUF_OUTSIDE, "outside guest memory"},
	    {H_RING_OUTSIDE, "outside guest memory"},
	    {H_AHEAD, "available index"},
	};

	hako_require_kvm();
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
		struct machine m;
		uint8_t *content;
		uint64_t far = MEM + 0x1000 * (uint64_t)hako_rand_range(0, 1000);
		if (classes[i].kind == H_BUF_OUTSIDE && hako_rand() % 2)
			far = UINT64_MAX - (uint64_t)hako_rand_range(0, 255); /* wraps around */
		if (classes[i].kind == H_RING_OUTSIDE)
			far = (uint64_t)hako_rand_range(1, 0xffff) << 32;
		machine_up(&m);
		int fd = make_disk(m.dir, 8, &content);
		machine_add_blk(&m, fd);
		printf("hostile queue class %d:\n", classes[i].kind);
		int status = machine_run(&m, S_HOSTILE, (uint64_t)classes[i].kind, far, 0);
		char error[sizeof(m.blk.error)];
		memcpy(error, m.blk.error, sizeof(error));
		uint64_t requests = m.blk.requests;
		close(fd);
		free(content);
		machine_down(&m);
		check_int(field(m.out, "needs_reset"), 1, "DEVICE_NEEDS_RESET seen by the guest");
		check_int(field(m.out, "config_irq"), 1,
		          "a configuration interrupt seen by the guest");
		check_int(field(m.out, "used"), 0, "chains in the used ring after the hostile one");
		check_int(field(m.out, "after_reset"), 0, "status of a good read after the reset");
		check_int(status, 0, "the guest's exit status");
		check_int(requests, 1, "requests completed (only the good one after the reset)");
		check_contains(error, classes[i].words, "the device's report (blk->error)");
	}
}

/* This test checks `hakovm --disk FILE`: the guest's driver finds the device at 0xd0000000 on
 * IRQ 5 and copies a random disk as in the test above; a hostile queue is reported on stderr
 * and the VM goes on; a missing disk is refused before the VM runs. */
static void test_virtio_hakovm_disk(void **state)
{
	char *dir = hako_tmpdir(), path[4200], key[8], num[8], guest[4200], kind[8];
	uint64_t sectors = 2 * (uint64_t)hako_rand_range(4, 16);
	uint8_t k = (uint8_t)hako_rand_range(1, 255), *content;
	struct hako_run r;

	hako_require_kvm();
	int fd = make_disk(dir, sectors, &content);
	snprintf(path, sizeof(path), "%s/disk", dir);
	snprintf(guest, sizeof(guest), "%s/guest-devices.elf", hako_out_dir());
	snprintf(key, sizeof(key), "%u", k);
	snprintf(num, sizeof(num), "%u", 1u << hako_rand_range(3, 8));
	const char *args[] = {"--disk", path,    "--arg", "5",   "--arg",
	                      key,      "--arg", num,     guest, NULL};
	hako_run_prog(&r, "hakovm", args, NULL, 20000);
	check_exit(&r, 0, "hakovm's exit code (the guest's driver finished)");
	size_t half = sectors / 2 * VIRTIO_BLK_SECTOR;
	uint8_t *disk = malloc(2 * half);
	check_int(pread(fd, disk, 2 * half, 0), 2 * half, "the disk's size");
	for (size_t i = 0; i < half; i++)
		check_that(disk[half + i] == (content[i] ^ k),
		           "disk byte %zu is not byte %zu ^ 0x%02x", half + i, i, k);
	hako_run_free(&r);

	snprintf(kind, sizeof(kind), "%ld", hako_rand_range(H_LOOP, H_AHEAD));
	const char *hostile[] = {"--disk", path,    "--arg",    "6",   "--arg",
	                         kind,     "--arg", "0x400000", guest, NULL};
	hako_run_prog(&r, "hakovm", hostile, NULL, 20000);
	check_contains(r.err, "hakovm: virtio-blk: ", "hakovm's report of a hostile queue");
	check_contains(r.out, "after_reset=0",
	               "the guest's output (the device works after a reset)");
	check_exit(&r, 0, "hakovm's exit code after a hostile queue");
	hako_run_free(&r);

	snprintf(path, sizeof(path), "%s/missing-%u", dir, hako_rand());
	hako_run_prog(&r, "hakovm", args, NULL, 20000);
	check_exit(&r, HAKOVM_EXIT_FAILED, "hakovm's exit code with a missing disk");
	check_contains(r.err, path, "hakovm's message names the missing disk");
	hako_run_free(&r);
	close(fd);
	free(disk);
	free(content);
	hako_rm_rf(dir);
	free(dir);
}

HAKO_TEST_MAIN(HAKO_TEST(test_irq_line_reaches_pic), HAKO_TEST(test_irq_pit_ticks),
               HAKO_TEST(test_irq_line_counted), HAKO_TEST(test_irq_ioeventfd_doorbell),
               HAKO_TEST(test_irq_irqfd_loop), HAKO_TEST(test_hypercall_abi),
               HAKO_TEST(test_hypercall_bounds), HAKO_TEST(test_hypercall_guest_echo),
               HAKO_TEST(test_virtq_chain), HAKO_TEST(test_virtq_hostile),
               HAKO_TEST(test_virtio_registers), HAKO_TEST(test_virtio_features_status),
               HAKO_TEST(test_virtio_blk_requests), HAKO_TEST(test_virtio_blk_guest_copy),
               HAKO_TEST(test_virtio_blk_hostile_guest), HAKO_TEST(test_virtio_hakovm_disk))
