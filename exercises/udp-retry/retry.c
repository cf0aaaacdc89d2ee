/*
 * udp-retry — the UDP sender that sends again.
 *
 *     ./retry IP PORT
 *
 * Sends "Bonjour" with its '\0' (8 bytes) in one datagram to the
 * server at IP:PORT and waits 300 ms for its answer (an int, 4 bytes,
 * host order); without an answer, sends the same datagram again, 5
 * datagrams at most.  Prints "reponse : <n>" and exits with status 0
 * once the answer has come; after the 5th datagram and its 300 ms
 * wait, a message on stderr and a non-zero exit status.
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

#define TRIES 5         /* datagrams in all */
#define WAIT_MS 300     /* the wait for the answer to each one */

int main(int argc, char *argv[])
{
    /* TODO: argc must be 3; otherwise print a usage line on stderr,
     * e.g. "usage : ./retry IP PORT", and exit with a non-zero status.
     * (Bonus: refuse a PORT that is not a number from 0 to 65535.) */
    (void)argc;
    (void)argv;

    /* TODO: create ONE socket, before the loop:
     * dS = socket(PF_INET, SOCK_DGRAM, 0); */

    /* TODO: fill a struct sockaddr_in aD with the server's address
     * (AF_INET, htons(port), inet_pton). */

    /* TODO: up to TRIES times:
     *   - send the 8 bytes of "Bonjour" in one datagram (sendto);
     *   - wait WAIT_MS ms for the answer (SO_RCVTIMEO, poll, select);
     *   - if it came, check that it is sizeof(int) bytes, print
     *     "reponse : %d\n" and stop: nothing more is sent. */

    /* TODO: no answer after the last wait: a message on stderr and a
     * non-zero exit status. */

    return EXIT_SUCCESS;
}
