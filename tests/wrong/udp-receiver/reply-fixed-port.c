/* expect: fail hello any-address closes */
/* Wrong on purpose: replies to a fixed port instead of the sender's port. */
/*
 * udp-receiver PORT — model solution.
 * The course's Prog 2 (UDP): bound on all interfaces at PORT, receives one
 * datagram holding a string and its '\0' (at most 20 bytes), prints it,
 * replies the int 10 (host order) to the sender's address.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
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

    int dS = socket(PF_INET, SOCK_DGRAM, 0);
    if (dS < 0)
        die("socket");

    struct sockaddr_in ad;
    memset(&ad, 0, sizeof ad);
    ad.sin_family = AF_INET;
    ad.sin_addr.s_addr = htonl(INADDR_ANY);
    ad.sin_port = htons((uint16_t)port);
    if (bind(dS, (struct sockaddr *)&ad, sizeof ad) < 0)
        die("bind");

    struct sockaddr_in aE;
    socklen_t lg = sizeof aE;
    char m[20];
    ssize_t n = recvfrom(dS, m, sizeof m, 0, (struct sockaddr *)&aE, &lg);
    if (n < 0)
        die("recvfrom");
    if (memchr(m, '\0', (size_t)n) == NULL) {
        fprintf(stderr, "recvfrom : le message n'est pas une chaîne terminée par '\\0'\n");
        return EXIT_FAILURE;
    }

    printf("recu : %s\n", m);
    if (fflush(stdout) == EOF)
        die("fflush");

    int r = 10;
    aE.sin_port = htons(31471);     /* "the client's port" */
    if (sendto(dS, &r, sizeof r, 0, (struct sockaddr *)&aE, lg) < 0)
        die("sendto");

    if (close(dS) < 0)
        die("close");
    return EXIT_SUCCESS;
}
