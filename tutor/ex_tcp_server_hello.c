/*
 * Checks of tcp-server-hello (SPEC §4, chapter 2): the slides' TCP server.
 * The reference client waits for the program's listen(), connects to
 * 127.0.0.1:PORT, sends a random word of fixed length with its NUL (never
 * "Bonjour", so a hard-coded print shows), reads the 4 bytes of the reply
 * and waits for the server to close; when the server waits for the client
 * to close first, the client closes.
 *
 * Short receives and sends are forced with the stub's byte caps, never with
 * pauses.  A check that cannot even connect says why, from the trace's bind
 * address (a missing htons shows as the byte-swapped port).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "exercises.h"
#include "peer.h"
#include "util.h"

#define MSG_MAX 20		/* bytes the server accepts, NUL included */

enum mode {
	MODE_HELLO,		/* the word and its NUL, then the reply */
	MODE_EARLY,		/* a few letters, no NUL, then the client closes */
	MODE_LONG,		/* MSG_MAX letters and no NUL, the client stays */
};

struct xchg {
	struct run *r;
	int port;
	char word[MSG_MAX + 8];	/* the letters the client sends */
	size_t nsend;		/* bytes sent (with the NUL in MODE_HELLO) */
	long listen_ev;		/* index of the program's listen, or -1 */
	long listen_ret;
	int cfd;		/* the client's socket, -1 when it could not connect */
	int conn_err;
	enum peer_io rx, cl;
	unsigned char got[4];	/* the reply */
	size_t ngot;
	unsigned char extra_data[16];
	size_t extra;		/* bytes after the reply */
	char stuck[16];		/* where the program waited when the client gave up */
	long stuck_recv;	/* bytes the program had received by then */
	int waited;		/* run_wait_exit's answer at the end */
};

/* Notes where the program waits, if it waits in a call. */
static void note_stuck(struct xchg *x)
{
	const char *call = run_blocked_call(x->r);
	snprintf(x->stuck, sizeof x->stuck, "%s", call ? call : "");
	pthread_mutex_lock(&x->r->mu);
	x->stuck_recv = x->r->prog_recv;
	pthread_mutex_unlock(&x->r->mu);
}

/*
 * How the program ended its side of the client's connection, as the trace
 * says: 'c' close, 's' shutdown, 0 not yet.  Call with r->mu held.
 */
static char client_end_locked(struct run *r)
{
	int fd = -1;
	for (size_t i = 0; i < r->nev; i++) {
		const struct trace_ev *e = &r->ev[i];
		if (e->side != SIDE_PROGRAM || e->phase != 'X')
			continue;
		if (fd < 0 && e->ret >= 0 && (!strcmp(e->call, "accept") || !strcmp(e->call, "accept4")))
			fd = (int)e->ret;
		else if (fd >= 0 && e->fd == fd && e->ret == 0 && !strcmp(e->call, "close"))
			return 'c';
		else if (fd >= 0 && e->fd == fd && e->ret == 0 && !strcmp(e->call, "shutdown"))
			return 's';
	}
	return 0;
}

/*
 * After the client read an end of file: waits (bounded) until the trace
 * shows the close or shutdown that sent it, since trace lines may come a
 * little after the data.  Returns 1 when the program closed the socket.
 */
static int program_closed_client(struct run *r)
{
	long deadline = now_ms() + WAIT_MS;
	char how;
	pthread_mutex_lock(&r->mu);
	while (!(how = client_end_locked(r)) && r->end == RUN_RUNNING && !r->collector_done &&
	       run_wait_event_locked(r, deadline, 0) == 0)
		;
	pthread_mutex_unlock(&r->mu);
	return how == 'c';
}

/*
 * Closes the client's socket.  When the program has already closed its end
 * (we read its end of file and the trace shows its close), it will never
 * read ours, so the close is noted as one it need not wait for: otherwise
 * the stall detection would wait in vain for the program to read that EOF.
 */
static void client_close(struct xchg *x, int got_eof)
{
	if (x->cfd < 0)
		return;
	if (got_eof && program_closed_client(x->r)) {
		int ret = close(x->cfd);
		run_note(x->r, "close", x->cfd, ret, 0, NULL, 0, NULL);
	} else {
		peer_close(x->r, x->cfd);
	}
}

/*
 * Starts the program on a fresh port and plays the client: waits for
 * listen, connects, then sends x->word as the mode says.  piece > 0 sends
 * it in pieces of that many bytes.  Returns -1 when the check failed for
 * want of a port or a run.
 */
static int xchg_run(struct check *c, struct spawn *s, struct xchg *x, enum mode mode,
		    size_t piece)
{
	x->cfd = -1;
	x->listen_ev = -1;
	x->port = check_fresh_port(c);
	if (x->port < 0)
		return -1;
	s->args[0] = check_str(c, "%d", x->port);
	s->args[1] = NULL;
	x->r = check_spawn(c, s);
	if (!x->r)
		return -1;
	struct run *r = x->r;
	size_t from = 0;
	x->listen_ev = run_wait_call(r, "listen", &from, WAIT_MS);
	if (x->listen_ev < 0)
		return 0;
	pthread_mutex_lock(&r->mu);
	x->listen_ret = r->ev[x->listen_ev].ret;
	pthread_mutex_unlock(&r->mu);
	if (x->listen_ret < 0)
		return 0;
	x->cfd = peer_connect(r, x->port);
	if (x->cfd < 0) {
		x->conn_err = errno;
		return 0;
	}
	peer_send(r, x->cfd, x->word, x->nsend, piece);
	if (mode == MODE_HELLO) {
		x->rx = peer_recv(r, x->cfd, x->got, sizeof x->got, &x->ngot, 0, WAIT_MS);
		if (x->rx == PEER_STALL || x->rx == PEER_TIMEOUT)
			note_stuck(x);
		else if (x->rx == PEER_OK)
			x->cl = peer_wait_close(r, x->cfd, x->extra_data, sizeof x->extra_data,
						&x->extra, WAIT_MS);
	} else if (mode == MODE_LONG) {
		x->cl = peer_wait_close(r, x->cfd, NULL, 0, &x->extra, WAIT_MS);
		if (x->cl == PEER_STALL || x->cl == PEER_TIMEOUT)
			note_stuck(x);
	}
	client_close(x, x->rx == PEER_CLOSED || x->cl == PEER_CLOSED);
	x->waited = run_wait_exit(r, WAIT_MS);
	return 0;
}

/* Fills x->word with n random letters; with_nul counts the NUL as sent. */
static void xchg_word(struct xchg *x, size_t n, int with_nul)
{
	memset(x, 0, sizeof *x);
	peer_random_word(x->word, n);
	x->nsend = n + (with_nul ? 1 : 0);
}

/* The port of the program's last bind() (the successful one if any), or -1. */
static int bound_port(struct run *r)
{
	int port = -1, ok = 0;
	pthread_mutex_lock(&r->mu);
	for (size_t i = 0; i < r->nev; i++) {
		const struct trace_ev *e = &r->ev[i];
		char ip[64];
		int p;
		if (e->side != SIDE_PROGRAM || e->phase != 'X' || strcmp(e->call, "bind") ||
		    trace_addr_split(e->addr, ip, sizeof ip, &p) < 0)
			continue;
		if (e->ret == 0 || !ok) {
			port = p;
			ok = e->ret == 0;
		}
	}
	pthread_mutex_unlock(&r->mu);
	return port;
}

/*
 * Did the client reach the server?  Fails the check with the reason (no
 * listen, the byte-swapped port of a missing htons...) and returns -1 if not.
 */
static int judge_reach(struct check *c, struct xchg *x)
{
	struct run *r = x->r;
	if (x->listen_ev < 0) {
		check_fail_no_call(c, r, "nolisten");
		return -1;
	}
	if (x->listen_ret < 0) {
		check_fail(c, r, "listen_failed", check_stderr_quote(c, r), NULL);
		return -1;
	}
	if (x->cfd >= 0)
		return 0;
	int bound = bound_port(r);
	if (bound >= 0 && bound == peer_swap_port(x->port))
		check_fail(c, r, "htons", check_str(c, "%d", bound), check_str(c, "%d", x->port),
			   NULL);
	else if (bound >= 0 && bound != x->port)
		check_fail(c, r, "port", check_str(c, "%d", bound), check_str(c, "%d", x->port),
			   NULL);
	else if (bound < 0)
		check_fail(c, r, "nobind", check_str(c, "%d", x->port), NULL);
	else
		check_fail(c, r, "noconnect", check_str(c, "%d", x->port),
			   check_str(c, "%s", strerror(x->conn_err)), NULL);
	return -1;
}

static int is_call(const char *call, const char *a, const char *b)
{
	return !strcmp(call, a) || (b && !strcmp(call, b));
}

/* The line "recu : <word>" must be on stdout.  pieces: the word came in pieces. */
static void judge_string(struct check *c, struct xchg *x, int pieces)
{
	struct run *r = x->r;
	size_t outlen, n;
	char *out = check_stdout_bytes(r, &outlen);
	const char *rest;
	size_t wlen = strlen(x->word);
	const char *word = x->word;
	if (!check_find_line(out, outlen, "recu : ", &rest, &n)) {
		if (x->stuck[0] && is_call(x->stuck, "recv", "read") && x->stuck_recv >= (long)x->nsend)
			check_fail(c, r, "wait_more", check_str(c, "%zu", x->nsend), NULL);
		else if (x->stuck[0])
			check_fail(c, r, "run.blocked", x->stuck, NULL);
		else if (check_abnormal(c, r))
			;
		else if (!outlen)
			check_fail(c, r, "noprint", check_str(c, "%d", r->status),
				   check_stderr_quote(c, r), NULL);
		else
			check_fail(c, r, "output", word, check_quote(c, out, outlen), NULL);
		free(out);
		return;
	}
	size_t k = 0;
	while (k < n && k < wlen && rest[k] == word[k])
		k++;
	if (n == wlen && k == wlen) {
		free(out);
		return;
	}
	const char *shown = check_quote(c, rest, n);
	if (n == 7 && !memcmp(rest, "Bonjour", 7))
		check_fail(c, r, "hardcoded", word, NULL);
	else if (pieces && n > 0 && n < wlen && k < n && memmem(word, wlen, rest, n))
		check_fail(c, r, "overwrite", shown, word, NULL);
	else if (pieces && k > 0 && k < wlen)
		check_fail(c, r, "partial", shown, word, check_str(c, "%zu", k), NULL);
	else if (k == wlen)
		check_fail(c, r, "garbage", shown, word, NULL);
	else
		check_fail(c, r, "wrong_string", shown, word, NULL);
	free(out);
}

/*
 * The client must have received the 4 bytes of the int 10 in host order.
 * strict: also the byte order, and nothing after the int.
 */
static void judge_reply(struct check *c, struct xchg *x, int strict)
{
	struct run *r = x->r;
	int ten = 10;
	uint32_t ten_net = htonl(10);
	if (x->ngot == 4) {
		int v;
		memcpy(&v, x->got, sizeof v);
		if (!memcmp(x->got, &ten, 4)) {
			if (strict && x->extra > 0)
				check_fail(c, r, "extra", check_str(c, "%zu", x->extra),
					   check_quote(c, x->extra_data,
						       x->extra < sizeof x->extra_data ?
						       x->extra : sizeof x->extra_data), NULL);
		} else if (!memcmp(x->got, &ten_net, 4)) {
			if (strict)
				check_fail(c, r, "byteorder", check_str(c, "%d", v), NULL);
		} else if (!strict && check_had_short(r, trace_is_send, 0)) {
			check_fail(c, r, "garbled", check_quote(c, x->got, 4), NULL);
		} else {
			check_fail(c, r, "value", check_str(c, "%d", v), check_quote(c, x->got, 4),
				   NULL);
		}
		return;
	}
	if (x->ngot > 0 && check_had_short(r, trace_is_send, 0))
		check_fail(c, r, "shortsend", check_str(c, "%zu", x->ngot), NULL);
	else if (x->stuck[0] && is_call(x->stuck, "recv", "read") && x->stuck_recv >= (long)x->nsend)
		check_fail(c, r, "wait_more", check_str(c, "%zu", x->nsend), NULL);
	else if (x->stuck[0])
		check_fail(c, r, "noreply_blocked", x->stuck, NULL);
	else if (check_abnormal(c, r))
		;
	else if (x->ngot == 0)
		check_fail(c, r, "noreply", check_stderr_quote(c, r), NULL);
	else
		check_fail(c, r, "short", check_str(c, "%zu", x->ngot), NULL);
}

/* After the exchange the program must end, with status 0. */
static void judge_end(struct check *c, struct xchg *x)
{
	struct run *r = x->r;
	if (x->waited != 0) {
		const char *call = run_blocked_call(r);
		if (call && is_call(call, "accept", "accept4"))
			check_fail(c, r, "one_client", NULL);
		else if (call)
			check_fail(c, r, "run.blocked", call, NULL);
		else
			check_fail(c, r, "run.hang", NULL);
		run_kill(r);
		return;
	}
	if (check_abnormal(c, r))
		return;
	if (r->status != 0)
		check_fail(c, r, "status", check_str(c, "%d", r->status), check_stderr_quote(c, r), NULL);
}

/*
 * The string never completed (MODE_EARLY, MODE_LONG): the program must
 * print no "recu" line, say something on stderr and exit non-zero.
 */
static void judge_refusal(struct check *c, struct xchg *x)
{
	struct run *r = x->r;
	if (x->stuck[0] && is_call(x->stuck, "recv", "read")) {
		check_fail(c, r, "waits", NULL);
		return;
	}
	size_t outlen, n;
	const char *line;
	char *out = check_stdout_bytes(r, &outlen);
	int printed = check_find_line(out, outlen, "recu : ", &line, &n) ||
		      memmem(out, outlen, x->word, strlen(x->word)) != NULL;
	if (printed) {
		check_fail(c, r, "printed", check_quote(c, out, outlen), NULL);
		free(out);
		return;
	}
	free(out);
	if (x->waited != 0) {
		const char *call = run_blocked_call(r);
		if (call && is_call(call, "accept", "accept4"))
			check_fail(c, r, "accept", NULL);
		else if (call)
			check_fail(c, r, "run.blocked", call, NULL);
		else
			check_fail(c, r, "run.hang", NULL);
		run_kill(r);
		return;
	}
	if (check_abnormal(c, r))
		return;
	char *err = check_stderr(r);
	if (r->status == 0)
		check_fail(c, r, "status0", NULL);
	else if (!*err)
		check_fail(c, r, "silent", NULL);
	free(err);
}

static void chk_usage(struct check *c)
{
	check_common_usage(c);
}

static void chk_hello(struct check *c)
{
	struct spawn s = { .args = { NULL } };
	struct xchg x;
	xchg_word(&x, 7, 1);
	if (xchg_run(c, &s, &x, MODE_HELLO, 0) < 0 || judge_reach(c, &x) < 0)
		return;
	judge_string(c, &x, 0);
	judge_reply(c, &x, 1);
	judge_end(c, &x);
}

static void chk_longest(struct check *c)
{
	struct spawn s = { .args = { NULL } };
	struct xchg x;
	xchg_word(&x, MSG_MAX - 1, 1);
	if (xchg_run(c, &s, &x, MODE_HELLO, 0) < 0 || judge_reach(c, &x) < 0)
		return;
	judge_string(c, &x, 0);
}

static void chk_pieces(struct check *c)
{
	struct spawn s = { .args = { NULL }, .cap_recv = (int)peer_random(1, 3) };
	struct xchg x;
	xchg_word(&x, 12, 1);
	if (xchg_run(c, &s, &x, MODE_HELLO, (size_t)peer_random(1, 3)) < 0 ||
	    judge_reach(c, &x) < 0)
		return;
	judge_string(c, &x, 1);
}

static void chk_short_send(struct check *c)
{
	struct spawn s = { .args = { NULL }, .cap_send = 1 };
	struct xchg x;
	xchg_word(&x, 7, 1);
	if (xchg_run(c, &s, &x, MODE_HELLO, 0) < 0 || judge_reach(c, &x) < 0)
		return;
	judge_reply(c, &x, 0);
}

/* True if the program closed descriptor fd (with close) after event `after`. */
static int closed_after(struct run *r, int fd, size_t after)
{
	int found = 0;
	for (size_t i = after; i < r->nev && !found; i++) {
		const struct trace_ev *e = &r->ev[i];
		if (e->side == SIDE_PROGRAM && e->phase == 'X' && e->fd == fd && e->ret == 0 &&
		    !strcmp(e->call, "close"))
			found = 1;
	}
	return found;
}

static void chk_closes(struct check *c)
{
	struct spawn s = { .args = { NULL } };
	struct xchg x;
	xchg_word(&x, 7, 1);
	if (xchg_run(c, &s, &x, MODE_HELLO, 0) < 0 || judge_reach(c, &x) < 0)
		return;
	struct run *r = x.r;
	if (x.ngot != 4) {
		check_fail(c, r, "needs_hello", NULL);
		return;
	}
	int client_closed = 0, listen_closed = 0, accepted = 0;
	pthread_mutex_lock(&r->mu);
	const struct trace_ev *l = &r->ev[x.listen_ev];
	listen_closed = closed_after(r, l->fd, (size_t)x.listen_ev);
	for (size_t i = 0; i < r->nev && !accepted; i++) {
		const struct trace_ev *e = &r->ev[i];
		if (e->side == SIDE_PROGRAM && e->phase == 'X' && e->ret >= 0 &&
		    is_call(e->call, "accept", "accept4")) {
			accepted = 1;
			client_closed = closed_after(r, (int)e->ret, i);
		}
	}
	pthread_mutex_unlock(&r->mu);
	if (!client_closed)
		check_fail(c, r, "noclose_client", NULL);
	else if (!listen_closed)
		check_fail(c, r, "noclose_listen", NULL);
}

static void chk_early_close(struct check *c)
{
	struct spawn s = { .args = { NULL } };
	struct xchg x;
	xchg_word(&x, 6, 0);
	if (xchg_run(c, &s, &x, MODE_EARLY, 0) < 0 || judge_reach(c, &x) < 0)
		return;
	judge_refusal(c, &x);
}

static void chk_too_long(struct check *c)
{
	struct spawn s = { .args = { NULL } };
	struct xchg x;
	xchg_word(&x, MSG_MAX, 0);
	if (xchg_run(c, &s, &x, MODE_LONG, 0) < 0 || judge_reach(c, &x) < 0)
		return;
	judge_refusal(c, &x);
}

static void chk_errors(struct check *c)
{
	check_common_fail_port(c, "socket", "EMFILE");
	if (!c->failed)
		check_common_fail_port(c, "listen", "EADDRINUSE");
}

static void chk_busy_port(struct check *c)
{
	check_common_fail_port(c, "bind", "EADDRINUSE");
}

static void chk_bad_port(struct check *c)
{
	check_common_bad_port(c, 0, 1, NULL);
}

const struct check_def ex_tcp_server_hello_checks[] = {
	{ "usage", chk_usage },
	{ "hello", chk_hello },
	{ "longest", chk_longest },
	{ "pieces", chk_pieces },
	{ "short-send", chk_short_send },
	{ "closes", chk_closes },
	{ "early-close", chk_early_close },
	{ "too-long", chk_too_long },
	{ "errors", chk_errors },
	{ "busy-port", chk_busy_port },
	{ "bad-port", chk_bad_port },
	{ NULL, NULL },
};
