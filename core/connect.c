/* Opening a connection's socket, in steps: TCP (resolution, each address in
 * turn), the CONNECT tunnel through a proxy, the TLS handshake. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "debug.h"
#include "err.h"

/* An idle connection is probed for a close by the server only after
 * IDLE_PROBE_MS, sparing a system call per request in a busy keep-alive
 * loop. */
enum { IDLE_PROBE_MS = 100 };

static const char *conn_target_name(const httpc_conn *conn)
{
    return conn->tunnel_host ? conn->tunnel_host : conn->host;
}

/* The CONNECT request, in conn->scratch. */
static int build_connect_request(httpc_conn *conn)
{
    hc_buf *out = &conn->scratch;
    out->len = 0;
    char port_text[16];
    snprintf(port_text, sizeof port_text, ":%d", conn->tunnel_port);
    bool v6 = strchr(conn->tunnel_host, ':') != NULL;
    hc_buf authority = {0};
    int rc = hc_buf_append_str(&authority, v6 ? "[" : "");
    if (!rc)
        rc = hc_buf_append_str(&authority, conn->tunnel_host);
    if (!rc)
        rc = hc_buf_append_str(&authority, v6 ? "]" : "");
    if (!rc)
        rc = hc_buf_append_str(&authority, port_text);
    if (!rc)
        rc = hc_buf_append_str(out, "CONNECT ");
    if (!rc)
        rc = hc_buf_append(out, authority.data, authority.len);
    if (!rc)
        rc = hc_buf_append_str(out, " HTTP/1.1\r\nHost: ");
    if (!rc)
        rc = hc_buf_append(out, authority.data, authority.len);
    if (!rc)
        rc = hc_buf_append_str(out, "\r\n");
    if (!rc)
        rc = hc_buf_append(out, conn->tunnel_lines.data, conn->tunnel_lines.len);
    if (!rc)
        rc = hc_buf_append_str(out, "\r\n");
    hc_buf_free(&authority);
    if (rc)
        return hc_fail(HTTPC_E_NOMEM, NULL);
    if (conn->opts.debuglevel > 0)
        hc_debug_repr(conn->opts.debug_fn, conn->opts.debug_userdata, &conn->body_block,
                      "send:", out->data, out->len, 1);
    return HTTPC_OK;
}

static int opening_block(httpc_conn *conn, hc_stream *s)
{
    hc_opening *o = &conn->opening;
    /* The whole open shares one deadline (connect_timeout). */
    conn->wait.armed = true;
    conn->wait.deadline = o->deadline;
    return hc_stream_block(&conn->wait, s, -1, HC_NO_DEADLINE, conn->nonblocking);
}

/* Sends CONNECT (resuming where it stopped). */
static int tunnel_send(httpc_conn *conn)
{
    hc_opening *o = &conn->opening;
    for (;;) {
        size_t left = conn->scratch.len - o->tunnel_sent;
        if (left == 0)
            return HTTPC_OK;
        struct iovec iov = {conn->scratch.data + o->tunnel_sent, left};
        int64_t n = o->stream->transport->ops->writev(o->stream->transport, &iov, 1);
        if (n == HTTPC_E_WOULD_BLOCK) {
            int rc = opening_block(conn, o->stream);
            if (rc)
                return rc;
            continue;
        }
        if (n < 0)
            return (int)n;
        o->tunnel_sent += (size_t)n;
    }
}

/* Reads the proxy's answer to CONNECT. */
static int tunnel_read_head(httpc_conn *conn)
{
    hc_opening *o = &conn->opening;
    hc_stream *s = o->stream;
    int rc;
    for (;;) {
        size_t consumed;
        rc = hc_head_feed(&o->tunnel, s->in + s->start, s->end - s->start, &consumed);
        s->start += consumed;
        if (rc != HC_NEED_MORE)
            break;
        int64_t n = hc_stream_fill(s, o->tunnel_limits.max_line + 1);
        if (n == HTTPC_E_WOULD_BLOCK) {
            rc = opening_block(conn, s);
            if (rc)
                return rc;
            continue;
        }
        if (n < 0)
            return (int)n;
        if (n == 0) {
            rc = hc_head_feed_eof(&o->tunnel, s->in + s->start, s->end - s->start);
            s->start = s->end;
            break;
        }
    }
    if (rc == HC_DONE) {
        conn->proxy_headers_valid = true;
        if (o->tunnel.status != HTTPC_STATUS_OK)
            return hc_fail(HTTPC_E_TUNNEL_FAILED, "Tunnel connection failed: %d %s",
                           o->tunnel.status, o->tunnel_reason.data ? o->tunnel_reason.data : "");
        /* TLS takes over the socket after the proxy's answer. */
        if (conn->https && s->start != s->end)
            return hc_fail(HTTPC_E_TUNNEL_FAILED, "proxy sent data after its answer to CONNECT");
        return HTTPC_OK;
    }
    if (rc == HTTPC_E_REMOTE_DISCONNECTED)
        return hc_fail(HTTPC_E_TUNNEL_FAILED,
                       "Tunnel connection failed: proxy closed the connection without response");
    return rc;
}

static int tls_handshake(httpc_conn *conn)
{
    hc_opening *o = &conn->opening;
    hc_transport *tcp = o->stream->transport;
    int fd = tcp->ops->fileno(tcp);
    int rc;
    if (!o->tls) {
        rc = hc_tls_transport_new(&o->tls, fd, conn->tls, conn_target_name(conn),
                                  &conn->tls_session);
        if (rc)
            return rc;
        o->tls->cancel = &conn->cancel;
        o->tls->announcer = conn->announcer;
    }
    for (;;) {
        rc = hc_tls_handshake(o->tls);
        if (rc != HTTPC_E_WOULD_BLOCK)
            break;
        conn->wait.armed = true;
        conn->wait.deadline = o->deadline;
        rc = hc_io_block(&conn->wait, fd, o->tls->want, -1, HC_NO_DEADLINE, &conn->cancel,
                         conn->nonblocking);
        if (rc)
            return rc;
    }
    if (rc)
        return rc;
    /* The TLS transport takes the socket over from the TCP one. */
    hc_tcp_transport_release(tcp);
    o->stream->transport = o->tls;
    o->tls = NULL;
    return HTTPC_OK;
}

void hc_conn_abandon_open(httpc_conn *conn)
{
    hc_opening *o = &conn->opening;
    if (o->phase == HC_OPEN_IDLE)
        return;
    hc_tcp_connect_abandon(&o->tcp);
    if (o->tls)
        hc_tls_transport_discard(o->tls); /* the stream's TCP transport closes the socket */
    o->tls = NULL;
    if (o->stream) {
        conn->spare_in = o->stream->in; /* keep the buffer for the next try */
        conn->spare_cap = o->stream->cap;
        o->stream->in = NULL;
        hc_stream_free(o->stream);
    }
    o->stream = NULL;
    hc_buf_free(&o->tunnel_reason);
    o->phase = HC_OPEN_IDLE;
}

static int open_step(httpc_conn *conn)
{
    hc_opening *o = &conn->opening;
    int rc = HTTPC_OK;
    switch (o->phase) {
    case HC_OPEN_IDLE: {
        double connect_timeout =
            conn->opts.connect_timeout >= 0 ? conn->opts.connect_timeout : conn->opts.timeout;
        o->deadline = hc_deadline_after(connect_timeout);
        hc_tcp_connecting *tcp = &o->tcp;
        memset(tcp, 0, sizeof *tcp);
        tcp->host = conn->host;
        tcp->port = conn->port;
        tcp->source_host = conn->source_host;
        tcp->source_port = conn->opts.source_port;
        tcp->deadline = o->deadline;
        tcp->cancel = &conn->cancel;
        tcp->announcer = &conn->announcer;
        tcp->nonblocking = conn->nonblocking;
        tcp->fd = -1;
        o->phase = HC_OPEN_TCP;
    }
        /* fall through */
    case HC_OPEN_TCP: {
        int fd = -1;
        for (;;) {
            rc = hc_tcp_connect(&o->tcp, &fd);
            if (rc != HTTPC_E_WOULD_BLOCK)
                break;
            conn->wait.armed = true;
            conn->wait.deadline = o->deadline;
            rc = hc_io_block(&conn->wait, o->tcp.wait_fd, o->tcp.wait_events, -1, HC_NO_DEADLINE,
                             &conn->cancel, conn->nonblocking);
            if (rc)
                return rc;
        }
        if (rc)
            return rc;
        hc_transport *tcp = NULL;
        rc = hc_tcp_transport_new(&tcp, fd);
        if (rc) {
            hc_close_fd(fd, &conn->announcer, &conn->cancel);
            return rc;
        }
        tcp->cancel = &conn->cancel;
        tcp->announcer = conn->announcer;
        rc = hc_stream_new(&o->stream, tcp, &conn->spare_in, &conn->spare_cap);
        if (rc) {
            tcp->ops->destroy(tcp);
            return rc;
        }
        if (conn->tunnel_host) {
            rc = build_connect_request(conn);
            if (rc)
                return rc;
            o->tunnel_sent = 0;
            o->tunnel_limits = (hc_limits){conn->opts.max_line_length, conn->opts.max_headers,
                                           conn->opts.max_interim_responses};
            hc_head_init(&o->tunnel, &o->tunnel_limits, &o->tunnel_reason, &conn->proxy_headers);
            o->phase = HC_OPEN_TUNNEL_SEND;
        } else {
            o->phase = HC_OPEN_TLS;
        }
        break;
    }
    default:
        break;
    }
    if (o->phase == HC_OPEN_TUNNEL_SEND) {
        rc = tunnel_send(conn);
        if (rc)
            return rc;
        o->phase = HC_OPEN_TUNNEL_HEAD;
    }
    if (o->phase == HC_OPEN_TUNNEL_HEAD) {
        rc = tunnel_read_head(conn);
        if (rc)
            return rc;
        o->phase = HC_OPEN_TLS;
    }
    if (o->phase == HC_OPEN_TLS && conn->https) {
        rc = tls_handshake(conn);
        if (rc)
            return rc;
    }
    conn->stream = o->stream;
    o->stream = NULL;
    hc_buf_free(&o->tunnel_reason);
    o->phase = HC_OPEN_IDLE;
    hc_io_progress(&conn->wait);
    return HTTPC_OK;
}

int hc_conn_open(httpc_conn *conn)
{
    if (conn->stream)
        return HTTPC_OK;
    int rc = open_step(conn);
    if (rc && rc != HTTPC_E_WOULD_BLOCK)
        hc_conn_abandon_open(conn);
    return rc;
}

int hc_conn_ensure_open(httpc_conn *conn)
{
    if (conn->stream && !conn->current && conn->stream->start == conn->stream->end &&
        hc_now_ms() - conn->idle_since >= IDLE_PROBE_MS &&
        !conn->stream->transport->ops->is_alive(conn->stream->transport)) {
        hc_conn_drop_stream(conn);
    }
    return hc_conn_open(conn);
}
