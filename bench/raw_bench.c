/* raw-bench HOST PORT PATH N 0 MODE: the physical limit. Sends a fixed
 * request and reads a known number of bytes per response, no HTTP parsing.
 * One untimed probe request learns the response size from Content-Length; a
 * chunked body is read until it ends with the last chunk. Plain TCP only.
 * BENCH_WARMUP untimed requests (after the probe) come before the N. */
#include "bench_common.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

static int open_socket(const bench_args *args)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(args->port)};
    if (inet_pton(AF_INET, args->host, &address.sin_addr) != 1 ||
        connect(fd, (struct sockaddr *)&address, sizeof address) != 0) {
        close(fd);
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static int send_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
        if (n <= 0)
            return -1;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Reads until the end of a chunked body: the stream ends with "0\r\n\r\n"
 * (chunk sizes vary between responses, so the byte count is not fixed). */
static int read_chunked_body(int fd, char *buffer)
{
    static const char last_chunk[] = "0\r\n\r\n";
    char tail[5] = {0};
    for (;;) {
        ssize_t n = recv(fd, buffer, BENCH_BUFFER_SIZE, 0);
        if (n <= 0)
            return -1;
        if (n >= 5) {
            memcpy(tail, buffer + n - 5, 5);
        } else {
            memmove(tail, tail + n, (size_t)(5 - n));
            memcpy(tail + 5 - n, buffer, (size_t)n);
        }
        if (memcmp(tail, last_chunk, 5) == 0)
            return 0;
    }
}

/* Reads exactly `want` bytes (discarded into buffer). */
static int read_exactly(int fd, char *buffer, size_t want)
{
    while (want > 0) {
        ssize_t n = recv(fd, buffer, want < BENCH_BUFFER_SIZE ? want : BENCH_BUFFER_SIZE, 0);
        if (n <= 0)
            return -1;
        want -= (size_t)n;
    }
    return 0;
}

/* Probe: reads one whole response (keeping only its head), sets the
 * response size, the head size and whether the body is chunked. */
static int probe(int fd, size_t *response_size, size_t *head_size, int *chunked_out)
{
    enum { HEAD_CAP = 65536 };
    char *head_data = malloc(HEAD_CAP + 1), *buffer = malloc(BENCH_BUFFER_SIZE);
    size_t head_len = 0, head = 0, total = 0;
    long long content_length = -1;
    int chunked = 0;
    char tail[5] = {0};
    while (head_data && buffer) {
        ssize_t n = recv(fd, buffer, BENCH_BUFFER_SIZE, 0);
        if (n <= 0)
            break;
        total += (size_t)n;
        if (n >= 5) {
            memcpy(tail, buffer + n - 5, 5);
        } else {
            memmove(tail, tail + n, (size_t)(5 - n));
            memcpy(tail + 5 - n, buffer, (size_t)n);
        }
        if (!head) {
            size_t take = (size_t)n < HEAD_CAP - head_len ? (size_t)n : HEAD_CAP - head_len;
            memcpy(head_data + head_len, buffer, take);
            head_len += take;
            head_data[head_len] = '\0';
            char *end = strstr(head_data, "\r\n\r\n");
            if (!end)
                continue;
            head = (size_t)(end - head_data) + 4;
            for (char *line = head_data; line < end; line = strstr(line, "\r\n") + 2) {
                if (strncasecmp(line, "Content-Length:", 15) == 0)
                    content_length = atoll(line + 15);
                if (strncasecmp(line, "Transfer-Encoding:", 18) == 0 && strstr(line, "chunked"))
                    chunked = 1;
            }
        }
        if (content_length >= 0 && total >= head + (size_t)content_length) {
            *response_size = head + (size_t)content_length;
            break;
        }
        if (chunked && total >= head + 5 && memcmp(tail, "0\r\n\r\n", 5) == 0) {
            *response_size = total;
            break;
        }
    }
    free(head_data);
    free(buffer);
    *head_size = head;
    *chunked_out = chunked;
    return *response_size ? 0 : -1;
}

int main(int argc, char **argv)
{
    bench_args args;
    if (bench_parse_args(argc, argv, &args))
        return 2;
    if (args.tls) {
        fprintf(stderr, "raw-bench: TLS not supported\n");
        return BENCH_EXIT_UNSUPPORTED;
    }
    char request[1024];
    int request_len =
        snprintf(request, sizeof request,
                 "GET %s HTTP/1.1\r\nHost: %s:%d\r\nAccept-Encoding: identity\r\n\r\n", args.path,
                 args.host, args.port);
    char *buffer = malloc(BENCH_BUFFER_SIZE);
    int fd = open_socket(&args);
    size_t response_size = 0, head_size = 0;
    int chunked = 0;
    if (!buffer || fd < 0 || send_all(fd, request, (size_t)request_len) ||
        probe(fd, &response_size, &head_size, &chunked)) {
        fprintf(stderr, "raw-bench: probe request failed\n");
        return 1;
    }
    long connections = 0;
    if (args.new_connection) {
        close(fd);
        fd = -1;
    } else {
        connections = 1;
    }
    double start = bench_now();
    for (long i = 0; i < args.warmup + args.requests; i++) {
        if (i == args.warmup) { /* the timed requests start here */
            if (args.warmup > 0)
                connections = 0; /* the warm-up opened them */
            start = bench_now();
        }
        if (fd < 0) {
            fd = open_socket(&args);
            connections++;
        }
        if (fd < 0 || send_all(fd, request, (size_t)request_len) ||
            (chunked ? read_chunked_body(fd, buffer) : read_exactly(fd, buffer, response_size))) {
            fprintf(stderr, "raw-bench: request %ld failed\n", i);
            return 1;
        }
        if (args.new_connection) {
            close(fd);
            fd = -1;
        }
    }
    double seconds = bench_now() - start;
    bench_report(args.requests, (unsigned long long)(response_size - head_size) * args.requests,
                 seconds, connections);
    if (fd >= 0)
        close(fd);
    free(buffer);
    return 0;
}
