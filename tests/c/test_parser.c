/* Byte-level tests of the sans-I/O parser and writer. Every parser input is
 * placed right before a PROT_NONE page, so reading one byte too far crashes
 * the test (picohttpparser's technique). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "httpc.h"
#include "parser.h"
#include "writer.h"

static char *guard_region;
static size_t page_size;

static void setup_guard(void)
{
    page_size = (size_t)sysconf(_SC_PAGESIZE);
    /* 32 readable pages, then one guard page. */
    guard_region =
        mmap(NULL, page_size * 33, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    cr_assert_neq(guard_region, MAP_FAILED);
    cr_assert_eq(mprotect(guard_region + page_size * 32, page_size, PROT_NONE), 0);
}

static void teardown_guard(void)
{
    munmap(guard_region, page_size * 33);
}

/* Copies s so that its last byte is the last readable byte. */
static const char *guarded(const char *s, size_t len)
{
    cr_assert_leq(len, page_size * 32);
    char *dst = guard_region + page_size * 32 - len;
    memcpy(dst, s, len);
    return dst;
}

static hc_limits limits = {65536, 100, 100};

typedef struct head_result {
    int rc;
    size_t consumed;
    hc_head_parser p;
    hc_buf reason;
    httpc_headers headers;
} head_result;

static void parse_head(head_result *r, const char *text)
{
    memset(r, 0, sizeof *r);
    hc_head_init(&r->p, &limits, &r->reason, &r->headers);
    size_t len = strlen(text);
    r->rc = hc_head_feed(&r->p, guarded(text, len), len, &r->consumed);
}

static void free_head(head_result *r)
{
    hc_buf_free(&r->reason);
    hc_headers_free(&r->headers);
}

TestSuite(parser, .init = setup_guard, .fini = teardown_guard);

Test(parser, complete_head)
{
    head_result r;
    parse_head(&r, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A:  b \r\n\r\nhello");
    cr_assert_eq(r.rc, HC_DONE);
    cr_assert_eq(r.consumed, strlen("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A:  b \r\n\r\n"));
    cr_assert_eq(r.p.status, 200);
    cr_assert_eq(r.p.version, 11);
    cr_assert_str_eq(r.reason.data, "OK");
    cr_assert_eq(httpc_headers_count(&r.headers), 2);
    cr_assert_str_eq(httpc_headers_value(&r.headers, 1), "b "); /* trailing blanks kept */
    free_head(&r);
}

Test(parser, every_split_point_needs_more_then_completes)
{
    const char *text = "HTTP/1.0 404 Not Found\r\nA: 1\r\n continued\r\nB: 2\r\n\r\n";
    size_t len = strlen(text);
    for (size_t cut = 0; cut < len; cut++) {
        head_result r;
        memset(&r, 0, sizeof r);
        hc_head_init(&r.p, &limits, &r.reason, &r.headers);
        size_t used = 0;
        int rc = hc_head_feed(&r.p, guarded(text, cut), cut, &used);
        cr_assert_eq(rc, HC_NEED_MORE, "cut %zu", cut);
        /* Feed the rest from where the parser stopped. */
        size_t rest = len - used;
        size_t used2 = 0;
        rc = hc_head_feed(&r.p, guarded(text + used, rest), rest, &used2);
        cr_assert_eq(rc, HC_DONE, "cut %zu", cut);
        cr_assert_eq(used + used2, len);
        cr_assert_eq(r.p.version, 10);
        cr_assert_str_eq(httpc_headers_value(&r.headers, 0), "1\r\n continued");
        free_head(&r);
    }
}

Test(parser, interim_100_skipped)
{
    head_result r;
    parse_head(&r, "HTTP/1.1 100 Continue\r\nX: y\r\n\r\nHTTP/1.1 201 Created\r\n\r\n");
    cr_assert_eq(r.rc, HC_DONE);
    cr_assert_eq(r.p.status, 201);
    cr_assert_eq(httpc_headers_count(&r.headers), 0);
    free_head(&r);
}

Test(parser, bad_status_lines)
{
    const char *bad[] = {
        "garbage\r\n\r\n",         "HTTP/1.1\r\n\r\n",           "HTTP/1.1 abc OK\r\n\r\n",
        "HTTP/1.1 99 Low\r\n\r\n", "HTTP/1.1 1000 High\r\n\r\n", "\r\n\r\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        head_result r;
        parse_head(&r, bad[i]);
        cr_assert_eq(r.rc, HTTPC_E_BAD_STATUS_LINE, "%s", bad[i]);
        free_head(&r);
    }
    head_result r;
    parse_head(&r, "HTTP/2.0 200 OK\r\n\r\n");
    cr_assert_eq(r.rc, HTTPC_E_UNKNOWN_PROTOCOL);
    free_head(&r);
}

Test(parser, line_too_long_without_newline)
{
    static char text[70000];
    memcpy(text, "HTTP/1.1 200 ", 13);
    memset(text + 13, 'a', sizeof text - 14);
    text[sizeof text - 1] = '\0';
    head_result r;
    parse_head(&r, text);
    cr_assert_eq(r.rc, HTTPC_E_LINE_TOO_LONG);
    free_head(&r);
}

Test(parser, too_many_headers_counts_blank_line)
{
    static char text[8192];
    size_t n = (size_t)sprintf(text, "HTTP/1.1 200 OK\r\n");
    for (int i = 0; i < 99; i++)
        n += (size_t)sprintf(text + n, "H%d: v\r\n", i);
    strcpy(text + n, "\r\n");
    head_result r;
    parse_head(&r, text);
    cr_assert_eq(r.rc, HC_DONE);
    free_head(&r);
    n += (size_t)sprintf(text + n, "H99: v\r\n");
    strcpy(text + n, "\r\n");
    parse_head(&r, text);
    cr_assert_eq(r.rc, HTTPC_E_TOO_MANY_HEADERS);
    free_head(&r);
}

Test(parser, eof_rules)
{
    head_result r;
    memset(&r, 0, sizeof r);
    hc_head_init(&r.p, &limits, &r.reason, &r.headers);
    cr_assert_eq(hc_head_feed_eof(&r.p, "", 0), HTTPC_E_REMOTE_DISCONNECTED);
    free_head(&r);
    memset(&r, 0, sizeof r);
    hc_head_init(&r.p, &limits, &r.reason, &r.headers);
    const char *partial = guarded("HTTP/1.1 200 OK", 15);
    cr_assert_eq(hc_head_feed_eof(&r.p, partial, 15), HC_DONE);
    cr_assert_eq(r.p.status, 200);
    free_head(&r);
}

static int framing_of(const char *head, bool is_head, hc_framing *f)
{
    head_result r;
    parse_head(&r, head);
    cr_assert_eq(r.rc, HC_DONE);
    int rc = hc_body_framing(&r.headers, r.p.status, r.p.version, is_head, f);
    free_head(&r);
    return rc;
}

Test(parser, framing_rules)
{
    hc_framing f;
    cr_assert_eq(framing_of("HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n", false, &f), 0);
    cr_assert(!f.chunked && !f.will_close && f.length == 12);
    cr_assert_eq(
        framing_of("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n", false, &f), 0);
    cr_assert(f.chunked && !f.will_close);
    cr_assert_eq(
        framing_of("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
                   false, &f),
        0);
    cr_assert(f.chunked && f.will_close);
    cr_assert_eq(
        framing_of("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nContent-Length: 3\r\n\r\n", false,
                   &f),
        0);
    cr_assert(!f.chunked && f.will_close && f.length == -1);
    cr_assert_eq(
        framing_of("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", false, &f),
        HTTPC_E_INVALID_CONTENT_LENGTH);
    cr_assert_eq(framing_of("HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\n\r\n", false, &f), 0);
    cr_assert_eq(f.length, 3);
    cr_assert_eq(
        framing_of("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n", false, &f),
        HTTPC_E_INVALID_CONTENT_LENGTH);
    cr_assert_eq(framing_of("HTTP/1.1 204 No Content\r\nContent-Length: 3\r\n\r\n", false, &f), 0);
    cr_assert_eq(f.length, 0);
    cr_assert_eq(framing_of("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n", true, &f), 0);
    cr_assert_eq(f.length, 0);
    cr_assert_eq(framing_of("HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\n", false, &f), 0);
    cr_assert(f.will_close);
    cr_assert_eq(
        framing_of("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 3\r\n\r\n", false,
                   &f),
        0);
    cr_assert(!f.will_close);
    cr_assert_eq(
        framing_of("HTTP/1.1 200 OK\r\nConnection: CLOSE\r\nContent-Length: 3\r\n\r\n", false, &f),
        0);
    cr_assert(f.will_close);
    cr_assert_eq(framing_of("HTTP/1.1 200 OK\r\n\r\n", false, &f), 0);
    cr_assert(f.will_close && f.length == -1);
}

Test(parser, chunk_size_lines)
{
    uint64_t size;
    cr_assert_eq(hc_parse_chunk_size(guarded("1aF\r\n", 5), 5, &size), 0);
    cr_assert_eq(size, 0x1af);
    cr_assert_eq(hc_parse_chunk_size(guarded("5 ;a=b\r\n", 8), 8, &size), 0);
    cr_assert_eq(size, 5);
    cr_assert_eq(hc_parse_chunk_size(guarded("5\t\r\n", 4), 4, &size), 0);
    const char *bad[] = {"0x5\r\n", " 5\r\n", "+5\r\n", "5 5\r\n",
                         "zz\r\n",  "\r\n",   "-5\r\n", "11111111111111111\r\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq(hc_parse_chunk_size(guarded(bad[i], strlen(bad[i])), strlen(bad[i]), &size),
                     HTTPC_E_INVALID_CHUNK, "%s", bad[i]);
}

Test(parser, chunked_stream_with_trailers_at_every_split)
{
    const char *body = "3\r\nabc\r\nA;x=1\r\n0123456789\r\n0\r\nT: v\r\n\r\n";
    size_t len = strlen(body);
    for (size_t cut = 0; cut <= len; cut++) {
        hc_chunked c = {0};
        httpc_headers trailers = {0};
        hc_chunked_init(&c, &limits, &trailers);
        char out[64];
        size_t out_len = 0, pos = 0;
        int rc = 0;
        /* First the bytes before the cut, then the rest, as two reads. */
        for (int part = 0; part < 2; part++) {
            size_t end = part == 0 ? cut : len;
            for (;;) {
                size_t used;
                const char *data = guarded(body + pos, end - pos);
                rc = hc_chunked_feed(&c, data, end - pos, &used);
                pos += used;
                if (rc != HC_CHUNK_DATA)
                    break;
                size_t avail = end - pos;
                size_t take = avail < c.left ? avail : (size_t)c.left;
                if (take == 0)
                    break;
                memcpy(out + out_len, body + pos, take);
                out_len += take;
                pos += take;
                hc_chunked_took(&c, take);
            }
        }
        cr_assert_eq(rc, HC_DONE, "cut %zu", cut);
        cr_assert_eq(out_len, 13);
        cr_assert_eq(memcmp(out, "abc0123456789", 13), 0);
        cr_assert_str_eq(httpc_headers_get(&trailers, "t"), "v");
        hc_headers_free(&trailers);
    }
}

Test(parser, chunk_data_must_end_with_crlf)
{
    hc_chunked c = {0};
    httpc_headers trailers = {0};
    hc_chunked_init(&c, &limits, &trailers);
    size_t used;
    const char *text = "5\r\nhelloXX0\r\n\r\n";
    cr_assert_eq(hc_chunked_feed(&c, guarded(text, 3), 3, &used), HC_CHUNK_DATA);
    hc_chunked_took(&c, 5);
    const char *rest = guarded(text + 8, strlen(text + 8));
    cr_assert_eq(hc_chunked_feed(&c, rest, strlen(text + 8), &used), HTTPC_E_INVALID_CHUNK);
    hc_headers_free(&trailers);
}

Test(parser, endless_trailers_are_bounded)
{
    hc_chunked c = {0};
    httpc_headers trailers = {0};
    hc_chunked_init(&c, &limits, &trailers);
    static char text[4096];
    size_t n = (size_t)sprintf(text, "0\r\n");
    for (int i = 0; i < 150; i++)
        n += (size_t)sprintf(text + n, "T%d: x\r\n", i);
    size_t used;
    cr_assert_eq(hc_chunked_feed(&c, guarded(text, n), n, &used), HTTPC_E_TOO_MANY_HEADERS);
    hc_headers_free(&trailers);
}

Test(writer, validation_like_http_client)
{
    cr_assert_eq(hc_validate_method("GET"), 0);
    cr_assert_eq(hc_validate_method("GE\nT"), HTTPC_E_INVALID_ARGUMENT);
    cr_assert_eq(hc_validate_method("GE T"), 0); /* http.client allows spaces */
    cr_assert_eq(hc_validate_url("/a?b=c"), 0);
    cr_assert_eq(hc_validate_url("/a b"), HTTPC_E_INVALID_URL);
    cr_assert_eq(hc_validate_url("/a\x7f"), HTTPC_E_INVALID_URL);
    cr_assert_eq(hc_validate_url("/a\r\nX: y"), HTTPC_E_INVALID_URL);
    cr_assert_eq(hc_validate_header_name("X-Ok"), 0);
    cr_assert_eq(hc_validate_header_name("Bad Name"), 0);
    cr_assert_eq(hc_validate_header_name(" lead"), HTTPC_E_INVALID_ARGUMENT);
    cr_assert_eq(hc_validate_header_name("a:b"), HTTPC_E_INVALID_ARGUMENT);
    cr_assert_eq(hc_validate_header_name(""), HTTPC_E_INVALID_ARGUMENT);
    cr_assert_eq(hc_validate_header_value("a\r\n b"), 0);
    cr_assert_eq(hc_validate_header_value("a\r\nX: b"), HTTPC_E_INVALID_ARGUMENT);
    cr_assert_eq(hc_validate_header_value("a\rb"), HTTPC_E_INVALID_ARGUMENT);
    cr_assert_eq(hc_validate_header_value("a\nb"), HTTPC_E_INVALID_ARGUMENT);
}

Test(writer, header_continuations_and_host)
{
    hc_buf out = {0};
    const char *values[] = {"a", "b", "c"};
    cr_assert_eq(hc_write_header(&out, "X", values, 3), 0);
    hc_buf_terminate(&out);
    cr_assert_str_eq(out.data, "X: a\r\n\tb\r\n\tc\r\n");
    struct {
        const char *url, *host;
        int port;
        const char *want;
    } cases[] = {
        {"/", "example.com", 80, "example.com"},
        {"/", "example.com", 8080, "example.com:8080"},
        {"/", "::1", 80, "[::1]"},
        {"/", "fe80::1%eth0", 8080, "[fe80::1]:8080"},
        {"http://other.org:81/x", "example.com", 80, "other.org:81"},
        {"http://[fe80::1%25eth0]:81/x", "example.com", 80, "[fe80::1]:81"},
        {"https://secure.org/x", "example.com", 8080, "secure.org"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        out.len = 0;
        cr_assert_eq(hc_write_host_value(&out, cases[i].url, cases[i].host, cases[i].port, 80), 0);
        hc_buf_terminate(&out);
        cr_assert_str_eq(out.data, cases[i].want, "case %zu", i);
    }
    hc_buf_free(&out);
}

Test(writer, host_port_split)
{
    char *host;
    int port;
    cr_assert_eq(hc_split_host_port("example.com:8080", 0, 80, &host, &port), 0);
    cr_assert_str_eq(host, "example.com");
    cr_assert_eq(port, 8080);
    free(host);
    cr_assert_eq(hc_split_host_port("[::1]:81", 0, 80, &host, &port), 0);
    cr_assert_str_eq(host, "::1");
    cr_assert_eq(port, 81);
    free(host);
    cr_assert_eq(hc_split_host_port("[::1]", 0, 443, &host, &port), 0);
    cr_assert_eq(port, 443);
    free(host);
    cr_assert_eq(hc_split_host_port("example.com", 8443, 80, &host, &port), 0);
    cr_assert_eq(port, 8443);
    free(host);
    cr_assert_eq(hc_split_host_port("example.com:", 0, 80, &host, &port), HTTPC_E_INVALID_URL);
    cr_assert_eq(hc_split_host_port("example.com:http", 0, 80, &host, &port), HTTPC_E_INVALID_URL);
    cr_assert_eq(hc_split_host_port("example.com:99999", 0, 80, &host, &port), HTTPC_E_INVALID_URL);
}
