/* HTTPS, TLS contexts and CONNECT tunnels. Tests that need real servers
 * run under tests/support/with-servers.sh (see tests/tls.cmake) and skip
 * when its variables are absent (fail under HTTPC_REQUIRE_ALL=1). */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "conn.h"
#include "httpc.h"
#include "support.h"
#include "tls.h"

#include <wolfssl/wolfcrypt/ecc.h>

/* ------------------------------------------------------------------ */
/* Helpers                                                              */
/* ------------------------------------------------------------------ */

/* A context trusting only the test CA. */
static httpc_tls_context *test_ctx(void)
{
    const char *ca = server_env("HTTPC_TEST_CA");
    httpc_tls_context *ctx = NULL;
    cr_assert_eq(httpc_tls_context_new_empty(&ctx), HTTPC_OK, "%s", httpc_last_error_message());
    cr_assert_eq(httpc_tls_context_load_verify_file(ctx, ca), HTTPC_OK, "%s",
                 httpc_last_error_message());
    return ctx;
}

static httpc_conn *https_conn(const char *host, int port, httpc_tls_context *ctx)
{
    httpc_conn_options opts = HTTPC_CONN_OPTIONS_INIT;
    opts.timeout = 10;
    httpc_conn *conn = NULL;
    cr_assert_eq(httpc_conn_new_https(&conn, host, port, &opts, ctx), HTTPC_OK, "%s",
                 httpc_last_error_message());
    return conn;
}

/* GET path; returns the status (or a negative code) and the body, and
 * fills `where` from a /counted/ reply when given. */
static int get_on(httpc_conn *conn, const char *path, char **body, size_t *len, served_on *where)
{
    int rc = httpc_conn_request(conn, "GET", path, NULL, NULL, 0, 0);
    if (rc)
        return rc;
    httpc_response *resp = NULL;
    rc = httpc_conn_getresponse(conn, &resp);
    if (rc)
        return rc;
    if (where)
        served_on_read(resp, where);
    char *data = NULL;
    size_t n = 0;
    rc = httpc_response_read_all(resp, &data, &n);
    int status = httpc_response_status(resp);
    httpc_response_free(resp);
    if (rc) {
        httpc_free(data);
        return rc;
    }
    if (body) {
        *body = data;
        *len = n;
    } else {
        httpc_free(data);
    }
    return status;
}

static int get(httpc_conn *conn, const char *path, char **body, size_t *len)
{
    return get_on(conn, path, body, len, NULL);
}

/* with-servers.sh files: byte i is i % 256. */
static void assert_pattern(const char *data, size_t len, size_t expected_len)
{
    cr_assert_eq(len, expected_len);
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)data[i] != (unsigned char)(i % 256))
            cr_assert_fail("byte %zu is %d", i, (unsigned char)data[i]);
}

static hc_transport *conn_transport(httpc_conn *conn)
{
    return conn->stream ? conn->stream->transport : NULL;
}

/* ------------------------------------------------------------------ */
/* Contexts (no server needed)                                          */
/* ------------------------------------------------------------------ */

Test(tls_context, defaults_are_secure)
{
    httpc_tls_context *ctx = NULL;
    cr_assert_eq(httpc_tls_context_new(&ctx), HTTPC_OK, "%s", httpc_last_error_message());
    cr_assert_eq(httpc_tls_context_verify_mode(ctx), HTTPC_CERT_REQUIRED);
    cr_assert_eq(httpc_tls_context_check_hostname(ctx), 1);
    cr_assert_eq(httpc_tls_context_min_version(ctx), HTTPC_TLS_VERSION_1_2);
    httpc_tls_context_free(ctx);
}

Test(tls_context, python_rules_for_verify_and_hostname)
{
    httpc_tls_context *ctx = NULL;
    cr_assert_eq(httpc_tls_context_new_empty(&ctx), HTTPC_OK);
    cr_assert_eq(httpc_tls_context_set_verify_mode(ctx, HTTPC_CERT_NONE), HTTPC_E_INVALID_ARGUMENT);
    cr_assert(strstr(httpc_last_error_message(), "check_hostname"));
    cr_assert_eq(httpc_tls_context_set_check_hostname(ctx, 0), HTTPC_OK);
    cr_assert_eq(httpc_tls_context_set_verify_mode(ctx, HTTPC_CERT_NONE), HTTPC_OK);
    cr_assert_eq(httpc_tls_context_verify_mode(ctx), HTTPC_CERT_NONE);
    cr_assert_eq(httpc_tls_context_set_check_hostname(ctx, 1), HTTPC_OK);
    cr_assert_eq(httpc_tls_context_verify_mode(ctx), HTTPC_CERT_REQUIRED);
    cr_assert_eq(httpc_tls_context_set_verify_mode(ctx, 7), HTTPC_E_INVALID_ARGUMENT);
    cr_assert_eq(httpc_tls_context_set_insecure(ctx), HTTPC_OK);
    cr_assert_eq(httpc_tls_context_check_hostname(ctx), 0);
    cr_assert_eq(httpc_tls_context_verify_mode(ctx), HTTPC_CERT_NONE);
    cr_assert_eq(httpc_tls_context_set_min_version(ctx, HTTPC_TLS_VERSION_1_3), HTTPC_OK);
    cr_assert_eq(httpc_tls_context_min_version(ctx), HTTPC_TLS_VERSION_1_3);
    cr_assert_eq(httpc_tls_context_set_min_version(ctx, 0x0301), HTTPC_E_INVALID_ARGUMENT);
    httpc_tls_context_free(ctx);
}

Test(tls_context, load_errors_name_the_file)
{
    httpc_tls_context *ctx = NULL;
    cr_assert_eq(httpc_tls_context_new_empty(&ctx), HTTPC_OK);
    cr_assert_eq(httpc_tls_context_load_verify_file(ctx, "/nonexistent/ca.pem"), HTTPC_E_TLS);
    cr_assert(strstr(httpc_last_error_message(), "/nonexistent/ca.pem"), "%s",
              httpc_last_error_message());
    char path[] = "/tmp/httpc-badca-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    cr_assert_eq(write(fd, "not a certificate\n", 18), 18);
    close(fd);
    cr_assert_eq(httpc_tls_context_load_verify_file(ctx, path), HTTPC_E_TLS);
    cr_assert(strstr(httpc_last_error_message(), path), "%s", httpc_last_error_message());
    cr_assert_eq(httpc_tls_context_load_cert_chain(ctx, path, NULL), HTTPC_E_TLS);
    cr_assert(strstr(httpc_last_error_message(), path), "%s", httpc_last_error_message());
    unlink(path);
    cr_assert_eq(httpc_tls_context_load_verify_pem(ctx, "junk", 4), HTTPC_E_TLS);
    cr_assert_eq(httpc_tls_context_load_verify_file(ctx, NULL), HTTPC_E_INVALID_ARGUMENT);
    cr_assert_eq(httpc_tls_context_load_verify_dir(ctx, "/nonexistent-dir"), HTTPC_E_TLS);
    /* The trap: loading after verification is configured must still work. */
    cr_assert_eq(httpc_tls_context_load_verify_dir(ctx, "/etc/ssl/certs"), HTTPC_OK, "%s",
                 httpc_last_error_message());
    httpc_tls_context_free(ctx);
}

Test(tls_context, reference_counted)
{
    httpc_tls_context *ctx = NULL;
    cr_assert_eq(httpc_tls_context_new_empty(&ctx), HTTPC_OK);
    httpc_conn *conn = NULL;
    cr_assert_eq(httpc_conn_new_https(&conn, "localhost", 0, NULL, ctx), HTTPC_OK);
    httpc_tls_context_free(ctx); /* the connection keeps its own reference */
    cr_assert_eq(httpc_conn_port(conn), 443);
    cr_assert_eq(httpc_conn_is_https(conn), 1);
    httpc_conn_free(conn);
    httpc_tls_context_free(NULL);
}

/* ------------------------------------------------------------------ */
/* Loopback servers that are not TLS                                    */
/* ------------------------------------------------------------------ */

/* A listener whose connections the kernel accepts and nobody answers. */
static int silent_listener(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    cr_assert_eq(bind(fd, (struct sockaddr *)&addr, sizeof addr), 0);
    cr_assert_eq(listen(fd, 4), 0);
    socklen_t len = sizeof addr;
    getsockname(fd, (struct sockaddr *)&addr, &len);
    *port = ntohs(addr.sin_port);
    return fd;
}

Test(tls_handshake, stall_times_out)
{
    int port;
    int lfd = silent_listener(&port);
    httpc_tls_context *ctx = NULL;
    cr_assert_eq(httpc_tls_context_new_empty(&ctx), HTTPC_OK);
    httpc_conn_options opts = HTTPC_CONN_OPTIONS_INIT;
    opts.timeout = 0.5;
    httpc_conn *conn = NULL;
    cr_assert_eq(httpc_conn_new_https(&conn, "127.0.0.1", port, &opts, ctx), HTTPC_OK);
    int64_t start = hc_now_ms();
    int rc = httpc_conn_connect(conn);
    int64_t took = hc_now_ms() - start;
    cr_assert_eq(rc, HTTPC_E_TIMEOUT, "%d %s", rc, httpc_last_error_message());
    cr_assert(took >= 400 && took < 3000, "took %lld ms", (long long)took);
    httpc_conn_free(conn);
    httpc_tls_context_free(ctx);
    close(lfd);
}

Test(tls_tunnel, set_tunnel_rules)
{
    httpc_conn *conn = NULL;
    cr_assert_eq(httpc_conn_new(&conn, "127.0.0.1", 9, NULL), HTTPC_OK);
    cr_assert_eq(httpc_conn_set_tunnel(conn, "evil\r\nX: y", 80, NULL, 0),
                 HTTPC_E_INVALID_ARGUMENT);
    httpc_header bad = {"X-Test", "a\r\nInjected: 1"};
    cr_assert_eq(httpc_conn_set_tunnel(conn, "example.com", 80, &bad, 1), HTTPC_E_INVALID_ARGUMENT);
    httpc_header bad_name = {"X-Te\nst", "a"};
    cr_assert_eq(httpc_conn_set_tunnel(conn, "example.com", 80, &bad_name, 1),
                 HTTPC_E_INVALID_ARGUMENT);
    cr_assert_null(httpc_conn_proxy_response_headers(conn));
    httpc_conn_free(conn);
}

Test(tls_tunnel, set_tunnel_after_connect_is_state_error)
{
    script_server s = {0};
    static const char reply[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    script_server_add(&s, reply, sizeof reply - 1, 1);
    script_server_start(&s);
    httpc_conn *conn = NULL;
    cr_assert_eq(httpc_conn_new(&conn, "127.0.0.1", s.port, NULL), HTTPC_OK);
    cr_assert_eq(httpc_conn_connect(conn), HTTPC_OK, "%s", httpc_last_error_message());
    cr_assert_eq(httpc_conn_set_tunnel(conn, "example.com", 80, NULL, 0), HTTPC_E_STATE);
    cr_assert_eq(get(conn, "/", NULL, NULL), 200);
    httpc_conn_free(conn);
    script_server_stop(&s);
}

Test(tls_tunnel, connect_request_bytes_and_proxy_headers)
{
    script_server s = {0};
    static const char established[] = "HTTP/1.1 200 Connection established\r\n"
                                      "Proxy-Agent: scripted\r\n\r\n";
    static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    script_server_add(&s, established, sizeof established - 1, 0);
    script_server_add(&s, ok, sizeof ok - 1, 1);
    script_server_start(&s);
    httpc_conn *conn = NULL;
    cr_assert_eq(httpc_conn_new(&conn, "127.0.0.1", s.port, NULL), HTTPC_OK);
    httpc_header headers[] = {{"Proxy-Authorization", "Basic dTpw"}, {"X-Test", "1"}};
    cr_assert_eq(httpc_conn_set_tunnel(conn, "target.example", 8080, headers, 2), HTTPC_OK);
    char *body = NULL;
    size_t len = 0;
    cr_assert_eq(get(conn, "/path", &body, &len), 200, "%s", httpc_last_error_message());
    cr_assert_eq(len, 2);
    httpc_free(body);
    const httpc_headers *ph = httpc_conn_proxy_response_headers(conn);
    cr_assert_not_null(ph);
    cr_assert_str_eq(httpc_headers_get(ph, "proxy-agent"), "scripted");
    static const char expected[] = "CONNECT target.example:8080 HTTP/1.1\r\n"
                                   "Host: target.example:8080\r\n"
                                   "Proxy-Authorization: Basic dTpw\r\n"
                                   "X-Test: 1\r\n\r\n"
                                   "GET /path HTTP/1.1\r\n"
                                   "Host: target.example:8080\r\n";
    httpc_conn_free(conn);
    /* The server read both requests before its last reply; stop frees the
     * capture, so compare first. */
    cr_assert(s.captured.len >= sizeof expected - 1);
    cr_assert(memcmp(s.captured.data, expected, sizeof expected - 1) == 0, "captured:\n%.*s",
              (int)s.captured.len, s.captured.data);
    script_server_stop(&s);
}

Test(tls_tunnel, proxy_refusal_is_tunnel_failed)
{
    script_server s = {0};
    static const char refused[] = "HTTP/1.1 407 Proxy Authentication Required\r\n"
                                  "Content-Length: 0\r\n\r\n";
    script_server_add(&s, refused, sizeof refused - 1, 1);
    script_server_start(&s);
    httpc_conn *conn = NULL;
    cr_assert_eq(httpc_conn_new_https(&conn, "127.0.0.1", s.port, NULL, NULL), HTTPC_OK);
    cr_assert_eq(httpc_conn_set_tunnel(conn, "localhost", 443, NULL, 0), HTTPC_OK);
    cr_assert_eq(httpc_conn_connect(conn), HTTPC_E_TUNNEL_FAILED);
    cr_assert_str_eq(httpc_last_error_message(),
                     "Tunnel connection failed: 407 Proxy Authentication Required");
    httpc_conn_free(conn);
    script_server_stop(&s);
}

/* ------------------------------------------------------------------ */
/* nginx over HTTPS                                                     */
/* ------------------------------------------------------------------ */

static void keep_alive_requests(const char *port_var)
{
    int port = server_port(port_var);
    httpc_tls_context *ctx = test_ctx();
    httpc_conn *conn = https_conn("localhost", port, ctx);
    httpc_tls_context_free(ctx);
    served_on first = {0}, now;
    for (int i = 0; i < 5; i++) {
        char *body = NULL;
        size_t len = 0;
        cr_assert_eq(get_on(conn, i % 2 ? "/counted/medium" : "/counted/small", &body, &len, &now),
                     200, "%s", httpc_last_error_message());
        assert_pattern(body, len, i % 2 ? 16384 : 100);
        httpc_free(body);
        if (i == 0)
            first = now;
        /* Keep-alive counted by nginx (see served_on). */
        cr_assert_eq(now.connection, first.connection, "keep-alive reconnected");
        cr_assert_eq(now.request, i + 1);
    }
    cr_assert_str_eq(hc_tls_transport_alpn(conn_transport(conn)), "http/1.1");
    httpc_conn_close(conn);
    cr_assert_eq(get_on(conn, "/counted/small", NULL, NULL, &now), 200);
    cr_assert_neq(now.connection, first.connection);
    cr_assert_eq(now.request, 1);
    httpc_conn_free(conn);
}

Test(https, rsa_keep_alive)
{
    keep_alive_requests("HTTPC_TEST_HTTPS_PORT");
}

Test(https, ecdsa_keep_alive)
{
    keep_alive_requests("HTTPC_TEST_HTTPS_ECDSA_PORT");
}

Test(https, large_body)
{
    int port = server_port("HTTPC_TEST_HTTPS_PORT");
    httpc_tls_context *ctx = test_ctx();
    httpc_conn *conn = https_conn("localhost", port, ctx);
    httpc_tls_context_free(ctx);
    char *body = NULL;
    size_t len = 0;
    cr_assert_eq(get(conn, "/large", &body, &len), 200, "%s", httpc_last_error_message());
    assert_pattern(body, len, 16 * 1024 * 1024);
    httpc_free(body);
    /* The connection is still good after 16 MiB. */
    cr_assert_eq(get(conn, "/small", NULL, NULL), 200);
    httpc_conn_free(conn);
}

Test(https, large_upload)
{
    int port = server_port("HTTPC_TEST_HTTPS_PORT");
    httpc_tls_context *ctx = test_ctx();
    httpc_conn *conn = https_conn("localhost", port, ctx);
    httpc_tls_context_free(ctx);
    size_t size = 4 * 1024 * 1024 + 17;
    char *data = malloc(size);
    for (size_t i = 0; i < size; i++)
        data[i] = (char)(i % 256);
    httpc_body body = {.kind = HTTPC_BODY_BYTES, .data = data, .len = size};
    cr_assert_eq(httpc_conn_request(conn, "PUT", "/upload/tls-big", &body, NULL, 0, 0), HTTPC_OK,
                 "%s", httpc_last_error_message());
    httpc_response *resp = NULL;
    cr_assert_eq(httpc_conn_getresponse(conn, &resp), HTTPC_OK, "%s", httpc_last_error_message());
    int status = httpc_response_status(resp);
    cr_assert(status == 201 || status == 204, "status %d", status);
    httpc_response_drain(resp);
    httpc_response_free(resp);
    char *back = NULL;
    size_t len = 0;
    cr_assert_eq(get(conn, "/upload/tls-big", &back, &len), 200);
    assert_pattern(back, len, size);
    httpc_free(back);
    free(data);
    httpc_conn_free(conn);
}

static void expect_version(const char *port_var, const char *version)
{
    int port = server_port(port_var);
    httpc_tls_context *ctx = test_ctx();
    httpc_conn *conn = https_conn("localhost", port, ctx);
    httpc_tls_context_free(ctx);
    cr_assert_eq(get(conn, "/small", NULL, NULL), 200, "%s", httpc_last_error_message());
    cr_assert_str_eq(hc_tls_transport_version(conn_transport(conn)), version);
    httpc_conn_free(conn);
}

Test(https, tls12_only_listener)
{
    expect_version("HTTPC_TEST_TLS12_PORT", "TLSv1.2");
}

Test(https, tls13_only_listener)
{
    expect_version("HTTPC_TEST_TLS13_PORT", "TLSv1.3");
}

Test(https, min_tls13_against_tls12_server_fails)
{
    int port = server_port("HTTPC_TEST_TLS12_PORT");
    httpc_tls_context *ctx = test_ctx();
    cr_assert_eq(httpc_tls_context_set_min_version(ctx, HTTPC_TLS_VERSION_1_3), HTTPC_OK);
    httpc_conn *conn = https_conn("localhost", port, ctx);
    httpc_tls_context_free(ctx);
    int rc = httpc_conn_connect(conn);
    cr_assert_eq(rc, HTTPC_E_TLS, "%d %s", rc, httpc_last_error_message());
    cr_assert_neq(httpc_last_error_tls(), 0);
    httpc_conn_free(conn);
}

Test(https, ip_literal_matches_ip_san)
{
    int port = server_port("HTTPC_TEST_HTTPS_PORT");
    httpc_tls_context *ctx = test_ctx();
    httpc_conn *conn = https_conn("127.0.0.1", port, ctx);
    httpc_tls_context_free(ctx);
    cr_assert_eq(get(conn, "/small", NULL, NULL), 200, "%s", httpc_last_error_message());
    httpc_conn_free(conn);
}

static void expect_verify_failure(const char *port_var, const char *host, const char *needle)
{
    int port = server_port(port_var);
    httpc_tls_context *ctx = test_ctx();
    httpc_conn *conn = https_conn(host, port, ctx);
    httpc_tls_context_free(ctx);
    int rc = get(conn, "/small", NULL, NULL);
    cr_assert_eq(rc, HTTPC_E_TLS_CERT_VERIFY, "%d %s", rc, httpc_last_error_message());
    cr_assert(httpc_error_is(rc, HTTPC_E_TLS));
    cr_assert(strstr(httpc_last_error_message(), "certificate verify failed: "), "%s",
              httpc_last_error_message());
    cr_assert(strstr(httpc_last_error_message(), needle), "%s", httpc_last_error_message());
    cr_assert_neq(httpc_last_error_tls(), 0);
    httpc_conn_free(conn);
}

Test(https_failures, wrong_hostname)
{
    expect_verify_failure("HTTPC_TEST_WRONGHOST_PORT", "localhost", "hostname mismatch");
}

Test(https_failures, ip_not_in_certificate)
{
    expect_verify_failure("HTTPC_TEST_WRONGHOST_PORT", "127.0.0.1", "hostname mismatch");
}

Test(https_failures, untrusted_ca)
{
    expect_verify_failure("HTTPC_TEST_UNTRUSTED_CA_PORT", "localhost", "issuer");
}

Test(https_failures, expired_certificate)
{
    expect_verify_failure("HTTPC_TEST_EXPIRED_PORT", "localhost", "expired");
}

Test(https_failures, default_context_rejects_test_ca)
{
    int port = server_port("HTTPC_TEST_HTTPS_PORT");
    httpc_conn *conn = https_conn("localhost", port, NULL); /* system CAs only */
    cr_assert_eq(httpc_conn_connect(conn), HTTPC_E_TLS_CERT_VERIFY, "%s",
                 httpc_last_error_message());
    httpc_conn_free(conn);
}

Test(https_failures, checks_can_be_turned_off_by_name)
{
    int port = server_port("HTTPC_TEST_WRONGHOST_PORT");
    httpc_tls_context *ctx = test_ctx();
    cr_assert_eq(httpc_tls_context_set_check_hostname(ctx, 0), HTTPC_OK);
    httpc_conn *conn = https_conn("localhost", port, ctx);
    cr_assert_eq(get(conn, "/small", NULL, NULL), 200, "%s", httpc_last_error_message());
    httpc_conn_free(conn);
    httpc_tls_context_free(ctx);

    port = server_port("HTTPC_TEST_UNTRUSTED_CA_PORT");
    cr_assert_eq(httpc_tls_context_new_empty(&ctx), HTTPC_OK);
    cr_assert_eq(httpc_tls_context_set_insecure(ctx), HTTPC_OK);
    conn = https_conn("localhost", port, ctx);
    cr_assert_eq(get(conn, "/small", NULL, NULL), 200, "%s", httpc_last_error_message());
    httpc_conn_free(conn);
    httpc_tls_context_free(ctx);
}

Test(https_failures, client_certificate_required)
{
    int port = server_port("HTTPC_TEST_CLIENTCERT_PORT");
    httpc_tls_context *ctx = test_ctx();
    httpc_conn *conn = https_conn("localhost", port, ctx);
    /* nginx completes the handshake and answers 400 "No required SSL
     * certificate was sent". */
    cr_assert_eq(get(conn, "/small", NULL, NULL), 400, "%s", httpc_last_error_message());
    httpc_conn_free(conn);
    httpc_tls_context_free(ctx);

    ctx = test_ctx();
    cr_assert_eq(httpc_tls_context_load_cert_chain(ctx, server_env("HTTPC_TEST_CLIENT_CERT"),
                                                   server_env("HTTPC_TEST_CLIENT_KEY")),
                 HTTPC_OK, "%s", httpc_last_error_message());
    conn = https_conn("localhost", port, ctx);
    char *body = NULL;
    size_t len = 0;
    cr_assert_eq(get(conn, "/small", &body, &len), 200, "%s", httpc_last_error_message());
    assert_pattern(body, len, 100);
    httpc_free(body);
    httpc_conn_free(conn);
    httpc_tls_context_free(ctx);
}

Test(https_failures, client_key_must_match)
{
    httpc_tls_context *ctx = test_ctx();
    const char *cert = server_env("HTTPC_TEST_CLIENT_CERT");
    char other_key[4096];
    snprintf(other_key, sizeof other_key, "%s/pki/server.key", server_env("HTTPC_TEST_DIR"));
    cr_assert_eq(httpc_tls_context_load_cert_chain(ctx, cert, other_key), HTTPC_E_TLS);
    cr_assert(strstr(httpc_last_error_message(), "server.key"), "%s", httpc_last_error_message());
    httpc_tls_context_free(ctx);
}

Test(https_failures, plain_http_server)
{
    int port = server_port("HTTPC_TEST_HTTP_PORT");
    httpc_tls_context *ctx = test_ctx();
    httpc_conn *conn = https_conn("localhost", port, ctx);
    int rc = httpc_conn_connect(conn);
    cr_assert_eq(rc, HTTPC_E_TLS, "%d %s", rc, httpc_last_error_message());
    httpc_conn_free(conn);
    httpc_tls_context_free(ctx);
}

/* ------------------------------------------------------------------ */
/* Session resumption                                                   */
/* ------------------------------------------------------------------ */

static void expect_resumption(const char *port_var, bool server_closes)
{
    int port = server_port(port_var);
    httpc_tls_context *ctx = test_ctx();
    httpc_conn *conn = https_conn("localhost", port, ctx);
    httpc_tls_context_free(ctx);
    cr_assert_eq(get(conn, "/small", NULL, NULL), 200, "%s", httpc_last_error_message());
    cr_assert_eq(hc_tls_transport_session_reused(conn_transport(conn)), 0);
    for (int i = 0; i < 3; i++) {
        if (server_closes)
            cr_assert_eq(get(conn, "/close", NULL, NULL), 200, "%s", httpc_last_error_message());
        else
            httpc_conn_close(conn);
        cr_assert_eq(get(conn, "/small", NULL, NULL), 200, "%s", httpc_last_error_message());
        cr_assert_eq(hc_tls_transport_session_reused(conn_transport(conn)), 1,
                     "round %d (%s) not resumed", i,
                     hc_tls_transport_version(conn_transport(conn)));
    }
    httpc_conn_free(conn);
}

Test(https_resumption, tls12_after_close)
{
    expect_resumption("HTTPC_TEST_TLS12_PORT", false);
}

Test(https_resumption, tls13_after_close)
{
    expect_resumption("HTTPC_TEST_TLS13_PORT", false);
}

Test(https_resumption, after_server_closes)
{
    expect_resumption("HTTPC_TEST_HTTPS_PORT", true);
}

Test(https_resumption, not_offered_to_another_host)
{
    int port = server_port("HTTPC_TEST_HTTPS_PORT");
    int proxy = server_port("HTTPC_TEST_PROXY_PORT");
    httpc_tls_context *ctx = test_ctx();
    httpc_conn *conn = https_conn("127.0.0.1", proxy, ctx);
    httpc_tls_context_free(ctx);
    cr_assert_eq(httpc_conn_set_tunnel(conn, "localhost", port, NULL, 0), HTTPC_OK);
    cr_assert_eq(get(conn, "/small", NULL, NULL), 200, "%s", httpc_last_error_message());
    httpc_conn_close(conn);
    cr_assert_eq(httpc_conn_set_tunnel(conn, "127.0.0.1", port, NULL, 0), HTTPC_OK);
    cr_assert_eq(get(conn, "/small", NULL, NULL), 200, "%s", httpc_last_error_message());
    cr_assert_eq(hc_tls_transport_session_reused(conn_transport(conn)), 0);
    httpc_conn_free(conn);
}

/* ------------------------------------------------------------------ */
/* Tunnels through tinyproxy                                            */
/* ------------------------------------------------------------------ */

Test(tunnel, http_through_tinyproxy)
{
    int proxy = server_port("HTTPC_TEST_PROXY_PORT");
    int port = server_port("HTTPC_TEST_HTTP_PORT");
    httpc_conn *conn = NULL;
    cr_assert_eq(httpc_conn_new(&conn, "127.0.0.1", proxy, NULL), HTTPC_OK);
    cr_assert_eq(httpc_conn_set_tunnel(conn, "127.0.0.1", port, NULL, 0), HTTPC_OK);
    char *body = NULL;
    size_t len = 0;
    cr_assert_eq(get(conn, "/echo", &body, &len), 200, "%s", httpc_last_error_message());
    char host_line[64];
    snprintf(host_line, sizeof host_line, "host=127.0.0.1:%d\n", port);
    cr_assert(strstr(body, host_line), "%s", body);
    httpc_free(body);
    cr_assert_eq(get(conn, "/small", NULL, NULL), 200, "%s", httpc_last_error_message());
    cr_assert_not_null(httpc_conn_proxy_response_headers(conn));
    httpc_conn_free(conn);
}

Test(tunnel, https_through_tinyproxy)
{
    int proxy = server_port("HTTPC_TEST_PROXY_PORT");
    int port = server_port("HTTPC_TEST_HTTPS_PORT");
    httpc_tls_context *ctx = test_ctx();
    httpc_conn *conn = https_conn("127.0.0.1", proxy, ctx);
    httpc_tls_context_free(ctx);
    /* SNI and the hostname check use the tunnel's host, not the proxy's. */
    cr_assert_eq(httpc_conn_set_tunnel(conn, "localhost", port, NULL, 0), HTTPC_OK);
    char *body = NULL;
    size_t len = 0;
    cr_assert_eq(get(conn, "/medium", &body, &len), 200, "%s", httpc_last_error_message());
    assert_pattern(body, len, 16384);
    httpc_free(body);
    cr_assert_eq(get(conn, "/small", NULL, NULL), 200, "%s", httpc_last_error_message());
    httpc_conn_free(conn);
}

Test(tunnel, https_through_tinyproxy_wrong_host_fails_verification)
{
    int proxy = server_port("HTTPC_TEST_PROXY_PORT");
    int port = server_port("HTTPC_TEST_WRONGHOST_PORT");
    httpc_tls_context *ctx = test_ctx();
    httpc_conn *conn = https_conn("localhost", proxy, ctx);
    httpc_tls_context_free(ctx);
    cr_assert_eq(httpc_conn_set_tunnel(conn, "localhost", port, NULL, 0), HTTPC_OK);
    cr_assert_eq(httpc_conn_connect(conn), HTTPC_E_TLS_CERT_VERIFY, "%s",
                 httpc_last_error_message());
    httpc_conn_free(conn);
}

Test(tunnel, proxy_auth_407)
{
    int proxy = server_port("HTTPC_TEST_PROXY_AUTH_PORT");
    int port = server_port("HTTPC_TEST_HTTPS_PORT");
    httpc_tls_context *ctx = test_ctx();
    httpc_conn *conn = https_conn("127.0.0.1", proxy, ctx);
    httpc_tls_context_free(ctx);
    cr_assert_eq(httpc_conn_set_tunnel(conn, "localhost", port, NULL, 0), HTTPC_OK);
    int rc = get(conn, "/small", NULL, NULL);
    cr_assert_eq(rc, HTTPC_E_TUNNEL_FAILED, "%d %s", rc, httpc_last_error_message());
    cr_assert(httpc_error_is(rc, HTTPC_E_OS));
    cr_assert(strncmp(httpc_last_error_message(), "Tunnel connection failed: 407 ", 30) == 0, "%s",
              httpc_last_error_message());
    httpc_conn_free(conn);
}

/* Proxy-Authorization passed to set_tunnel reaches tinyproxy: it lets us in. */
Test(tunnel, proxy_auth_headers_reach_proxy)
{
    int proxy = server_port("HTTPC_TEST_PROXY_AUTH_PORT");
    int port = server_port("HTTPC_TEST_HTTPS_PORT");
    const char *user = server_env("HTTPC_TEST_PROXY_USER");
    const char *pass = server_env("HTTPC_TEST_PROXY_PASS");
    /* base64 of user:pass, computed with the shell-free table below. */
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char plain[256], encoded[400] = "Basic ";
    int n = snprintf(plain, sizeof plain, "%s:%s", user, pass);
    char *o = encoded + 6;
    for (int i = 0; i < n; i += 3) {
        unsigned v = (unsigned char)plain[i] << 16;
        if (i + 1 < n)
            v |= (unsigned char)plain[i + 1] << 8;
        if (i + 2 < n)
            v |= (unsigned char)plain[i + 2];
        *o++ = b64[(v >> 18) & 63];
        *o++ = b64[(v >> 12) & 63];
        *o++ = i + 1 < n ? b64[(v >> 6) & 63] : '=';
        *o++ = i + 2 < n ? b64[v & 63] : '=';
    }
    *o = '\0';
    httpc_tls_context *ctx = test_ctx();
    httpc_conn *conn = https_conn("127.0.0.1", proxy, ctx);
    httpc_tls_context_free(ctx);
    httpc_header auth = {"Proxy-Authorization", encoded};
    cr_assert_eq(httpc_conn_set_tunnel(conn, "localhost", port, &auth, 1), HTTPC_OK);
    cr_assert_eq(get(conn, "/small", NULL, NULL), 200, "%s", httpc_last_error_message());
    httpc_conn_free(conn);
}

/* ------------------------------------------------------------------ */
/* A scripted wolfSSL server: how the peer ends a connection            */
/* ------------------------------------------------------------------ */

typedef struct tls_script {
    int listen_fd;
    int port;
    pthread_t thread;
    WOLFSSL_CTX *wctx;
    const char *replies[4]; /* one per connection */
    bool notify[4];         /* send close_notify after the (last) reply */
    int requests[4];        /* requests answered on the connection (0: one) */
    int n;
    int accepted; /* connections */
    int served;   /* requests answered */
} tls_script;

static void *tls_script_serve(void *arg)
{
    tls_script *s = arg;
    for (int i = 0; i < s->n; i++) {
        struct pollfd p = {.fd = s->listen_fd, .events = POLLIN};
        if (poll(&p, 1, 10000) <= 0)
            break;
        int fd = accept(s->listen_fd, NULL, NULL);
        if (fd < 0)
            break;
        struct timeval tv = {10, 0};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        s->accepted++;
        WOLFSSL *ssl = wolfSSL_new(s->wctx);
        wolfSSL_set_fd(ssl, fd);
        char req[4096];
        int answered = 0, wanted = s->requests[i] > 0 ? s->requests[i] : 1;
        if (wolfSSL_accept(ssl) == WOLFSSL_SUCCESS) {
            while (answered < wanted && wolfSSL_read(ssl, req, sizeof req) > 0) {
                wolfSSL_write(ssl, s->replies[i], (int)strlen(s->replies[i]));
                answered++;
            }
            if (answered == wanted && s->notify[i])
                wolfSSL_shutdown(ssl);
        }
        s->served += answered;
        wolfSSL_free(ssl);
        close(fd);
    }
#ifdef FP_ECC
    wc_ecc_fp_free(); /* this thread's ECC cache (Debian's build has one) */
#endif
    return NULL;
}

static void tls_script_start(tls_script *s)
{
    const char *dir = server_env("HTTPC_TEST_DIR");
    char cert[4096], key[4096];
    snprintf(cert, sizeof cert, "%s/pki/server.pem", dir);
    snprintf(key, sizeof key, "%s/pki/server.key", dir);
    cr_assert_eq(hc_tls_global_init(), 0);
    s->wctx = wolfSSL_CTX_new(wolfSSLv23_server_method());
    cr_assert_eq(wolfSSL_CTX_use_certificate_file(s->wctx, cert, WOLFSSL_FILETYPE_PEM),
                 WOLFSSL_SUCCESS);
    cr_assert_eq(wolfSSL_CTX_use_PrivateKey_file(s->wctx, key, WOLFSSL_FILETYPE_PEM),
                 WOLFSSL_SUCCESS);
    s->listen_fd = silent_listener(&s->port);
    pthread_create(&s->thread, NULL, tls_script_serve, s);
}

static void tls_script_stop(tls_script *s)
{
    pthread_join(s->thread, NULL);
    close(s->listen_fd);
    wolfSSL_CTX_free(s->wctx);
}

Test(tls_peer_close, complete_body_without_close_notify_is_fine)
{
    tls_script s = {.replies = {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"}, .n = 1};
    tls_script_start(&s);
    httpc_tls_context *ctx = test_ctx();
    httpc_conn *conn = https_conn("localhost", s.port, ctx);
    httpc_tls_context_free(ctx);
    char *body = NULL;
    size_t len = 0;
    cr_assert_eq(get(conn, "/", &body, &len), 200, "%s", httpc_last_error_message());
    cr_assert_eq(len, 5);
    httpc_free(body);
    httpc_conn_free(conn);
    tls_script_stop(&s);
}

Test(tls_peer_close, body_cut_short_is_incomplete_read)
{
    tls_script s = {.replies = {"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello"}, .n = 1};
    tls_script_start(&s);
    httpc_tls_context *ctx = test_ctx();
    httpc_conn *conn = https_conn("localhost", s.port, ctx);
    httpc_tls_context_free(ctx);
    int rc = get(conn, "/", NULL, NULL);
    cr_assert_eq(rc, HTTPC_E_INCOMPLETE_READ, "%d %s", rc, httpc_last_error_message());
    cr_assert_eq(httpc_last_error_partial(), 5);
    cr_assert_eq(httpc_last_error_expected(), 5);
    httpc_conn_free(conn);
    tls_script_stop(&s);
}

Test(tls_peer_close, close_delimited_body_ends_at_close_notify)
{
    tls_script s = {.replies = {"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil-close"},
                    .notify = {true},
                    .n = 1};
    tls_script_start(&s);
    httpc_tls_context *ctx = test_ctx();
    httpc_conn *conn = https_conn("localhost", s.port, ctx);
    httpc_tls_context_free(ctx);
    char *body = NULL;
    size_t len = 0;
    cr_assert_eq(get(conn, "/", &body, &len), 200, "%s", httpc_last_error_message());
    cr_assert_eq(len, 11);
    httpc_free(body);
    httpc_conn_free(conn);
    tls_script_stop(&s);
}

/* The server says close_notify on an idle keep-alive connection: the next
 * request goes out on a new connection instead of failing. */
Test(tls_peer_close, idle_close_notify_reconnects)
{
    static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    tls_script s = {.replies = {ok, ok}, .notify = {true, false}, .n = 2};
    tls_script_start(&s);
    httpc_tls_context *ctx = test_ctx();
    httpc_conn *conn = https_conn("localhost", s.port, ctx);
    httpc_tls_context_free(ctx);
    cr_assert_eq(get(conn, "/", NULL, NULL), 200, "%s", httpc_last_error_message());
    usleep(200000); /* let close_notify arrive */
    cr_assert_eq(get(conn, "/", NULL, NULL), 200, "%s", httpc_last_error_message());
    httpc_conn_free(conn);
    tls_script_stop(&s);
    cr_assert_eq(s.accepted, 2);
    cr_assert_eq(s.served, 2);
}

/* An idle connection that is still open stays in use (is_alive says yes):
 * the second request goes out on it. The server accepts one connection
 * only, so a reconnect would not be answered. */
Test(tls_peer_close, idle_open_connection_is_reused)
{
    static const char two[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    tls_script s = {.replies = {two}, .requests = {2}, .n = 1};
    tls_script_start(&s);
    httpc_tls_context *ctx = test_ctx();
    httpc_conn *conn = https_conn("localhost", s.port, ctx);
    httpc_tls_context_free(ctx);
    cr_assert_eq(get(conn, "/", NULL, NULL), 200, "%s", httpc_last_error_message());
    usleep(100000); /* idle for a while */
    cr_assert_eq(conn_transport(conn)->ops->is_alive(conn_transport(conn)), 1);
    cr_assert_eq(get(conn, "/", NULL, NULL), 200, "%s", httpc_last_error_message());
    httpc_conn_free(conn);
    tls_script_stop(&s);
    cr_assert_eq(s.accepted, 1);
    cr_assert_eq(s.served, 2);
}
