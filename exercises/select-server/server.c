/*
 * select-server — every client at once, in one process and one thread.
 *
 *     ./server PORT
 *
 * The protocol of tcp-iterative-server: for each line a client sends
 * (1 to 1024 bytes, '\n' included), sends the line back with 'a'-'z'
 * in uppercase and every other byte unchanged.  select() waits for
 * the listening socket and every client's socket together; accept()
 * or recv() is called only on a socket that is ready, so a client that
 * sends half a line and waits delays nobody.  No fork(), no threads.
 * Every call that can fail is checked ("+ gestion des retours de
 * fonctions !").
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

/*
 * One client's socket is ready: ONE recv(), then send back the n bytes
 * it returned, 'a'..'z' in uppercase (all n: send() may send fewer).
 * Returns 0, or -1 when the client is over (recv() returned 0 or -1).
 */
static int serve(int dSC)
{
    /* TODO */
    (void)dSC;
    return -1;
}

int main(int argc, char *argv[])
{
    /* TODO: argc must be 2, else a usage line on stderr and exit(1).
     * (Bonus: refuse a PORT that is not a number from 0 to 65535.) */
    (void)argc;
    (void)argv;

    /* TODO: signal(SIGPIPE, SIG_IGN); so that a client that left does
     * not kill the server when it is sent something. */

    /* TODO: dS = socket(PF_INET, SOCK_STREAM, 0); bind it to
     * INADDR_ANY and htons(port); listen(dS, 7).  Check each call. */
    int dS = -1;

    int clients[MAX_CLIENTS];   /* the connected clients' sockets */
    int nclients = 0;

    for (;;) {
        fd_set rd;
        FD_ZERO(&rd);
        /* TODO: FD_SET(dS, &rd) and each client's socket; maxfd. */
        int maxfd = dS;

        /* TODO: select(maxfd + 1, &rd, NULL, NULL, NULL); on -1,
         * EINTR: again; else perror("select") and exit. */

        /* TODO: for each client whose socket is FD_ISSET: serve(it);
         * if it returned -1, close its socket and remove it from
         * clients[]. */
        (void)clients;
        (void)nclients;
        (void)serve;

        /* TODO: if FD_ISSET(dS, &rd): accept() the new client and add
         * it to clients[]; if accept() fails, print it and go on. */
        (void)maxfd;
        break;  /* TODO: remove: the server never stops */
    }
    return EXIT_SUCCESS;
}
