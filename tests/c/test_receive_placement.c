/* Where the engine asks the kernel to put body bytes. A server sending a
 * file hands the kernel pages whose in-page offsets are the body's offsets;
 * the kernel's copy into an address 1 to 31 bytes after that offset (modulo
 * 4096) costs twice as much (4 KiB aliasing of rep movsb), and a malloc'd
 * 256 KiB buffer (16 bytes past a page) read whole lands every byte there.
 * This binary replaces recv (the static library's calls resolve to it) to
 * record each receive of a page or more into the caller's buffer, and
 * checks that none puts body offset o at an address a with (a - o) % 4096 in
 * 1..31, and that every read still delivers the body's bytes in order. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "httpc.h"
#include "support.h"

enum {
    BODY_SIZE = 1 << 20,
    CHUNK_SIZE = 200000,
    READ_CAP = 256 * 1024,
    SLOW_DISTANCE_MAX = 31,
    PAGE_MASK = 4095,
    MIN_WATCHED_RECEIVE = 4096,
};

/* The body: one 8-byte record "%07x\n" of k at each offset 8k, so any 16
 * received bytes tell their own body offset. */
static char body[BODY_SIZE];

static void make_body(void)
{
    char record[9];
    for (size_t k = 0; k < BODY_SIZE / 8; k++) {
        snprintf(record, sizeof record, "%07zx\n", k);
        memcpy(body + 8 * k, record, 8);
    }
}

/* The caller's buffer being watched, and what the receives into it did. */
static const char *watch_lo, *watch_hi;
static int watched_receives, slow_placements;

/* The body offset of the first of n >= 16 received bytes. */
static long body_offset_of(const char *data)
{
    for (int newline = 0; newline < 8; newline++) {
        if (data[newline] != '\n')
            continue;
        char digits[8];
        memcpy(digits, data + newline + 1, 7);
        digits[7] = '\0';
        return 8 * strtol(digits, NULL, 16) - (newline + 1);
    }
    return -1;
}

ssize_t recv(int fd, void *buf, size_t len, int flags)
{
    ssize_t n = recvfrom(fd, buf, len, flags, NULL, NULL);
    const char *at = buf;
    /* Receives of a page or more: the engine may take a short remainder
     * (under 64 bytes, at the end of the caller's buffer) at any distance. */
    if (len >= MIN_WATCHED_RECEIVE && n >= 16 && at >= watch_lo && at < watch_hi) {
        long offset = body_offset_of(at);
        cr_assert_geq(offset, 0, "received bytes that are not the body's");
        watched_receives++;
        uintptr_t distance = ((uintptr_t)at - (uintptr_t)offset) & PAGE_MASK;
        if (distance >= 1 && distance <= SLOW_DISTANCE_MAX)
            slow_placements++;
    }
    return n;
}

/* The two replies: the body with a Content-Length, then chunked. */
static char *length_reply, *chunked_reply;
static size_t length_reply_len, chunked_reply_len;

static void make_replies(void)
{
    make_body();
    length_reply = malloc(BODY_SIZE + 256);
    int head =
        snprintf(length_reply, 256, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n", BODY_SIZE);
    memcpy(length_reply + head, body, BODY_SIZE);
    length_reply_len = (size_t)head + BODY_SIZE;

    chunked_reply = malloc(BODY_SIZE + 4096);
    size_t len =
        (size_t)sprintf(chunked_reply, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
    for (size_t done = 0; done < BODY_SIZE; done += CHUNK_SIZE) {
        size_t take = BODY_SIZE - done < CHUNK_SIZE ? BODY_SIZE - done : CHUNK_SIZE;
        len += (size_t)sprintf(chunked_reply + len, "%zx\r\n", take);
        memcpy(chunked_reply + len, body + done, take);
        len += take;
        memcpy(chunked_reply + len, "\r\n", 2);
        len += 2;
    }
    memcpy(chunked_reply + len, "0\r\n\r\n", 5);
    chunked_reply_len = len + 5;
}

/* Reads both replies whole, by full-buffer reads (or read1), into a buffer
 * `placement` bytes past a page boundary; checks every byte. */
static void read_bodies_at(size_t placement, int use_read1)
{
    script_server s = {0};
    script_server_add(&s, length_reply, length_reply_len, 0);
    script_server_add(&s, chunked_reply, chunked_reply_len, 1);
    script_server_start(&s);
    httpc_conn *conn = NULL;
    httpc_conn_options opts = HTTPC_CONN_OPTIONS_INIT;
    opts.timeout = 30;
    cr_assert_eq(httpc_conn_new(&conn, "127.0.0.1", s.port, &opts), HTTPC_OK);
    char *page = aligned_alloc(4096, READ_CAP + 8192);
    cr_assert(page);
    char *buf = page + placement;
    for (int reply = 0; reply < 2; reply++) {
        httpc_response *r = NULL;
        cr_assert_eq(httpc_conn_request(conn, "GET", "/", NULL, NULL, 0, 0), HTTPC_OK);
        cr_assert_eq(httpc_conn_getresponse(conn, &r), HTTPC_OK, "%s", httpc_last_error_message());
        watch_lo = buf;
        watch_hi = buf + READ_CAP;
        size_t total = 0, got;
        do {
            int rc = use_read1 ? httpc_response_read1(r, buf, READ_CAP, &got)
                               : httpc_response_read(r, buf, READ_CAP, &got);
            cr_assert_eq(rc, HTTPC_OK, "%s", httpc_last_error_message());
            cr_assert_leq(total + got, BODY_SIZE);
            cr_assert_eq(memcmp(buf, body + total, got), 0, "placement %zu: bytes %zu..%zu differ",
                         placement, total, total + got);
            if (!use_read1 && total + got < BODY_SIZE)
                cr_assert_eq(got, READ_CAP, "a full-buffer read returned short");
            total += got;
        } while (got > 0);
        watch_lo = watch_hi = NULL;
        cr_assert_eq(total, BODY_SIZE);
        httpc_response_free(r);
    }
    httpc_conn_free(conn);
    script_server_stop(&s);
    free(page);
}

static const size_t placements[] = {0, 1, 8, 15, 16, 17, 24, 31, 32, 48, 64, 2048, 4080, 4095};

static void read_at_every_placement(int use_read1)
{
    make_replies();
    for (size_t i = 0; i < sizeof placements / sizeof placements[0]; i++)
        read_bodies_at(placements[i], use_read1);
    /* The receives went straight into the caller's buffer (the check above
     * saw them), and none at a slow distance. */
    cr_assert_gt(watched_receives, 0);
    cr_assert_eq(slow_placements, 0, "%d of %d receives at a distance of 1..31 bytes",
                 slow_placements, watched_receives);
    free(length_reply);
    free(chunked_reply);
}

Test(receive_placement, full_buffer_reads_avoid_the_aliased_distances)
{
    read_at_every_placement(0);
}

Test(receive_placement, read1_avoids_the_aliased_distances)
{
    read_at_every_placement(1);
}
