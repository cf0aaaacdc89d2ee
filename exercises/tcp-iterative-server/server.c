/*
 * tcp-iterative-server — the slides' iterative TCP server.
 *
 *     ./server PORT
 *
 * Forever: accepts a client and, for each line it sends (1 to 1024
 * bytes, '\n' included), sends the line back with 'a'-'z' in
 * uppercase and every other byte unchanged; when the client closes,
 * closes its socket and accepts the next one.  A line may come in
 * pieces, several lines in one piece: answering each recv()'s bytes
 * as they come is enough.  Every call that can fail is checked
 * ("+ gestion des retours de fonctions !").
 */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

/* Serves one client until it closes the connection (or an error). */
static void serve(int dSC)
{
    char buf[1024];

    /* TODO: loop: n = recv(dSC, buf, sizeof buf, 0);
     *   n == 0: the client closed, return;
     *   n < 0: an error on this client, perror("recv") and return;
     *   else change the n bytes ('a'..'z' only) and send them back,
     *   all n of them (send() may send fewer: send the rest). */
    (void)dSC;
    (void)buf;
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

    for (;;) {
        int dSC = -1;
        /* TODO: dSC = accept(dS, ...); if it fails, print the error
         * and go on with the next client (continue). */

        serve(dSC);
        /* TODO: close(dSC); */
        break;  /* TODO: remove: the server never stops */
    }
    return EXIT_SUCCESS;
}
