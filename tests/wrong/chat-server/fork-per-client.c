/* expect: fail two-clients three-clients pieces batch half-line short-send abrupt one-process fds accept-error */
/* Mistake: the server of tcp-fork-server, one process per client: a child
 * knows only the clients accepted before it, so lines cannot reach everyone. */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CLIENTS 64

static int clients[MAX_CLIENTS];
static int nclients;

static void die(const char *call)
{
    perror(call);
    exit(EXIT_FAILURE);
}

/* The child: relays what its client sends to the clients it knows. */
static void serve(int dSC)
{
    char buf[1024];
    for (;;) {
        ssize_t n = recv(dSC, buf, sizeof buf, 0);
        if (n <= 0)
            exit(EXIT_SUCCESS);
        for (int i = 0; i < nclients; i++)
            send(clients[i], buf, (size_t)n, MSG_NOSIGNAL);
    }
}

int main(int argc, char *argv[])
{
    if (argc != 2) {
        fprintf(stderr, "usage : %s PORT\n", argv[0]);
        return EXIT_FAILURE;
    }
    char *end;
    long port = strtol(argv[1], &end, 10);
    if (*argv[1] == '\0' || *end != '\0' || port < 0 || port > 65535) {
        fprintf(stderr, "usage : %s PORT\n", argv[0]);
        return EXIT_FAILURE;
    }
    signal(SIGCHLD, SIG_IGN);
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
        int dSC = accept(dS, NULL, NULL);
        if (dSC < 0) {
            perror("accept");
            continue;
        }
        pid_t pid = fork();
        if (pid < 0)
            die("fork");
        if (pid == 0) {
            close(dS);
            serve(dSC);
        }
        if (nclients < MAX_CLIENTS)
            clients[nclients++] = dSC;
    }
}
