#include "parser.h"

#include <string.h>

#include "err.h"

enum { HEAD_STATUS, HEAD_INTERIM_HEADERS, HEAD_HEADERS, HEAD_DONE };
enum { CHUNK_SIZE, CHUNK_DATA, CHUNK_DATA_END, CHUNK_TRAILERS, CHUNK_DONE };

/* Whitespace as Python's str.split() sees a latin-1 decoded line. */
static bool is_py_space(unsigned char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f) || c == 0x85 ||
           c == 0xa0;
}

static bool is_blank_line(const char *line, size_t len)
{
    return (len == 2 && line[0] == '\r' && line[1] == '\n') || (len == 1 && line[0] == '\n');
}

/* Length of a line without its "\n" or "\r\n" terminator. */
static size_t content_len(const char *line, size_t len)
{
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        len--;
    return len;
}

static bool starts_with(const char *s, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len >= n && memcmp(s, prefix, n) == 0;
}

/* http.client shows the whole line read, CR LF included. */
static int bad_status_line(const char *line, size_t len)
{
    char shown[HC_SHOWN_MAX];
    return hc_fail_line(HTTPC_E_BAD_STATUS_LINE, line, len, "BadStatusLine: %s",
                        hc_show(shown, sizeof shown, line, len, HC_SHOW_STR));
}

int hc_parse_status_line(const char *line, size_t len, int *status, const char **version,
                         size_t *version_len, const char **reason, size_t *reason_len)
{
    const unsigned char *s = (const unsigned char *)line;
    size_t i = 0;
    const char *fields[2] = {NULL, NULL};
    size_t field_len[2] = {0, 0};
    int count = 0;
    while (count < 2) {
        while (i < len && is_py_space(s[i]))
            i++;
        if (i == len)
            break;
        fields[count] = line + i;
        while (i < len && !is_py_space(s[i]))
            i++;
        field_len[count] = (size_t)(line + i - fields[count]);
        count++;
    }
    if (count < 2 || !starts_with(fields[0], field_len[0], "HTTP/"))
        return bad_status_line(line, len);
    int code = 0;
    if (field_len[1] == 0 || field_len[1] > 9)
        code = -1;
    for (size_t k = 0; code >= 0 && k < field_len[1]; k++) {
        unsigned char c = (unsigned char)fields[1][k];
        code = (c >= '0' && c <= '9') ? code * 10 + (c - '0') : -1;
    }
    if (code < 100 || code > 999)
        return bad_status_line(line, len);
    /* The reason is the rest, stripped on both sides. */
    while (i < len && is_py_space(s[i]))
        i++;
    size_t end = len;
    while (end > i && is_py_space(s[end - 1]))
        end--;
    *status = code;
    *version = fields[0];
    *version_len = field_len[0];
    *reason = line + i;
    *reason_len = end - i;
    return HTTPC_OK;
}

void hc_head_init(hc_head_parser *p, const hc_limits *limits, hc_buf *reason,
                  httpc_headers *headers)
{
    hc_line_fn on_line = p->on_line;
    void *line_userdata = p->line_userdata;
    memset(p, 0, sizeof *p);
    p->on_line = on_line;
    p->line_userdata = line_userdata;
    p->limits = limits;
    p->reason = reason;
    p->headers = headers;
    p->state = HEAD_STATUS;
    reason->len = 0;
    hc_headers_reset(headers);
}

/* A "Name: value" line as the email parser reads it: the name is printable
 * ASCII without space or colon; the value loses leading blanks and its line
 * terminator. Returns false for a malformed line. */
static bool split_field(const char *line, size_t len, const char **value, size_t *name_len,
                        size_t *value_len)
{
    size_t i = 0;
    while (i < len && line[i] != ':') {
        unsigned char c = (unsigned char)line[i];
        if (c < 0x21 || c > 0x7e)
            return false;
        i++;
    }
    if (i == len)
        return false;
    *name_len = i;
    size_t v = i + 1;
    size_t end = content_len(line, len);
    while (v < end && (line[v] == ' ' || line[v] == '\t'))
        v++;
    *value = line + v;
    *value_len = end > v ? end - v : 0;
    return true;
}

/* One header (or trailer) line into a store. A continuation line extends the
 * previous value with the line break kept, as http.client's message does. */
static int store_field_line(httpc_headers *store, bool *defect, const char *line, size_t len,
                            const char **last_line_end)
{
    if (*defect)
        return HTTPC_OK;
    if (line[0] == ' ' || line[0] == '\t') {
        if (store->count == 0 || !*last_line_end)
            return HTTPC_OK; /* a first line that continues nothing is dropped */
        size_t prev_end_len = strlen(*last_line_end);
        size_t body = content_len(line, len);
        int rc = hc_headers_extend_last(store, *last_line_end, prev_end_len);
        if (!rc)
            rc = hc_headers_extend_last(store, line, body);
        *last_line_end = (len >= 2 && line[len - 2] == '\r') ? "\r\n" : "\n";
        return rc ? hc_fail(rc, NULL) : HTTPC_OK;
    }
    const char *value;
    size_t name_len, value_len;
    if (!split_field(line, len, &value, &name_len, &value_len)) {
        /* The email parser stops reading headers at a malformed line. */
        *defect = true;
        return HTTPC_OK;
    }
    int rc = hc_headers_add(store, line, name_len, value, value_len);
    *last_line_end = (len >= 2 && line[len - 2] == '\r') ? "\r\n" : "\n";
    return rc ? hc_fail(rc, NULL) : HTTPC_OK;
}

static int version_number(const char *v, size_t len, int *out)
{
    if ((len == 8 && memcmp(v, "HTTP/1.0", 8) == 0) ||
        (len == 8 && memcmp(v, "HTTP/0.9", 8) == 0)) {
        *out = 10;
        return HTTPC_OK;
    }
    if (starts_with(v, len, "HTTP/1.")) {
        *out = 11;
        return HTTPC_OK;
    }
    char shown[HC_SHOWN_MAX];
    return hc_fail(HTTPC_E_UNKNOWN_PROTOCOL, "UnknownProtocol: %s",
                   hc_show(shown, sizeof shown, v, len, HC_SHOW_STR));
}

static int head_line(hc_head_parser *p, const char *line, size_t len, const char **last_line_end)
{
    if (p->state == HEAD_STATUS) {
        if (p->on_line)
            p->on_line(p->line_userdata, HC_LINE_STATUS, line, len);
        const char *version = NULL, *reason = NULL;
        size_t version_len = 0, reason_len = 0;
        int status = 0;
        int rc =
            hc_parse_status_line(line, len, &status, &version, &version_len, &reason, &reason_len);
        if (rc)
            return rc;
        p->lines = 0;
        if (status == HTTPC_STATUS_CONTINUE) {
            if (++p->interim_count > p->limits->max_interim)
                return hc_fail(HTTPC_E_TOO_MANY_INTERIM, "got more than %zu interim responses",
                               p->limits->max_interim);
            p->state = HEAD_INTERIM_HEADERS;
            return HTTPC_OK;
        }
        rc = version_number(version, version_len, &p->version);
        if (rc)
            return rc;
        p->status = status;
        p->reason->len = 0;
        if (hc_buf_append(p->reason, reason, reason_len) || hc_buf_terminate(p->reason))
            return hc_fail(HTTPC_E_NOMEM, NULL);
        p->state = HEAD_HEADERS;
        *last_line_end = NULL;
        return HTTPC_OK;
    }
    /* Header lines, counted with the blank line as http.client counts them. */
    if (++p->lines > p->limits->max_headers)
        return hc_fail(HTTPC_E_TOO_MANY_HEADERS, "got more than %zu headers",
                       p->limits->max_headers);
    bool blank = is_blank_line(line, len);
    /* Interim header lines are reported with their blank line, which ends
     * them (http.client prints them as one list). */
    if (p->on_line && (!blank || p->state == HEAD_INTERIM_HEADERS))
        p->on_line(p->line_userdata,
                   p->state == HEAD_HEADERS ? HC_LINE_HEADER : HC_LINE_INTERIM_HEADER, line, len);
    if (blank) {
        p->state = p->state == HEAD_HEADERS ? HEAD_DONE : HEAD_STATUS;
        return HTTPC_OK;
    }
    if (p->state == HEAD_INTERIM_HEADERS)
        return HTTPC_OK;
    return store_field_line(p->headers, &p->header_defect, line, len, last_line_end);
}

int hc_head_feed(hc_head_parser *p, const char *data, size_t len, size_t *consumed)
{
    size_t pos = 0;
    int rc = HC_NEED_MORE;
    while (p->state != HEAD_DONE) {
        const char *nl = memchr(data + pos, '\n', len - pos);
        size_t line_len = nl ? (size_t)(nl - (data + pos)) + 1 : len - pos;
        if (line_len > p->limits->max_line) {
            rc = hc_fail(HTTPC_E_LINE_TOO_LONG, "got more than %zu bytes when reading %s",
                         p->limits->max_line,
                         p->state == HEAD_STATUS ? "status line" : "header line");
            break;
        }
        if (!nl)
            break;
        rc = head_line(p, data + pos, line_len, &p->last_line_end);
        if (rc < 0)
            break;
        pos += line_len;
        rc = p->state == HEAD_DONE ? HC_DONE : HC_NEED_MORE;
    }
    *consumed = pos;
    return rc;
}

int hc_head_feed_eof(hc_head_parser *p, const char *data, size_t len)
{
    if (len > 0) {
        /* At the end of the stream a partial line counts as a line. */
        int rc = head_line(p, data, len, &p->last_line_end);
        if (rc < 0)
            return rc;
    }
    if (p->state == HEAD_HEADERS || p->state == HEAD_DONE) {
        p->state = HEAD_DONE;
        return HC_DONE;
    }
    /* Waiting for a status line (perhaps after a 100 Continue). */
    return hc_fail(HTTPC_E_REMOTE_DISCONNECTED, NULL);
}

/* Case-insensitive search of a token in a header value, as http.client's
 * `"close" in conn.lower()`. */
static bool contains_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++) {
        size_t k = 0;
        while (k < n && hay[k] && (hay[k] | 0x20) == needle[k])
            k++;
        if (k == n)
            return true;
    }
    return false;
}

/* Case-insensitive comparison of a header name of known length. */
static bool name_is(const char *name, size_t len, const char *lower_name, size_t want)
{
    if (len != want)
        return false;
    for (size_t i = 0; i < len; i++)
        if ((name[i] | 0x20) != lower_name[i])
            return false;
    return true;
}

/* Folds one Content-Length value (a comma list is allowed) into *length.
 * Returns false when it is not a number; conflicting numbers are an error. */
static int add_content_length(const char *v, int64_t *length, bool *unparsable)
{
    const char *start = v;
    for (;;) {
        while (*v == ' ' || *v == '\t')
            v++;
        int64_t n = 0;
        int digits = 0;
        while (*v >= '0' && *v <= '9') {
            if (n > (INT64_MAX - 9) / 10)
                return hc_fail(HTTPC_E_INVALID_CONTENT_LENGTH, "Content-Length too large");
            n = n * 10 + (*v++ - '0');
            digits++;
        }
        while (*v == ' ' || *v == '\t')
            v++;
        if (!digits || (*v && *v != ',')) {
            /* Not a number: as http.client, the length is unknown and the
             * body runs to the close. */
            *unparsable = true;
            *length = -1;
            return HTTPC_OK;
        }
        if (*length >= 0 && *length != n)
            return hc_fail(HTTPC_E_INVALID_CONTENT_LENGTH,
                           "conflicting Content-Length values: %lld and %lld (%.80s)",
                           (long long)*length, (long long)n, start);
        *length = n;
        if (!*v)
            return HTTPC_OK;
        v++;
    }
}

/* The last non-empty coding of a Transfer-Encoding value, if any. */
static void last_coding(const char *v, const char **last, size_t *last_len)
{
    const char *start = v;
    for (const char *c = v; *c; c++)
        if (*c == ',')
            start = c + 1;
    while (*start == ' ' || *start == '\t')
        start++;
    size_t len = strlen(start);
    while (len > 0 && (start[len - 1] == ' ' || start[len - 1] == '\t'))
        len--;
    if (len > 0 || start == v) {
        *last = start;
        *last_len = len;
    }
}

int hc_body_framing(const httpc_headers *headers, int status, int version, bool is_head,
                    hc_framing *out)
{
    /* One pass over the fields; http.client looks at the first Connection,
     * Keep-Alive and Proxy-Connection values only. */
    const char *connection = NULL, *proxy_connection = NULL, *coding = NULL;
    bool keep_alive_header = false, te_present = false, cl_present = false, unparsable = false;
    size_t coding_len = 0;
    int64_t length = -1;
    int cl_error = HTTPC_OK;
    for (size_t i = 0; i < headers->count; i++) {
        const hc_field *f = &headers->fields[i];
        const char *name = headers->text.data + f->name_offset;
        const char *value = headers->text.data + f->value_offset;
        size_t len = f->value_offset - f->name_offset - 1;
        if (name_is(name, len, "connection", 10)) {
            if (!connection)
                connection = value;
        } else if (name_is(name, len, "keep-alive", 10)) {
            keep_alive_header = true;
        } else if (name_is(name, len, "content-length", 14)) {
            cl_present = true;
            if (!unparsable && !cl_error)
                cl_error = add_content_length(value, &length, &unparsable);
        } else if (name_is(name, len, "proxy-connection", 16)) {
            if (!proxy_connection)
                proxy_connection = value;
        } else if (name_is(name, len, "transfer-encoding", 17)) {
            te_present = true;
            last_coding(value, &coding, &coding_len);
        }
    }
    out->chunked = coding && coding_len == 7 && strncasecmp(coding, "chunked", 7) == 0;
    if (version == 11)
        out->will_close = connection && contains_ci(connection, "close");
    else
        out->will_close = !keep_alive_header &&
                          !(connection && contains_ci(connection, "keep-alive")) &&
                          !(proxy_connection && contains_ci(proxy_connection, "keep-alive"));
    out->length = -1;
    bool no_body = status == HTTPC_STATUS_NO_CONTENT || status == HTTPC_STATUS_NOT_MODIFIED ||
                   (status >= 100 && status < 200) || is_head;
    if (!te_present) {
        if (cl_error && !no_body)
            return cl_error;
        out->length = cl_error ? -1 : length;
    } else if (cl_present) {
        /* Both framings at once: trust chunked, never reuse the connection. */
        out->will_close = true;
    }
    if (no_body) {
        out->chunked = false;
        out->length = 0;
    }
    if (te_present && !out->chunked && !no_body) {
        out->length = -1; /* an unknown coding: the body runs to the close */
        out->will_close = true;
    }
    if (!out->will_close && !out->chunked && out->length < 0)
        out->will_close = true;
    return HTTPC_OK;
}

void hc_chunked_init(hc_chunked *c, const hc_limits *limits, httpc_headers *trailers)
{
    hc_line_fn on_line = c->on_line;
    void *line_userdata = c->line_userdata;
    memset(c, 0, sizeof *c);
    c->on_line = on_line;
    c->line_userdata = line_userdata;
    c->limits = limits;
    c->trailers = trailers;
    c->state = CHUNK_SIZE;
    hc_headers_reset(trailers);
}

static int hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int invalid_chunk_line(const char *line, size_t len)
{
    char shown[HC_SHOWN_MAX];
    return hc_fail(HTTPC_E_INVALID_CHUNK, "invalid chunk size line: %s",
                   hc_show(shown, sizeof shown, line, len, HC_SHOW_BYTES));
}

int hc_parse_chunk_size(const char *line, size_t len, uint64_t *out)
{
    size_t i = 0;
    uint64_t size = 0;
    for (; i < len && hex_value((unsigned char)line[i]) >= 0; i++) {
        if (size >> 60)
            return hc_fail(HTTPC_E_INVALID_CHUNK, "chunk size overflows 64 bits");
        size = size * 16 + (uint64_t)hex_value((unsigned char)line[i]);
    }
    if (i == 0)
        return invalid_chunk_line(line, len);
    while (i < len && (line[i] == ' ' || line[i] == '\t'))
        i++;
    bool terminated = (len - i == 2 && line[i] == '\r' && line[i + 1] == '\n') ||
                      (len - i == 1 && line[i] == '\n');
    if (!terminated && (i == len || line[i] != ';'))
        return invalid_chunk_line(line, len);
    *out = size;
    return HTTPC_OK;
}

int hc_chunked_feed(hc_chunked *c, const char *data, size_t len, size_t *consumed)
{
    size_t pos = 0;
    int rc = HC_NEED_MORE;
    for (;;) {
        if (c->state == CHUNK_DATA) {
            rc = HC_CHUNK_DATA;
            break;
        }
        if (c->state == CHUNK_DONE) {
            rc = HC_DONE;
            break;
        }
        if (c->state == CHUNK_DATA_END) {
            size_t avail = len - pos;
            if (avail >= 1 && data[pos] == '\n') {
                pos += 1;
            } else if (avail >= 2 && data[pos] == '\r' && data[pos + 1] == '\n') {
                pos += 2;
            } else if (avail == 0 || (avail == 1 && data[pos] == '\r')) {
                rc = HC_NEED_MORE;
                break;
            } else {
                rc = hc_fail(HTTPC_E_INVALID_CHUNK, "missing CRLF after chunk data");
                break;
            }
            c->state = CHUNK_SIZE;
            continue;
        }
        const char *nl = memchr(data + pos, '\n', len - pos);
        size_t line_len = nl ? (size_t)(nl - (data + pos)) + 1 : len - pos;
        if (line_len > c->limits->max_line) {
            rc = hc_fail(HTTPC_E_LINE_TOO_LONG, "got more than %zu bytes when reading %s",
                         c->limits->max_line,
                         c->state == CHUNK_SIZE ? "chunk size" : "trailer line");
            break;
        }
        if (!nl) {
            rc = HC_NEED_MORE;
            break;
        }
        const char *line = data + pos;
        if (c->state == CHUNK_SIZE) {
            uint64_t size = 0;
            rc = hc_parse_chunk_size(line, line_len, &size);
            if (rc)
                break;
            pos += line_len;
            c->left = size;
            c->state = size ? CHUNK_DATA : CHUNK_TRAILERS;
            continue;
        }
        /* Trailers, bounded like headers. */
        pos += line_len;
        if (++c->trailer_lines > c->limits->max_headers) {
            rc = hc_fail(HTTPC_E_TOO_MANY_HEADERS, "got more than %zu trailer lines",
                         c->limits->max_headers);
            break;
        }
        if (is_blank_line(line, line_len)) {
            c->state = CHUNK_DONE;
            continue;
        }
        if (c->on_line)
            c->on_line(c->line_userdata, HC_LINE_TRAILER, line, line_len);
        rc = store_field_line(c->trailers, &c->trailer_defect, line, line_len, &c->last_line_end);
        if (rc)
            break;
    }
    *consumed = pos;
    return rc;
}

void hc_chunked_took(hc_chunked *c, uint64_t n)
{
    c->left -= n;
    if (c->left == 0)
        c->state = CHUNK_DATA_END;
}

int hc_chunked_eof(hc_chunked *c)
{
    if (c->state == CHUNK_TRAILERS || c->state == CHUNK_DONE) {
        c->state = CHUNK_DONE;
        return HC_DONE;
    }
    return HTTPC_E_INCOMPLETE_READ;
}
