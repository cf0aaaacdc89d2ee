/*
 * tcp-thread-server — a concurrent TCP server, one thread per client.
 *
 *     ./server PORT
 *
 * For each line a client sends, sends back the line with a-z in
 * uppercase (every other byte unchanged); when the client closes, its
 * socket is closed.  After each accept(), pthread_create(): the thread
 * serves the client, the main thread accepts the next one at once.
 *
 * Build and try:
 *     cc -Wall -Wextra -pthread -o server server.c && ./server 31470
 * then, in two other terminals:   nc 127.0.0.1 31470
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#define BUF_MAX 1024

/*
 * The thread of one client: every byte it sends comes back with the
 * letters a-z in uppercase, until it closes; then its socket is closed.
 */
static void *serve(void *arg)
{
    /* TODO: int dSC = (int)(intptr_t)arg;
     * loop: n = recv(dSC, buf, sizeof buf, 0);
     *   n < 0: an error (EINTR: try again); n == 0: the client closed;
     *   else turn 'a'..'z' into 'A'..'Z' in the n bytes and send them
     *   all (send() may send fewer bytes than asked: send the rest).
     * Then close(dSC). */
    (void)arg;
    return NULL;
}

int main(int argc, char *argv[])
{
    /* TODO: exactly one argument, PORT, a decimal number 0..65535;
     * otherwise a usage line on stderr and a non-zero status. */
    (void)argc;
    (void)argv;

    /* TODO: socket(PF_INET, SOCK_STREAM, 0), bind() on INADDR_ANY at
     * htons(port), listen(): each with perror() and exit on failure. */

    for (;;) {
        /* TODO: dSC = accept(dS, ...); on -1 with errno EINTR or
         * ECONNABORTED, go round again. */

        /* TODO: pthread_t th;
         * err = pthread_create(&th, NULL, serve, (void *)(intptr_t)dSC);
         * err != 0: a message naming pthread_create, and exit with a
         * non-zero status; else pthread_detach(th).
         * Neither close(dSC) nor pthread_join() here. */
        break;  /* TODO: remove */
    }
    (void)serve;
    return EXIT_FAILURE;
}
