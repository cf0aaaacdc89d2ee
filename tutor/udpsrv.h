/*
 * The reference UDP server of udp-sender and udp-retry, and the judging of
 * a client run against it.  The server, a UDP socket on 127.0.0.1, expects
 * datagrams of the 8 bytes "Bonjour\0" and answers each as its policy says:
 * a random int in host order, never, late, twice, with a wrong size, or
 * after strangers (another port, another address) have sent ints too; or
 * nobody listens there and a datagram draws an ICMP refusal.  The byte-
 * swapped port is held too, so that a program without htons() shows.  The
 * program's sends are read from its trace, and so are its waits: the
 * exercise says how many datagrams it may send and how long each wait must
 * last (struct udpsrv_rules).  Nothing here knows the exercise's texts:
 * failures are message keys of the exercise or common ones.
 */
#ifndef PRISE_UDPSRV_H
#define PRISE_UDPSRV_H

#include <stddef.h>

#include "check.h"

/* How the program must wait for its reply. */
struct udpsrv_rules {
	int max_dgrams;		/* datagrams in all */
	long wait_min_ms;	/* each wait: from the send's 'E' record */
	long wait_max_ms;	/* each wait: from the send's 'X' record */
};

enum udpsrv_policy {
	UDPSRV_ANSWER,		/* answer every greeting from the (skip+1)th on */
	UDPSRV_NEVER,		/* never answer */
	UDPSRV_LATE,		/* answer the 1st greeting once the 2nd has come */
	UDPSRV_DUP,		/* answer each greeting twice */
	UDPSRV_SIZE,		/* answer with reply_len bytes (2: twice) */
	UDPSRV_STRANGER,	/* two strangers send an int, then the server answers */
	UDPSRV_STRANGER_WAIT,	/* never answer; a stranger sends an int every stranger_ms */
};

#define UDPSRV_MAX_DGRAMS 16

struct udpsrv_dgram {
	unsigned char data[32];
	size_t len;
	int port;		/* the sender's port */
};

/* One scenario: zero it, set the first fields, then udpsrv_run(). */
struct udpsrv_scen {
	/* Set by the check. */
	enum udpsrv_policy pol;
	int skip;
	size_t reply_len;
	long stranger_ms;
	int refused;		/* nobody on the port: a datagram draws an ICMP refusal */
	const char *fail;	/* stub failure injection */
	/* Filled by udpsrv_run. */
	struct run *r;
	int port;
	int reply;		/* the int the server answers */
	int strange[2];		/* the ints the strangers send */
	int strange_port;	/* the first stranger's port */
	struct udpsrv_dgram d[UDPSRV_MAX_DGRAMS];
	int nd;			/* datagrams the server received */
	int swapped;		/* datagrams that came to the byte-swapped port */
	int replied;		/* the server has answered (a valid reply) */
	int bad_sent;		/* the server has answered with the wrong size */
	int ended;		/* the program ended by itself in time */
	long end_us;		/* when we saw it end */
	int stalled;		/* it waited for something that would never come */
	char blocked[16];	/* the call it was in when we stopped waiting, or "" */
	int blocked_timed;	/* that call returns by itself */
};

/*
 * Runs the program as "prog 127.0.0.1 PORT" against the server of s->pol
 * until it ends, stalls where nothing can be waited for, sends more than
 * ru->max_dgrams datagrams or overstays a wait (it is then killed, and
 * s->blocked says where it waited).  Returns 0 with s->r the run (owned by
 * the check), or -1 with the check failed when it could not start.
 */
int udpsrv_run(struct check *c, const struct udpsrv_rules *ru, struct udpsrv_scen *s);

/*
 * Judges the datagrams the server received.  Returns 0 when the first one
 * (every one, when all is set) was the greeting, else -1 with the check
 * failed.
 */
int udpsrv_judge_greeting(struct check *c, struct udpsrv_scen *s, int all);

/*
 * The server answered (policies ANSWER, LATE, DUP, STRANGER): the program
 * must print "reponse : N" once with the reply, send nothing after it
 * received it, keep to ru, and exit 0.  Fails the check otherwise.
 */
void udpsrv_judge_answered(struct check *c, const struct udpsrv_rules *ru, struct udpsrv_scen *s);

/*
 * No reply came (NEVER, STRANGER_WAIT): the program must send
 * ru->max_dgrams datagrams, wait after the last one as after the others,
 * then exit non-zero with a message.  Fails the check otherwise.
 */
void udpsrv_judge_giveup(struct check *c, const struct udpsrv_rules *ru, struct udpsrv_scen *s);

/*
 * A wrong-size reply (SIZE): a message, a non-zero status, nothing
 * printed.  Fails the check otherwise.
 */
void udpsrv_judge_bad_size(struct check *c, struct udpsrv_scen *s);

/*
 * An ICMP refusal (refused set): a message, a non-zero status, nothing
 * printed, in time.  Fails the check otherwise.
 */
void udpsrv_judge_refused(struct check *c, struct udpsrv_scen *s);

/*
 * Whole checks.  Without arguments, then with the IP alone: a usage error
 * both times.
 */
void udpsrv_check_usage(struct check *c);

/*
 * A PORT that is not a number 0-65535 is refused like a usage error, before
 * any datagram (check_common_bad_port looks for bind, connect, listen and
 * sendto only; a send or write counts here too, with its own key).
 */
void udpsrv_check_bad_port(struct check *c);

/* socket() fails: a message naming it, a non-zero status. */
void udpsrv_check_socket_fail(struct check *c);

/*
 * sendto() (or send, write) fails, then recvfrom() (or recv, read), the
 * server answering as it should: the program must stop with a message
 * naming the call.
 */
void udpsrv_check_io_fail(struct check *c, const struct udpsrv_rules *ru);

#endif
