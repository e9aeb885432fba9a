/* Cancellation: httpc_conn_interrupt from a second thread wakes each
 * blocking phase (connect, TLS handshake, receive, send, CONNECT, a body
 * read) and the connection then works again against a healthy server.
 *
 * The server in front of the client is a "gate" on 127.0.0.1: while shut it
 * accepts nothing (the kernel completes handshakes into the accept queue and
 * buffers what the client sends), or answers a request with the start of a
 * reply and then stays silent; once opened it relays every connection to a
 * real server of with-servers.sh (nginx, nginx HTTPS, tinyproxy). Tests
 * that need those servers skip without them (see tests/CMakeLists.txt for
 * the run under with-servers.sh). */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "httpc.h"

enum {
    INTERRUPT_AFTER_MS = 200,
    PROMPT_MS = 100, /* the bound from the interrupt to the return */
    GATE_LIFETIME_MS = 30000,
    MAX_RELAYS = 16,
    MAX_FILLERS = 8
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int env_port(const char *name)
{
    const char *v = getenv(name);
    if (!v)
        cr_skip_test("%s not set: run under tests/support/with-servers.sh", name);
    return atoi(v);
}

/* ------------------------------------------------------------------ */
/* The gate                                                            */
/* ------------------------------------------------------------------ */

typedef struct gate {
    int listen_fd, port;
    int upstream_port;       /* where an opened gate relays to */
    const char *stall_reply; /* while shut: answer each request with this, then hold */
    atomic_int open, stop;
    pthread_t thread;
    int fillers[MAX_FILLERS]; /* client sockets that fill a backlog-0 queue */
    int n_fillers;
} gate;

static int listen_on_loopback(int backlog, int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    cr_assert_geq(fd, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    cr_assert_eq(bind(fd, (struct sockaddr *)&addr, sizeof addr), 0);
    cr_assert_eq(listen(fd, backlog), 0);
    socklen_t len = sizeof addr;
    getsockname(fd, (struct sockaddr *)&addr, &len);
    *port = ntohs(addr.sin_port);
    return fd;
}

static int connect_loopback(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET,
                               .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
                               .sin_port = htons((uint16_t)port)};
    if (fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Reads until the end of a request head (or the peer stops); 0 when seen. */
static int read_head(int fd, int64_t deadline)
{
    char buf[4096];
    size_t have = 0;
    while (now_ms() < deadline) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 50) <= 0)
            continue;
        ssize_t n = recv(fd, buf + have, sizeof buf - 1 - have, 0);
        if (n <= 0)
            return -1;
        have += (size_t)n;
        buf[have] = '\0';
        if (strstr(buf, "\r\n\r\n"))
            return 0;
        if (have == sizeof buf - 1)
            have = 0;
    }
    return -1;
}

/* Copies what is readable from one side to the other; -1 at the end. */
static int pump(int from, int to)
{
    char buf[16384];
    ssize_t n = recv(from, buf, sizeof buf, MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
        return -1;
    for (ssize_t off = 0; n > 0 && off < n;) {
        ssize_t w = send(to, buf + off, (size_t)(n - off), MSG_NOSIGNAL);
        if (w < 0)
            return -1;
        off += w;
    }
    return 0;
}

static void *gate_run(void *arg)
{
    gate *g = arg;
    int held[MAX_RELAYS], n_held = 0;
    int pairs[MAX_RELAYS][2], n_pairs = 0;
    int64_t end = now_ms() + GATE_LIFETIME_MS;
    while (!atomic_load(&g->stop) && now_ms() < end) {
        bool open = atomic_load(&g->open);
        struct pollfd p[1 + 2 * MAX_RELAYS];
        int n = 0;
        if (open || (g->stall_reply && n_held < MAX_RELAYS))
            p[n++] = (struct pollfd){.fd = g->listen_fd, .events = POLLIN};
        for (int i = 0; i < n_pairs; i++) {
            p[n++] = (struct pollfd){.fd = pairs[i][0], .events = POLLIN};
            p[n++] = (struct pollfd){.fd = pairs[i][1], .events = POLLIN};
        }
        if (n == 0) {
            usleep(10000);
            continue;
        }
        if (poll(p, (nfds_t)n, 20) <= 0)
            continue;
        int at = 0, polled_pairs = n_pairs;
        if (p[0].fd == g->listen_fd) {
            at = 1;
            if (p[0].revents & POLLIN) {
                int fd = accept(g->listen_fd, NULL, NULL);
                open = atomic_load(&g->open); /* it may have opened while we polled */
                if (fd >= 0 && !open) {
                    if (read_head(fd, now_ms() + 5000) == 0)
                        send(fd, g->stall_reply, strlen(g->stall_reply), MSG_NOSIGNAL);
                    held[n_held++] = fd;
                } else if (fd >= 0) {
                    int up = n_pairs < MAX_RELAYS ? connect_loopback(g->upstream_port) : -1;
                    if (up < 0) {
                        close(fd);
                    } else {
                        pairs[n_pairs][0] = fd;
                        pairs[n_pairs][1] = up;
                        n_pairs++;
                    }
                }
            }
        }
        for (int i = 0; i < polled_pairs; i++, at += 2) {
            int failed = 0;
            if (p[at].revents)
                failed |= pump(pairs[i][0], pairs[i][1]);
            if (p[at + 1].revents)
                failed |= pump(pairs[i][1], pairs[i][0]);
            if (failed) {
                close(pairs[i][0]);
                close(pairs[i][1]);
                pairs[i][0] = pairs[n_pairs - 1][0];
                pairs[i][1] = pairs[n_pairs - 1][1];
                n_pairs--;
                break; /* the poll array no longer matches: poll again */
            }
        }
    }
    for (int i = 0; i < n_held; i++)
        close(held[i]);
    for (int i = 0; i < n_pairs; i++) {
        close(pairs[i][0]);
        close(pairs[i][1]);
    }
    return NULL;
}

static void gate_start(gate *g, int backlog, int upstream_port, const char *stall_reply)
{
    memset(g, 0, sizeof *g);
    g->listen_fd = listen_on_loopback(backlog, &g->port);
    g->upstream_port = upstream_port;
    g->stall_reply = stall_reply;
    cr_assert_eq(pthread_create(&g->thread, NULL, gate_run, g), 0);
}

/* Fills the accept queue of a backlog-0 listener until a connect hangs:
 * from then on the kernel drops SYNs to it and a connect waits. */
static void gate_fill(gate *g)
{
    while (g->n_fillers < MAX_FILLERS) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        struct sockaddr_in addr = {.sin_family = AF_INET,
                                   .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
                                   .sin_port = htons((uint16_t)g->port)};
        connect(fd, (struct sockaddr *)&addr, sizeof addr);
        g->fillers[g->n_fillers++] = fd;
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        if (poll(&p, 1, 300) == 0)
            return; /* this one hangs: the queue is full */
    }
    cr_assert_fail("could not fill the accept queue");
}

static void gate_open(gate *g)
{
    for (int i = 0; i < g->n_fillers; i++)
        close(g->fillers[i]);
    g->n_fillers = 0;
    atomic_store(&g->open, 1);
}

static void gate_stop(gate *g)
{
    atomic_store(&g->stop, 1);
    pthread_join(g->thread, NULL);
    for (int i = 0; i < g->n_fillers; i++)
        close(g->fillers[i]);
    close(g->listen_fd);
}

/* ------------------------------------------------------------------ */
/* The interrupting thread                                             */
/* ------------------------------------------------------------------ */

typedef struct interrupter {
    httpc_conn *conn;
    pthread_t thread;
    int64_t interrupted_at;
    int rc;
} interrupter;

static void *interrupt_later(void *arg)
{
    interrupter *it = arg;
    usleep(INTERRUPT_AFTER_MS * 1000);
    it->interrupted_at = now_ms();
    it->rc = httpc_conn_interrupt(it->conn);
    return NULL;
}

static void interrupter_start(interrupter *it, httpc_conn *conn)
{
    memset(it, 0, sizeof *it);
    it->conn = conn;
    cr_assert_eq(pthread_create(&it->thread, NULL, interrupt_later, it), 0);
}

/* Joins the interrupter and checks the blocked call: it returned CANCELLED
 * after the interrupt, and within PROMPT_MS of it. */
static void expect_cancelled(interrupter *it, int rc, int64_t returned_at, const char *phase)
{
    pthread_join(it->thread, NULL);
    cr_assert_eq(it->rc, HTTPC_OK);
    cr_assert_eq(rc, HTTPC_E_CANCELLED, "%s: got %d (%s): %s", phase, rc, httpc_error_name(rc),
                 httpc_last_error_message());
    cr_assert_eq(httpc_last_error()->code, HTTPC_E_CANCELLED);
    cr_assert_eq(httpc_last_error()->os_errno, ECONNABORTED);
    cr_assert(httpc_error_is(rc, HTTPC_E_OS));
    cr_assert_geq(returned_at, it->interrupted_at, "%s returned before the interrupt", phase);
    cr_assert_lt(returned_at - it->interrupted_at, PROMPT_MS, "%s took %lld ms after the interrupt",
                 phase, (long long)(returned_at - it->interrupted_at));
    cr_assert_eq(httpc_conn_fileno(it->conn), -1, "%s: the connection is closed", phase);
}

/* GET path on conn; returns the status (or the negative code). */
static int get_status(httpc_conn *conn, const char *path, size_t *body_len)
{
    int rc = httpc_conn_request(conn, "GET", path, NULL, NULL, 0, 0);
    httpc_response *resp = NULL;
    if (!rc)
        rc = httpc_conn_getresponse(conn, &resp);
    char *data = NULL;
    size_t len = 0;
    if (!rc)
        rc = httpc_response_read_all(resp, &data, &len);
    if (!rc)
        rc = httpc_response_status(resp);
    if (body_len)
        *body_len = len;
    httpc_free(data);
    httpc_response_free(resp);
    return rc;
}

static void expect_works_again(httpc_conn *conn)
{
    size_t len = 0;
    int status = get_status(conn, "/small", &len);
    cr_assert_eq(status, 200, "after the interrupt: %d %s", status, httpc_last_error_message());
    cr_assert_eq(len, 100);
}

static httpc_conn *new_conn(int port)
{
    httpc_conn *conn = NULL;
    httpc_conn_options opts = HTTPC_CONN_OPTIONS_INIT;
    opts.timeout = 10; /* far beyond the test: only an interrupt ends a wait */
    cr_assert_eq(httpc_conn_new(&conn, "127.0.0.1", port, &opts), HTTPC_OK);
    return conn;
}

/* ------------------------------------------------------------------ */
/* Each blocking phase                                                 */
/* ------------------------------------------------------------------ */

Test(cancel_phase, connect_to_a_full_accept_queue)
{
    int upstream = env_port("HTTPC_TEST_HTTP_PORT");
    gate g;
    gate_start(&g, 0, upstream, NULL);
    gate_fill(&g);
    httpc_conn *conn = new_conn(g.port);
    interrupter it;
    interrupter_start(&it, conn);
    int rc = httpc_conn_connect(conn);
    expect_cancelled(&it, rc, now_ms(), "connect");
    gate_open(&g);
    expect_works_again(conn);
    httpc_conn_free(conn);
    gate_stop(&g);
}

Test(cancel_phase, tls_handshake_with_a_silent_server)
{
    int upstream = env_port("HTTPC_TEST_HTTPS_PORT");
    gate g;
    gate_start(&g, 16, upstream, NULL);
    httpc_tls_context *tls = NULL;
    cr_assert_eq(httpc_tls_context_new_empty(&tls), HTTPC_OK);
    cr_assert_eq(httpc_tls_context_load_verify_file(tls, getenv("HTTPC_TEST_CA")), HTTPC_OK);
    httpc_conn_options opts = HTTPC_CONN_OPTIONS_INIT;
    opts.timeout = 10;
    httpc_conn *conn = NULL;
    cr_assert_eq(httpc_conn_new_https(&conn, "127.0.0.1", g.port, &opts, tls), HTTPC_OK);
    httpc_tls_context_free(tls);
    interrupter it;
    interrupter_start(&it, conn);
    int rc = httpc_conn_connect(conn);
    expect_cancelled(&it, rc, now_ms(), "TLS handshake");
    gate_open(&g);
    expect_works_again(conn);
    httpc_conn_free(conn);
    gate_stop(&g);
}

Test(cancel_phase, receive_with_a_silent_server)
{
    int upstream = env_port("HTTPC_TEST_HTTP_PORT");
    gate g;
    gate_start(&g, 16, upstream, NULL);
    httpc_conn *conn = new_conn(g.port);
    cr_assert_eq(httpc_conn_request(conn, "GET", "/small", NULL, NULL, 0, 0), HTTPC_OK);
    interrupter it;
    interrupter_start(&it, conn);
    httpc_response *resp = NULL;
    int rc = httpc_conn_getresponse(conn, &resp);
    expect_cancelled(&it, rc, now_ms(), "getresponse");
    cr_assert_null(resp);
    gate_open(&g);
    expect_works_again(conn);
    httpc_conn_free(conn);
    gate_stop(&g);
}

/* A body that never ends: the send blocks once the socket buffers fill. */
static int64_t endless_body(void *userdata, void *buf, size_t cap)
{
    (void)userdata;
    memset(buf, 'x', cap);
    return (int64_t)cap;
}

Test(cancel_phase, send_with_the_server_not_reading)
{
    int upstream = env_port("HTTPC_TEST_HTTP_PORT");
    gate g;
    gate_start(&g, 16, upstream, NULL);
    httpc_conn *conn = new_conn(g.port);
    httpc_body body = {.kind = HTTPC_BODY_READER, .read_fn = endless_body, .fd = -1};
    interrupter it;
    interrupter_start(&it, conn);
    int rc = httpc_conn_request(conn, "POST", "/post", &body, NULL, 0, 0);
    expect_cancelled(&it, rc, now_ms(), "send");
    gate_open(&g);
    expect_works_again(conn);
    httpc_conn_free(conn);
    gate_stop(&g);
}

Test(cancel_phase, connect_through_a_silent_proxy)
{
    env_port("HTTPC_TEST_HTTP_PORT");
    int proxy = env_port("HTTPC_TEST_PROXY_PORT");
    gate g;
    gate_start(&g, 16, proxy, NULL);
    httpc_conn *conn = new_conn(g.port);
    cr_assert_eq(
        httpc_conn_set_tunnel(conn, "127.0.0.1", atoi(getenv("HTTPC_TEST_HTTP_PORT")), NULL, 0),
        HTTPC_OK);
    interrupter it;
    interrupter_start(&it, conn);
    int rc = httpc_conn_connect(conn);
    expect_cancelled(&it, rc, now_ms(), "CONNECT");
    gate_open(&g);
    expect_works_again(conn);
    cr_assert_not_null(httpc_conn_proxy_response_headers(conn));
    httpc_conn_free(conn);
    gate_stop(&g);
}

static const char stalled_head[] = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nfirst bytes";
static const char stalled_close[] = "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nfirst bytes";

/* The head and a first piece of body arrive, then nothing. */
static void body_read_stalls(const char *reply)
{
    int upstream = env_port("HTTPC_TEST_HTTP_PORT");
    gate g;
    gate_start(&g, 16, upstream, reply);
    httpc_conn *conn = new_conn(g.port);
    httpc_response *resp = NULL;
    cr_assert_eq(httpc_conn_request(conn, "GET", "/small", NULL, NULL, 0, 0), HTTPC_OK);
    cr_assert_eq(httpc_conn_getresponse(conn, &resp), HTTPC_OK);
    char buf[200];
    size_t n = 0;
    cr_assert_eq(httpc_response_read1(resp, buf, sizeof buf, &n), HTTPC_OK);
    cr_assert_eq(n, 11);
    interrupter it;
    interrupter_start(&it, conn);
    int rc = httpc_response_read(resp, buf, sizeof buf, &n);
    int64_t returned_at = now_ms();
    pthread_join(it.thread, NULL);
    cr_assert_eq(rc, HTTPC_E_CANCELLED, "read: %d %s", rc, httpc_last_error_message());
    cr_assert_lt(returned_at - it.interrupted_at, PROMPT_MS);
    cr_assert_geq(returned_at, it.interrupted_at);
    cr_assert(httpc_response_isclosed(resp));
    httpc_response_free(resp);
    gate_open(&g);
    expect_works_again(conn);
    httpc_conn_free(conn);
    gate_stop(&g);
}

Test(cancel_phase, body_read_with_the_server_silent)
{
    body_read_stalls(stalled_head);
}

Test(cancel_phase, body_read_of_a_response_that_took_the_socket)
{
    body_read_stalls(stalled_close);
}

/* ------------------------------------------------------------------ */
/* An interrupt when nothing waits                                     */
/* ------------------------------------------------------------------ */

Test(cancel_kept, fails_the_next_request_once_before_sending)
{
    int upstream = env_port("HTTPC_TEST_HTTP_PORT");
    httpc_conn *conn = new_conn(upstream);
    expect_works_again(conn); /* connected and idle */
    cr_assert_eq(httpc_conn_interrupt(conn), HTTPC_OK);
    cr_assert_eq(httpc_conn_request(conn, "GET", "/small", NULL, NULL, 0, 0), HTTPC_E_CANCELLED);
    cr_assert_eq(httpc_conn_fileno(conn), -1);
    expect_works_again(conn); /* once only */
    expect_works_again(conn);
    httpc_conn_free(conn);
}

Test(cancel_kept, fails_the_next_connect)
{
    int upstream = env_port("HTTPC_TEST_HTTP_PORT");
    httpc_conn *conn = new_conn(upstream);
    cr_assert_eq(httpc_conn_interrupt(conn), HTTPC_OK);
    cr_assert_eq(httpc_conn_interrupt(conn), HTTPC_OK); /* two before a wait: still once */
    cr_assert_eq(httpc_conn_connect(conn), HTTPC_E_CANCELLED);
    cr_assert_eq(httpc_conn_connect(conn), HTTPC_OK);
    httpc_conn_free(conn);
}

Test(cancel_kept, close_forgets_it)
{
    int upstream = env_port("HTTPC_TEST_HTTP_PORT");
    httpc_conn *conn = new_conn(upstream);
    cr_assert_eq(httpc_conn_interrupt(conn), HTTPC_OK);
    httpc_conn_close(conn);
    expect_works_again(conn);
    httpc_conn_free(conn);
}

Test(cancel_kept, buffered_body_is_still_readable)
{
    int upstream = env_port("HTTPC_TEST_HTTP_PORT");
    httpc_conn *conn = new_conn(upstream);
    httpc_response *resp = NULL;
    cr_assert_eq(httpc_conn_request(conn, "GET", "/small", NULL, NULL, 0, 0), HTTPC_OK);
    cr_assert_eq(httpc_conn_getresponse(conn, &resp), HTTPC_OK);
    /* The 100-byte body came with the head: reading it needs no wait. */
    cr_assert_eq(httpc_conn_interrupt(conn), HTTPC_OK);
    char *data = NULL;
    size_t len = 0;
    cr_assert_eq(httpc_response_read_all(resp, &data, &len), HTTPC_OK);
    cr_assert_eq(len, 100);
    httpc_free(data);
    httpc_response_free(resp);
    cr_assert_eq(httpc_conn_request(conn, "GET", "/small", NULL, NULL, 0, 0), HTTPC_E_CANCELLED);
    httpc_conn_free(conn);
}

Test(cancel_args, null_connection)
{
    cr_assert_eq(httpc_conn_interrupt(NULL), HTTPC_E_INVALID_ARGUMENT);
    cr_assert_eq(httpc_last_error_code(), HTTPC_E_INVALID_ARGUMENT);
}

Test(cancel_args, code_in_the_table)
{
    cr_assert_str_eq(httpc_error_name(HTTPC_E_CANCELLED), "ConnectionAbortedError");
    cr_assert_eq(httpc_error_parent(HTTPC_E_CANCELLED, 0), HTTPC_E_OS);
    cr_assert(!httpc_error_is(HTTPC_E_CANCELLED, HTTPC_E_TIMEOUT));
    cr_assert_str_eq(httpc_strerror(HTTPC_E_CANCELLED), "operation cancelled");
}

Test(cancel_args, interrupt_without_a_connection_attempt_then_free)
{
    httpc_conn *conn = NULL;
    cr_assert_eq(httpc_conn_new(&conn, "127.0.0.1", 9, NULL), HTTPC_OK);
    cr_assert_eq(httpc_conn_interrupt(conn), HTTPC_OK);
    httpc_conn_free(conn); /* a kept interrupt leaks nothing */
}
