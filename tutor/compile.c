/*
 * The compiler driver (see compile.h).  The learner's code is compiled and
 * linked in one cc call: `cc -std=gnu11 -Wall -Wextra -g FILE stub.o
 * -Wl,--wrap=socket,...`; --wrap redirects every call the learner's object
 * makes to the stub, without any change to their source.
 */
#define _GNU_SOURCE
#include "compile.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

/* Every call the stub wraps; keep in step with tutor/stub/stub.c. */
static const char *const wrapped[] = {
	"socket", "bind", "listen", "accept", "accept4", "connect", "send",
	"recv", "sendto", "recvfrom", "read", "write", "close", "fclose", "shutdown",
	"select", "poll", "fork", "pthread_create", "getsockname", "setsockopt",
	"__recv_chk", "__read_chk", "__recvfrom_chk", "__poll_chk",
};

struct pattern {
	const char *needle;	/* found anywhere in gcc's output */
	const char *hint;	/* message key */
};

/* The classic mistakes, most specific first. */
static const struct pattern patterns[] = {
	{ "'sockaddr' undeclared", "compile.sockaddr" },
	{ "unknown type name 'sockaddr'", "compile.sockaddr" },
	{ "'sockaddr_in' undeclared", "compile.sockaddr" },
	{ "unknown type name 'sockaddr_in'", "compile.sockaddr" },
	{ "implicit declaration of function 'htons'", "compile.arpa" },
	{ "implicit declaration of function 'htonl'", "compile.arpa" },
	{ "implicit declaration of function 'ntohs'", "compile.arpa" },
	{ "implicit declaration of function 'ntohl'", "compile.arpa" },
	{ "implicit declaration of function 'inet_pton'", "compile.arpa" },
	{ "implicit declaration of function 'inet_addr'", "compile.arpa" },
	{ "implicit declaration of function 'inet_ntoa'", "compile.arpa" },
	{ "implicit declaration of function 'inet_ntop'", "compile.arpa" },
	{ "implicit declaration of function 'socket'", "compile.socket_h" },
	{ "implicit declaration of function 'bind'", "compile.socket_h" },
	{ "implicit declaration of function 'listen'", "compile.socket_h" },
	{ "implicit declaration of function 'accept'", "compile.socket_h" },
	{ "implicit declaration of function 'connect'", "compile.socket_h" },
	{ "implicit declaration of function 'send'", "compile.socket_h" },
	{ "implicit declaration of function 'recv'", "compile.socket_h" },
	{ "'AF_INET' undeclared", "compile.socket_h" },
	{ "'PF_INET' undeclared", "compile.socket_h" },
	{ "'SOCK_STREAM' undeclared", "compile.socket_h" },
	{ "'SOCK_DGRAM' undeclared", "compile.socket_h" },
	{ "'INADDR_ANY' undeclared", "compile.netinet" },
	{ "storage size of", "compile.netinet" },
	{ "has incomplete type", "compile.netinet" },
	{ "implicit declaration of function 'close'", "compile.unistd" },
	{ "implicit declaration of function 'read'", "compile.unistd" },
	{ "implicit declaration of function 'write'", "compile.unistd" },
	{ "implicit declaration of function 'fork'", "compile.unistd" },
	{ "implicit declaration of function 'memset'", "compile.string" },
	{ "implicit declaration of function 'strlen'", "compile.string" },
	{ "implicit declaration of function 'strcmp'", "compile.string" },
	{ "implicit declaration of function 'memcpy'", "compile.string" },
	{ "implicit declaration of function 'bzero'", "compile.string" },
	{ "implicit declaration of function 'printf'", "compile.stdio" },
	{ "implicit declaration of function 'perror'", "compile.stdio" },
	{ "implicit declaration of function 'fprintf'", "compile.stdio" },
	{ "'stderr' undeclared", "compile.stdio" },
	{ "implicit declaration of function 'exit'", "compile.stdlib" },
	{ "implicit declaration of function 'atoi'", "compile.stdlib" },
	{ "'EXIT_FAILURE' undeclared", "compile.stdlib" },
	{ "'errno' undeclared", "compile.errno" },
	{ "'EINTR' undeclared", "compile.errno" },
	{ "implicit declaration of function 'pthread_create'", "compile.pthread" },
	{ "undefined reference to `main'", "compile.no_main" },
	{ "multiple definition of `main'", "compile.extra_main" },
	{ "expected ';' before", "compile.semicolon" },
};

/* argv for cc: owned strings in a NULL-terminated array. */
static char **build_argv(const struct catalog *c, const struct exercise *ex,
			 const char *src, const char *out)
{
	size_t cap = 32, n = 0;
	char **argv = xcalloc(cap, sizeof *argv);
#define PUSH(s) do { if (n + 2 >= cap) { cap *= 2; argv = xrealloc(argv, cap * sizeof *argv); } \
		     argv[n++] = (s); } while (0)
	PUSH(xstrdup("cc"));
	PUSH(xstrdup("-std=gnu11"));
	PUSH(xstrdup("-Wall"));
	PUSH(xstrdup("-Wextra"));
	PUSH(xstrdup("-g"));
	PUSH(xstrdup("-fdiagnostics-color=never"));
	char *flags = xstrdup(ex->cflags);
	for (char *save = NULL, *t = strtok_r(flags, " \t", &save); t; t = strtok_r(NULL, " \t", &save))
		PUSH(xstrdup(t));
	free(flags);
	PUSH(xstrdup("-o"));
	PUSH(xstrdup(out));
	PUSH(xstrdup(src));
	if (ex->kind == KIND_FUNCTION)
		PUSH(xasprintf("%s/drivers/%s.o", c->libdir, ex->id));
	PUSH(xasprintf("%s/stub.o", c->libdir));
	struct sbuf w = { 0 };
	sbuf_adds(&w, "-Wl");
	for (size_t i = 0; i < sizeof wrapped / sizeof wrapped[0]; i++)
		sbuf_addf(&w, ",--wrap=%s", wrapped[i]);
	PUSH(sbuf_take(&w));
	PUSH(xstrdup("-lpthread"));
	argv[n] = NULL;
#undef PUSH
	return argv;
}

char *compile_command(const struct catalog *c, const struct exercise *ex,
		      const char *src, const char *out, int with_stub)
{
	char **argv = build_argv(c, ex, src, out);
	struct sbuf b = { 0 };
	for (char **a = argv; *a; a++) {
		sbuf_addf(&b, "%s%s", a == argv ? "" : " ", *a);
		if (!with_stub && !strcmp(*a, src))
			break;
	}
	for (char **a = argv; *a; a++)
		free(*a);
	free(argv);
	return sbuf_take(&b);
}

void compile_explain(const struct exercise *ex, struct compile_result *res)
{
	(void)ex;
	res->nhints = 0;
	for (size_t i = 0; i < sizeof patterns / sizeof patterns[0]; i++) {
		if (!strstr(res->output, patterns[i].needle))
			continue;
		int dup = 0;
		for (int k = 0; k < res->nhints; k++)
			dup |= !strcmp(res->hints[k], patterns[i].hint);
		if (!dup && res->nhints < COMPILE_MAX_HINTS)
			res->hints[res->nhints++] = patterns[i].hint;
	}
}

int compile_run(const struct catalog *c, const struct exercise *ex, const char *src,
		const char *out, struct compile_result *res)
{
	memset(res, 0, sizeof *res);
	long t0 = now_ms();
	char **argv = build_argv(c, ex, src, out);
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(pipefd[0]);
		close(pipefd[1]);
		errno = e;
		return -1;
	}
	if (pid == 0) {
		setpgid(0, 0);
		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		int devnull = open("/dev/null", O_RDONLY);
		if (devnull >= 0)
			dup2(devnull, 0);
		setenv("LC_ALL", "C", 1);
		execvp("cc", argv);
		_exit(127);
	}
	close(pipefd[1]);
	struct sbuf b = { 0 };
	char buf[4096];
	long deadline = now_ms() + 60000;
	for (;;) {
		struct pollfd pf = { .fd = pipefd[0], .events = POLLIN };
		long left = deadline - now_ms();
		if (left <= 0 || poll(&pf, 1, (int)left) == 0) {
			kill(-pid, SIGKILL);
			break;
		}
		ssize_t n = read(pipefd[0], buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (b.len < 65536)
			sbuf_add(&b, buf, (size_t)n);
	}
	close(pipefd[0]);
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	for (char **a = argv; *a; a++)
		free(*a);
	free(argv);
	res->output = sbuf_take(&b);
	res->ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 127 && !res->output[0]) {
		errno = ENOENT;
		return -1;
	}
	compile_explain(ex, res);
	res->ms = now_ms() - t0;
	return 0;
}

void compile_result_free(struct compile_result *res)
{
	free(res->output);
	res->output = NULL;
}
