/*
 * tcp-fork-server — a concurrent TCP server, one process per client.
 *
 *     ./server PORT
 *
 * For each line a client sends, sends back the line with a-z in
 * uppercase (every other byte unchanged); when the client closes, its
 * socket is closed.  After each accept(), fork(): the child serves the
 * client, the parent accepts the next one at once.
 *
 * Build and try:   cc -Wall -Wextra -o server server.c && ./server 31470
 * then, in two other terminals:   nc 127.0.0.1 31470
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

/* TODO: a SIGCHLD handler that reaps every child that has ended:
 * while (waitpid(-1, NULL, WNOHANG) > 0) ;  (save and restore errno) */

/*
 * Serves one client until it closes: every byte it sends comes back
 * with the letters a-z in uppercase.  Returns 0, or -1 on an error.
 */
static int serve(int dSC)
{
    /* TODO: loop: n = recv(dSC, buf, sizeof buf, 0);
     *   n < 0: an error (EINTR: try again); n == 0: the client closed;
     *   else turn 'a'..'z' into 'A'..'Z' in the n bytes and send them
     *   all (send() may send fewer bytes than asked: send the rest). */
    (void)dSC;
    return 0;
}

int main(int argc, char *argv[])
{
    /* TODO: exactly one argument, PORT, a decimal number 0..65535;
     * otherwise a usage line on stderr and a non-zero status. */
    (void)argc;
    (void)argv;

    /* TODO: install the SIGCHLD handler with sigaction()
     * (or signal(SIGCHLD, SIG_IGN)). */

    /* TODO: socket(PF_INET, SOCK_STREAM, 0), bind() on INADDR_ANY at
     * htons(port), listen(): each with perror() and exit on failure. */

    for (;;) {
        /* TODO: dSC = accept(dS, ...); on -1 with errno EINTR or
         * ECONNABORTED, go round again. */

        /* TODO: pid = fork();
         *   -1: perror("fork") and exit with a non-zero status;
         *    0 (the child): close(dS), serve(dSC), close(dSC), exit;
         *   else (the parent): close(dSC). */
        break;  /* TODO: remove */
    }
    (void)serve;
    return EXIT_FAILURE;
}
