/* expect: fail bad-port */
/*
 * Checks argc, but reads PORT with atoi(): "abc" becomes port 0.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
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

/* Reaps every child that has ended (several may end for one signal). */
static void reap_children(int sig)
{
    int saved = errno;

    (void)sig;
    while (waitpid(-1, NULL, WNOHANG) > 0)
        ;
    errno = saved;
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
 * Serves one client until it closes: every byte it sends comes back with
 * the letters a-z in uppercase.  Answering each piece as it comes answers
 * each line, however the lines were cut.  Returns 0, or -1 on an error.
 */
static int serve(int dSC)
{
    char buf[BUF_MAX];

    for (;;) {
        ssize_t n = recv(dSC, buf, sizeof buf, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            perror("recv");
            return -1;
        }
        if (n == 0)                     /* the client closed */
            return 0;
        for (ssize_t i = 0; i < n; i++)
            if (buf[i] >= 'a' && buf[i] <= 'z')
                buf[i] = (char)(buf[i] - 'a' + 'A');
        if (send_all(dSC, buf, (size_t)n) < 0) {
            perror("send");
            return -1;
        }
    }
}

int main(int argc, char *argv[])
{
    (void)parse_port;
    int port = argc == 2 ? atoi(argv[1]) : -1;
    if (port < 0) {
        fprintf(stderr, "usage : %s PORT\n", argv[0]);
        return EXIT_FAILURE;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = reap_children;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
    if (sigaction(SIGCHLD, &sa, NULL) < 0)
        die("sigaction");

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
        struct sockaddr_in adC;
        socklen_t lg = sizeof adC;
        int dSC = accept(dS, (struct sockaddr *)&adC, &lg);
        if (dSC < 0) {
            /* A signal (SIGCHLD) or a client gone before accept: go on. */
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            die("accept");
        }

        pid_t pid = fork();
        if (pid < 0)
            die("fork");
        if (pid == 0) {                 /* the child: this client only */
            close(dS);
            int status = serve(dSC) < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
            close(dSC);
            exit(status);
        }
        close(dSC);                     /* the parent: the next client */
    }
}
