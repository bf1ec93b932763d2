/* test_net.c: graded tests for lesson 06 — IPC namespaces, loopback, a veth pair made over
 * rtnetlink, and TCP between the host side and the container.
 *
 * Every test that looks at interfaces first moves itself into a network namespace of its
 * own (enter_fresh_netns): the "host side" of hako's veth pair lives there, so nothing touches
 * this machine's real network, and the namespace goes away with the test process. */
#include "hako_test.h"
#include "hako.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- helpers ---- */

/* Write TEXT to PATH (for our own /proc/self/uid_map). */
static int put(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? write(fd, text, strlen(text)) : -1;

	if (fd >= 0)
		close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* Move this test process into new namespaces FLAGS (CLONE_NEWNET, CLONE_NEWIPC). Without
 * root, a user namespace of our own comes first, with us as its root. */
static void enter_fresh(int flags)
{
	if (geteuid() == 0) {
		check_that(unshare(flags) == 0, "unshare: %s", strerror(errno));
		return;
	}
	char map[64];
	uid_t uid = getuid();
	gid_t gid = getgid();
	if (unshare(CLONE_NEWUSER | flags) < 0)
		hako_skip("needs root, or user namespaces for unprivileged users: run `sudo make "
		          "lesson-06`");
	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)uid);
	check_that(put("/proc/self/uid_map", map) == 0, "write uid_map: %s", strerror(errno));
	put("/proc/self/setgroups", "deny\n");
	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)gid);
	check_that(put("/proc/self/gid_map", map) == 0, "write gid_map: %s", strerror(errno));
}

static void enter_fresh_netns(void)
{
	enter_fresh(CLONE_NEWNET);
}

/* The flags of interface NAME in our network namespace, or -1 if there is no such one. */
static int link_flags(const char *name)
{
	struct ifreq ifr = {0};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int flags = -1;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (fd >= 0 && ioctl(fd, SIOCGIFFLAGS, &ifr) == 0)
		flags = ifr.ifr_flags;
	if (fd >= 0)
		close(fd);
	return flags;
}

/* The interfaces of our network namespace other than "lo", as " name1 name2" in BUF. */
static int other_links(char *buf, size_t len)
{
	struct if_nameindex *ifs = if_nameindex(), *i;
	int n = 0;

	buf[0] = '\0';
	for (i = ifs; i && i->if_index; i++) {
		if (strcmp(i->if_name, "lo") == 0)
			continue;
		n++;
		snprintf(buf + strlen(buf), len - strlen(buf), " %s", i->if_name);
	}
	if (ifs)
		if_freenameindex(ifs);
	return n;
}

/* The full path of iproute2's `ip`, which the tests use for the kernel's view. */
static const char *ip_path(void)
{
	static const char *paths[] = {"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"};

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (access(paths[i], X_OK) == 0)
			return paths[i];
	hako_skip("needs iproute2's `ip`: run `sudo apt-get install iproute2`");
}

/* Run `ip ARGS...` (up to 10 words) in our namespace; fails the test if it fails. */
static void ip(struct hako_run *r, const char *const *words)
{
	char *argv[12];
	int n = 0;

	argv[n++] = (char *)ip_path();
	for (int i = 0; words[i] && n < 11; i++)
		argv[n++] = (char *)words[i];
	argv[n] = NULL;
	check_that(hako_run_argv(argv, NULL, 10000, r) == 0, "could not run %s", argv[0]);
	check_that(r->exit_code == 0, "`ip %s %s ...` failed: %s", words[0], words[1], r->err);
}

/* A veth pair NAME <-> PEER made by iproute2 (not by the code under test). */
static void make_veth_with_ip(const char *name, const char *peer)
{
	struct hako_run r;
	const char *words[] = {"link", "add", name, "type", "veth", "peer", "name", peer, NULL};

	ip(&r, words);
	hako_run_free(&r);
}

/* Run `hako run WORDS...` (up to 10) in our namespaces. */
static void hako(struct hako_run *r, const char *const *words)
{
	char *argv[14];
	int n = 0;

	argv[n++] = (char *)hako_prog("hako");
	argv[n++] = "run";
	for (int i = 0; words[i] && n < 13; i++)
		argv[n++] = (char *)words[i];
	argv[n] = NULL;
	check_that(hako_run_argv(argv, NULL, 30000, r) == 0, "could not start %s", argv[0]);
	check_that(!r->timed_out, "hako run %s did not finish within 30 s", words[0]);
}

/* Start `hako run WORDS...` in the background with its stdout on *OUT. It is killed if this
 * test process dies, so a failed test leaves nothing running. */
static pid_t hako_bg(const char *const *words, int *out)
{
	int p[2];
	char *argv[14];
	int n = 0;

	argv[n++] = strdup(hako_prog("hako"));
	argv[n++] = "run";
	for (int i = 0; words[i] && n < 13; i++)
		argv[n++] = (char *)words[i];
	argv[n] = NULL;
	check_that(pipe2(p, O_CLOEXEC) == 0, "pipe: %s", strerror(errno));
	fflush(NULL);
	pid_t pid = fork();
	check_that(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(p[1], 1);
		execv(argv[0], argv);
		_exit(127);
	}
	free(argv[0]);
	close(p[1]);
	*out = p[0];
	return pid;
}

/* Read one line from FD into BUF within MS milliseconds; false on timeout or end of file. */
static bool read_line(int fd, char *buf, size_t len, int ms)
{
	size_t got = 0;

	while (got + 1 < len) {
		struct pollfd p = {fd, POLLIN, 0};
		if (poll(&p, 1, ms) <= 0 || read(fd, buf + got, 1) != 1)
			return false;
		if (buf[got] == '\n')
			break;
		got++;
	}
	buf[got] = '\0';
	return true;
}

/* Wait up to MS for the number of non-"lo" interfaces to become WANT (0) or at least 1. */
static bool wait_links(bool want_some, int ms, char *names, size_t len)
{
	for (int waited = 0;; waited += 50) {
		int n = other_links(names, len);
		if (want_some ? n > 0 : n == 0)
			return true;
		if (waited >= ms)
			return false;
		usleep(50000);
	}
}

/* Capture what FN(ARG) prints on stderr into BUF; returns FN's value. */
static int with_stderr(int (*fn)(const void *), const void *arg, char *buf, size_t len)
{
	int p[2], saved = dup(2), rc;
	ssize_t n;

	check_that(pipe2(p, O_CLOEXEC | O_NONBLOCK) == 0 && saved >= 0, "pipe: %s",
	           strerror(errno));
	fflush(stderr);
	dup2(p[1], 2);
	rc = fn(arg);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(p[1]);
	n = read(p[0], buf, len - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(p[0]);
	return rc;
}

/* ---- IPC ---- */

/* Does /proc/sysvipc/FILE (a table of this IPC namespace) list KEY in its first column? */
static bool table_has_key(const char *text, long key)
{
	char line[512];
	const char *p = text;

	while (*p) {
		size_t n = strcspn(p, "\n");
		long k;
		snprintf(line, sizeof(line), "%.*s", (int)(n < sizeof(line) ? n : sizeof(line) - 1),
		         p);
		if (sscanf(line, "%ld", &k) == 1 && k == key)
			return true;
		p += n + (p[n] == '\n');
	}
	return false;
}

/* This test checks that a System V shared memory segment and message queue made outside
 * are not visible inside the container (its own IPC namespace). */
static void test_ipc_objects_invisible(void **state)
{
	struct hako_run r;
	long shm_key = hako_rand_range(1, 0x3fffffff), msg_key = hako_rand_range(1, 0x3fffffff);

	/* Our own IPC namespace: the objects vanish with this test process. */
	enter_fresh(CLONE_NEWIPC);
	int shm = shmget((key_t)shm_key, (size_t)hako_rand_range(1, 64) * 4096, IPC_CREAT | 0600);
	int msq = msgget((key_t)msg_key, IPC_CREAT | 0600);
	check_that(shm >= 0 && msq >= 0, "shmget/msgget: %s", strerror(errno));
	check_that(table_has_key(hako_read_file("/proc/sysvipc/shm"), shm_key) &&
	               table_has_key(hako_read_file("/proc/sysvipc/msg"), msg_key),
	           "the test's own objects are not in /proc/sysvipc outside");

	const char *words[] = {"--isolate", "/bin/sh", "-c",
	                       "cat /proc/sysvipc/shm; echo ==; cat /proc/sysvipc/msg", NULL};
	hako(&r, words);
	shmctl(shm, IPC_RMID, NULL);
	msgctl(msq, IPC_RMID, NULL);
	check_that(r.exit_code == 0, "hako run --isolate exited %d: %s", r.exit_code, r.err);
	char *sep = strstr(r.out, "==");
	check_that(sep != NULL, "unexpected output: %s", r.out);
	*sep = '\0';
	check_that(!table_has_key(r.out, shm_key),
	           "the host's shared memory segment (key %ld) is visible inside:\n%s", shm_key,
	           r.out);
	check_that(!table_has_key(sep + 2, msg_key),
	           "the host's message queue (key %ld) is visible inside:\n%s", msg_key, sep + 2);
	hako_run_free(&r);
}

/* ---- loopback ---- */

/* This test checks that net_loopback_up() brings up the loopback interface of a new network
 * namespace, where it starts down, and that TCP over 127.0.0.1 then works. */
static void test_net_loopback_up(void **state)
{
	enter_fresh_netns();
	int before = link_flags("lo");
	check_that(before >= 0 && !(before & IFF_UP), "lo of a new namespace is not down?");

	int rc = net_loopback_up();
	int after = link_flags("lo");
	check_int(rc, 0, "net_loopback_up() in a new network namespace");
	check_that(after >= 0 && (after & IFF_UP), "lo is still down after net_loopback_up()");

	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(sa);
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	check_that(bind(l, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(l, 1) == 0 &&
	               getsockname(l, (struct sockaddr *)&sa, &len) == 0,
	           "listen on 127.0.0.1: %s", strerror(errno));
	check_that(connect(c, (struct sockaddr *)&sa, sizeof(sa)) == 0,
	           "connect to 127.0.0.1 after net_loopback_up(): %s", strerror(errno));
	close(c);
	close(l);
}

/* This test checks that TCP over loopback works inside `hako run --net none`, on a
 * loopback of the container's own: the one outside stays down. */
static void test_net_none_loopback_works(void **state)
{
	struct hako_run r;
	char msg[40], want[48];

	/* Our own namespace, with lo down: were hako to bring up (and talk over) the loopback of
	 * the namespace it runs in, it would be this one, not the machine's. */
	enter_fresh_netns();
	hako_rand_name(msg, 24);
	const char *words[] = {"--net", "none", hako_prog("hako-echo"), "loop", msg, NULL};
	char *echo = strdup(words[2]);
	words[2] = echo;
	hako(&r, words);
	free(echo);
	snprintf(want, sizeof(want), "%s\n", msg);
	int outside = link_flags("lo");
	check_that(r.exit_code == 0, "hako run --net none hako-echo loop exited %d: %s",
	           r.exit_code, r.err);
	check_str(r.out, want, "what came back over 127.0.0.1 inside");
	check_that(outside >= 0 && !(outside & IFF_UP),
	           "hako brought up the loopback of the namespace it was started in: the "
	           "container has no network namespace of its own");
	hako_run_free(&r);
}

/* This test checks that `hako run --net none` sees only its loopback interface, none of the
 * interfaces outside. */
static void test_net_none_no_host_links(void **state)
{
	struct hako_run r;
	char a[16], b[16];

	enter_fresh_netns();
	hako_rand_name(a, 10);
	hako_rand_name(b, 10);
	make_veth_with_ip(a, b);
	const char *words[] = {"--net", "none", "/bin/cat", "/proc/net/dev", NULL};
	hako(&r, words);
	check_that(r.exit_code == 0, "hako run --net none exited %d: %s", r.exit_code, r.err);
	check_contains(r.out, "lo:", "/proc/net/dev inside");
	check_that(strstr(r.out, a) == NULL && strstr(r.out, b) == NULL,
	           "interfaces %s and %s of the outside are visible inside:\n%s", a, b, r.out);
	check_that(strstr(r.out, "eth0") == NULL, "--net none has an eth0:\n%s", r.out);
	hako_run_free(&r);
}

/* ---- the netlink requests ---- */

/* This test checks that net_veth_add() makes a veth pair: two interfaces, each the other's
 * peer, as `ip -d link` shows them. */
static void test_net_veth_add(void **state)
{
	struct hako_run r;
	char a[16], b[16], pair[40];

	enter_fresh_netns();
	ip_path();
	hako_rand_name(a, 10);
	hako_rand_name(b, 10);
	check_int(net_veth_add(a, b, 0), 0, "net_veth_add(A, B, 0)");
	check_that(link_flags(a) >= 0 && link_flags(b) >= 0,
	           "after net_veth_add, %s or %s is missing", a, b);
	const char *words[] = {"-o", "-d", "link", "show", a, NULL};
	ip(&r, words);
	snprintf(pair, sizeof(pair), "%s@%s:", a, b);
	check_contains(r.out, pair, "`ip -o -d link show A` (A@B: A's peer is B)");
	check_contains(r.out, "veth", "`ip -o -d link show A` (the link's kind)");
	hako_run_free(&r);
}

/* A child in a network namespace of its own, waiting until FDS[1] closes. With PRIVATE, it
 * also makes itself non-dumpable: a process without CAP_SYS_PTRACE may then not open its
 * /proc/PID/ns/ files, though it may still make links in its namespace. */
static pid_t netns_child_opts(int fds[2], bool private)
{
	check_that(pipe2(fds, O_CLOEXEC) == 0, "pipe: %s", strerror(errno));
	fflush(NULL);
	pid_t pid = fork();
	check_that(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		char c;
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(fds[1]);
		if (unshare(CLONE_NEWNET) < 0)
			_exit(1);
		if (private)
			prctl(PR_SET_DUMPABLE, 0);
		while (read(fds[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(fds[0]);
	/* until it has unshared, /proc/PID/ns/net is still ours */
	char mine[64] = "", its[64] = "", path[64];
	readlink("/proc/self/ns/net", mine, sizeof(mine) - 1);
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	for (int i = 0; i < 1000; i++) {
		memset(its, 0, sizeof(its));
		if (readlink(path, its, sizeof(its) - 1) > 0 && strcmp(its, mine) != 0)
			break;
		usleep(10000);
	}
	return pid;
}

static pid_t netns_child(int fds[2])
{
	return netns_child_opts(fds, false);
}

/* This test checks that net_veth_add(A, B, PID) makes B directly inside the network
 * namespace of process PID, while A stays here. */
static void test_net_veth_peer_in_netns(void **state)
{
	int fds[2];
	char a[16], b[16], path[64];

	enter_fresh_netns();
	hako_rand_name(a, 10);
	hako_rand_name(b, 10);
	pid_t pid = netns_child(fds);
	int rc = net_veth_add(a, b, pid);
	snprintf(path, sizeof(path), "/proc/%d/net/dev", (int)pid);
	char *theirs = strdup(hako_read_file(path));
	int here_a = link_flags(a), here_b = link_flags(b);
	close(fds[1]);
	waitpid(pid, NULL, 0);

	check_int(rc, 0, "net_veth_add(A, B, PID)");
	check_that(here_a >= 0, "%s is not in our namespace", a);
	check_that(here_b < 0, "%s is in our namespace, not in PID's", b);
	check_contains(theirs, b, "/proc/PID/net/dev (the interfaces PID sees)");
	free(theirs);
}

/* This test checks that net_addr_add() gives an interface the IPv4 address and prefix
 * length it was asked for, as getifaddrs() reports them. */
static void test_net_addr_add(void **state)
{
	char a[16], b[16], cidr[32], want[INET_ADDRSTRLEN], got[INET_ADDRSTRLEN] = "";
	int prefix = (int)hako_rand_range(16, 30), got_prefix = -1;
	struct ifaddrs *ifs, *i;

	enter_fresh_netns();
	hako_rand_name(a, 10);
	hako_rand_name(b, 10);
	make_veth_with_ip(a, b);
	snprintf(want, sizeof(want), "10.%ld.%ld.%ld", hako_rand_range(200, 250),
	         hako_rand_range(0, 255), hako_rand_range(1, 254));
	snprintf(cidr, sizeof(cidr), "%s/%d", want, prefix);
	int rc = net_addr_add(a, cidr);
	check_that(getifaddrs(&ifs) == 0, "getifaddrs: %s", strerror(errno));
	for (i = ifs; i; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || strcmp(i->ifa_name, a))
			continue;
		inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, got,
		          sizeof(got));
		uint32_t mask = ntohl(((struct sockaddr_in *)i->ifa_netmask)->sin_addr.s_addr);
		got_prefix = __builtin_popcount(mask);
	}
	freeifaddrs(ifs);
	check_int(rc, 0, "net_addr_add(A, CIDR)");
	check_str(got, want, "the IPv4 address of the interface");
	check_int(got_prefix, prefix, "the prefix length of that address");
}

static int add_taken(const void *arg)
{
	const char *const *names = arg;

	return net_veth_add(names[0], names[1], 0);
}

/* This test checks that a netlink request the kernel refuses (a name already in use)
 * returns the kernel's errno and prints the request with the kernel's reason. */
static void test_net_name_in_use(void **state)
{
	char a[16], b[16], c[16], err[1024];

	enter_fresh_netns();
	hako_rand_name(a, 10);
	hako_rand_name(b, 10);
	hako_rand_name(c, 10);
	make_veth_with_ip(a, b);
	const char *names[] = {a, c};
	int rc = with_stderr(add_taken, names, err, sizeof(err));
	check_int(rc, -EEXIST, "net_veth_add() with a name that is taken");
	check_contains(err, strerror(EEXIST), "the message printed");
	check_contains(err, a, "the message printed (it names the interface)");
	check_that(link_flags(c) < 0, "%s was made although the request failed", c);
}

static int destroy_twice(const void *arg)
{
	const char *name = arg;
	int first = net_veth_destroy(name);
	int again = net_veth_destroy(name);

	return first != 0 ? 1 : again != 0 ? 2 : 0;
}

/* This test checks that net_veth_destroy() removes both ends of a pair, and that removing a
 * pair that is already gone is quietly not an error. */
static void test_net_veth_destroy(void **state)
{
	char a[16], b[16], err[1024];

	enter_fresh_netns();
	hako_rand_name(a, 10);
	hako_rand_name(b, 10);
	make_veth_with_ip(a, b);
	int rc = with_stderr(destroy_twice, a, err, sizeof(err));
	check_that(rc != 1, "net_veth_destroy() of an existing pair failed: %s", err);
	check_that(link_flags(a) < 0 && link_flags(b) < 0, "%s or %s still exists", a, b);
	check_that(rc != 2, "net_veth_destroy() of a pair that is gone is not 0: %s", err);
	check_str(err, "", "what net_veth_destroy() printed");
}

/* This test checks that `--net host` (and no --net at all) keeps the container in the host's
 * network namespace, while IPC is still its own: net_clone_flags() adds CLONE_NEWNET only
 * when asked for another network. */
static void test_net_host_shares_network(void **state)
{
	struct hako_run r;
	char mine[64], want[80];

	hako_ns_link(getpid(), "net", mine, sizeof(mine));
	snprintf(want, sizeof(want), "%s\n", mine);
	const char *words[] = {"--isolate",         "--net", "host", "/bin/readlink",
	                       "/proc/self/ns/net", NULL};
	hako(&r, words);
	check_exit(&r, 0, "hako run --isolate --net host readlink /proc/self/ns/net");
	check_str(r.out, want, "the container's network namespace with --net host (ours)");
	hako_run_free(&r);
	struct hako_config cfg = {.net = HAKO_NET_HOST};
	int flags = net_clone_flags(&cfg);
	check_that(flags & CLONE_NEWIPC, "net_clone_flags() for --net host is %#x: no CLONE_NEWIPC",
	           flags);
}

/* This test checks that net_link_up() leaves every flag but IFF_UP as it was: a request with
 * ifi_change 0 sets all the flags to ifi_flags, and clears IFF_MULTICAST on a veth. */
static void test_net_link_up_keeps_flags(void **state)
{
	char a[16], b[16];
	int keep = ~(IFF_UP | IFF_RUNNING);

	enter_fresh_netns();
	hako_rand_name(a, 10);
	hako_rand_name(b, 10);
	make_veth_with_ip(a, b);
	int before = link_flags(a);
	int rc = net_link_up(a);
	int after = link_flags(a);
	check_int(rc, 0, "net_link_up(A) on a veth that is down");
	check_that(after >= 0 && (after & IFF_UP), "%s is not up after net_link_up()", a);
	check_that((before & IFF_MULTICAST) == 0 || (after & IFF_MULTICAST),
	           "net_link_up() cleared IFF_MULTICAST (flags %#x before, %#x after): change "
	           "only the flag you mean to (ifi_change)",
	           before, after);
	check_int(after & keep, before & keep,
	          "the link's flags other than IFF_UP and IFF_RUNNING, after net_link_up()");
}

static int link_requests(const void *name)
{
	int err = net_loopback_up();

	if (err == 0)
		err = net_link_del(name) == -ENODEV ? 0 : -1; /* quiet: no such link */
	if (err == 0)
		err = net_link_up(name) < 0 ? 0 : -1; /* printed: no such link */
	return err;
}

/* This test checks that the netlink requests close their socket on every path: the number
 * of open file descriptors is the same after a request that worked and two that failed. */
static void test_net_socket_closed(void **state)
{
	char name[16], err[1024];

	enter_fresh_netns();
	hako_rand_name(name, 10);
	int before = hako_fd_count();
	int rc = with_stderr(link_requests, name, err, sizeof(err));
	int after = hako_fd_count();
	check_int(rc, 0, "loopback up, then two requests for a link that does not exist (-ENODEV)");
	check_int(
	    after, before,
	    "open file descriptors after three netlink requests (each must close its socket)");
}

/* This test checks that net_veth_create() writes the name of the host end to HOST_IF, the
 * name hako later deletes: "hako" and the pid, an interface that exists and is up. */
static void test_net_veth_create_names_host_end(void **state)
{
	char host_if[16] = "", want[16], links[256];
	int fds[2];

	enter_fresh_netns();
	pid_t pid = netns_child(fds);
	int rc = net_veth_create(pid, host_if);
	int flags = link_flags(host_if);
	other_links(links, sizeof(links));
	close(fds[1]);
	waitpid(pid, NULL, 0);

	snprintf(want, sizeof(want), "hako%d", (int)pid);
	check_int(rc, 0, "net_veth_create(PID, HOST_IF)");
	check_str(host_if, want, "HOST_IF after net_veth_create (the host end's name)");
	check_that(flags >= 0 && (flags & IFF_UP), "the host end %s is missing or down (links:%s)",
	           want, links);
}

static int create_denied(const void *arg)
{
	char *host_if = (char *)arg;

	return net_veth_create(*(const pid_t *)(host_if + 16), host_if);
}

/* This test checks that when net_veth_create() cannot finish (here: the container end cannot
 * be configured, because the container's namespace may not be entered), it returns the error
 * and leaves no interface behind on the host side. */
static void test_net_veth_create_failure_cleans_up(void **state)
{
	char arg[16 + sizeof(pid_t)] = "", links[256], err[2048];
	int fds[2];

	hako_require_root();
	enter_fresh_netns();
	pid_t pid = netns_child_opts(fds, true);
	memcpy(arg + 16, &pid, sizeof(pid));
	/* Without CAP_SYS_PTRACE we may not open a non-dumpable process's /proc/PID/ns/net;
	 * CAP_NET_ADMIN still lets the peer be made in its namespace. */
	cap_t caps = cap_get_proc();
	cap_value_t ptrace_cap = CAP_SYS_PTRACE;
	check_that(caps && cap_set_flag(caps, CAP_EFFECTIVE, 1, &ptrace_cap, CAP_CLEAR) == 0 &&
	               cap_set_proc(caps) == 0,
	           "dropping CAP_SYS_PTRACE: %s", strerror(errno));
	cap_free(caps);
	int rc = with_stderr(create_denied, arg, err, sizeof(err));
	int n = other_links(links, sizeof(links));
	close(fds[1]);
	waitpid(pid, NULL, 0);

	check_int(rc, -EACCES,
	          "net_veth_create() when the container's /proc/PID/ns/net may not be opened "
	          "(in_netns fails with -EACCES)");
	check_int(n, 0, "interfaces left on the host side after net_veth_create() failed");
}

/* ---- hako run --net veth ---- */

/* This test checks that a TCP connection from the host side reaches a server in
 * `hako run --net veth` over the veth pair, and its bytes come back. */
static void test_net_veth_echo(void **state)
{
	char line[128], addr[64], links[256], msg[40], back[64] = "";
	int port = 0, out;

	enter_fresh_netns();
	hako_rand_name(msg, 32);
	const char *words[] = {"--net", "veth", NULL, "serve", NULL};
	char *echo = strdup(hako_prog("hako-echo"));
	words[2] = echo;
	pid_t pid = hako_bg(words, &out);
	free(echo);
	bool ready = read_line(out, line, sizeof(line), 20000);
	close(out);
	if (!ready || sscanf(line, "%63s %d", addr, &port) != 2) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		fail_msg("the server in the container did not say where it listens (did hako run "
		         "--net veth fail? run it by hand): %s",
		         ready ? line : "(nothing)");
	}
	int n_links = other_links(links, sizeof(links));

	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	inet_pton(AF_INET, addr, &sa.sin_addr);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	/* Both ends are on this machine: an answer takes microseconds, and a broken pair
	 * should fail the test in seconds, not after the kernel's own timeouts. */
	struct timeval tv = {.tv_sec = 2};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	int conn = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	int conn_err = errno;
	if (conn == 0 && write(fd, msg, strlen(msg)) == (ssize_t)strlen(msg)) {
		shutdown(fd, SHUT_WR);
		size_t got = 0;
		ssize_t n;
		while (got + 1 < sizeof(back) &&
		       (n = read(fd, back + got, sizeof(back) - 1 - got)) > 0)
			got += (size_t)n;
		back[got] = '\0';
	}
	close(fd);
	int status = 0;
	/* The server exits after one echo; when there was none, it would wait in accept(). */
	int wait_ms = strcmp(back, msg) == 0 ? 10000 : 500;
	for (int i = 0; i < wait_ms / 50 && waitpid(pid, &status, WNOHANG) == 0; i++)
		usleep(50000);
	if (waitpid(pid, &status, WNOHANG) == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}

	check_int(n_links, 1, "interfaces on the host side besides lo (the veth's host end)");
	/* A connect() cut short by SO_SNDTIMEO fails with EINPROGRESS: say what it means. */
	check_that(conn == 0, "connect to the container at %s:%d: %s", addr, port,
	           conn_err == EINPROGRESS || conn_err == EAGAIN
	               ? "no answer within 2 s (timed out: is each end up, with its address?)"
	               : strerror(conn_err));
	check_str(back, msg, "what came back through the veth pair");
	check_that(WIFEXITED(status) && WEXITSTATUS(status) == 0, "hako run did not exit 0");
}

/* This test checks that `hako run --net veth` gives the container an eth0, and that no
 * interface is left on the host side after the container exits. */
static void test_net_veth_gone_after_exit(void **state)
{
	struct hako_run r;
	char links[256];

	enter_fresh_netns();
	const char *words[] = {"--net", "veth", "/bin/cat", "/proc/net/dev", NULL};
	hako(&r, words);
	check_that(r.exit_code == 0, "hako run --net veth exited %d: %s", r.exit_code, r.err);
	check_contains(r.out, "eth0:", "/proc/net/dev inside");
	check_that(wait_links(false, 2500, links, sizeof(links)),
	           "left on the host side 2.5 s after hako exited:%s", links);
	hako_run_free(&r);
}

/* This test checks that the veth pair disappears when hako is killed with SIGKILL (it
 * cannot clean up; the container must die with it, and its namespace takes the pair). */
static void test_net_veth_gone_after_kill(void **state)
{
	char links[256];
	int out;

	enter_fresh_netns();
	const char *words[] = {"--net", "veth", "/bin/sleep", "60", NULL};
	pid_t pid = hako_bg(words, &out);
	int status = 0;
	bool made = false, exited = false;
	for (long long end = hako_now_ms() + 20000; !made && !exited && hako_now_ms() < end;
	     usleep(20000)) {
		made = other_links(links, sizeof(links)) > 0;
		exited = waitpid(pid, &status, WNOHANG) == pid;
	}
	usleep(200000); /* let hako finish its part and say go */
	if (!exited) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	close(out);
	check_that(!exited || made, "hako run --net veth /bin/sleep 60 exited at once (status %#x)",
	           status);
	check_that(made, "no veth appeared on the host side within 20 s");
	check_that(wait_links(false, 3000, links, sizeof(links)),
	           "still on the host side 3 s after hako was killed:%s (is the container still "
	           "running, or the pair's other end not in its namespace?)",
	           links);
}

/* `ip route add NET/LEN dev DEV` in our namespace; NET in host byte order. */
static void add_route(uint32_t net, int len, const char *dev)
{
	struct hako_run r;
	char cidr[32];

	snprintf(cidr, sizeof(cidr), "%u.%u.%u.%u/%d", net >> 24, (net >> 16) & 255,
	         (net >> 8) & 255, net & 255, len);
	const char *words[] = {"route", "add", cidr, "dev", dev, NULL};
	ip(&r, words);
	hako_run_free(&r);
}

/* This test checks that `hako run --net veth` takes its /30 from the addresses in
 * 10.200.0.0/16 that no route on the host side uses (a VPN or a LAN keeps its own), and
 * that when none is free it fails with a message and leaves no interface behind. */
static void test_net_veth_subnet_free(void **state)
{
	struct hako_run r;
	char a[16], b[16], ipcmd[64], want[48], links[256];
	uint32_t pool = (10u << 24) | (200u << 16);
	uint32_t free_net = pool + (uint32_t)hako_rand_range(0, 16383) * 4;

	enter_fresh_netns();
	snprintf(ipcmd, sizeof(ipcmd), "%s", ip_path());
	hako_rand_name(a, 10);
	hako_rand_name(b, 10);
	make_veth_with_ip(a, b);
	const char *up_a[] = {"link", "set", a, "up", NULL},
	           *up_b[] = {"link", "set", b, "up", NULL};
	ip(&r, up_a);
	hako_run_free(&r);
	ip(&r, up_b);
	hako_run_free(&r);
	/* Routes over the whole pool but one random /30: the /17 beside it, the /18 beside
	 * that, ... down to the /30 beside it. */
	for (int len = 17; len <= 30; len++) {
		uint32_t mask = ~0u << (32 - len);
		add_route((free_net ^ (1u << (32 - len))) & mask, len, a);
	}
	const char *words[] = {"--net", "veth", ipcmd, "-4",   "-o",
	                       "addr",  "show", "dev", "eth0", NULL};
	hako(&r, words);
	snprintf(want, sizeof(want), " %u.%u.%u.%u/30 ", free_net >> 24, (free_net >> 16) & 255,
	         (free_net >> 8) & 255, (free_net & 255) + 2);
	check_that(r.exit_code == 0, "hako run --net veth exited %d: %s", r.exit_code, r.err);
	check_contains(r.out, want,
	               "`ip addr show dev eth0` in the container, when every other /30 of "
	               "10.200.0.0/16 is routed on the host side");
	hako_run_free(&r);

	/* Now that /30 is taken too. (Wait until the first container's pair is gone: that is
	 * another test's business.) */
	for (int i = 0; i < 400 && other_links(links, sizeof(links)) > 2; i++)
		usleep(50000);
	add_route(free_net, 30, a);
	const char *words2[] = {"--net", "veth", "/bin/true", NULL};
	hako(&r, words2);
	check_exit(&r, HAKO_EXIT_FAILED, "hako run --net veth with no /30 free");
	check_contains(r.err, "10.200.0.0/16", "hako's message when no /30 is free");
	hako_run_free(&r);
	check_that(other_links(links, sizeof(links)) == 2,
	           "interfaces on the host side after the failed run: expected only %s %s, got%s",
	           a, b, links);
}

HAKO_TEST_MAIN(HAKO_TEST(test_ipc_objects_invisible), HAKO_TEST(test_net_loopback_up),
               HAKO_TEST(test_net_none_loopback_works), HAKO_TEST(test_net_none_no_host_links),
               HAKO_TEST(test_net_veth_add), HAKO_TEST(test_net_veth_peer_in_netns),
               HAKO_TEST(test_net_addr_add), HAKO_TEST(test_net_name_in_use),
               HAKO_TEST(test_net_veth_destroy), HAKO_TEST(test_net_veth_echo),
               HAKO_TEST(test_net_veth_gone_after_exit), HAKO_TEST(test_net_veth_gone_after_kill),
               HAKO_TEST(test_net_veth_subnet_free), HAKO_TEST(test_net_host_shares_network),
               HAKO_TEST(test_net_link_up_keeps_flags), HAKO_TEST(test_net_socket_closed),
               HAKO_TEST(test_net_veth_create_names_host_end),
               HAKO_TEST(test_net_veth_create_failure_cleans_up))
