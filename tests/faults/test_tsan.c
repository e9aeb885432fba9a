/* Thread-safety check, built with -fsanitize=thread by tools/sanitize.sh:
 * 8 threads, each with its own HTTP and HTTPS connections against the
 * with-servers.sh nginx, sharing only one TLS context (reference counted by
 * design); then one event-loop thread driving non-blocking connections under
 * poll() while another thread interrupts them at random moments. Run: with-servers.sh --https --
 * test_tsan. Exit 0 when every request succeeded; TSan itself makes the exit code 66 on any report.
 */
#define _POSIX_C_SOURCE 200809L
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

/* ------------------------------------------------------------------ */
/* One loop thread, one interrupting thread                             */
/* ------------------------------------------------------------------ */

enum { LOOP_CONNS = 16, LOOP_REQUESTS = 40 };
static httpc_conn *loop_conns[LOOP_CONNS];
static pthread_mutex_t loop_lock = PTHREAD_MUTEX_INITIALIZER; /* guards freeing them */
static atomic_int loop_done;

static void *interrupter(void *arg)
{
    (void)arg;
    unsigned seed = 7;
    while (!atomic_load(&loop_done)) {
        pthread_mutex_lock(&loop_lock);
        httpc_conn *victim = loop_conns[rand_r(&seed) % LOOP_CONNS];
        if (victim)
            httpc_conn_interrupt(victim);
        pthread_mutex_unlock(&loop_lock);
        struct timespec pause = {0, 2000000 + (long)(rand_r(&seed) % 3000000)};
        nanosleep(&pause, NULL);
    }
    return NULL;
}

enum { SEND, HEAD, BODY };

/* Returns the number of exchanges that failed otherwise than CANCELLED. */
static long run_loop(void)
{
    httpc_response *resp[LOOP_CONNS] = {0};
    int phase[LOOP_CONNS] = {0}, left[LOOP_CONNS];
    long unexpected = 0, ok = 0, cancelled = 0;
    for (int i = 0; i < LOOP_CONNS; i++) {
        httpc_conn_options opts = HTTPC_CONN_OPTIONS_INIT;
        opts.timeout = 10;
        if (httpc_conn_new(&loop_conns[i], "127.0.0.1", http_port, &opts))
            return 1;
        httpc_conn_set_nonblocking(loop_conns[i], 1);
        left[i] = LOOP_REQUESTS;
    }
    pthread_t t;
    pthread_create(&t, NULL, interrupter, NULL);
    char buf[65536];
    for (int active = LOOP_CONNS; active > 0;) {
        struct pollfd fds[LOOP_CONNS];
        for (int i = 0; i < LOOP_CONNS; i++) {
            httpc_wait w = {-1, 0, -1};
            if (left[i] > 0) {
                if (phase[i] == BODY)
                    httpc_response_wait(resp[i], &w);
                else
                    httpc_conn_wait(loop_conns[i], &w);
            }
            fds[i] =
                (struct pollfd){.fd = w.fd,
                                .events = (short)((w.events & HTTPC_WAIT_READ ? POLLIN : 0) |
                                                  (w.events & HTTPC_WAIT_WRITE ? POLLOUT : 0))};
        }
        poll(fds, LOOP_CONNS, 100);
        active = 0;
        for (int i = 0; i < LOOP_CONNS; i++) {
            if (left[i] <= 0)
                continue;
            int rc;
            size_t n = 0;
            do {
                if (phase[i] == SEND) {
                    rc = httpc_conn_request(loop_conns[i], "GET", "/medium", NULL, NULL, 0, 0);
                    if (!rc)
                        phase[i] = HEAD;
                } else if (phase[i] == HEAD) {
                    rc = httpc_conn_getresponse(loop_conns[i], &resp[i]);
                    if (!rc)
                        phase[i] = BODY;
                } else {
                    rc = httpc_response_read(resp[i], buf, sizeof buf, &n);
                    if (!rc && n == 0) {
                        httpc_response_free(resp[i]);
                        resp[i] = NULL;
                        phase[i] = SEND;
                        left[i]--;
                        ok++;
                    }
                }
            } while (rc == HTTPC_OK && left[i] > 0);
            if (rc != HTTPC_OK && rc != HTTPC_E_WOULD_BLOCK) {
                /* An interrupt ends the exchange; the connection is closed and
                 * the next request reconnects. */
                if (rc == HTTPC_E_CANCELLED)
                    cancelled++;
                else
                    unexpected++;
                httpc_response_free(resp[i]);
                resp[i] = NULL;
                phase[i] = SEND;
                left[i]--;
            }
            active += left[i] > 0;
        }
    }
    atomic_store(&loop_done, 1);
    pthread_join(t, NULL);
    pthread_mutex_lock(&loop_lock);
    for (int i = 0; i < LOOP_CONNS; i++) {
        httpc_conn_free(loop_conns[i]);
        loop_conns[i] = NULL;
    }
    pthread_mutex_unlock(&loop_lock);
    printf("tsan loop: %d connections x %d requests: %ld ok, %ld cancelled, %ld other failures\n",
           LOOP_CONNS, LOOP_REQUESTS, ok, cancelled, unexpected);
    return unexpected + (ok == 0);
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
    failures += run_loop();
    return failures ? 1 : 0;
}
