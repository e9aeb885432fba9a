#include "conn.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "debug.h"
#include "err.h"
#include "writer.h"

/* 64 KiB: a 16 KiB response and its head arrive in one receive. An idle
 * connection is probed for a close by the server only after IDLE_PROBE_MS,
 * sparing a system call per request in a busy keep-alive loop. */
enum { STREAM_INITIAL_CAP = 65536, DIRECT_READ_MIN = 4096, IDLE_PROBE_MS = 100 };

/* ------------------------------------------------------------------ */
/* Streams                                                             */
/* ------------------------------------------------------------------ */

/* A stream for a new socket; the input buffer of the previous one is reused
 * when the connection kept it. */
static int stream_new(httpc_conn *conn, hc_stream **out, hc_transport *transport)
{
    hc_stream *s = calloc(1, sizeof *s);
    if (!s)
        return hc_fail(HTTPC_E_NOMEM, NULL);
    if (conn->spare_in) {
        s->in = conn->spare_in;
        s->cap = conn->spare_cap;
        conn->spare_in = NULL;
    } else {
        s->in = malloc(STREAM_INITIAL_CAP);
        s->cap = STREAM_INITIAL_CAP;
    }
    if (!s->in) {
        free(s);
        return hc_fail(HTTPC_E_NOMEM, NULL);
    }
    s->transport = transport;
    *out = s;
    return HTTPC_OK;
}

static void stream_free(hc_stream *s)
{
    if (!s)
        return;
    s->transport->ops->destroy(s->transport);
    free(s->in);
    free(s);
}

/* Receives more bytes into the input buffer, growing it up to `limit` bytes
 * of unconsumed data. Returns the count, 0 at end of stream, or a code. */
static int64_t stream_fill(hc_stream *s, size_t limit, hc_deadline deadline)
{
    if (s->start == s->end)
        s->start = s->end = 0;
    if (s->end == s->cap && s->start > 0) {
        memmove(s->in, s->in + s->start, s->end - s->start);
        s->end -= s->start;
        s->start = 0;
    }
    if (s->end == s->cap) {
        size_t cap = s->cap * 2;
        if (cap > limit + 1)
            cap = limit + 1;
        if (cap <= s->cap)
            return hc_fail(HTTPC_E_LINE_TOO_LONG, "line too long");
        char *grown = realloc(s->in, cap);
        if (!grown)
            return hc_fail(HTTPC_E_NOMEM, NULL);
        s->in = grown;
        s->cap = cap;
    }
    int64_t n = s->transport->ops->read(s->transport, s->in + s->end, s->cap - s->end, deadline);
    if (n > 0)
        s->end += (size_t)n;
    return n;
}

static int stream_write(hc_stream *s, const struct iovec *iov, int iovcnt, double timeout)
{
    return s->transport->ops->writev(s->transport, iov, iovcnt, hc_deadline_after(timeout));
}

/* ------------------------------------------------------------------ */
/* Responses: linking and releasing                                   */
/* ------------------------------------------------------------------ */

static void live_unlink(httpc_response *r)
{
    if (!r->conn)
        return;
    if (r->live_prev)
        r->live_prev->live_next = r->live_next;
    else
        r->conn->live = r->live_next;
    if (r->live_next)
        r->live_next->live_prev = r->live_prev;
    r->live_next = r->live_prev = NULL;
}

static void conn_drop_stream(httpc_conn *conn)
{
    hc_stream *s = conn->stream;
    if (s && !conn->spare_in) {
        /* Keep the buffer for the next connection: reconnecting then
         * allocates only the small stream and transport records. */
        conn->spare_in = s->in;
        conn->spare_cap = s->cap;
        s->in = NULL;
    }
    stream_free(s);
    conn->stream = NULL;
}

/* Ends the response's use of its stream. keep_alive: the body was read to
 * its end and the connection may serve the next request. */
static void response_release(httpc_response *r, bool keep_alive)
{
    if (!r->stream)
        return;
    if (r->owns_stream) {
        stream_free(r->stream);
    } else if (r->conn && (!keep_alive || r->framing.will_close)) {
        conn_drop_stream(r->conn);
    } else if (r->conn) {
        r->conn->idle_since = hc_now_ms();
    }
    r->stream = NULL;
    r->owns_stream = false;
    if (r->conn && r->conn->current == r)
        r->conn->current = NULL;
}

static hc_deadline op_deadline(const httpc_response *r)
{
    return hc_deadline_min(hc_deadline_after(r->timeout), r->total_deadline);
}

/* http.client's debug lines while reading a head: "reply: '...'" for each
 * status line and "headers: [b'...', b'\r\n']" for the skipped headers of
 * a 100 Continue. The response's `joined` buffer is free at this point. */
static void debug_line_cb(void *userdata, int kind, const char *line, size_t len)
{
    httpc_response *r = userdata;
    if (r->debuglevel <= 0)
        return;
    if (kind == HC_LINE_STATUS) {
        hc_debug_repr(r->debug_fn, r->debug_userdata, &r->joined, "reply:", line, len, 0);
        r->joined.len = 0;
    } else if (kind == HC_LINE_INTERIM_HEADER) {
        hc_buf *list = &r->joined;
        if (hc_buf_append_str(list, list->len ? ", " : "headers: [") || hc_repr(list, line, len, 1))
            return;
        bool last = (len == 2 && line[0] == '\r') || (len == 1 && line[0] == '\n');
        if (last && !hc_buf_append(list, "]", 1) && !hc_buf_terminate(list)) {
            hc_debug_line(r->debug_fn, r->debug_userdata, list->data);
            list->len = 0;
        }
    }
}

/* ------------------------------------------------------------------ */
/* Body reading                                                        */
/* ------------------------------------------------------------------ */

static int fail_and_close(httpc_response *r, int rc)
{
    response_release(r, false);
    return rc;
}

/* Returns > 0 body bytes copied into buf, 0 at the end of the body, or a
 * negative code. Receives from the socket at most once per data piece. */
static int64_t read_some(httpc_response *r, char *buf, size_t cap)
{
    if (!r->stream || cap == 0)
        return 0;
    hc_stream *s = r->stream;
    if (!r->framing.chunked) {
        if (r->framing.length == 0) {
            response_release(r, true);
            return 0;
        }
        size_t want = cap;
        if (r->framing.length > 0 && (uint64_t)r->framing.length < want)
            want = (size_t)r->framing.length;
        int64_t n;
        if (s->end > s->start) {
            n = (int64_t)(s->end - s->start < want ? s->end - s->start : want);
            memcpy(buf, s->in + s->start, (size_t)n);
            s->start += (size_t)n;
        } else {
            /* Nothing buffered: receive straight into the caller's memory. */
            n = s->transport->ops->read(s->transport, buf, want, op_deadline(r));
            if (n < 0)
                return fail_and_close(r, (int)n);
            if (n == 0) {
                r->truncated = r->framing.length > 0;
                response_release(r, false);
                return 0;
            }
        }
        if (r->framing.length > 0) {
            r->framing.length -= n;
            if (r->framing.length == 0)
                response_release(r, true);
        }
        return n;
    }
    for (;;) {
        size_t consumed;
        int rc = hc_chunked_feed(&r->chunked, s->in + s->start, s->end - s->start, &consumed);
        s->start += consumed;
        if (rc == HC_DONE) {
            response_release(r, true);
            return 0;
        }
        if (rc < 0)
            return fail_and_close(r, rc);
        if (rc == HC_CHUNK_DATA) {
            size_t want = r->chunked.left < cap ? (size_t)r->chunked.left : cap;
            int64_t n;
            if (s->end > s->start) {
                n = (int64_t)(s->end - s->start < want ? s->end - s->start : want);
                memcpy(buf, s->in + s->start, (size_t)n);
                s->start += (size_t)n;
                hc_chunked_took(&r->chunked, (uint64_t)n);
                return n;
            }
            if (want >= DIRECT_READ_MIN) {
                n = s->transport->ops->read(s->transport, buf, want, op_deadline(r));
                if (n < 0)
                    return fail_and_close(r, (int)n);
                if (n == 0)
                    return fail_and_close(r, HTTPC_E_INCOMPLETE_READ);
                hc_chunked_took(&r->chunked, (uint64_t)n);
                return n;
            }
        }
        int64_t got = stream_fill(s, r->limits.max_line + 2, op_deadline(r));
        if (got < 0)
            return fail_and_close(r, (int)got);
        if (got == 0) {
            if (hc_chunked_eof(&r->chunked) == HC_DONE) {
                response_release(r, false);
                return 0;
            }
            return fail_and_close(r, HTTPC_E_INCOMPLETE_READ);
        }
    }
}

/* Fills buf unless the body ends first. */
static int read_fill(httpc_response *r, char *buf, size_t cap, size_t *out_n)
{
    size_t total = 0;
    while (total < cap) {
        int64_t n = read_some(r, buf + total, cap - total);
        if (n < 0) {
            *out_n = total;
            if (n == HTTPC_E_INCOMPLETE_READ)
                return hc_fail_incomplete((int64_t)total, -1);
            return (int)n;
        }
        if (n == 0)
            break;
        total += (size_t)n;
    }
    *out_n = total;
    return HTTPC_OK;
}

/* ------------------------------------------------------------------ */
/* Connection setup                                                    */
/* ------------------------------------------------------------------ */

static const char *conn_target_name(const httpc_conn *conn)
{
    return conn->tunnel_host ? conn->tunnel_host : conn->host;
}

/* Sends CONNECT over the stream and reads the proxy's answer. */
static int do_tunnel(httpc_conn *conn, hc_stream *s, hc_deadline deadline)
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
        rc = hc_buf_terminate(&authority);
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
    struct iovec iov = {out->data, out->len};
    rc = s->transport->ops->writev(s->transport, &iov, 1, deadline);
    if (rc)
        return rc;

    hc_limits limits = {conn->opts.max_line_length, conn->opts.max_headers,
                        conn->opts.max_interim_responses};
    hc_buf reason = {0};
    hc_head_parser p = {0};
    hc_head_init(&p, &limits, &reason, &conn->proxy_headers);
    for (;;) {
        size_t consumed;
        rc = hc_head_feed(&p, s->in + s->start, s->end - s->start, &consumed);
        s->start += consumed;
        if (rc != HC_NEED_MORE)
            break;
        int64_t n = stream_fill(s, limits.max_line + 1, deadline);
        if (n < 0) {
            rc = (int)n;
            break;
        }
        if (n == 0) {
            rc = hc_head_feed_eof(&p, s->in + s->start, s->end - s->start);
            s->start = s->end;
            break;
        }
    }
    if (rc == HC_DONE) {
        conn->proxy_headers_valid = true;
        rc = HTTPC_OK;
        if (p.status != HTTPC_STATUS_OK)
            rc = hc_fail(HTTPC_E_TUNNEL_FAILED, "Tunnel connection failed: %d %s", p.status,
                         reason.data ? reason.data : "");
    } else if (rc == HTTPC_E_REMOTE_DISCONNECTED) {
        rc = hc_fail(HTTPC_E_TUNNEL_FAILED,
                     "Tunnel connection failed: proxy closed the connection without response");
    }
    hc_buf_free(&reason);
    return rc;
}

/* Opens the socket (and tunnel, and TLS) when not connected. */
static int conn_open(httpc_conn *conn)
{
    if (conn->stream)
        return HTTPC_OK;
    double connect_timeout =
        conn->opts.connect_timeout >= 0 ? conn->opts.connect_timeout : conn->opts.timeout;
    hc_deadline deadline = hc_deadline_after(connect_timeout);
    int fd = -1;
    int rc = hc_tcp_connect(&fd, conn->host, conn->port, conn->source_host, conn->opts.source_port,
                            deadline, &conn->cancel);
    if (rc)
        return rc;
    hc_transport *tcp = NULL;
    rc = hc_tcp_transport_new(&tcp, fd);
    if (rc) {
        hc_cancel_before_close(&conn->cancel);
        close(fd);
        return rc;
    }
    tcp->cancel = &conn->cancel;
    hc_stream *s = NULL;
    rc = stream_new(conn, &s, tcp);
    if (rc) {
        tcp->ops->destroy(tcp);
        return rc;
    }
    if (conn->tunnel_host)
        rc = do_tunnel(conn, s, deadline);
    if (!rc && conn->https) {
        /* TLS takes over the socket (after the proxy's answer, if any). */
        if (s->start != s->end)
            rc = hc_fail(HTTPC_E_TUNNEL_FAILED, "proxy sent data after its answer to CONNECT");
        hc_transport *tls = NULL;
        if (!rc)
            rc = hc_tls_transport_new(&tls, fd, conn->tls, conn_target_name(conn),
                                      &conn->tls_session, deadline, &conn->cancel);
        if (!rc) {
            hc_tcp_transport_release(s->transport);
            s->transport = tls;
        }
    }
    if (rc) {
        stream_free(s);
        return rc;
    }
    conn->stream = s;
    return HTTPC_OK;
}

/* Connects on demand; an idle kept-alive socket the server has closed is
 * replaced before it can swallow a request. */
static int conn_ensure_open(httpc_conn *conn)
{
    if (conn->stream && !conn->current && conn->stream->start == conn->stream->end &&
        hc_now_ms() - conn->idle_since >= IDLE_PROBE_MS &&
        !conn->stream->transport->ops->is_alive(conn->stream->transport)) {
        conn_drop_stream(conn);
    }
    return conn_open(conn);
}

static void conn_reset_after_failure(httpc_conn *conn)
{
    conn->send_failed = false;
    if (conn->current)
        response_release(conn->current, false);
    conn_drop_stream(conn);
    conn->state = HC_STATE_IDLE;
}

/* Writes request bytes, connecting first when there is no socket (auto_open).
 * The liveness probe happens once per request, before its head (see
 * send_output): in the middle of a request, bytes waiting on the socket are
 * the server's early answer, not a sign of a dead connection. */
static int conn_write(httpc_conn *conn, const struct iovec *iov, int iovcnt)
{
    int rc = conn_open(conn);
    if (!rc)
        rc = stream_write(conn->stream, iov, iovcnt, conn->opts.timeout);
    if ((rc == HTTPC_E_BROKEN_PIPE || rc == HTTPC_E_CONNECTION_RESET) && conn->stream &&
        conn->state == HC_STATE_REQ_SENT) {
        /* The server stopped reading, perhaps after answering early (413,
         * 401, ...): as in http.client, getresponse can still read that
         * answer. A new request starts on a new connection. */
        conn->send_failed = true;
        return rc;
    }
    if (rc)
        conn_reset_after_failure(conn);
    return rc;
}

static void debug_send(httpc_conn *conn, const void *data, size_t len)
{
    if (conn->opts.debuglevel > 0)
        hc_debug_repr(conn->opts.debug_fn, conn->opts.debug_userdata, &conn->scratch, "send:", data,
                      len, 1);
}

/* Sends one piece of body, chunk-framed when asked. */
static int send_piece(httpc_conn *conn, const void *data, size_t len, bool encode_chunked)
{
    if (len == 0) {
        if (conn->opts.debuglevel > 0)
            hc_debug_line(conn->opts.debug_fn, conn->opts.debug_userdata,
                          "Zero length chunk ignored");
        return HTTPC_OK;
    }
    char prefix[24];
    struct iovec iov[3];
    int n = 0;
    if (encode_chunked) {
        iov[n++] = (struct iovec){prefix, hc_chunk_prefix(prefix, len)};
    }
    iov[n++] = (struct iovec){(void *)data, len};
    if (encode_chunked)
        iov[n++] = (struct iovec){"\r\n", 2};
    if (conn->opts.debuglevel > 0) {
        hc_buf framed = {0};
        for (int i = 0; i < n; i++)
            hc_buf_append(&framed, iov[i].iov_base, iov[i].iov_len);
        debug_send(conn, framed.data, framed.len);
        hc_buf_free(&framed);
    }
    return conn_write(conn, iov, n);
}

static int send_stream_body(httpc_conn *conn, const httpc_body *body, bool encode_chunked)
{
    size_t block = conn->opts.blocksize ? conn->opts.blocksize : 8192;
    if (hc_buf_reserve(&conn->body_block, block))
        return hc_fail(HTTPC_E_NOMEM, NULL);
    for (;;) {
        int64_t n;
        if (body->kind == HTTPC_BODY_FD) {
            n = read(body->fd, conn->body_block.data, block);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0) {
                int saved = errno;
                conn_reset_after_failure(conn);
                return hc_fail_os(HTTPC_E_OS, saved, "reading the body: %s", strerror(saved));
            }
        } else {
            n = body->read_fn(body->userdata, conn->body_block.data, block);
            if (n < 0) {
                conn_reset_after_failure(conn);
                return n < -99 && n > -500 ? hc_fail((int)n, "body reader failed")
                                           : hc_fail(HTTPC_E_OS, "body reader failed");
            }
        }
        if (n == 0)
            return HTTPC_OK;
        int rc = send_piece(conn, conn->body_block.data, (size_t)n, encode_chunked);
        if (rc)
            return rc;
    }
}

static int send_body(httpc_conn *conn, const httpc_body *body, bool encode_chunked)
{
    int rc = HTTPC_OK;
    switch (body->kind) {
    case HTTPC_BODY_NONE:
        return HTTPC_OK;
    case HTTPC_BODY_BYTES:
        rc = send_piece(conn, body->data, body->len, encode_chunked);
        break;
    case HTTPC_BODY_FD:
    case HTTPC_BODY_READER:
        rc = send_stream_body(conn, body, encode_chunked);
        break;
    case HTTPC_BODY_CHUNKS:
        for (;;) {
            const void *data = NULL;
            size_t len = 0;
            int more = body->chunk_fn(body->userdata, &data, &len);
            if (more < 0) {
                conn_reset_after_failure(conn);
                return more < -99 && more > -500 ? hc_fail(more, "body iterator failed")
                                                 : hc_fail(HTTPC_E_OS, "body iterator failed");
            }
            if (more == 0)
                break;
            rc = send_piece(conn, data, len, encode_chunked);
            if (rc)
                return rc;
        }
        break;
    }
    if (!rc && encode_chunked) {
        debug_send(conn, "0\r\n\r\n", 5);
        struct iovec end = {"0\r\n\r\n", 5};
        rc = conn_write(conn, &end, 1);
    }
    return rc;
}

/* Sends the buffered head, with a small bytes body in the same write. */
static int send_output(httpc_conn *conn, const httpc_body *body, bool encode_chunked)
{
    int rc = conn_ensure_open(conn);
    if (rc) {
        conn_reset_after_failure(conn);
        conn->out.len = 0;
        return rc;
    }
    debug_send(conn, conn->out.data, conn->out.len);
    bool inline_body = body && body->kind == HTTPC_BODY_BYTES && !encode_chunked && body->len > 0;
    struct iovec iov[2] = {{conn->out.data, conn->out.len}, {NULL, 0}};
    if (inline_body) {
        iov[1] = (struct iovec){(void *)body->data, body->len};
        debug_send(conn, body->data, body->len);
    }
    rc = conn_write(conn, iov, inline_body ? 2 : 1);
    conn->out.len = 0;
    if (rc || !body || inline_body)
        return rc;
    return send_body(conn, body, encode_chunked);
}

/* ------------------------------------------------------------------ */
/* Public API: connections                                             */
/* ------------------------------------------------------------------ */

int httpc_conn_options_init(httpc_conn_options *opts, unsigned int version)
{
    if (!opts || version != HTTPC_CONN_OPTIONS_VERSION)
        return hc_fail(HTTPC_E_INVALID_ARGUMENT, "unknown options version %u", version);
    httpc_conn_options defaults = HTTPC_CONN_OPTIONS_INIT;
    *opts = defaults;
    return HTTPC_OK;
}

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

static int conn_create(httpc_conn **out, const char *host, int port, const httpc_conn_options *opts,
                       bool https, httpc_tls_context *tls)
{
    hc_err_clear();
    if (!out || !host)
        return hc_fail(HTTPC_E_INVALID_ARGUMENT, "out and host must not be NULL");
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
        httpc_conn_free(conn);
        return rc;
    }
    *out = conn;
    return HTTPC_OK;
}

int httpc_conn_new(httpc_conn **out, const char *host, int port, const httpc_conn_options *opts)
{
    return conn_create(out, host, port, opts, false, NULL);
}

int httpc_conn_new_https(httpc_conn **out, const char *host, int port,
                         const httpc_conn_options *opts, httpc_tls_context *tls)
{
    return conn_create(out, host, port, opts, true, tls);
}

static void response_destroy(httpc_response *r)
{
    hc_buf_free(&r->reason);
    hc_headers_free(&r->headers);
    hc_headers_free(&r->trailers);
    hc_buf_free(&r->joined);
    free(r);
}

/* The response being read, if any, takes the socket (and closes it when
 * its body ends); the connection has none left. */
static void current_takes_stream(httpc_conn *conn)
{
    if (conn->current && conn->current->stream == conn->stream && conn->stream) {
        conn->current->owns_stream = true;
        conn->stream = NULL;
    }
}

void httpc_conn_free(httpc_conn *conn)
{
    if (!conn)
        return;
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
    conn_drop_stream(conn);
    if (conn->spare)
        response_destroy(conn->spare);
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
    hc_err_clear();
    if (!conn)
        return hc_fail(HTTPC_E_INVALID_ARGUMENT, "conn is NULL");
    return conn_open(conn);
}

void httpc_conn_close(httpc_conn *conn)
{
    if (!conn)
        return;
    conn->state = HC_STATE_IDLE;
    conn->send_failed = false;
    if (conn->current)
        response_release(conn->current, false);
    conn->current = NULL;
    conn_drop_stream(conn);
    hc_cancel_discard(&conn->cancel);
}

int httpc_conn_interrupt(httpc_conn *conn)
{
    hc_err_clear();
    if (!conn)
        return hc_fail(HTTPC_E_INVALID_ARGUMENT, "conn is NULL");
    hc_cancel_request(&conn->cancel);
    return HTTPC_OK;
}

void httpc_conn_drop_socket(httpc_conn *conn)
{
    if (!conn)
        return;
    current_takes_stream(conn);
    conn_drop_stream(conn);
}

int httpc_conn_set_tunnel(httpc_conn *conn, const char *host, int port, const httpc_header *headers,
                          size_t n_headers)
{
    hc_err_clear();
    if (!conn || !host || (n_headers && !headers))
        return hc_fail(HTTPC_E_INVALID_ARGUMENT, "conn, host and headers must not be NULL");
    if (conn->stream)
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

const httpc_headers *httpc_conn_proxy_response_headers(const httpc_conn *conn)
{
    return conn && conn->proxy_headers_valid ? &conn->proxy_headers : NULL;
}

/* "Host: ...\r\n". An absolute URL names its own host; otherwise the line
 * depends only on the connection and is built once. */
static int append_host_line(httpc_conn *conn, const char *url)
{
    bool absolute = strncmp(url, "http", 4) == 0;
    hc_buf *line = absolute ? &conn->scratch : &conn->host_line;
    if (absolute || line->len == 0) {
        const char *host = conn->tunnel_host ? conn->tunnel_host : conn->host;
        int port = conn->tunnel_host ? conn->tunnel_port : conn->port;
        line->len = 0;
        int rc = hc_buf_append_str(line, "Host: ") ? hc_fail(HTTPC_E_NOMEM, NULL) : HTTPC_OK;
        if (!rc)
            rc = hc_write_host_value(line, url, host, port, conn->default_port);
        if (!rc && hc_buf_append(line, "\r\n", 2))
            rc = hc_fail(HTTPC_E_NOMEM, NULL);
        if (rc) {
            line->len = 0;
            return rc;
        }
    }
    if (hc_buf_append(&conn->out, line->data, line->len))
        return hc_fail(HTTPC_E_NOMEM, NULL);
    return HTTPC_OK;
}

int httpc_conn_putrequest(httpc_conn *conn, const char *method, const char *url, int flags)
{
    hc_err_clear();
    if (!conn || !method || !url)
        return hc_fail(HTTPC_E_INVALID_ARGUMENT, "conn, method and url must not be NULL");
    if (conn->current && !conn->current->stream)
        conn->current = NULL;
    if (conn->send_failed)
        httpc_conn_close(conn);
    if (conn->state != HC_STATE_IDLE)
        return hc_fail(HTTPC_E_CANNOT_SEND_REQUEST, "CannotSendRequest: %s",
                       conn->state == HC_STATE_REQ_STARTED ? "Request-started" : "Request-sent");
    int rc = hc_validate_method(method);
    if (!rc)
        rc = hc_validate_url(url);
    if (rc)
        return rc;
    conn->method.len = 0;
    conn->out.len = 0;
    if (hc_buf_append_str(&conn->method, method) || hc_buf_terminate(&conn->method))
        return hc_fail(HTTPC_E_NOMEM, NULL);
    rc = hc_write_request_line(&conn->out, method, url);
    if (!rc && !(flags & HTTPC_SKIP_HOST))
        rc = append_host_line(conn, url);
    if (!rc && !(flags & HTTPC_SKIP_ACCEPT_ENCODING) &&
        hc_buf_append_str(&conn->out, "Accept-Encoding: identity\r\n"))
        rc = hc_fail(HTTPC_E_NOMEM, NULL);
    if (rc) {
        conn->out.len = 0;
        return rc;
    }
    conn->state = HC_STATE_REQ_STARTED;
    return HTTPC_OK;
}

int httpc_conn_putheader_values(httpc_conn *conn, const char *name, const char *const *values,
                                size_t n_values)
{
    hc_err_clear();
    if (!conn || !name || (n_values && !values))
        return hc_fail(HTTPC_E_INVALID_ARGUMENT, "conn, name and values must not be NULL");
    if (conn->state != HC_STATE_REQ_STARTED)
        return hc_fail(HTTPC_E_CANNOT_SEND_HEADER, "CannotSendHeader");
    size_t mark = conn->out.len;
    int rc = hc_write_header(&conn->out, name, values, n_values);
    if (rc)
        conn->out.len = mark;
    return rc;
}

int httpc_conn_putheader(httpc_conn *conn, const char *name, const char *value)
{
    return httpc_conn_putheader_values(conn, name, &value, 1);
}

int httpc_conn_endheaders(httpc_conn *conn, const httpc_body *message_body, int flags)
{
    hc_err_clear();
    if (!conn)
        return hc_fail(HTTPC_E_INVALID_ARGUMENT, "conn is NULL");
    if (conn->state != HC_STATE_REQ_STARTED)
        return hc_fail(HTTPC_E_CANNOT_SEND_HEADER, "CannotSendHeader");
    if (message_body && message_body->kind == HTTPC_BODY_BYTES && message_body->len &&
        !message_body->data)
        return hc_fail(HTTPC_E_INVALID_ARGUMENT, "body data is NULL");
    conn->state = HC_STATE_REQ_SENT;
    if (hc_buf_append(&conn->out, "\r\n", 2))
        return hc_fail(HTTPC_E_NOMEM, NULL);
    return send_output(conn, message_body, flags & HTTPC_ENCODE_CHUNKED);
}

int httpc_conn_send(httpc_conn *conn, const void *data, size_t len)
{
    hc_err_clear();
    if (!conn || (len && !data))
        return hc_fail(HTTPC_E_INVALID_ARGUMENT, "conn and data must not be NULL");
    debug_send(conn, data, len);
    struct iovec iov = {(void *)data, len};
    return conn_write(conn, &iov, 1);
}

static bool headers_name(const httpc_header *headers, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (headers[i].name && hc_name_equals(headers[i].name, name))
            return true;
    return false;
}

static bool method_expects_body(const char *method)
{
    return strcasecmp(method, "POST") == 0 || strcasecmp(method, "PUT") == 0 ||
           strcasecmp(method, "PATCH") == 0;
}

int httpc_conn_request(httpc_conn *conn, const char *method, const char *url,
                       const httpc_body *body, const httpc_header *headers, size_t n_headers,
                       int flags)
{
    hc_err_clear();
    if (!conn || !method || !url || (n_headers && !headers))
        return hc_fail(HTTPC_E_INVALID_ARGUMENT, "conn, method, url and headers must not be NULL");
    if (body && body->kind == HTTPC_BODY_NONE)
        body = NULL;
    int skips = 0;
    if (headers_name(headers, n_headers, "host"))
        skips |= HTTPC_SKIP_HOST;
    if (headers_name(headers, n_headers, "accept-encoding"))
        skips |= HTTPC_SKIP_ACCEPT_ENCODING;
    int rc = httpc_conn_putrequest(conn, method, url, skips);
    if (rc)
        return rc;
    bool encode_chunked = flags & HTTPC_ENCODE_CHUNKED;
    if (!headers_name(headers, n_headers, "content-length")) {
        if (!headers_name(headers, n_headers, "transfer-encoding")) {
            encode_chunked = false;
            char length_text[24];
            const char *length = NULL;
            if (!body && method_expects_body(method)) {
                length = "0";
            } else if (body && body->kind == HTTPC_BODY_BYTES) {
                snprintf(length_text, sizeof length_text, "%zu", body->len);
                length = length_text;
            } else if (body) {
                encode_chunked = true;
                rc = httpc_conn_putheader(conn, "Transfer-Encoding", "chunked");
            }
            if (length)
                rc = httpc_conn_putheader(conn, "Content-Length", length);
        }
    } else {
        encode_chunked = false;
    }
    for (size_t i = 0; !rc && i < n_headers; i++)
        rc = httpc_conn_putheader(conn, headers[i].name, headers[i].value);
    if (rc) {
        /* Nothing was sent: the connection stays usable. */
        conn->state = HC_STATE_IDLE;
        conn->out.len = 0;
        return rc;
    }
    return httpc_conn_endheaders(conn, body, encode_chunked ? HTTPC_ENCODE_CHUNKED : 0);
}

/* ------------------------------------------------------------------ */
/* getresponse                                                         */
/* ------------------------------------------------------------------ */

static int read_head(httpc_response *r)
{
    hc_stream *s = r->stream;
    hc_head_parser p = {.on_line = debug_line_cb, .line_userdata = r};
    hc_head_init(&p, &r->limits, &r->reason, &r->headers);
    int rc;
    for (;;) {
        size_t consumed;
        rc = hc_head_feed(&p, s->in + s->start, s->end - s->start, &consumed);
        s->start += consumed;
        if (rc != HC_NEED_MORE)
            break;
        int64_t n = stream_fill(s, r->limits.max_line + 1, op_deadline(r));
        if (n < 0)
            return (int)n;
        if (n == 0) {
            rc = hc_head_feed_eof(&p, s->in + s->start, s->end - s->start);
            s->start = s->end;
            break;
        }
    }
    if (rc < 0)
        return rc;
    r->status = p.status;
    r->version = p.version;
    if (r->debuglevel > 0) {
        hc_buf line = {0};
        for (size_t i = 0; i < r->headers.count; i++) {
            line.len = 0;
            hc_buf_append_str(&line, "header: ");
            hc_append_latin1_as_utf8(&line, httpc_headers_name(&r->headers, i));
            hc_buf_append_str(&line, ": ");
            hc_append_latin1_as_utf8(&line, httpc_headers_value(&r->headers, i));
            if (!hc_buf_terminate(&line))
                hc_debug_line(r->debug_fn, r->debug_userdata, line.data);
        }
        hc_buf_free(&line);
    }
    return hc_body_framing(&r->headers, r->status, r->version, r->is_head, &r->framing);
}

int httpc_conn_getresponse(httpc_conn *conn, httpc_response **out)
{
    hc_err_clear();
    if (!conn || !out)
        return hc_fail(HTTPC_E_INVALID_ARGUMENT, "conn and out must not be NULL");
    *out = NULL;
    if (conn->current && !conn->current->stream)
        conn->current = NULL;
    if (conn->state != HC_STATE_REQ_SENT || conn->current)
        return hc_fail(HTTPC_E_RESPONSE_NOT_READY, "ResponseNotReady: %s",
                       conn->state == HC_STATE_IDLE          ? "Idle"
                       : conn->state == HC_STATE_REQ_STARTED ? "Request-started"
                                                             : "Request-sent");
    if (!conn->stream)
        return hc_fail(HTTPC_E_NOT_CONNECTED, NULL);
    conn->send_failed = false;
    httpc_response *r = conn->spare;
    conn->spare = NULL;
    if (!r) {
        r = calloc(1, sizeof *r);
        if (!r)
            return hc_fail(HTTPC_E_NOMEM, NULL);
    }
    r->conn = conn;
    r->live_prev = NULL;
    r->live_next = conn->live;
    if (conn->live)
        conn->live->live_prev = r;
    conn->live = r;
    r->stream = conn->stream;
    r->owns_stream = false;
    r->truncated = false;
    r->is_head = strcasecmp(conn->method.data, "HEAD") == 0;
    r->limits = (hc_limits){conn->opts.max_line_length, conn->opts.max_headers,
                            conn->opts.max_interim_responses};
    r->timeout = conn->opts.timeout;
    r->total_deadline = hc_deadline_after(conn->opts.total_timeout);
    r->debuglevel = conn->opts.debuglevel;
    r->debug_fn = conn->opts.debug_fn;
    r->debug_userdata = conn->opts.debug_userdata;
    hc_headers_reset(&r->trailers);
    r->chunked.on_line = NULL;
    conn->current = r;
    int rc = read_head(r);
    if (rc) {
        conn_reset_after_failure(conn);
        httpc_response_free(r);
        return rc;
    }
    conn->state = HC_STATE_IDLE;
    if (r->framing.chunked)
        hc_chunked_init(&r->chunked, &r->limits, &r->trailers);
    if (r->framing.will_close) {
        /* The response takes the socket; the connection reconnects next time. */
        r->owns_stream = true;
        conn->stream = NULL;
        conn->current = NULL;
    }
    *out = r;
    return HTTPC_OK;
}

/* ------------------------------------------------------------------ */
/* Public API: responses                                               */
/* ------------------------------------------------------------------ */

void httpc_response_free(httpc_response *r)
{
    if (!r)
        return;
    response_release(r, false);
    httpc_conn *conn = r->conn;
    live_unlink(r);
    r->conn = NULL;
    if (conn && !conn->spare) {
        conn->spare = r; /* reused by the next getresponse: no allocation */
        return;
    }
    response_destroy(r);
}

int httpc_response_status(const httpc_response *r)
{
    return r ? r->status : 0;
}

const char *httpc_response_reason(const httpc_response *r)
{
    return r && r->reason.data ? r->reason.data : "";
}

int httpc_response_version(const httpc_response *r)
{
    return r ? r->version : 0;
}

int httpc_response_will_close(const httpc_response *r)
{
    return r ? r->framing.will_close : 0;
}

int httpc_response_chunked(const httpc_response *r)
{
    return r ? r->framing.chunked : 0;
}

int64_t httpc_response_length(const httpc_response *r)
{
    return r && !r->framing.chunked ? r->framing.length : -1;
}

/* The common start of the read calls: argument checks, and a HEAD
 * response, which has no body, ends at once. Returns HC_DONE when the read
 * is over, HC_NEED_MORE to go on, or a code. */
static int read_prologue(httpc_response *r, const void *buf, size_t cap, size_t *out_n)
{
    hc_err_clear();
    if (out_n)
        *out_n = 0;
    if (!r || !out_n || (cap && !buf))
        return hc_fail(HTTPC_E_INVALID_ARGUMENT, "response, buf and out_n must not be NULL");
    if (r->is_head) {
        response_release(r, true);
        return HC_DONE;
    }
    return HC_NEED_MORE;
}

int httpc_response_read(httpc_response *r, void *buf, size_t cap, size_t *out_n)
{
    int rc = read_prologue(r, buf, cap, out_n);
    if (rc != HC_NEED_MORE)
        return rc == HC_DONE ? HTTPC_OK : rc;
    return read_fill(r, buf, cap, out_n);
}

int httpc_response_read1(httpc_response *r, void *buf, size_t cap, size_t *out_n)
{
    int rc = read_prologue(r, buf, cap, out_n);
    if (rc != HC_NEED_MORE)
        return rc == HC_DONE ? HTTPC_OK : rc;
    int64_t n = read_some(r, buf, cap);
    if (n < 0)
        return n == HTTPC_E_INCOMPLETE_READ ? hc_fail_incomplete(0, -1) : (int)n;
    *out_n = (size_t)n;
    return HTTPC_OK;
}

int httpc_response_read_all(httpc_response *r, char **out_data, size_t *out_len)
{
    hc_err_clear();
    if (out_data)
        *out_data = NULL;
    if (out_len)
        *out_len = 0;
    if (!r || !out_data || !out_len)
        return hc_fail(HTTPC_E_INVALID_ARGUMENT, "arguments must not be NULL");
    if (r->is_head) {
        response_release(r, true);
        return HTTPC_OK;
    }
    int64_t expected = r->framing.chunked ? -1 : r->framing.length;
    hc_buf all = {0};
    size_t whole_chunks_len = 0;
    int rc = HTTPC_OK;
    for (;;) {
        /* Grow by what arrives, never by what Content-Length promises. */
        size_t room = all.cap - all.len;
        if (room < 16384) {
            if (hc_buf_reserve(&all, all.cap < 65536 ? 16384 : all.cap)) {
                rc = hc_fail(HTTPC_E_NOMEM, NULL);
                break;
            }
            room = all.cap - all.len - 1;
        } else {
            room -= 1;
        }
        int64_t n = read_some(r, all.data + all.len, room);
        if (n < 0) {
            /* As http.client, the partial body holds whole chunks only. */
            if (n == HTTPC_E_INCOMPLETE_READ)
                all.len = whole_chunks_len;
            rc = n == HTTPC_E_INCOMPLETE_READ ? hc_fail_incomplete((int64_t)all.len, -1) : (int)n;
            break;
        }
        if (n == 0)
            break;
        all.len += (size_t)n;
        if (r->framing.chunked && r->chunked.left == 0)
            whole_chunks_len = all.len;
    }
    if (!rc && r->truncated)
        rc = hc_fail_incomplete((int64_t)all.len, expected - (int64_t)all.len);
    if (all.data)
        all.data[all.len] = '\0';
    *out_data = all.data;
    *out_len = all.len;
    return rc;
}

int httpc_response_readline(httpc_response *r, void *buf, size_t cap, size_t *out_n)
{
    int prologue = read_prologue(r, buf, cap, out_n);
    if (prologue != HC_NEED_MORE)
        return prologue == HC_DONE ? HTTPC_OK : prologue;
    char *dst = buf;
    size_t total = 0;
    while (total < cap) {
        const void *peeked = NULL;
        size_t avail = 0;
        int rc = httpc_response_peek(r, &peeked, &avail);
        if (rc) {
            *out_n = total;
            return rc;
        }
        if (avail == 0)
            break;
        size_t take = avail < cap - total ? avail : cap - total;
        const char *nl = memchr(peeked, '\n', take);
        if (nl)
            take = (size_t)(nl - (const char *)peeked) + 1;
        size_t got;
        rc = read_fill(r, dst + total, take, &got);
        total += got;
        if (rc) {
            *out_n = total;
            return rc;
        }
        if (nl)
            break;
    }
    *out_n = total;
    return HTTPC_OK;
}

int httpc_response_peek(httpc_response *r, const void **out_data, size_t *out_n)
{
    hc_err_clear();
    if (!r || !out_data || !out_n)
        return hc_fail(HTTPC_E_INVALID_ARGUMENT, "arguments must not be NULL");
    *out_data = "";
    *out_n = 0;
    if (r->is_head || !r->stream)
        return HTTPC_OK;
    for (;;) {
        hc_stream *s = r->stream;
        if (!s)
            return HTTPC_OK;
        size_t avail = s->end - s->start;
        if (r->framing.chunked) {
            size_t consumed;
            int rc = hc_chunked_feed(&r->chunked, s->in + s->start, avail, &consumed);
            s->start += consumed;
            avail -= consumed;
            if (rc == HC_DONE) {
                response_release(r, true);
                return HTTPC_OK;
            }
            if (rc < 0)
                return fail_and_close(r, rc);
            if (rc == HC_CHUNK_DATA && avail > 0) {
                *out_data = s->in + s->start;
                *out_n = avail < r->chunked.left ? avail : (size_t)r->chunked.left;
                return HTTPC_OK;
            }
        } else {
            if (r->framing.length == 0) {
                response_release(r, true);
                return HTTPC_OK;
            }
            if (avail > 0) {
                *out_data = s->in + s->start;
                *out_n = (r->framing.length >= 0 && (uint64_t)r->framing.length < avail)
                             ? (size_t)r->framing.length
                             : avail;
                return HTTPC_OK;
            }
        }
        int64_t n = stream_fill(s, r->limits.max_line + 2, op_deadline(r));
        if (n < 0)
            return fail_and_close(r, (int)n);
        if (n == 0) {
            if (r->framing.chunked && hc_chunked_eof(&r->chunked) != HC_DONE)
                return fail_and_close(r, hc_fail_incomplete(0, -1));
            r->truncated = !r->framing.chunked && r->framing.length > 0;
            response_release(r, false);
            return HTTPC_OK;
        }
    }
}

int httpc_response_drain(httpc_response *r)
{
    hc_err_clear();
    if (!r)
        return hc_fail(HTTPC_E_INVALID_ARGUMENT, "response is NULL");
    char sink[8192];
    size_t n;
    do {
        int rc = httpc_response_read(r, sink, sizeof sink, &n);
        if (rc)
            return rc;
    } while (n > 0);
    return r->truncated ? hc_fail_incomplete(0, -1) : HTTPC_OK;
}

const char *httpc_response_getheader(httpc_response *r, const char *name, const char *default_value)
{
    if (!r || !name)
        return default_value;
    size_t count = 0;
    if (hc_headers_join(&r->headers, name, &r->joined, &count) || count == 0)
        return default_value;
    return r->joined.data;
}

const httpc_headers *httpc_response_headers(const httpc_response *r)
{
    return r ? &r->headers : NULL;
}

const httpc_headers *httpc_response_trailers(const httpc_response *r)
{
    return r ? &r->trailers : NULL;
}

int httpc_response_fileno(const httpc_response *r)
{
    if (!r || !r->stream)
        return -1;
    return r->stream->transport->ops->fileno(r->stream->transport);
}

int httpc_response_isclosed(const httpc_response *r)
{
    return !r || !r->stream;
}

void httpc_response_close(httpc_response *r)
{
    if (r)
        response_release(r, false);
}
