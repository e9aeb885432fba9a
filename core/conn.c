/* A connection's lifetime: creating, closing and freeing it, the tunnel
 * settings, and what a pending operation waits for. */
#include "conn.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "writer.h"

static char *dup_string(const char *s)
{
    if (!s)
        return NULL;
    size_t len = strlen(s) + 1;
    char *copy = malloc(len);
    if (copy)
        memcpy(copy, s, len);
    return copy;
}

int hc_conn_create(httpc_conn **out, const char *host, int port, const httpc_conn_options *opts,
                   bool https, httpc_tls_context *tls)
{
    *out = NULL;
    httpc_conn_options defaults = HTTPC_CONN_OPTIONS_INIT;
    if (opts && opts->version != HTTPC_CONN_OPTIONS_VERSION)
        return hc_fail(HTTPC_E_INVALID_ARGUMENT, "unknown options version %u", opts->version);
    if (!opts)
        opts = &defaults;
    if (opts->max_line_length < 16 || opts->max_headers < 1)
        return hc_fail(HTTPC_E_INVALID_ARGUMENT, "limits too small");
    int rc = hc_validate_host(host);
    if (rc)
        return rc;
    httpc_conn *conn = calloc(1, sizeof *conn);
    if (!conn)
        return hc_fail(HTTPC_E_NOMEM, NULL);
    if (hc_cancel_init(&conn->cancel)) {
        free(conn);
        return HTTPC_E_NOMEM;
    }
    conn->https = https;
    conn->default_port = https ? HTTPC_HTTPS_PORT : HTTPC_HTTP_PORT;
    conn->opts = *opts;
    conn->wait.fd = -1;
    conn->opening.tcp.fd = -1;
    if (conn->opts.blocksize == 0)
        conn->opts.blocksize = 8192;
    rc = hc_split_host_port(host, port, conn->default_port, &conn->host, &conn->port);
    if (!rc && opts->source_host) {
        conn->source_host = dup_string(opts->source_host);
        if (!conn->source_host)
            rc = hc_fail(HTTPC_E_NOMEM, NULL);
    }
    conn->opts.source_host = conn->source_host;
    if (!rc && https) {
        if (tls) {
            hc_tls_context_ref(tls);
            conn->tls = tls;
        } else {
            rc = httpc_tls_context_new(&conn->tls);
        }
    }
    if (rc) {
        hc_conn_free(conn);
        return rc;
    }
    *out = conn;
    return HTTPC_OK;
}

void hc_conn_drop_stream(httpc_conn *conn)
{
    hc_stream *s = conn->stream;
    if (s && !conn->spare_in) {
        /* Keep the buffer for the next connection: reconnecting then
         * allocates only the small stream and transport records. */
        conn->spare_in = s->in;
        conn->spare_cap = s->cap;
        s->in = NULL;
    }
    hc_stream_free(s);
    conn->stream = NULL;
}

/* Forgets every operation in progress (a connect, a send, a head being
 * read). */
static void abandon_operations(httpc_conn *conn)
{
    hc_conn_abandon_open(conn);
    conn->sending.phase = HC_SEND_IDLE;
    conn->sending.sender = HC_SENDER_NONE;
    if (conn->reading) {
        httpc_response *r = conn->reading;
        conn->reading = NULL;
        hc_response_free(r);
    }
    conn->op = HC_OP_NONE;
    conn->wait = (hc_io_wait){.fd = -1};
}

void hc_conn_reset_after_failure(httpc_conn *conn)
{
    conn->send_failed = false;
    if (conn->current)
        hc_response_release(conn->current, false);
    abandon_operations(conn);
    hc_conn_drop_stream(conn);
    conn->state = HC_STATE_IDLE;
}

/* The response being read, if any, takes the socket (and closes it when
 * its body ends); the connection has none left. */
static void current_takes_stream(httpc_conn *conn)
{
    if (conn->current && conn->current->stream == conn->stream && conn->stream &&
        conn->current != conn->reading) {
        conn->current->owns_stream = true;
        conn->stream = NULL;
    }
}

void hc_conn_free(httpc_conn *conn)
{
    abandon_operations(conn);
    /* Responses outlive their connection: the current one takes the socket. */
    current_takes_stream(conn);
    for (httpc_response *r = conn->live; r;) {
        httpc_response *next = r->live_next;
        if (r->stream)
            r->stream->transport->cancel = NULL; /* nothing can interrupt it now */
        r->conn = NULL;
        r->live_next = r->live_prev = NULL;
        r = next;
    }
    hc_conn_drop_stream(conn);
    if (conn->spare)
        hc_response_destroy(conn->spare);
    free(conn->host);
    free(conn->source_host);
    free(conn->tunnel_host);
    hc_buf_free(&conn->tunnel_lines);
    hc_headers_free(&conn->proxy_headers);
    hc_buf_free(&conn->method);
    hc_buf_free(&conn->out);
    hc_buf_free(&conn->scratch);
    hc_buf_free(&conn->host_line);
    free(conn->spare_in);
    hc_buf_free(&conn->body_block);
    if (conn->tls_session)
        hc_tls_session_free(conn->tls_session);
    httpc_tls_context_free(conn->tls);
    hc_cancel_destroy(&conn->cancel);
    free(conn);
}

void hc_conn_close(httpc_conn *conn)
{
    conn->state = HC_STATE_IDLE;
    conn->send_failed = false;
    abandon_operations(conn);
    if (conn->current)
        hc_response_release(conn->current, false);
    conn->current = NULL;
    hc_conn_drop_stream(conn);
    hc_cancel_discard(&conn->cancel);
}

void hc_conn_drop_socket(httpc_conn *conn)
{
    current_takes_stream(conn);
    hc_conn_drop_stream(conn);
}

int hc_conn_set_tunnel(httpc_conn *conn, const char *host, int port, const httpc_header *headers,
                       size_t n_headers)
{
    if (conn->stream || conn->opening.phase != HC_OPEN_IDLE)
        return hc_fail(HTTPC_E_STATE, "Can't set up tunnel for established connection");
    int rc = hc_validate_host(host);
    if (rc)
        return hc_fail(HTTPC_E_INVALID_ARGUMENT, "tunnel host can't contain control characters");
    hc_buf lines = {0};
    for (size_t i = 0; !rc && i < n_headers; i++) {
        const char *value = headers[i].value;
        if (!headers[i].name || !value || strpbrk(headers[i].name, "\r\n") ||
            strpbrk(value, "\r\n"))
            rc = hc_fail(HTTPC_E_INVALID_ARGUMENT, "tunnel header contains CR or LF");
        else
            rc = hc_write_header(&lines, headers[i].name, &value, 1);
    }
    char *tunnel_host = NULL;
    int tunnel_port = 0;
    if (!rc)
        rc = hc_split_host_port(host, port, conn->default_port, &tunnel_host, &tunnel_port);
    if (rc) {
        hc_buf_free(&lines);
        return rc;
    }
    free(conn->tunnel_host);
    conn->tunnel_host = tunnel_host;
    conn->host_line.len = 0;
    conn->tunnel_port = tunnel_port;
    hc_buf_free(&conn->tunnel_lines);
    conn->tunnel_lines = lines;
    return HTTPC_OK;
}

void hc_conn_wait_info(const httpc_conn *conn, httpc_wait *out)
{
    hc_io_wait_export(&conn->wait, out);
}

void hc_response_wait_info(const httpc_response *r, httpc_wait *out)
{
    hc_io_wait_export(&r->wait, out);
}
