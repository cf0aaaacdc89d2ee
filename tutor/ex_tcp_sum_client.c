/*
 * Checks of tcp-sum-client (SPEC §4, chapter 2): the client of the slide
 * "Envoi d'un message - exemple" (int message[500]; send(dS, message,
 * sizeof(message), 0)).  It reads 500 integers from stdin, sends them as
 * 2000 bytes in network order and prints the sum the server replies.
 *
 * The reference server accepts, reads until the client has sent everything
 * it will send before waiting (the stall detection says when), replies the
 * wrapping 32-bit sum of the 500 integers it received, in network order, and
 * waits for the client to close.  The integers are random (negatives, values
 * near INT32_MIN / INT32_MAX, always a negative sum that wrapped), so no
 * answer can be hard-coded and a missing htonl / ntohl or %u shows.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "exercises.h"
#include "peer.h"
#include "util.h"

#define COUNT 500
#define NBYTES (COUNT * 4)
#define RX_MAX (2 * NBYTES + 4)	/* enough to see 500 longs, and more */

/* One scenario's input: the values the program should send, and stdin. */
struct sum_input {
	int32_t v[COUNT];
	int32_t sum;			/* wrapping 32-bit sum of v */
	struct sbuf text;		/* what stdin holds */
};

struct sum_io {
	struct run *r;
	int port;
	int lfd, cfd;
	enum peer_io acc, rx;
	unsigned char got[RX_MAX];
	size_t ngot;
	int replied;
	int32_t reply;			/* the value the server replied */
	int early_out;			/* "somme : N" was printed before the reply */
	long long early_n;
	size_t extra;			/* bytes after the reply was sent */
	const char *stalled_in;		/* after the reply it waited in this call */
	unsigned char extra_data[16];
	int waited;			/* run_wait_exit's answer */
};

/*
 * run_start writes the program's stdin before anything else; a program that
 * exits without reading it would raise SIGPIPE in the grader itself.  Block
 * it in this check's thread (the write then fails with EPIPE; the signal
 * stays pending and dies with the thread; the child resets its mask).
 */
static void block_sigpipe(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
}

static uint32_t bswap32(uint32_t x)
{
	return (x >> 24) | ((x >> 8) & 0xff00) | ((x << 8) & 0xff0000) | (x << 24);
}

/* One random value: many near the limits, some small, the rest anywhere. */
static int32_t random_value(void)
{
	long k = peer_random(0, 99);
	if (k < 15)
		return (int32_t)(INT32_MAX - peer_random(0, 1000));
	if (k < 30)
		return (int32_t)(INT32_MIN + peer_random(0, 1000));
	if (k < 40)
		return (int32_t)peer_random(-1000, 1000);
	return (int32_t)peer_random(INT32_MIN, INT32_MAX);
}

/*
 * Draws 500 values whose wrapping sum is negative, differs from its byte
 * swap and from its top byte alone, and whose exact sum is outside 32 bits.
 */
static void random_values(struct sum_input *in)
{
	for (;;) {
		for (int i = 0; i < COUNT; i++)
			in->v[i] = random_value();
		in->v[peer_random(0, COUNT - 1)] = INT32_MIN;
		in->v[peer_random(0, COUNT - 1)] = INT32_MAX;
		long long exact = 0;
		uint32_t s = 0;
		for (int i = 0; i < COUNT; i++) {
			exact += in->v[i];
			s += (uint32_t)in->v[i];
		}
		in->sum = (int32_t)s;
		if (in->sum < 0 && bswap32(s) != s && (s & 0xffffff) != 0 &&
		    (exact > INT32_MAX || exact < INT32_MIN))
			return;
	}
}

/* Separators: spaces and tabs inside a line, lines of 1 to 12 numbers. */
static void add_values(struct sbuf *b, const int32_t *v, int n)
{
	static const char *const seps[] = { " ", " ", " ", "  ", "\t", " \t", "\t\t" };
	int left_on_line = (int)peer_random(1, 12);
	if (peer_random(0, 1))
		sbuf_adds(b, peer_random(0, 1) ? "  " : "\n");
	for (int i = 0; i < n; i++) {
		sbuf_addf(b, "%d", (int)v[i]);
		if (i == n - 1)
			break;
		if (--left_on_line == 0) {
			sbuf_adds(b, peer_random(0, 9) ? "\n" : (peer_random(0, 1) ? "\n\n" : " \n\t"));
			left_on_line = (int)peer_random(1, 12);
		} else {
			sbuf_adds(b, seps[peer_random(0, (long)(sizeof seps / sizeof seps[0]) - 1)]);
		}
	}
}

/* 500 random values on stdin, then a newline. */
static void input_plain(struct sum_input *in)
{
	memset(&in->text, 0, sizeof in->text);
	random_values(in);
	add_values(&in->text, in->v, COUNT);
	sbuf_adds(&in->text, "\n");
}

/* The network-order bytes of the values, as the server should get them. */
static void expected_bytes(const struct sum_input *in, unsigned char *out)
{
	for (int i = 0; i < COUNT; i++) {
		uint32_t be = htonl((uint32_t)in->v[i]);
		memcpy(out + 4 * i, &be, 4);
	}
}

/* Was the program's last send-like call short (the rest never sent)? */
static int last_send_short(struct run *r)
{
	int found = 0;
	pthread_mutex_lock(&r->mu);
	for (size_t i = r->nev; i-- > 0;) {
		const struct trace_ev *e = &r->ev[i];
		if (e->side == SIDE_PROGRAM && e->phase == 'X' && trace_is_send(e->call)) {
			found = e->ret >= 0 && e->ret < e->len;
			break;
		}
	}
	pthread_mutex_unlock(&r->mu);
	return found;
}

/*
 * Waits (r->mu held, at most WAIT_MS) until the collector has taken every
 * byte the program wrote so far on the pipe *fdp (stdout or trace): it
 * drains and parses under r->mu, so afterwards the run holds all of it.
 */
static void drained_locked(struct run *r, const int *fdp)
{
	long deadline = now_ms() + WAIT_MS;
	while (*fdp >= 0) {
		struct pollfd pf = { .fd = *fdp, .events = POLLIN };
		if (poll(&pf, 1, 0) <= 0 || !(pf.revents & (POLLIN | POLLHUP)) ||
		    run_wait_event_locked(r, deadline, 10) < 0)
			break;
	}
}

/* Makes sure r->out holds everything the program has printed so far. */
static void settle_stdout(struct run *r)
{
	pthread_mutex_lock(&r->mu);
	drained_locked(r, &r->out_fd);
	pthread_mutex_unlock(&r->mu);
}

/*
 * True when the program really waits: every trace line it wrote is parsed
 * and the run is stalled.  A program blocked writing its own trace line to
 * a full pipe sleeps in write(2) right after the 'E' line of a write() on
 * its socket: run_stalled_locked alone takes that for a stall.
 */
static int confirmed_stall(struct run *r)
{
	pthread_mutex_lock(&r->mu);
	drained_locked(r, &r->trace_fd);
	int st = run_stalled_locked(r);
	pthread_mutex_unlock(&r->mu);
	return st;
}

/*
 * Receives into buf until the program waits (a confirmed stall), closes,
 * ends, or cap bytes came.  *got counts the bytes.
 */
static enum peer_io recv_until_wait(struct run *r, int fd, unsigned char *buf, size_t cap,
				    size_t *got)
{
	long deadline = now_ms() + WAIT_MS;
	enum peer_io rx;
	*got = 0;
	for (;;) {
		size_t n = 0;
		long left = deadline - now_ms();
		rx = peer_recv(r, fd, buf + *got, cap - *got, &n, 0, left > 0 ? left : 0);
		*got += n;
		if (rx != PEER_STALL || *got == cap || confirmed_stall(r))
			return rx;
	}
}

/* Finds "somme : N" in the output: 1 and *n when there, 0 when not. */
static int parse_sum(const char *out, long long *n)
{
	return check_number_line(out, "somme : ", " \r", n);
}

/* Fills the program's arguments with 127.0.0.1 and port. */
static void set_args(struct check *c, struct spawn *s, int port)
{
	s->args[0] = "127.0.0.1";
	s->args[1] = check_str(c, "%d", port);
	s->args[2] = NULL;
}

/*
 * Plays the server: accept, read what the client sends before it waits,
 * reply the sum of the 500 integers received (reply_bytes of it; then close
 * at once when early_close), wait for the client to close and end.
 * Returns -1 when the scenario could not even start.
 */
static int sum_run(struct check *c, struct spawn *s, const struct sum_input *in,
		   struct sum_io *h, size_t reply_bytes, int early_close)
{
	memset(h, 0, sizeof *h);
	h->cfd = -1;
	h->lfd = check_listen_fresh(c, &h->port, 0, NULL);
	if (h->lfd < 0)
		return -1;
	set_args(c, s, h->port);
	s->input = in->text.buf;
	s->input_len = in->text.len;
	h->r = check_spawn(c, s);
	if (!h->r) {
		close(h->lfd);
		return -1;
	}
	h->acc = peer_accept(h->r, h->lfd, &h->cfd, WAIT_MS);
	if (h->acc == PEER_OK) {
		h->rx = recv_until_wait(h->r, h->cfd, h->got, sizeof h->got, &h->ngot);
		settle_stdout(h->r);
		char *out = check_stdout(h->r);
		h->early_out = parse_sum(out, &h->early_n);
		free(out);
		if (h->ngot >= NBYTES) {
			uint32_t s32 = 0;
			for (int i = 0; i < COUNT; i++) {
				uint32_t be;
				memcpy(&be, h->got + 4 * i, 4);
				s32 += ntohl(be);
			}
			h->reply = (int32_t)s32;
			uint32_t wire = htonl(s32);
			h->replied = 1;
			peer_send(h->r, h->cfd, &wire, reply_bytes, 0);
			if (!early_close &&
			    peer_wait_close(h->r, h->cfd, h->extra_data, sizeof h->extra_data,
					    &h->extra, WAIT_MS) == PEER_STALL) {
				h->stalled_in = run_blocked_call(h->r);
				if (!h->stalled_in)
					h->stalled_in = "?";
			}
		}
		/* Whatever happened, the client now sees the end of the stream. */
		peer_close(h->r, h->cfd);
		h->cfd = -1;
	}
	h->waited = h->acc == PEER_TIMEOUT ? -1 : run_wait_exit(h->r, WAIT_MS);
	peer_close(h->r, h->lfd);
	return 0;
}

/* Has the program tried to connect? */
static int made_connect(struct run *r)
{
	static const char *const connect_call[] = { "connect", NULL };
	return check_made_call(r, connect_call);
}

/* The client ended by itself with a non-zero status: it refused something. */
static int exited_failing(struct sum_io *h)
{
	return h->waited == 0 && h->r->end == RUN_EXITED && h->r->status != 0;
}

/*
 * Judges the 2000 bytes the server received.  Returns 0 when they are
 * right, -1 after failing the check with the reason.
 */
static int judge_data(struct check *c, struct sum_io *h, const struct sum_input *in)
{
	struct run *r = h->r;
	if (h->acc != PEER_OK) {
		if (check_connected_to(r, peer_swap_port(h->port))) {
			check_fail(c, r, "htons", check_str(c, "%d", peer_swap_port(h->port)),
				   check_str(c, "%d", h->port), NULL);
		} else if (h->waited != 0) {
			check_fail_stuck(c, r, run_blocked_call(r));
		} else if (!check_abnormal(c, r)) {
			if (exited_failing(h) && !made_connect(r))
				check_fail(c, r, "refused_input", check_str(c, "%d", r->status),
					   check_stderr_quote(c, r), NULL);
			else
				check_fail(c, r, "noconnect", check_stderr_quote(c, r), NULL);
		}
		return -1;
	}
	if (h->ngot < NBYTES) {
		const char *n = check_str(c, "%zu", h->ngot);
		if (last_send_short(r)) {
			check_fail(c, r, "shortsend", n, NULL);
		} else if (h->waited < 0) {
			check_fail_stuck(c, r, run_blocked_call(r));
		} else if (check_abnormal(c, r)) {
			/* crashed, spun or flooded: said */
		} else if (h->ngot == 0 && exited_failing(h)) {
			check_fail(c, r, "refused_input", check_str(c, "%d", r->status),
				   check_stderr_quote(c, r), NULL);
		} else if (h->ngot == sizeof(void *)) {
			check_fail(c, r, "pointer", n, NULL);
		} else if (h->ngot == COUNT) {
			check_fail(c, r, "count", NULL);
		} else {
			check_fail(c, r, "few_bytes", n, NULL);
		}
		return -1;
	}
	if (h->ngot > NBYTES) {
		if (h->ngot == 2 * NBYTES)
			check_fail(c, r, "long", NULL);
		else
			check_fail(c, r, "too_many", check_str(c, "%zu", h->ngot), NULL);
		return -1;
	}
	unsigned char want[NBYTES];
	expected_bytes(in, want);
	if (!memcmp(want, h->got, NBYTES))
		return 0;
	if (!memcmp(in->v, h->got, NBYTES)) {
		int32_t v0 = in->v[0], as_seen;
		memcpy(&as_seen, h->got, 4);
		as_seen = (int32_t)ntohl((uint32_t)as_seen);
		check_fail(c, r, "htonl", check_str(c, "%d", v0), check_str(c, "%d", as_seen), NULL);
	} else if (check_had_short(r, trace_is_send, 1)) {
		check_fail(c, r, "shortsend_data", NULL);
	} else {
		int i = 0;
		while (i < COUNT && !memcmp(want + 4 * i, h->got + 4 * i, 4))
			i++;
		uint32_t be;
		memcpy(&be, h->got + 4 * i, 4);
		check_fail(c, r, "data", check_str(c, "%d", i + 1),
			   check_str(c, "%d", (int32_t)ntohl(be)), check_str(c, "%d", in->v[i]), NULL);
	}
	return -1;
}

/* Judges the whole exchange; each clause that fails says why. */
static void sum_judge(struct check *c, struct sum_io *h, const struct sum_input *in)
{
	struct run *r = h->r;
	if (judge_data(c, h, in) < 0)
		return;
	if (h->early_out) {
		check_fail(c, r, "local", check_str(c, "%lld", h->early_n), NULL);
		return;
	}
	const char *call = h->stalled_in ? h->stalled_in : h->waited ? run_blocked_call(r) : NULL;
	if (call && (!strcmp(call, "recv") || !strcmp(call, "read"))) {
		check_fail(c, r, "wait_more", NULL);
		return;
	}
	if (h->stalled_in && strcmp(h->stalled_in, "?")) {
		check_fail(c, r, "run.blocked", h->stalled_in, NULL);
		return;
	}
	if (h->waited != 0) {
		check_fail_stuck(c, r, run_blocked_call(r));
		return;
	}
	if (check_abnormal(c, r))
		return;
	char *out = check_stdout(r);
	long long n;
	const char *want = check_str(c, "%d", in->sum);
	if (!parse_sum(out, &n)) {
		if (check_had_short(r, trace_is_recv, 1))
			check_fail(c, r, "shortrecv", NULL);
		else
			check_fail(c, r, "output", want, check_quote(c, out, strlen(out)), NULL);
	} else if (n != in->sum) {
		const char *got = check_str(c, "%lld", n);
		if (n == (int32_t)bswap32((uint32_t)in->sum))
			check_fail(c, r, "ntohl", got, want, NULL);
		else if (n == (long long)(uint32_t)in->sum)
			check_fail(c, r, "unsigned", got, want, NULL);
		else
			check_fail(c, r, "value", got, want, NULL);
	} else if (r->status != 0) {
		check_fail(c, r, "status", check_str(c, "%d", r->status), NULL);
	} else if (h->extra > 0) {
		check_fail(c, r, "extra", check_str(c, "%zu", h->extra),
			   check_quote(c, h->extra_data, h->extra < 16 ? h->extra : 16), NULL);
	}
	free(out);
}

/* One whole exchange with the given stub settings and input. */
static void exchange(struct check *c, struct spawn *s, struct sum_input *in)
{
	struct sum_io h;
	if (sum_run(c, s, in, &h, 4, 0) == 0)
		sum_judge(c, &h, in);
	sbuf_free(&in->text);
}

static void chk_usage(struct check *c)
{
	check_common_usage(c);
}

static void chk_sum(struct check *c)
{
	block_sigpipe();
	struct spawn s = { .args = { NULL } };
	struct sum_input in;
	input_plain(&in);
	exchange(c, &s, &in);
}

static void chk_short_send(struct check *c)
{
	block_sigpipe();
	struct spawn s = { .args = { NULL }, .cap_send = 3 };
	struct sum_input in;
	input_plain(&in);
	exchange(c, &s, &in);
}

static void chk_pieces(struct check *c)
{
	block_sigpipe();
	struct spawn s = { .args = { NULL }, .cap_recv = 1 };
	struct sum_input in;
	input_plain(&in);
	exchange(c, &s, &in);
}

/*
 * 500 integers, then more integers and words on the same line and after:
 * all ignored.
 */
static void chk_after(struct check *c)
{
	block_sigpipe();
	struct spawn s = { .args = { NULL } };
	struct sum_input in;
	input_plain(&in);
	in.text.len--;			/* the final newline */
	in.text.buf[in.text.len] = '\0';
	char word[8];
	peer_random_word(word, 5);
	sbuf_addf(&in.text, " %ld %ld %s 12x -7 %ld\n", peer_random(-99999, 99999),
		  peer_random(-99999, 99999), word, peer_random(1, 99999));
	int32_t more[30];
	for (int i = 0; i < 30; i++)
		more[i] = (int32_t)peer_random(-100000, 100000);
	add_values(&in.text, more, 30);
	sbuf_adds(&in.text, " fin");
	exchange(c, &s, &in);
}

/*
 * Runs the program with an input it must refuse: it must send nothing, say
 * something on stderr and exit with a non-zero status.  what1 and what2
 * (may be NULL) fill {1} and {2} of the messages; sent_key ("sent" when
 * NULL) gets the count of bytes after them.
 */
static void refuse_run(struct check *c, const struct sbuf *text, const char *what1,
		       const char *what2, const char *sent_key)
{
	if (!sent_key)
		sent_key = "sent";
	struct sum_io *h = xcalloc(1, sizeof *h);
	h->cfd = -1;
	h->lfd = check_listen_fresh(c, &h->port, 0, NULL);
	if (h->lfd < 0) {
		free(h);
		return;
	}
	struct spawn s = { .args = { NULL } };
	set_args(c, &s, h->port);
	s.input = text->buf;
	s.input_len = text->len;
	struct run *r = h->r = check_spawn(c, &s);
	if (!r)
		goto done;
	h->acc = peer_accept(r, h->lfd, &h->cfd, WAIT_MS);
	if (h->acc == PEER_OK)
		h->rx = recv_until_wait(r, h->cfd, h->got, sizeof h->got, &h->ngot);
	if (h->ngot > 0) {
		const char *n = check_str(c, "%zu", h->ngot);
		if (what2)
			check_fail(c, r, sent_key, what1, what2, n, NULL);
		else
			check_fail(c, r, sent_key, what1, n, NULL);
		goto done;
	}
	peer_close(r, h->cfd);
	h->cfd = -1;
	if (h->acc == PEER_TIMEOUT) {
		check_fail(c, r, "run.hang", NULL);
		goto done;
	}
	if (check_wait_exit(c, r) < 0 || check_abnormal(c, r))
		goto done;
	char *out = check_stdout(r);
	char *err = check_stderr(r);
	long long n;
	if (parse_sum(out, &n))
		check_fail(c, r, "printed", what1, what2, NULL);
	else if (r->status == 0)
		check_fail(c, r, "status0", what1, what2, NULL);
	else if (!*err)
		check_fail(c, r, "silent", what1, what2, NULL);
	free(out);
	free(err);
done:
	peer_close(r, h->cfd);
	if (r)
		peer_close(r, h->lfd);
	else
		close(h->lfd);
	free(h);
}

/* Fewer than 500 integers (499, then a random count): nothing is sent. */
static void chk_few(struct check *c)
{
	block_sigpipe();
	const long counts[2] = { COUNT - 1, peer_random(1, COUNT - 2) };
	for (int k = 0; k < 2 && !c->failed; k++) {
		struct sum_input in;
		input_plain(&in);
		sbuf_free(&in.text);
		add_values(&in.text, in.v, (int)counts[k]);
		sbuf_adds(&in.text, "\n");
		refuse_run(c, &in.text, check_str(c, "%ld", counts[k]), NULL, NULL);
		sbuf_free(&in.text);
	}
}

/*
 * An invalid token among the first 500: a word, then digits and letters,
 * both before the 500th; then digits and letters as the 500th token, after
 * 499 valid integers and before more of them.  A token is everything up to
 * the next white space: "12x" is not an integer, nor 12 followed by "x"
 * (scanf("%d") takes it for 12 without complaint; as the 500th it would be
 * the last one read).  With the first invalid token at position 500, only
 * 499 valid integers come before it: the input is refused like the others.
 */
static void chk_invalid(struct check *c)
{
	block_sigpipe();
	for (int k = 0; k < 3 && !c->failed; k++) {
		struct sum_input in;
		input_plain(&in);
		sbuf_free(&in.text);
		/* valid integers before it */
		int at = k < 2 ? (int)peer_random(1, COUNT - 2) : COUNT - 1;
		char word[8], token[16];
		peer_random_word(word, k < 2 ? 3 : (size_t)peer_random(1, 3));
		if (k == 0)
			snprintf(token, sizeof token, "%s", word);
		else
			snprintf(token, sizeof token, "%ld%s", peer_random(1, 999), word);
		add_values(&in.text, in.v, at);
		sbuf_addf(&in.text, " %s ", token);
		if (k < 2)
			add_values(&in.text, in.v + at, COUNT - at);
		else
			add_values(&in.text, in.v, (int)peer_random(1, 5));	/* never needed */
		sbuf_adds(&in.text, "\n");
		refuse_run(c, &in.text, check_str(c, "%s", token), check_str(c, "%d", at + 1),
			   k < 2 ? NULL : "sent_last");
		sbuf_free(&in.text);
	}
}

/* Did the program send or receive on a socket whose connect failed? */
static int used_after_failed_connect(struct run *r)
{
	int fd = -1, used = 0;
	pthread_mutex_lock(&r->mu);
	for (size_t i = 0; i < r->nev && !used; i++) {
		const struct trace_ev *e = &r->ev[i];
		if (e->side != SIDE_PROGRAM)
			continue;
		/* An 'enter' counts: SIGPIPE may kill it inside send. */
		if (!strcmp(e->call, "connect") && e->phase == 'X' && e->ret < 0)
			fd = e->fd;
		else if (fd >= 0 && e->fd == fd && (trace_is_send(e->call) || trace_is_recv(e->call)))
			used = 1;
	}
	pthread_mutex_unlock(&r->mu);
	return used;
}

static void chk_refused(struct check *c)
{
	block_sigpipe();
	int port = check_fresh_port(c);
	if (port < 0)
		return;
	struct sum_input in;
	input_plain(&in);
	struct spawn s = { .args = { NULL } };
	set_args(c, &s, port);
	s.input = in.text.buf;
	s.input_len = in.text.len;
	struct run *r = check_spawn(c, &s);
	sbuf_free(&in.text);
	if (!r || check_wait_exit(c, r) < 0)
		return;
	if (used_after_failed_connect(r)) {
		check_fail(c, r, "went_on", NULL);
		return;
	}
	if (check_abnormal(c, r))
		return;
	char *out = check_stdout(r);
	char *err = check_stderr(r);
	long long n;
	if (parse_sum(out, &n) || r->status == 0)
		check_fail(c, r, "went_on", NULL);
	else if (!made_connect(r))
		check_fail(c, r, "never", check_quote(c, err, strlen(err)), NULL);
	else if (!check_names_call(err, "connect"))
		check_fail(c, r, "unnamed", check_quote(c, err, strlen(err)), NULL);
	free(out);
	free(err);
}

/* The server replies 2 bytes of the sum, then closes. */
static void chk_early_close(struct check *c)
{
	block_sigpipe();
	struct spawn s = { .args = { NULL } };
	struct sum_input in;
	struct sum_io h;
	input_plain(&in);
	int ret = sum_run(c, &s, &in, &h, 2, 1);
	sbuf_free(&in.text);
	if (ret < 0)
		return;
	struct run *r = h.r;
	if (h.acc != PEER_OK || !h.replied) {
		check_fail(c, r, "needs_sum", NULL);
		return;
	}
	if (h.waited != 0) {
		check_fail_stuck(c, r, run_blocked_call(r));
		return;
	}
	if (!check_abnormal(c, r))
		check_judge_gave_up(c, r, "somme : ");
}

/* After the exchange the connected socket is closed with close/shutdown. */
static void chk_closes(struct check *c)
{
	block_sigpipe();
	struct spawn s = { .args = { NULL } };
	struct sum_input in;
	struct sum_io h;
	input_plain(&in);
	int ret = sum_run(c, &s, &in, &h, 4, 0);
	sbuf_free(&in.text);
	if (ret < 0)
		return;
	struct run *r = h.r;
	if (h.acc != PEER_OK || !h.replied || h.waited != 0 || h.stalled_in) {
		check_fail(c, r, "needs_sum", NULL);
		return;
	}
	if (check_abnormal(c, r))
		return;
	if (!check_closed_connection(r))
		check_fail(c, r, "noclose", NULL);
}

static void chk_errors(struct check *c)
{
	block_sigpipe();
	int port;
	int lfd = check_listen_fresh(c, &port, 0, NULL);
	if (lfd < 0)
		return;
	struct sum_input in;
	input_plain(&in);
	struct spawn s = { .args = { NULL } };
	set_args(c, &s, port);
	s.input = in.text.buf;
	s.input_len = in.text.len;
	check_common_fail_call(c, &s, "socket", "EMFILE");
	sbuf_free(&in.text);
	close(lfd);
}

/*
 * check_common_bad_port, with 500 valid integers on stdin: a client may
 * well read its input before it looks at PORT, and must not wait for it.
 */
static void chk_bad_port(struct check *c)
{
	block_sigpipe();
	static const char *const bad[] = { "abc", "70000", "80x" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0] && !c->failed; i++) {
		struct sum_input in;
		input_plain(&in);
		struct spawn s = { .args = { "127.0.0.1", bad[i], NULL } };
		s.input = in.text.buf;
		s.input_len = in.text.len;
		struct run *r = check_spawn(c, &s);
		sbuf_free(&in.text);
		if (!r)
			return;
		int w = run_wait_exit(r, WAIT_MS);
		if (made_connect(r) || w != 0) {
			check_fail(c, r, "badport.used", bad[i], NULL);
			run_kill(r);
			return;
		}
		check_usage_refused(c, r, check_str(c, "PORT = \"%s\"", bad[i]));
	}
}

const struct check_def ex_tcp_sum_client_checks[] = {
	{ "usage", chk_usage },
	{ "sum", chk_sum },
	{ "short-send", chk_short_send },
	{ "pieces", chk_pieces },
	{ "after", chk_after },
	{ "few", chk_few },
	{ "invalid", chk_invalid },
	{ "refused", chk_refused },
	{ "early-close", chk_early_close },
	{ "closes", chk_closes },
	{ "errors", chk_errors },
	{ "bad-port", chk_bad_port },
	{ NULL, NULL },
};
