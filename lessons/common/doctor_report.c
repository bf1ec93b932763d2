/* doctor_report.c: `hako doctor` — the probes of lesson 00's doctor.c as a table, with what to
 * do. Given: not a file you edit. */
#include "hako.h"

#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * This file is given, not an exercise: it calls the functions you write in doctor.c and
 * prints their answers. Until a function is written it says so ("not written yet"), so
 * `build/student/hako doctor` fills in as you work; `make doctor` uses the reference code.
 */

enum status { ST_OK, ST_NOTE, ST_MISSING, ST_TODO };

static const struct {
	const char *word;
	const char *colour; /* ANSI, used only on a terminal */
} statuses[] = {
    [ST_OK] = {"ok", "\033[32m"},
    [ST_NOTE] = {"note", "\033[33m"},
    [ST_MISSING] = {"MISSING", "\033[31m"},
    [ST_TODO] = {"todo", "\033[36m"},
};

/* The namespace types, with the kernel release that completed each and its config option. */
static const struct {
	const char *name;
	int flag;
	const char *since;
	const char *config;
} ns_table[] = {
    {"mnt", CLONE_NEWNS, "2.4.19", "(always built)"},
    {"uts", CLONE_NEWUTS, "2.6.19", "CONFIG_UTS_NS"},
    {"ipc", CLONE_NEWIPC, "2.6.19", "CONFIG_IPC_NS"},
    {"pid", CLONE_NEWPID, "2.6.24", "CONFIG_PID_NS"},
    {"net", CLONE_NEWNET, "2.6.24", "CONFIG_NET_NS"},
    {"user", CLONE_NEWUSER, "3.8", "CONFIG_USER_NS"},
    {"cgroup", CLONE_NEWCGROUP, "4.6", "CONFIG_CGROUPS"},
    {"time", CLONE_NEWTIME, "5.6", "CONFIG_TIME_NS"},
};
#define N_NS (sizeof(ns_table) / sizeof(ns_table[0]))

static bool colour;
static int problems;

/* The advice collected while the table is printed, shown below it. */
static char advice[4096];

static void advise(const char *topic, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void advise(const char *topic, const char *fmt, ...)
{
	size_t used = strlen(advice);
	va_list ap;

	if (used >= sizeof(advice) - 1)
		return;
	snprintf(advice + used, sizeof(advice) - used, "  %-17s ", topic);
	used = strlen(advice);
	va_start(ap, fmt);
	vsnprintf(advice + used, sizeof(advice) - used, fmt, ap);
	va_end(ap);
	used = strlen(advice);
	if (used < sizeof(advice) - 1)
		strcat(advice, "\n");
}

/* One row of the table: what was checked, what was found, and a status word. */
static void row(const char *what, enum status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void row(const char *what, enum status st, const char *fmt, ...)
{
	char found[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(found, sizeof(found), fmt, ap);
	va_end(ap);
	if (st == ST_MISSING)
		problems++;
	printf("  %-21s %-47s %s%s%s\n", what, found, colour ? statuses[st].colour : "",
	       statuses[st].word, colour ? "\033[0m" : "");
}

/* For a probe that returned ERR: the row of a function not yet written, and true. */
static bool not_written(const char *what, int err, const char *function)
{
	if (err != -ENOSYS)
		return false;
	row(what, ST_TODO, "not written yet: %s() in doctor.c", function);
	return true;
}

static void check_kernel(void)
{
	int major = 0, minor = 0;
	int err = doctor_kernel_version(&major, &minor);

	if (not_written("kernel", err, "doctor_kernel_version"))
		return;
	if (err < 0) {
		row("kernel", ST_MISSING, "cannot read the release: %s", strerror(-err));
		return;
	}
	if (major > 5 || (major == 5 && minor >= 11)) {
		row("kernel", ST_OK, "Linux %d.%d", major, minor);
		return;
	}
	row("kernel", ST_NOTE, "Linux %d.%d (older than 5.11)", major, minor);
	advise("kernel", "the course is tested on 6.x; before 5.11 some tests skip or fail "
	                 "(time namespaces came in 5.6, overlayfs in user namespaces in 5.11).");
}

static void check_namespaces(void)
{
	int have = doctor_namespaces("/proc/self/ns");
	char names[128] = "";

	if (not_written("namespaces", have, "doctor_namespaces"))
		return;
	if (have < 0) {
		row("namespaces", ST_MISSING, "cannot read /proc/self/ns: %s", strerror(-have));
		advise("namespaces", "is /proc mounted? `mount -t proc proc /proc`");
		return;
	}
	for (size_t i = 0; i < N_NS; i++) {
		if (!(have & ns_table[i].flag))
			continue;
		strcat(names, names[0] ? " " : "");
		strcat(names, ns_table[i].name);
	}
	bool all = true;
	for (size_t i = 0; i < N_NS; i++) {
		if (have & ns_table[i].flag)
			continue;
		all = false;
		advise("namespaces",
		       "no %s namespace: it needs Linux %s and %s in the kernel's "
		       "configuration.",
		       ns_table[i].name, ns_table[i].since, ns_table[i].config);
	}
	row("namespaces (02-06)", all ? ST_OK : ST_MISSING, "%s", names[0] ? names : "none");
}

static void check_cgroups(void)
{
	int mode = doctor_cgroup_mode("/sys/fs/cgroup");

	if (not_written("cgroups (07-08)", mode, "doctor_cgroup_mode"))
		return;
	switch (mode) {
	case DOCTOR_CGROUP_V2:
		row("cgroups (07-08)", ST_OK, "v2 (unified)");
		break;
	case DOCTOR_CGROUP_HYBRID:
		row("cgroups (07-08)", ST_NOTE, "v1 + v2 hybrid (v2 at /sys/fs/cgroup/unified)");
		advise("cgroups",
		       "hybrid: hako uses the v1 controllers (memory, cpu, pids); "
		       "lessons 07-08 explain\n%20sboth layouts. Fine for the course.",
		       "");
		break;
	case DOCTOR_CGROUP_V1:
		row("cgroups (07-08)", ST_NOTE, "v1 (legacy)");
		advise("cgroups",
		       "legacy v1: hako uses the v1 controllers; lessons 07-08 explain "
		       "both layouts.\n%20sTo switch to v2, boot with "
		       "systemd.unified_cgroup_hierarchy=1.",
		       "");
		break;
	default:
		row("cgroups (07-08)", ST_MISSING, "nothing usable at /sys/fs/cgroup: %s",
		    strerror(-mode));
		advise("cgroups", "mount cgroup v2: `sudo mount -t cgroup2 none /sys/fs/cgroup`");
	}
}

static void check_overlayfs(void)
{
	int ok = doctor_overlayfs("/proc/filesystems");

	if (not_written("overlayfs (11-13)", ok, "doctor_overlayfs"))
		return;
	if (ok == 1) {
		row("overlayfs (11-13)", ST_OK, "listed in /proc/filesystems");
		return;
	}
	if (ok < 0) {
		row("overlayfs (11-13)", ST_MISSING, "cannot read /proc/filesystems: %s",
		    strerror(-ok));
		return;
	}
	row("overlayfs (11-13)", ST_MISSING, "not in /proc/filesystems");
	advise("overlayfs", "load the module: `sudo modprobe overlay` (a kernel without "
	                    "CONFIG_OVERLAY_FS cannot).");
}

static void check_userns(void)
{
	int err = doctor_userns();

	if (not_written("user namespaces (05)", err, "doctor_userns"))
		return;
	if (err == 0) {
		row("user namespaces (05)", ST_OK, "this user can create them");
		return;
	}
	row("user namespaces (05)", ST_MISSING, "unshare(CLONE_NEWUSER): %s", strerror(-err));
	if (err == -EPERM || err == -EACCES)
		advise("user namespaces",
		       "allow them for ordinary users: `sudo sysctl "
		       "kernel.unprivileged_userns_clone=1`"
		       "\n%20s(Debian, older Ubuntu) or `sudo sysctl "
		       "kernel.apparmor_restrict_unprivileged_userns=0` (Ubuntu 24.04).",
		       "");
	else if (err == -ENOSPC || err == -EUSERS)
		advise("user namespaces", "the limit is 0 or reached: `sudo sysctl "
		                          "user.max_user_namespaces=15000`");
	else if (err == -EINVAL)
		advise("user namespaces", "the kernel was built without CONFIG_USER_NS.");
}

/* True when the CPU says it runs under a hypervisor (the "hypervisor" flag of cpuinfo). */
static bool running_in_vm(void)
{
	FILE *f = fopen("/proc/cpuinfo", "re");
	char *line = NULL;
	size_t cap = 0;
	bool vm = false;

	if (!f)
		return false;
	while (!vm && getline(&line, &cap, f) > 0)
		if (strncmp(line, "flags", 5) == 0 && strstr(line, " hypervisor"))
			vm = true;
	free(line);
	fclose(f);
	return vm;
}

static void check_kvm(void)
{
	int api = doctor_kvm_api("/dev/kvm");

	if (not_written("kvm (15-20)", api, "doctor_kvm_api"))
		return;
	if (api == 12) {
		row("kvm (15-20)", ST_OK, "/dev/kvm, API version 12");
		if (running_in_vm())
			advise("kvm",
			       "this machine is itself a virtual machine, so KVM runs nested: "
			       "it works, but\n%20sguests run slower (lessons 15-19 keep "
			       "their guests tiny).",
			       "");
		/* Nested KVM through the kvm_pvm module runs guest kernel code in KVM's
		 * instruction emulator, which lacks a few instructions Linux uses (lesson 19). */
		if (access("/sys/module/kvm_pvm", F_OK) == 0)
			advise(
			    "kvm",
			    "KVM here is emulated (the kvm_pvm module): `make kernel` applies the "
			    "course's patch\n%20sfor it and hakovm adds noxsave clearcpuid=... to "
			    "Linux's command line (lesson 19).",
			    "");
		return;
	}
	if (api > 0) {
		row("kvm (15-20)", ST_MISSING, "/dev/kvm speaks API %d, not 12", api);
		return;
	}
	row("kvm (15-20)", ST_MISSING, "/dev/kvm: %s", strerror(-api));
	if (api == -ENOENT)
		advise("kvm",
		       "enable VT-x/AMD-V in the firmware (BIOS/UEFI) settings, then `sudo "
		       "modprobe kvm_intel`\n%20s(or kvm_amd). Inside a VM, turn on nested "
		       "virtualisation in its host.",
		       "");
	else if (api == -EACCES || api == -EPERM)
		advise("kvm", "add yourself to the kvm group: `sudo usermod -aG kvm $USER`, then "
		              "log out and in.");
}

static void check_root(void)
{
	int root = doctor_is_root();

	if (not_written("privileges", root, "doctor_is_root"))
		return;
	if (root == 1) {
		row("privileges", ST_OK, "root in the host's user namespace");
		return;
	}
	if (geteuid() == 0) {
		row("privileges", ST_NOTE, "uid 0 inside a user namespace, not the host's root");
		advise("privileges",
		       "root in a user namespace cannot make cgroups or devices "
		       "outside it: tests that need\n%20sthe host's root will skip.",
		       "");
		return;
	}
	row("privileges", ST_NOTE, "an ordinary user (uid %d)", (int)geteuid());
	advise("privileges", "tests that need root skip and say so: run those lessons with "
	                     "`sudo make lesson-NN`.");
}

int doctor_report(void)
{
	colour = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
	problems = 0;
	advice[0] = '\0';

	printf("hako doctor: what this machine offers containers and virtual machines\n\n");
	printf("  %-21s %-47s %s\n", "CHECK (LESSONS)", "FOUND", "STATUS");
	check_kernel();
	check_namespaces();
	check_cgroups();
	check_overlayfs();
	check_userns();
	check_kvm();
	check_root();

	if (advice[0])
		printf("\nWhat to do, and what to know:\n%s", advice);
	printf(
	    "\nWho can run which lessons:\n"
	    "  any user          00, 01 and 05 (05 needs user namespaces)\n"
	    "  root (sudo)       02-04 and 06-14: namespaces, cgroups, mounts and devices\n"
	    "  /dev/kvm access   15-19 (root, or a member of the kvm group)\n"
	    "  both              20\n"
	    "A test that lacks what it needs is skipped with the reason and the command to run.\n");
	if (problems)
		printf("\n%d check%s MISSING: see above.\n", problems, problems == 1 ? "" : "s");
	else
		printf("\nReady for the course.\n");
	fflush(stdout);
	return 0;
}
