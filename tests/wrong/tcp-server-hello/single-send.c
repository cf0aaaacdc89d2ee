/* expect: fail short-send */
/*
 * tcp-server-hello PORT — wrong: one send, a short send is ignored.
 * The course's TCP server: accepts one client, receives a NUL-terminated
 * string (at most 20 bytes, NUL included), prints it, replies the int 10.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MSG_MAX 20                      /* bytes, '\0' included */

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
    int port = argc == 2 ? parse_port(argv[1]) : -1;
    if (port < 0) {
        fprintf(stderr, "usage : %s PORT\n", argv[0]);
        return EXIT_FAILURE;
    }

    int dS = socket(PF_INET, SOCK_STREAM, 0);
    if (dS < 0)
        die("socket");

    int on = 1;                         /* restart at once on the same port */
    if (setsockopt(dS, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) < 0)
        die("setsockopt");

    struct sockaddr_in ad;
    memset(&ad, 0, sizeof ad);
    ad.sin_family = AF_INET;
    ad.sin_addr.s_addr = htonl(INADDR_ANY);
    ad.sin_port = htons((uint16_t)port);
    if (bind(dS, (struct sockaddr *)&ad, sizeof ad) < 0)
        die("bind");
    if (listen(dS, 7) < 0)
        die("listen");

    struct sockaddr_in aC;
    socklen_t lg = sizeof aC;
    int dSC;
    while ((dSC = accept(dS, (struct sockaddr *)&aC, &lg)) < 0) {
        if (errno != EINTR)
            die("accept");
        lg = sizeof aC;
    }

    /* The string may arrive in several pieces: append them until a '\0'
     * has arrived, never reading more than MSG_MAX bytes in all. */
    char msg[MSG_MAX];
    size_t got = 0;
    while (memchr(msg, '\0', got) == NULL) {
        if (got == sizeof msg) {
            fprintf(stderr, "recv : %d octets reçus sans '\\0' final\n",
                    MSG_MAX);
            return EXIT_FAILURE;
        }
        ssize_t n = recv(dSC, msg + got, sizeof msg - got, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            die("recv");
        }
        if (n == 0) {
            fprintf(stderr, "recv : le client a fermé la connexion "
                            "avant la fin de la chaîne\n");
            return EXIT_FAILURE;
        }
        got += (size_t)n;
    }

    printf("recu : %s\n", msg);
    if (fflush(stdout) == EOF)
        die("fflush");

    int r = 10;                         /* host order, as in the slides */
    if (send(dSC, &r, sizeof r, 0) < 0)
        die("send");

    if (close(dSC) < 0)
        die("close");
    if (close(dS) < 0)
        die("close");
    return EXIT_SUCCESS;
}
