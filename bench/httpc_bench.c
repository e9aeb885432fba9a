/* httpc-bench HOST PORT PATH N TLS MODE: N sequential GETs with the httpc C
 * API (after BENCH_WARMUP untimed ones), each body read fully into one
 * reused buffer, then one result line. */
#include "bench_common.h"
#include <httpc.h>

static int fail(const char *what, int rc)
{
    fprintf(stderr, "httpc-bench: %s: %s (%d)\n", what, httpc_last_error_message(), rc);
    return 1;
}

/* Sends one GET and reads its body; adds the body size to *bytes. */
static int one_request(httpc_conn *conn, const char *path, char *buffer, unsigned long long *bytes)
{
    int rc = httpc_conn_request(conn, "GET", path, NULL, NULL, 0, 0);
    if (rc)
        return fail("request", rc);
    httpc_response *response = NULL;
    rc = httpc_conn_getresponse(conn, &response);
    if (rc)
        return fail("getresponse", rc);
    if (httpc_response_status(response) != 200) {
        fprintf(stderr, "httpc-bench: status %d\n", httpc_response_status(response));
        httpc_response_free(response);
        return 1;
    }
    for (;;) {
        size_t got = 0;
        rc = httpc_response_read(response, buffer, BENCH_BUFFER_SIZE, &got);
        if (rc) {
            httpc_response_free(response);
            return fail("read", rc);
        }
        if (got == 0)
            break;
        *bytes += got;
    }
    httpc_response_free(response);
    return 0;
}

int main(int argc, char **argv)
{
    bench_args args;
    if (bench_parse_args(argc, argv, &args))
        return 2;
    httpc_tls_context *tls = NULL;
    int rc;
    if (args.tls) {
        const char *cafile = getenv("BENCH_CAFILE");
        if ((rc = httpc_tls_context_new_empty(&tls)))
            return fail("tls context", rc);
        if (cafile && (rc = httpc_tls_context_load_verify_file(tls, cafile)))
            return fail("load CA file", rc);
    }
    httpc_conn *conn = NULL;
    rc = tls ? httpc_conn_new_https(&conn, args.host, args.port, NULL, tls)
             : httpc_conn_new(&conn, args.host, args.port, NULL);
    if (rc)
        return fail("new connection", rc);

    char *buffer = malloc(BENCH_BUFFER_SIZE);
    if (!buffer)
        return 1;
    unsigned long long bytes = 0;
    long connections = 0;
    double start = bench_now();
    for (long i = 0; i < args.warmup + args.requests; i++) {
        if (i == args.warmup) { /* the timed requests start here */
            bytes = 0;
            connections = 0;
            start = bench_now();
        }
        if (httpc_conn_fileno(conn) < 0)
            connections++; /* the request below opens a new connection */
        if (one_request(conn, args.path, buffer, &bytes))
            return 1;
        if (args.full_handshake && tls) {
            /* A new connection object (same TLS context) has no session to
             * resume; a closed one resumes its last session when it reopens. */
            httpc_conn_free(conn);
            conn = NULL;
            if ((rc = httpc_conn_new_https(&conn, args.host, args.port, NULL, tls)))
                return fail("new connection", rc);
        } else if (args.new_connection) {
            httpc_conn_close(conn);
        }
    }
    double seconds = bench_now() - start;
    bench_report(args.requests, bytes, seconds, connections);
    free(buffer);
    httpc_conn_free(conn);
    httpc_tls_context_free(tls);
    return 0;
}
