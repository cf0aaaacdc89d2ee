/*
 * framing — send_msg and recv_msg: on a SOCK_STREAM socket "les limites
 * des messages ne sont pas définies", so the application defines them:
 * each message goes as its length (4 bytes, network order), then its
 * bytes.
 *
 * No main() here: the checker calls your functions with its own main().
 * Neither function closes fd, nor prints anything.
 */
#include <arpa/inet.h>      /* htonl, ntohl */
#include <errno.h>          /* errno, EINTR, EMSGSIZE, EPROTO */
#include <stddef.h>
#include <stdint.h>         /* uint32_t */
#include <sys/socket.h>     /* send, recv */
#include <sys/types.h>      /* ssize_t */

/*
 * TODO 1 (advice): two static helpers, as in send-all, that loop until
 * every byte has gone (send) or come (recv), move on by what each call
 * returned, call it again after EINTR, and stop when recv() returns 0
 * (the peer closed).  Keep the count received: it tells a close from a
 * complete read.
 */

/* Sends len, 4 bytes in network order, then the len bytes of msg.
 * Returns 0, or -1 on error. */
int send_msg(int fd, const void *msg, uint32_t len)
{
    /* TODO 2: uint32_t n = htonl(len); send the 4 bytes of n, all of
     * them, then the len bytes of msg (none when len is 0). */

    (void)fd;
    (void)msg;
    (void)len;
    errno = ENOSYS;
    return -1;
}

/* Receives one message into buf (cap bytes).  Returns its length (0 for
 * an empty message); -2 if the peer closed before a new message began;
 * -1 on error, errno EMSGSIZE (longer than cap, consumed) or EPROTO (the
 * peer closed in mid-message). */
ssize_t recv_msg(int fd, void *buf, size_t cap)
{
    /*
     * TODO 3: receive the 4 bytes of the length (in as many recv() as it
     * takes).  0 bytes before the close: return -2; 1 to 3: errno =
     * EPROTO, return -1.  Then len = ntohl(n).
     */

    /*
     * TODO 4: len > cap: read the len bytes into a scratch buffer and
     * throw them away (EPROTO if the peer closes first), then errno =
     * EMSGSIZE, return -1.
     */

    /*
     * TODO 5: otherwise receive exactly len bytes into buf, never more
     * (the next message may already be there); fewer because the peer
     * closed: errno = EPROTO, return -1.  Return len.
     */

    (void)fd;
    (void)buf;
    (void)cap;
    errno = ENOSYS;
    return -1;
}
