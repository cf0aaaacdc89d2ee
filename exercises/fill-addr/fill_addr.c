/*
 * fill-addr — fill a struct sockaddr_in from an IPv4 address and a port,
 * both given as strings, ready for bind() or connect().
 *
 * No main() here: the checker calls your function with its own main().
 * The function prints nothing; it returns 0, or -1 when ip or port is
 * invalid.
 */
#include <arpa/inet.h>      /* htons, htonl, inet_pton */
#include <netinet/in.h>     /* struct sockaddr_in, INADDR_ANY */
#include <stdint.h>
#include <string.h>         /* memset */
#include <sys/socket.h>     /* AF_INET */

int fill_addr(struct sockaddr_in *addr, const char *ip, const char *port)
{
    /*
     * TODO 1: check port: 1 to 5 characters, each one '0'..'9' (no sign,
     * no space), whose decimal value is at most 65535.  atoi() cannot tell
     * "80x" or "abc" from a number: test the characters yourself, or use
     * strtol(port, &end, 10) and look at end.
     */

    /* TODO 2: clear the whole struct (sin_zero too): memset(addr, 0, ...). */

    /* TODO 3: sin_family, and sin_port in network order (htons). */

    /*
     * TODO 4: sin_addr: INADDR_ANY when ip == NULL, else
     * inet_pton(AF_INET, ip, &addr->sin_addr), which returns 1 only when
     * ip is a valid address.
     */

    (void)addr;
    (void)ip;
    (void)port;
    return -1;
}
