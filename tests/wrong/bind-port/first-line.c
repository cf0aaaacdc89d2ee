/* expect: fail stdin */
/*
 * bind-port PORT — model solution.
 * Names a TCP socket on all interfaces at PORT, prints the port actually
 * bound (read back with getsockname), keeps the socket until standard input
 * is closed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* PORT must be a decimal number 0..65535; returns -1 otherwise. */
static int parse_port(const char *s)
{
    long value = 0;

    if (*s == '\0')
        return -1;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        value = value * 10 + (*s - '0');
        if (value > 65535)
            return -1;
    }
    return (int)value;
}

static void die(const char *call)
{
    perror(call);
    exit(EXIT_FAILURE);
}

int main(int argc, char *argv[])
{
    int port = argc == 2 ? parse_port(argv[1]) : -1;
    if (port < 0) {
        fprintf(stderr, "usage : %s PORT\n", argv[0]);
        return EXIT_FAILURE;
    }

    int dS = socket(PF_INET, SOCK_STREAM, 0);
    if (dS < 0)
        die("socket");

    struct sockaddr_in ad;
    memset(&ad, 0, sizeof ad);
    ad.sin_family = AF_INET;
    ad.sin_addr.s_addr = htonl(INADDR_ANY);
    ad.sin_port = htons((uint16_t)port);
    if (bind(dS, (struct sockaddr *)&ad, sizeof ad) < 0)
        die("bind");                    /* e.g. EADDRINUSE: port busy */

    /* The port actually bound (the system's choice when PORT is 0). */
    struct sockaddr_in bound;
    socklen_t lg = sizeof bound;
    if (getsockname(dS, (struct sockaddr *)&bound, &lg) < 0)
        die("getsockname");
    printf("port %u\n", (unsigned)ntohs(bound.sin_port));
    if (fflush(stdout) == EOF)
        die("fflush");

    /* Keep the socket until standard input is closed (EOF). */
    char buf[256];
    fgets(buf, sizeof buf, stdin);

    if (close(dS) < 0)
        die("close");
    return EXIT_SUCCESS;
}
