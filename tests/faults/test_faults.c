/* Fault injection: every misbehaving peer gives a clear error, quickly and
 * with bounded memory. Each test asserts the error code AND the elapsed time
 * (bounds are generous: CI machines are small and loaded). */
#include <criterion/criterion.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fault_server.h"
#include "httpc.h"
#include "support.h"

/* ---- handlers --------------------------------------------------------- */

typedef struct partial_reply {
    const char *bytes; /* sent after the request head */
    int reset;         /* 1: RST after the bytes, 0: FIN */
    int stall_ms;      /* wait this long before closing (0: at once) */
} partial_reply;

static void send_then_close(int fd, void *arg)
{
    partial_reply *r = arg;
    char head[8192];
    if (fault_read_head(fd, head, sizeof head))
        return;
    fault_send(fd, r->bytes, strlen(r->bytes));
    if (r->stall_ms)
        usleep((useconds_t)r->stall_ms * 1000);
    if (r->reset) {
        /* Let the bytes leave before the RST discards the send queue. */
        usleep(50 * 1000);
        fault_reset(fd);
    }
}

typedef struct endless {
    const char *prefix; /* sent once after the request head */
    const char *repeat; /* then sent until the client leaves (or 15 s) */
    int drip_ms;        /* >0: one byte at a time with this gap */
} endless;

static void send_endless(int fd, void *arg)
{
    endless *e = arg;
    char head[8192];
    if (fault_read_head(fd, head, sizeof head))
        return;
    int64_t stop = fault_now_ms() + 15000;
    if (fault_send(fd, e->prefix, strlen(e->prefix)))
        return;
    size_t len = strlen(e->repeat);
    while (fault_now_ms() < stop) {
        if (e->drip_ms > 0) {
            for (size_t i = 0; i < len; i++) {
                if (fault_send(fd, e->repeat + i, 1))
                    return;
                usleep((useconds_t)e->drip_ms * 1000);
            }
        } else if (fault_send(fd, e->repeat, len)) {
            return;
        }
    }
}

static httpc_conn *connect_to(int port, double timeout, double total)
{
    httpc_conn_options opts = HTTPC_CONN_OPTIONS_INIT;
    opts.timeout = timeout;
    opts.total_timeout = total;
    httpc_conn *conn = NULL;
    cr_assert_eq(httpc_conn_new(&conn, "127.0.0.1", port, &opts), 0);
    return conn;
}

/* Sends GET / and returns getresponse's code (the response in *out). */
static int get(httpc_conn *conn, httpc_response **out)
{
    int rc = httpc_conn_request(conn, "GET", "/", NULL, NULL, 0, 0);
    if (rc)
        return rc;
    return httpc_conn_getresponse(conn, out);
}

static int read_all(httpc_response *resp, size_t *len)
{
    char *data = NULL;
    int rc = httpc_response_read_all(resp, &data, len);
    httpc_free(data);
    return rc;
}

#define ASSERT_ELAPSED(t0, min_ms, max_ms)                                                         \
    do {                                                                                           \
        int64_t el_ = fault_now_ms() - (t0);                                                       \
        cr_assert(el_ >= (min_ms) && el_ <= (max_ms), "took %lld ms, want %d..%d ms",              \
                  (long long)el_, (min_ms), (max_ms));                                             \
    } while (0)

#define ASSERT_CODE(rc, want)                                                                      \
    cr_assert_eq((rc), (want), "got %s (%d): %s, want %s", httpc_error_name(rc), (rc),             \
                 httpc_last_error_message(), httpc_error_name(want))

/* ---- resets and short replies ------------------------------------------ */

static int reset_case(const char *bytes, int during_body, size_t *body_len)
{
    partial_reply r = {bytes, 1, 0};
    fault_server s;
    fault_server_start(&s, send_then_close, &r, 1);
    httpc_conn *conn = connect_to(s.port, 5, -1);
    httpc_response *resp = NULL;
    int rc = get(conn, &resp);
    if (during_body) {
        cr_assert_eq(rc, 0, "getresponse: %s", httpc_last_error_message());
        rc = read_all(resp, body_len);
    }
    httpc_response_free(resp);
    httpc_conn_free(conn);
    fault_server_stop(&s);
    return rc;
}

Test(faults, reset_during_status_line)
{
    int64_t t0 = fault_now_ms();
    int rc = reset_case("HTTP/1.1 20", 0, NULL);
    /* An RST is a ConnectionResetError (RemoteDisconnected is one too). */
    cr_assert(httpc_error_is(rc, HTTPC_E_CONNECTION_RESET), "got %s: %s", httpc_error_name(rc),
              httpc_last_error_message());
    ASSERT_ELAPSED(t0, 0, 3000);
}

Test(faults, reset_during_headers)
{
    int64_t t0 = fault_now_ms();
    int rc = reset_case("HTTP/1.1 200 OK\r\nContent-Length: 10\r\nX-Cut: abc", 0, NULL);
    cr_assert(httpc_error_is(rc, HTTPC_E_CONNECTION_RESET), "got %s: %s", httpc_error_name(rc),
              httpc_last_error_message());
    ASSERT_ELAPSED(t0, 0, 3000);
}

Test(faults, reset_during_body)
{
    int64_t t0 = fault_now_ms();
    size_t len = 0;
    int rc = reset_case("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789", 1, &len);
    cr_assert(httpc_error_is(rc, HTTPC_E_CONNECTION_RESET) || rc == HTTPC_E_INCOMPLETE_READ,
              "got %s: %s", httpc_error_name(rc), httpc_last_error_message());
    ASSERT_ELAPSED(t0, 0, 3000);
}

Test(faults, close_inside_chunk)
{
    partial_reply r = {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n5\r\nhe",
                       0, 0};
    fault_server s;
    fault_server_start(&s, send_then_close, &r, 1);
    int64_t t0 = fault_now_ms();
    httpc_conn *conn = connect_to(s.port, 5, -1);
    httpc_response *resp = NULL;
    cr_assert_eq(get(conn, &resp), 0);
    size_t len = 0;
    ASSERT_CODE(read_all(resp, &len), HTTPC_E_INCOMPLETE_READ);
    cr_assert_eq(httpc_last_error_partial(), 3);
    ASSERT_ELAPSED(t0, 0, 3000);
    httpc_response_free(resp);
    httpc_conn_free(conn);
    fault_server_stop(&s);
}

Test(faults, body_shorter_than_content_length)
{
    partial_reply r = {"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", 0, 0};
    fault_server s;
    fault_server_start(&s, send_then_close, &r, 1);
    int64_t t0 = fault_now_ms();
    httpc_conn *conn = connect_to(s.port, 5, -1);
    httpc_response *resp = NULL;
    cr_assert_eq(get(conn, &resp), 0);
    size_t len = 0;
    ASSERT_CODE(read_all(resp, &len), HTTPC_E_INCOMPLETE_READ);
    cr_assert_eq(httpc_last_error_partial(), 3);
    cr_assert_eq(httpc_last_error_expected(), 7);
    ASSERT_ELAPSED(t0, 0, 3000);
    httpc_response_free(resp);
    httpc_conn_free(conn);
    fault_server_stop(&s);
}

/* ---- timeouts ---------------------------------------------------------- */

Test(faults, stall_in_status_line_times_out_per_operation)
{
    partial_reply r = {"HTTP/1.1 2", 0, 3000};
    fault_server s;
    fault_server_start(&s, send_then_close, &r, 1);
    httpc_conn *conn = connect_to(s.port, 0.5, -1);
    httpc_response *resp = NULL;
    int64_t t0 = fault_now_ms();
    ASSERT_CODE(get(conn, &resp), HTTPC_E_TIMEOUT);
    ASSERT_ELAPSED(t0, 450, 2000);
    httpc_conn_free(conn);
    fault_server_stop(&s);
}

Test(faults, stall_in_body_times_out_per_operation)
{
    partial_reply r = {"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab", 0, 3000};
    fault_server s;
    fault_server_start(&s, send_then_close, &r, 1);
    httpc_conn *conn = connect_to(s.port, 0.5, -1);
    httpc_response *resp = NULL;
    cr_assert_eq(get(conn, &resp), 0);
    int64_t t0 = fault_now_ms();
    size_t len = 0;
    ASSERT_CODE(read_all(resp, &len), HTTPC_E_TIMEOUT);
    ASSERT_ELAPSED(t0, 450, 2000);
    httpc_response_free(resp);
    httpc_conn_free(conn);
    fault_server_stop(&s);
}

/* One byte every 50 ms never trips a 0.5 s per-operation timeout (as in
 * http.client); the total deadline bounds the whole response. */
Test(faults, slow_drip_passes_per_operation_timeout)
{
    endless e = {"", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 50};
    fault_server s;
    fault_server_start(&s, send_endless, &e, 1);
    httpc_conn *conn = connect_to(s.port, 0.5, -1);
    httpc_response *resp = NULL;
    int64_t t0 = fault_now_ms();
    cr_assert_eq(get(conn, &resp), 0, "%s", httpc_last_error_message());
    size_t len = 0;
    cr_assert_eq(read_all(resp, &len), 0);
    cr_assert_eq(len, 2);
    ASSERT_ELAPSED(t0, 1500, 8000);
    httpc_response_free(resp);
    httpc_conn_free(conn);
    fault_server_stop(&s);
}

Test(faults, slow_drip_head_bounded_by_total_timeout)
{
    endless e = {"HTTP/1.1 200 OK\r\n", "X-Drip: 0123456789\r\n", 50};
    fault_server s;
    fault_server_start(&s, send_endless, &e, 1);
    httpc_conn *conn = connect_to(s.port, 0.5, 1.0);
    httpc_response *resp = NULL;
    int64_t t0 = fault_now_ms();
    ASSERT_CODE(get(conn, &resp), HTTPC_E_TIMEOUT);
    ASSERT_ELAPSED(t0, 900, 3000);
    httpc_conn_free(conn);
    fault_server_stop(&s);
}

Test(faults, slow_drip_body_bounded_by_total_timeout)
{
    endless e = {"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n", "x", 50};
    fault_server s;
    fault_server_start(&s, send_endless, &e, 1);
    httpc_conn *conn = connect_to(s.port, 0.5, 1.0);
    httpc_response *resp = NULL;
    int64_t t0 = fault_now_ms();
    cr_assert_eq(get(conn, &resp), 0, "%s", httpc_last_error_message());
    size_t len = 0;
    ASSERT_CODE(read_all(resp, &len), HTTPC_E_TIMEOUT);
    ASSERT_ELAPSED(t0, 900, 3000);
    httpc_response_free(resp);
    httpc_conn_free(conn);
    fault_server_stop(&s);
}

/* ---- endless input (gh-150743 / CVE-2021-3737 class) -------------------- */

static void endless_case(endless *e, int in_body, int want)
{
    fault_server s;
    fault_server_start(&s, send_endless, e, 1);
    httpc_conn *conn = connect_to(s.port, 5, -1);
    httpc_response *resp = NULL;
    int64_t t0 = fault_now_ms();
    int rc = get(conn, &resp);
    if (in_body) {
        cr_assert_eq(rc, 0, "%s", httpc_last_error_message());
        size_t len = 0;
        rc = read_all(resp, &len);
    }
    ASSERT_CODE(rc, want);
    ASSERT_ELAPSED(t0, 0, 3000);
    httpc_response_free(resp);
    httpc_conn_free(conn);
    fault_server_stop(&s);
}

Test(faults, endless_interim_responses)
{
    endless e = {"", "HTTP/1.1 100 Continue\r\n\r\n", 0};
    endless_case(&e, 0, HTTPC_E_TOO_MANY_INTERIM);
}

Test(faults, endless_interim_headers)
{
    endless e = {"HTTP/1.1 100 Continue\r\n", "X-Hint: a\r\n", 0};
    endless_case(&e, 0, HTTPC_E_TOO_MANY_HEADERS);
}

Test(faults, endless_header_lines)
{
    endless e = {"HTTP/1.1 200 OK\r\n", "X-Flood: a\r\n", 0};
    endless_case(&e, 0, HTTPC_E_TOO_MANY_HEADERS);
}

Test(faults, endless_header_line_without_newline)
{
    endless e = {"HTTP/1.1 200 OK\r\nX-Long: ", "aaaaaaaaaaaaaaaa", 0};
    endless_case(&e, 0, HTTPC_E_LINE_TOO_LONG);
}

Test(faults, endless_status_line)
{
    endless e = {"HTTP/1.1 200 ", "OKOKOKOKOKOKOKOK", 0};
    endless_case(&e, 0, HTTPC_E_LINE_TOO_LONG);
}

Test(faults, endless_trailers)
{
    endless e = {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n",
                 "X-Trailer: t\r\n", 0};
    endless_case(&e, 1, HTTPC_E_TOO_MANY_HEADERS);
}

Test(faults, endless_chunk_extension)
{
    endless e = {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;", "ext=aaaaaaaa;", 0};
    endless_case(&e, 1, HTTPC_E_LINE_TOO_LONG);
}

/* ---- memory ----------------------------------------------------------- */

/* A huge Content-Length is not preallocated: reading 64 MiB of it keeps the
 * resident size flat. */
Test(faults, huge_content_length_flat_memory)
{
    endless e = {"HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\n\r\n", "", 0};
    static char block[65536];
    memset(block, 'x', sizeof block - 1);
    e.repeat = block;
    fault_server s;
    fault_server_start(&s, send_endless, &e, 1);
    httpc_conn *conn = connect_to(s.port, 5, -1);
    httpc_response *resp = NULL;
    long rss0 = fault_rss_kib();
    int64_t t0 = fault_now_ms();
    cr_assert_eq(get(conn, &resp), 0, "%s", httpc_last_error_message());
    cr_assert_eq(httpc_response_length(resp), 99999999999LL);
    static char buf[65536];
    size_t total = 0;
    while (total < 64u << 20) {
        size_t n = 0;
        cr_assert_eq(httpc_response_read(resp, buf, sizeof buf, &n), 0);
        cr_assert_gt(n, 0);
        total += n;
    }
    long grown = fault_rss_kib() - rss0;
    cr_assert_lt(grown, 8 * 1024, "RSS grew by %ld KiB", grown);
    ASSERT_ELAPSED(t0, 0, 20000);
    httpc_response_free(resp);
    httpc_conn_free(conn);
    fault_server_stop(&s);
}

static void keep_alive_server(int fd, void *arg)
{
    int *count = arg;
    static const char reply[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    char buf[65536];
    size_t have = 0;
    int64_t stop = fault_now_ms() + 60000;
    /* Requests come one at a time; answer each complete head. */
    while (*count > 0 && fault_now_ms() < stop) {
        ssize_t n = recv(fd, buf + have, sizeof buf - 1 - have, 0);
        if (n <= 0)
            return;
        have += (size_t)n;
        buf[have] = '\0';
        char *end;
        while ((end = strstr(buf, "\r\n\r\n")) != NULL) {
            size_t used = (size_t)(end + 4 - buf);
            memmove(buf, buf + used, have - used + 1);
            have -= used;
            if (fault_send(fd, reply, sizeof reply - 1))
                return;
            --*count;
        }
    }
}

Test(faults, ten_thousand_keep_alive_requests_flat_rss, .timeout = 120)
{
    int count = 10000;
    fault_server s;
    fault_server_start(&s, keep_alive_server, &count, 1);
    httpc_conn *conn = connect_to(s.port, 5, -1);
    int64_t t0 = fault_now_ms();
    long rss_warm = 0;
    for (int i = 0; i < 10000; i++) {
        httpc_response *resp = NULL;
        cr_assert_eq(get(conn, &resp), 0, "request %d: %s", i, httpc_last_error_message());
        char body[8];
        size_t n = 0;
        cr_assert_eq(httpc_response_read(resp, body, sizeof body, &n), 0);
        cr_assert_eq(n, 2);
        httpc_response_free(resp);
        if (i == 500)
            rss_warm = fault_rss_kib();
    }
    long grown = fault_rss_kib() - rss_warm;
    cr_assert_lt(grown, 2048, "RSS grew by %ld KiB over 9,500 requests", grown);
    ASSERT_ELAPSED(t0, 0, 90000);
    httpc_conn_free(conn);
    fault_server_stop(&s);
}

/* ---- connecting ------------------------------------------------------- */

Test(faults, connection_refused)
{
    int port = fault_closed_port();
    httpc_conn *conn = connect_to(port, 5, -1);
    int64_t t0 = fault_now_ms();
    ASSERT_CODE(httpc_conn_connect(conn), HTTPC_E_CONNECTION_REFUSED);
    ASSERT_ELAPSED(t0, 0, 3000);
    httpc_conn_free(conn);
}

Test(faults, unresolvable_name)
{
    httpc_conn_options opts = HTTPC_CONN_OPTIONS_INIT;
    opts.timeout = 5;
    httpc_conn *conn = NULL;
    require_no_dns();
    cr_assert_eq(httpc_conn_new(&conn, "nonexistent.invalid", 80, &opts), 0);
    int64_t t0 = fault_now_ms();
    ASSERT_CODE(httpc_conn_connect(conn), HTTPC_E_RESOLVE);
    /* The resolver's own timeouts apply (no-dns.sh's resolver is refused at
     * once; the bound is generous). */
    ASSERT_ELAPSED(t0, 0, 30000);
    httpc_conn_free(conn);
}

static void tls_cut_off(int fd, void *arg)
{
    (void)arg;
    char hello[4096];
    struct timeval tv = {3, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (recv(fd, hello, sizeof hello, 0) <= 0)
        return;
    /* The start of a ServerHello record, then the line goes dead. */
    fault_send(fd, "\x16\x03\x03\x00\x5a\x02\x00", 7);
}

Test(faults, tls_handshake_cut_off)
{
    fault_server s;
    fault_server_start(&s, tls_cut_off, NULL, 1);
    httpc_conn_options opts = HTTPC_CONN_OPTIONS_INIT;
    opts.timeout = 5;
    httpc_tls_context *tls = NULL;
    cr_assert_eq(httpc_tls_context_new_empty(&tls), 0);
    httpc_conn *conn = NULL;
    cr_assert_eq(httpc_conn_new_https(&conn, "127.0.0.1", s.port, &opts, tls), 0);
    httpc_tls_context_free(tls);
    int64_t t0 = fault_now_ms();
    int rc = httpc_conn_connect(conn);
    cr_assert(httpc_error_is(rc, HTTPC_E_TLS) || httpc_error_is(rc, HTTPC_E_CONNECTION_RESET),
              "got %s: %s", httpc_error_name(rc), httpc_last_error_message());
    ASSERT_ELAPSED(t0, 0, 4000);
    httpc_conn_free(conn);
    fault_server_stop(&s);
}

static void tls_silent(int fd, void *arg)
{
    (void)arg;
    char hello[4096];
    struct timeval tv = {3, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    (void)recv(fd, hello, sizeof hello, 0);
    usleep(2000 * 1000);
}

Test(faults, tls_handshake_stalls_times_out)
{
    fault_server s;
    fault_server_start(&s, tls_silent, NULL, 1);
    httpc_conn_options opts = HTTPC_CONN_OPTIONS_INIT;
    opts.timeout = 0.5;
    httpc_tls_context *tls = NULL;
    cr_assert_eq(httpc_tls_context_new_empty(&tls), 0);
    httpc_conn *conn = NULL;
    cr_assert_eq(httpc_conn_new_https(&conn, "127.0.0.1", s.port, &opts, tls), 0);
    httpc_tls_context_free(tls);
    int64_t t0 = fault_now_ms();
    ASSERT_CODE(httpc_conn_connect(conn), HTTPC_E_TIMEOUT);
    ASSERT_ELAPSED(t0, 450, 2000);
    httpc_conn_free(conn);
    fault_server_stop(&s);
}

/* Connects through a proxy that replies `proxy_reply` and closes; then, if
 * the tunnel was accepted, sends a request through it. Returns the first
 * error. */
static int tunnel_case(const char *proxy_reply, int connections)
{
    partial_reply r = {proxy_reply, 0, 0};
    fault_server s;
    /* Two connections: a request on a tunnel found dead reconnects once. */
    fault_server_start(&s, send_then_close, &r, connections);
    httpc_conn *conn = connect_to(s.port, 5, -1);
    cr_assert_eq(httpc_conn_set_tunnel(conn, "example.invalid", 80, NULL, 0), 0);
    int rc = httpc_conn_connect(conn);
    if (!rc) {
        httpc_response *resp = NULL;
        rc = get(conn, &resp);
        httpc_response_free(resp);
    }
    httpc_conn_free(conn);
    fault_server_stop(&s);
    return rc;
}

Test(faults, proxy_closes_during_connect)
{
    int64_t t0 = fault_now_ms();
    ASSERT_CODE(tunnel_case("", 1), HTTPC_E_TUNNEL_FAILED);
    ASSERT_ELAPSED(t0, 0, 3000);
}

Test(faults, proxy_closes_inside_connect_reply)
{
    int64_t t0 = fault_now_ms();
    /* As http.client, the end of stream ends the proxy's headers, so the
     * tunnel is "up"; the request through it then fails as a disconnect. */
    int rc = tunnel_case("HTTP/1.1 200 Connection established\r\nVia: x", 2);
    cr_assert(httpc_error_is(rc, HTTPC_E_CONNECTION_RESET) || rc == HTTPC_E_BROKEN_PIPE,
              "got %s: %s", httpc_error_name(rc), httpc_last_error_message());
    ASSERT_ELAPSED(t0, 0, 3000);
}
