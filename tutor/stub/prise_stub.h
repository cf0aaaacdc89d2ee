/*
 * What the stub socket layer offers to the test drivers of function
 * exercises (the learner's code never includes this file).
 */
#ifndef PRISE_STUB_H
#define PRISE_STUB_H

#include <poll.h>
#include <sys/socket.h>
#include <sys/types.h>

/*
 * Writes one result line "R pid time TEXT" on the trace descriptor, for the
 * grader.  By convention TEXT is "ok" or "fail KEY [ARG...]" where KEY names a
 * message of the exercise and each ARG is one word (no spaces).
 */
void prise_result(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The real calls, bypassing recording and injection (for drivers' peers). */
ssize_t __real_send(int, const void *, size_t, int);
ssize_t __real_recv(int, void *, size_t, int);
ssize_t __real_read(int, void *, size_t);
ssize_t __real_write(int, const void *, size_t);
int __real_close(int);
int __real_socket(int, int, int);
int __real_poll(struct pollfd *, nfds_t, int);
int __real_shutdown(int, int);
pid_t __real_fork(void);

#endif
