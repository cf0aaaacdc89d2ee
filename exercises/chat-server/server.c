/*
 * chat-server — every client at once, in one process and one thread.
 *
 *     ./server PORT
 *
 * Forever: waits with select() on the listening socket and on every
 * client; accepts new clients; relays every complete line a client
 * sends ('\n' included, at most 1024 bytes), unchanged, to every other
 * client, never back to its sender.  A line may come in pieces and
 * several lines in one recv(): each client has its own buffer.  A
 * client that leaves (recv() returns 0 or -1) is closed and forgotten;
 * the server never stops.  No fork(), no threads.  Every call that can
 * fail is checked ("+ gestion des retours de fonctions !").
 */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#define MAX_CLIENTS 64
#define LINE_MAX_LEN 1024

struct client {
    int fd;                     /* -1: a free entry */
    char buf[LINE_MAX_LEN];     /* the start of a line not complete yet */
    size_t len;                 /* bytes in buf */
};

static struct client clients[MAX_CLIENTS];

/* Sends one line to every client but its sender. */
static void relay(const struct client *from, const char *line, size_t len)
{
    /* TODO: for every client in use other than from, send the len
     * bytes of line.  send() may send fewer bytes than asked: send
     * the rest.  A client that has left makes send() fail (use
     * MSG_NOSIGNAL, or signal(SIGPIPE, SIG_IGN) in main, so that
     * SIGPIPE does not kill the server). */
    (void)from;
    (void)line;
    (void)len;
}

/* select() says the client's socket is ready: one recv(), then relay. */
static void serve(struct client *cl)
{
    /* TODO: ONE recv() into cl->buf, after the cl->len bytes already
     * there:
     *   0: the client left; -1: an error on this client (ECONNRESET):
     *      close(cl->fd), cl->fd = -1, cl->len = 0, and return;
     *   else: cl->len += n; relay every complete line of the buffer
     *      (from its first byte to its '\n') with relay(cl, ...), and
     *      move what follows the last '\n' to the start of buf. */
    (void)cl;
    (void)relay;
}

int main(int argc, char *argv[])
{
    /* TODO: argc must be 2; otherwise print a usage line on stderr,
     * e.g. "usage : ./server PORT", and exit with a non-zero status.
     * (Bonus: refuse a PORT that is not a number from 0 to 65535.) */
    (void)argc;
    (void)argv;

    /* TODO: dS = socket(PF_INET, SOCK_STREAM, 0); bind it to
     * INADDR_ANY and htons(port); listen(dS, 7).  Check each call. */

    for (int i = 0; i < MAX_CLIENTS; i++)
        clients[i].fd = -1;

    for (;;) {
        fd_set set;
        FD_ZERO(&set);
        /* TODO: FD_SET the listening socket and every client's socket
         * (select() changes the set: build it again on every turn),
         * keeping the largest descriptor;
         * select(max + 1, &set, NULL, NULL, NULL);
         * if FD_ISSET(dS, &set): accept() the new client and store it
         *     in a free entry (if accept() fails: print and go on);
         * for every client whose socket is in the set: serve() it. */
        (void)serve;
        break;  /* TODO: remove: the server never stops */
    }
    return EXIT_SUCCESS;
}
