/* httpc_conn_interrupt under contention, for ASan and TSan (tools/sanitize.sh
 * builds it with each): two owner threads create connections, send
 * requests, close and free them in a loop, while two other threads
 * interrupt whichever connection is current at random moments (connect,
 * send, receive, between calls, during a close). The owners follow the
 * header's rule for freeing: the pointer an interrupter uses is cleared
 * under the mutex the interrupter holds while it calls. Every call must end
 * in success or CANCELLED; exit 0 when it did and both outcomes were seen.
 * The loopback server is its own (bounded in time and connections). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "httpc.h"

enum { OWNERS = 2, INTERRUPTERS = 2, ROUNDS = 300, REQUESTS = 6, MAX_CLIENTS = 64 };

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------------ */
/* Server: answers each request head after 0-2 ms, so waits are common  */
/* ------------------------------------------------------------------ */

typedef struct client {
    int fd;
    size_t have;
    int64_t reply_at; /* 0: no request pending */
    char in[2048];
} client;

static int listen_fd, server_port;
static atomic_int stopping;

static void *serve(void *arg)
{
    (void)arg;
    static client clients[MAX_CLIENTS];
    int n = 0;
    unsigned seed = 1;
    static const char reply[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    int64_t end = now_ms() + 120000;
    while (!atomic_load(&stopping) && now_ms() < end) {
        struct pollfd p[MAX_CLIENTS + 1];
        p[0] = (struct pollfd){.fd = listen_fd, .events = n < MAX_CLIENTS ? POLLIN : 0};
        int64_t next_due = now_ms() + 20;
        for (int i = 0; i < n; i++) {
            p[i + 1] = (struct pollfd){.fd = clients[i].fd, .events = POLLIN};
            if (clients[i].reply_at && clients[i].reply_at < next_due)
                next_due = clients[i].reply_at;
        }
        int64_t wait = next_due - now_ms();
        poll(p, (nfds_t)n + 1, wait > 0 ? (int)wait : 0);
        int64_t t = now_ms();
        for (int i = 0; i < n; i++) {
            client *c = &clients[i];
            bool drop = false;
            if (p[i + 1].revents) {
                ssize_t got = recv(c->fd, c->in + c->have, sizeof c->in - 1 - c->have, 0);
                if (got <= 0) {
                    drop = true;
                } else {
                    c->have += (size_t)got;
                    c->in[c->have] = '\0';
                    char *end_of_head = strstr(c->in, "\r\n\r\n");
                    if (end_of_head) {
                        c->reply_at = t + rand_r(&seed) % 3;
                        size_t used = (size_t)(end_of_head + 4 - c->in);
                        memmove(c->in, c->in + used, c->have - used);
                        c->have -= used;
                    } else if (c->have == sizeof c->in - 1) {
                        drop = true;
                    }
                }
            }
            if (!drop && c->reply_at && c->reply_at <= t) {
                c->reply_at = 0;
                drop = send(c->fd, reply, sizeof reply - 1, MSG_NOSIGNAL) < 0;
            }
            if (drop) {
                close(c->fd);
                clients[i] = clients[--n];
                break; /* the poll array no longer matches */
            }
        }
        if (p[0].revents & POLLIN) {
            int fd = accept(listen_fd, NULL, NULL);
            if (fd >= 0)
                clients[n++] = (client){.fd = fd};
        }
    }
    for (int i = 0; i < n; i++)
        close(clients[i].fd);
    return NULL;
}

/* ------------------------------------------------------------------ */
/* Owners and interrupters                                             */
/* ------------------------------------------------------------------ */

typedef struct slot {
    pthread_mutex_t lock;
    httpc_conn *conn; /* what interrupters may touch; NULL between connections */
} slot;

static slot slots[OWNERS];
static atomic_int owners_done;
static atomic_long succeeded, cancelled, other_failures, interrupts;

static int one_request(httpc_conn *conn)
{
    int rc = httpc_conn_request(conn, "GET", "/", NULL, NULL, 0, 0);
    httpc_response *resp = NULL;
    if (!rc)
        rc = httpc_conn_getresponse(conn, &resp);
    char buf[16];
    size_t n = 0;
    if (!rc)
        rc = httpc_response_read(resp, buf, sizeof buf, &n);
    if (!rc && (n != 2 || memcmp(buf, "ok", 2) != 0))
        rc = -1;
    httpc_response_free(resp);
    return rc;
}

static void *owner(void *arg)
{
    slot *s = arg;
    httpc_conn_options opts = HTTPC_CONN_OPTIONS_INIT;
    opts.timeout = 10;
    for (int round = 0; round < ROUNDS; round++) {
        httpc_conn *conn = NULL;
        if (httpc_conn_new(&conn, "127.0.0.1", server_port, &opts)) {
            atomic_fetch_add(&other_failures, 1);
            continue;
        }
        pthread_mutex_lock(&s->lock);
        s->conn = conn;
        pthread_mutex_unlock(&s->lock);
        for (int i = 0; i < REQUESTS; i++) {
            int rc = one_request(conn);
            if (rc == HTTPC_OK) {
                atomic_fetch_add(&succeeded, 1);
            } else if (rc == HTTPC_E_CANCELLED) {
                atomic_fetch_add(&cancelled, 1);
            } else {
                atomic_fetch_add(&other_failures, 1);
                fprintf(stderr, "request: %d %s\n", rc, httpc_last_error_message());
            }
            if (i == REQUESTS / 2)
                httpc_conn_close(conn); /* races the interrupters, by design */
        }
        /* Free only once no interrupter can be holding the pointer. */
        pthread_mutex_lock(&s->lock);
        s->conn = NULL;
        pthread_mutex_unlock(&s->lock);
        httpc_conn_free(conn);
    }
    atomic_fetch_add(&owners_done, 1);
    return NULL;
}

static void *interrupter(void *arg)
{
    unsigned seed = (unsigned)(uintptr_t)arg;
    while (atomic_load(&owners_done) < OWNERS) {
        slot *s = &slots[rand_r(&seed) % OWNERS];
        pthread_mutex_lock(&s->lock);
        if (s->conn && httpc_conn_interrupt(s->conn) == HTTPC_OK)
            atomic_fetch_add(&interrupts, 1);
        pthread_mutex_unlock(&s->lock);
        usleep(200 + rand_r(&seed) % 1500);
    }
    return NULL;
}

int main(void)
{
    listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof addr;
    if (listen_fd < 0 || bind(listen_fd, (struct sockaddr *)&addr, sizeof addr) ||
        listen(listen_fd, 64) || getsockname(listen_fd, (struct sockaddr *)&addr, &len)) {
        perror("listen");
        return 1;
    }
    server_port = ntohs(addr.sin_port);
    pthread_t server, owners[OWNERS], interrupters[INTERRUPTERS];
    pthread_create(&server, NULL, serve, NULL);
    for (int i = 0; i < OWNERS; i++) {
        pthread_mutex_init(&slots[i].lock, NULL);
        pthread_create(&owners[i], NULL, owner, &slots[i]);
    }
    for (int i = 0; i < INTERRUPTERS; i++)
        pthread_create(&interrupters[i], NULL, interrupter, (void *)(uintptr_t)(i + 7));
    for (int i = 0; i < OWNERS; i++)
        pthread_join(owners[i], NULL);
    for (int i = 0; i < INTERRUPTERS; i++)
        pthread_join(interrupters[i], NULL);
    atomic_store(&stopping, 1);
    pthread_join(server, NULL);
    close(listen_fd);
    for (int i = 0; i < OWNERS; i++)
        pthread_mutex_destroy(&slots[i].lock);
    long ok = atomic_load(&succeeded), cancel = atomic_load(&cancelled);
    long bad = atomic_load(&other_failures);
    printf("interrupt stress: %ld interrupts, %ld requests succeeded, %ld cancelled, %ld other "
           "failures\n",
           atomic_load(&interrupts), ok, cancel, bad);
    return bad == 0 && ok > 0 && cancel > 0 ? 0 : 1;
}
