/* expect: fail recv-pieces recv-eintr recv-exact */
/* recv_all makes a single recv(), as on the slide. */
#include <errno.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

ssize_t send_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    size_t left = len;

    while (left > 0) {
        ssize_t n = send(fd, p, left, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += n;
        left -= (size_t)n;
    }
    return (ssize_t)len;
}

ssize_t recv_all(int fd, void *buf, size_t len)
{
    return recv(fd, buf, len, 0);
}
