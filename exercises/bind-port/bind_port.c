/*
 * bind-port PORT
 *
 * Names a TCP socket on all interfaces at PORT, prints the port actually
 * bound ("port N", read back with getsockname), then keeps the socket until
 * standard input is closed (Ctrl-D), closes it and exits with status 0.
 * See the statement: prise show bind-port
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
    /* TODO: exactly one argument, else a usage line on stderr and exit 1.
     * (Bonus: refuse a PORT that is not a decimal number 0..65535.) */
    (void)argc;
    (void)argv;

    /* TODO: create a TCP socket (PF_INET, SOCK_STREAM);
     * on failure: perror("socket") and exit(EXIT_FAILURE). */

    /* TODO: fill a struct sockaddr_in: AF_INET, all interfaces
     * (INADDR_ANY), the port in network order; then bind().
     * On failure (e.g. the port is busy): perror("bind"), exit 1. */

    /* TODO: read the bound address back with getsockname() and print
     * "port N" (N in host order), then make sure the line is out. */

    /* TODO: keep the socket until standard input is closed:
     * read stdin until read() returns 0 (end of input). */

    /* TODO: close the socket, return 0. */
    return EXIT_SUCCESS;
}
