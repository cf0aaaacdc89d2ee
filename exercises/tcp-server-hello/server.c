/*
 * tcp-server-hello PORT — the course's TCP server.
 *
 * Listens on PORT, accepts one client, receives a string ending with '\0'
 * (at most 20 bytes, '\0' included), prints "recu : <string>", sends the
 * int 10 back, closes both sockets and exits with status 0.
 *
 * Build and try:   cc -Wall -Wextra -o server server.c && ./server 31470
 * and, in another terminal, the client of the next exercise.
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

#define MSG_MAX 20                      /* bytes, '\0' included */

int main(int argc, char *argv[])
{
    /* TODO: exactly one argument, PORT, a decimal number 0..65535;
     * otherwise a usage line on stderr and a non-zero status. */
    (void)argc;
    (void)argv;

    /* TODO: create the socket: socket(PF_INET, SOCK_STREAM, 0). */

    /* TODO: name it: a struct sockaddr_in cleared with memset, AF_INET,
     * INADDR_ANY, the port in network order; then bind(). */

    /* TODO: listen(), then accept() one client. */

    /* TODO: receive the string into char msg[MSG_MAX].  It may arrive in
     * several pieces: call recv() again until a '\0' has arrived.  If the
     * client closes first (recv returns 0), or MSG_MAX bytes arrive
     * without a '\0': a message on stderr, a non-zero status, and nothing
     * printed on stdout. */

    /* TODO: print "recu : <string>" followed by a newline. */

    /* TODO: send the int 10 as it is in memory (sizeof(int) bytes): send()
     * may send fewer bytes than asked, send the rest too. */

    /* TODO: close the client's socket and the listening socket. */

    /* Every call above returns -1 on failure: check it, print a message
     * naming the call (perror("bind")) and exit with a non-zero status. */
    return EXIT_FAILURE;
}
