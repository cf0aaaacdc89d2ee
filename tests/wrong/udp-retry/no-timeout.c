/* expect: fail lost never late refused */
/*
 * udp-retry IP PORT — model solution.
 * Like udp-sender, but UDP may lose the datagram or the reply: sends
 * "Bonjour" (8 bytes, NUL included), waits 300 ms for an int in host order,
 * sends again, 5 datagrams at most.  Everything is done on one socket, so a
 * late reply to an earlier datagram still arrives and counts.  A datagram
 * from any other address than the server's is ignored and does not extend
 * the wait: each wait is measured against a deadline.
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

#define TRIES 5                 /* datagrams in all */
#define WAIT_MS 300             /* how long each one waits for the reply */

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

/*
 * Waits until `deadline` for the server's int.  Returns 1 with *r set,
 * 0 when the time ran out; exits on an error or a reply of the wrong size.
 */
static int wait_reply(int dS, const struct sockaddr_in *aD, long deadline, int *r)
{
    for (;;) {
        long left = deadline - now_ms();
        if (left <= 0)
            return 0;
        struct pollfd pfd = { .fd = dS, .events = POLLIN };
        int ready = poll(&pfd, 1, -1);

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
        if (aE.sin_addr.s_addr != aD->sin_addr.s_addr || aE.sin_port != aD->sin_port)
            continue;                   /* not from the server: ignore it */
        if (n != (ssize_t)sizeof(int)) {
            fprintf(stderr, "recvfrom : réponse de %zd octet(s), %zu attendus\n",
                    n, sizeof(int));
            exit(EXIT_FAILURE);
        }
        memcpy(r, buf, sizeof *r);
        return 1;
    }
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
    aD.sin_port = htons((uint16_t)port);
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
    int r;
    int got = 0;
    for (int i = 0; i < TRIES && !got; i++) {
        /* One datagram of 8 bytes, the '\0' too. */
        if (sendto(dS, m, strlen(m) + 1, 0, (struct sockaddr *)&aD, sizeof aD) < 0)
            die("sendto");
        got = wait_reply(dS, &aD, now_ms() + WAIT_MS, &r);
    }
    if (!got) {
        fprintf(stderr, "pas de réponse du serveur après %d envois\n", TRIES);
        return EXIT_FAILURE;
    }

    printf("reponse : %d\n", r);
    if (fflush(stdout) == EOF)
        die("fflush");

    if (close(dS) < 0)
        die("close");
    return EXIT_SUCCESS;
}
