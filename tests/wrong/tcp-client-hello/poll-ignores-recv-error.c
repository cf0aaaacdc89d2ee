/* expect: fail io-errors bad-port */
/* WRONG: polls before each call and goes on when recv() fails (and takes any PORT). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void wait_for(int fd, short ev)
{
    struct pollfd p = { .fd = fd, .events = ev };
    for (;;) {
        int k = poll(&p, 1, -1);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) { perror("poll"); exit(1); }
        return;
    }
}

int main(int argc, char *argv[])
{
    if (argc != 3) {
        fprintf(stderr, "Utilisation : %s <ip> <port>\n", argv[0]);
        exit(1);
    }
    int dS = socket(AF_INET, SOCK_STREAM, 0);
    if (dS < 0) { perror("Erreur socket"); exit(1); }
    struct sockaddr_in aS;
    memset(&aS, 0, sizeof(aS));
    aS.sin_family = AF_INET;
    aS.sin_port = htons(atoi(argv[2]));
    int res = inet_pton(AF_INET, argv[1], &aS.sin_addr);
    if (res <= 0) { fprintf(stderr, "Erreur : adresse IP invalide\n"); close(dS); exit(1); }
    if (connect(dS, (struct sockaddr *)&aS, sizeof(aS)) < 0) { perror("Erreur connect"); close(dS); exit(1); }
    const char *m = "Bonjour";
    size_t tot = 0;
    while (tot < 8) {
        wait_for(dS, POLLOUT);
        ssize_t n = send(dS, m + tot, 8 - tot, 0);
        if (n < 0) { perror("Erreur send"); close(dS); exit(1); }
        tot += n;
    }
    int r; char *p = (char *)&r; tot = 0;
    while (tot < sizeof(int)) {
        wait_for(dS, POLLIN);
        ssize_t n = recv(dS, p + tot, sizeof(int) - tot, 0);
        if (n < 0) { break; }
        if (n == 0) { fprintf(stderr, "Erreur : le serveur a ferme la connexion\n"); close(dS); exit(1); }
        tot += n;
    }
    char out[64];
    int k = snprintf(out, sizeof out, "reponse : %d\n", r);
    if (write(1, out, k) != k) { perror("write"); exit(1); }
    close(dS);
    return 0;
}
