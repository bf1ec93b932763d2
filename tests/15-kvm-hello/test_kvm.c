/* test_kvm.c: graded tests for lesson 15 — /dev/kvm, a VM, its memory, a vCPU, a 16-bit guest. */
#include "hako_test.h"
#include "hakovm.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define KVM_DEV "/dev/kvm"

/* The path of a guest image this lesson's tests.mk built. */
static const char *guest_path(const char *name)
{
	static char path[4096];

	snprintf(path, sizeof(path), "%s/%s", hako_out_dir(), name);
	check_that(access(path, R_OK) == 0, "guest %s was not built", path);
	return path;
}

/* Make a VM of MEM bytes with its vCPU, failing the test with the step that failed. */
static void vm_up(struct vm *vm, size_t mem)
{
	int err = vm_create(vm, KVM_DEV, mem);
	check_that(err == 0, "vm_create(\"/dev/kvm\", %zu) returned %d (%s)", mem, err,
	           strerror(-err));
	err = vcpu_create(vm);
	check_that(err == 0, "vcpu_create() returned %d (%s)", err, strerror(-err));
}

/* Load the hello guest at REAL_MODE_ENTRY and start it in real mode with inputs A and B. */
static void hello_load(struct vm *vm, uint64_t a, uint64_t b)
{
	size_t size;
	uint8_t *code = hako_read_built("guest-hello.bin", &size);
	uint64_t args[2] = {a, b};

	check_that(vm->mem != NULL && REAL_MODE_ENTRY + size <= vm->mem_size,
	           "vm->mem is not set, or smaller than the guest");
	memcpy(vm->mem + REAL_MODE_ENTRY, code, size);
	free(code);
	int err = vcpu_init_real_mode(vm, REAL_MODE_ENTRY, args, 2);
	check_that(err == 0, "vcpu_init_real_mode() returned %d (%s)", err, strerror(-err));
}

/* What an fd of this process points at, e.g. "anon_inode:kvm-vm". */
static const char *fd_target(int fd)
{
	static char buf[256];
	char link[64];

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, buf, sizeof(buf) - 1);
	buf[n < 0 ? 0 : n] = '\0';
	return buf;
}

/* Run hakovm with ARGV (NULL-terminated, without the program) and check it ends in 10 s. */
static void run_hakovm(struct hako_run *r, const char *const *args)
{
	hako_run_prog(r, "hakovm", args, NULL, 10000);
}

/* This test checks that kvm_open() returns an open, close-on-exec fd of a KVM device whose API
 * version is 12. */
static void test_kvm_open_api_version(void **state)
{
	hako_require_kvm();
	int fd = kvm_open(KVM_DEV);
	check_that(fd >= 0, "kvm_open(\"/dev/kvm\") returned %d (%s)", fd, strerror(-fd));
	check_int(ioctl(fd, KVM_GET_API_VERSION, 0), 12, "KVM_GET_API_VERSION on the returned fd");
	check_that(fcntl(fd, F_GETFD) & FD_CLOEXEC, "the fd is not close-on-exec (O_CLOEXEC)");
	close(fd);
}

/* This test checks that a missing KVM device gives -ENOENT, and hakovm then names the BIOS
 * setting and the kvm module. */
static void test_kvm_open_missing(void **state)
{
	char path[64], name[16];
	struct hako_run r;

	hako_rand_name(name, 10);
	snprintf(path, sizeof(path), "/dev/hako-no-kvm-%s", name);
	check_int(kvm_open(path), -ENOENT, "kvm_open() of a path that does not exist");

	const char *args[] = {"--kvm", path, guest_path("guest-hello.bin"), NULL};
	run_hakovm(&r, args);
	check_exit(&r, HAKOVM_EXIT_FAILED, "hakovm's exit code without KVM");
	check_contains(r.err, path, "hakovm's message names the device");
	check_contains(r.err, "VT-x", "hakovm's message names the BIOS setting");
	check_contains(r.err, "modprobe kvm", "hakovm's message names the kvm module");
	hako_run_free(&r);
}

/* Copy the file FROM to TO with MODE. */
static void copy_file(const char *from, const char *to, mode_t mode)
{
	size_t size;
	FILE *f = fopen(from, "rb");
	check_that(f != NULL, "open %s: %s", from, strerror(errno));
	char *buf = malloc(64 << 20);
	size = fread(buf, 1, 64 << 20, f);
	fclose(f);
	int fd = open(to, O_WRONLY | O_CREAT | O_TRUNC, mode);
	check_that(fd >= 0 && write(fd, buf, size) == (ssize_t)size, "write %s", to);
	close(fd);
	chmod(to, mode);
	free(buf);
}

/* This test checks that a KVM device without permission gives -EACCES, and hakovm then says to
 * join the kvm group. (As root it tries as the user nobody.) */
static void test_kvm_open_permission(void **state)
{
	char *dir = hako_tmpdir(), dev[512], vm[512], guest[512];
	struct hako_run r;

	/* A "device" nobody may open, in a folder anyone may pass through. */
	chmod(dir, 0711);
	snprintf(dev, sizeof(dev), "%s/kvm", dir);
	snprintf(vm, sizeof(vm), "%s/hakovm", dir);
	snprintf(guest, sizeof(guest), "%s/guest.bin", dir);
	hako_write_file(dev, "not really kvm\n");
	chmod(dev, 0);
	copy_file(hako_prog("hakovm"), vm, 0755);
	copy_file(guest_path("guest-hello.bin"), guest, 0644);

	int got;
	if (geteuid() == 0 && access("/usr/bin/setpriv", X_OK) != 0) {
		hako_rm_rf(dir);
		hako_skip("needs setpriv (util-linux) to run hakovm as nobody: `apt-get install "
		          "util-linux`");
	}
	if (geteuid() == 0) {
		/* Root may open anything: ask as nobody, in a child. */
		pid_t pid = fork();
		check_that(pid >= 0, "fork failed");
		if (pid == 0) {
			if (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0)
				_exit(255);
			_exit(-kvm_open(dev) & 0xff);
		}
		int ws;
		waitpid(pid, &ws, 0);
		got = WIFEXITED(ws) ? -WEXITSTATUS(ws) : -255;
		const char *args[] = {"/usr/bin/setpriv",
		                      "--reuid=65534",
		                      "--regid=65534",
		                      "--clear-groups",
		                      vm,
		                      "--kvm",
		                      dev,
		                      guest,
		                      NULL};
		check_that(hako_run_argv((char **)args, NULL, 10000, &r) == 0,
		           "could not run setpriv");
	} else {
		got = kvm_open(dev);
		if (got >= 0)
			close(got);
		const char *args[] = {vm, "--kvm", dev, guest, NULL};
		check_that(hako_run_argv((char **)args, NULL, 10000, &r) == 0,
		           "could not run hakovm");
	}
	hako_rm_rf(dir);
	free(dir);
	check_int(got, -EACCES, "kvm_open() of a device without permission");
	check_exit(&r, HAKOVM_EXIT_FAILED, "hakovm's exit code without permission");
	check_contains(r.err, "kvm group", "hakovm's message");
	hako_run_free(&r);
}

/* This test checks that a file that is not a KVM device gives -ENOTTY (KVM_GET_API_VERSION
 * fails on it) without leaving it open. */
static void test_kvm_open_not_kvm(void **state)
{
	char *dir = hako_tmpdir(), path[512], text[32];
	struct hako_run r;

	hako_rand_name(text, 20);
	snprintf(path, sizeof(path), "%s/%s", dir, text);
	hako_write_file(path, text);
	int before = hako_fd_count();
	int got = kvm_open(path);
	int after = hako_fd_count();
	const char *args[] = {"--kvm", path, guest_path("guest-hello.bin"), NULL};
	run_hakovm(&r, args);
	hako_rm_rf(dir);
	free(dir);
	check_int(got, -ENOTTY, "kvm_open() of a regular file");
	check_int(after, before, "open fds after kvm_open() failed");
	check_exit(&r, HAKOVM_EXIT_FAILED, "hakovm's exit code");
	check_contains(r.err, "not a KVM device", "hakovm's message");
	hako_run_free(&r);
}

/* This test checks that vm_create() makes a VM (a kvm-vm fd) whose memory is an ordinary
 * read-write mapping of this process, of the size asked for. */
static void test_vm_create_memory(void **state)
{
	struct vm vm;
	size_t mem = (size_t)hako_rand_range(16, 512) * 4096;
	char line[512], want[64];
	bool found = false;

	hako_require_kvm();
	int err = vm_create(&vm, KVM_DEV, mem);
	check_that(err == 0, "vm_create(\"/dev/kvm\", %zu) returned %d (%s)", mem, err,
	           strerror(-err));
	check_that(vm.vm_fd >= 0, "vm->vm_fd is %d", vm.vm_fd);
	check_str(fd_target(vm.vm_fd), "anon_inode:kvm-vm", "what vm->vm_fd is");
	check_that(vm.mem != NULL, "vm->mem is NULL");
	check_int(vm.mem_size, mem, "vm->mem_size");

	snprintf(want, sizeof(want), "%lx-%lx rw-p", (unsigned long)(uintptr_t)vm.mem,
	         (unsigned long)(uintptr_t)vm.mem + mem);
	FILE *maps = fopen("/proc/self/maps", "r");
	while (maps && fgets(line, sizeof(line), maps))
		found |= strncmp(line, want, strlen(want)) == 0;
	if (maps)
		fclose(maps);
	vm.mem[mem - 1] = 0x5a; /* the last byte is ours to write */
	vm_destroy(&vm);
	check_that(found,
	           "no mapping \"%s...\" of the guest memory in /proc/self/maps (private: \"p\")",
	           want);
}

/* This test checks that vcpu_create() makes vCPU 0 and maps its kvm_run, shared with KVM, with
 * the size KVM_GET_VCPU_MMAP_SIZE gives. */
static void test_vcpu_create_run_page(void **state)
{
	struct vm vm;

	hako_require_kvm();
	vm_up(&vm, 64 << 10);
	check_str(fd_target(vm.vcpu_fd), "anon_inode:kvm-vcpu:0", "what vm->vcpu_fd is");
	int size = ioctl(vm.kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	check_int(vm.run_size, size, "vm->run_size");
	check_that(vm.run != NULL, "vm->run is NULL");
	check_int(vm.run->immediate_exit, 0, "vm->run->immediate_exit (is vm->run mapped?)");
	/* The page is shared with KVM both ways: with immediate_exit set through vm->run, KVM_RUN
	 * returns at once with EINTR instead of running the vCPU. */
	vm.run->immediate_exit = 1;
	int rc = ioctl(vm.vcpu_fd, KVM_RUN, 0), err = errno;
	vm_destroy(&vm);
	check_that(
	    rc == -1 && err == EINTR,
	    "KVM_RUN after setting vm->run->immediate_exit returned %d (%s), not -1 (EINTR): "
	    "KVM did not see the write; is kvm_run mapped MAP_SHARED?",
	    rc, rc < 0 ? strerror(err) : "ran the vCPU");
}

/* This test checks that vcpu_init_real_mode() sets every segment to base 0, rip to the entry,
 * rflags to 2 and the inputs into rdi, rsi, rdx and rcx. */
static void test_vcpu_real_mode_state(void **state)
{
	struct vm vm;
	struct kvm_sregs s;
	struct kvm_regs r;
	uint64_t args[4];
	uint16_t entry = (uint16_t)hako_rand_range(0x100, 0xff00);

	hako_require_kvm();
	for (int i = 0; i < 4; i++)
		args[i] = ((uint64_t)hako_rand() << 32) | hako_rand();
	vm_up(&vm, 64 << 10);
	int err = vcpu_init_real_mode(&vm, entry, args, 4);
	check_that(err == 0, "vcpu_init_real_mode() returned %d (%s)", err, strerror(-err));
	check_int(ioctl(vm.vcpu_fd, KVM_GET_SREGS, &s), 0, "KVM_GET_SREGS");
	check_int(ioctl(vm.vcpu_fd, KVM_GET_REGS, &r), 0, "KVM_GET_REGS");
	vm_destroy(&vm);
	check_int(s.cs.base, 0, "cs.base");
	check_int(s.cs.selector, 0, "cs.selector");
	check_int(s.ds.base | s.es.base | s.ss.base | s.fs.base | s.gs.base, 0,
	          "the bases of ds, es, ss, fs and gs");
	check_int(s.ds.selector | s.es.selector | s.ss.selector, 0, "ds, es and ss selectors");
	check_int(s.cr0 & 1, 0, "CR0.PE (real mode has it clear)");
	check_int(r.rip, entry, "rip");
	check_int(r.rflags, 2, "rflags");
	check_that(r.rdi == args[0] && r.rsi == args[1] && r.rdx == args[2] && r.rcx == args[3],
	           "the inputs are not in rdi, rsi, rdx, rcx");
}

/* This test checks that the hello guest, run by kvm_hello_run(), prints the sum of its two
 * random inputs on port 0x3f8. */
static void test_kvm_hello_sum(void **state)
{
	struct vm vm;
	char out[64] = "", want[32];
	uint64_t a = (uint64_t)hako_rand_range(0, 32767), b = (uint64_t)hako_rand_range(0, 32767);

	hako_require_kvm();
	vm_up(&vm, 64 << 10);
	hello_load(&vm, a, b);
	int n = kvm_hello_run(&vm, out, sizeof(out) - 1);
	vm_destroy(&vm);
	snprintf(want, sizeof(want), "%u\n", (unsigned)(a + b));
	check_int(n, strlen(want), "kvm_hello_run()'s count of bytes the guest wrote");
	out[n] = '\0';
	check_str(out, want, "what the guest wrote to port 0x3f8");
}

/* This test checks that what the guest stores in its memory is in hakovm's own memory:
 * the hello guest keeps the sum at guest physical address 0x500. */
static void test_kvm_guest_memory_shared(void **state)
{
	struct vm vm;
	char out[64];
	uint16_t a = (uint16_t)hako_rand_range(0, 32767), b = (uint16_t)hako_rand_range(0, 32767);

	hako_require_kvm();
	vm_up(&vm, 64 << 10);
	hello_load(&vm, a, b);
	int n = kvm_hello_run(&vm, out, sizeof(out));
	uint16_t got = (uint16_t)(vm.mem[0x500] | vm.mem[0x501] << 8);
	vm_destroy(&vm);
	check_that(n > 0, "kvm_hello_run() returned %d", n);
	check_int(got, (uint16_t)(a + b), "the 16-bit word at vm->mem + 0x500");
}

/* Load hand-assembled 16-bit CODE (LEN bytes) at REAL_MODE_ENTRY of a new VM and start it. */
static void code_load(struct vm *vm, const uint8_t *code, size_t len)
{
	vm_up(vm, 64 << 10);
	memcpy(vm->mem + REAL_MODE_ENTRY, code, len);
	int err = vcpu_init_real_mode(vm, REAL_MODE_ENTRY, NULL, 0);
	check_that(err == 0, "vcpu_init_real_mode() returned %d (%s)", err, strerror(-err));
}

/* This test checks that kvm_hello_run() copies every byte of a string output (rep outsb), in
 * order. (KVM delivers it as one exit per byte today; the loop must not assume it.) */
static void test_kvm_hello_rep_outsb(void **state)
{
	struct vm vm;
	char want[200], out[256];
	uint16_t len = (uint16_t)hako_rand_range(2, 199);
	/* mov si, 0x1100; mov cx, LEN; mov dx, 0x3f8; cld; rep outsb; hlt. The text is at 0x1100. */
	uint8_t code[0x100 + 200] = {0xbe, 0x00, 0x11, 0xb9, (uint8_t)len, (uint8_t)(len >> 8),
	                             0xba, 0xf8, 0x03, 0xfc, 0xf3,         0x6e,
	                             0xf4};

	hako_require_kvm();
	for (int i = 0; i < len; i++)
		want[i] = (char)hako_rand_range('a', 'z');
	memcpy(code + 0x100, want, len);
	code_load(&vm, code, sizeof(code));
	memset(out, 0, sizeof(out));
	int n = kvm_hello_run(&vm, out, sizeof(out));
	vm_destroy(&vm);
	check_int(n, len, "kvm_hello_run()'s count after a rep outsb of that many bytes");
	check_that(memcmp(out, want, len) == 0,
	           "the bytes differ from what the guest wrote: expected \"%.*s\", got \"%.*s\"",
	           (int)len, want, (int)len, out);
}

/* This test checks that kvm_hello_run() keeps at most SIZE bytes but counts all the guest
 * wrote. */
static void test_kvm_hello_out_full(void **state)
{
	struct vm vm;
	char out[64];
	size_t size = (size_t)hako_rand_range(1, 8);
	/* mov si, 0x1100; mov cx, 40; mov dx, 0x3f8; cld; rep outsb; hlt. */
	uint8_t code[0x100 + 40] = {0xbe, 0x00, 0x11, 0xb9, 40,   0,   0xba,
	                            0xf8, 0x03, 0xfc, 0xf3, 0x6e, 0xf4};

	hako_require_kvm();
	memset(code + 0x100, 'x', 40);
	code_load(&vm, code, sizeof(code));
	memset(out, '.', sizeof(out));
	int n = kvm_hello_run(&vm, out, size);
	vm_destroy(&vm);
	check_int(n, 40, "kvm_hello_run()'s count: every byte the guest wrote, kept or not");
	check_int(out[size - 1], 'x', "the last byte OUT has room for");
	check_int(out[size], '.', "the byte after OUT's SIZE bytes (written past the end?)");
}

/* This test checks that kvm_hello_run() returns -EIO when the guest writes to a port other
 * than 0x3f8, instead of treating it as output. */
static void test_kvm_hello_other_port(void **state)
{
	struct vm vm;
	char out[16];
	uint16_t port = (uint16_t)hako_rand_range(0x400, 0xfff0);
	/* mov dx, PORT; mov al, 'x'; out dx, al; hlt */
	uint8_t code[] = {0xba, (uint8_t)port, (uint8_t)(port >> 8), 0xb0, 'x', 0xee, 0xf4};

	hako_require_kvm();
	code_load(&vm, code, sizeof(code));
	int n = kvm_hello_run(&vm, out, sizeof(out));
	vm_destroy(&vm);
	check_int(n, -EIO, "kvm_hello_run() after an out to another port");
}

/* This test checks that `hakovm --arg A --arg B guest-hello.bin` prints A + B and exits 0. */
static void test_kvm_hakovm_hello(void **state)
{
	struct hako_run r;
	char a[16], b[16], want[32];
	unsigned x = (unsigned)hako_rand_range(0, 32767), y = (unsigned)hako_rand_range(0, 32767);

	hako_require_kvm();
	snprintf(a, sizeof(a), "%u", x);
	snprintf(b, sizeof(b), "0x%x", y);
	snprintf(want, sizeof(want), "%u\n", x + y);
	const char *args[] = {"--arg", a, "--arg", b, guest_path("guest-hello.bin"), NULL};
	run_hakovm(&r, args);
	check_str(r.out, want, "hakovm's stdout");
	check_exit(&r, 0, "hakovm's exit code");
	hako_run_free(&r);
}

/* Whether the address ADDR of this process is in one of its mappings (/proc/self/maps). */
static bool mapped(uintptr_t addr)
{
	char line[512];
	unsigned long lo, hi;
	bool found = false;
	FILE *maps = fopen("/proc/self/maps", "r");

	while (maps && fgets(line, sizeof(line), maps))
		if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && addr >= lo && addr < hi)
			found = true;
	if (maps)
		fclose(maps);
	return found;
}

/* This test checks that making, running and destroying VMs, and failing to make them, leaves
 * no fd open and no mapping behind. */
static void test_kvm_no_fd_leak(void **state)
{
	struct vm vm;
	char out[64];

	hako_require_kvm();
	int before = hako_fd_count();
	for (int i = 0; i < 3; i++) {
		vm_up(&vm, 64 << 10);
		hello_load(&vm, (uint64_t)hako_rand_range(0, 999), 1);
		kvm_hello_run(&vm, out, sizeof(out));
		uintptr_t mem = (uintptr_t)vm.mem, run = (uintptr_t)vm.run;
		vm_destroy(&vm);
		/* Twice is harmless: the second call must not close the fd numbers the first one
		 * freed, which the next open() (here, the probe) reuses. */
		int probe = open("/dev/null", O_RDONLY | O_CLOEXEC);
		vm_destroy(&vm);
		bool probe_open = fcntl(probe, F_GETFD) >= 0;
		close(probe);
		check_that(probe_open,
		           "a second vm_destroy() closed fd %d, which it no longer owned "
		           "(set each fd to -1 once it is closed)",
		           probe);
		check_int(hako_fd_count(), before, "open fds after vm_destroy()");
		check_that(!mapped(mem), "the guest memory is still mapped after vm_destroy()");
		check_that(!mapped(run), "kvm_run is still mapped after vm_destroy() (it keeps "
		                         "the vCPU, and so the VM, alive)");
	}
	check_int(vm_create(&vm, "/dev/null", 64 << 10), -ENOTTY, "vm_create() on /dev/null");
	vm_destroy(&vm);
	check_int(hako_fd_count(), before, "open fds after a vm_create() that failed");
}

HAKO_TEST_MAIN(HAKO_TEST(test_kvm_open_api_version), HAKO_TEST(test_kvm_open_missing),
               HAKO_TEST(test_kvm_open_permission), HAKO_TEST(test_kvm_open_not_kvm),
               HAKO_TEST(test_vm_create_memory), HAKO_TEST(test_vcpu_create_run_page),
               HAKO_TEST(test_vcpu_real_mode_state), HAKO_TEST(test_kvm_hello_sum),
               HAKO_TEST(test_kvm_guest_memory_shared), HAKO_TEST(test_kvm_hello_rep_outsb),
               HAKO_TEST(test_kvm_hello_out_full), HAKO_TEST(test_kvm_hello_other_port),
               HAKO_TEST(test_kvm_hakovm_hello), HAKO_TEST(test_kvm_no_fd_leak))
