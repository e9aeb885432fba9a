#include "fault_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int64_t fault_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int listen_any(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) || listen(fd, 64) ||
        getsockname(fd, (struct sockaddr *)&a, &len)) {
        close(fd);
        return -1;
    }
    *port = ntohs(a.sin_port);
    return fd;
}

static void *serve(void *arg)
{
    fault_server *s = arg;
    int64_t deadline = fault_now_ms() + 20000;
    for (int i = 0; i < s->connections; i++) {
        int64_t left = deadline - fault_now_ms();
        struct pollfd p = {.fd = s->listen_fd, .events = POLLIN};
        if (left <= 0 || poll(&p, 1, (int)left) <= 0)
            break;
        int fd = accept(s->listen_fd, NULL, NULL);
        if (fd < 0)
            break;
        s->handler(fd, s->arg);
        close(fd);
    }
    return NULL;
}

void fault_server_start(fault_server *s, fault_handler handler, void *arg, int connections)
{
    s->handler = handler;
    s->arg = arg;
    s->connections = connections;
    s->listen_fd = listen_any(&s->port);
    if (s->listen_fd < 0 || pthread_create(&s->thread, NULL, serve, s)) {
        perror("fault_server_start");
        abort();
    }
}

void fault_server_stop(fault_server *s)
{
    /* Closing the listener would race with accept; the thread ends by its
     * own deadline or after its connections. */
    pthread_join(s->thread, NULL);
    close(s->listen_fd);
}

int fault_read_head(int fd, char *buf, size_t cap)
{
    size_t have = 0;
    int64_t deadline = fault_now_ms() + 5000;
    while (have + 1 < cap) {
        int64_t left = deadline - fault_now_ms();
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (left <= 0 || poll(&p, 1, (int)left) <= 0)
            return -1;
        ssize_t n = recv(fd, buf + have, cap - 1 - have, 0);
        if (n <= 0)
            return -1;
        have += (size_t)n;
        buf[have] = '\0';
        if (strstr(buf, "\r\n\r\n"))
            return 0;
    }
    return -1;
}

int fault_send(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

void fault_reset(int fd)
{
    struct linger l = {.l_onoff = 1, .l_linger = 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
}

long fault_rss_kib(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, rss = 0;
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
            rss = 0;
        fclose(f);
    }
    return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

int fault_closed_port(void)
{
    int port = 0;
    int fd = listen_any(&port);
    close(fd);
    return port;
}
