/* net.c: lesson 06 — IPC and network namespaces: loopback and a veth pair over rtnetlink. */
#include "hako.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* The starter does not call the helpers below yet; this keeps the compiler quiet about it. */
#pragma GCC diagnostic ignored "-Wunused-function"

/*
 * The namespaces this lesson adds to the container's clone(). System V IPC objects (shared
 * memory, message queues, semaphores) belong to an IPC namespace; interfaces, addresses,
 * routes and sockets belong to a network namespace.
 */
int net_clone_flags(const struct hako_config *cfg)
{
	/// TODO(06): Return the clone(2) flags that give the container its own IPC namespace
	///           (always) and its own network namespace (unless cfg->net is HAKO_NET_HOST,
	///           `--net host`). See clone(2) and namespaces(7).
	return 0;
}

/*
 * A route-netlink request is one buffer that the kernel reads as:
 *
 *   +------------------+  struct nlmsghdr: total length, type (RTM_NEWLINK, ...), flags
 *   | nlmsghdr         |  (NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE ...), sequence number
 *   +------------------+
 *   | ifinfomsg        |  the type's fixed header: struct ifinfomsg for links,
 *   | (or ifaddrmsg)   |  struct ifaddrmsg for addresses
 *   +------------------+
 *   | rtattr           |  attributes: { length, type } then the value, padded to 4 bytes.
 *   |   value ...      |  A nested attribute's value is more attributes:
 *   +------------------+
 *   | rtattr (nested)  |  IFLA_LINKINFO
 *   |   rtattr         |    IFLA_INFO_KIND "veth"
 *   |   rtattr (nest)  |    IFLA_INFO_DATA
 *   |     ...          |      VETH_INFO_PEER: struct ifinfomsg, then the peer's attributes
 *   +------------------+
 *
 * The helpers below build such a buffer; nl_talk() sends it and reads the kernel's answer.
 */
struct nl_msg {
	union {
		struct nlmsghdr hdr;
		char buf[1024];
	};
	bool too_big; /* an attribute did not fit: nl_talk() refuses to send */
	int quiet;    /* an error the caller expects, not to be printed (e.g. -ENODEV) */
};

/* Start a request of TYPE with FLAGS (NLM_F_REQUEST and NLM_F_ACK are added) whose fixed
 * header is FIXED_LEN bytes; returns that header, zeroed, for the caller to fill in. */
static void *nl_begin(struct nl_msg *m, int type, int flags, size_t fixed_len)
{
	memset(m, 0, sizeof(*m));
	m->hdr.nlmsg_type = type;
	m->hdr.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	m->hdr.nlmsg_len = NLMSG_LENGTH(fixed_len);
	return NLMSG_DATA(&m->hdr);
}

/* Append attribute TYPE with LEN bytes of DATA (DATA may be NULL to leave them zero); returns
 * it, so that it can be the start of a nested attribute (see nl_end). */
static struct rtattr *nl_attr(struct nl_msg *m, int type, const void *data, size_t len)
{
	size_t at = NLMSG_ALIGN(m->hdr.nlmsg_len);
	struct rtattr *rta = (struct rtattr *)(m->buf + at);

	if (at + RTA_SPACE(len) > sizeof(m->buf)) {
		m->too_big = true;
		return (struct rtattr *)m->buf; /* harmless: the message will not be sent */
	}
	rta->rta_type = type;
	rta->rta_len = RTA_LENGTH(len);
	if (data)
		memcpy(RTA_DATA(rta), data, len);
	else
		memset(RTA_DATA(rta), 0, len);
	m->hdr.nlmsg_len = at + RTA_SPACE(len);
	return rta;
}

/* A string attribute (the kernel wants the terminating NUL). */
static struct rtattr *nl_attr_str(struct nl_msg *m, int type, const char *s)
{
	return nl_attr(m, type, s, strlen(s) + 1);
}

/* Close the nested attribute NEST: its length covers everything appended since it began. */
static void nl_end(struct nl_msg *m, struct rtattr *nest)
{
	if (!m->too_big)
		nest->rta_len = (unsigned short)(m->buf + m->hdr.nlmsg_len - (char *)nest);
}

/*
 * Print that request WHAT failed with ERR: strerror, and the kernel's own sentence when it
 * sent one (an "extended ack": attribute NLMSGERR_ATTR_MSG after the struct nlmsgerr).
 * REPLY is the kernel's NLMSG_ERROR message, LEN its length, or NULL.
 */
static void nl_report(const char *what, int err, const struct nlmsghdr *reply, size_t len)
{
	const char *reason = NULL;

	if (reply && (reply->nlmsg_flags & NLM_F_ACK_TLVS) &&
	    len >= NLMSG_LENGTH(sizeof(struct nlmsgerr))) {
		/* With NETLINK_CAP_ACK the kernel does not echo our request: the attributes
		 * start right after struct nlmsgerr. */
		size_t off = NLMSG_LENGTH(sizeof(struct nlmsgerr));
		const struct rtattr *rta = (const struct rtattr *)((const char *)reply + off);
		int left = (int)(len - off);

		if (reply->nlmsg_flags & NLM_F_CAPPED)
			for (; RTA_OK(rta, left); rta = RTA_NEXT(rta, left))
				if (rta->rta_type == NLMSGERR_ATTR_MSG && RTA_PAYLOAD(rta) > 0 &&
				    ((const char *)RTA_DATA(rta))[RTA_PAYLOAD(rta) - 1] == '\0')
					reason = RTA_DATA(rta);
	}
	fprintf(stderr, "hako: netlink %s: %s%s%s%s\n", what, strerror(-err),
	        reason ? " (kernel: " : "", reason ? reason : "", reason ? ")" : "");
}

/*
 * Send request M to the kernel on a new NETLINK_ROUTE socket (in this process's network
 * namespace) and wait for its answer. Returns 0 when the kernel acknowledged the request,
 * else its negative errno, printed with WHAT unless it is M->quiet.
 */
static int nl_talk(struct nl_msg *m, const char *what)
{
	/// TODO(06): The exchange every netlink tool makes: send request M to the kernel over a
	///           route-netlink socket and read its answer (netlink(7), rtnetlink(7), and the
	///           README's "rtnetlink" section).
	///   Returns 0 when the kernel acknowledged M, else the kernel's error as a negative
	///   errno (the error field of its answer is already negative: pass it on as it is);
	///   -EMSGSIZE, without sending, if M->too_big; -EPROTO if the answer holds no error
	///   message. Every error except M->quiet is printed with nl_report(), which finds the
	///   kernel's own sentence only if the socket asked for extended, capped acks (failing
	///   to ask is harmless). The socket is closed on every path.
	return -ENOSYS;
}

/* Bring IFNAME up: RTM_NEWLINK for the link of that name, with IFF_UP set. */
int net_link_up(const char *ifname)
{
	/// TODO(06): Send what `ip link set IFNAME up` sends: a request that changes the IFF_UP
	///           flag of the link named IFNAME, and only that flag. Return nl_talk()'s
	///           result; its WHAT names the request and the interface (it is printed on
	///           errors). See rtnetlink(7) (RTM_NEWLINK) and the README's table.
	return -ENOSYS;
}

/* Delete IFNAME (RTM_DELLINK). Deleting either end of a veth pair deletes both. A link that
 * does not exist gives -ENODEV without a message (it may have gone with its namespace). */
int net_link_del(const char *ifname)
{
	/// TODO(06): Ask the kernel to delete the link named IFNAME (rtnetlink(7), RTM_DELLINK).
	///           Return nl_talk()'s result; -ENODEV comes back without a message.
	return -ENOSYS;
}

/*
 * Make a veth pair: NAME here, PEER in the network namespace of process PID (0: here too).
 * What `ip link add NAME type veth peer name PEER netns PID` sends. Making the peer directly
 * in the container's namespace means no moment exists where both ends are on the host.
 */
int net_veth_add(const char *name, const char *peer, pid_t pid)
{
	/// TODO(06): Build and send the nested request drawn in the README ("rtnetlink").
	///           A name that is taken must fail with the kernel's -EEXIST, not reuse the
	///           link; the peer must be born in PID's namespace, not moved there later.
	///           Two details the headers do not make obvious: the value of VETH_INFO_PEER
	///           starts with a struct ifinfomsg, followed by the peer's own attributes; and
	///           IFLA_NET_NS_PID is a 32-bit number. See veth(4), <linux/if_link.h>,
	///           <linux/veth.h>.
	return -ENOSYS;
}

/* Parse "A.B.C.D/N" into ADDR (network byte order) and PREFIX. 0 or -EINVAL. */
static int parse_cidr(const char *cidr, struct in_addr *addr, int *prefix)
{
	char ip[INET_ADDRSTRLEN];
	const char *slash = strchr(cidr, '/');
	char *end;

	if (!slash || (size_t)(slash - cidr) >= sizeof(ip))
		return -EINVAL;
	memcpy(ip, cidr, (size_t)(slash - cidr));
	ip[slash - cidr] = '\0';
	if (inet_pton(AF_INET, ip, addr) != 1)
		return -EINVAL;
	errno = 0;
	long n = strtol(slash + 1, &end, 10);
	if (errno || end == slash + 1 || *end || n < 0 || n > 32)
		return -EINVAL;
	*prefix = (int)n;
	return 0;
}

/* Add the IPv4 address CIDR to IFNAME: what `ip addr add CIDR dev IFNAME` sends. */
int net_addr_add(const char *ifname, const char *cidr)
{
	struct in_addr addr;
	int prefix;
	unsigned idx;

	if (parse_cidr(cidr, &addr, &prefix) < 0) {
		fprintf(stderr, "hako: address \"%s\": not A.B.C.D/N\n", cidr);
		return -EINVAL;
	}
	idx = if_nametoindex(ifname);
	if (idx == 0) {
		int err = -errno;
		fprintf(stderr, "hako: interface \"%s\": %s\n", ifname, strerror(errno));
		return err;
	}
	/// TODO(06): Send what `ip addr add CIDR dev IFNAME` sends: a new IPv4 address ADDR/PREFIX
	///           on the interface, refused if it exists. Addresses name their interface by
	///           index (IDX), not by name. Return nl_talk()'s result, WHAT naming the address
	///           and the interface. See rtnetlink(7) (RTM_NEWADDR) and the README's table.
	return -ENOSYS;
}

int net_loopback_up(void)
{
	/// TODO(06): Bring up this network namespace's loopback interface: 0 or a negative
	///           errno. (A new network namespace has one interface, "lo", and it is down.)
	return -ENOSYS;
}

/* Run FN(IFNAME, CIDR) inside the network namespace of process PID, then come back.
 * The namespace is a property of the calling thread: setns(2) there, setns(2) home. */
static int in_netns(pid_t pid, int (*fn)(const char *, const char *), const char *ifname,
                    const char *cidr)
{
	char path[64];
	int home = -1, there = -1, err;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	there = open(path, O_RDONLY | O_CLOEXEC);
	if (home < 0 || there < 0) {
		err = -errno;
		fprintf(stderr, "hako: open %s: %s\n", home < 0 ? "/proc/self/ns/net" : path,
		        strerror(errno));
		goto out;
	}
	if (setns(there, CLONE_NEWNET) < 0) {
		err = -errno;
		fprintf(stderr, "hako: setns %s: %s\n", path, strerror(errno));
		goto out;
	}
	err = fn(ifname, cidr);
	if (setns(home, CLONE_NEWNET) < 0) {
		fprintf(stderr, "hako: setns back to our own network namespace: %s\n",
		        strerror(errno));
		abort(); /* every later step would act on the container's network */
	}
out:
	if (there >= 0)
		close(there);
	if (home >= 0)
		close(home);
	return err;
}

/* net_addr_add, then net_link_up: one interface's whole setup, in the form in_netns() runs. */
static int addr_and_up(const char *ifname, const char *cidr)
{
	int err = net_addr_add(ifname, cidr);

	return err < 0 ? err : net_link_up(ifname);
}

/* The addresses --net veth hands out: 10.200.0.0/16, in 16384 blocks of 4 (a /30). */
#define VETH_POOL     ((10u << 24) | (200u << 16))
#define VETH_POOL_LEN 16
#define VETH_SUBNETS  16384u
#define MAX_USED      1024

/* An IPv4 prefix this machine already uses (host byte order), and the interface it is on. */
struct used_prefix {
	uint32_t net;
	int len;
	char dev[IF_NAMESIZE];
};

/* Do the prefixes A/ALEN and B/BLEN share any address? (They do when they agree on the
 * bits that the shorter of the two prefixes fixes.) */
static bool overlaps(uint32_t a, int alen, uint32_t b, int blen)
{
	int n = alen < blen ? alen : blen;
	uint32_t mask = n ? ~0u << (32 - n) : 0;

	return ((a ^ b) & mask) == 0;
}

/*
 * Collect into U the prefixes in hako's pool that this network namespace already uses: its
 * routes (/proc/net/route, the main table: a LAN, a VPN's routes, other containers) and its
 * own addresses. Default routes (/0) do not count: a /30 is more specific and takes only its
 * own four addresses. Returns how many, or -ENOSPC if there are more than MAX_USED.
 */
static int used_prefixes(struct used_prefix *u)
{
	FILE *f = fopen("/proc/net/route", "re");
	struct ifaddrs *ifs, *i;
	char line[256], dev[IF_NAMESIZE];
	unsigned dst, gw, flags, refcnt, use, metric, mask;
	int n = 0;

	/* "Iface Destination Gateway Flags RefCnt Use Metric Mask ...": addresses in hex, as
	 * the 4 bytes in network order read as one number by this machine. */
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%15s %x %x %x %u %u %u %x", dev, &dst, &gw, &flags, &refcnt, &use,
		           &metric, &mask) == 8 &&
		    mask != 0 &&
		    overlaps(ntohl(dst), __builtin_popcount(mask), VETH_POOL, VETH_POOL_LEN)) {
			if (n == MAX_USED)
				goto full;
			u[n] = (struct used_prefix){ntohl(dst), __builtin_popcount(mask), ""};
			snprintf(u[n++].dev, IF_NAMESIZE, "%s", dev);
		}
	if (getifaddrs(&ifs) == 0) {
		for (i = ifs; i; i = i->ifa_next) {
			if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET)
				continue;
			uint32_t a = ntohl(((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr);
			if (!overlaps(a, 32, VETH_POOL, VETH_POOL_LEN))
				continue;
			if (n == MAX_USED) {
				freeifaddrs(ifs);
				goto full;
			}
			u[n] = (struct used_prefix){a, 32, ""};
			snprintf(u[n++].dev, IF_NAMESIZE, "%s", i->ifa_name);
		}
		freeifaddrs(ifs);
	}
	if (f)
		fclose(f);
	return n;
full:
	if (f)
		fclose(f);
	return -ENOSPC;
}

/*
 * Choose the container's /30 (in *BASE, host byte order): the block PID points at, or the
 * next one that nothing here uses yet. A VPN or a LAN in 10.200.0.0/16 keeps its addresses;
 * if it covers every block, say so and return -EADDRNOTAVAIL rather than take some.
 */
static int pick_subnet(pid_t pid, uint32_t *base)
{
	static struct used_prefix used[MAX_USED];
	int n = used_prefixes(used);

	if (n < 0) {
		fprintf(stderr, "hako: more than %d routes and addresses in 10.200.0.0/%d\n",
		        MAX_USED, VETH_POOL_LEN);
		return n;
	}
	for (uint32_t i = 0; i < VETH_SUBNETS; i++) {
		uint32_t net = VETH_POOL + (((uint32_t)pid + i) % VETH_SUBNETS) * 4;
		int j = 0;

		while (j < n && !overlaps(net, 30, used[j].net, used[j].len))
			j++;
		if (j == n) {
			*base = net;
			return 0;
		}
	}
	/* Name what took the block PID points at (n > 0 here: something took every block). */
	uint32_t first = VETH_POOL + ((uint32_t)pid % VETH_SUBNETS) * 4;
	int j = 0;
	while (j < n - 1 && !overlaps(first, 30, used[j].net, used[j].len))
		j++;
	fprintf(stderr,
	        "hako: --net veth: no free /30 in 10.200.0.0/%d: this machine already uses "
	        "%u.%u.%u.%u/%d (dev %s: a VPN, a LAN?), and hako will not take its addresses\n",
	        VETH_POOL_LEN, used[j].net >> 24, (used[j].net >> 16) & 255,
	        (used[j].net >> 8) & 255, used[j].net & 255, used[j].len, used[j].dev);
	return -EADDRNOTAVAIL;
}

/*
 * The container's link to the host:
 *
 *   host network namespace               container network namespace (of PID)
 *   hakoPID  10.200.x.y+1/30  <==veth==>  eth0  10.200.x.y+2/30
 *
 * Each container gets its own /30 (4 addresses: network, host end, container end,
 * broadcast) in 10.200.0.0/16: the one its PID points at, or the next one that no route or
 * address on the host side uses yet (pick_subnet). Nothing is routed anywhere else and
 * nothing is NATed.
 */
int net_veth_create(pid_t pid, char *host_if)
{
	uint32_t base;
	char name[16], host_cidr[32], cont_cidr[32];
	int err;

	if ((err = pick_subnet(pid, &base)) < 0)
		return err;
	snprintf(name, sizeof(name), "hako%d", (int)pid);
	snprintf(host_cidr, sizeof(host_cidr), "%u.%u.%u.%u/30", base >> 24, (base >> 16) & 255,
	         (base >> 8) & 255, (base & 255) + 1);
	snprintf(cont_cidr, sizeof(cont_cidr), "%u.%u.%u.%u/30", base >> 24, (base >> 16) & 255,
	         (base >> 8) & 255, (base & 255) + 2);
	/// TODO(06): Make the link in the picture: the pair NAME / "eth0" (eth0 inside PID's
	///           namespace), HOST_CIDR on NAME and CONT_CIDR on eth0, both ends up. A
	///           netlink socket acts in the network namespace of the thread that made it,
	///           so eth0 can only be configured from inside (README: "Configuring a
	///           namespace from outside"). On success copy NAME to HOST_IF (hako deletes it
	///           later) and return 0; on any failure leave no pair behind and return the
	///           error. Use the functions above; none of this needs a new request.
	return -ENOSYS;
}

int net_veth_destroy(const char *host_if)
{
	/// TODO(06): Delete the host end HOST_IF (its peer goes with it). A pair that is already
	///           gone (with its namespace) is success: return 0; other errors as they are.
	return -ENOSYS;
}
