/* expect: fail hello timeout short-reply long-reply refused stranger stranger-wait */
/*
 * udp-sender IP PORT — model solution.
 * The slides' Prog 1: sends "Bonjour" (8 bytes, NUL included) in one
 * datagram, waits at most 2 seconds for an int in host order, prints it.
 * A datagram from any other address than the server's is ignored and does
 * not give the server more time: the wait is measured against a deadline.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define WAIT_MS 2000            /* how long the server has to answer */

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

static long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

int main(int argc, char *argv[])
{
    int port = argc == 3 ? parse_port(argv[2]) : -1;
    if (port < 0) {
        fprintf(stderr, "usage : %s IP PORT\n", argv[0]);
        return EXIT_FAILURE;
    }

    struct sockaddr_in aD;
    memset(&aD, 0, sizeof aD);
    aD.sin_family = AF_INET;
    aD.sin_port = (uint16_t)port;

    int res = inet_pton(AF_INET, argv[1], &aD.sin_addr);
    if (res == 0) {                     /* 0: not an IPv4 address, errno unset */
        fprintf(stderr, "inet_pton : adresse IPv4 invalide : %s\n", argv[1]);
        return EXIT_FAILURE;
    }
    if (res < 0)
        die("inet_pton");

    int dS = socket(PF_INET, SOCK_DGRAM, 0);
    if (dS < 0)
        die("socket");

    const char *m = "Bonjour";
    if (sendto(dS, m, strlen(m) + 1, 0, (struct sockaddr *)&aD, sizeof aD) < 0)
        die("sendto");                  /* one datagram of 8 bytes: the '\0' too */

    long deadline = now_ms() + WAIT_MS;
    for (;;) {
        long left = deadline - now_ms();
        if (left <= 0) {
            fprintf(stderr, "pas de réponse du serveur en %d s\n", WAIT_MS / 1000);
            return EXIT_FAILURE;
        }
        struct pollfd pfd = { .fd = dS, .events = POLLIN };
        int ready = poll(&pfd, 1, (int)left);
        if (ready < 0) {
            if (errno == EINTR)
                continue;
            die("poll");
        }
        if (ready == 0)
            continue;                   /* the deadline has passed */

        /* Room for more than an int: a longer datagram shows its size. */
        char buf[64];
        struct sockaddr_in aE;
        socklen_t lgE = sizeof aE;
        ssize_t n = recvfrom(dS, buf, sizeof buf, 0, (struct sockaddr *)&aE, &lgE);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            die("recvfrom");
        }
        if (aE.sin_addr.s_addr != aD.sin_addr.s_addr || aE.sin_port != aD.sin_port)
            continue;                   /* not from the server: ignore it */
        if (n != (ssize_t)sizeof(int)) {
            fprintf(stderr, "recvfrom : réponse de %zd octet(s), %zu attendus\n",
                    n, sizeof(int));
            return EXIT_FAILURE;
        }
        int r;
        memcpy(&r, buf, sizeof r);
        printf("reponse : %d\n", r);
        break;
    }
    if (fflush(stdout) == EOF)
        die("fflush");

    if (close(dS) < 0)
        die("close");
    return EXIT_SUCCESS;
}
