/* A growable byte buffer. Owned storage is reused between requests: the
 * hot path clears it (len = 0) instead of freeing it. */
#ifndef HC_BUF_H
#define HC_BUF_H

#include <stddef.h>

typedef struct hc_buf {
    char *data;
    size_t len;
    size_t cap;
} hc_buf;

/* Makes room for `extra` more bytes. Returns 0 or HTTPC_E_NOMEM. */
int hc_buf_reserve(hc_buf *buf, size_t extra);
int hc_buf_append(hc_buf *buf, const void *data, size_t len);
int hc_buf_append_str(hc_buf *buf, const char *str);
/* Appends a NUL without counting it in len (for C string views). */
int hc_buf_terminate(hc_buf *buf);
void hc_buf_free(hc_buf *buf);

#endif
