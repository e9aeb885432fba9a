/* HTTPConnection / HTTPResponse semantics through the public API against a
 * scripted loopback server: states, keep-alive, reconnects, bodies. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "debug.h"
#include "httpc.h"
#include "support.h"

#define REPLY(s) s, sizeof(s) - 1

static httpc_conn *connect_to(script_server *s)
{
    httpc_conn *conn = NULL;
    httpc_conn_options opts = HTTPC_CONN_OPTIONS_INIT;
    opts.timeout = 5;
    cr_assert_eq(httpc_conn_new(&conn, "127.0.0.1", s->port, &opts), HTTPC_OK);
    return conn;
}

/* Serves one reply (closing after it) and returns the response to GET /
 * with its connection in *conn. */
static httpc_response *get_one(script_server *s, const char *reply, size_t len, httpc_conn **conn)
{
    script_server_add(s, reply, len, 1);
    script_server_start(s);
    *conn = connect_to(s);
    httpc_response *r = NULL;
    cr_assert_eq(httpc_conn_request(*conn, "GET", "/", NULL, NULL, 0, 0), HTTPC_OK);
    cr_assert_eq(httpc_conn_getresponse(*conn, &r), HTTPC_OK, "%s", httpc_last_error_message());
    return r;
}

/* Frees what get_one made and waits for its server. */
static void finish_one(script_server *s, httpc_conn *conn, httpc_response *r)
{
    httpc_response_free(r);
    httpc_conn_free(conn);
    script_server_join(s);
    hc_buf_free(&s->captured);
}

static void get_ok(httpc_conn *conn, const char *url, const char *want_body)
{
    httpc_response *resp = NULL;
    cr_assert_eq(httpc_conn_request(conn, "GET", url, NULL, NULL, 0, 0), HTTPC_OK, "%s",
                 httpc_last_error_message());
    cr_assert_eq(httpc_conn_getresponse(conn, &resp), HTTPC_OK, "%s", httpc_last_error_message());
    char *body;
    size_t len;
    cr_assert_eq(httpc_response_read_all(resp, &body, &len), HTTPC_OK);
    cr_assert_eq(len, strlen(want_body));
    cr_assert_eq(memcmp(body, want_body, len), 0);
    cr_assert(httpc_response_isclosed(resp));
    httpc_free(body);
    httpc_response_free(resp);
}

Test(conn, keep_alive_reuses_one_connection)
{
    script_server s = {0};
    script_server_add(&s, REPLY("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none"), 0);
    script_server_add(&s, REPLY("HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\ntwo"), 0);
    script_server_add(&s,
                      REPLY("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                            "5\r\nthree\r\n0\r\n\r\n"),
                      1);
    script_server_start(&s);
    httpc_conn *conn = connect_to(&s);
    get_ok(conn, "/1", "one");
    get_ok(conn, "/2", "two");
    get_ok(conn, "/3", "three");
    httpc_conn_free(conn);
    script_server_join(&s);
    cr_assert_eq(s.connections, 1);
    hc_buf_free(&s.captured);
}

Test(conn, state_errors)
{
    script_server s = {0};
    script_server_add(&s, REPLY("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"), 1);
    script_server_start(&s);
    httpc_conn *conn = connect_to(&s);
    httpc_response *resp = NULL;
    cr_assert_eq(httpc_conn_getresponse(conn, &resp), HTTPC_E_RESPONSE_NOT_READY);
    cr_assert_eq(httpc_conn_putheader(conn, "X", "y"), HTTPC_E_CANNOT_SEND_HEADER);
    cr_assert_eq(httpc_conn_endheaders(conn, NULL, 0), HTTPC_E_CANNOT_SEND_HEADER);
    cr_assert_eq(httpc_conn_putrequest(conn, "GET", "/", 0), HTTPC_OK);
    cr_assert_eq(httpc_conn_putrequest(conn, "GET", "/", 0), HTTPC_E_CANNOT_SEND_REQUEST);
    cr_assert(httpc_error_is(httpc_last_error_code(), HTTPC_E_IMPROPER_CONNECTION_STATE));
    const char *values[] = {"a", "b"};
    cr_assert_eq(httpc_conn_putheader_values(conn, "X-Multi", values, 2), HTTPC_OK);
    cr_assert_eq(httpc_conn_putheader(conn, "Bad\r\nName", "v"), HTTPC_E_INVALID_ARGUMENT);
    cr_assert_eq(httpc_conn_endheaders(conn, NULL, 0), HTTPC_OK);
    cr_assert_eq(httpc_conn_getresponse(conn, &resp), HTTPC_OK);
    cr_assert_eq(httpc_response_status(resp), 200);
    cr_assert_str_eq(httpc_response_reason(resp), "OK");
    httpc_response_free(resp);
    httpc_conn_free(conn);
    script_server_join(&s);
    cr_assert(memmem(s.captured.data, s.captured.len, "X-Multi: a\r\n\tb\r\n", 16) != NULL);
    hc_buf_free(&s.captured);
}

Test(conn, invalid_input_sends_nothing)
{
    script_server s = {0};
    script_server_add(&s, REPLY("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"), 1);
    script_server_start(&s);
    httpc_conn *conn = connect_to(&s);
    httpc_header evil = {"X-Evil", "a\r\nInjected: yes"};
    cr_assert_eq(httpc_conn_request(conn, "GET", "/", NULL, &evil, 1, 0), HTTPC_E_INVALID_ARGUMENT);
    cr_assert_eq(httpc_conn_request(conn, "GET", "/a b", NULL, NULL, 0, 0), HTTPC_E_INVALID_URL);
    cr_assert_eq(httpc_conn_request(conn, "G\nET", "/", NULL, NULL, 0, 0),
                 HTTPC_E_INVALID_ARGUMENT);
    cr_assert_eq(httpc_conn_fileno(conn), -1); /* not even connected */
    /* The connection is still usable after the refused attempts. */
    get_ok(conn, "/", "ok");
    httpc_conn_free(conn);
    script_server_join(&s);
    cr_assert(memmem(s.captured.data, s.captured.len, "Injected", 8) == NULL);
    cr_assert_eq(s.connections, 1);
    hc_buf_free(&s.captured);
}

Test(conn, will_close_passes_socket_to_response_and_reconnects)
{
    script_server s = {0};
    script_server_add(&s,
                      REPLY("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 5\r\n\r\n"
                            "first"),
                      1);
    script_server_add(&s, REPLY("HTTP/1.0 200 OK\r\n\r\nsecond"), 1);
    script_server_start(&s);
    httpc_conn *conn = connect_to(&s);
    httpc_response *r1 = NULL;
    cr_assert_eq(httpc_conn_request(conn, "GET", "/1", NULL, NULL, 0, 0), HTTPC_OK);
    cr_assert_eq(httpc_conn_getresponse(conn, &r1), HTTPC_OK);
    cr_assert(httpc_response_will_close(r1));
    cr_assert_eq(httpc_conn_fileno(conn), -1);
    cr_assert_geq(httpc_response_fileno(r1), 0);
    /* A second request while r1 is unread: auto_open makes a new socket. */
    get_ok(conn, "/2", "second");
    char buf[16];
    size_t n;
    cr_assert_eq(httpc_response_read(r1, buf, sizeof buf, &n), HTTPC_OK);
    cr_assert_eq(n, 5);
    cr_assert_eq(memcmp(buf, "first", 5), 0);
    httpc_response_free(r1);
    httpc_conn_free(conn);
    script_server_join(&s);
    cr_assert_eq(s.connections, 2);
    hc_buf_free(&s.captured);
}

Test(conn, response_not_ready_until_previous_read)
{
    script_server s = {0};
    script_server_add(&s, REPLY("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nabcd"), 0);
    script_server_add(&s, REPLY("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nefgh"), 1);
    script_server_start(&s);
    httpc_conn *conn = connect_to(&s);
    httpc_response *r1 = NULL, *r2 = NULL;
    cr_assert_eq(httpc_conn_request(conn, "GET", "/1", NULL, NULL, 0, 0), HTTPC_OK);
    cr_assert_eq(httpc_conn_getresponse(conn, &r1), HTTPC_OK);
    cr_assert_eq(httpc_conn_request(conn, "GET", "/2", NULL, NULL, 0, 0), HTTPC_OK);
    cr_assert_eq(httpc_conn_getresponse(conn, &r2), HTTPC_E_RESPONSE_NOT_READY);
    char buf[8];
    size_t n;
    cr_assert_eq(httpc_response_read(r1, buf, 2, &n), HTTPC_OK);
    cr_assert_eq(n, 2);
    cr_assert_eq(httpc_response_read(r1, buf, 8, &n), HTTPC_OK);
    cr_assert_eq(n, 2);
    cr_assert_eq(httpc_conn_getresponse(conn, &r2), HTTPC_OK);
    char *body;
    size_t len;
    cr_assert_eq(httpc_response_read_all(r2, &body, &len), HTTPC_OK);
    cr_assert_eq(len, 4);
    httpc_free(body);
    httpc_response_free(r1);
    httpc_response_free(r2);
    httpc_conn_free(conn);
    script_server_join(&s);
    hc_buf_free(&s.captured);
}

Test(conn, idle_connection_closed_by_server_is_replaced)
{
    script_server s = {0};
    /* The server closes after the first reply although it said keep-alive. */
    script_server_add(&s, REPLY("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na"), 1);
    script_server_add(&s, REPLY("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb"), 1);
    script_server_start(&s);
    httpc_conn *conn = connect_to(&s);
    get_ok(conn, "/1", "a");
    usleep(300000); /* let the FIN arrive and the idle probe apply */
    get_ok(conn, "/2", "b");
    httpc_conn_free(conn);
    script_server_join(&s);
    cr_assert_eq(s.connections, 2);
    hc_buf_free(&s.captured);
}

Test(conn, readline_peek_read1_and_trailers)
{
    script_server s = {0};
    httpc_conn *conn = NULL;
    httpc_response *r = get_one(&s,
                                REPLY("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                      "6\r\nline1\n\r\n7\r\nline2\nx\r\n0\r\nDigest: abc\r\n\r\n"),
                                &conn);
    cr_assert(httpc_response_chunked(r));
    const void *peeked;
    size_t n;
    cr_assert_eq(httpc_response_peek(r, &peeked, &n), HTTPC_OK);
    cr_assert_gt(n, 0);
    cr_assert_eq(((const char *)peeked)[0], 'l');
    char line[64];
    cr_assert_eq(httpc_response_readline(r, line, sizeof line, &n), HTTPC_OK);
    cr_assert_eq(n, 6);
    cr_assert_eq(memcmp(line, "line1\n", 6), 0);
    cr_assert_eq(httpc_response_readline(r, line, sizeof line, &n), HTTPC_OK);
    cr_assert_eq(n, 6);
    cr_assert_eq(httpc_response_read1(r, line, sizeof line, &n), HTTPC_OK);
    cr_assert_eq(n, 1);
    cr_assert_eq(httpc_response_read1(r, line, sizeof line, &n), HTTPC_OK);
    cr_assert_eq(n, 0);
    cr_assert(httpc_response_isclosed(r));
    cr_assert_str_eq(httpc_headers_get(httpc_response_trailers(r), "digest"), "abc");
    finish_one(&s, conn, r);
}

typedef struct reader_state {
    int calls;
} reader_state;

static int64_t read_three_pieces(void *userdata, void *buf, size_t cap)
{
    reader_state *st = userdata;
    (void)cap;
    if (st->calls >= 3)
        return 0;
    st->calls++;
    memcpy(buf, "piece", 5);
    return 5;
}

Test(conn, streamed_bodies_are_chunked)
{
    script_server s = {0};
    script_server_add(&s, REPLY("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"), 0);
    script_server_add(&s, REPLY("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"), 1);
    script_server_start(&s);
    httpc_conn *conn = connect_to(&s);
    reader_state st = {0};
    httpc_body body = {.kind = HTTPC_BODY_READER, .read_fn = read_three_pieces, .userdata = &st};
    cr_assert_eq(httpc_conn_request(conn, "POST", "/r", &body, NULL, 0, 0), HTTPC_OK);
    httpc_response *r = NULL;
    cr_assert_eq(httpc_conn_getresponse(conn, &r), HTTPC_OK);
    cr_assert_eq(httpc_response_drain(r), HTTPC_OK);
    httpc_response_free(r);
    /* A file descriptor body with a caller-given Content-Length is sent raw. */
    char path[] = "/tmp/httpc-body-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_eq(write(fd, "0123456789", 10), 10);
    lseek(fd, 0, SEEK_SET);
    httpc_body file_body = {.kind = HTTPC_BODY_FD, .fd = fd};
    httpc_header length = {"Content-Length", "10"};
    cr_assert_eq(httpc_conn_request(conn, "PUT", "/f", &file_body, &length, 1, 0), HTTPC_OK);
    cr_assert_eq(httpc_conn_getresponse(conn, &r), HTTPC_OK);
    cr_assert_eq(httpc_response_drain(r), HTTPC_OK);
    httpc_response_free(r);
    close(fd);
    unlink(path);
    httpc_conn_free(conn);
    script_server_join(&s);
    hc_buf_terminate(&s.captured);
    cr_assert(strstr(s.captured.data,
                     "Transfer-Encoding: chunked\r\n\r\n5\r\npiece\r\n5\r\npiece\r\n"
                     "5\r\npiece\r\n0\r\n\r\n") != NULL,
              "%s", s.captured.data);
    cr_assert(strstr(s.captured.data, "Content-Length: 10\r\n\r\n0123456789") != NULL);
    hc_buf_free(&s.captured);
}

static char debug_out[4096];
static void collect_debug(void *userdata, const char *line)
{
    (void)userdata;
    strncat(debug_out, line, sizeof debug_out - strlen(debug_out) - 2);
    strcat(debug_out, "\n");
}

Test(conn, debug_output_like_http_client)
{
    script_server s = {0};
    script_server_add(&s, REPLY("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-A: b\r\n\r\nok"), 1);
    script_server_start(&s);
    httpc_conn_options opts = HTTPC_CONN_OPTIONS_INIT;
    opts.debug_fn = collect_debug;
    httpc_conn *conn = NULL;
    cr_assert_eq(httpc_conn_new(&conn, "127.0.0.1", s.port, &opts), HTTPC_OK);
    httpc_conn_set_debuglevel(conn, 1);
    httpc_body body = {.kind = HTTPC_BODY_BYTES, .data = "it's", .len = 4};
    cr_assert_eq(httpc_conn_request(conn, "POST", "/", &body, NULL, 0, 0), HTTPC_OK);
    httpc_response *r = NULL;
    cr_assert_eq(httpc_conn_getresponse(conn, &r), HTTPC_OK);
    httpc_response_free(r);
    httpc_conn_free(conn);
    script_server_join(&s);
    char want[512];
    snprintf(want, sizeof want,
             "send: b'POST / HTTP/1.1\\r\\nHost: 127.0.0.1:%d\\r\\nAccept-Encoding: "
             "identity\\r\\nContent-Length: 4\\r\\n\\r\\n'\nsend: b\"it's\"\n"
             "reply: 'HTTP/1.1 200 OK\\r\\n'\nheader: Content-Length: 2\nheader: X-A: b\n",
             s.port);
    cr_assert_str_eq(debug_out, want);
    hc_buf_free(&s.captured);
}

Test(conn, connection_refused_and_resolve_errors)
{
    httpc_conn *conn = NULL;
    httpc_conn_options opts = HTTPC_CONN_OPTIONS_INIT;
    opts.timeout = 5;
    /* Port 1 on loopback: nothing listens there. */
    cr_assert_eq(httpc_conn_new(&conn, "127.0.0.1:1", 0, &opts), HTTPC_OK);
    cr_assert_eq(httpc_conn_connect(conn), HTTPC_E_CONNECTION_REFUSED);
    cr_assert_eq(httpc_last_error_errno(), ECONNREFUSED);
    httpc_conn_free(conn);
    require_no_dns();
    cr_assert_eq(httpc_conn_new(&conn, "nonexistent.invalid", 0, &opts), HTTPC_OK);
    cr_assert_eq(httpc_conn_request(conn, "GET", "/", NULL, NULL, 0, 0), HTTPC_E_RESOLVE);
    cr_assert(httpc_error_is(HTTPC_E_RESOLVE, HTTPC_E_OS));
    httpc_conn_free(conn);
    cr_assert_eq(httpc_conn_new(&conn, "host:", 0, &opts), HTTPC_E_INVALID_URL);
    cr_assert_eq(httpc_conn_new(&conn, "bad host", 0, &opts), HTTPC_E_INVALID_URL);
}

Test(conn, freeing_connection_keeps_live_response_readable)
{
    script_server s = {0};
    httpc_conn *conn = NULL;
    httpc_response *r =
        get_one(&s, REPLY("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsurvive"), &conn);
    httpc_conn_free(conn);
    char *body;
    size_t len;
    cr_assert_eq(httpc_response_read_all(r, &body, &len), HTTPC_OK);
    cr_assert_eq(len, 6);
    httpc_free(body);
    httpc_response_free(r);
    script_server_join(&s);
    hc_buf_free(&s.captured);
}

Test(conn, getheader_joins_and_defaults)
{
    script_server s = {0};
    httpc_conn *conn = NULL;
    httpc_response *r = get_one(&s,
                                REPLY("HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\n"
                                      "Content-Length: 0\r\n\r\n"),
                                &conn);
    cr_assert_str_eq(httpc_response_getheader(r, "SET-COOKIE", NULL), "a=1, b=2");
    cr_assert_str_eq(httpc_response_getheader(r, "missing", "dflt"), "dflt");
    const httpc_headers *h = httpc_response_headers(r);
    cr_assert_eq(httpc_headers_find(h, "set-cookie", 0), 0);
    cr_assert_eq(httpc_headers_find(h, "set-cookie", 1), 1);
    cr_assert_eq(httpc_headers_find(h, "set-cookie", 2), -1);
    cr_assert_eq(httpc_response_length(r), 0);
    finish_one(&s, conn, r);
}

Test(conn, accessors_and_step_by_step_send)
{
    script_server s = {0};
    script_server_add(&s, REPLY("HTTP/1.0 201 Created\r\nContent-Length: 4\r\n\r\ndone"), 1);
    script_server_start(&s);
    httpc_conn *conn = connect_to(&s);
    cr_assert_str_eq(httpc_conn_host(conn), "127.0.0.1");
    cr_assert_eq(httpc_conn_port(conn), s.port);
    cr_assert_eq(httpc_conn_is_https(conn), 0);
    cr_assert_null(httpc_conn_proxy_response_headers(conn));
    httpc_conn_set_timeout(conn, 5.0);
    /* The putrequest / putheader / endheaders / send style of http.client's documentation. */
    cr_assert_eq(
        httpc_conn_putrequest(conn, "PUT", "/file", HTTPC_SKIP_HOST | HTTPC_SKIP_ACCEPT_ENCODING),
        HTTPC_OK);
    cr_assert_eq(httpc_conn_putheader(conn, "Host", "example.org"), HTTPC_OK);
    cr_assert_eq(httpc_conn_putheader(conn, "Content-Length", "5"), HTTPC_OK);
    cr_assert_eq(httpc_conn_endheaders(conn, NULL, 0), HTTPC_OK);
    cr_assert_geq(httpc_conn_fileno(conn), 0);
    cr_assert_eq(httpc_conn_send(conn, "hello", 5), HTTPC_OK);
    httpc_response *r = NULL;
    cr_assert_eq(httpc_conn_getresponse(conn, &r), HTTPC_OK);
    cr_assert_eq(httpc_response_status(r), 201);
    cr_assert_eq(httpc_response_version(r), 10);
    cr_assert(httpc_response_will_close(r));
    cr_assert_not(httpc_response_chunked(r));
    cr_assert_eq(httpc_response_length(r), 4);
    const void *peeked;
    size_t n;
    cr_assert_eq(httpc_response_peek(r, &peeked, &n), HTTPC_OK);
    cr_assert_eq(n, 4);
    char buf[8];
    cr_assert_eq(httpc_response_read1(r, buf, 2, &n), HTTPC_OK);
    cr_assert_eq(n, 2);
    cr_assert_eq(httpc_response_length(r), 2);
    cr_assert_eq(httpc_response_readline(r, buf, sizeof buf, &n), HTTPC_OK);
    cr_assert_eq(n, 2);
    cr_assert_eq(memcmp(buf, "ne", 2), 0);
    cr_assert(httpc_response_isclosed(r));
    cr_assert_eq(httpc_response_fileno(r), -1);
    httpc_response_free(r);
    httpc_conn_free(conn);
    script_server_join(&s);
    hc_buf_terminate(&s.captured);
    cr_assert(strstr(s.captured.data, "PUT /file HTTP/1.1\r\nHost: example.org\r\n"
                                      "Content-Length: 5\r\n\r\nhello") != NULL,
              "%s", s.captured.data);
    hc_buf_free(&s.captured);
}

Test(conn, closing_a_response_early_closes_the_connection)
{
    script_server s = {0};
    script_server_add(&s, REPLY("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789"), 0);
    script_server_add(&s, REPLY("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"), 1);
    script_server_start(&s);
    httpc_conn *conn = connect_to(&s);
    httpc_response *r = NULL;
    cr_assert_eq(httpc_conn_request(conn, "GET", "/", NULL, NULL, 0, 0), HTTPC_OK);
    cr_assert_eq(httpc_conn_getresponse(conn, &r), HTTPC_OK);
    char buf[4];
    size_t n;
    cr_assert_eq(httpc_response_read(r, buf, 3, &n), HTTPC_OK);
    httpc_response_close(r);
    cr_assert(httpc_response_isclosed(r));
    cr_assert_eq(httpc_response_read(r, buf, 3, &n), HTTPC_OK);
    cr_assert_eq(n, 0);
    httpc_response_free(r);
    cr_assert_eq(httpc_conn_fileno(conn), -1);
    get_ok(conn, "/again", "ok"); /* a new connection */
    httpc_conn_close(conn);
    httpc_conn_free(conn);
    script_server_join(&s);
    hc_buf_free(&s.captured);
    cr_assert_eq(s.connections, 2);
}

Test(conn, head_and_bad_arguments)
{
    script_server s = {0};
    script_server_add(&s, REPLY("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"), 1);
    script_server_start(&s);
    httpc_conn *conn = connect_to(&s);
    httpc_response *r = NULL;
    cr_assert_eq(httpc_conn_request(conn, "HEAD", "/", NULL, NULL, 0, 0), HTTPC_OK);
    cr_assert_eq(httpc_conn_getresponse(conn, &r), HTTPC_OK);
    char buf[4];
    size_t n = 99;
    cr_assert_eq(httpc_response_read(r, buf, sizeof buf, &n), HTTPC_OK);
    cr_assert_eq(n, 0);
    cr_assert_eq(httpc_response_read(NULL, buf, 1, &n), HTTPC_E_INVALID_ARGUMENT);
    cr_assert_eq(httpc_response_read1(r, NULL, 1, &n), HTTPC_E_INVALID_ARGUMENT);
    cr_assert_eq(httpc_response_readline(r, buf, 1, NULL), HTTPC_E_INVALID_ARGUMENT);
    cr_assert_eq(httpc_response_peek(r, NULL, &n), HTTPC_E_INVALID_ARGUMENT);
    cr_assert_eq(httpc_response_read_all(r, NULL, &n), HTTPC_E_INVALID_ARGUMENT);
    cr_assert_eq(httpc_response_drain(NULL), HTTPC_E_INVALID_ARGUMENT);
    httpc_response_free(r);
    cr_assert_eq(httpc_conn_request(NULL, "GET", "/", NULL, NULL, 0, 0), HTTPC_E_INVALID_ARGUMENT);
    cr_assert_eq(httpc_conn_putrequest(conn, NULL, "/", 0), HTTPC_E_INVALID_ARGUMENT);
    cr_assert_eq(httpc_conn_putheader_values(conn, "X", NULL, 1), HTTPC_E_INVALID_ARGUMENT);
    cr_assert_eq(httpc_conn_send(conn, NULL, 3), HTTPC_E_INVALID_ARGUMENT);
    cr_assert_eq(httpc_conn_getresponse(conn, NULL), HTTPC_E_INVALID_ARGUMENT);
    cr_assert_eq(httpc_conn_set_tunnel(conn, NULL, 0, NULL, 0), HTTPC_E_INVALID_ARGUMENT);
    cr_assert_eq(httpc_conn_connect(NULL), HTTPC_E_INVALID_ARGUMENT);
    cr_assert_null(httpc_conn_host(NULL));
    cr_assert_eq(httpc_response_status(NULL), 0);
    cr_assert_str_eq(httpc_response_reason(NULL), "");
    cr_assert_eq(httpc_response_isclosed(NULL), 1);
    cr_assert_str_eq(httpc_response_getheader(NULL, "x", "d"), "d");
    cr_assert_eq(httpc_headers_count(NULL), 0);
    cr_assert_null(httpc_headers_name(NULL, 0));
    cr_assert_null(httpc_headers_value(NULL, 0));
    cr_assert_eq(httpc_headers_find(NULL, "x", 0), -1);
    httpc_conn_free(conn);
    script_server_join(&s);
    hc_buf_free(&s.captured);
}

static char repr_out[512];
static void collect_repr(void *userdata, const char *line)
{
    (void)userdata;
    snprintf(repr_out, sizeof repr_out, "%s", line);
}

Test(conn, debug_repr_escapes)
{
    hc_buf out = {0};
    cr_assert_eq(hc_repr(&out, "a\\'\"\x01\xe9\t", 7, 1), 0);
    hc_buf_terminate(&out);
    cr_assert_str_eq(out.data, "b'a\\\\\\'\"\\x01\\xe9\\t'");
    out.len = 0;
    cr_assert_eq(hc_repr(&out, "caf\xe9 \x85", 6, 0), 0);
    hc_buf_terminate(&out);
    cr_assert_str_eq(out.data, "'caf\xc3\xa9 \\x85'");
    hc_debug_repr(collect_repr, NULL, &out, "send:", "x", 1, 1);
    cr_assert_str_eq(repr_out, "send: b'x'");
    hc_buf_free(&out);
}

Test(conn, source_address_is_bound)
{
    script_server s = {0};
    script_server_add(&s, REPLY("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"), 1);
    script_server_start(&s);
    httpc_conn_options opts = HTTPC_CONN_OPTIONS_INIT;
    opts.source_host = "127.0.0.1";
    httpc_conn *conn = NULL;
    cr_assert_eq(httpc_conn_new(&conn, "localhost", s.port, &opts), HTTPC_OK);
    get_ok(conn, "/", "ok");
    httpc_conn_free(conn);
    script_server_join(&s);
    hc_buf_free(&s.captured);
    require_no_dns();
    opts.source_host = "no-such-source.invalid";
    cr_assert_eq(httpc_conn_new(&conn, "127.0.0.1", s.port, &opts), HTTPC_OK);
    cr_assert_eq(httpc_conn_connect(conn), HTTPC_E_RESOLVE);
    httpc_conn_free(conn);
}

static int64_t failing_reader(void *userdata, void *buf, size_t cap)
{
    (void)buf, (void)cap;
    return *(int *)userdata;
}

static int failing_chunks(void *userdata, const void **data, size_t *len)
{
    (void)data, (void)len;
    return *(int *)userdata;
}

Test(conn, body_sources_that_fail)
{
    script_server s = {0};
    script_server_add(&s, REPLY("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"), 1);
    script_server_start(&s);
    httpc_conn *conn = connect_to(&s);
    int result = -1;
    httpc_body reader = {.kind = HTTPC_BODY_READER, .read_fn = failing_reader, .userdata = &result};
    cr_assert_eq(httpc_conn_request(conn, "POST", "/", &reader, NULL, 0, 0), HTTPC_E_OS);
    result = HTTPC_E_TIMEOUT;
    cr_assert_eq(httpc_conn_request(conn, "POST", "/", &reader, NULL, 0, 0), HTTPC_E_TIMEOUT);
    httpc_body chunks = {
        .kind = HTTPC_BODY_CHUNKS, .chunk_fn = failing_chunks, .userdata = &result};
    cr_assert_eq(httpc_conn_request(conn, "POST", "/", &chunks, NULL, 0, 0), HTTPC_E_TIMEOUT);
    result = -7;
    cr_assert_eq(httpc_conn_request(conn, "POST", "/", &chunks, NULL, 0, 0), HTTPC_E_OS);
    httpc_body bad_fd = {.kind = HTTPC_BODY_FD, .fd = -1};
    cr_assert_eq(httpc_conn_request(conn, "POST", "/", &bad_fd, NULL, 0, 0), HTTPC_E_OS);
    cr_assert_eq(httpc_last_error_errno(), EBADF);
    /* After every failure the connection is idle and usable. */
    get_ok(conn, "/", "ok");
    httpc_conn_free(conn);
    script_server_join(&s);
    hc_buf_free(&s.captured);
}

static void ignore_debug(void *userdata, const char *line)
{
    (void)userdata, (void)line;
}

Test(conn, chunked_body_cut_short_for_every_reader)
{
    static const char reply[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                "3\r\nabc\r\n5\r\nhe";
    /* read, read1, readline, peek: each reports IncompleteRead. */
    for (int way = 0; way < 4; way++) {
        script_server s = {0};
        script_server_add(&s, REPLY(reply), 1);
        script_server_start(&s);
        httpc_conn_options opts = HTTPC_CONN_OPTIONS_INIT;
        opts.timeout = 5;
        opts.debuglevel = 1;
        opts.debug_fn = ignore_debug;
        httpc_conn *conn = NULL;
        cr_assert_eq(httpc_conn_new(&conn, "127.0.0.1", s.port, &opts), HTTPC_OK);
        httpc_response *r = NULL;
        httpc_body chunked = {.kind = HTTPC_BODY_BYTES, .data = "data", .len = 4};
        cr_assert_eq(httpc_conn_request(conn, "POST", "/", &chunked, NULL, 0, HTTPC_ENCODE_CHUNKED),
                     HTTPC_OK);
        cr_assert_eq(httpc_conn_getresponse(conn, &r), HTTPC_OK);
        char buf[64];
        size_t n;
        const void *peeked;
        int rc = HTTPC_OK;
        for (int i = 0; i < 10 && rc == HTTPC_OK; i++) {
            if (way == 0)
                rc = httpc_response_read(r, buf, sizeof buf, &n);
            else if (way == 1)
                rc = httpc_response_read1(r, buf, sizeof buf, &n);
            else if (way == 2)
                rc = httpc_response_readline(r, buf, sizeof buf, &n);
            else {
                rc = httpc_response_peek(r, &peeked, &n);
                if (rc == HTTPC_OK && n > 0)
                    rc = httpc_response_read(r, buf, n, &n);
            }
        }
        cr_assert_eq(rc, HTTPC_E_INCOMPLETE_READ, "way %d gave %s", way, httpc_error_name(rc));
        httpc_response_free(r);
        httpc_conn_free(conn);
        script_server_join(&s);
        hc_buf_free(&s.captured);
    }
}

Test(conn, large_chunks_read_straight_into_the_caller_buffer)
{
    static char reply[40000];
    int n = snprintf(reply, sizeof reply,
                     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n", 30000);
    memset(reply + n, 'z', 30000);
    memcpy(reply + n + 30000, "\r\n0\r\n\r\n", 7);
    script_server s = {0};
    httpc_conn *conn = NULL;
    httpc_response *r = get_one(&s, reply, (size_t)n + 30007, &conn);
    static char body[65536];
    size_t total = 0, got;
    do {
        cr_assert_eq(httpc_response_read1(r, body + total, sizeof body - total, &got), HTTPC_OK);
        total += got;
    } while (got > 0);
    cr_assert_eq(total, 30000);
    finish_one(&s, conn, r);
}

Test(conn, send_times_out_when_the_server_does_not_read)
{
    /* A listener whose connection is accepted by the kernel but never read. */
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    cr_assert_eq(bind(listener, (struct sockaddr *)&addr, sizeof addr), 0);
    cr_assert_eq(listen(listener, 1), 0);
    socklen_t len = sizeof addr;
    getsockname(listener, (struct sockaddr *)&addr, &len);
    httpc_conn_options opts = HTTPC_CONN_OPTIONS_INIT;
    opts.timeout = 0.3;
    httpc_conn *conn = NULL;
    cr_assert_eq(httpc_conn_new(&conn, "127.0.0.1", ntohs(addr.sin_port), &opts), HTTPC_OK);
    size_t size = 64 * 1024 * 1024;
    char *data = calloc(1, size);
    httpc_body body = {.kind = HTTPC_BODY_BYTES, .data = data, .len = size};
    cr_assert_eq(httpc_conn_request(conn, "PUT", "/", &body, NULL, 0, 0), HTTPC_E_TIMEOUT);
    cr_assert_eq(httpc_conn_fileno(conn), -1); /* the failed connection was closed */
    free(data);
    httpc_conn_free(conn);
    close(listener);
}

Test(tls_context, null_and_bad_arguments)
{
    cr_assert_eq(httpc_tls_context_new(NULL), HTTPC_E_INVALID_ARGUMENT);
    cr_assert_eq(httpc_tls_context_load_verify_file(NULL, "x"), HTTPC_E_INVALID_ARGUMENT);
    cr_assert_eq(httpc_tls_context_load_verify_dir(NULL, "x"), HTTPC_E_INVALID_ARGUMENT);
    cr_assert_eq(httpc_tls_context_load_verify_pem(NULL, "x", 1), HTTPC_E_INVALID_ARGUMENT);
    cr_assert_eq(httpc_tls_context_load_cert_chain(NULL, "x", NULL), HTTPC_E_INVALID_ARGUMENT);
    cr_assert_eq(httpc_tls_context_set_verify_mode(NULL, HTTPC_CERT_NONE),
                 HTTPC_E_INVALID_ARGUMENT);
    cr_assert_eq(httpc_tls_context_set_check_hostname(NULL, 0), HTTPC_E_INVALID_ARGUMENT);
    cr_assert_eq(httpc_tls_context_set_insecure(NULL), HTTPC_E_INVALID_ARGUMENT);
    cr_assert_eq(httpc_tls_context_set_min_version(NULL, HTTPC_TLS_VERSION_1_2),
                 HTTPC_E_INVALID_ARGUMENT);
    httpc_tls_context *ctx = NULL;
    cr_assert_eq(httpc_tls_context_new_empty(&ctx), HTTPC_OK);
    cr_assert_eq(httpc_tls_context_load_verify_pem(ctx, "", 0), HTTPC_E_INVALID_ARGUMENT);
    cr_assert_eq(httpc_tls_context_load_verify_dir(ctx, "/nonexistent/dir"), HTTPC_E_TLS);
    cr_assert(strstr(httpc_last_error_message(), "/nonexistent/dir") != NULL);
    cr_assert_eq(httpc_tls_context_load_cert_chain(ctx, "/nonexistent/cert.pem", NULL),
                 HTTPC_E_TLS);
    cr_assert_eq(httpc_tls_context_set_min_version(ctx, HTTPC_TLS_VERSION_1_3), HTTPC_OK);
    cr_assert_eq(httpc_tls_context_min_version(ctx), HTTPC_TLS_VERSION_1_3);
    cr_assert_eq(httpc_tls_context_set_min_version(ctx, HTTPC_TLS_VERSION_1_2), HTTPC_OK);
    cr_assert_eq(httpc_tls_context_set_min_version(ctx, 0x0301), HTTPC_E_INVALID_ARGUMENT);
    httpc_tls_context_free(ctx);
}

/* Reads a whole body through peek + read, returning the last code. */
static int read_by_peeking(httpc_response *r, size_t *total)
{
    *total = 0;
    for (;;) {
        const void *data;
        size_t n, got;
        int rc = httpc_response_peek(r, &data, &n);
        if (rc || n == 0)
            return rc;
        char buf[64];
        rc = httpc_response_read(r, buf, n < sizeof buf ? n : sizeof buf, &got);
        if (rc)
            return rc;
        *total += got;
    }
}

Test(conn, peek_follows_every_framing)
{
    static const struct {
        const char *reply;
        int want_rc;
        size_t want_total;
    } cases[] = {
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n0\r\n\r\n", 0, 4},
        {"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcEXTRA", 0, 3},
        {"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 0, 0},
        {"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc", 0, 3},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", HTTPC_E_INVALID_CHUNK, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        script_server s = {0};
        httpc_conn *conn = NULL;
        httpc_response *r = get_one(&s, cases[i].reply, strlen(cases[i].reply), &conn);
        size_t total;
        cr_assert_eq(read_by_peeking(r, &total), cases[i].want_rc, "case %zu", i);
        cr_assert_eq(total, cases[i].want_total, "case %zu", i);
        cr_assert(httpc_response_isclosed(r), "case %zu", i);
        finish_one(&s, conn, r);
    }
}

Test(conn, endheaders_rejects_a_body_without_data)
{
    httpc_conn *conn = NULL;
    cr_assert_eq(httpc_conn_new(&conn, "127.0.0.1", 9, NULL), HTTPC_OK);
    cr_assert_eq(httpc_conn_putrequest(conn, "POST", "/", 0), HTTPC_OK);
    httpc_body bad = {.kind = HTTPC_BODY_BYTES, .data = NULL, .len = 3};
    cr_assert_eq(httpc_conn_endheaders(conn, &bad, 0), HTTPC_E_INVALID_ARGUMENT);
    cr_assert_eq(httpc_conn_endheaders(NULL, NULL, 0), HTTPC_E_INVALID_ARGUMENT);
    httpc_conn_free(conn);
}

/* Answers 413 as soon as the request head is in, then closes without
 * reading the body. */
static void *answer_early(void *arg)
{
    int listener = *(int *)arg;
    int fd = accept(listener, NULL, NULL);
    char buf[4096];
    size_t have = 0;
    while (have < sizeof buf - 1) {
        ssize_t n = recv(fd, buf + have, sizeof buf - 1 - have, 0);
        if (n <= 0)
            break;
        have += (size_t)n;
        buf[have] = '\0';
        if (strstr(buf, "\r\n\r\n"))
            break;
    }
    const char reply[] = "HTTP/1.1 413 Content Too Large\r\nConnection: close\r\n"
                         "Content-Length: 8\r\n\r\ntoo big!";
    send(fd, reply, sizeof reply - 1, MSG_NOSIGNAL);
    usleep(100000);
    close(fd);
    return NULL;
}

Test(conn, early_answer_to_a_large_upload_is_readable)
{
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    cr_assert_eq(bind(listener, (struct sockaddr *)&addr, sizeof addr), 0);
    cr_assert_eq(listen(listener, 1), 0);
    socklen_t len = sizeof addr;
    getsockname(listener, (struct sockaddr *)&addr, &len);
    pthread_t server;
    pthread_create(&server, NULL, answer_early, &listener);
    httpc_conn_options opts = HTTPC_CONN_OPTIONS_INIT;
    opts.timeout = 5;
    httpc_conn *conn = NULL;
    cr_assert_eq(httpc_conn_new(&conn, "127.0.0.1", ntohs(addr.sin_port), &opts), HTTPC_OK);
    size_t size = 64 * 1024 * 1024;
    char *data = calloc(1, size);
    httpc_body body = {.kind = HTTPC_BODY_BYTES, .data = data, .len = size};
    int rc = httpc_conn_request(conn, "PUT", "/big", &body, NULL, 0, 0);
    cr_assert(rc == HTTPC_E_BROKEN_PIPE || rc == HTTPC_E_CONNECTION_RESET, "%s",
              httpc_error_name(rc));
    httpc_response *r = NULL;
    cr_assert_eq(httpc_conn_getresponse(conn, &r), HTTPC_OK, "%s", httpc_last_error_message());
    cr_assert_eq(httpc_response_status(r), 413);
    char *text;
    size_t text_len;
    cr_assert_eq(httpc_response_read_all(r, &text, &text_len), HTTPC_OK);
    cr_assert_eq(text_len, 8);
    httpc_free(text);
    httpc_response_free(r);
    free(data);
    httpc_conn_free(conn);
    pthread_join(server, NULL);
    close(listener);
}

Test(conn, debug_output_lists_skipped_interim_headers)
{
    script_server s = {0};
    script_server_add(&s,
                      REPLY("HTTP/1.1 100 Continue\r\nX: y\r\n\r\n"
                            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"),
                      1);
    script_server_start(&s);
    httpc_conn_options opts = HTTPC_CONN_OPTIONS_INIT;
    opts.debug_fn = collect_debug;
    opts.debuglevel = 1;
    httpc_conn *conn = NULL;
    cr_assert_eq(httpc_conn_new(&conn, "127.0.0.1", s.port, &opts), HTTPC_OK);
    debug_out[0] = '\0';
    cr_assert_eq(httpc_conn_request(conn, "GET", "/", NULL, NULL, 0, 0), HTTPC_OK);
    httpc_response *r = NULL;
    cr_assert_eq(httpc_conn_getresponse(conn, &r), HTTPC_OK);
    httpc_response_free(r);
    httpc_conn_free(conn);
    script_server_join(&s);
    hc_buf_free(&s.captured);
    const char *tail = strstr(debug_out, "reply:");
    cr_assert_not_null(tail);
    cr_assert_str_eq(tail, "reply: 'HTTP/1.1 100 Continue\\r\\n'\n"
                           "headers: [b'X: y\\r\\n', b'\\r\\n']\n"
                           "reply: 'HTTP/1.1 200 OK\\r\\n'\n"
                           "header: Content-Length: 2\n");
}
