/*
 * udp-receiver — the course's Prog 2 (UDP).
 *
 *     ./receiver PORT
 *
 * Names a UDP socket on all interfaces at PORT, receives one datagram
 * (a string and its '\0', at most 20 bytes), prints "recu : <string>",
 * replies the int 10 (4 bytes, host order) to the sender's address,
 * closes its socket and exits with status 0.  Every call that can fail
 * is checked ("+ gestion des retours de fonctions !"): on an error, a
 * message on stderr and a non-zero exit status.
 */
#include <arpa/inet.h>
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
     * e.g. "usage : ./receiver PORT", and exit with a non-zero status.
     * (Bonus: refuse a PORT that is not a number from 0 to 65535.) */
    (void)argc;
    (void)argv;

    /* TODO: create the socket: dS = socket(PF_INET, SOCK_DGRAM, 0); */

    /* TODO: name it: a struct sockaddr_in ad with sin_family = AF_INET,
     * sin_addr.s_addr = INADDR_ANY (all interfaces) and
     * sin_port = htons(port), then
     * bind(dS, (struct sockaddr *)&ad, sizeof(ad)); */

    /* TODO: receive one datagram into char m[20]:
     *     struct sockaddr_in aE;
     *     socklen_t lg = sizeof(struct sockaddr_in);
     *     recvfrom(dS, m, sizeof(m), 0, (struct sockaddr *)&aE, &lg);
     * recvfrom() writes the sender's address into aE. */

    /* TODO: printf("recu : %s\n", m); */

    /* TODO: reply int r = 10 to the sender:
     *     sendto(dS, &r, sizeof(int), 0, (struct sockaddr *)&aE, lg);
     * then close(dS). */

    return EXIT_SUCCESS;
}
