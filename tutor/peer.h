/*
 * Reference peers: the servers and clients a check drives against the
 * learner's program, on loopback only.  Each call is bounded in time and
 * returns early when the program ends or can no longer make progress (it
 * waits in a call while no byte is in flight), so a wrong program costs no
 * more than a right one.  Every call is noted in the run's trace.
 */
#ifndef PRISE_PEER_H
#define PRISE_PEER_H

#include <stddef.h>

#include "run.h"

enum peer_io {
	PEER_OK,	/* done */
	PEER_CLOSED,	/* the program closed the connection (EOF) */
	PEER_STALL,	/* the program waits for something that will never come */
	PEER_ENDED,	/* the program ended (and the socket gave no more data) */
	PEER_TIMEOUT,	/* the bound ran out */
	PEER_ERROR,	/* a socket error, e.g. reset (errno set) */
};

/* A TCP listener on 127.0.0.1:port (0.0.0.0 when any is set).  fd or -1. */
int peer_listen(int port, int any);

/*
 * A socket of type (SOCK_STREAM, SOCK_DGRAM, with socket()'s flags if any)
 * bound to 127.0.0.1:port (0.0.0.0 when any is set) without SO_REUSEADDR,
 * and not listening: while it is held nobody else can bind the port, and a
 * TCP connection there is refused.  Returns the fd, or -1 with errno set.
 */
int peer_reserve(int port, int type, int any);

/* The port a program without htons() (or ntohs()) uses instead of port. */
int peer_swap_port(int port);

/* Accepts one client of lfd, waiting for the program as the others do. */
enum peer_io peer_accept(struct run *r, int lfd, int *fd, long ms);

/*
 * Connects to 127.0.0.1:port.  The program's listen must have returned
 * (wait for it first).  Returns the fd or -1 with errno.
 */
int peer_connect(struct run *r, int port);

/* Sends len bytes in pieces of at most `piece` bytes (0: all at once). */
enum peer_io peer_send(struct run *r, int fd, const void *buf, size_t len, size_t piece);

/*
 * Receives until `want` bytes have come (or, with stop_nul, a NUL byte), the
 * peer closed, or the program stalled / ended.  *got counts bytes received.
 */
enum peer_io peer_recv(struct run *r, int fd, void *buf, size_t want, size_t *got,
		       int stop_nul, long ms);

/*
 * Waits for the program to close the connection; bytes that still come are
 * stored in buf (up to cap) and counted in *extra.  PEER_CLOSED on EOF.
 */
enum peer_io peer_wait_close(struct run *r, int fd, void *buf, size_t cap,
			     size_t *extra, long ms);

/* A UDP socket bound on 127.0.0.1:port (0: any free port), or -1. */
int peer_udp(int port);

/* The local port of a socket, or -1. */
int peer_port_of(int fd);

/* Sends one datagram to 127.0.0.1:port. */
enum peer_io peer_sendto(struct run *r, int fd, const void *buf, size_t len, int port);

/* Sends one datagram to ip:port (a loopback address such as 127.0.0.2). */
enum peer_io peer_sendto_ip(struct run *r, int fd, const void *buf, size_t len, const char *ip,
			    int port);

/*
 * Receives one datagram (at most cap bytes kept, *got its length), with the
 * sender's port in *from_port (may be NULL).  Returns early, as the others
 * do, when the program ends or stalls.
 */
enum peer_io peer_recvfrom(struct run *r, int fd, void *buf, size_t cap, size_t *got,
			   int *from_port, long ms);

/*
 * A UDP peer socket on 127.0.0.1 at a port the system picks, whose two bytes
 * differ (a reply to the byte-swapped port shows), with IP_RECVERR: an ICMP
 * "port unreachable" for one of its datagrams makes the next receive fail
 * with ECONNREFUSED, so a datagram no socket took is known at once.
 * Returns the fd or -1.
 */
int peer_udp_recverr(void);

/* What peer_wait_reply saw. */
enum peer_reply {
	PEER_REPLY_OK,		/* a datagram came to the peer socket */
	PEER_REPLY_DEST,	/* the program sent a datagram elsewhere (or its send failed) */
	PEER_REPLY_NONE,	/* it received a datagram and waits again without replying */
	PEER_REPLY_REFUSED,	/* the peer's datagram reached no socket (ICMP) */
	PEER_REPLY_ENDED,	/* the program ended without sending to the peer */
	PEER_REPLY_STALL,	/* it waits in a call, nothing in flight */
	PEER_REPLY_TIMEOUT,
};

/* Where the program sent a datagram that was for no peer waiting. */
struct peer_dest {
	char call[16];
	char addr[64];		/* "ip:port", "" when unknown */
	long ret;
	int err;
};

/*
 * The program's trace as one peer socket reads it while it waits for its
 * reply.  Zero it, then set scan (r->nev) and t0 (now_us()) just before the
 * peer sends the datagram that asks for the reply.
 */
struct peer_waiter {
	size_t scan;		/* next trace event to look at */
	long t0;		/* events of the program before this time are older */
	int unanswered;		/* datagrams the program received, not answered yet */
	int to_peer;		/* datagrams the trace shows sent to the waiting port */
	int got;		/* datagrams received on the waiting socket */
	long noreply_tid;	/* thread that may wait again without replying, or 0 */
};

/*
 * Reads the program's trace events after w->scan.  ports[0..nports) are the
 * peer ports (on 127.0.0.1) a datagram may go to; myport is the one of the
 * socket waiting.  Returns 1 (and fills *bad) when a send went elsewhere or
 * failed, else 0.  Call with r->mu held.
 */
int peer_reply_scan_locked(struct run *r, struct peer_waiter *w, const int *ports, int nports,
			   int myport, struct peer_dest *bad);

/*
 * Waits at most ms for one datagram on the peer socket fd (port myport, made
 * by peer_udp_recverr), reading the trace as it comes: a reply sent
 * elsewhere is seen at its send (PEER_REPLY_DEST), a program that went back
 * to a receive without replying is seen asleep there, as the kernel confirms
 * (PEER_REPLY_NONE); nothing is decided from a pause.  The datagram goes to
 * buf (cap bytes kept, *got its whole length).
 */
enum peer_reply peer_wait_reply(struct run *r, int fd, int myport, const int *ports, int nports,
				struct peer_waiter *w, void *buf, size_t cap, size_t *got,
				struct peer_dest *bad, long ms);

/* Closes a peer socket and notes it. */
void peer_close(struct run *r, int fd);

/* An int in [lo, hi] from a per-thread generator seeded once per process. */
long peer_random(long lo, long hi);

/* A random lowercase word of n letters into buf (NUL-terminated). */
void peer_random_word(char *buf, size_t n);

#endif
