#include "writer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "httpc.h"

/* http.client's text: "<what> can't contain control characters. '<text>'
 * (found at least '<char>')", both shown as repr shows a str. */
static int control_character_error(int code, const char *what, const char *text,
                                   const unsigned char *found)
{
    char shown_text[HC_SHOWN_MAX], shown_found[16];
    return hc_fail(code, "%s can't contain control characters. %s (found at least %s)", what,
                   hc_show(shown_text, sizeof shown_text, text, strlen(text), HC_SHOW_STR),
                   hc_show(shown_found, sizeof shown_found, found, 1, HC_SHOW_STR));
}

int hc_validate_method(const char *method)
{
    if (!*method)
        return hc_fail(HTTPC_E_INVALID_ARGUMENT, "method must not be empty");
    for (const unsigned char *c = (const unsigned char *)method; *c; c++)
        if (*c <= 0x1f)
            return control_character_error(HTTPC_E_INVALID_ARGUMENT, "method", method, c);
    return HTTPC_OK;
}

static int validate_url_chars(const char *text)
{
    for (const unsigned char *c = (const unsigned char *)text; *c; c++)
        if (*c <= 0x20 || *c == 0x7f)
            return control_character_error(HTTPC_E_INVALID_URL, "URL", text, c);
    return HTTPC_OK;
}

int hc_validate_url(const char *url)
{
    return validate_url_chars(url);
}

int hc_validate_host(const char *host)
{
    return validate_url_chars(host);
}

static bool is_regex_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* http.client: "Invalid header name b'...'" (the bytes' repr). */
static int invalid_header(const char *what, const char *text)
{
    char shown[HC_SHOWN_MAX];
    return hc_fail(HTTPC_E_INVALID_ARGUMENT, "Invalid header %s %s", what,
                   hc_show(shown, sizeof shown, text, strlen(text), HC_SHOW_BYTES));
}

int hc_validate_header_name(const char *name)
{
    /* http.client: [^:\s][^:\r\n]* */
    const unsigned char *c = (const unsigned char *)name;
    bool ok = *c && *c != ':' && !is_regex_space(*c);
    for (c++; ok && *c; c++)
        ok = *c != ':' && *c != '\r' && *c != '\n';
    if (!ok)
        return invalid_header("name", name);
    return HTTPC_OK;
}

int hc_validate_header_value(const char *value)
{
    /* http.client: \n(?![ \t])|\r(?![ \t\n]) is illegal. */
    for (const char *c = value; *c; c++) {
        bool bad = (*c == '\n' && c[1] != ' ' && c[1] != '\t') ||
                   (*c == '\r' && c[1] != ' ' && c[1] != '\t' && c[1] != '\n');
        if (bad)
            return invalid_header("value", value);
    }
    return HTTPC_OK;
}

int hc_write_request_line(hc_buf *out, const char *method, const char *url)
{
    if (!*url)
        url = "/";
    int rc = hc_buf_append_str(out, method);
    if (!rc)
        rc = hc_buf_append(out, " ", 1);
    if (!rc)
        rc = hc_buf_append_str(out, url);
    if (!rc)
        rc = hc_buf_append(out, " HTTP/1.1\r\n", 11);
    return rc ? hc_fail(rc, NULL) : HTTPC_OK;
}

int hc_write_header(hc_buf *out, const char *name, const char *const *values, size_t n_values)
{
    int rc = hc_validate_header_name(name);
    for (size_t i = 0; !rc && i < n_values; i++)
        rc = values[i] ? hc_validate_header_value(values[i])
                       : hc_fail(HTTPC_E_INVALID_ARGUMENT, "header value is NULL");
    if (rc)
        return rc;
    rc = hc_buf_append_str(out, name);
    if (!rc)
        rc = hc_buf_append(out, ": ", 2);
    for (size_t i = 0; !rc && i < n_values; i++) {
        if (i)
            rc = hc_buf_append(out, "\r\n\t", 3);
        if (!rc)
            rc = hc_buf_append_str(out, values[i]);
    }
    if (!rc)
        rc = hc_buf_append(out, "\r\n", 2);
    return rc ? hc_fail(rc, NULL) : HTTPC_OK;
}

/* Appends text with an IPv6 zone id ("%eth0" before "]") left out. */
static int append_without_zone(hc_buf *out, const char *text, size_t len)
{
    const char *pct = memchr(text, '%', len);
    if (!pct || text[0] != '[')
        return hc_buf_append(out, text, len);
    const char *close = memchr(pct, ']', len - (size_t)(pct - text));
    int rc = hc_buf_append(out, text, (size_t)(pct - text));
    if (!rc && close)
        rc = hc_buf_append(out, close, len - (size_t)(close - text));
    else if (!rc)
        rc = hc_buf_append(out, "]", 1);
    return rc;
}

/* The netloc of an absolute URL ("http://netloc/..."), as urlsplit finds it. */
static bool absolute_netloc(const char *url, const char **start, size_t *len)
{
    if (strncmp(url, "http", 4) != 0)
        return false;
    const char *colon = strchr(url, ':');
    if (!colon || colon[1] != '/' || colon[2] != '/')
        return false;
    for (const char *c = url; c < colon; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '+' || *c == '-' || *c == '.'))
            return false;
    *start = colon + 3;
    *len = strcspn(*start, "/?#");
    return *len > 0;
}

int hc_write_host_value(hc_buf *out, const char *url, const char *host, int port, int default_port)
{
    const char *netloc;
    size_t netloc_len;
    int rc;
    if (absolute_netloc(url, &netloc, &netloc_len)) {
        rc = append_without_zone(out, netloc, netloc_len);
    } else if (strchr(host, ':')) {
        rc = hc_buf_append(out, "[", 1);
        size_t len = strcspn(host, "%");
        if (!rc)
            rc = hc_buf_append(out, host, len);
        if (!rc)
            rc = hc_buf_append(out, "]", 1);
    } else {
        rc = hc_buf_append_str(out, host);
    }
    if (!rc && !absolute_netloc(url, &netloc, &netloc_len) && port != default_port) {
        char port_text[16];
        int n = snprintf(port_text, sizeof port_text, ":%d", port);
        rc = hc_buf_append(out, port_text, (size_t)n);
    }
    return rc ? hc_fail(rc, NULL) : HTTPC_OK;
}

size_t hc_chunk_prefix(char out[24], size_t len)
{
    return (size_t)snprintf(out, 24, "%zX\r\n", len);
}

int hc_split_host_port(const char *host, int port, int default_port, char **host_out, int *port_out)
{
    size_t len = strlen(host);
    if (port < 0 || port > 65535)
        return hc_fail(HTTPC_E_INVALID_URL, "port out of range: %d", port);
    if (port == 0) {
        const char *colon = strrchr(host, ':');
        const char *bracket = strrchr(host, ']');
        port = default_port;
        if (colon && (!bracket || colon > bracket)) {
            const char *digits = colon + 1;
            if (!*digits)
                return hc_fail(HTTPC_E_INVALID_URL, "nonnumeric port: ''");
            long value = 0;
            for (const char *d = digits; *d; d++) {
                if (*d < '0' || *d > '9' || value > 65535)
                    return hc_fail(HTTPC_E_INVALID_URL, "nonnumeric port: '%.40s'", digits);
                value = value * 10 + (*d - '0');
            }
            if (value > 65535)
                return hc_fail(HTTPC_E_INVALID_URL, "port out of range: '%.40s'", digits);
            port = (int)value;
            len = (size_t)(colon - host);
        }
    }
    const char *start = host;
    if (len >= 2 && host[0] == '[' && host[len - 1] == ']') {
        start++;
        len -= 2;
    }
    char *copy = malloc(len + 1);
    if (!copy)
        return hc_fail(HTTPC_E_NOMEM, NULL);
    memcpy(copy, start, len);
    copy[len] = '\0';
    *host_out = copy;
    *port_out = port;
    return HTTPC_OK;
}
