/* The header store behind httpc_headers: names and values as NUL-terminated
 * strings in one reusable text buffer, indexed by offsets. Reset between
 * responses without freeing, so steady state allocates nothing. */
#ifndef HC_HEADERS_H
#define HC_HEADERS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "httpc.h"

typedef struct hc_field {
    size_t name_offset;
    size_t value_offset;
    size_t value_len;
} hc_field;

struct httpc_headers {
    hc_buf text;
    hc_field *fields;
    size_t count;
    size_t capacity;
};

void hc_headers_reset(httpc_headers *h);
void hc_headers_free(httpc_headers *h);
int hc_headers_add(httpc_headers *h, const char *name, size_t name_len, const char *value,
                   size_t value_len);
/* Appends raw text to the value of the last field (an obs-fold line). */
int hc_headers_extend_last(httpc_headers *h, const char *text, size_t len);
/* ASCII case-insensitive comparison of two NUL-terminated names. */
int hc_name_equals(const char *a, const char *b);
/* All values of name joined with ", " into out (NUL-terminated); returns the
 * number of values found. */
int hc_headers_join(const httpc_headers *h, const char *name, hc_buf *out, size_t *out_count);

#endif
