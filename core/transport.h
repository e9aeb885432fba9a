/* Transports: the byte pipes a connection speaks HTTP over (plain TCP,
 * wolfSSL), behind one small vtable, as curl's TLS seam. Sockets are always
 * non-blocking; every blocking step waits with poll() until a deadline. */
#ifndef HC_TRANSPORT_H
#define HC_TRANSPORT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "httpc.h"

/* An absolute time in milliseconds of CLOCK_MONOTONIC; HC_NO_DEADLINE waits
 * forever. */
typedef int64_t hc_deadline;
#define HC_NO_DEADLINE INT64_MAX

/* A connection's interrupt state (httpc_conn_interrupt), shared by the
 * transports it opens. While the owning thread polls a socket it publishes
 * the descriptor in waiting_fd; the interrupting thread sets `requested` and
 * shuts that descriptor down, which wakes poll() at once, with no extra
 * descriptor and nothing added to a call that does not wait. `lock` keeps
 * the shutdown off a descriptor the owner has closed meanwhile (and the
 * process may have reused): the interrupter holds it around reading
 * waiting_fd and shutting down, the owner passes through it once before it
 * closes a descriptor it may have published. */
typedef struct hc_cancel {
    atomic_int requested;
    atomic_int waiting_fd;
    pthread_mutex_t lock;
} hc_cancel;

int hc_cancel_init(hc_cancel *c);
void hc_cancel_destroy(hc_cancel *c);
/* The interrupting side: latches the request and wakes a waiting poll. */
void hc_cancel_request(hc_cancel *c);
/* Forgets a request no wait has consumed (httpc_conn_close). */
void hc_cancel_discard(hc_cancel *c);
int hc_cancel_take(hc_cancel *c);
/* Consumes a pending request: returns CANCELLED (recorded) or 0. c may be
 * NULL (a transport no connection can interrupt any more). Inline: it sits
 * on every send and wait, and costs one load when nothing is pending. */
static inline int hc_cancel_check(hc_cancel *c)
{
    if (c && atomic_load_explicit(&c->requested, memory_order_relaxed))
        return hc_cancel_take(c);
    return 0;
}
/* Call before closing a descriptor that hc_wait_fd may have published. */
void hc_cancel_before_close(hc_cancel *c);

int64_t hc_now_ms(void);
/* now + seconds, or HC_NO_DEADLINE for a negative timeout. */
hc_deadline hc_deadline_after(double seconds);
hc_deadline hc_deadline_min(hc_deadline a, hc_deadline b);
/* Waits until fd is readable (POLLIN) or writable (POLLOUT), the deadline
 * passes or `cancel` (may be NULL) is interrupted. Returns 0,
 * HTTPC_E_TIMEOUT, HTTPC_E_CANCELLED or HTTPC_E_OS. */
int hc_wait_fd(int fd, short events, hc_deadline deadline, hc_cancel *cancel);

typedef struct hc_transport hc_transport;

typedef struct hc_transport_ops {
    /* Reads up to cap bytes: > 0 count, 0 end of stream, < 0 an httpc code
     * (recorded with hc_fail). */
    int64_t (*read)(hc_transport *t, void *buf, size_t cap, hc_deadline deadline);
    /* Writes every byte of the vector or fails with an httpc code. */
    int (*writev)(hc_transport *t, const struct iovec *iov, int iovcnt, hc_deadline deadline);
    /* 1 when an idle connection still looks usable (no EOF, no stray bytes). */
    int (*is_alive)(hc_transport *t);
    int (*fileno)(const hc_transport *t);
    /* Closes the socket and frees the transport. */
    void (*destroy)(hc_transport *t);
} hc_transport_ops;

struct hc_transport {
    const hc_transport_ops *ops;
    /* The owning connection's interrupt state; NULL once the connection is
     * freed (a response that outlives it cannot be interrupted). */
    hc_cancel *cancel;
};

/* Resolves host, tries every address (IPv6 and IPv4) until one connects,
 * binds the source address first if given, sets TCP_NODELAY and
 * non-blocking mode. Returns 0 with *out_fd, or RESOLVE, CONNECTION_REFUSED,
 * TIMEOUT, CANCELLED, OS. Name resolution itself cannot be interrupted. */
int hc_tcp_connect(int *out_fd, const char *host, int port, const char *source_host,
                   int source_port, hc_deadline deadline, hc_cancel *cancel);
/* Wraps a connected socket; the transport owns fd from then on. */
int hc_tcp_transport_new(hc_transport **out, int fd);
/* Frees the wrapper but leaves its socket open (TLS takes it over). */
void hc_tcp_transport_release(hc_transport *t);

/* Wraps a connected socket in TLS and performs the handshake with SNI and
 * (when the context checks hostnames) verification of server_name. On
 * success the transport owns fd; on failure fd is left open for the caller.
 * *session, when not NULL, is a session to resume and is replaced by the new
 * session for the next connection (free with hc_tls_session_free). */
int hc_tls_transport_new(hc_transport **out, int fd, httpc_tls_context *ctx,
                         const char *server_name, void **session, hc_deadline deadline,
                         hc_cancel *cancel);
void hc_tls_session_free(void *session);
void hc_tls_context_ref(httpc_tls_context *ctx);

#endif
