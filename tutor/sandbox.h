/*
 * The isolation around a whole check: a private network namespace with only
 * loopback up when the system allows it, ports that no other check uses, and
 * a final sweep that kills any process a learner's program left behind.
 */
#ifndef PRISE_SANDBOX_H
#define PRISE_SANDBOX_H

/*
 * Moves this process into a new user and network namespace with loopback up,
 * and makes it the subreaper of everything it starts.  Must be called while
 * the process has a single thread.  Returns 1 when isolated, 0 when the
 * system refused (the check then runs on free ephemeral ports).
 */
int sandbox_enter(void);

/*
 * A TCP and UDP port free on 127.0.0.1 and 0.0.0.0, never handed out twice by
 * this process, whose two bytes differ (so a missing htons() shows).
 * Returns the port, or -1.
 */
int sandbox_port(void);

/* Kills and reaps every remaining child process of this process. */
void sandbox_sweep(void);

#endif
