#include "debug.h"

#include <stdio.h>
#include <string.h>

#include "err.h"

int hc_repr(hc_buf *out, const void *data, size_t len, int bytes_prefix)
{
    const unsigned char *s = data;
    char quote = hc_repr_quote(data, len);
    int rc = bytes_prefix ? hc_buf_append(out, "b", 1) : HTTPC_OK;
    if (!rc)
        rc = hc_buf_append(out, &quote, 1);
    for (size_t i = 0; !rc && i < len; i++) {
        unsigned char c = s[i];
        char esc[4];
        size_t n;
        if (!bytes_prefix && c >= 0xa1) {
            /* A latin-1 character, written as UTF-8 as Python's print does. */
            esc[0] = (char)(0xc0 | (c >> 6));
            esc[1] = (char)(0x80 | (c & 0x3f));
            n = 2;
        } else {
            n = hc_repr_escape_byte(c, quote, esc);
        }
        rc = hc_buf_append(out, esc, n);
    }
    if (!rc)
        rc = hc_buf_append(out, &quote, 1);
    return rc;
}

int hc_append_latin1_as_utf8(hc_buf *out, const char *text)
{
    for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
        char utf8[2] = {(char)(0xc0 | (*c >> 6)), (char)(0x80 | (*c & 0x3f))};
        int rc = *c < 0x80 ? hc_buf_append(out, c, 1) : hc_buf_append(out, utf8, 2);
        if (rc)
            return rc;
    }
    return HTTPC_OK;
}

void hc_debug_line(httpc_debug_fn fn, void *userdata, const char *line)
{
    if (fn) {
        fn(userdata, line);
    } else {
        fputs(line, stdout);
        fputc('\n', stdout);
        fflush(stdout);
    }
}

void hc_debug_repr(httpc_debug_fn fn, void *userdata, hc_buf *scratch, const char *label,
                   const void *data, size_t len, int bytes_prefix)
{
    scratch->len = 0;
    if (hc_buf_append_str(scratch, label) || hc_buf_append(scratch, " ", 1) ||
        hc_repr(scratch, data, len, bytes_prefix) || hc_buf_terminate(scratch))
        return;
    hc_debug_line(fn, userdata, scratch->data);
}
