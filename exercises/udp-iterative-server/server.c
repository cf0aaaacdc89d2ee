/*
 * udp-iterative-server — the slides' iterative UDP server.
 *
 *     ./server PORT
 *
 * Names a UDP socket on all interfaces at PORT, then forever: receives
 * a datagram (0 to 1024 bytes) and replies "Merci" (5 bytes, no '\0')
 * to its sender.  A failure of socket() or bind() ends the program with
 * a message on stderr and a non-zero status; a failure about one
 * request is printed and the server goes on.
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
    /* TODO: argc must be 2; otherwise print a usage line on stderr,
     * e.g. "usage : ./server PORT", and exit with a non-zero status.
     * (Bonus: refuse a PORT that is not a number from 0 to 65535.) */
    (void)argc;
    (void)argv;

    /* TODO: create the socket: dS = socket(PF_INET, SOCK_DGRAM, 0); */

    /* TODO: name it on all interfaces at PORT: a struct sockaddr_in
     * with sin_family = AF_INET, sin_addr.s_addr = INADDR_ANY,
     * sin_port = htons(port), then bind(). */

    /* TODO: while (1) {
     *     struct sockaddr_in adX;
     *     socklen_t lg = sizeof(struct sockaddr_in);
     *     receive a datagram into char msg[1024] with recvfrom(),
     *     giving it &adX and &lg;
     *     send the 5 bytes "Merci" to adX with sendto().
     * } */

    return EXIT_SUCCESS;
}
