/* expect: fail send-short send-eintr send-error */
/* send_all makes a single send(), as on the slide, and returns what it sent. */
#include <errno.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

ssize_t send_all(int fd, const void *buf, size_t len)
{
    return send(fd, buf, len, 0);
}

ssize_t recv_all(int fd, void *buf, size_t len)
{
    char *p = buf;
    size_t got = 0;

    while (got < len) {
        ssize_t n = recv(fd, p + got, len - got, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (n == 0)
            break;
        got += (size_t)n;
    }
    return (ssize_t)got;
}
