/* Runs an unchanged blocking test suite through the non-blocking mode.
 *
 * Linked into a second build of a test binary with -Wl,--wrap for every
 * public call that may wait: each connection is switched to non-blocking
 * mode when it is made, and each call is driven the way an event loop would
 * drive it (call; on WOULD_BLOCK ask httpc_*_wait, poll that descriptor for
 * that long, call again with the same arguments). The socket calls httpc
 * makes are wrapped too: on a non-blocking socket they fail with EAGAIN at
 * seeded random points (HTTPC_NB_SEED, default 1), and connects that
 * finished at once report EINPROGRESS, so every step is resumed from the
 * middle of its work. The suites' own servers use blocking sockets and are
 * left alone. The outcomes must be those of the blocking build. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "httpc.h"

/* ------------------------------------------------------------------ */
/* Would-block at random on the client's sockets                       */
/* ------------------------------------------------------------------ */

static _Thread_local uint64_t chaos_state;
/* How much resuming a run did: HTTPC_NB_REPORT=1 prints it at exit. */
static atomic_long calls_resumed, injected_would_blocks;

static void report(void)
{
    fprintf(stderr,
            "nb_shim: %ld calls resumed after WOULD_BLOCK, %ld socket calls made to would-block\n",
            atomic_load(&calls_resumed), atomic_load(&injected_would_blocks));
}

__attribute__((constructor)) static void report_at_exit(void)
{
    if (getenv("HTTPC_NB_REPORT"))
        atexit(report);
}

static int chaos_fires(int fd)
{
    if (fcntl(fd, F_GETFL) < 0 || !(fcntl(fd, F_GETFL) & O_NONBLOCK))
        return 0;
    if (chaos_state == 0) {
        const char *seed = getenv("HTTPC_NB_SEED");
        chaos_state = (seed ? strtoull(seed, NULL, 10) : 1) * 0x9E3779B97F4A7C15ull + 1;
    }
    chaos_state ^= chaos_state << 13;
    chaos_state ^= chaos_state >> 7;
    chaos_state ^= chaos_state << 17;
    if (chaos_state % 3 != 0)
        return 0;
    atomic_fetch_add(&injected_would_blocks, 1);
    return 1;
}

ssize_t __real_recv(int fd, void *buf, size_t len, int flags);
ssize_t __real_send(int fd, const void *buf, size_t len, int flags);
ssize_t __real_sendmsg(int fd, const struct msghdr *msg, int flags);
int __real_connect(int fd, const struct sockaddr *addr, socklen_t len);
ssize_t __wrap_recv(int fd, void *buf, size_t len, int flags);
ssize_t __wrap_send(int fd, const void *buf, size_t len, int flags);
ssize_t __wrap_sendmsg(int fd, const struct msghdr *msg, int flags);
int __wrap_connect(int fd, const struct sockaddr *addr, socklen_t len);

ssize_t __wrap_recv(int fd, void *buf, size_t len, int flags)
{
    /* Liveness probes (MSG_PEEK) must see the truth. */
    if (!(flags & MSG_PEEK) && chaos_fires(fd)) {
        errno = EAGAIN;
        return -1;
    }
    return __real_recv(fd, buf, len, flags);
}

ssize_t __wrap_send(int fd, const void *buf, size_t len, int flags)
{
    if (chaos_fires(fd)) {
        errno = EAGAIN;
        return -1;
    }
    return __real_send(fd, buf, len, flags);
}

ssize_t __wrap_sendmsg(int fd, const struct msghdr *msg, int flags)
{
    if (chaos_fires(fd)) {
        errno = EAGAIN;
        return -1;
    }
    return __real_sendmsg(fd, msg, flags);
}

int __wrap_connect(int fd, const struct sockaddr *addr, socklen_t len)
{
    int rc = __real_connect(fd, addr, len);
    if (rc == 0 && chaos_fires(fd)) {
        errno = EINPROGRESS;
        return -1;
    }
    return rc;
}

/* ------------------------------------------------------------------ */
/* Driving each call as an event loop would                            */
/* ------------------------------------------------------------------ */

static void wait_as_asked(const httpc_wait *w)
{
    if (w->fd < 0)
        return; /* nothing to watch (an in-memory transport): call again */
    struct pollfd p = {.fd = w->fd,
                       .events = (short)(((w->events & HTTPC_WAIT_READ) ? POLLIN : 0) |
                                         ((w->events & HTTPC_WAIT_WRITE) ? POLLOUT : 0))};
    poll(&p, 1, w->timeout_ms < 0 ? -1 : (int)w->timeout_ms);
}

static void wait_conn(httpc_conn *conn)
{
    httpc_wait w;
    httpc_conn_wait(conn, &w);
    wait_as_asked(&w);
}

static void wait_response(httpc_response *r)
{
    httpc_wait w;
    httpc_response_wait(r, &w);
    wait_as_asked(&w);
}

#define DRIVE(call, waiter, object)                                                                \
    do {                                                                                           \
        int rc_;                                                                                   \
        while ((rc_ = (call)) == HTTPC_E_WOULD_BLOCK) {                                            \
            atomic_fetch_add(&calls_resumed, 1);                                                   \
            waiter(object);                                                                        \
        }                                                                                          \
        return rc_;                                                                                \
    } while (0)

int __real_httpc_conn_new(httpc_conn **out, const char *host, int port,
                          const httpc_conn_options *opts);
int __real_httpc_conn_new_https(httpc_conn **out, const char *host, int port,
                                const httpc_conn_options *opts, httpc_tls_context *tls);
int __real_httpc_conn_connect(httpc_conn *conn);
int __real_httpc_conn_request(httpc_conn *conn, const char *method, const char *url,
                              const httpc_body *body, const httpc_header *headers, size_t n_headers,
                              int flags);
int __real_httpc_conn_endheaders(httpc_conn *conn, const httpc_body *body, int flags);
int __real_httpc_conn_send(httpc_conn *conn, const void *data, size_t len);
int __real_httpc_conn_body_write(httpc_conn *conn, const void *data, size_t len);
int __real_httpc_conn_body_end(httpc_conn *conn);
int __real_httpc_conn_getresponse(httpc_conn *conn, httpc_response **out);
int __real_httpc_response_read(httpc_response *r, void *buf, size_t cap, size_t *out_n);
int __real_httpc_response_read1(httpc_response *r, void *buf, size_t cap, size_t *out_n);
int __real_httpc_response_readline(httpc_response *r, void *buf, size_t cap, size_t *out_n);
int __real_httpc_response_read_all(httpc_response *r, char **out_data, size_t *out_len);
int __real_httpc_response_peek(httpc_response *r, const void **out_data, size_t *out_n);
int __real_httpc_response_drain(httpc_response *r);

int __wrap_httpc_conn_new(httpc_conn **out, const char *host, int port,
                          const httpc_conn_options *opts);
int __wrap_httpc_conn_new_https(httpc_conn **out, const char *host, int port,
                                const httpc_conn_options *opts, httpc_tls_context *tls);
int __wrap_httpc_conn_connect(httpc_conn *conn);
int __wrap_httpc_conn_request(httpc_conn *conn, const char *method, const char *url,
                              const httpc_body *body, const httpc_header *headers, size_t n_headers,
                              int flags);
int __wrap_httpc_conn_endheaders(httpc_conn *conn, const httpc_body *body, int flags);
int __wrap_httpc_conn_send(httpc_conn *conn, const void *data, size_t len);
int __wrap_httpc_conn_body_write(httpc_conn *conn, const void *data, size_t len);
int __wrap_httpc_conn_body_end(httpc_conn *conn);
int __wrap_httpc_conn_getresponse(httpc_conn *conn, httpc_response **out);
int __wrap_httpc_response_read(httpc_response *r, void *buf, size_t cap, size_t *out_n);
int __wrap_httpc_response_read1(httpc_response *r, void *buf, size_t cap, size_t *out_n);
int __wrap_httpc_response_readline(httpc_response *r, void *buf, size_t cap, size_t *out_n);
int __wrap_httpc_response_read_all(httpc_response *r, char **out_data, size_t *out_len);
int __wrap_httpc_response_peek(httpc_response *r, const void **out_data, size_t *out_n);
int __wrap_httpc_response_drain(httpc_response *r);

int __wrap_httpc_conn_new(httpc_conn **out, const char *host, int port,
                          const httpc_conn_options *opts)
{
    int rc = __real_httpc_conn_new(out, host, port, opts);
    if (rc == HTTPC_OK)
        httpc_conn_set_nonblocking(*out, 1);
    return rc;
}

int __wrap_httpc_conn_new_https(httpc_conn **out, const char *host, int port,
                                const httpc_conn_options *opts, httpc_tls_context *tls)
{
    int rc = __real_httpc_conn_new_https(out, host, port, opts, tls);
    if (rc == HTTPC_OK)
        httpc_conn_set_nonblocking(*out, 1);
    return rc;
}

int __wrap_httpc_conn_connect(httpc_conn *conn)
{
    DRIVE(__real_httpc_conn_connect(conn), wait_conn, conn);
}

int __wrap_httpc_conn_request(httpc_conn *conn, const char *method, const char *url,
                              const httpc_body *body, const httpc_header *headers, size_t n_headers,
                              int flags)
{
    DRIVE(__real_httpc_conn_request(conn, method, url, body, headers, n_headers, flags), wait_conn,
          conn);
}

int __wrap_httpc_conn_endheaders(httpc_conn *conn, const httpc_body *body, int flags)
{
    DRIVE(__real_httpc_conn_endheaders(conn, body, flags), wait_conn, conn);
}

int __wrap_httpc_conn_send(httpc_conn *conn, const void *data, size_t len)
{
    DRIVE(__real_httpc_conn_send(conn, data, len), wait_conn, conn);
}

int __wrap_httpc_conn_body_write(httpc_conn *conn, const void *data, size_t len)
{
    DRIVE(__real_httpc_conn_body_write(conn, data, len), wait_conn, conn);
}

int __wrap_httpc_conn_body_end(httpc_conn *conn)
{
    DRIVE(__real_httpc_conn_body_end(conn), wait_conn, conn);
}

int __wrap_httpc_conn_getresponse(httpc_conn *conn, httpc_response **out)
{
    DRIVE(__real_httpc_conn_getresponse(conn, out), wait_conn, conn);
}

int __wrap_httpc_response_read(httpc_response *r, void *buf, size_t cap, size_t *out_n)
{
    DRIVE(__real_httpc_response_read(r, buf, cap, out_n), wait_response, r);
}

int __wrap_httpc_response_read1(httpc_response *r, void *buf, size_t cap, size_t *out_n)
{
    DRIVE(__real_httpc_response_read1(r, buf, cap, out_n), wait_response, r);
}

int __wrap_httpc_response_readline(httpc_response *r, void *buf, size_t cap, size_t *out_n)
{
    DRIVE(__real_httpc_response_readline(r, buf, cap, out_n), wait_response, r);
}

int __wrap_httpc_response_read_all(httpc_response *r, char **out_data, size_t *out_len)
{
    DRIVE(__real_httpc_response_read_all(r, out_data, out_len), wait_response, r);
}

int __wrap_httpc_response_peek(httpc_response *r, const void **out_data, size_t *out_n)
{
    DRIVE(__real_httpc_response_peek(r, out_data, out_n), wait_response, r);
}

int __wrap_httpc_response_drain(httpc_response *r)
{
    DRIVE(__real_httpc_response_drain(r), wait_response, r);
}
