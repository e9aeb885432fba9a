#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "transport.h"

int64_t hc_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

hc_deadline hc_deadline_after(double seconds)
{
    if (seconds < 0)
        return HC_NO_DEADLINE;
    if (seconds > 1e9)
        return HC_NO_DEADLINE;
    return hc_now_ms() + (int64_t)(seconds * 1000.0 + 0.5);
}

hc_deadline hc_deadline_min(hc_deadline a, hc_deadline b)
{
    return a < b ? a : b;
}

/* ------------------------------------------------------------------ */
/* Interrupts (httpc_conn_interrupt)                                    */
/* ------------------------------------------------------------------ */

int hc_cancel_init(hc_cancel *c)
{
    atomic_init(&c->requested, 0);
    atomic_init(&c->waiting_fd, -1);
    return pthread_mutex_init(&c->lock, NULL) == 0 ? HTTPC_OK : hc_fail(HTTPC_E_NOMEM, NULL);
}

void hc_cancel_destroy(hc_cancel *c)
{
    pthread_mutex_destroy(&c->lock);
}

void hc_cancel_request(hc_cancel *c)
{
    /* Sequentially consistent with the owner's publish-then-check in
     * hc_wait_fd: either it sees `requested`, or we see its descriptor. */
    atomic_store(&c->requested, 1);
    pthread_mutex_lock(&c->lock);
    /* Only while the request is still pending: once the owner has taken it
     * (it may do so without waiting, before a receive), the descriptor now
     * published belongs to a later operation, which must not be woken by an
     * EOF it would read as the peer's. */
    int fd = atomic_load(&c->requested) ? atomic_load(&c->waiting_fd) : -1;
    /* Wakes a poll on connect, TLS, send or receive; the resolver's
     * eventfd is woken by a count instead. */
    if (fd >= 0 && shutdown(fd, SHUT_RDWR) < 0 && errno == ENOTSOCK) {
        uint64_t one = 1;
        ssize_t ignored = write(fd, &one, sizeof one);
        (void)ignored;
    }
    pthread_mutex_unlock(&c->lock);
}

void hc_cancel_discard(hc_cancel *c)
{
    atomic_store(&c->requested, 0);
}

int hc_cancel_take(hc_cancel *c)
{
    if (!atomic_exchange(&c->requested, 0))
        return HTTPC_OK;
    return hc_fail_os(HTTPC_E_CANCELLED, ECONNABORTED,
                      "operation cancelled (the connection was interrupted)");
}

void hc_cancel_publish(hc_cancel *c, int fd)
{
    if (c)
        atomic_store(&c->waiting_fd, fd);
}

void hc_cancel_before_close(hc_cancel *c, int fd)
{
    if (!c)
        return;
    /* An interrupter that read this descriptor finishes its shutdown before
     * we close it; later ones find waiting_fd no longer naming it. */
    pthread_mutex_lock(&c->lock);
    int expected = fd;
    atomic_compare_exchange_strong(&c->waiting_fd, &expected, -1);
    pthread_mutex_unlock(&c->lock);
}

void hc_close_fd(int fd, const hc_announcer *a, hc_cancel *cancel)
{
    if (fd < 0)
        return;
    hc_announce(a, fd, HTTPC_SOCKET_CLOSING);
    hc_cancel_before_close(cancel, fd);
    close(fd);
}

static int poll_until(int fd, short events, hc_deadline deadline)
{
    for (;;) {
        int wait_ms = -1;
        if (deadline != HC_NO_DEADLINE) {
            int64_t left = deadline - hc_now_ms();
            if (left <= 0)
                return hc_fail(HTTPC_E_TIMEOUT, "timed out");
            wait_ms = left > 1000000 ? 1000000 : (int)left;
        }
        struct pollfd p = {.fd = fd, .events = events};
        int n = poll(&p, 1, wait_ms);
        if (n > 0)
            return HTTPC_OK; /* errors and hangups surface in the next I/O call */
        if (n == 0) {
            if (deadline != HC_NO_DEADLINE && deadline - hc_now_ms() <= 0)
                return hc_fail(HTTPC_E_TIMEOUT, "timed out");
            continue;
        }
        if (errno != EINTR)
            return hc_fail_os(HTTPC_E_OS, errno, "poll: %s", strerror(errno));
    }
}

int hc_wait_fd(int fd, int events, hc_deadline deadline, hc_cancel *cancel)
{
    if (fd < 0)
        return hc_cancel_check(cancel);
    short poll_events = (short)(((events & HTTPC_WAIT_READ) ? POLLIN : 0) |
                                ((events & HTTPC_WAIT_WRITE) ? POLLOUT : 0));
    if (!cancel)
        return poll_until(fd, poll_events, deadline);
    atomic_store(&cancel->waiting_fd, fd);
    int rc = atomic_load(&cancel->requested) ? HTTPC_OK : poll_until(fd, poll_events, deadline);
    atomic_store(&cancel->waiting_fd, -1);
    /* An interrupt that came while we were published may have shut the
     * socket down: it always wins over what poll said. */
    int cancelled = hc_cancel_check(cancel);
    return cancelled ? cancelled : rc;
}

static int bind_source(int fd, int family, const char *source_host, int source_port)
{
    if (!source_host && source_port == 0)
        return HTTPC_OK;
    char port_text[16];
    snprintf(port_text, sizeof port_text, "%d", source_port);
    struct addrinfo hints = {
        .ai_family = family, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    int gai =
        getaddrinfo(source_host && *source_host ? source_host : NULL, port_text, &hints, &res);
    if (gai != 0)
        return hc_fail(HTTPC_E_RESOLVE, "source address %s: %s", source_host ? source_host : "",
                       gai_strerror(gai));
    int rc = bind(fd, res->ai_addr, res->ai_addrlen);
    int saved = errno;
    freeaddrinfo(res);
    if (rc < 0)
        return hc_fail_os(HTTPC_E_OS, saved, "bind to source address: %s", strerror(saved));
    return HTTPC_OK;
}

/* ------------------------------------------------------------------ */
/* Name resolution on a helper thread (non-blocking mode)              */
/* ------------------------------------------------------------------ */

/* curl's threaded resolver, in small: getaddrinfo runs on a detached
 * thread that writes to an eventfd when done; the caller's loop watches the
 * eventfd. The job is shared (refs) so that a connection closed or freed
 * while the lookup runs just lets go of it; the last holder closes the
 * eventfd and frees the result. */
struct hc_resolve_job {
    atomic_int refs;
    int wake_fd;
    char *host;
    char port_text[16];
    int gai;
    int gai_errno;
    struct addrinfo *res;
};

static int resolve_now(const char *host, const char *port_text, struct addrinfo **res,
                       int *gai_errno)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_ADDRCONFIG | AI_NUMERICSERV};
    int gai = getaddrinfo(host, port_text, &hints, res);
    if (gai == EAI_NONAME || gai == EAI_FAIL || gai == EAI_NODATA || gai == EAI_ADDRFAMILY) {
        /* AI_ADDRCONFIG hides ::1 on hosts without a global IPv6 address. */
        hints.ai_flags = AI_NUMERICSERV;
        gai = getaddrinfo(host, port_text, &hints, res);
    }
    *gai_errno = gai == EAI_SYSTEM ? errno : 0;
    return gai;
}

static void job_unref(hc_resolve_job *job)
{
    if (atomic_fetch_sub(&job->refs, 1) != 1)
        return;
    close(job->wake_fd);
    if (job->res)
        freeaddrinfo(job->res);
    free(job->host);
    free(job);
}

static void *resolve_thread(void *arg)
{
    hc_resolve_job *job = arg;
    job->gai = resolve_now(job->host, job->port_text, &job->res, &job->gai_errno);
    uint64_t one = 1;
    /* The release ordering of the write and the reader's read of the eventfd
     * publish the result. */
    while (write(job->wake_fd, &one, sizeof one) < 0 && errno == EINTR) {
    }
    job_unref(job);
    return NULL;
}

static int job_start(hc_tcp_connecting *c, const char *port_text)
{
    hc_resolve_job *job = calloc(1, sizeof *job);
    if (!job)
        return hc_fail(HTTPC_E_NOMEM, NULL);
    job->host = strdup(c->host);
    job->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (!job->host || job->wake_fd < 0) {
        int saved = errno;
        if (job->wake_fd >= 0)
            close(job->wake_fd);
        free(job->host);
        free(job);
        return hc_fail_os(HTTPC_E_OS, saved, "resolver: %s", strerror(saved));
    }
    snprintf(job->port_text, sizeof job->port_text, "%s", port_text);
    atomic_init(&job->refs, 2);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    pthread_t thread;
    int err = pthread_create(&thread, &attr, resolve_thread, job);
    pthread_attr_destroy(&attr);
    if (err) {
        atomic_store(&job->refs, 1);
        job_unref(job);
        return hc_fail_os(HTTPC_E_OS, err, "resolver thread: %s", strerror(err));
    }
    hc_announce(c->announcer, job->wake_fd, HTTPC_SOCKET_OPENED);
    c->job = job;
    return HTTPC_OK;
}

/* Lets go of the job; its eventfd stops being watched now and is closed by
 * whichever side lets go last. */
static void job_release(hc_tcp_connecting *c)
{
    if (!c->job)
        return;
    hc_announce(c->announcer, c->job->wake_fd, HTTPC_SOCKET_CLOSING);
    job_unref(c->job);
    c->job = NULL;
}

static int resolve_failure(int gai, int gai_errno, const char *host)
{
    return hc_fail_os(HTTPC_E_RESOLVE, gai_errno, "[Errno %d] %s: %s", gai, gai_strerror(gai),
                      host);
}

/* ------------------------------------------------------------------ */
/* Connecting                                                           */
/* ------------------------------------------------------------------ */

/* An IP literal needs no resolver: getaddrinfo with AI_ADDRCONFIG costs a
 * netlink round trip per connection. */
static bool numeric_address(const char *host, int port, struct sockaddr_storage *addr,
                            struct addrinfo *ai)
{
    memset(addr, 0, sizeof *addr);
    memset(ai, 0, sizeof *ai);
    struct sockaddr_in *v4 = (struct sockaddr_in *)addr;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)addr;
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
        ai->ai_addrlen = sizeof *v4;
    } else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        ai->ai_addrlen = sizeof *v6;
    } else {
        return false;
    }
    ai->ai_family = addr->ss_family;
    ai->ai_socktype = SOCK_STREAM;
    ai->ai_protocol = IPPROTO_TCP;
    ai->ai_addr = (struct sockaddr *)addr;
    return true;
}

enum { TCP_START, TCP_RESOLVING, TCP_NEXT_ADDRESS, TCP_CONNECTING, TCP_DONE };

/* Starts a connect to one address: 0 connected, WOULD_BLOCK in progress, or
 * a code (the socket closed). */
static int attempt_start(hc_tcp_connecting *c, const struct addrinfo *ai)
{
    int rc = hc_cancel_check(c->cancel);
    if (rc)
        return rc;
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
    if (fd < 0)
        return hc_fail_os(hc_errno_code(errno), errno, "socket: %s", strerror(errno));
    hc_announce(c->announcer, fd, HTTPC_SOCKET_OPENED);
    c->fd = fd;
    rc = bind_source(fd, ai->ai_family, c->source_host, c->source_port);
    if (rc == HTTPC_OK && connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
        if (errno == EINPROGRESS || errno == EINTR)
            return HTTPC_E_WOULD_BLOCK;
        rc = hc_fail_os(hc_errno_code(errno), errno, "[Errno %d] %s", errno, strerror(errno));
    }
    if (rc) {
        hc_close_fd(fd, c->announcer, c->cancel);
        c->fd = -1;
    }
    return rc;
}

/* The socket of a connect in progress became writable (poll's revents):
 * its outcome. A failed connect always shows POLLERR (the socket's pending
 * error), so the error is asked for only after an error or hangup: one
 * system call fewer per connection. */
static int attempt_finish(hc_tcp_connecting *c, short revents)
{
    int rc = hc_cancel_check(c->cancel);
    if (!rc && (revents & (POLLERR | POLLHUP | POLLNVAL))) {
        int soerr = 0;
        socklen_t len = sizeof soerr;
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
        if (soerr)
            rc = hc_fail_os(hc_errno_code(soerr), soerr, "[Errno %d] %s", soerr, strerror(soerr));
    }
    if (rc) {
        hc_close_fd(c->fd, c->announcer, c->cancel);
        c->fd = -1;
    }
    return rc;
}

/* poll's revents for fd right now (0: not ready). */
static short socket_ready(int fd, short events)
{
    struct pollfd p = {.fd = fd, .events = events};
    return poll(&p, 1, 0) > 0 ? p.revents : 0;
}

static int deadline_passed(const hc_tcp_connecting *c)
{
    return c->deadline != HC_NO_DEADLINE && hc_now_ms() >= c->deadline;
}

int hc_tcp_connect(hc_tcp_connecting *c, int *out_fd)
{
    char port_text[16];
    int rc;
    for (;;) {
        switch (c->phase) {
        case TCP_START:
            c->fd = -1;
            c->last_rc = HTTPC_E_CONNECTION_REFUSED;
            if (numeric_address(c->host, c->port, &c->literal, &c->literal_ai)) {
                c->next = &c->literal_ai;
                c->phase = TCP_NEXT_ADDRESS;
                break;
            }
            snprintf(port_text, sizeof port_text, "%d", c->port);
            if (!c->nonblocking) {
                int gai_errno = 0;
                int gai = resolve_now(c->host, port_text, &c->addrs, &gai_errno);
                if (gai != 0) {
                    c->addrs = NULL;
                    return resolve_failure(gai, gai_errno, c->host);
                }
                c->next = c->addrs;
                c->phase = TCP_NEXT_ADDRESS;
                break;
            }
            rc = job_start(c, port_text);
            if (rc)
                return rc;
            c->phase = TCP_RESOLVING;
            break;
        case TCP_RESOLVING: {
            uint64_t count;
            bool woken = read(c->job->wake_fd, &count, sizeof count) > 0;
            /* httpc_conn_interrupt may be what woke us: it is checked after
             * the read, so a count it wrote is never taken for the result. */
            int cancelled = hc_cancel_check(c->cancel);
            if (cancelled)
                return cancelled;
            if (!woken) {
                if (deadline_passed(c))
                    return hc_fail(HTTPC_E_TIMEOUT, "timed out");
                c->wait_fd = c->job->wake_fd;
                c->wait_events = HTTPC_WAIT_READ;
                return HTTPC_E_WOULD_BLOCK;
            }
            int gai = c->job->gai, gai_errno = c->job->gai_errno;
            c->addrs = c->job->res;
            c->job->res = NULL;
            job_release(c);
            if (gai != 0)
                return resolve_failure(gai, gai_errno, c->host);
            c->next = c->addrs;
            c->phase = TCP_NEXT_ADDRESS;
            break;
        }
        case TCP_NEXT_ADDRESS: {
            if (!c->next)
                return c->last_rc == HTTPC_E_CONNECTION_REFUSED
                           ? hc_fail(HTTPC_E_CONNECTION_REFUSED, "connection refused")
                           : c->last_rc;
            const struct addrinfo *ai = c->next;
            c->next = ai->ai_next;
            rc = attempt_start(c, ai);
            if (rc == HTTPC_E_WOULD_BLOCK) {
                c->phase = TCP_CONNECTING;
                break;
            }
            if (rc == HTTPC_OK) {
                c->phase = TCP_DONE;
                break;
            }
            if (rc == HTTPC_E_TIMEOUT || rc == HTTPC_E_CANCELLED || c->next == NULL)
                return rc;
            c->last_rc = rc; /* the next address may answer */
            break;
        }
        case TCP_CONNECTING: {
            short revents = socket_ready(c->fd, POLLOUT);
            if (!revents) {
                if (deadline_passed(c))
                    return hc_fail(HTTPC_E_TIMEOUT, "timed out");
                int cancelled = hc_cancel_check(c->cancel);
                if (cancelled)
                    return cancelled;
                c->wait_fd = c->fd;
                c->wait_events = HTTPC_WAIT_WRITE;
                return HTTPC_E_WOULD_BLOCK;
            }
            rc = attempt_finish(c, revents);
            if (rc == HTTPC_OK) {
                c->phase = TCP_DONE;
                break;
            }
            if (rc == HTTPC_E_CANCELLED || c->next == NULL)
                return rc;
            c->last_rc = rc;
            c->phase = TCP_NEXT_ADDRESS;
            break;
        }
        case TCP_DONE: {
            int one = 1;
            setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            *out_fd = c->fd;
            c->fd = -1; /* the caller owns it now */
            if (c->addrs)
                freeaddrinfo(c->addrs);
            c->addrs = c->next = NULL;
            c->phase = TCP_START;
            return HTTPC_OK;
        }
        }
    }
}

void hc_tcp_connect_abandon(hc_tcp_connecting *c)
{
    job_release(c);
    if (c->fd >= 0)
        hc_close_fd(c->fd, c->announcer, c->cancel);
    c->fd = -1;
    if (c->addrs)
        freeaddrinfo(c->addrs);
    c->addrs = c->next = NULL;
    c->phase = TCP_START;
}

/* ------------------------------------------------------------------ */
/* The TCP transport                                                    */
/* ------------------------------------------------------------------ */

typedef struct tcp_transport {
    hc_transport base;
    int fd;
} tcp_transport;

static int64_t tcp_read(hc_transport *t, void *buf, size_t cap)
{
    tcp_transport *tcp = (tcp_transport *)t;
    /* A server that keeps sending must not outrun an interrupt. */
    int cancelled = hc_cancel_check(t->cancel);
    if (cancelled)
        return cancelled;
    for (;;) {
        ssize_t n = recv(tcp->fd, buf, cap, 0);
        if (n >= 0)
            return n;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            t->want = HTTPC_WAIT_READ;
            return HTTPC_E_WOULD_BLOCK;
        }
        return hc_fail_os(hc_errno_code(errno), errno, "[Errno %d] %s", errno, strerror(errno));
    }
}

static int64_t tcp_writev(hc_transport *t, const struct iovec *iov, int iovcnt)
{
    tcp_transport *tcp = (tcp_transport *)t;
    /* A pending interrupt stops a request before more of it is sent. */
    int cancelled = hc_cancel_check(t->cancel);
    if (cancelled)
        return cancelled;
    for (;;) {
        struct msghdr msg = {.msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)iovcnt};
        ssize_t n = sendmsg(tcp->fd, &msg, MSG_NOSIGNAL);
        if (n > 0)
            return n;
        if (n == 0)
            return 0;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            t->want = HTTPC_WAIT_WRITE;
            return HTTPC_E_WOULD_BLOCK;
        }
        return hc_fail_os(hc_errno_code(errno), errno, "[Errno %d] %s", errno, strerror(errno));
    }
}

static int tcp_is_alive(hc_transport *t)
{
    tcp_transport *tcp = (tcp_transport *)t;
    char probe;
    ssize_t n = recv(tcp->fd, &probe, 1, MSG_PEEK | MSG_DONTWAIT);
    /* Nothing to read is the only healthy state for an idle connection. */
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

static int tcp_fileno(const hc_transport *t)
{
    return ((const tcp_transport *)t)->fd;
}

static void tcp_destroy(hc_transport *t)
{
    tcp_transport *tcp = (tcp_transport *)t;
    hc_close_fd(tcp->fd, &t->announcer, t->cancel);
    free(tcp);
}

void hc_tcp_transport_release(hc_transport *t)
{
    free(t);
}

static const hc_transport_ops tcp_ops = {tcp_read, tcp_writev, tcp_is_alive, tcp_fileno,
                                         tcp_destroy};

int hc_tcp_transport_new(hc_transport **out, int fd)
{
    tcp_transport *tcp = calloc(1, sizeof *tcp);
    if (!tcp)
        return hc_fail(HTTPC_E_NOMEM, NULL);
    tcp->base.ops = &tcp_ops;
    tcp->fd = fd;
    *out = &tcp->base;
    return HTTPC_OK;
}
