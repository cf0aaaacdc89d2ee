/* expect: fail two-clients three-clients pieces batch half-line short-send abrupt one-process fds accept-error */
/* Mistake: the iterative server of tcp-iterative-server: it serves one
 * client until it leaves, so a second client is never even accepted. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void die(const char *call)
{
    perror(call);
    exit(EXIT_FAILURE);
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
        char buf[1024];
        ssize_t n;
        while ((n = recv(dSC, buf, sizeof buf, 0)) > 0)
            ;   /* nobody else to send it to: only one client at a time */
        close(dSC);
    }
}
