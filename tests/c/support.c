#include "support.h"

#include "httpc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads one request (head plus Content-Length or chunked body) or until the
 * peer closes. Returns 0 when a request arrived, -1 on close/timeout. */
static int read_request(script_server *s, int fd, int64_t deadline)
{
    size_t start = s->captured.len;
    for (;;) {
        char *base = s->captured.data ? s->captured.data + start : NULL;
        size_t have = s->captured.len - start;
        char *end = base ? memmem(base, have, "\r\n\r\n", 4) : NULL;
        if (end) {
            size_t head = (size_t)(end - base) + 4;
            char *cl = memmem(base, head, "Content-Length: ", 16);
            size_t body = cl ? strtoul(cl + 16, NULL, 10) : 0;
            int chunked = memmem(base, head, "Transfer-Encoding: chunked", 26) != NULL;
            if (chunked && memmem(base + head, have - head, "0\r\n\r\n", 5))
                return 0;
            if (!chunked && have >= head + body)
                return 0;
        }
        int64_t left = deadline - mono_ms();
        if (left <= 0)
            return -1;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, (int)left) <= 0)
            return -1;
        if (hc_buf_reserve(&s->captured, 4096))
            return -1;
        ssize_t n = recv(fd, s->captured.data + s->captured.len, 4096, 0);
        if (n <= 0)
            return -1;
        s->captured.len += (size_t)n;
    }
}

static void *serve(void *arg)
{
    script_server *s = arg;
    int64_t deadline = mono_ms() + 10000;
    int next = 0;
    while (next < s->n_replies && mono_ms() < deadline) {
        struct pollfd p = {.fd = s->listen_fd, .events = POLLIN};
        if (poll(&p, 1, (int)(deadline - mono_ms())) <= 0)
            break;
        int fd = accept(s->listen_fd, NULL, NULL);
        if (fd < 0)
            break;
        s->connections++;
        while (next < s->n_replies) {
            if (read_request(s, fd, deadline) != 0)
                break;
            if (s->delay_before_reply > 0)
                usleep((useconds_t)(s->delay_before_reply * 1e6));
            send(fd, s->replies[next], s->reply_lens[next], MSG_NOSIGNAL);
            int close_now = s->close_after[next];
            next++;
            if (close_now)
                break;
        }
        close(fd);
    }
    return NULL;
}

void script_server_add(script_server *s, const char *reply, size_t len, int close_after)
{
    s->replies[s->n_replies] = reply;
    s->reply_lens[s->n_replies] = len;
    s->close_after[s->n_replies] = close_after;
    s->n_replies++;
}

void script_server_start(script_server *s)
{
    s->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(s->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bind(s->listen_fd, (struct sockaddr *)&addr, sizeof addr);
    listen(s->listen_fd, 8);
    socklen_t len = sizeof addr;
    getsockname(s->listen_fd, (struct sockaddr *)&addr, &len);
    s->port = ntohs(addr.sin_port);
    pthread_create(&s->thread, NULL, serve, s);
}

void script_server_join(script_server *s)
{
    pthread_join(s->thread, NULL);
    close(s->listen_fd);
}

void script_server_stop(script_server *s)
{
    script_server_join(s);
    hc_buf_free(&s->captured);
}

int require_all(void)
{
    const char *v = getenv("HTTPC_REQUIRE_ALL");
    return v && strcmp(v, "1") == 0;
}

const char *server_env(const char *name)
{
    const char *v = getenv(name);
    if (!v || !*v)
        skip_or_fail("%s not set: run under tests/support/with-servers.sh", name);
    return v;
}

int server_port(const char *name)
{
    return atoi(server_env(name));
}

void require_no_dns(void)
{
    /* Exactly what tests/support/no-dns.sh mounts over /etc/resolv.conf. */
    static const char no_dns[] = "nameserver 127.0.0.1\noptions attempts:1 timeout:1\n";
    char conf[sizeof no_dns + 1] = "";
    FILE *f = fopen("/etc/resolv.conf", "r");
    size_t n = f ? fread(conf, 1, sizeof conf - 1, f) : 0;
    if (f)
        fclose(f);
    conf[n] = '\0';
    if (strcmp(conf, no_dns) != 0)
        skip_or_fail("a lookup that must fail would query the real resolver: "
                     "run under tests/support/no-dns.sh");
}

void served_on_read(httpc_response *resp, served_on *where)
{
    /* Each value is read before the next getheader call reuses its buffer. */
    const char *serial = httpc_response_getheader(resp, "X-Connection", NULL);
    cr_assert(serial, "no X-Connection header: not a /counted/ path of with-servers.sh");
    where->connection = atol(serial);
    const char *nth = httpc_response_getheader(resp, "X-Connection-Requests", NULL);
    cr_assert(nth, "no X-Connection-Requests header");
    where->request = atol(nth);
}
