/*
 * send-all: send_all and recv_all (the statement: prise show send-all).
 *
 * The slide's question: send(dS, message, sizeof(message), 0) returned
 * 1024, not 2000.  What happened, and what must be done so that the
 * 500 ints are all sent?  Write the answer once, here, for every later
 * program.
 *
 * No main(): the checker links these two functions with its own.
 */
#include <errno.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

/*
 * Sends the len bytes of buf on the connected socket fd.
 * Returns len, or -1 with errno as send() left it.
 */
ssize_t send_all(int fd, const void *buf, size_t len)
{
    /*
     * TODO: one send() may send fewer bytes than asked ("il ne
     * s'agit pas d'une erreur !"): loop until all len bytes are sent,
     * each time from where the previous send() stopped.  When send()
     * fails with errno == EINTR, call it again; on any other failure,
     * return -1.
     */
    return send(fd, buf, len, 0);
}

/*
 * Receives exactly len bytes into buf, unless the peer closes first.
 * Returns the count received (len, or fewer if the peer closed), or -1
 * with errno as recv() left it.
 */
ssize_t recv_all(int fd, void *buf, size_t len)
{
    /*
     * TODO: loop as in send_all: recv() may return fewer bytes than
     * asked; never ask for more than the len - got bytes still missing;
     * 0 means the peer closed (return what came); retry after EINTR.
     */
    return recv(fd, buf, len, 0);
}
