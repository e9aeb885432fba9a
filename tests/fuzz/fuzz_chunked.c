/* libFuzzer target: the chunked decoder and the strict chunk-size parser,
 * fed in random pieces. Data bytes are taken in random amounts too. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_split.h"
#include "httpc.h"
#include "parser.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_split split;
    fuzz_split_init(&split, &data, &size);
    const char *text = (const char *)data;

    /* The size parser alone, on the first line as an exact-size buffer. */
    const char *nl = memchr(text, '\n', size);
    size_t first = nl ? (size_t)(nl - text) + 1 : size;
    char *line = fuzz_exact_copy(text, first);
    uint64_t value;
    int rc = hc_parse_chunk_size(line, first, &value);
    assert(rc == 0 || rc == HTTPC_E_INVALID_CHUNK);
    free(line);

    hc_limits limits = {
        .max_line = 16 + split.state % 300, .max_headers = 1 + split.state % 20, .max_interim = 0};
    httpc_headers trailers = {0};
    hc_chunked c = {0};
    hc_chunked_init(&c, &limits, &trailers);
    size_t avail = 0, start = 0;
    uint64_t body = 0;
    for (;;) {
        char *view = fuzz_exact_copy(text + start, avail - start);
        size_t consumed = 0;
        rc = hc_chunked_feed(&c, view, avail - start, &consumed);
        free(view);
        assert(consumed <= avail - start);
        start += consumed;
        if (rc == HC_CHUNK_DATA) {
            assert(c.left > 0);
            uint64_t have = avail - start;
            uint64_t take = have < c.left ? have : c.left;
            if (take > 1)
                take = 1 + fuzz_split_next(&split, (size_t)take - 1);
            if (take > 0) {
                hc_chunked_took(&c, take);
                start += (size_t)take;
                body += take;
                continue;
            }
        } else if (rc != HC_NEED_MORE) {
            break;
        }
        if (avail == size) {
            rc = hc_chunked_eof(&c);
            assert(rc == HC_DONE || rc == HTTPC_E_INCOMPLETE_READ);
            break;
        }
        avail += fuzz_split_next(&split, size - avail);
    }
    assert(rc == HC_DONE || rc < 0);
    assert(body <= size);
    for (size_t i = 0; i < httpc_headers_count(&trailers); i++)
        (void)strlen(httpc_headers_value(&trailers, i));
    hc_headers_free(&trailers);
    return 0;
}
