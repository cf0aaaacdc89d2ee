/*
 * Isolation for a check (see sandbox.h).  Unprivileged users can create a
 * user namespace and, inside it, a network namespace; root can too.  If the
 * kernel says no, everything still works on loopback with ports probed free.
 */
#define _GNU_SOURCE
#include "sandbox.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

static int write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

static int loopback_up(void)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -1;
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
	int ret = ioctl(s, SIOCGIFFLAGS, &ifr);
	if (ret == 0) {
		ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
		ret = ioctl(s, SIOCSIFFLAGS, &ifr);
	}
	close(s);
	return ret;
}

int sandbox_enter(void)
{
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	if (getenv("PRISE_NO_NETNS"))
		return 0;
	uid_t uid = getuid();
	gid_t gid = getgid();
	if (unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0)
		return 0;
	char map[64];
	write_text("/proc/self/setgroups", "deny");
	snprintf(map, sizeof map, "%u %u 1\n", (unsigned)uid, (unsigned)uid);
	if (write_text("/proc/self/uid_map", map) < 0)
		return 0;
	snprintf(map, sizeof map, "%u %u 1\n", (unsigned)gid, (unsigned)gid);
	write_text("/proc/self/gid_map", map);
	return loopback_up() == 0;
}

static int port_taken(int type, int port)
{
	int s = socket(AF_INET, type | SOCK_CLOEXEC, 0);
	if (s < 0)
		return 1;
	struct sockaddr_in a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_ANY);
	int taken = bind(s, (struct sockaddr *)&a, sizeof a) < 0;
	close(s);
	return taken;
}

/* The first port of net.ipv4.ip_local_port_range (32768 by default). */
static int ephemeral_start(void)
{
	int lo = 32768, hi;
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "re");
	if (f) {
		if (fscanf(f, "%d %d", &lo, &hi) != 2 || lo < 4096)
			lo = 32768;
		fclose(f);
	}
	return lo > 65535 ? 32768 : lo;
}

static pthread_mutex_t port_mu = PTHREAD_MUTEX_INITIALIZER;
static unsigned char port_used[65536 / 8];
static unsigned port_seed;

int sandbox_port(void)
{
	pthread_mutex_lock(&port_mu);
	if (!port_seed)
		port_seed = (unsigned)getpid() ^ (unsigned)now_us();
	/*
	 * Below the kernel's ephemeral range, it and its twin: a connect() or a
	 * bind(0) elsewhere can never take a port handed out and not yet bound.
	 */
	int eph = ephemeral_start();
	int port = -1;
	for (int tries = 0; tries < 4000; tries++) {
		int p = 2048 + (int)(rand_r(&port_seed) % (unsigned)(eph - 2048));
		int hi = p >> 8, lo = p & 0xff;
		int sw = (lo << 8) | hi;
		/* The byte-swapped port must be a different, unprivileged one. */
		if (hi == lo || sw < 1024 || sw >= eph)
			continue;
		/*
		 * Neither it nor its twin handed out before: a program that forgot
		 * htons must not reach the server of another check of this process.
		 */
		if ((port_used[p / 8] & (1 << (p % 8))) || (port_used[sw / 8] & (1 << (sw % 8))))
			continue;
		if (port_taken(SOCK_STREAM, p) || port_taken(SOCK_DGRAM, p))
			continue;
		port_used[p / 8] |= (unsigned char)(1 << (p % 8));
		port_used[sw / 8] |= (unsigned char)(1 << (sw % 8));
		port = p;
		break;
	}
	pthread_mutex_unlock(&port_mu);
	return port;
}

void sandbox_sweep(void)
{
	pid_t self = getpid();
	for (int round = 0; round < 50; round++) {
		int found = 0;
		DIR *d = opendir("/proc");
		if (!d)
			return;
		struct dirent *e;
		while ((e = readdir(d))) {
			pid_t pid = (pid_t)atoi(e->d_name);
			if (pid <= 0)
				continue;
			char path[64], buf[512];
			snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
			int fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				continue;
			ssize_t n = read(fd, buf, sizeof buf - 1);
			close(fd);
			if (n <= 0)
				continue;
			buf[n] = '\0';
			char *rp = strrchr(buf, ')');
			int ppid;
			char state;
			if (!rp || sscanf(rp + 1, " %c %d", &state, &ppid) != 2)
				continue;
			if (ppid != self)
				continue;
			found = 1;
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
		}
		closedir(d);
		if (!found)
			return;
	}
}
