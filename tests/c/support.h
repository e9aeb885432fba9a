/* Test helpers: a scripted loopback server in a thread. */
#ifndef HTTPC_TEST_SUPPORT_H
#define HTTPC_TEST_SUPPORT_H

#include <pthread.h>
#include <stddef.h>

#include "buf.h"

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
