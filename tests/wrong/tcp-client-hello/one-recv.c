/* expect: fail pieces early-close */
/*
 * tcp-client-hello IP PORT — WRONG: reads the int with a single recv.
 * The course's TCP client: sends "Bonjour" (8 bytes, NUL included), receives
 * an int in host order, prints it.
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

    int dS = socket(PF_INET, SOCK_STREAM, 0);
    if (dS < 0)
        die("socket");
    if (connect(dS, (struct sockaddr *)&aS, sizeof aS) < 0)
        die("connect");

    const char *m = "Bonjour";
    if (send_all(dS, m, strlen(m) + 1) < 0)   /* 8 bytes: the '\0' too */
        die("send");

    int r;
    ssize_t n = recv(dS, &r, sizeof r, 0);
    if (n < 0)
        die("recv");
    if (n == 0) {
        fprintf(stderr, "recv : le serveur a fermé la connexion après "
                        "%zd octet(s) sur %zu\n", n, sizeof r);
        return EXIT_FAILURE;
    }

    printf("reponse : %d\n", r);
    if (fflush(stdout) == EOF)
        die("fflush");

    if (close(dS) < 0)
        die("close");
    return EXIT_SUCCESS;
}
