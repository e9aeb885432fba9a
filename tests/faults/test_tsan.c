/* Thread-safety check, built with -fsanitize=thread by tools/sanitize.sh:
 * 8 threads, each with its own HTTP and HTTPS connections against the
 * with-servers.sh nginx, sharing only one TLS context (reference counted by
 * design). Run: with-servers.sh --https -- test_tsan. Exit 0 when every
 * request succeeded; TSan itself makes the exit code 66 on any report. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpc.h"

enum { THREADS = 8, ROUNDS = 15 };

static int http_port, https_port;
static httpc_tls_context *shared_tls;

static int fetch(httpc_conn *conn, const char *url, size_t want)
{
    int rc = httpc_conn_request(conn, "GET", url, NULL, NULL, 0, 0);
    httpc_response *resp = NULL;
    if (!rc)
        rc = httpc_conn_getresponse(conn, &resp);
    char *data = NULL;
    size_t len = 0;
    if (!rc)
        rc = httpc_response_read_all(resp, &data, &len);
    if (!rc && (httpc_response_status(resp) != 200 || len != want))
        rc = -1;
    if (rc)
        fprintf(stderr, "%s: %d %s\n", url, rc, httpc_last_error_message());
    httpc_free(data);
    httpc_response_free(resp);
    return rc;
}

static void *worker(void *arg)
{
    long id = (long)arg;
    long failures = 0;
    httpc_conn_options opts = HTTPC_CONN_OPTIONS_INIT;
    opts.timeout = 10;
    for (int round = 0; round < ROUNDS; round++) {
        httpc_conn *http = NULL, *https = NULL;
        /* Alternate a private context and the shared one. */
        httpc_tls_context *tls = shared_tls;
        if ((round + id) % 2) {
            if (httpc_tls_context_new_empty(&tls) ||
                httpc_tls_context_load_verify_file(tls, getenv("HTTPC_TEST_CA")))
                return (void *)1000;
        }
        if (httpc_conn_new(&http, "127.0.0.1", http_port, &opts) ||
            httpc_conn_new_https(&https, "localhost", https_port, &opts, tls))
            failures++;
        if (tls != shared_tls)
            httpc_tls_context_free(tls);
        for (int i = 0; i < 3 && http && https; i++) {
            failures += fetch(http, "/small", 100) != 0;
            failures += fetch(https, "/small", 100) != 0;
            failures += fetch(https, "/medium", 16384) != 0;
        }
        /* Error records are per thread: provoke one and check it is ours. */
        httpc_conn *bad = NULL;
        if (httpc_conn_new(&bad, "host:notaport", 0, NULL) != HTTPC_E_INVALID_URL ||
            httpc_last_error_code() != HTTPC_E_INVALID_URL)
            failures++;
        httpc_conn_free(http);
        httpc_conn_free(https);
    }
    return (void *)failures;
}

int main(void)
{
    const char *hp = getenv("HTTPC_TEST_HTTP_PORT"), *sp = getenv("HTTPC_TEST_HTTPS_PORT");
    const char *ca = getenv("HTTPC_TEST_CA");
    if (!hp || !sp || !ca) {
        printf("SKIP: run under tests/support/with-servers.sh --https\n");
        return 77;
    }
    http_port = atoi(hp);
    https_port = atoi(sp);
    if (httpc_tls_context_new_empty(&shared_tls) ||
        httpc_tls_context_load_verify_file(shared_tls, ca)) {
        fprintf(stderr, "context: %s\n", httpc_last_error_message());
        return 1;
    }
    pthread_t t[THREADS];
    for (long i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, worker, (void *)i);
    long failures = 0;
    for (int i = 0; i < THREADS; i++) {
        void *r;
        pthread_join(t[i], &r);
        failures += (long)r;
    }
    httpc_tls_context_free(shared_tls);
    printf("tsan: %d threads x %d rounds, %ld failures\n", THREADS, ROUNDS, failures);
    return failures ? 1 : 0;
}
