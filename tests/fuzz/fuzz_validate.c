/* libFuzzer target: request-side validation and formatting (method, URL,
 * header names and values: the CVE-2019-9740 / header injection class).
 * Invariant: whatever passes validation cannot start a new header line or
 * a new request in the bytes written. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "httpc.h"
#include "writer.h"

/* Splits the input at NUL bytes into up to `max` heap strings. */
static size_t split_fields(const uint8_t *data, size_t size, char **out, size_t max)
{
    size_t n = 0, start = 0;
    for (size_t i = 0; i <= size && n < max; i++) {
        if (i == size || data[i] == 0) {
            out[n] = malloc(i - start + 1);
            memcpy(out[n], data + start, i - start);
            out[n][i - start] = '\0';
            n++;
            start = i + 1;
        }
    }
    return n;
}

/* After a validated header is written, every line break inside it must be
 * followed by a space or tab (a continuation), so no new field can start. */
static void check_no_injection(const hc_buf *out)
{
    assert(out->len >= 2 && out->data[out->len - 2] == '\r' && out->data[out->len - 1] == '\n');
    for (size_t i = 0; i + 2 < out->len; i++) {
        if (out->data[i] == '\n')
            assert(out->data[i + 1] == ' ' || out->data[i + 1] == '\t');
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *f[6] = {0};
    size_t n = split_fields(data, size, f, 6);
    const char *method = f[0];
    const char *url = n > 1 ? f[1] : "/";
    hc_buf out = {0};

    if (hc_validate_method(method) == 0 && hc_validate_url(url) == 0) {
        out.len = 0;
        int rc = hc_write_request_line(&out, method, url);
        assert(rc == 0);
        /* One line only: no CR or LF before the terminator. */
        assert(memchr(out.data, '\n', out.len - 1) == NULL);
        assert(memchr(out.data, '\r', out.len - 2) == NULL);
    }
    if (n > 2) {
        const char *values[3];
        size_t nv = 0;
        for (size_t i = 3; i < n; i++)
            values[nv++] = f[i];
        out.len = 0;
        int rc = hc_write_header(&out, f[2], values, nv);
        assert(rc == 0 || rc == HTTPC_E_INVALID_ARGUMENT);
        if (rc == 0) {
            assert(hc_validate_header_name(f[2]) == 0);
            check_no_injection(&out);
        }
    }
    (void)hc_validate_host(url);
    hc_buf_free(&out);
    for (size_t i = 0; i < n; i++)
        free(f[i]);
    return 0;
}
