/* echo.c: `hako-echo loop MSG` and `hako-echo serve`: the TCP ends of lesson 06's tests.
 *
 *   loop MSG  listen on 127.0.0.1, connect to ourselves, send MSG, print what comes back
 *   serve     listen on every address, print "ADDR PORT" (ADDR: our first IPv4 address
 *             that is not loopback), echo one connection back to its sender, exit
 *
 * Both give up after 30 seconds. */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int die(const char *what)
{
	fprintf(stderr, "hako-echo: %s: %s\n", what, strerror(errno));
	return 1;
}

/* A listening TCP socket on ADDR (network order) and a free port; the port in *PORT. */
static int listen_on(uint32_t addr, int *port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = addr};
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
		return -1;
	*port = ntohs(sa.sin_port);
	return fd;
}

/* Echo everything read from FD back to it until end of file. */
static int echo_back(int fd)
{
	char buf[4096];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (write(fd, buf, (size_t)n) != n)
			return -1;
	return n < 0 ? -1 : 0;
}

static int loop(const char *msg)
{
	int port, lfd = listen_on(htonl(INADDR_LOOPBACK), &port);
	struct sockaddr_in sa = {.sin_family = AF_INET,
	                         .sin_port = htons((uint16_t)port),
	                         .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	char buf[4096];
	size_t got = 0, len = strlen(msg);

	if (lfd < 0)
		return die("listen on 127.0.0.1");
	int cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (cfd < 0 || connect(cfd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return die("connect to 127.0.0.1");
	int afd = accept(lfd, NULL, NULL);
	if (afd < 0)
		return die("accept");
	if (write(cfd, msg, len) != (ssize_t)len)
		return die("send");
	shutdown(cfd, SHUT_WR);
	if (echo_back(afd) < 0)
		return die("echo");
	close(afd);
	while (got < sizeof(buf) - 1) {
		ssize_t n = read(cfd, buf + got, sizeof(buf) - 1 - got);
		if (n < 0)
			return die("receive");
		if (n == 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	printf("%s\n", buf);
	return 0;
}

static int serve(void)
{
	struct ifaddrs *ifs, *i;
	char addr[INET_ADDRSTRLEN] = "";
	int port, lfd = listen_on(htonl(INADDR_ANY), &port);

	if (lfd < 0)
		return die("listen");
	if (getifaddrs(&ifs) < 0)
		return die("getifaddrs");
	for (i = ifs; i && !addr[0]; i = i->ifa_next)
		if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET && strcmp(i->ifa_name, "lo"))
			inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, addr,
			          sizeof(addr));
	freeifaddrs(ifs);
	if (!addr[0]) {
		fprintf(stderr, "hako-echo: no IPv4 address besides loopback\n");
		return 1;
	}
	printf("%s %d\n", addr, port);
	fflush(stdout);
	int afd = accept(lfd, NULL, NULL);
	if (afd < 0)
		return die("accept");
	return echo_back(afd) < 0 ? die("echo") : 0;
}

int main(int argc, char **argv)
{
	alarm(30);
	if (argc == 3 && strcmp(argv[1], "loop") == 0)
		return loop(argv[2]);
	if (argc == 2 && strcmp(argv[1], "serve") == 0)
		return serve();
	fprintf(stderr, "usage: hako-echo loop MSG | hako-echo serve\n");
	return 2;
}
