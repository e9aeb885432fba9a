/* The non-blocking mode's own promises, beyond the whole C suites run
 * through it (tests/nonblocking.cmake): many connections on one thread,
 * descriptors announced before their numbers are reused, resolutions
 * abandoned, slow body sources, pushed bodies, deadlines while the loop
 * waits on others; and the receive path's bounds in either mode: an
 * interrupt or total_timeout against a body that never stops arriving, the
 * maximum response size. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "httpc.h"
#include "support.h"

#define REPLY(s) s, sizeof(s) - 1

/* ------------------------------------------------------------------ */
/* A loopback server for many clients at once: one thread, poll().    */
/* Each request for /N is answered "body N" (keep-alive), or, for a    */
/* path starting /endless, with a chunked body that never ends.         */
/* ------------------------------------------------------------------ */

enum { MAX_PEERS = 1100 };

typedef struct poll_server {
    int listen_fd;
    int port;
    pthread_t thread;
    atomic_int stop;
    atomic_int max_open; /* most connections open at once */
} poll_server;

typedef struct peer {
    int fd;
    char in[1024];
    size_t in_len;
    int endless;
} peer;

static void *poll_server_run(void *arg)
{
    poll_server *s = arg;
    static struct pollfd fds[MAX_PEERS + 1];
    static peer peers[MAX_PEERS];
    int count = 0, open_now = 0;
    static const char chunk[] = "4000\r\n"; /* 16 KiB chunks */
    static char chunk_data[16384 + 2];
    memset(chunk_data, 'x', 16384);
    memcpy(chunk_data + 16384, "\r\n", 2);
    for (int round = 0; !atomic_load(&s->stop) && round < 200000; round++) {
        fds[0] = (struct pollfd){.fd = s->listen_fd, .events = POLLIN};
        for (int i = 0; i < count; i++)
            fds[i + 1] = (struct pollfd){
                .fd = peers[i].fd, .events = (short)(POLLIN | (peers[i].endless ? POLLOUT : 0))};
        if (poll(fds, (nfds_t)count + 1, 100) < 0)
            break;
        if ((fds[0].revents & POLLIN) && count < MAX_PEERS) {
            int fd = accept(s->listen_fd, NULL, NULL);
            if (fd >= 0) {
                peers[count++] = (peer){.fd = fd};
                if (++open_now > atomic_load(&s->max_open))
                    atomic_store(&s->max_open, open_now);
            }
        }
        for (int i = 0; i < count; i++) {
            peer *p = &peers[i];
            short revents = fds[i + 1].revents;
            if (p->fd < 0 || !revents)
                continue;
            if (p->endless && (revents & POLLOUT)) {
                if (send(p->fd, chunk, sizeof chunk - 1, MSG_NOSIGNAL) < 0 ||
                    send(p->fd, chunk_data, sizeof chunk_data, MSG_NOSIGNAL) < 0) {
                    close(p->fd);
                    p->fd = -1;
                    open_now--;
                }
                continue;
            }
            if (!(revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t n = recv(p->fd, p->in + p->in_len, sizeof p->in - p->in_len - 1, 0);
            if (n <= 0) {
                close(p->fd);
                p->fd = -1;
                open_now--;
                continue;
            }
            p->in_len += (size_t)n;
            p->in[p->in_len] = '\0';
            char *end = strstr(p->in, "\r\n\r\n");
            if (!end)
                continue;
            char path[256] = "";
            sscanf(p->in, "%*s %255s", path);
            if (strncmp(path, "/endless", 8) == 0) {
                const char *head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
                p->endless = send(p->fd, head, strlen(head), MSG_NOSIGNAL) > 0;
            } else {
                char reply[512], body[300];
                int body_len = snprintf(body, sizeof body, "body %s", path + 1);
                int len =
                    snprintf(reply, sizeof reply, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s",
                             body_len, body);
                send(p->fd, reply, (size_t)len, MSG_NOSIGNAL);
            }
            size_t used = (size_t)(end + 4 - p->in);
            memmove(p->in, p->in + used, p->in_len - used);
            p->in_len -= used;
        }
        /* Compact closed peers. */
        int kept = 0;
        for (int i = 0; i < count; i++)
            if (peers[i].fd >= 0)
                peers[kept++] = peers[i];
        count = kept;
    }
    for (int i = 0; i < count; i++)
        close(peers[i].fd);
    return NULL;
}

static void poll_server_start(poll_server *s)
{
    memset(s, 0, sizeof *s);
    s->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(s->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    cr_assert_eq(bind(s->listen_fd, (struct sockaddr *)&addr, sizeof addr), 0);
    cr_assert_eq(listen(s->listen_fd, 2048), 0);
    socklen_t len = sizeof addr;
    getsockname(s->listen_fd, (struct sockaddr *)&addr, &len);
    s->port = ntohs(addr.sin_port);
    pthread_create(&s->thread, NULL, poll_server_run, s);
}

static void poll_server_stop(poll_server *s)
{
    atomic_store(&s->stop, 1);
    pthread_join(s->thread, NULL);
    close(s->listen_fd);
}

/* ------------------------------------------------------------------ */
/* A client-side driver: the calls of one exchange as steps.            */
/* ------------------------------------------------------------------ */

enum { SENDING, AWAITING_HEAD, READING, DONE };

typedef struct exchange {
    httpc_conn *conn;
    httpc_response *resp;
    const char *method;
    char path[64];
    const httpc_body *body;
    int phase;
    int rc;
    char *data;
    size_t len;
} exchange;

/* Runs the exchange as far as it goes without waiting. */
static void step(exchange *x)
{
    for (;;) {
        int rc;
        switch (x->phase) {
        case SENDING:
            rc = httpc_conn_request(x->conn, x->method, x->path, x->body, NULL, 0, 0);
            if (rc == HTTPC_OK)
                x->phase = AWAITING_HEAD;
            break;
        case AWAITING_HEAD:
            rc = httpc_conn_getresponse(x->conn, &x->resp);
            if (rc == HTTPC_OK)
                x->phase = READING;
            break;
        case READING:
            rc = httpc_response_read_all(x->resp, &x->data, &x->len);
            if (rc == HTTPC_OK)
                x->phase = DONE;
            break;
        default:
            return;
        }
        if (rc == HTTPC_E_WOULD_BLOCK)
            return;
        if (rc != HTTPC_OK) {
            x->rc = rc;
            x->phase = DONE;
            return;
        }
    }
}

static void watch(const exchange *x, struct pollfd *p, int64_t *soonest)
{
    httpc_wait w;
    if (x->phase == READING)
        httpc_response_wait(x->resp, &w);
    else
        httpc_conn_wait(x->conn, &w);
    p->fd = w.fd;
    p->events = (short)(((w.events & HTTPC_WAIT_READ) ? POLLIN : 0) |
                        ((w.events & HTTPC_WAIT_WRITE) ? POLLOUT : 0));
    p->revents = 0;
    if (w.timeout_ms >= 0 && (*soonest < 0 || w.timeout_ms < *soonest))
        *soonest = w.timeout_ms;
}

/* Drives every exchange to its end on this thread; `between` (may be NULL)
 * runs after each poll. */
static void drive_all(exchange *xs, int n, void (*between)(void *), void *arg)
{
    struct pollfd *fds = calloc((size_t)n, sizeof *fds);
    for (int i = 0; i < n; i++)
        step(&xs[i]);
    for (int rounds = 0; rounds < 1000000; rounds++) {
        int active = 0;
        int64_t soonest = -1;
        for (int i = 0; i < n; i++) {
            fds[i].fd = -1;
            if (xs[i].phase != DONE) {
                active++;
                watch(&xs[i], &fds[i], &soonest);
            }
        }
        if (!active)
            break;
        /* A source with nothing yet (fd -1) is asked again after a short nap. */
        poll(fds, (nfds_t)n, soonest < 0 || soonest > 50 ? 50 : (int)soonest);
        if (between)
            between(arg);
        for (int i = 0; i < n; i++)
            if (xs[i].phase != DONE)
                step(&xs[i]);
    }
    free(fds);
}

static httpc_conn *nonblocking_conn(const char *host, int port, double timeout)
{
    httpc_conn_options opts = HTTPC_CONN_OPTIONS_INIT;
    opts.timeout = timeout;
    httpc_conn *conn = NULL;
    cr_assert_eq(httpc_conn_new(&conn, host, port, &opts), HTTPC_OK);
    cr_assert_eq(httpc_conn_set_nonblocking(conn, 1), HTTPC_OK);
    return conn;
}

static void exchange_free(exchange *x)
{
    httpc_free(x->data);
    httpc_response_free(x->resp);
    httpc_conn_free(x->conn);
}

Test(nonblocking, a_thousand_connections_on_one_thread, .timeout = 300)
{
    /* tools/valgrind.sh sets HTTPC_TEST_SMALLER: 100 there, 1,000 elsewhere. */
    int N = getenv("HTTPC_TEST_SMALLER") ? 100 : 1000;
    /* Two descriptors per exchange (ours and the server's): raise the soft
     * limit to the hard one, and fit N to it where the hard limit is low. */
    struct rlimit files;
    if (getrlimit(RLIMIT_NOFILE, &files) == 0) {
        files.rlim_cur = files.rlim_max;
        setrlimit(RLIMIT_NOFILE, &files);
        if (files.rlim_cur != RLIM_INFINITY && files.rlim_cur < (rlim_t)2 * N + 64)
            N = (int)((files.rlim_cur - 64) / 2);
    }
    poll_server server;
    poll_server_start(&server);
    exchange *xs = calloc((size_t)N, sizeof *xs);
    for (int i = 0; i < N; i++) {
        xs[i].conn = nonblocking_conn("127.0.0.1", server.port, 30);
        xs[i].method = "GET";
        snprintf(xs[i].path, sizeof xs[i].path, "/%d", i);
    }
    drive_all(xs, N, NULL, NULL);
    for (int i = 0; i < N; i++) {
        char want[32];
        snprintf(want, sizeof want, "body %d", i);
        cr_assert_eq(xs[i].rc, HTTPC_OK, "exchange %d: %s", i, httpc_error_name(xs[i].rc));
        cr_assert_eq(xs[i].len, strlen(want));
        cr_assert_eq(memcmp(xs[i].data, want, xs[i].len), 0, "exchange %d", i);
        exchange_free(&xs[i]);
    }
    free(xs);
    poll_server_stop(&server);
    /* They were open together, not one after another. */
    cr_assert_gt(atomic_load(&server.max_open), N / 2, "at most %d open at once",
                 atomic_load(&server.max_open));
}

/* ------------------------------------------------------------------ */
/* Descriptor announcements                                             */
/* ------------------------------------------------------------------ */

typedef struct fd_log {
    int open[4096]; /* open[fd]: 1 between OPENED and CLOSING */
    int opened, closed, violations;
} fd_log;

static void record_fd(void *userdata, int fd, int event)
{
    fd_log *log = userdata;
    if (fd < 0 || fd >= 4096) {
        log->violations++;
        return;
    }
    if (event == HTTPC_SOCKET_OPENED) {
        /* A number announced open again before it was announced closed: a
         * loop would be left watching a stale registration. */
        log->violations += log->open[fd];
        log->open[fd] = 1;
        log->opened++;
        /* The number is really ours now: it must be open. */
        if (fcntl(fd, F_GETFD) < 0)
            log->violations++;
    } else if (event == HTTPC_SOCKET_CLOSING) {
        log->violations += !log->open[fd];
        log->open[fd] = 0;
        log->closed++;
        /* Announced before close(2): still open. */
        if (fcntl(fd, F_GETFD) < 0)
            log->violations++;
    } else {
        log->violations++;
    }
}

static void run_one(httpc_conn *conn, const char *path)
{
    exchange x = {.conn = conn, .method = "GET"};
    snprintf(x.path, sizeof x.path, "%s", path);
    drive_all(&x, 1, NULL, NULL);
    cr_assert_eq(x.rc, HTTPC_OK, "%s: %s", path, httpc_last_error_message());
    httpc_free(x.data);
    httpc_response_free(x.resp);
}

Test(nonblocking, sockets_announced_across_reconnects)
{
    script_server s = {0};
    for (int i = 0; i < 4; i++)
        script_server_add(
            &s, REPLY("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"), 1);
    script_server_start(&s);
    fd_log log = {0};
    httpc_conn *conn = nonblocking_conn("127.0.0.1", s.port, 5);
    httpc_conn_set_socket_callback(conn, record_fd, &log);
    for (int i = 0; i < 4; i++)
        run_one(conn, "/");
    httpc_conn_free(conn);
    script_server_stop(&s);
    cr_assert_eq(log.violations, 0);
    cr_assert_eq(log.opened, 4, "one socket per Connection: close");
    cr_assert_eq(log.closed, 4);
}

Test(nonblocking, address_fallback_and_resolver_announced)
{
    /* "localhost" gives ::1 and 127.0.0.1; the server listens on the
     * second only when ::1 comes first, so a refused address may be tried
     * and closed first. The resolver's descriptor is announced too. */
    script_server s = {0};
    script_server_add(&s, REPLY("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"), 1);
    script_server_start(&s);
    fd_log log = {0};
    httpc_conn *conn = nonblocking_conn("localhost", s.port, 5);
    httpc_conn_set_socket_callback(conn, record_fd, &log);
    run_one(conn, "/");
    httpc_conn_free(conn);
    script_server_stop(&s);
    cr_assert_eq(log.violations, 0);
    cr_assert_geq(log.opened, 2, "the resolver's descriptor and the socket");
    cr_assert_eq(log.opened, log.closed);
}

Test(nonblocking, close_during_a_pending_operation_announces_the_socket)
{
    script_server s = {0};
    s.delay_before_reply = 2;
    script_server_add(&s, REPLY("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), 1);
    script_server_start(&s);
    fd_log log = {0};
    httpc_conn *conn = nonblocking_conn("127.0.0.1", s.port, 5);
    httpc_conn_set_socket_callback(conn, record_fd, &log);
    int rc;
    while ((rc = httpc_conn_request(conn, "GET", "/", NULL, NULL, 0, 0)) == HTTPC_E_WOULD_BLOCK)
        usleep(1000);
    cr_assert_eq(rc, HTTPC_OK);
    httpc_response *r = NULL;
    cr_assert_eq(httpc_conn_getresponse(conn, &r), HTTPC_E_WOULD_BLOCK);
    httpc_wait w;
    httpc_conn_wait(conn, &w);
    cr_assert_geq(w.fd, 0);
    cr_assert_eq(w.events, HTTPC_WAIT_READ);
    cr_assert(w.timeout_ms > 0 && w.timeout_ms <= 5000);
    httpc_conn_close(conn);
    cr_assert_eq(log.closed, 1);
    cr_assert_eq(log.violations, 0);
    httpc_conn_free(conn);
    script_server_stop(&s);
}

Test(nonblocking, resolution_abandoned_by_close_and_free)
{
    for (int round = 0; round < 20; round++) {
        fd_log log = {0};
        httpc_conn *conn = nonblocking_conn("localhost", 9, 5);
        httpc_conn_set_socket_callback(conn, record_fd, &log);
        int rc = httpc_conn_request(conn, "GET", "/", NULL, NULL, 0, 0);
        cr_assert(rc == HTTPC_E_WOULD_BLOCK || rc == HTTPC_E_CONNECTION_REFUSED, "%s",
                  httpc_error_name(rc));
        if (round % 2)
            httpc_conn_close(conn);
        httpc_conn_free(conn);
        cr_assert_eq(log.opened, log.closed);
        cr_assert_eq(log.violations, 0);
    }
    /* The helper threads finish on their own; give them the moment they
     * need so leak checkers see their memory freed. */
    usleep(300000);
}

/* ------------------------------------------------------------------ */
/* Bodies from the caller                                               */
/* ------------------------------------------------------------------ */

typedef struct slow_source {
    int ready; /* pieces the test has made available */
    int given;
} slow_source;

static int slow_chunks(void *userdata, const void **data, size_t *len)
{
    slow_source *src = userdata;
    if (src->given == 3)
        return 0;
    if (src->given == src->ready)
        return HTTPC_E_WOULD_BLOCK;
    static const char *pieces[] = {"one", "two", "three"};
    *data = pieces[src->given];
    *len = strlen(pieces[src->given]);
    src->given++;
    return 1;
}

typedef struct release_plan {
    exchange *fast;
    slow_source *source;
} release_plan;

/* The slow source gets its pieces only once the other exchange is done. */
static void release_when_fast_done(void *arg)
{
    release_plan *plan = arg;
    if (plan->fast->phase == DONE && plan->source->ready < 3)
        plan->source->ready++;
}

Test(nonblocking, a_slow_body_source_does_not_hold_up_other_connections)
{
    script_server slow = {0}, fast = {0};
    script_server_add(&slow, REPLY("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nslow"), 1);
    script_server_add(&fast, REPLY("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nfast"), 1);
    script_server_start(&slow);
    script_server_start(&fast);
    slow_source source = {0};
    httpc_body body = {.kind = HTTPC_BODY_CHUNKS, .chunk_fn = slow_chunks, .userdata = &source};
    exchange xs[2] = {
        {.conn = nonblocking_conn("127.0.0.1", slow.port, 5), .method = "POST", .body = &body},
        {.conn = nonblocking_conn("127.0.0.1", fast.port, 5), .method = "GET"},
    };
    strcpy(xs[0].path, "/upload");
    strcpy(xs[1].path, "/");
    release_plan plan = {&xs[1], &source};
    drive_all(xs, 2, release_when_fast_done, &plan);
    cr_assert_eq(xs[0].rc, HTTPC_OK, "%s", httpc_error_name(xs[0].rc));
    cr_assert_eq(xs[1].rc, HTTPC_OK);
    cr_assert_eq(xs[0].len, 4);
    cr_assert_eq(memcmp(xs[1].data, "fast", 4), 0);
    exchange_free(&xs[0]);
    exchange_free(&xs[1]);
    script_server_join(&slow);
    script_server_join(&fast);
    hc_buf_terminate(&slow.captured);
    const char *sent = slow.captured.data;
    cr_assert(strstr(sent, "Transfer-Encoding: chunked\r\n"), "%s", sent);
    cr_assert(strstr(sent, "\r\n\r\n3\r\none\r\n3\r\ntwo\r\n5\r\nthree\r\n0\r\n\r\n"), "%s", sent);
    hc_buf_free(&slow.captured);
    hc_buf_free(&fast.captured);
}

static void push_body(httpc_conn *conn, const httpc_header *headers, size_t n_headers)
{
    httpc_body push = {.kind = HTTPC_BODY_PUSH};
    cr_assert_eq(httpc_conn_request(conn, "PUT", "/p", &push, headers, n_headers, 0), HTTPC_OK);
    cr_assert_eq(httpc_conn_body_write(conn, "hello ", 6), HTTPC_OK);
    cr_assert_eq(httpc_conn_body_write(conn, "", 0), HTTPC_OK); /* skipped */
    cr_assert_eq(httpc_conn_body_write(conn, "world", 5), HTTPC_OK);
    cr_assert_eq(httpc_conn_body_end(conn), HTTPC_OK);
    cr_assert_eq(httpc_conn_body_end(conn), HTTPC_E_CANNOT_SEND_REQUEST);
    httpc_response *r = NULL;
    cr_assert_eq(httpc_conn_getresponse(conn, &r), HTTPC_OK, "%s", httpc_last_error_message());
    cr_assert_eq(httpc_response_drain(r), HTTPC_OK);
    httpc_response_free(r);
}

Test(pushed_body, framed_in_c_chunked_or_by_length)
{
    script_server s = {0};
    script_server_add(&s, REPLY("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), 0);
    script_server_add(&s, REPLY("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), 1);
    script_server_start(&s);
    httpc_conn *conn = NULL;
    cr_assert_eq(httpc_conn_new(&conn, "127.0.0.1", s.port, NULL), HTTPC_OK);
    cr_assert_eq(httpc_conn_body_write(conn, "x", 1), HTTPC_E_CANNOT_SEND_REQUEST);
    push_body(conn, NULL, 0);
    httpc_header length = {"Content-Length", "11"};
    push_body(conn, &length, 1);
    httpc_conn_free(conn);
    script_server_join(&s);
    hc_buf_terminate(&s.captured);
    const char *sent = s.captured.data;
    cr_assert(
        strstr(sent, "Transfer-Encoding: chunked\r\n\r\n6\r\nhello \r\n5\r\nworld\r\n0\r\n\r\n"),
        "%s", sent);
    cr_assert(strstr(sent, "Content-Length: 11\r\n\r\nhello world"), "%s", sent);
    hc_buf_free(&s.captured);
}

/* ------------------------------------------------------------------ */
/* Deadlines                                                            */
/* ------------------------------------------------------------------ */

Test(nonblocking, a_deadline_fires_while_the_loop_serves_others, .timeout = 60)
{
    script_server silent = {0};
    silent.delay_before_reply = 5; /* longer than the client's timeout */
    script_server_add(&silent, REPLY("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), 1);
    script_server_start(&silent);
    poll_server busy;
    poll_server_start(&busy);
    enum { OTHERS = 20 };
    exchange xs[OTHERS + 1];
    memset(xs, 0, sizeof xs);
    xs[0] = (exchange){.conn = nonblocking_conn("127.0.0.1", silent.port, 0.3), .method = "GET"};
    strcpy(xs[0].path, "/");
    for (int i = 1; i <= OTHERS; i++) {
        xs[i] = (exchange){.conn = nonblocking_conn("127.0.0.1", busy.port, 10), .method = "GET"};
        snprintf(xs[i].path, sizeof xs[i].path, "/%d", i);
    }
    drive_all(xs, OTHERS + 1, NULL, NULL);
    cr_assert_eq(xs[0].rc, HTTPC_E_TIMEOUT, "%s", httpc_error_name(xs[0].rc));
    for (int i = 1; i <= OTHERS; i++)
        cr_assert_eq(xs[i].rc, HTTPC_OK);
    for (int i = 0; i <= OTHERS; i++)
        exchange_free(&xs[i]);
    poll_server_stop(&busy);
    script_server_stop(&silent);
}

/* ------------------------------------------------------------------ */
/* A body that never stops arriving (blocking mode too)                */
/* ------------------------------------------------------------------ */

typedef struct interrupter {
    httpc_conn *conn;
    useconds_t after;
} interrupter;

static void *interrupt_later(void *arg)
{
    interrupter *it = arg;
    usleep(it->after);
    httpc_conn_interrupt(it->conn);
    return NULL;
}

static httpc_response *endless_response(poll_server *server, httpc_conn **conn, double total,
                                        int nonblocking)
{
    httpc_conn_options opts = HTTPC_CONN_OPTIONS_INIT;
    opts.timeout = 10;
    opts.total_timeout = total;
    cr_assert_eq(httpc_conn_new(conn, "127.0.0.1", server->port, &opts), HTTPC_OK);
    httpc_response *r = NULL;
    cr_assert_eq(httpc_conn_request(*conn, "GET", "/endless", NULL, NULL, 0, 0), HTTPC_OK);
    cr_assert_eq(httpc_conn_getresponse(*conn, &r), HTTPC_OK);
    httpc_conn_set_nonblocking(*conn, nonblocking);
    return r;
}

/* Reads the endless body until an error; returns it. */
static int read_until_error(httpc_response *r, int nonblocking, size_t *total)
{
    static char buf[65536];
    *total = 0;
    for (;;) {
        size_t n = 0;
        int rc = httpc_response_read(r, buf, sizeof buf, &n);
        *total += n;
        if (rc == HTTPC_E_WOULD_BLOCK && nonblocking) {
            httpc_wait w;
            httpc_response_wait(r, &w);
            struct pollfd p = {.fd = w.fd, .events = POLLIN};
            poll(&p, 1, (int)w.timeout_ms);
            continue;
        }
        if (rc != HTTPC_OK || n == 0)
            return rc;
    }
}

Test(endless_body, an_interrupt_is_not_outrun, .timeout = 60)
{
    for (int nonblocking = 0; nonblocking < 2; nonblocking++) {
        poll_server server;
        poll_server_start(&server);
        httpc_conn *conn = NULL;
        httpc_response *r = endless_response(&server, &conn, -1, nonblocking);
        interrupter it = {conn, 300000};
        pthread_t thread;
        pthread_create(&thread, NULL, interrupt_later, &it);
        size_t total = 0;
        cr_assert_eq(read_until_error(r, nonblocking, &total), HTTPC_E_CANCELLED);
        pthread_join(thread, NULL);
        cr_assert_gt(total, 0);
        /* read_all too, with its growing buffer. */
        httpc_response_free(r);
        httpc_conn_free(conn);
        r = endless_response(&server, &conn, -1, 0);
        it.conn = conn;
        pthread_create(&thread, NULL, interrupt_later, &it);
        char *data = NULL;
        size_t len = 0;
        cr_assert_eq(httpc_response_read_all(r, &data, &len), HTTPC_E_CANCELLED);
        pthread_join(thread, NULL);
        httpc_free(data);
        httpc_response_free(r);
        httpc_conn_free(conn);
        poll_server_stop(&server);
    }
}

Test(endless_body, total_timeout_is_not_outrun, .timeout = 60)
{
    for (int nonblocking = 0; nonblocking < 2; nonblocking++) {
        poll_server server;
        poll_server_start(&server);
        httpc_conn *conn = NULL;
        httpc_response *r = endless_response(&server, &conn, 0.5, nonblocking);
        size_t total = 0;
        cr_assert_eq(read_until_error(r, nonblocking, &total), HTTPC_E_TIMEOUT);
        cr_assert_gt(total, 0);
        httpc_response_free(r);
        httpc_conn_free(conn);
        poll_server_stop(&server);
    }
}

Test(max_response_size, enforced_and_the_connection_reusable)
{
    poll_server server;
    poll_server_start(&server);
    httpc_conn *conn = NULL;
    cr_assert_eq(httpc_conn_new(&conn, "127.0.0.1", server.port, NULL), HTTPC_OK);
    cr_assert_eq(httpc_conn_set_max_response_size(conn, 1 << 20), HTTPC_OK);
    httpc_response *r = NULL;
    cr_assert_eq(httpc_conn_request(conn, "GET", "/endless", NULL, NULL, 0, 0), HTTPC_OK);
    cr_assert_eq(httpc_conn_getresponse(conn, &r), HTTPC_OK);
    char *data = NULL;
    size_t len = 0;
    cr_assert_eq(httpc_response_read_all(r, &data, &len), HTTPC_E_RESPONSE_TOO_LARGE);
    cr_assert_leq(len, (size_t)(1 << 20) + 65536);
    cr_assert(httpc_response_isclosed(r));
    httpc_free(data);
    httpc_response_free(r);
    /* A Content-Length beyond the bound fails before reading it. */
    cr_assert_eq(httpc_conn_set_max_response_size(conn, 3), HTTPC_OK);
    cr_assert_eq(httpc_conn_request(conn, "GET", "/12345", NULL, NULL, 0, 0), HTTPC_OK);
    cr_assert_eq(httpc_conn_getresponse(conn, &r), HTTPC_OK, "%s", httpc_last_error_message());
    char buf[64];
    size_t n = 0;
    cr_assert_eq(httpc_response_read(r, buf, sizeof buf, &n), HTTPC_E_RESPONSE_TOO_LARGE);
    httpc_response_free(r);
    /* The next request reconnects and works. */
    cr_assert_eq(httpc_conn_set_max_response_size(conn, 0), HTTPC_OK);
    cr_assert_eq(httpc_conn_request(conn, "GET", "/7", NULL, NULL, 0, 0), HTTPC_OK);
    cr_assert_eq(httpc_conn_getresponse(conn, &r), HTTPC_OK);
    cr_assert_eq(httpc_response_read_all(r, &data, &len), HTTPC_OK);
    cr_assert_eq(len, 6);
    cr_assert_eq(memcmp(data, "body 7", 6), 0);
    httpc_free(data);
    httpc_response_free(r);
    httpc_conn_free(conn);
    poll_server_stop(&server);
}
