/* expect: fail short-send */
/*
 * tcp-client-hello IP PORT — WRONG: a short send is treated as an error.
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

    int dS = socket(PF_INET, SOCK_STREAM, 0);
    if (dS < 0)
        die("socket");
    if (connect(dS, (struct sockaddr *)&aS, sizeof aS) < 0)
        die("connect");

    const char *m = "Bonjour";
    if (send(dS, m, strlen(m) + 1, 0) != (ssize_t)(strlen(m) + 1))
        die("send");

    int r;
    ssize_t n = recv_all(dS, &r, sizeof r);
    if (n < 0)
        die("recv");
    if ((size_t)n < sizeof r) {
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
