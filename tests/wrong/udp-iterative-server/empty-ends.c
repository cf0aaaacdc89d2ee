/* expect: fail empty */
/* Wrong on purpose: treats recvfrom() returning 0 as the end, as recv() on TCP. */
/*
 * udp-iterative-server PORT — model solution.
 * The slides' iterative UDP server: forever, receives a datagram (0 to
 * 1024 bytes) and replies "Merci" (5 bytes, no '\0') to its sender.
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

#define MSG_MAX 1024

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

    struct sockaddr_in adS;
    memset(&adS, 0, sizeof adS);
    adS.sin_family = AF_INET;
    adS.sin_addr.s_addr = htonl(INADDR_ANY);
    adS.sin_port = htons((uint16_t)port);
    if (bind(dS, (struct sockaddr *)&adS, sizeof adS) < 0)
        die("bind");

    const char reponse[] = "Merci";
    char msg[MSG_MAX];
    for (;;) {
        struct sockaddr_in adX;
        socklen_t lg = sizeof adX;
        /* A datagram of 0 bytes is a request too: n == 0 is no error. */
        ssize_t n = recvfrom(dS, msg, sizeof msg, 0, (struct sockaddr *)&adX, &lg);
        if (n < 0) {
            /* One request failed: the server serves the next ones. */
            if (errno != EINTR)
                perror("recvfrom");
            continue;
        }
        if (n == 0)                     /* 0: the client is gone, as in TCP */
            break;
        if (sendto(dS, reponse, strlen(reponse), 0, (struct sockaddr *)&adX, lg) < 0)
            perror("sendto");
    }
}
