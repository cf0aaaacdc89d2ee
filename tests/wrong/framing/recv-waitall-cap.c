/* expect: fail round-trip empty recv-pieces one-segment emsgsize eintr recv-error */
/* recv_msg reads the message with recv(fd, buf, cap, MSG_WAITALL): it waits for cap bytes. */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

/* Sends the len bytes of buf; returns 0, or -1 (errno set by send). */
static int send_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;

    while (len > 0) {
        ssize_t n = send(fd, p, len, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;               /* interrupted by a signal: retry */
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Receives len bytes unless the peer closes first; returns the count
 * received (len, or fewer if the peer closed), -1 on error. */
static ssize_t recv_all(int fd, void *buf, size_t len)
{
    char *p = buf;
    size_t got = 0;

    while (got < len) {
        ssize_t n = recv(fd, p + got, len - got, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;               /* interrupted by a signal: retry */
            return -1;
        }
        if (n == 0)
            break;                      /* the peer closed the connection */
        got += (size_t)n;
    }
    return (ssize_t)got;
}

int send_msg(int fd, const void *msg, uint32_t len)
{
    uint32_t n = htonl(len);            /* the length in network order */

    if (send_all(fd, &n, sizeof n) < 0)
        return -1;
    if (send_all(fd, msg, len) < 0)
        return -1;
    return 0;
}

/* Reads and throws away len bytes; 0, or -1 (EPROTO if the peer closed). */
static int discard(int fd, uint32_t len)
{
    char trash[512];

    while (len > 0) {
        size_t k = len < sizeof trash ? len : sizeof trash;
        ssize_t got = recv_all(fd, trash, k);
        if (got < 0)
            return -1;
        if ((size_t)got < k) {
            errno = EPROTO;             /* closed inside the message */
            return -1;
        }
        len -= (uint32_t)k;
    }
    return 0;
}

ssize_t recv_msg(int fd, void *buf, size_t cap)
{
    uint32_t n;
    ssize_t got = recv_all(fd, &n, sizeof n);

    if (got < 0)
        return -1;
    if (got == 0)
        return -2;                      /* closed before a new message */
    if ((size_t)got < sizeof n) {
        errno = EPROTO;                 /* closed inside the length */
        return -1;
    }
    uint32_t len = ntohl(n);
    if (len > cap) {
        /* Too long for buf: consume it, so that the next call reads the
         * next message. */
        if (discard(fd, len) < 0)
            return -1;
        errno = EMSGSIZE;
        return -1;
    }
    do
        got = recv(fd, buf, cap, MSG_WAITALL);
    while (got < 0 && errno == EINTR);
    if (got > (ssize_t)len)
        got = (ssize_t)len;
    if (got < 0)
        return -1;
    if ((size_t)got < len) {
        errno = EPROTO;                 /* closed inside the message */
        return -1;
    }
    return (ssize_t)len;
}
