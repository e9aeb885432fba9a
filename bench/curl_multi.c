/* The concurrent scenario's libcurl peer: the multi interface driven the way
 * an event-loop program drives it (CURLMOPT_SOCKETFUNCTION registering each
 * socket in epoll, CURLMOPT_TIMERFUNCTION for the one timeout,
 * curl_multi_socket_action to resume), CONNECTIONS easy handles at once,
 * each re-added after its transfer so connections are reused.
 *
 * Usage: curl-multi-bench HOST PORT PATH N TLS concurrentCONNECTIONS (the bench's
 * arguments; TLS must be 0 and the mode names the connection count). */
#include <curl/curl.h>

#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>

#include "bench_common.h"

static int epoll_fd;
static long timeout_ms = -1;
static long started, completed, total, body_bytes;

static size_t discard(char *data, size_t size, size_t count, void *userdata)
{
    (void)data, (void)userdata;
    body_bytes += (long)(size * count);
    return size * count;
}

static int on_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
    (void)easy, (void)userp;
    if (what == CURL_POLL_REMOVE) {
        epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fd, NULL);
        return 0;
    }
    struct epoll_event ev = {.events = (what & CURL_POLL_IN ? EPOLLIN : 0) |
                                       (what & CURL_POLL_OUT ? EPOLLOUT : 0),
                             .data.fd = fd};
    if (epoll_ctl(epoll_fd, socketp ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev) < 0)
        epoll_ctl(epoll_fd, socketp ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &ev);
    if (!socketp)
        curl_multi_assign(userp, fd, (void *)1);
    return 0;
}

static int on_timer(CURLM *multi, long ms, void *userp)
{
    (void)multi, (void)userp;
    timeout_ms = ms;
    return 0;
}

static int collect(CURLM *multi)
{
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(multi, &left))) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        CURL *easy = msg->easy_handle;
        if (msg->data.result != CURLE_OK) {
            fprintf(stderr, "curl-multi-bench: %s\n", curl_easy_strerror(msg->data.result));
            return -1;
        }
        completed++;
        curl_multi_remove_handle(multi, easy);
        if (started < total) {
            started++;
            curl_multi_add_handle(multi, easy);
        }
    }
    return 0;
}

static int run(CURLM *multi, CURL **easies, int count, long requests)
{
    started = completed = 0;
    total = requests;
    for (int i = 0; i < count && started < total; i++) {
        started++;
        curl_multi_add_handle(multi, easies[i]);
    }
    int running = 0;
    curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running);
    struct epoll_event events[256];
    while (completed < requests) {
        int n = epoll_wait(epoll_fd, events, 256, timeout_ms < 0 ? 1000 : (int)timeout_ms);
        if (n < 0)
            return -1;
        if (n == 0)
            curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running);
        for (int i = 0; i < n; i++) {
            int flags = (events[i].events & EPOLLIN ? CURL_CSELECT_IN : 0) |
                        (events[i].events & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
                        (events[i].events & (EPOLLERR | EPOLLHUP) ? CURL_CSELECT_ERR : 0);
            curl_multi_socket_action(multi, events[i].data.fd, flags, &running);
        }
        if (collect(multi) < 0)
            return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 7) {
        fprintf(stderr, "usage: %s HOST PORT PATH N 0 concurrentCONNECTIONS\n", argv[0]);
        return 2;
    }
    if (strcmp(argv[5], "0") != 0 || strncmp(argv[6], "concurrent", 10) != 0)
        return BENCH_EXIT_UNSUPPORTED;
    long requests = atol(argv[4]);
    int count = atoi(argv[6] + 10);
    char url[1024];
    snprintf(url, sizeof url, "http://%s:%s%s", argv[1], argv[2], argv[3]);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    CURLM *multi = curl_multi_init();
    CURL **easies = calloc((size_t)count, sizeof *easies);
    if (requests <= 0 || count <= 0 || epoll_fd < 0 || !multi || !easies)
        return 2;
    curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, on_socket);
    curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, multi);
    curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, on_timer);
    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, (long)count);
    for (int i = 0; i < count; i++) {
        easies[i] = curl_easy_init();
        curl_easy_setopt(easies[i], CURLOPT_URL, url);
        curl_easy_setopt(easies[i], CURLOPT_WRITEFUNCTION, discard);
        curl_easy_setopt(easies[i], CURLOPT_TCP_NODELAY, 1L);
    }
    /* Warm-up, untimed: BENCH_WARMUP requests (as every bench client makes;
     * tools/bench.sh gives the same number to all), at least one per
     * connection so that all are open; 10 per connection when unset. */
    const char *warmup_text = getenv("BENCH_WARMUP");
    long warmup = warmup_text ? atol(warmup_text) : (long)count * 10;
    if (warmup < count)
        warmup = count;
    if (run(multi, easies, count, warmup) < 0)
        return 1;
    body_bytes = 0;
    double start = bench_now();
    if (run(multi, easies, count, requests) < 0)
        return 1;
    double seconds = bench_now() - start;
    printf("requests=%ld bytes=%ld seconds=%.6f conns=%d\n", completed, body_bytes, seconds, count);
    for (int i = 0; i < count; i++)
        curl_easy_cleanup(easies[i]);
    curl_multi_cleanup(multi);
    curl_global_cleanup();
    free(easies);
    return 0;
}
