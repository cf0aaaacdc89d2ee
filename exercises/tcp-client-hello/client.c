/*
 * tcp-client-hello — the course's TCP client.
 *
 *     ./client IP PORT
 *
 * Connects to the server at IP:PORT, sends "Bonjour" with its '\0'
 * (8 bytes), receives an int (4 bytes, host order), prints
 * "reponse : <n>", closes its socket and exits with status 0.
 * Every call that can fail is checked ("+ gestion des retours de
 * fonctions !"): on an error, a message on stderr and a non-zero
 * exit status.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

int main(int argc, char *argv[])
{
    /* TODO: argc must be 3; otherwise print a usage line on stderr,
     * e.g. "usage : ./client IP PORT", and exit with a non-zero status.
     * (Bonus: refuse a PORT that is not a number from 0 to 65535.) */
    (void)argc;
    (void)argv;

    /* TODO: create the socket: dS = socket(PF_INET, SOCK_STREAM, 0); */

    /* TODO: fill a struct sockaddr_in aS: sin_family = AF_INET,
     * sin_port = htons(port), and the address with
     * inet_pton(AF_INET, argv[1], &aS.sin_addr), which returns 1 on
     * success and 0 when argv[1] is not a valid IPv4 address. */

    /* TODO: connect(dS, (struct sockaddr *)&aS, sizeof aS); */

    /* TODO: send the 8 bytes of "Bonjour", its '\0' included.  send()
     * may send fewer bytes than asked: send the rest. */

    /* TODO: receive the int r (sizeof(int) bytes).  recv() may return
     * fewer bytes than asked: receive the rest; 0 means the server
     * closed the connection. */

    /* TODO: printf("reponse : %d\n", r); then close(dS). */

    return EXIT_SUCCESS;
}
