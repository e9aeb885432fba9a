/* A loopback server thread that misbehaves on purpose, for the fault tests.
 * Each test gives a handler that owns the accepted socket; the server stops
 * by itself (accept deadline, handler time limits). */
#ifndef HTTPC_FAULT_SERVER_H
#define HTTPC_FAULT_SERVER_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

typedef void (*fault_handler)(int fd, void *arg);

typedef struct fault_server {
    int listen_fd;
    int port;
    pthread_t thread;
    fault_handler handler;
    void *arg;
    int connections; /* how many accepted connections to hand to the handler */
} fault_server;

/* Starts on 127.0.0.1, an ephemeral port; serves `connections` connections
 * (each to the handler, one after another) within 20 s. */
void fault_server_start(fault_server *s, fault_handler handler, void *arg, int connections);
void fault_server_stop(fault_server *s);

int64_t fault_now_ms(void);
/* Reads one request head (to the blank line); 0 or -1 on close/timeout. */
int fault_read_head(int fd, char *buf, size_t cap);
/* Sends all of data; -1 when the peer is gone. */
int fault_send(int fd, const void *data, size_t len);
/* Closes with an RST (SO_LINGER 0) instead of a FIN. */
void fault_reset(int fd);
/* Resident set size of this process in KiB. */
long fault_rss_kib(void);
/* A port nothing listens on (bound, then closed). */
int fault_closed_port(void);

#endif
