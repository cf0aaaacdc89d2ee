/* expect: fail pieces half-line interleaved abrupt */
/* Mistake: each recv() writes at the start of the client's buffer, over the piece received before. */
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

/* A client: its socket and the start of a line not answered yet. */
struct client {
    int fd;
    char line[1024];
    size_t have;
};

/*
 * One client's socket is readable: receives, and answers every whole line.
 * Returns 0, or -1 when the client is over (it closed, or an error).
 */
static int serve(struct client *c)
{
    ssize_t n = recv(c->fd, c->line, sizeof c->line - c->have, 0);

    if (n < 0) {
        if (errno == EINTR)
            return 0;
        perror("recv");
        return -1;
    }
    if (n == 0)
        return -1;
    c->have += (size_t)n;
    char *nl;
    while ((nl = memchr(c->line, '\n', c->have)) != NULL) {
        size_t len = (size_t)(nl - c->line) + 1;
        for (size_t i = 0; i < len; i++)
            if (c->line[i] >= 'a' && c->line[i] <= 'z')
                c->line[i] = (char)(c->line[i] - 'a' + 'A');
        if (send_all(c->fd, c->line, len) < 0) {
            perror("send");
            return -1;
        }
        memmove(c->line, nl + 1, c->have - len);
        c->have -= len;
    }
    if (c->have == sizeof c->line) {        /* a line too long: answer it */
        for (size_t i = 0; i < c->have; i++)
            if (c->line[i] >= 'a' && c->line[i] <= 'z')
                c->line[i] = (char)(c->line[i] - 'a' + 'A');
        if (send_all(c->fd, c->line, c->have) < 0)
            return -1;
        c->have = 0;
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

    static struct client clients[MAX_CLIENTS];  /* the connected clients */
    int nclients = 0;

    for (;;) {
        fd_set rd;
        FD_ZERO(&rd);
        FD_SET(dS, &rd);
        int maxfd = dS;
        for (int i = 0; i < nclients; i++) {
            FD_SET(clients[i].fd, &rd);
            if (clients[i].fd > maxfd)
                maxfd = clients[i].fd;
        }
        if (select(maxfd + 1, &rd, NULL, NULL, NULL) < 0) {
            if (errno == EINTR)
                continue;
            die("select");
        }

        /* Each client with something to read; those that are over leave. */
        for (int i = 0; i < nclients; i++) {
            if (!FD_ISSET(clients[i].fd, &rd) || serve(&clients[i]) == 0)
                continue;
            if (close(clients[i].fd) < 0)
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
                clients[nclients].fd = dSC;
                clients[nclients++].have = 0;
            }
        }
    }
}
