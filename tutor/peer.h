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

/*
 * Receives one datagram (at most cap bytes kept, *got its length), with the
 * sender's port in *from_port (may be NULL).  Returns early, as the others
 * do, when the program ends or stalls.
 */
enum peer_io peer_recvfrom(struct run *r, int fd, void *buf, size_t cap, size_t *got,
			   int *from_port, long ms);

/* Closes a peer socket and notes it. */
void peer_close(struct run *r, int fd);

/* An int in [lo, hi] from a per-thread generator seeded once per process. */
long peer_random(long lo, long hi);

/* A random lowercase word of n letters into buf (NUL-terminated). */
void peer_random_word(char *buf, size_t n);

#endif
