/* Integration against a real nginx (tests/support/with-servers.sh). Skips
 * when run without the servers, or fails under HTTPC_REQUIRE_ALL=1. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "httpc.h"
#include "support.h"

static httpc_conn *open_nginx(void)
{
    httpc_conn *conn = NULL;
    httpc_conn_options opts = HTTPC_CONN_OPTIONS_INIT;
    opts.timeout = 10;
    cr_assert_eq(httpc_conn_new(&conn, "127.0.0.1", server_port("HTTPC_TEST_HTTP_PORT"), &opts),
                 HTTPC_OK);
    return conn;
}

/* Sends one request and reads the body, checking the pattern nginx's test
 * files carry (byte i is i % 256) unless want_len is (size_t)-1. Fills
 * `where` from a /counted/ reply's headers when given. Returns the status. */
static int exchange_on(httpc_conn *conn, const char *method, const char *url,
                       const httpc_body *body, size_t want_len, served_on *where)
{
    httpc_response *r = NULL;
    cr_assert_eq(httpc_conn_request(conn, method, url, body, NULL, 0, 0), HTTPC_OK, "%s",
                 httpc_last_error_message());
    cr_assert_eq(httpc_conn_getresponse(conn, &r), HTTPC_OK, "%s", httpc_last_error_message());
    if (where)
        served_on_read(r, where);
    static unsigned char buf[65536];
    size_t total = 0, n;
    do {
        cr_assert_eq(httpc_response_read(r, buf, sizeof buf, &n), HTTPC_OK, "%s",
                     httpc_last_error_message());
        if (want_len != (size_t)-1)
            for (size_t i = 0; i < n; i++)
                cr_assert_eq(buf[i], (unsigned char)((total + i) % 256));
        total += n;
    } while (n > 0);
    if (want_len != (size_t)-1)
        cr_assert_eq(total, want_len);
    int status = httpc_response_status(r);
    httpc_response_free(r);
    return status;
}

static int exchange(httpc_conn *conn, const char *method, const char *url, const httpc_body *body,
                    size_t want_len)
{
    return exchange_on(conn, method, url, body, want_len, NULL);
}

/* Keep-alive counted by nginx (see served_on). */
Test(nginx, keep_alive_many_requests_on_one_socket)
{
    httpc_conn *conn = open_nginx();
    served_on first, now;
    cr_assert_eq(exchange_on(conn, "GET", "/counted/small", NULL, 100, &first), 200);
    cr_assert_eq(first.request, 1);
    for (int i = 0; i < 500; i++) {
        cr_assert_eq(exchange_on(conn, "GET", i % 2 ? "/counted/small" : "/counted/medium", NULL,
                                 i % 2 ? 100 : 16384, &now),
                     200);
        cr_assert_eq(now.connection, first.connection, "request %d came on connection %ld, not %ld",
                     i + 2, now.connection, first.connection);
        cr_assert_eq(now.request, i + 2);
    }
    /* The check can fail: after a close nginx sees a new connection. */
    httpc_conn_close(conn);
    cr_assert_eq(exchange_on(conn, "GET", "/counted/small", NULL, 100, &now), 200);
    cr_assert_neq(now.connection, first.connection);
    cr_assert_eq(now.request, 1);
    httpc_conn_free(conn);
}

Test(nginx, large_file)
{
    httpc_conn *conn = open_nginx();
    cr_assert_eq(exchange(conn, "GET", "/large", NULL, 16 * 1024 * 1024), 200);
    cr_assert_eq(exchange(conn, "GET", "/small", NULL, 100), 200);
    httpc_conn_free(conn);
}

Test(nginx, head_post_put_404)
{
    httpc_conn *conn = open_nginx();
    httpc_response *r = NULL;
    cr_assert_eq(httpc_conn_request(conn, "HEAD", "/medium", NULL, NULL, 0, 0), HTTPC_OK);
    cr_assert_eq(httpc_conn_getresponse(conn, &r), HTTPC_OK);
    cr_assert_str_eq(httpc_response_getheader(r, "content-length", ""), "16384");
    char *body;
    size_t len;
    cr_assert_eq(httpc_response_read_all(r, &body, &len), HTTPC_OK);
    cr_assert_eq(len, 0);
    httpc_free(body);
    httpc_response_free(r);

    httpc_body form = {.kind = HTTPC_BODY_BYTES, .data = "spam=1&eggs=2", .len = 13};
    cr_assert_eq(exchange(conn, "POST", "/post", &form, (size_t)-1), 200);
    httpc_body file = {.kind = HTTPC_BODY_BYTES, .data = "stored contents", .len = 15};
    int put_status = exchange(conn, "PUT", "/upload/c-test.txt", &file, (size_t)-1);
    cr_assert(put_status == 201 || put_status == 204, "PUT gave %d", put_status);
    cr_assert_eq(httpc_conn_request(conn, "GET", "/upload/c-test.txt", NULL, NULL, 0, 0), HTTPC_OK);
    cr_assert_eq(httpc_conn_getresponse(conn, &r), HTTPC_OK);
    cr_assert_eq(httpc_response_read_all(r, &body, &len), HTTPC_OK);
    cr_assert_eq(len, 15);
    cr_assert_eq(memcmp(body, "stored contents", 15), 0);
    httpc_free(body);
    httpc_response_free(r);
    cr_assert_eq(exchange(conn, "GET", "/no/such/file", NULL, (size_t)-1), 404);
    cr_assert_eq(exchange(conn, "GET", "/chunked", NULL, (size_t)-1), 200);
    httpc_conn_free(conn);
}

Test(nginx, large_uploads_from_memory_and_file)
{
    httpc_conn *conn = open_nginx();
    size_t size = 8 * 1024 * 1024;
    char *data = malloc(size);
    for (size_t i = 0; i < size; i++)
        data[i] = (char)(i % 256);
    httpc_body body = {.kind = HTTPC_BODY_BYTES, .data = data, .len = size};
    int status = exchange(conn, "PUT", "/upload/c-big.bin", &body, (size_t)-1);
    cr_assert(status == 201 || status == 204, "PUT gave %d", status);
    cr_assert_eq(exchange(conn, "GET", "/upload/c-big.bin", NULL, size), 200);
    /* The same bytes streamed from a file, chunked; read back whole. */
    char path[] = "/tmp/httpc-upload-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_eq(write(fd, data, size), (ssize_t)size);
    lseek(fd, 0, SEEK_SET);
    httpc_body file = {.kind = HTTPC_BODY_FD, .fd = fd};
    status = exchange(conn, "PUT", "/upload/c-big2.bin", &file, (size_t)-1);
    cr_assert(status == 201 || status == 204, "chunked PUT gave %d", status);
    cr_assert_eq(exchange(conn, "GET", "/upload/c-big2.bin", NULL, size), 200);
    close(fd);
    unlink(path);
    free(data);
    httpc_conn_free(conn);
}
