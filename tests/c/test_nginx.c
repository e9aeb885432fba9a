/* Integration against a real nginx (tests/support/with-servers.sh). Skips
 * when run without the servers. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "httpc.h"

static int nginx_port(void)
{
    const char *port = getenv("HTTPC_TEST_HTTP_PORT");
    if (!port)
        cr_skip_test("HTTPC_TEST_HTTP_PORT not set: run under with-servers.sh");
    return atoi(port);
}

static httpc_conn *open_nginx(void)
{
    httpc_conn *conn = NULL;
    httpc_conn_options opts = HTTPC_CONN_OPTIONS_INIT;
    opts.timeout = 10;
    cr_assert_eq(httpc_conn_new(&conn, "127.0.0.1", nginx_port(), &opts), HTTPC_OK);
    return conn;
}

/* Sends one request and reads the body, checking the pattern nginx's test
 * files carry (byte i is i % 256). Returns the status. */
static int exchange(httpc_conn *conn, const char *method, const char *url, const httpc_body *body,
                    size_t want_len)
{
    httpc_response *r = NULL;
    cr_assert_eq(httpc_conn_request(conn, method, url, body, NULL, 0, 0), HTTPC_OK, "%s",
                 httpc_last_error_message());
    cr_assert_eq(httpc_conn_getresponse(conn, &r), HTTPC_OK, "%s", httpc_last_error_message());
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

Test(nginx, keep_alive_many_requests_on_one_socket)
{
    httpc_conn *conn = open_nginx();
    cr_assert_eq(exchange(conn, "GET", "/small", NULL, 100), 200);
    int fd = httpc_conn_fileno(conn);
    for (int i = 0; i < 500; i++)
        cr_assert_eq(exchange(conn, "GET", i % 2 ? "/small" : "/medium", NULL, i % 2 ? 100 : 16384),
                     200);
    cr_assert_eq(httpc_conn_fileno(conn), fd, "the connection was not reused");
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
    /* The same bytes streamed from a file, chunked. */
    char path[] = "/tmp/httpc-upload-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_eq(write(fd, data, size), (ssize_t)size);
    lseek(fd, 0, SEEK_SET);
    httpc_body file = {.kind = HTTPC_BODY_FD, .fd = fd};
    status = exchange(conn, "PUT", "/upload/c-big2.bin", &file, (size_t)-1);
    cr_assert(status == 201 || status == 204 || status == 411, "PUT gave %d", status);
    close(fd);
    unlink(path);
    free(data);
    httpc_conn_free(conn);
}
