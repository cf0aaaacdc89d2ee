/*
 * udp-sender — the slides' UDP Prog 1, with a time-out.
 *
 *     ./sender IP PORT
 *
 * Sends "Bonjour" with its '\0' (8 bytes) in one datagram to the
 * server at IP:PORT, waits at most 2 seconds for its answer (an int,
 * 4 bytes, host order), prints "reponse : <n>" and exits with status
 * 0.  No answer within 2 seconds, an answer that is not 4 bytes, or a
 * call that fails: a message on stderr and a non-zero exit status
 * ("+ gestion des retours de fonctions !").
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <unistd.h>

int main(int argc, char *argv[])
{
    /* TODO: argc must be 3; otherwise print a usage line on stderr,
     * e.g. "usage : ./sender IP PORT", and exit with a non-zero status.
     * (Bonus: refuse a PORT that is not a number from 0 to 65535.) */
    (void)argc;
    (void)argv;

    /* TODO: create the socket: dS = socket(PF_INET, SOCK_DGRAM, 0); */

    /* TODO: fill a struct sockaddr_in aD with the server's address:
     * sin_family = AF_INET, sin_port = htons(port), and sin_addr with
     * inet_pton(AF_INET, argv[1], &aD.sin_addr) (1 = success). */

    /* TODO: send the 8 bytes of "Bonjour", its '\0' included, in one
     * datagram: sendto(dS, m, 8, 0, (struct sockaddr *)&aD, sizeof aD); */

    /* TODO: wait at most 2 seconds for the answer (SO_RCVTIMEO, poll,
     * select or alarm).  Nothing after 2 s: a message on stderr and a
     * non-zero exit status. */

    /* TODO: receive the datagram into a buffer larger than an int and
     * check that recvfrom() returned exactly sizeof(int) bytes. */

    /* TODO: printf("reponse : %d\n", r); then close(dS). */

    return EXIT_SUCCESS;
}
