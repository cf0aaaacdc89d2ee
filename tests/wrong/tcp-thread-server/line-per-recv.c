/* expect: fail pieces */
/*
 * Takes each recv() for one line: what follows the first '\n' of a piece is dropped.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#define BUF_MAX 1024

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

/*
 * The thread of one client: every byte it sends comes back with the
 * letters a-z in uppercase, until it closes.  The descriptor comes by
 * value in the pointer itself, so the next accept cannot overwrite it.
 */
static void *serve(void *arg)
{
    int dSC = (int)(intptr_t)arg;
    char buf[BUF_MAX];

    for (;;) {
        ssize_t n = recv(dSC, buf, sizeof buf, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            perror("recv");             /* this client only: the server goes on */
            break;
        }
        if (n == 0)                     /* the client closed */
            break;
        for (ssize_t i = 0; i < n; i++)
            if (buf[i] >= 'a' && buf[i] <= 'z')
                buf[i] = (char)(buf[i] - 'a' + 'A');
        char *nl = memchr(buf, '\n', (size_t)n);
        if (nl)
            n = nl - buf + 1;           /* one line per recv()... */
        if (send_all(dSC, buf, (size_t)n) < 0) {
            perror("send");
            break;
        }
    }
    close(dSC);
    return NULL;
}

int main(int argc, char *argv[])
{
    int port = argc == 2 ? parse_port(argv[1]) : -1;
    if (port < 0) {
        fprintf(stderr, "usage : %s PORT\n", argv[0]);
        return EXIT_FAILURE;
    }

    /* A client gone while its thread sends must not kill the whole server. */
    signal(SIGPIPE, SIG_IGN);

    int dS = socket(PF_INET, SOCK_STREAM, 0);
    if (dS < 0)
        die("socket");
    int one = 1;
    if (setsockopt(dS, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0)
        die("setsockopt");

    struct sockaddr_in adS;
    memset(&adS, 0, sizeof adS);
    adS.sin_family = AF_INET;
    adS.sin_addr.s_addr = htonl(INADDR_ANY);
    adS.sin_port = htons((uint16_t)port);
    if (bind(dS, (struct sockaddr *)&adS, sizeof adS) < 0)
        die("bind");
    if (listen(dS, 16) < 0)
        die("listen");

    for (;;) {
        int dSC = accept(dS, NULL, NULL);
        if (dSC < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            die("accept");
        }

        pthread_t th;
        /* pthread_create returns an error number, not -1 with errno. */
        int err = pthread_create(&th, NULL, serve, (void *)(intptr_t)dSC);
        if (err != 0) {
            fprintf(stderr, "pthread_create: %s\n", strerror(err));
            exit(EXIT_FAILURE);
        }
        pthread_detach(th);
    }
}
