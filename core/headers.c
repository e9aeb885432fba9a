#include "headers.h"

#include <stdlib.h>
#include <string.h>

void hc_headers_reset(httpc_headers *h)
{
    h->text.len = 0;
    h->count = 0;
}

void hc_headers_free(httpc_headers *h)
{
    hc_buf_free(&h->text);
    free(h->fields);
    h->fields = NULL;
    h->count = h->capacity = 0;
}

int hc_headers_add(httpc_headers *h, const char *name, size_t name_len, const char *value,
                   size_t value_len)
{
    if (h->count == h->capacity) {
        size_t capacity = h->capacity ? h->capacity * 2 : 16;
        hc_field *grown = realloc(h->fields, capacity * sizeof *grown);
        if (!grown)
            return HTTPC_E_NOMEM;
        h->fields = grown;
        h->capacity = capacity;
    }
    int rc = hc_buf_reserve(&h->text, name_len + value_len + 2);
    if (rc)
        return rc;
    hc_field *f = &h->fields[h->count++];
    f->name_offset = h->text.len;
    memcpy(h->text.data + h->text.len, name, name_len);
    h->text.len += name_len;
    h->text.data[h->text.len++] = '\0';
    f->value_offset = h->text.len;
    memcpy(h->text.data + h->text.len, value, value_len);
    h->text.len += value_len;
    h->text.data[h->text.len++] = '\0';
    f->value_len = value_len;
    return HTTPC_OK;
}

int hc_headers_extend_last(httpc_headers *h, const char *text, size_t len)
{
    if (h->count == 0)
        return HTTPC_OK;
    /* The last value ends the text buffer: overwrite its NUL and re-add it. */
    int rc = hc_buf_reserve(&h->text, len + 1);
    if (rc)
        return rc;
    h->text.len--;
    memcpy(h->text.data + h->text.len, text, len);
    h->text.len += len;
    h->text.data[h->text.len++] = '\0';
    h->fields[h->count - 1].value_len += len;
    return HTTPC_OK;
}

static inline unsigned char lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

int hc_name_equals(const char *a, const char *b)
{
    const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
    while (*x && lower(*x) == lower(*y)) {
        x++;
        y++;
    }
    return *x == *y;
}

int hc_headers_join(const httpc_headers *h, const char *name, hc_buf *out, size_t *out_count)
{
    out->len = 0;
    size_t found = 0;
    for (size_t i = 0; i < h->count; i++) {
        const hc_field *f = &h->fields[i];
        if (!hc_name_equals(h->text.data + f->name_offset, name))
            continue;
        int rc = HTTPC_OK;
        if (found++)
            rc = hc_buf_append(out, ", ", 2);
        if (!rc)
            rc = hc_buf_append(out, h->text.data + f->value_offset, f->value_len);
        if (rc)
            return rc;
    }
    *out_count = found;
    return hc_buf_terminate(out);
}

size_t httpc_headers_count(const httpc_headers *headers)
{
    return headers ? headers->count : 0;
}

const char *httpc_headers_name(const httpc_headers *headers, size_t index)
{
    if (!headers || index >= headers->count)
        return NULL;
    return headers->text.data + headers->fields[index].name_offset;
}

const char *httpc_headers_value(const httpc_headers *headers, size_t index)
{
    if (!headers || index >= headers->count)
        return NULL;
    return headers->text.data + headers->fields[index].value_offset;
}

int64_t httpc_headers_find(const httpc_headers *headers, const char *name, size_t start)
{
    if (!headers || !name)
        return -1;
    for (size_t i = start; i < headers->count; i++)
        if (hc_name_equals(headers->text.data + headers->fields[i].name_offset, name))
            return (int64_t)i;
    return -1;
}

const char *httpc_headers_get(const httpc_headers *headers, const char *name)
{
    int64_t i = httpc_headers_find(headers, name, 0);
    return i < 0 ? NULL : httpc_headers_value(headers, (size_t)i);
}
