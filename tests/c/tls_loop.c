/* HTTPS loop for valgrind and for rough figures, run under with-servers.sh:
 *   tls_loop leak N        N requests, reconnecting every 5th (our close,
 *                          then the server's), checking every body byte and
 *                          that each reconnect resumed the TLS session; a
 *                          fresh connection every 50th; exit 0 on success
 *   tls_loop rps N         N GET /small over one keep-alive connection
 *   tls_loop mbps PATH     one GET of PATH, prints MB/s
 *   tls_loop errors        prints the messages of the failure cases */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conn.h"
#include "httpc.h"
#include "tls.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int port_of(const char *var)
{
    const char *v = getenv(var);
    if (!v) {
        fprintf(stderr, "%s not set: run under tests/support/with-servers.sh\n", var);
        exit(2);
    }
    return atoi(v);
}

static httpc_tls_context *test_ctx(void)
{
    httpc_tls_context *ctx = NULL;
    if (httpc_tls_context_new_empty(&ctx) ||
        httpc_tls_context_load_verify_file(ctx, getenv("HTTPC_TEST_CA"))) {
        fprintf(stderr, "context: %s\n", httpc_last_error_message());
        exit(1);
    }
    return ctx;
}

/* GET path and read the body in pieces; returns body length or -1. When
 * `pattern` is set, every byte must be with-servers.sh's (byte i is i % 256). */
static long long get_checked(httpc_conn *conn, const char *path, int pattern)
{
    httpc_response *resp = NULL;
    if (httpc_conn_request(conn, "GET", path, NULL, NULL, 0, 0) ||
        httpc_conn_getresponse(conn, &resp)) {
        fprintf(stderr, "GET %s: %s\n", path, httpc_last_error_message());
        return -1;
    }
    static char buf[256 * 1024];
    long long total = 0;
    for (;;) {
        size_t n = 0;
        if (httpc_response_read(resp, buf, sizeof buf, &n)) {
            fprintf(stderr, "read %s: %s\n", path, httpc_last_error_message());
            httpc_response_free(resp);
            return -1;
        }
        if (n == 0)
            break;
        for (size_t i = 0; pattern && i < n; i++)
            if ((unsigned char)buf[i] != (unsigned char)((total + (long long)i) % 256)) {
                fprintf(stderr, "%s: byte %lld is %d\n", path, total + (long long)i,
                        (unsigned char)buf[i]);
                httpc_response_free(resp);
                return -1;
            }
        total += (long long)n;
    }
    int status = httpc_response_status(resp);
    httpc_response_free(resp);
    return status == 200 ? total : -1;
}

static long long get(httpc_conn *conn, const char *path)
{
    return get_checked(conn, path, 0);
}

static int leak_loop(int n)
{
    int port = port_of("HTTPC_TEST_HTTPS_PORT");
    httpc_tls_context *ctx = test_ctx();
    httpc_conn *conn = NULL;
    httpc_conn_options opts = HTTPC_CONN_OPTIONS_INIT;
    opts.timeout = 30;
    if (httpc_conn_new_https(&conn, "localhost", port, &opts, ctx))
        return 1;
    int reconnected = 0, resumed = 0;
    for (int i = 0; i < n; i++) {
        const char *path = i % 10 == 9 ? "/close" : (i % 3 ? "/medium" : "/small");
        long long want = i % 10 == 9 ? 4 : (i % 3 ? 16384 : 100); /* "/close": "bye\n" */
        long long len = get_checked(conn, path, i % 10 != 9);
        if (len != want) {
            fprintf(stderr, "request %d, %s: %lld bytes, expected %lld\n", i, path, len, want);
            return 1;
        }
        /* After our close (i % 10 == 4) or the server's (/close), this
         * request went out on a new connection that resumed the session. */
        if (i > 0 && (i % 10 == 5 || i % 10 == 0) && (i - 1) % 50 != 25) {
            reconnected++;
            if (hc_tls_transport_session_reused(conn->stream->transport) == 1)
                resumed++;
            else
                fprintf(stderr, "request %d: reconnect did not resume\n", i);
        }
        if (i % 10 == 4)
            httpc_conn_close(conn); /* reconnect (and resume) on the next request */
        if (i % 50 == 25) {         /* a fresh connection now and then */
            httpc_conn_free(conn);
            conn = NULL;
            if (httpc_conn_new_https(&conn, "localhost", port, &opts, ctx))
                return 1;
        }
    }
    httpc_conn_free(conn);
    /* A failing handshake must not leak either. */
    const char *wrong = getenv("HTTPC_TEST_WRONGHOST_PORT");
    if (wrong) {
        httpc_conn_new_https(&conn, "localhost", atoi(wrong), &opts, ctx);
        if (httpc_conn_connect(conn) != HTTPC_E_TLS_CERT_VERIFY)
            return 1;
        httpc_conn_free(conn);
    }
    httpc_tls_context_free(ctx);
    printf("%d HTTPS requests ok; %d of %d reconnects resumed the session\n", n, resumed,
           reconnected);
    return resumed == reconnected && reconnected > 0 ? 0 : 1;
}

static int rps(int n)
{
    int port = port_of("HTTPC_TEST_HTTPS_PORT");
    httpc_tls_context *ctx = test_ctx();
    httpc_conn *conn = NULL;
    httpc_conn_new_https(&conn, "localhost", port, NULL, ctx);
    httpc_tls_context_free(ctx);
    if (get(conn, "/small") < 0) /* handshake outside the timing */
        return 1;
    double start = now_s();
    for (int i = 0; i < n; i++)
        if (get(conn, "/small") != 100)
            return 1;
    double took = now_s() - start;
    printf("%d requests over one HTTPS keep-alive connection: %.0f requests/s\n", n, n / took);
    httpc_conn_free(conn);
    return 0;
}

static int mbps(const char *path)
{
    int port = port_of("HTTPC_TEST_HTTPS_PORT");
    httpc_tls_context *ctx = test_ctx();
    httpc_conn *conn = NULL;
    httpc_conn_new_https(&conn, "localhost", port, NULL, ctx);
    httpc_tls_context_free(ctx);
    if (httpc_conn_connect(conn))
        return 1;
    double start = now_s();
    long long len = get(conn, path);
    double took = now_s() - start;
    if (len <= 0)
        return 1;
    printf("GET %s over HTTPS (%s %s): %lld bytes in %.3f s = %.1f MB/s (MB = 10^6 bytes)\n", path,
           hc_tls_transport_version(conn->stream->transport),
           hc_tls_transport_cipher(conn->stream->transport), len, took, len / took / 1e6);
    httpc_conn_free(conn);
    return 0;
}

static void show(const char *label, const char *port_var, const char *host, int min13)
{
    const char *p = getenv(port_var);
    if (!p)
        return;
    httpc_tls_context *ctx = test_ctx();
    if (min13)
        httpc_tls_context_set_min_version(ctx, HTTPC_TLS_VERSION_1_3);
    httpc_conn *conn = NULL;
    httpc_conn_new_https(&conn, host, atoi(p), NULL, ctx);
    int rc = httpc_conn_connect(conn);
    printf("%-22s %s (%d, tls %d): %s\n", label, httpc_error_name(rc), rc, httpc_last_error_tls(),
           httpc_last_error_message());
    httpc_conn_free(conn);
    httpc_tls_context_free(ctx);
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "leak";
    if (strcmp(mode, "leak") == 0)
        return leak_loop(argc > 2 ? atoi(argv[2]) : 200);
    if (strcmp(mode, "rps") == 0)
        return rps(argc > 2 ? atoi(argv[2]) : 5000);
    if (strcmp(mode, "mbps") == 0)
        return mbps(argc > 2 ? argv[2] : "/large");
    if (strcmp(mode, "errors") == 0) {
        show("wrong hostname", "HTTPC_TEST_WRONGHOST_PORT", "localhost", 0);
        show("IP not in cert", "HTTPC_TEST_WRONGHOST_PORT", "127.0.0.1", 0);
        show("untrusted CA", "HTTPC_TEST_UNTRUSTED_CA_PORT", "localhost", 0);
        show("expired", "HTTPC_TEST_EXPIRED_PORT", "localhost", 0);
        show("plain HTTP", "HTTPC_TEST_HTTP_PORT", "localhost", 0);
        show("min 1.3 vs 1.2 server", "HTTPC_TEST_TLS12_PORT", "localhost", 1);
        return 0;
    }
    fprintf(stderr, "usage: tls_loop leak N | rps N | mbps PATH | errors\n");
    return 2;
}
