/*
 * Trace records: one line per socket call, written by the stub socket layer
 * in the learner's program, or noted by a reference peer.  This module parses
 * those lines into events and renders events as JSON; it knows nothing of how
 * a program is run.
 */
#ifndef PRISE_TRACE_H
#define PRISE_TRACE_H

#include <stddef.h>

#include "json.h"

#define TRACE_DATA_MAX 64

enum trace_side { SIDE_PROGRAM, SIDE_PEER };

struct trace_ev {
	char phase;		/* 'E' entering a call that may block, 'X' returned, 'R' driver result */
	int side;		/* enum trace_side */
	long pid;
	long tid;
	long t_us;		/* CLOCK_MONOTONIC microseconds */
	char call[16];
	int fd;
	long ret;
	int err;
	long len;		/* bytes asked for, -1 when not applicable */
	long arg;		/* listen backlog, shutdown how, poll count...; -1 if none */
	char addr[64];		/* "ip:port" for bind/connect/accept/sendto/recvfrom/getsockname */
	int timed;		/* 'E' of select/poll with a time-out: it returns by itself */
	char inj[8];		/* "cap", "eintr", "fail", "guard" or "" */
	unsigned char data[TRACE_DATA_MAX];
	int datalen;
	char *text;		/* for 'R': the driver's result line (owned) */
};

/*
 * Parses one line (without its newline) into *ev.  Returns 0, or -1 when the
 * line is not a trace record (ev is then left cleared).
 */
int trace_parse(const char *line, struct trace_ev *ev);
void trace_ev_free(struct trace_ev *ev);

/* Splits "a.b.c.d:port" into ip text and port; returns 0 or -1. */
int trace_addr_split(const char *addr, char *ip, size_t iplen, int *port);

/* True for a send-like call that moves bytes out (send, write, sendto). */
int trace_is_send(const char *call);
/* True for a receive-like call (recv, read, recvfrom). */
int trace_is_recv(const char *call);

/* Appends one event as a JSON object. */
void trace_ev_json(struct json *j, const struct trace_ev *ev);

#endif
