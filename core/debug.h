/* http.client's debug output: "send: b'...'", "reply: '...'", "header: ...". */
#ifndef HC_DEBUG_H
#define HC_DEBUG_H

#include <stddef.h>

#include "buf.h"
#include "httpc.h"

/* Appends Python's repr() of bytes (bytes_prefix 1: b'...') or of a latin-1
 * str (bytes_prefix 0: '...') to out. */
int hc_repr(hc_buf *out, const void *data, size_t len, int bytes_prefix);
/* Emits "<label> <repr(data)>" through fn (stdout when fn is NULL). */
void hc_debug_repr(httpc_debug_fn fn, void *userdata, hc_buf *scratch, const char *label,
                   const void *data, size_t len, int bytes_prefix);
/* Appends latin-1 text as UTF-8, as Python prints a latin-1 decoded str. */
int hc_append_latin1_as_utf8(hc_buf *out, const char *text);
/* Emits a plain line. */
void hc_debug_line(httpc_debug_fn fn, void *userdata, const char *line);

#endif
