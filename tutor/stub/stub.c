/*
 * The stub socket layer, linked into every learner program and test driver
 * with -Wl,--wrap=CALL for each socket call.  It records each call as one
 * text line on the trace descriptor (PRISE_TRACE_FD) and injects what real
 * networks do, as the grader asks through the environment:
 *
 *   PRISE_CAP_SEND=N   stream-socket send/write/sendto move at most N bytes
 *   PRISE_CAP_RECV=N   stream-socket recv/read/recvfrom move at most N bytes
 *   PRISE_EINTR=K      every K-th send/recv-like call fails with EINTR
 *   PRISE_FAIL=call:ERRNO:nth[,...]   the nth call of `call` fails with ERRNO
 *   PRISE_MAX_FORKS=N  fork fails with EAGAIN after N forks in the whole tree
 *
 * It also refuses connect/sendto towards any address outside loopback, so a
 * learner's program under the checker never sends traffic off the machine.
 *
 * It depends on libc alone and must never call a wrapped function except
 * through its __real_ name (the linker would send it back here).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "prise_stub.h"

int __real_socket(int, int, int);
int __real_bind(int, const struct sockaddr *, socklen_t);
int __real_listen(int, int);
int __real_accept(int, struct sockaddr *, socklen_t *);
int __real_accept4(int, struct sockaddr *, socklen_t *, int);
int __real_connect(int, const struct sockaddr *, socklen_t);
ssize_t __real_send(int, const void *, size_t, int);
ssize_t __real_recv(int, void *, size_t, int);
ssize_t __real_sendto(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
ssize_t __real_recvfrom(int, void *, size_t, int, struct sockaddr *, socklen_t *);
ssize_t __real_read(int, void *, size_t);
ssize_t __real_write(int, const void *, size_t);
int __real_close(int);
int __real_fclose(FILE *);
int __real_shutdown(int, int);
int __real_select(int, fd_set *, fd_set *, fd_set *, struct timeval *);
int __real_poll(struct pollfd *, nfds_t, int);
pid_t __real_fork(void);
int __real_pthread_create(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
int __real_getsockname(int, struct sockaddr *, socklen_t *);
int __real_setsockopt(int, int, int, const void *, socklen_t);

/* Our own prototypes for the wrappers (-Wmissing-prototypes). */
int __wrap_socket(int, int, int);
int __wrap_bind(int, const struct sockaddr *, socklen_t);
int __wrap_listen(int, int);
int __wrap_accept(int, struct sockaddr *, socklen_t *);
int __wrap_accept4(int, struct sockaddr *, socklen_t *, int);
int __wrap_connect(int, const struct sockaddr *, socklen_t);
ssize_t __wrap_send(int, const void *, size_t, int);
ssize_t __wrap_recv(int, void *, size_t, int);
ssize_t __wrap_sendto(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
ssize_t __wrap_recvfrom(int, void *, size_t, int, struct sockaddr *, socklen_t *);
ssize_t __wrap_read(int, void *, size_t);
ssize_t __wrap_write(int, const void *, size_t);
int __wrap_close(int);
int __wrap_fclose(FILE *);
int __wrap_shutdown(int, int);
int __wrap_select(int, fd_set *, fd_set *, fd_set *, struct timeval *);
int __wrap_poll(struct pollfd *, nfds_t, int);
pid_t __wrap_fork(void);
int __wrap_pthread_create(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
int __wrap_getsockname(int, struct sockaddr *, socklen_t *);
int __wrap_setsockopt(int, int, int, const void *, socklen_t);
ssize_t __wrap___recv_chk(int, void *, size_t, size_t, int);
ssize_t __wrap___read_chk(int, void *, size_t, size_t);
ssize_t __wrap___recvfrom_chk(int, void *, size_t, size_t, int, struct sockaddr *, socklen_t *);
int __wrap___poll_chk(struct pollfd *, nfds_t, int, size_t);

#define MAX_FAILS 8
#define DATA_MAX 64

struct fail_rule {
	char call[16];
	int err;
	long nth;
	atomic_long *seen;	/* shared by the whole process tree: the nth call of all */
};

/*
 * Sockets with a receive (bit 1) or send (bit 2) time-out set by
 * setsockopt: a call on them returns by itself, which the grader must know
 * (it is no deadlock).
 */
#define MAX_TRACKED_FD 4096
static _Atomic unsigned char fd_timeout[MAX_TRACKED_FD];

static int timed_fd(int fd, unsigned bit)
{
	return fd >= 0 && fd < MAX_TRACKED_FD && (fd_timeout[fd] & bit);
}

static int trace_fd = -1;
static size_t cap_send, cap_recv;
static long eintr_every;
static atomic_long eintr_count;
static struct fail_rule fails[MAX_FAILS];
static int nfails;
static long max_forks = -1;
static atomic_long *fork_count;	/* shared by the whole process tree */

static const struct { const char *name; int value; } errnames[] = {
	{ "EINTR", EINTR }, { "EMFILE", EMFILE }, { "ENFILE", ENFILE },
	{ "EACCES", EACCES }, { "EADDRINUSE", EADDRINUSE },
	{ "ECONNREFUSED", ECONNREFUSED }, { "ECONNRESET", ECONNRESET },
	{ "ECONNABORTED", ECONNABORTED }, { "ENOBUFS", ENOBUFS },
	{ "ENOMEM", ENOMEM }, { "EAGAIN", EAGAIN }, { "EPIPE", EPIPE },
	{ "ETIMEDOUT", ETIMEDOUT }, { "ENETUNREACH", ENETUNREACH },
	{ "EINVAL", EINVAL }, { "EIO", EIO },
};

static long env_long(const char *name, long dflt)
{
	const char *s = getenv(name);
	if (!s || !*s)
		return dflt;
	return strtol(s, NULL, 10);
}

static int errno_from_name(const char *s)
{
	for (size_t i = 0; i < sizeof errnames / sizeof errnames[0]; i++)
		if (strcmp(errnames[i].name, s) == 0)
			return errnames[i].value;
	return atoi(s);
}

static void parse_fails(const char *spec)
{
	char buf[256];
	snprintf(buf, sizeof buf, "%s", spec);
	char *save = NULL;
	for (char *tok = strtok_r(buf, ",", &save); tok && nfails < MAX_FAILS;
	     tok = strtok_r(NULL, ",", &save)) {
		char *c1 = strchr(tok, ':');
		if (!c1)
			continue;
		*c1 = '\0';
		char *c2 = strchr(c1 + 1, ':');
		long nth = 1;
		if (c2) {
			*c2 = '\0';
			nth = strtol(c2 + 1, NULL, 10);
		}
		struct fail_rule *f = &fails[nfails++];
		snprintf(f->call, sizeof f->call, "%s", tok);
		f->err = errno_from_name(c1 + 1);
		f->nth = nth;
	}
}

__attribute__((constructor)) static void stub_init(void)
{
	trace_fd = (int)env_long("PRISE_TRACE_FD", -1);
	cap_send = (size_t)env_long("PRISE_CAP_SEND", 0);
	cap_recv = (size_t)env_long("PRISE_CAP_RECV", 0);
	eintr_every = env_long("PRISE_EINTR", 0);
	max_forks = env_long("PRISE_MAX_FORKS", -1);
	const char *f = getenv("PRISE_FAIL");
	if (f)
		parse_fails(f);
	/* Counters in shared memory: after fork, "the 1st recv" is still one call. */
	static atomic_long local_seen[MAX_FAILS];
	void *shm = nfails ? mmap(NULL, sizeof local_seen, PROT_READ | PROT_WRITE,
				  MAP_SHARED | MAP_ANONYMOUS, -1, 0) : MAP_FAILED;
	for (int i = 0; i < nfails; i++)
		fails[i].seen = shm != MAP_FAILED ? (atomic_long *)shm + i : &local_seen[i];
	if (max_forks >= 0) {
		void *p = mmap(NULL, sizeof *fork_count, PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (p != MAP_FAILED)
			fork_count = p;
	}
	/* Under the checker stdout is a pipe; make it behave as in a terminal. */
	if (trace_fd >= 0) {
		setvbuf(stdout, NULL, _IOLBF, 0);
		/*
		 * And stdin too: reading a line-buffered stream flushes stdout
		 * first, as at a terminal, so "printf without \n, then fgets"
		 * shows its text under the checker as it does for the learner.
		 */
		setvbuf(stdin, NULL, _IOLBF, 0);
	}
}

static long now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000L + ts.tv_nsec / 1000;
}

struct rec {
	char buf[512];
	size_t len;
};

static void rec_add(struct rec *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void rec_add(struct rec *r, const char *fmt, ...)
{
	if (r->len >= sizeof r->buf - 2)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(r->buf + r->len, sizeof r->buf - 2 - r->len, fmt, ap);
	va_end(ap);
	if (n > 0) {
		r->len += (size_t)n;
		if (r->len > sizeof r->buf - 2)
			r->len = sizeof r->buf - 2;
	}
}

static void rec_start(struct rec *r, char phase, const char *call, int fd)
{
	r->len = 0;
	rec_add(r, "%c %ld %ld %s fd=%d tid=%ld", phase, (long)getpid(), now_us(),
		call, fd, (long)gettid());
}

static void rec_addr(struct rec *r, const char *key, const struct sockaddr *sa,
		     socklen_t len)
{
	char ip[INET6_ADDRSTRLEN];
	if (!sa)
		return;
	if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &in->sin_addr, ip, sizeof ip);
		rec_add(r, " %s=%s:%u", key, ip, ntohs(in->sin_port));
	} else if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof ip);
		rec_add(r, " %s=[%s]:%u", key, ip, ntohs(in6->sin6_port));
	} else {
		rec_add(r, " %s=family%d", key, sa->sa_family);
	}
}

static void rec_data(struct rec *r, const void *buf, ssize_t n)
{
	if (!buf || n <= 0)
		return;
	const unsigned char *p = buf;
	size_t k = (size_t)n < DATA_MAX ? (size_t)n : DATA_MAX;
	rec_add(r, " data=");
	for (size_t i = 0; i < k; i++)
		rec_add(r, "%02x", p[i]);
}

static void rec_end(struct rec *r, long ret, int err)
{
	rec_add(r, " ret=%ld err=%d", ret, ret < 0 ? err : 0);
}

static void rec_emit(struct rec *r)
{
	if (trace_fd < 0)
		return;
	r->buf[r->len++] = '\n';
	int saved = errno;
	ssize_t w;
	do
		w = __real_write(trace_fd, r->buf, r->len);
	while (w < 0 && errno == EINTR);
	errno = saved;
}

/* An "enter" record for a call that may block, so the grader sees where. */
static void rec_enter_timed(const char *call, int fd, int timed)
{
	struct rec r;
	rec_start(&r, 'E', call, fd);
	if (timed)
		rec_add(&r, " timed=1");
	rec_emit(&r);
}

static void rec_enter(const char *call, int fd)
{
	rec_enter_timed(call, fd, 0);
}

/* Should this call fail on purpose?  Returns the errno to inject, or 0. */
static int injected_failure(const char *call)
{
	for (int i = 0; i < nfails; i++) {
		if (strcmp(fails[i].call, call) != 0)
			continue;
		long n = atomic_fetch_add(fails[i].seen, 1) + 1;
		if (n == fails[i].nth)
			return fails[i].err;
	}
	return 0;
}

static int fail_now(const char *call, int fd, int err)
{
	struct rec r;
	rec_start(&r, 'X', call, fd);
	rec_add(&r, " inj=fail");
	rec_end(&r, -1, err);
	rec_emit(&r);
	errno = err;
	return -1;
}

static int is_stream(int fd)
{
	int type = 0;
	socklen_t len = sizeof type;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
		return 0;
	return type == SOCK_STREAM;
}

static int is_socket(int fd)
{
	struct stat st;
	return fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
}

static int loopback_ok(const struct sockaddr *sa, socklen_t len)
{
	if (!sa)
		return 1;
	if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
		uint32_t a = ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr);
		return (a >> 24) == 127 || a == 0;
	}
	if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
		return IN6_IS_ADDR_LOOPBACK(a) || IN6_IS_ADDR_UNSPECIFIED(a) ||
		       (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
	}
	return sa->sa_family == AF_UNIX;
}

static int eintr_now(size_t len)
{
	if (eintr_every <= 0 || len == 0)
		return 0;
	return (atomic_fetch_add(&eintr_count, 1) + 1) % eintr_every == 0;
}

static size_t capped(size_t len, size_t cap, int fd)
{
	if (cap && len > cap && is_stream(fd))
		return cap;
	return len;
}

/* ---- the wrappers ---- */

int __wrap_socket(int domain, int type, int protocol)
{
	int err = injected_failure("socket");
	if (err)
		return fail_now("socket", -1, err);
	int fd = __real_socket(domain, type, protocol);
	int saved = errno;
	struct rec r;
	rec_start(&r, 'X', "socket", fd);
	rec_add(&r, " domain=%d type=%d", domain, type & 0xff);
	rec_end(&r, fd, saved);
	rec_emit(&r);
	errno = saved;
	return fd;
}

int __wrap_bind(int fd, const struct sockaddr *sa, socklen_t len)
{
	int err = injected_failure("bind");
	if (err)
		return fail_now("bind", fd, err);
	int ret = __real_bind(fd, sa, len);
	int saved = errno;
	struct rec r;
	rec_start(&r, 'X', "bind", fd);
	rec_addr(&r, "addr", sa, len);
	rec_end(&r, ret, saved);
	rec_emit(&r);
	errno = saved;
	return ret;
}

int __wrap_listen(int fd, int backlog)
{
	int err = injected_failure("listen");
	if (err)
		return fail_now("listen", fd, err);
	int ret = __real_listen(fd, backlog);
	int saved = errno;
	struct rec r;
	rec_start(&r, 'X', "listen", fd);
	rec_add(&r, " arg=%d", backlog);
	rec_end(&r, ret, saved);
	rec_emit(&r);
	errno = saved;
	return ret;
}

static int accept_common(const char *call, int fd, struct sockaddr *sa,
			 socklen_t *len, int flags, int four)
{
	int err = injected_failure(call);
	if (err)
		return fail_now(call, fd, err);
	rec_enter_timed(call, fd, timed_fd(fd, 1));
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	int ret = four ? __real_accept4(fd, (struct sockaddr *)&ss, &sl, flags)
		       : __real_accept(fd, (struct sockaddr *)&ss, &sl);
	int saved = errno;
	if (ret >= 0 && sa && len) {
		socklen_t n = *len < sl ? *len : sl;
		memcpy(sa, &ss, n);
		*len = sl;
	}
	struct rec r;
	rec_start(&r, 'X', call, fd);
	if (ret >= 0)
		rec_addr(&r, "addr", (struct sockaddr *)&ss, sl);
	rec_end(&r, ret, saved);
	rec_emit(&r);
	errno = saved;
	return ret;
}

int __wrap_accept(int fd, struct sockaddr *sa, socklen_t *len)
{
	return accept_common("accept", fd, sa, len, 0, 0);
}

int __wrap_accept4(int fd, struct sockaddr *sa, socklen_t *len, int flags)
{
	return accept_common("accept4", fd, sa, len, flags, 1);
}

int __wrap_connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	int err = injected_failure("connect");
	if (err)
		return fail_now("connect", fd, err);
	struct rec r;
	/* AF_UNSPEC only dissolves a UDP association: nothing is sent. */
	int unspec = sa && len >= (socklen_t)sizeof(sa_family_t) && sa->sa_family == AF_UNSPEC;
	if (!unspec && !loopback_ok(sa, len)) {
		rec_start(&r, 'X', "connect", fd);
		rec_addr(&r, "addr", sa, len);
		rec_add(&r, " inj=guard");
		rec_end(&r, -1, ENETUNREACH);
		rec_emit(&r);
		errno = ENETUNREACH;
		return -1;
	}
	rec_enter("connect", fd);
	int ret = __real_connect(fd, sa, len);
	int saved = errno;
	rec_start(&r, 'X', "connect", fd);
	rec_addr(&r, "addr", sa, len);
	rec_end(&r, ret, saved);
	rec_emit(&r);
	errno = saved;
	return ret;
}

/* Shared body of every sending call: failure, EINTR, cap, record. */
static ssize_t send_common(const char *call, int fd, const void *buf, size_t len,
			   int flags, const struct sockaddr *to, socklen_t tolen,
			   int kind)
{
	int err = injected_failure(call);
	if (err)
		return fail_now(call, fd, err);
	struct rec r;
	if (to && !loopback_ok(to, tolen)) {
		rec_start(&r, 'X', call, fd);
		rec_addr(&r, "addr", to, tolen);
		rec_add(&r, " len=%zu inj=guard", len);
		rec_end(&r, -1, ENETUNREACH);
		rec_emit(&r);
		errno = ENETUNREACH;
		return -1;
	}
	if (eintr_now(len) && (kind != 2 || is_socket(fd))) {
		rec_start(&r, 'X', call, fd);
		rec_add(&r, " len=%zu inj=eintr", len);
		rec_end(&r, -1, EINTR);
		rec_emit(&r);
		errno = EINTR;
		return -1;
	}
	size_t n = capped(len, cap_send, fd);
	rec_enter_timed(call, fd, timed_fd(fd, 2));
	ssize_t ret;
	if (kind == 0)
		ret = __real_send(fd, buf, n, flags);
	else if (kind == 1)
		ret = __real_sendto(fd, buf, n, flags, to, tolen);
	else
		ret = __real_write(fd, buf, n);
	int saved = errno;
	rec_start(&r, 'X', call, fd);
	rec_add(&r, " len=%zu", len);
	if (n < len)
		rec_add(&r, " inj=cap");
	if (to)
		rec_addr(&r, "addr", to, tolen);
	rec_data(&r, buf, ret);
	rec_end(&r, ret, saved);
	rec_emit(&r);
	errno = saved;
	return ret;
}

static ssize_t recv_common(const char *call, int fd, void *buf, size_t len,
			   int flags, struct sockaddr *from, socklen_t *fromlen,
			   int kind)
{
	int err = injected_failure(call);
	if (err)
		return fail_now(call, fd, err);
	struct rec r;
	if (eintr_now(len) && (kind != 2 || is_socket(fd))) {
		rec_start(&r, 'X', call, fd);
		rec_add(&r, " len=%zu inj=eintr", len);
		rec_end(&r, -1, EINTR);
		rec_emit(&r);
		errno = EINTR;
		return -1;
	}
	size_t n = (flags & MSG_WAITALL) ? len : capped(len, cap_recv, fd);
	rec_enter_timed(call, fd, timed_fd(fd, 1));
	ssize_t ret;
	if (kind == 0)
		ret = __real_recv(fd, buf, n, flags);
	else if (kind == 1)
		ret = __real_recvfrom(fd, buf, n, flags, from, fromlen);
	else
		ret = __real_read(fd, buf, n);
	int saved = errno;
	rec_start(&r, 'X', call, fd);
	rec_add(&r, " len=%zu", len);
	if (n < len)
		rec_add(&r, " inj=cap");
	if (from && fromlen && ret >= 0)
		rec_addr(&r, "addr", from, *fromlen);
	rec_data(&r, buf, ret);
	rec_end(&r, ret, saved);
	rec_emit(&r);
	errno = saved;
	return ret;
}

ssize_t __wrap_send(int fd, const void *buf, size_t len, int flags)
{
	return send_common("send", fd, buf, len, flags, NULL, 0, 0);
}

ssize_t __wrap_sendto(int fd, const void *buf, size_t len, int flags,
		      const struct sockaddr *to, socklen_t tolen)
{
	return send_common("sendto", fd, buf, len, flags, to, tolen, 1);
}

ssize_t __wrap_write(int fd, const void *buf, size_t len)
{
	if (fd == trace_fd) {
		errno = EBADF;
		return -1;
	}
	if (!is_socket(fd))
		return __real_write(fd, buf, len);
	return send_common("write", fd, buf, len, 0, NULL, 0, 2);
}

ssize_t __wrap_recv(int fd, void *buf, size_t len, int flags)
{
	return recv_common("recv", fd, buf, len, flags, NULL, NULL, 0);
}

ssize_t __wrap_recvfrom(int fd, void *buf, size_t len, int flags,
			struct sockaddr *from, socklen_t *fromlen)
{
	return recv_common("recvfrom", fd, buf, len, flags, from, fromlen, 1);
}

ssize_t __wrap_read(int fd, void *buf, size_t len)
{
	if (fd == trace_fd) {
		errno = EBADF;
		return -1;
	}
	if (!is_socket(fd))
		return __real_read(fd, buf, len);
	return recv_common("read", fd, buf, len, 0, NULL, NULL, 2);
}

ssize_t __wrap___recv_chk(int fd, void *buf, size_t len, size_t buflen, int flags)
{
	if (len > buflen)
		abort();
	return __wrap_recv(fd, buf, len, flags);
}

ssize_t __wrap___read_chk(int fd, void *buf, size_t len, size_t buflen)
{
	if (len > buflen)
		abort();
	return __wrap_read(fd, buf, len);
}

ssize_t __wrap___recvfrom_chk(int fd, void *buf, size_t len, size_t buflen,
			      int flags, struct sockaddr *from, socklen_t *fromlen)
{
	if (len > buflen)
		abort();
	return __wrap_recvfrom(fd, buf, len, flags, from, fromlen);
}

int __wrap_close(int fd)
{
	if (fd == trace_fd && fd >= 0) {
		errno = EBADF;
		return -1;
	}
	int sock = is_socket(fd);
	int ret = __real_close(fd);
	if (ret == 0 && fd >= 0 && fd < MAX_TRACKED_FD)
		fd_timeout[fd] = 0;
	int saved = errno;
	if (sock) {
		struct rec r;
		rec_start(&r, 'X', "close", fd);
		rec_end(&r, ret, saved);
		rec_emit(&r);
	}
	errno = saved;
	return ret;
}

/*
 * A socket opened with fdopen() is closed by fclose(), whose own close()
 * no wrapper sees: record it as the close it is.
 */
int __wrap_fclose(FILE *f)
{
	int fd = f ? fileno(f) : -1;
	int sock = fd >= 0 && fd != trace_fd && is_socket(fd);
	int ret = __real_fclose(f);
	int saved = errno;
	if (sock) {
		if (ret == 0 && fd < MAX_TRACKED_FD)
			fd_timeout[fd] = 0;
		struct rec r;
		rec_start(&r, 'X', "close", fd);
		rec_end(&r, ret, saved);
		rec_emit(&r);
	}
	errno = saved;
	return ret;
}

int __wrap_shutdown(int fd, int how)
{
	int err = injected_failure("shutdown");
	if (err)
		return fail_now("shutdown", fd, err);
	int ret = __real_shutdown(fd, how);
	int saved = errno;
	struct rec r;
	rec_start(&r, 'X', "shutdown", fd);
	rec_add(&r, " arg=%d", how);
	rec_end(&r, ret, saved);
	rec_emit(&r);
	errno = saved;
	return ret;
}

int __wrap_select(int nfds, fd_set *rd, fd_set *wr, fd_set *ex, struct timeval *tv)
{
	int err = injected_failure("select");
	if (err)
		return fail_now("select", -1, err);
	rec_enter_timed("select", -1, tv != NULL);
	int ret = __real_select(nfds, rd, wr, ex, tv);
	int saved = errno;
	struct rec r;
	rec_start(&r, 'X', "select", -1);
	rec_add(&r, " arg=%d", nfds);
	rec_end(&r, ret, saved);
	rec_emit(&r);
	errno = saved;
	return ret;
}

int __wrap_poll(struct pollfd *fds, nfds_t n, int timeout)
{
	int err = injected_failure("poll");
	if (err)
		return fail_now("poll", -1, err);
	rec_enter_timed("poll", -1, timeout >= 0);
	int ret = __real_poll(fds, n, timeout);
	int saved = errno;
	struct rec r;
	rec_start(&r, 'X', "poll", -1);
	rec_add(&r, " arg=%lu", (unsigned long)n);
	rec_end(&r, ret, saved);
	rec_emit(&r);
	errno = saved;
	return ret;
}

int __wrap___poll_chk(struct pollfd *fds, nfds_t n, int timeout, size_t fdslen)
{
	if (fdslen / sizeof *fds < n)
		abort();
	return __wrap_poll(fds, n, timeout);
}

pid_t __wrap_fork(void)
{
	int err = injected_failure("fork");
	if (err)
		return fail_now("fork", -1, err);
	struct rec r;
	if (fork_count && atomic_fetch_add(fork_count, 1) >= max_forks) {
		rec_start(&r, 'X', "fork", -1);
		rec_add(&r, " inj=guard");
		rec_end(&r, -1, EAGAIN);
		rec_emit(&r);
		errno = EAGAIN;
		return -1;
	}
	pid_t pid = __real_fork();
	int saved = errno;
	if (pid != 0) {
		rec_start(&r, 'X', "fork", -1);
		rec_end(&r, pid, saved);
		rec_emit(&r);
	}
	errno = saved;
	return pid;
}

int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *attr,
			  void *(*fn)(void *), void *arg)
{
	int err = injected_failure("pthread_create");
	if (err) {
		fail_now("pthread_create", -1, err);
		return err;
	}
	int ret = __real_pthread_create(t, attr, fn, arg);
	struct rec r;
	rec_start(&r, 'X', "pthread_create", -1);
	rec_end(&r, ret ? -1 : 0, ret);
	rec_emit(&r);
	return ret;
}

int __wrap_getsockname(int fd, struct sockaddr *sa, socklen_t *len)
{
	int ret = __real_getsockname(fd, sa, len);
	int saved = errno;
	struct rec r;
	rec_start(&r, 'X', "getsockname", fd);
	if (ret == 0 && len)
		rec_addr(&r, "addr", sa, *len);
	rec_end(&r, ret, saved);
	rec_emit(&r);
	errno = saved;
	return ret;
}

int __wrap_setsockopt(int fd, int level, int opt, const void *val, socklen_t len)
{
	int ret = __real_setsockopt(fd, level, opt, val, len);
	int saved = errno;
	if (ret == 0 && level == SOL_SOCKET && (opt == SO_RCVTIMEO || opt == SO_SNDTIMEO) &&
	    fd >= 0 && fd < MAX_TRACKED_FD && val && len >= (socklen_t)sizeof(struct timeval)) {
		const struct timeval *tv = val;
		unsigned bit = opt == SO_RCVTIMEO ? 1 : 2;
		if (tv->tv_sec || tv->tv_usec)
			fd_timeout[fd] |= (unsigned char)bit;
		else
			fd_timeout[fd] &= (unsigned char)~bit;
	}
	struct rec r;
	rec_start(&r, 'X', "setsockopt", fd);
	rec_add(&r, " arg=%d.%d", level, opt);
	rec_end(&r, ret, saved);
	rec_emit(&r);
	errno = saved;
	return ret;
}

void prise_result(const char *fmt, ...)
{
	struct rec r;
	r.len = 0;
	rec_add(&r, "R %ld %ld ", (long)getpid(), now_us());
	va_list ap;
	va_start(ap, fmt);
	if (r.len < sizeof r.buf - 2) {
		int n = vsnprintf(r.buf + r.len, sizeof r.buf - 2 - r.len, fmt, ap);
		if (n > 0)
			r.len += (size_t)n;
		if (r.len > sizeof r.buf - 2)
			r.len = sizeof r.buf - 2;
	}
	va_end(ap);
	for (size_t i = 0; i < r.len; i++)
		if (r.buf[i] == '\n')
			r.buf[i] = ' ';
	rec_emit(&r);
}
