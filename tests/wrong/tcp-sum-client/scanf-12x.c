/* expect: fail invalid */
/* Wrong on purpose: scanf("%d") takes "12x" for 12, so "12x" as the 500th token is accepted. */
/*
 * tcp-sum-client IP PORT — model solution.
 * Reads 500 integers from standard input, sends them as 32-bit integers in
 * network order (2000 bytes), receives their sum (32 bits, network order)
 * and prints it.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define COUNT 500

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

/* Reads the next integer of stdin with scanf("%d").  Returns 1 (value in
 * *out), 0 at the end of input, -1 for an invalid token, -2 on a read
 * error. */
static int read_int32(int32_t *out)
{
    int v;
    int r = scanf("%d", &v);    /* "12x": reads 12, leaves the x for later */

    if (r == EOF)
        return ferror(stdin) ? -2 : 0;
    if (r != 1)
        return -1;
    *out = v;
    return 1;
}

/* send() may send fewer bytes than asked: loop until all are sent. */
static int send_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;

    while (len > 0) {
        ssize_t n = send(fd, p, len, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* recv() may receive fewer bytes than asked: loop until len bytes have
 * arrived or the peer has closed.  Returns the count received, -1 on error. */
static ssize_t recv_all(int fd, void *buf, size_t len)
{
    char *p = buf;
    size_t got = 0;

    while (got < len) {
        ssize_t n = recv(fd, p + got, len - got, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (n == 0)
            break;
        got += (size_t)n;
    }
    return (ssize_t)got;
}

int main(int argc, char *argv[])
{
    int port = argc == 3 ? parse_port(argv[2]) : -1;
    if (port < 0) {
        fprintf(stderr, "usage : %s IP PORT\n", argv[0]);
        return EXIT_FAILURE;
    }

    struct sockaddr_in aS;
    memset(&aS, 0, sizeof aS);
    aS.sin_family = AF_INET;
    aS.sin_port = htons((uint16_t)port);
    int res = inet_pton(AF_INET, argv[1], &aS.sin_addr);
    if (res == 0) {                     /* 0: not an IPv4 address, errno unset */
        fprintf(stderr, "inet_pton : adresse IPv4 invalide : %s\n", argv[1]);
        return EXIT_FAILURE;
    }
    if (res < 0)
        die("inet_pton");

    /* Read and check all the input before connecting: on bad input,
     * nothing is sent. */
    uint32_t message[COUNT];
    for (int i = 0; i < COUNT; i++) {
        int32_t v;
        switch (read_int32(&v)) {
        case 1:
            message[i] = htonl((uint32_t)v);    /* network order */
            break;
        case 0:
            fprintf(stderr, "entrée : %d entiers lus, %d attendus\n", i, COUNT);
            return EXIT_FAILURE;
        case -1:
            fprintf(stderr, "entrée : l'élément n°%d n'est pas un entier "
                            "sur 32 bits\n", i + 1);
            return EXIT_FAILURE;
        default:
            die("lecture de l'entrée standard");
        }
    }

    int dS = socket(PF_INET, SOCK_STREAM, 0);
    if (dS < 0)
        die("socket");
    if (connect(dS, (struct sockaddr *)&aS, sizeof aS) < 0)
        die("connect");

    if (send_all(dS, message, sizeof message) < 0)     /* 2000 bytes */
        die("send");

    uint32_t sum;
    ssize_t n = recv_all(dS, &sum, sizeof sum);
    if (n < 0)
        die("recv");
    if ((size_t)n < sizeof sum) {
        fprintf(stderr, "recv : le serveur a fermé la connexion après "
                        "%zd octet(s) sur %zu\n", n, sizeof sum);
        return EXIT_FAILURE;
    }

    printf("somme : %" PRId32 "\n", (int32_t)ntohl(sum));
    if (fflush(stdout) == EOF)
        die("fflush");

    if (close(dS) < 0)
        die("close");
    return EXIT_SUCCESS;
}
