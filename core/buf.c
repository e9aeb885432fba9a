#include "buf.h"

#include <stdlib.h>
#include <string.h>

#include "httpc.h"

int hc_buf_reserve(hc_buf *buf, size_t extra)
{
    if (buf->cap - buf->len >= extra)
        return HTTPC_OK;
    if (extra > SIZE_MAX / 2 - buf->len)
        return HTTPC_E_NOMEM;
    size_t want = buf->len + extra;
    size_t cap = buf->cap ? buf->cap : 256;
    while (cap < want)
        cap *= 2;
    char *grown = realloc(buf->data, cap);
    if (!grown)
        return HTTPC_E_NOMEM;
    buf->data = grown;
    buf->cap = cap;
    return HTTPC_OK;
}

int hc_buf_append(hc_buf *buf, const void *data, size_t len)
{
    if (len == 0)
        return HTTPC_OK;
    int rc = hc_buf_reserve(buf, len);
    if (rc)
        return rc;
    memcpy(buf->data + buf->len, data, len);
    buf->len += len;
    return HTTPC_OK;
}

int hc_buf_append_str(hc_buf *buf, const char *str)
{
    return hc_buf_append(buf, str, strlen(str));
}

int hc_buf_terminate(hc_buf *buf)
{
    int rc = hc_buf_reserve(buf, 1);
    if (rc)
        return rc;
    buf->data[buf->len] = '\0';
    return HTTPC_OK;
}

void hc_buf_free(hc_buf *buf)
{
    free(buf->data);
    buf->data = NULL;
    buf->len = buf->cap = 0;
}
