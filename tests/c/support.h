/* Test helpers: a scripted loopback server in a thread. */
#ifndef HTTPC_TEST_SUPPORT_H
#define HTTPC_TEST_SUPPORT_H

#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <pthread.h>
#include <stddef.h>

#include "buf.h"

/* 1 under HTTPC_REQUIRE_ALL=1 (tools/run test sets it): a missing server or
 * tool is then a broken install, not a reason to skip. */
int require_all(void);

/* Skips the running test, saying why, or fails it under HTTPC_REQUIRE_ALL=1.
 * Criterion does not list skipped tests, hence the warning line. */
#define skip_or_fail(...)                                                                          \
    do {                                                                                           \
        if (require_all())                                                                         \
            cr_assert_fail(__VA_ARGS__);                                                           \
        cr_log_warn("SKIP: " __VA_ARGS__);                                                         \
        cr_skip_test(__VA_ARGS__);                                                                 \
    } while (0)

/* The value of the environment variable NAME that with-servers.sh exports;
 * skip_or_fail when it is absent (the test was not run under it). */
const char *server_env(const char *name);
int server_port(const char *name);

/* What nginx (with-servers.sh) says about the connection a /counted/ reply
 * came on: keep-alive counted on the server side, not by descriptor
 * numbers (a client that reconnects every time gets the same lowest free
 * descriptor back). */
typedef struct served_on {
    long connection; /* nginx's serial number of the TCP connection */
    long request;    /* 1 for the first request on that connection */
} served_on;
struct httpc_response;
/* Reads X-Connection and X-Connection-Requests of a /counted/ reply (they
 * must be there). */
void served_on_read(struct httpc_response *resp, served_on *where);

/* Tests that make a name lookup fail run under tests/support/no-dns.sh (the
 * CTest registrations do), so no DNS query leaves the machine; anywhere
 * else they skip_or_fail rather than ask the real resolver. */
void require_no_dns(void);

typedef struct script_server {
    int listen_fd;
    int port;
    pthread_t thread;
    /* Replies sent, one per accepted request, in order; a connection is
     * closed after a reply when close_after[i] is set. */
    const char *replies[8];
    size_t reply_lens[8];
    int close_after[8];
    int n_replies;
    double delay_before_reply; /* seconds */
    hc_buf captured;           /* every request byte received */
    int connections;
} script_server;

/* Starts the server on 127.0.0.1 with an ephemeral port. */
void script_server_start(script_server *s);
/* Waits for the thread to finish (it stops by itself after its replies or
 * 10 s) and closes the listener; `captured` stays for the test to check and
 * free. */
void script_server_join(script_server *s);
/* script_server_join, then frees `captured`. */
void script_server_stop(script_server *s);
/* Adds a reply (copied pointer: must outlive the server). */
void script_server_add(script_server *s, const char *reply, size_t len, int close_after);

#endif
