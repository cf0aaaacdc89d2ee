/* expect: fail half-line */
/* Mistake: after select(), recv() is called again and again until the newline comes: a client with half a line blocks everyone. */
/*
 * chat-server PORT — model solution.
 * The answer to the slides' last question: "peut-on gérer l'ensemble des
 * clients simultanément dans un seul processus serveur (et un seul fil
 * d'exécution) ?"  Yes: select() waits on the listening socket and on every
 * client at once, and says which ones are ready; the server then calls
 * accept() or recv() only where it will not block.
 *
 * Every complete line a client sends is relayed, unchanged, to every other
 * client.  TCP is a stream of bytes: a line may come in several pieces and
 * several lines in one piece, so each client has its own buffer where its
 * bytes wait until their '\n' has come.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CLIENTS 64
#define LINE_MAX_LEN 1024

struct client {
    int fd;                     /* -1: free slot */
    char buf[LINE_MAX_LEN];     /* the start of a line not yet complete */
    size_t len;
};

static struct client clients[MAX_CLIENTS];

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

/*
 * send() may send fewer bytes than asked: loop until all are sent.
 * MSG_NOSIGNAL: a client that has left makes send() fail with EPIPE
 * instead of killing the server with SIGPIPE.
 */
static int send_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
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

/* Sends one line to every client but its sender. */
static void relay(const struct client *from, const char *line, size_t len)
{
    for (int i = 0; i < MAX_CLIENTS; i++) {
        struct client *to = &clients[i];
        if (to->fd < 0 || to == from)
            continue;
        /* A client that left is noticed when recv() on its socket
         * returns 0 or -1: nothing more to do here. */
        send_all(to->fd, line, len);
    }
}

static void drop(struct client *cl)
{
    if (close(cl->fd) < 0)
        perror("close");
    cl->fd = -1;
    cl->len = 0;
}

/* The client's socket is readable: receive, relay every complete line. */
static void serve(struct client *cl)
{
    /* Reads until the end of the line: blocks while the client is silent. */
    ssize_t n;
    for (;;) {
        n = recv(cl->fd, cl->buf + cl->len, sizeof cl->buf - cl->len, 0);
        if (n <= 0 || memchr(cl->buf + cl->len, '\n', (size_t)n) ||
            cl->len + (size_t)n == sizeof cl->buf)
            break;
        cl->len += (size_t)n;
    }
    if (n <= 0) {               /* 0: the client left; -1: e.g. reset */
        if (n < 0)
            perror("recv");
        drop(cl);
        return;
    }
    cl->len += (size_t)n;
    size_t start = 0;
    for (size_t i = 0; i < cl->len; i++) {
        if (cl->buf[i] == '\n') {
            relay(cl, cl->buf + start, i + 1 - start);
            start = i + 1;
        }
    }
    if (start == 0 && cl->len == sizeof cl->buf) {
        /* A line longer than the buffer: relay what has come. */
        relay(cl, cl->buf, cl->len);
        start = cl->len;
    }
    memmove(cl->buf, cl->buf + start, cl->len - start);
    cl->len -= start;
}

static void add_client(int dS)
{
    struct sockaddr_in aC;
    socklen_t lg = sizeof aC;
    int dSC = accept(dS, (struct sockaddr *)&aC, &lg);
    if (dSC < 0) {
        /* A client that gave up (ECONNABORTED), a signal (EINTR)...:
         * that client is lost, the server goes on. */
        perror("accept");
        return;
    }
    for (int i = 0; i < MAX_CLIENTS; i++) {
        if (clients[i].fd < 0 && dSC < FD_SETSIZE) {
            clients[i].fd = dSC;
            clients[i].len = 0;
            return;
        }
    }
    fprintf(stderr, "too many clients\n");
    close(dSC);
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
    struct sockaddr_in ad;
    memset(&ad, 0, sizeof ad);
    ad.sin_family = AF_INET;
    ad.sin_addr.s_addr = htonl(INADDR_ANY);
    ad.sin_port = htons((uint16_t)port);
    if (bind(dS, (struct sockaddr *)&ad, sizeof ad) < 0)
        die("bind");
    if (listen(dS, 7) < 0)
        die("listen");

    for (int i = 0; i < MAX_CLIENTS; i++)
        clients[i].fd = -1;

    for (;;) {
        fd_set ready;
        FD_ZERO(&ready);
        FD_SET(dS, &ready);
        int maxfd = dS;
        for (int i = 0; i < MAX_CLIENTS; i++) {
            if (clients[i].fd >= 0) {
                FD_SET(clients[i].fd, &ready);
                if (clients[i].fd > maxfd)
                    maxfd = clients[i].fd;
            }
        }
        /* select() changes the set: it is rebuilt on every turn. */
        if (select(maxfd + 1, &ready, NULL, NULL, NULL) < 0) {
            if (errno == EINTR)
                continue;
            die("select");
        }
        if (FD_ISSET(dS, &ready))
            add_client(dS);
        for (int i = 0; i < MAX_CLIENTS; i++)
            if (clients[i].fd >= 0 && FD_ISSET(clients[i].fd, &ready))
                serve(&clients[i]);
    }
}
