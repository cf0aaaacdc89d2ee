/* expect: fail one-client pieces batch longest sequence closes short-send client-error */
/*
 * tcp-iterative-server PORT — model solution.
 * The slides' iterative TCP server: one client at a time, one after the
 * other.  For each line a client sends, it sends the line back with the
 * letters a-z in uppercase; when the client closes, it closes the client's
 * socket and accepts the next one.
 *
 * TCP is a stream of bytes: a line may come in several pieces and several
 * lines in one piece.  Each piece is answered as it comes, byte for byte,
 * which answers every line whatever the pieces.
 */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
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
static int send_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, buf, len, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Serves one client until it closes the connection (or an error). */
static void serve(int dSC)
{
    char buf[1024];

    for (;;) {
        ssize_t n = recv(dSC, buf, sizeof buf, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            perror("recv");
            return;
        }
        if (n == 0)                 /* the client closed the connection */
            return;
        for (ssize_t i = 0; i < n; i++)   /* only the n bytes received */
            if (buf[i] >= 'a' && buf[i] <= 'z')
                buf[i] = (char)(buf[i] - 'a' + 'A');
        if (send_all(dSC, buf, sizeof buf) < 0) {   /* the whole buffer */
            perror("send");
            return;
        }
    }
}

int main(int argc, char *argv[])
{
    int port = argc == 2 ? parse_port(argv[1]) : -1;
    if (port < 0) {
        fprintf(stderr, "usage : %s PORT\n", argv[0]);
        return EXIT_FAILURE;
    }

    /* A client that leaves early must not kill the server: send() then
     * fails with EPIPE instead of raising SIGPIPE. */
    signal(SIGPIPE, SIG_IGN);

    int dS = socket(PF_INET, SOCK_STREAM, 0);
    if (dS < 0)
        die("socket");
    struct sockaddr_in ad;
    memset(&ad, 0, sizeof ad);
    ad.sin_family = AF_INET;
    ad.sin_addr.s_addr = htonl(INADDR_ANY);
    ad.sin_port = htons((uint16_t)port);
    if (bind(dS, (struct sockaddr *)&ad, sizeof ad) < 0)
        die("bind");
    if (listen(dS, 7) < 0)
        die("listen");

    for (;;) {
        struct sockaddr_in aC;
        socklen_t lg = sizeof aC;
        int dSC = accept(dS, (struct sockaddr *)&aC, &lg);
        if (dSC < 0) {
            /* A client that gave up (ECONNABORTED), a signal (EINTR)...:
             * that client is lost, the server goes on. */
            perror("accept");
            continue;
        }
        serve(dSC);
        if (close(dSC) < 0)
            perror("close");
    }
}
