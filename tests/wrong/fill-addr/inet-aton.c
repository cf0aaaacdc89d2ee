/* expect: fail bad-ip */
/* Wrong on purpose: inet_aton() instead of inet_pton(), so "127.1" and "1" are accepted. */
/*
 * fill-addr — model solution.
 * Fills a struct sockaddr_in from an IPv4 address and a port, both given as
 * strings, as needed before bind() or connect().
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

int fill_addr(struct sockaddr_in *addr, const char *ip, const char *port)
{
    if (addr == NULL || port == NULL)
        return -1;

    /* Port: 1 to 5 ASCII digits, value 0..65535 (atoi would accept "80x"). */
    unsigned long value = 0;
    size_t ndigits = 0;
    for (const char *p = port; *p != '\0'; p++) {
        if (*p < '0' || *p > '9' || ++ndigits > 5)
            return -1;
        value = value * 10 + (unsigned long)(*p - '0');
    }
    if (ndigits == 0 || value > 65535)
        return -1;

    /* Clear everything, padding (sin_zero) included. */
    memset(addr, 0, sizeof *addr);
    addr->sin_family = AF_INET;
    addr->sin_port = htons((uint16_t)value);          /* network order */

    if (ip == NULL) {
        addr->sin_addr.s_addr = htonl(INADDR_ANY);    /* all interfaces */
    } else if (inet_aton(ip, &addr->sin_addr) == 0) {
        return -1;                                    /* 0: invalid */
    }
    return 0;
}
