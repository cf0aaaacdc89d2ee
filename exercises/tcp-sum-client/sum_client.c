/*
 * tcp-sum-client IP PORT
 *
 * Reads 500 integers on standard input, sends them to the server as
 * 500 32-bit integers in network order (2000 bytes), receives their sum
 * (a 32-bit integer in network order) and prints "somme : <sum>".
 *
 * Lit 500 entiers sur l'entrée standard, les envoie au serveur en 500
 * entiers de 32 bits en ordre réseau (2000 octets), reçoit leur somme
 * (un entier de 32 bits en ordre réseau) et affiche "somme : <somme>".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#define COUNT 500

int main(int argc, char *argv[])
{
    /* TODO: exactly two arguments, IP and PORT; otherwise a usage line
     * on stderr and a non-zero status.  (Bonus: refuse a PORT that is
     * not a decimal number 0-65535.) */
    (void)argc;
    (void)argv;

    /* TODO: read the 500 integers (scanf("%d", ...) returns 1 when it
     * read one).  Fewer than 500, or a token that is not an integer:
     * a message on stderr, a non-zero status, and nothing sent.
     * Store each one in network order: htonl(). */
    int32_t message[COUNT];
    (void)message;

    /* TODO: as on the slide "On reprend tout : exemple":
     *   dS = socket(PF_INET, SOCK_STREAM, 0);
     *   struct sockaddr_in aS; ... inet_pton ... htons ...
     *   connect(dS, (struct sockaddr *) &aS, sizeof aS);
     * + gestion des retours de fonctions ! (perror("connect")...) */

    /* TODO: ssize_t res = send(dS, message, sizeof(message), 0);
     * "Si la valeur de retour res est 1024, que s'est-il produit ?"
     * Loop until the 2000 bytes are sent. */

    /* TODO: receive the 4 bytes of the sum (they may come in pieces:
     * loop; recv returning 0 means the server closed), convert with
     * ntohl(), print "somme : %d\n", close the socket, return 0. */

    fprintf(stderr, "not written yet / pas encore écrit\n");
    return EXIT_FAILURE;
}
