/* Transports: the byte pipes a connection speaks HTTP over (plain TCP,
 * wolfSSL), behind one small vtable, as curl's TLS seam. Sockets are always
 * non-blocking and transports never wait: an operation that cannot go on
 * returns HTTPC_E_WOULD_BLOCK and says in `want` what it waits for. Exactly
 * one function waits, hc_wait_fd, called by the blocking driver. */
#ifndef HC_TRANSPORT_H
#define HC_TRANSPORT_H

#include <netdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "httpc.h"

/* An absolute time in milliseconds of CLOCK_MONOTONIC; HC_NO_DEADLINE waits
 * forever. */
typedef int64_t hc_deadline;
#define HC_NO_DEADLINE INT64_MAX

/* A connection's interrupt state (httpc_conn_interrupt), shared by the
 * transports it opens. While the owning thread waits on a socket (poll in
 * blocking mode; the caller's loop after WOULD_BLOCK in non-blocking mode)
 * the descriptor is published in waiting_fd; the interrupting thread sets
 * `requested` and shuts that descriptor down, which wakes the waiter at
 * once, with no extra descriptor and nothing added to a call that does not
 * wait. `lock` keeps the shutdown off a descriptor the owner has closed
 * meanwhile (and the process may have reused): the interrupter holds it
 * around reading waiting_fd and shutting down, the owner takes it to
 * unpublish a descriptor before closing it. */
typedef struct hc_cancel {
    atomic_int requested;
    atomic_int waiting_fd;
    pthread_mutex_t lock;
} hc_cancel;

int hc_cancel_init(hc_cancel *c);
void hc_cancel_destroy(hc_cancel *c);
/* The interrupting side: latches the request and wakes a waiter. */
void hc_cancel_request(hc_cancel *c);
/* Forgets a request no wait has consumed (httpc_conn_close). */
void hc_cancel_discard(hc_cancel *c);
int hc_cancel_take(hc_cancel *c);
/* Consumes a pending request: returns CANCELLED (recorded) or 0. c may be
 * NULL (a transport no connection can interrupt any more). Inline: it sits
 * on every send and receive, and costs one load when nothing is pending. */
static inline int hc_cancel_check(hc_cancel *c)
{
    if (c && atomic_load_explicit(&c->requested, memory_order_relaxed))
        return hc_cancel_take(c);
    return 0;
}
/* Non-blocking mode: fd is what the caller's loop will wait on. */
void hc_cancel_publish(hc_cancel *c, int fd);
/* Call before closing a descriptor that may have been published. */
void hc_cancel_before_close(hc_cancel *c, int fd);

int64_t hc_now_ms(void);
/* now + seconds, or HC_NO_DEADLINE for a negative timeout. */
hc_deadline hc_deadline_after(double seconds);
hc_deadline hc_deadline_min(hc_deadline a, hc_deadline b);
/* Waits until fd is readable (HTTPC_WAIT_READ) or writable (HTTPC_WAIT_WRITE),
 * the deadline passes or `cancel` (may be NULL) is interrupted. Returns 0,
 * HTTPC_E_TIMEOUT, HTTPC_E_CANCELLED or HTTPC_E_OS. A negative fd (an
 * in-memory test transport) returns 0 at once. The only wait in httpc. */
int hc_wait_fd(int fd, int events, hc_deadline deadline, hc_cancel *cancel);

/* Descriptor announcements (httpc_conn_set_socket_callback). */
typedef struct hc_announcer {
    httpc_socket_fn fn;
    void *userdata;
} hc_announcer;
static inline void hc_announce(const hc_announcer *a, int fd, int event)
{
    if (a && a->fn && fd >= 0)
        a->fn(a->userdata, fd, event);
}
/* Announces CLOSING, unpublishes fd from `cancel` and closes it. */
void hc_close_fd(int fd, const hc_announcer *a, hc_cancel *cancel);

typedef struct hc_transport hc_transport;

typedef struct hc_transport_ops {
    /* Reads up to cap bytes: > 0 count, 0 end of stream, HTTPC_E_WOULD_BLOCK
     * (not recorded; `want` says what for), or another code (recorded). */
    int64_t (*read)(hc_transport *t, void *buf, size_t cap);
    /* Writes a prefix of the vector: the count (> 0), WOULD_BLOCK (not
     * recorded; the caller must offer the same bytes again), or a code. */
    int64_t (*writev)(hc_transport *t, const struct iovec *iov, int iovcnt);
    /* 1 when an idle connection still looks usable (no EOF, no stray bytes). */
    int (*is_alive)(hc_transport *t);
    int (*fileno)(const hc_transport *t);
    /* Closes the socket (announcing it) and frees the transport. */
    void (*destroy)(hc_transport *t);
} hc_transport_ops;

struct hc_transport {
    const hc_transport_ops *ops;
    /* The owning connection's interrupt state; NULL once the connection is
     * freed (a response that outlives it cannot be interrupted). */
    hc_cancel *cancel;
    hc_announcer announcer;
    int want; /* after WOULD_BLOCK: HTTPC_WAIT_READ or HTTPC_WAIT_WRITE */
};

/* A TCP connect in steps: resolution (inline when blocking, on a helper
 * thread when not), then each address in turn. Set the inputs, zero the
 * rest, call hc_tcp_connect until it stops returning WOULD_BLOCK (then
 * wait_fd / wait_events say what for), and hc_tcp_connect_abandon to give
 * up half way. */
typedef struct hc_resolve_job hc_resolve_job;
typedef struct hc_tcp_connecting {
    /* Inputs. */
    const char *host;
    int port;
    const char *source_host;
    int source_port;
    hc_deadline deadline;
    hc_cancel *cancel;
    const hc_announcer *announcer;
    bool nonblocking;
    /* Progress. */
    int phase;
    hc_resolve_job *job;
    struct addrinfo *addrs, *next;
    struct sockaddr_storage literal;
    struct addrinfo literal_ai;
    int fd;
    int last_rc;
    int wait_fd, wait_events;
} hc_tcp_connecting;

/* Returns 0 with *out_fd (connected, TCP_NODELAY, non-blocking), WOULD_BLOCK,
 * or RESOLVE, CONNECTION_REFUSED, TIMEOUT, CANCELLED, OS. Blocking-mode
 * resolution (getaddrinfo) cannot be interrupted. */
int hc_tcp_connect(hc_tcp_connecting *c, int *out_fd);
void hc_tcp_connect_abandon(hc_tcp_connecting *c);
/* Wraps a connected socket; the transport owns fd from then on. */
int hc_tcp_transport_new(hc_transport **out, int fd);
/* Frees the wrapper but leaves its socket open (TLS takes it over). */
void hc_tcp_transport_release(hc_transport *t);

/* TLS over a connected socket: hc_tls_transport_new prepares it (SNI and,
 * when the context checks hostnames, verification of server_name), then
 * hc_tls_handshake is called until it stops returning WOULD_BLOCK. The
 * transport owns fd only once the handshake succeeded; on failure call
 * hc_tls_transport_discard, which leaves fd open for the caller. *session,
 * when not NULL, is a session to resume and is replaced by the new session
 * for the next connection (free with hc_tls_session_free). */
int hc_tls_transport_new(hc_transport **out, int fd, httpc_tls_context *ctx,
                         const char *server_name, void **session);
int hc_tls_handshake(hc_transport *t);
void hc_tls_transport_discard(hc_transport *t);
void hc_tls_session_free(void *session);
void hc_tls_context_ref(httpc_tls_context *ctx);

#endif
