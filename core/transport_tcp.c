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
    int fd = atomic_load(&c->waiting_fd);
    if (fd >= 0)
        shutdown(fd, SHUT_RDWR); /* wakes poll on connect, TLS, send, receive */
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

void hc_cancel_before_close(hc_cancel *c)
{
    if (!c)
        return;
    /* An interrupter that read this descriptor finishes its shutdown before
     * we close it; later ones find waiting_fd no longer naming it. */
    pthread_mutex_lock(&c->lock);
    pthread_mutex_unlock(&c->lock);
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

int hc_wait_fd(int fd, short events, hc_deadline deadline, hc_cancel *cancel)
{
    if (!cancel)
        return poll_until(fd, events, deadline);
    atomic_store(&cancel->waiting_fd, fd);
    int rc = atomic_load(&cancel->requested) ? HTTPC_OK : poll_until(fd, events, deadline);
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

/* One non-blocking connect attempt, finished with poll. */
static int connect_one(const struct addrinfo *ai, const char *source_host, int source_port,
                       hc_deadline deadline, hc_cancel *cancel, int *out_fd)
{
    int rc = hc_cancel_check(cancel);
    if (rc)
        return rc;
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
    if (fd < 0)
        return hc_fail_os(hc_errno_code(errno), errno, "socket: %s", strerror(errno));
    rc = bind_source(fd, ai->ai_family, source_host, source_port);
    if (rc == HTTPC_OK && connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
        if (errno != EINPROGRESS && errno != EINTR) {
            rc = hc_fail_os(hc_errno_code(errno), errno, "[Errno %d] %s", errno, strerror(errno));
        } else if ((rc = hc_wait_fd(fd, POLLOUT, deadline, cancel)) == HTTPC_OK) {
            int soerr = 0;
            socklen_t len = sizeof soerr;
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
            if (soerr)
                rc = hc_fail_os(hc_errno_code(soerr), soerr, "[Errno %d] %s", soerr,
                                strerror(soerr));
        }
    }
    if (rc != HTTPC_OK) {
        hc_cancel_before_close(cancel);
        close(fd);
        return rc;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    *out_fd = fd;
    return HTTPC_OK;
}

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

int hc_tcp_connect(int *out_fd, const char *host, int port, const char *source_host,
                   int source_port, hc_deadline deadline, hc_cancel *cancel)
{
    struct sockaddr_storage literal;
    struct addrinfo literal_ai;
    if (numeric_address(host, port, &literal, &literal_ai))
        return connect_one(&literal_ai, source_host, source_port, deadline, cancel, out_fd);
    char port_text[16];
    snprintf(port_text, sizeof port_text, "%d", port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_ADDRCONFIG | AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    int gai = getaddrinfo(host, port_text, &hints, &res);
    if (gai == EAI_NONAME || gai == EAI_FAIL || gai == EAI_NODATA || gai == EAI_ADDRFAMILY) {
        /* AI_ADDRCONFIG hides ::1 on hosts without a global IPv6 address. */
        hints.ai_flags = AI_NUMERICSERV;
        gai = getaddrinfo(host, port_text, &hints, &res);
    }
    if (gai != 0) {
        return hc_fail_os(HTTPC_E_RESOLVE, gai == EAI_SYSTEM ? errno : 0, "[Errno %d] %s: %s", gai,
                          gai_strerror(gai), host);
    }
    int rc = HTTPC_E_CONNECTION_REFUSED;
    for (const struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        rc = connect_one(ai, source_host, source_port, deadline, cancel, out_fd);
        if (rc == HTTPC_OK || rc == HTTPC_E_TIMEOUT || rc == HTTPC_E_CANCELLED)
            break;
    }
    freeaddrinfo(res);
    return rc;
}

typedef struct tcp_transport {
    hc_transport base;
    int fd;
} tcp_transport;

static int64_t tcp_read(hc_transport *t, void *buf, size_t cap, hc_deadline deadline)
{
    tcp_transport *tcp = (tcp_transport *)t;
    for (;;) {
        ssize_t n = recv(tcp->fd, buf, cap, 0);
        if (n >= 0)
            return n;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            int rc = hc_wait_fd(tcp->fd, POLLIN, deadline, t->cancel);
            if (rc)
                return rc;
            continue;
        }
        return hc_fail_os(hc_errno_code(errno), errno, "[Errno %d] %s", errno, strerror(errno));
    }
}

static int tcp_writev(hc_transport *t, const struct iovec *iov_in, int iovcnt, hc_deadline deadline)
{
    tcp_transport *tcp = (tcp_transport *)t;
    /* A pending interrupt stops a request before any of it is sent. */
    int cancelled = hc_cancel_check(t->cancel);
    if (cancelled)
        return cancelled;
    enum { MAX_IOV = 16 };
    struct iovec iov[MAX_IOV];
    if (iovcnt > MAX_IOV)
        return hc_fail(HTTPC_E_INVALID_ARGUMENT, "too many write pieces");
    memcpy(iov, iov_in, sizeof(struct iovec) * (size_t)iovcnt);
    struct iovec *cur = iov;
    while (iovcnt > 0) {
        if (cur->iov_len == 0) {
            cur++;
            iovcnt--;
            continue;
        }
        struct msghdr msg = {.msg_iov = cur, .msg_iovlen = (size_t)iovcnt};
        ssize_t n = sendmsg(tcp->fd, &msg, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                int rc = hc_wait_fd(tcp->fd, POLLOUT, deadline, t->cancel);
                if (rc)
                    return rc;
                continue;
            }
            return hc_fail_os(hc_errno_code(errno), errno, "[Errno %d] %s", errno, strerror(errno));
        }
        size_t done = (size_t)n;
        while (iovcnt > 0 && done >= cur->iov_len) {
            done -= cur->iov_len;
            cur++;
            iovcnt--;
        }
        if (iovcnt > 0) {
            cur->iov_base = (char *)cur->iov_base + done;
            cur->iov_len -= done;
        }
    }
    return HTTPC_OK;
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
    hc_cancel_before_close(t->cancel);
    close(tcp->fd);
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
