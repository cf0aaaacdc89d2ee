/* expect: fail short-send */
/*
 * select-server PORT — model solution.
 * The line-uppercasing server of tcp-iterative-server, but serving every
 * client at once in one process and one thread: select() waits until the
 * listening socket or any client's socket has something to read, and the
 * server reads only from those, so no client can make it wait.
 *
 * Each piece a client sends is answered as it comes (its bytes 'a'-'z' in
 * uppercase), which answers every line whatever the pieces, and needs no
 * buffer kept per client.
 */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CLIENTS 64

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

/*
 * One client's socket is readable: answers what came.  Returns 0, or -1
 * when the client is over (it closed, or an error on its socket).
 */
static int serve(int dSC)
{
    char buf[1024];
    ssize_t n = recv(dSC, buf, sizeof buf, 0);

    if (n < 0) {
        if (errno == EINTR)
            return 0;               /* nothing read: select() again */
        perror("recv");
        return -1;
    }
    if (n == 0)                     /* the client closed the connection */
        return -1;
    for (ssize_t i = 0; i < n; i++)     /* only the n bytes received */
        if (buf[i] >= 'a' && buf[i] <= 'z')
            buf[i] = (char)(buf[i] - 'a' + 'A');
    if (send(dSC, buf, (size_t)n, 0) < 0) {   /* one send: a short send loses the rest */
        perror("send");
        return -1;
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

    /* A client that leaves abruptly must not kill the server: send()
     * then fails with EPIPE instead of raising SIGPIPE. */
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

    int clients[MAX_CLIENTS];       /* the connected clients' sockets */
    int nclients = 0;

    for (;;) {
        fd_set rd;
        FD_ZERO(&rd);
        FD_SET(dS, &rd);
        int maxfd = dS;
        for (int i = 0; i < nclients; i++) {
            FD_SET(clients[i], &rd);
            if (clients[i] > maxfd)
                maxfd = clients[i];
        }
        if (select(maxfd + 1, &rd, NULL, NULL, NULL) < 0) {
            if (errno == EINTR)
                continue;
            die("select");
        }

        /* Each client with something to read; those that are over leave. */
        for (int i = 0; i < nclients; i++) {
            if (!FD_ISSET(clients[i], &rd) || serve(clients[i]) == 0)
                continue;
            if (close(clients[i]) < 0)
                perror("close");
            clients[i--] = clients[--nclients];
        }

        if (FD_ISSET(dS, &rd)) {
            int dSC = accept(dS, NULL, NULL);
            if (dSC < 0) {
                /* A client that gave up (ECONNABORTED), a signal (EINTR)...:
                 * that client is lost, the server goes on. */
                perror("accept");
            } else if (nclients == MAX_CLIENTS) {
                fprintf(stderr, "accept : trop de clients\n");
                close(dSC);
            } else {
                clients[nclients++] = dSC;
            }
        }
    }
}
