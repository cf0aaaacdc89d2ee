/* expect: fail recv-basic recv-pieces recv-eintr */
/* recv_all loops while got <= len: once all came, it calls recv() again and waits. */
#include <errno.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

/* Sends the len bytes of buf; returns len, or -1 (errno set by send). */
ssize_t send_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    size_t left = len;

    while (left > 0) {
        ssize_t n = send(fd, p, left, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;               /* interrupted by a signal: retry */
            return -1;
        }
        if (n == 0) {                   /* should not happen with left > 0; */
            errno = EPIPE;              /* never loop forever on it         */
            return -1;
        }
        p += n;
        left -= (size_t)n;
    }
    return (ssize_t)len;
}

/* Receives len bytes into buf unless the peer closes first; returns the
 * number of bytes received (len, or fewer if the peer closed), -1 on error. */
ssize_t recv_all(int fd, void *buf, size_t len)
{
    char *p = buf;
    size_t got = 0;

    while (got <= len) {
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
