#include "err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "httpc.h"

enum { MESSAGE_MAX = 512, LINE_MAX_KEPT = 1024 };

typedef struct thread_error {
    httpc_error_info info;
    char message[MESSAGE_MAX];
    char line[LINE_MAX_KEPT + 1];
} thread_error;

static _Thread_local thread_error last_error = {{HTTPC_OK, "", 0, 0, 0, 0, ""}, "", ""};

static thread_error *reset(int code)
{
    thread_error *e = &last_error;
    e->info.code = code;
    e->info.os_errno = 0;
    e->info.tls_error = 0;
    e->info.partial = 0;
    e->info.expected = 0;
    e->line[0] = '\0';
    e->info.line = e->line;
    e->info.message = e->message;
    return e;
}

char hc_repr_quote(const void *data, size_t len)
{
    return (memchr(data, '\'', len) && !memchr(data, '"', len)) ? '"' : '\'';
}

size_t hc_repr_escape_byte(unsigned char c, char quote, char esc[4])
{
    static const char hex[] = "0123456789abcdef";
    if (c == '\\' || c == (unsigned char)quote) {
        esc[0] = '\\';
        esc[1] = (char)c;
        return 2;
    }
    if (c == '\r' || c == '\n' || c == '\t') {
        esc[0] = '\\';
        esc[1] = c == '\r' ? 'r' : c == '\n' ? 'n' : 't';
        return 2;
    }
    if (c < 0x20 || c >= 0x7f) {
        esc[0] = '\\';
        esc[1] = 'x';
        esc[2] = hex[c >> 4];
        esc[3] = hex[c & 0xf];
        return 4;
    }
    esc[0] = (char)c;
    return 1;
}

const char *hc_show(char *out, size_t cap, const void *data, size_t len, enum hc_show_style style)
{
    static const char cut[] = "...";
    const unsigned char *s = data;
    char quote = hc_repr_quote(data, len);
    size_t n = 0;
    if (cap < sizeof cut + 4) {
        if (cap)
            out[0] = '\0';
        return out;
    }
    /* Room kept for the closing quote, "..." and the NUL. */
    size_t room = cap - 1 - 1 - (sizeof cut - 1);
    if (style == HC_SHOW_BYTES)
        out[n++] = 'b';
    out[n++] = quote;
    size_t i = 0;
    for (; i < len; i++) {
        char esc[4];
        size_t k = hc_repr_escape_byte(s[i], quote, esc);
        if (n + k > room)
            break;
        memcpy(out + n, esc, k);
        n += k;
    }
    out[n++] = quote;
    if (i < len) {
        memcpy(out + n, cut, sizeof cut - 1);
        n += sizeof cut - 1;
    }
    out[n] = '\0';
    return out;
}

/* Escapes, in place, any control or non-ASCII byte a message still holds
 * (a host name, a path, a proxy's reason phrase), as repr would inside
 * quotes, so that every message is one printable line. */
static void escape_rest(char *message, size_t cap)
{
    const unsigned char *c = (const unsigned char *)message;
    while (*c >= 0x20 && *c < 0x7f)
        c++;
    if (!*c)
        return;
    char raw[MESSAGE_MAX];
    size_t len = strlen(message);
    memcpy(raw, message, len + 1);
    size_t n = (size_t)((const char *)c - message);
    for (size_t i = n; i < len; i++) {
        char esc[4];
        unsigned char b = (unsigned char)raw[i];
        size_t k = b == '\\' ? 1 : hc_repr_escape_byte(b, '\0', esc);
        if (k == 1)
            esc[0] = (char)b;
        if (n + k >= cap)
            break;
        memcpy(message + n, esc, k);
        n += k;
    }
    message[n] = '\0';
}

static void format_message(thread_error *e, int code, const char *fmt, va_list ap)
{
    if (fmt)
        vsnprintf(e->message, sizeof e->message, fmt, ap);
    else
        snprintf(e->message, sizeof e->message, "%s", httpc_strerror(code));
    escape_rest(e->message, sizeof e->message);
}

/* Resets the record to `code` with a formatted message. */
static thread_error *vfail(int code, const char *fmt, va_list ap)
{
    thread_error *e = reset(code);
    format_message(e, code, fmt, ap);
    return e;
}

int hc_fail(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(code, fmt, ap);
    va_end(ap);
    return code;
}

int hc_fail_os(int code, int os_errno, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    thread_error *e = vfail(code, fmt, ap);
    va_end(ap);
    e->info.os_errno = os_errno;
    return code;
}

int hc_fail_tls(int code, int tls_error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    thread_error *e = vfail(code, fmt, ap);
    va_end(ap);
    e->info.tls_error = tls_error;
    return code;
}

int hc_fail_incomplete(int64_t partial, int64_t expected)
{
    thread_error *e = reset(HTTPC_E_INCOMPLETE_READ);
    e->info.partial = partial;
    e->info.expected = expected;
    if (expected >= 0)
        snprintf(e->message, sizeof e->message,
                 "IncompleteRead(%lld bytes read, %lld more expected)", (long long)partial,
                 (long long)expected);
    else
        snprintf(e->message, sizeof e->message, "IncompleteRead(%lld bytes read)",
                 (long long)partial);
    return HTTPC_E_INCOMPLETE_READ;
}

int hc_fail_incomplete_code(int code, int64_t partial, int64_t expected)
{
    if (code == HTTPC_E_INCOMPLETE_READ)
        return hc_fail_incomplete(partial, expected);
    /* A malformed chunk keeps its message and gains the partial length. */
    last_error.info.partial = partial;
    last_error.info.expected = expected;
    return code;
}

int hc_fail_line(int code, const char *line, size_t len, const char *fmt, ...)
{
    thread_error *e = reset(code);
    if (len > LINE_MAX_KEPT)
        len = LINE_MAX_KEPT;
    memcpy(e->line, line, len);
    e->line[len] = '\0';
    va_list ap;
    va_start(ap, fmt);
    format_message(e, code, fmt, ap);
    va_end(ap);
    return code;
}

void hc_err_clear(void)
{
    /* Called at the top of every API call: nearly free when already clear. */
    if (last_error.info.code == HTTPC_OK)
        return;
    thread_error *e = reset(HTTPC_OK);
    e->message[0] = '\0';
}

int hc_errno_code(int os_errno)
{
    switch (os_errno) {
    case ECONNREFUSED:
        return HTTPC_E_CONNECTION_REFUSED;
    case ECONNRESET:
    case ECONNABORTED:
        return HTTPC_E_CONNECTION_RESET;
    case EPIPE:
        return HTTPC_E_BROKEN_PIPE;
    case ETIMEDOUT:
        return HTTPC_E_TIMEOUT;
    case ENOMEM:
        return HTTPC_E_NOMEM;
    default:
        return HTTPC_E_OS;
    }
}

const httpc_error_info *httpc_last_error(void)
{
    thread_error *e = &last_error;
    /* A thread that never failed still gets valid strings. */
    e->info.message = e->message;
    e->info.line = e->line;
    return &e->info;
}

int httpc_last_error_code(void)
{
    return httpc_last_error()->code;
}
const char *httpc_last_error_message(void)
{
    return httpc_last_error()->message;
}
int httpc_last_error_errno(void)
{
    return httpc_last_error()->os_errno;
}
int httpc_last_error_tls(void)
{
    return httpc_last_error()->tls_error;
}
int64_t httpc_last_error_partial(void)
{
    return httpc_last_error()->partial;
}
int64_t httpc_last_error_expected(void)
{
    return httpc_last_error()->expected;
}
const char *httpc_last_error_line(void)
{
    return httpc_last_error()->line;
}
void httpc_clear_error(void)
{
    hc_err_clear();
}
