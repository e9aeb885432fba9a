/* libFuzzer target: the response head parser (status line, 1xx, headers)
 * fed in random pieces, then body framing, then the chunked decoder over the
 * rest when the head says chunked. Invariants: consumed never exceeds what
 * was given, codes are negative httpc codes, nothing is read past the input. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "fuzz_split.h"
#include "httpc.h"
#include "parser.h"

static void check_code(int rc)
{
    /* Every failure is a known code with a message recorded. */
    if (rc < 0) {
        assert(strcmp(httpc_error_name(rc), "UnknownError") != 0);
        assert(httpc_last_error()->message != NULL);
    }
}

static void run_chunked(const hc_limits *limits, fuzz_split *split, const char *rest, size_t len)
{
    httpc_headers trailers = {0};
    hc_chunked c = {0};
    hc_chunked_init(&c, limits, &trailers);
    size_t avail = 0, start = 0;
    int rc = HC_NEED_MORE;
    for (;;) {
        char *view = fuzz_exact_copy(rest + start, avail - start);
        size_t consumed = 0;
        rc = hc_chunked_feed(&c, view, avail - start, &consumed);
        free(view);
        assert(consumed <= avail - start);
        start += consumed;
        if (rc == HC_CHUNK_DATA) {
            uint64_t have = avail - start;
            uint64_t take = have < c.left ? have : c.left;
            if (take > 0) {
                hc_chunked_took(&c, take);
                start += (size_t)take;
                continue;
            }
        } else if (rc != HC_NEED_MORE) {
            break;
        }
        if (avail == len) {
            rc = hc_chunked_eof(&c);
            break;
        }
        avail += fuzz_split_next(split, len - avail);
    }
    check_code(rc);
    for (size_t i = 0; i < httpc_headers_count(&trailers); i++)
        (void)strlen(httpc_headers_value(&trailers, i));
    hc_headers_free(&trailers);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_split split;
    fuzz_split_init(&split, &data, &size);
    /* Small limits are reached by short inputs; the defaults by long ones. */
    hc_limits limits = {.max_line = 64 + split.state % 512,
                        .max_headers = 1 + split.state % 40,
                        .max_interim = split.state % 5};
    if (split.state & 0x100000u)
        limits = (hc_limits){.max_line = 65536, .max_headers = 100, .max_interim = 100};

    const char *text = (const char *)data;
    hc_buf reason = {0};
    httpc_headers headers = {0};
    hc_head_parser p = {0};
    hc_head_init(&p, &limits, &reason, &headers);
    size_t avail = 0, start = 0;
    int rc;
    for (;;) {
        char *view = fuzz_exact_copy(text + start, avail - start);
        size_t consumed = 0;
        rc = hc_head_feed(&p, view, avail - start, &consumed);
        free(view);
        assert(consumed <= avail - start);
        start += consumed;
        if (rc != HC_NEED_MORE)
            break;
        if (avail == size) {
            view = fuzz_exact_copy(text + start, avail - start);
            rc = hc_head_feed_eof(&p, view, avail - start);
            free(view);
            start = avail;
            break;
        }
        avail += fuzz_split_next(&split, size - avail);
    }
    check_code(rc);
    if (rc == HC_DONE) {
        assert(p.status >= 0);
        assert(p.version == 10 || p.version == 11);
        for (size_t i = 0; i < httpc_headers_count(&headers); i++) {
            (void)strlen(httpc_headers_name(&headers, i));
            (void)strlen(httpc_headers_value(&headers, i));
        }
        (void)httpc_headers_get(&headers, "content-length");
        hc_framing framing;
        int frc = hc_body_framing(&headers, p.status, p.version, split.state & 1, &framing);
        check_code(frc);
        if (frc == 0) {
            assert(framing.length >= -1);
            if (framing.chunked)
                run_chunked(&limits, &split, text + start, size - start);
        }
    }
    hc_buf_free(&reason);
    hc_headers_free(&headers);
    return 0;
}
