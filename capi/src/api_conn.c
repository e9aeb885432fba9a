/* The public functions of connections (http.client.HTTPConnection): argument
 * checks and error records here, the engine's steps in core/. */
#include "conn.h"
#include "err.h"

/* Every operation returns through here: a would-block was recorded where it
 * happened; nothing else to map. */
#define CHECK_CONN(conn)                                                                           \
    do {                                                                                           \
        hc_err_clear();                                                                            \
        if (!(conn))                                                                               \
            return hc_fail(HTTPC_E_INVALID_ARGUMENT, "conn is NULL");                              \
    } while (0)

int httpc_conn_options_init(httpc_conn_options *opts, unsigned int version)
{
    if (!opts || version != HTTPC_CONN_OPTIONS_VERSION)
        return hc_fail(HTTPC_E_INVALID_ARGUMENT, "unknown options version %u", version);
    httpc_conn_options defaults = HTTPC_CONN_OPTIONS_INIT;
    *opts = defaults;
    return HTTPC_OK;
}

int httpc_conn_new(httpc_conn **out, const char *host, int port, const httpc_conn_options *opts)
{
    hc_err_clear();
    if (!out || !host)
        return hc_fail(HTTPC_E_INVALID_ARGUMENT, "out and host must not be NULL");
    return hc_conn_create(out, host, port, opts, false, NULL);
}

int httpc_conn_new_https(httpc_conn **out, const char *host, int port,
                         const httpc_conn_options *opts, httpc_tls_context *tls)
{
    hc_err_clear();
    if (!out || !host)
        return hc_fail(HTTPC_E_INVALID_ARGUMENT, "out and host must not be NULL");
    return hc_conn_create(out, host, port, opts, true, tls);
}

void httpc_conn_free(httpc_conn *conn)
{
    if (conn)
        hc_conn_free(conn);
}

const char *httpc_conn_host(const httpc_conn *conn)
{
    return conn ? conn->host : NULL;
}

int httpc_conn_port(const httpc_conn *conn)
{
    return conn ? conn->port : 0;
}

int httpc_conn_is_https(const httpc_conn *conn)
{
    return conn ? conn->https : 0;
}

void httpc_conn_set_debuglevel(httpc_conn *conn, int level)
{
    if (conn)
        conn->opts.debuglevel = level;
}

void httpc_conn_set_timeout(httpc_conn *conn, double timeout)
{
    if (conn)
        conn->opts.timeout = timeout;
}

int httpc_conn_fileno(const httpc_conn *conn)
{
    if (!conn || !conn->stream)
        return -1;
    return conn->stream->transport->ops->fileno(conn->stream->transport);
}

int httpc_conn_connect(httpc_conn *conn)
{
    CHECK_CONN(conn);
    if (conn->stream)
        return HTTPC_OK;
    conn->op = HC_OP_CONNECT;
    int rc = hc_conn_open(conn);
    if (rc != HTTPC_E_WOULD_BLOCK)
        conn->op = HC_OP_NONE;
    return rc;
}

void httpc_conn_close(httpc_conn *conn)
{
    if (conn)
        hc_conn_close(conn);
}

int httpc_conn_interrupt(httpc_conn *conn)
{
    CHECK_CONN(conn);
    hc_cancel_request(&conn->cancel);
    return HTTPC_OK;
}

void httpc_conn_drop_socket(httpc_conn *conn)
{
    if (conn)
        hc_conn_drop_socket(conn);
}

int httpc_conn_set_tunnel(httpc_conn *conn, const char *host, int port, const httpc_header *headers,
                          size_t n_headers)
{
    hc_err_clear();
    if (!conn || !host || (n_headers && !headers))
        return hc_fail(HTTPC_E_INVALID_ARGUMENT, "conn, host and headers must not be NULL");
    return hc_conn_set_tunnel(conn, host, port, headers, n_headers);
}

const httpc_headers *httpc_conn_proxy_response_headers(const httpc_conn *conn)
{
    return conn && conn->proxy_headers_valid ? &conn->proxy_headers : NULL;
}

int httpc_conn_putrequest(httpc_conn *conn, const char *method, const char *url, int flags)
{
    hc_err_clear();
    if (!conn || !method || !url)
        return hc_fail(HTTPC_E_INVALID_ARGUMENT, "conn, method and url must not be NULL");
    return hc_conn_putrequest(conn, method, url, flags);
}

int httpc_conn_putheader_values(httpc_conn *conn, const char *name, const char *const *values,
                                size_t n_values)
{
    hc_err_clear();
    if (!conn || !name || (n_values && !values))
        return hc_fail(HTTPC_E_INVALID_ARGUMENT, "conn, name and values must not be NULL");
    return hc_conn_putheader_values(conn, name, values, n_values);
}

int httpc_conn_putheader(httpc_conn *conn, const char *name, const char *value)
{
    return httpc_conn_putheader_values(conn, name, &value, 1);
}

int httpc_conn_endheaders(httpc_conn *conn, const httpc_body *message_body, int flags)
{
    CHECK_CONN(conn);
    return hc_conn_endheaders(conn, message_body, flags);
}

int httpc_conn_send(httpc_conn *conn, const void *data, size_t len)
{
    hc_err_clear();
    if (!conn || (len && !data))
        return hc_fail(HTTPC_E_INVALID_ARGUMENT, "conn and data must not be NULL");
    return hc_conn_send(conn, data, len);
}

int httpc_conn_body_write(httpc_conn *conn, const void *data, size_t len)
{
    hc_err_clear();
    if (!conn || (len && !data))
        return hc_fail(HTTPC_E_INVALID_ARGUMENT, "conn and data must not be NULL");
    return hc_conn_body_write(conn, data, len);
}

int httpc_conn_body_end(httpc_conn *conn)
{
    CHECK_CONN(conn);
    return hc_conn_body_end(conn);
}

int httpc_conn_request(httpc_conn *conn, const char *method, const char *url,
                       const httpc_body *body, const httpc_header *headers, size_t n_headers,
                       int flags)
{
    hc_err_clear();
    if (!conn || !method || !url || (n_headers && !headers))
        return hc_fail(HTTPC_E_INVALID_ARGUMENT, "conn, method, url and headers must not be NULL");
    return hc_conn_request(conn, method, url, body, headers, n_headers, flags);
}

int httpc_conn_getresponse(httpc_conn *conn, httpc_response **out)
{
    hc_err_clear();
    if (!conn || !out)
        return hc_fail(HTTPC_E_INVALID_ARGUMENT, "conn and out must not be NULL");
    return hc_conn_getresponse(conn, out);
}

int httpc_conn_set_nonblocking(httpc_conn *conn, int enabled)
{
    CHECK_CONN(conn);
    conn->nonblocking = enabled != 0;
    for (httpc_response *r = conn->live; r; r = r->live_next)
        r->nonblocking = conn->nonblocking;
    return HTTPC_OK;
}

int httpc_conn_nonblocking(const httpc_conn *conn)
{
    return conn && conn->nonblocking;
}

int httpc_conn_wait(const httpc_conn *conn, httpc_wait *out)
{
    hc_err_clear();
    if (!conn || !out)
        return hc_fail(HTTPC_E_INVALID_ARGUMENT, "conn and out must not be NULL");
    hc_conn_wait_info(conn, out);
    return HTTPC_OK;
}

int httpc_conn_set_socket_callback(httpc_conn *conn, httpc_socket_fn fn, void *userdata)
{
    CHECK_CONN(conn);
    conn->announcer = (hc_announcer){fn, fn ? userdata : NULL};
    return HTTPC_OK;
}

int httpc_conn_set_max_response_size(httpc_conn *conn, int64_t max_bytes)
{
    CHECK_CONN(conn);
    conn->max_response_size = max_bytes > 0 ? max_bytes : 0;
    return HTTPC_OK;
}
