/* The request side: building the head (putrequest, putheader) and sending
 * it and the body, in steps that resume where a would-block left them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "conn.h"
#include "debug.h"
#include "err.h"
#include "writer.h"

static void debug_send(httpc_conn *conn, const void *data, size_t len)
{
    if (conn->opts.debuglevel > 0)
        hc_debug_repr(conn->opts.debug_fn, conn->opts.debug_userdata, &conn->scratch, "send:", data,
                      len, 1);
}

/* Ends the pending send; its phase returns to idle. */
static void send_done(httpc_conn *conn)
{
    conn->sending.phase = HC_SEND_IDLE;
    conn->sending.sender = HC_SENDER_NONE;
    conn->op = HC_OP_NONE;
    hc_io_progress(&conn->wait);
}

static int send_failed(httpc_conn *conn, int rc)
{
    send_done(conn);
    conn->out.len = 0;
    if ((rc == HTTPC_E_BROKEN_PIPE || rc == HTTPC_E_CONNECTION_RESET) && conn->stream &&
        conn->state == HC_STATE_REQ_SENT) {
        /* The server stopped reading, perhaps after answering early (413,
         * 401, ...): as in http.client, getresponse can still read that
         * answer. A new request starts on a new connection. */
        conn->send_failed = true;
        return rc;
    }
    hc_conn_reset_after_failure(conn);
    return rc;
}

/* Frames one body piece into the iovec (a chunk when chunked) and prints
 * it. Returns false for an empty piece, which is skipped. */
static bool frame_piece(httpc_conn *conn, const void *data, size_t len)
{
    hc_sending *s = &conn->sending;
    if (len == 0) {
        if (conn->opts.debuglevel > 0)
            hc_debug_line(conn->opts.debug_fn, conn->opts.debug_userdata,
                          "Zero length chunk ignored");
        return false;
    }
    int n = 0;
    if (s->chunked)
        s->iov[n++] = (struct iovec){s->prefix, hc_chunk_prefix(s->prefix, len)};
    s->iov[n++] = (struct iovec){(void *)data, len};
    if (s->chunked)
        s->iov[n++] = (struct iovec){"\r\n", 2};
    s->iovcnt = n;
    if (conn->opts.debuglevel > 0) {
        hc_buf framed = {0};
        for (int i = 0; i < n; i++)
            hc_buf_append(&framed, s->iov[i].iov_base, s->iov[i].iov_len);
        debug_send(conn, framed.data, framed.len);
        hc_buf_free(&framed);
    }
    return true;
}

static void frame_last_chunk(httpc_conn *conn)
{
    hc_sending *s = &conn->sending;
    debug_send(conn, "0\r\n\r\n", 5);
    s->iov[0] = (struct iovec){"0\r\n\r\n", 5};
    s->iovcnt = 1;
}

static int source_failed(httpc_conn *conn, int64_t code, const char *what)
{
    send_done(conn);
    conn->out.len = 0;
    hc_conn_reset_after_failure(conn);
    return code < -99 && code > -500 ? hc_fail((int)code, "%s failed", what)
                                     : hc_fail(HTTPC_E_OS, "%s failed", what);
}

/* A body source with nothing yet. Blocking mode cannot wait for it. */
static int source_not_ready(httpc_conn *conn, const char *what)
{
    if (!conn->nonblocking)
        return source_failed(conn, HTTPC_E_WOULD_BLOCK, what);
    conn->wait.source = true;
    conn->wait.blocked = true;
    conn->wait.fd = -1;
    conn->wait.events = 0;
    return hc_fail_os(HTTPC_E_WOULD_BLOCK, EAGAIN, "%s has nothing yet", what);
}

/* Asks the body source for its next piece: 1 framed, 0 at its end, or a
 * code. */
static int next_piece(httpc_conn *conn)
{
    hc_sending *s = &conn->sending;
    const httpc_body *body = &s->body;
    size_t block = conn->opts.blocksize;
    for (;;) {
        int64_t n;
        const void *data = conn->body_block.data;
        if (body->kind == HTTPC_BODY_CHUNKS) {
            size_t len = 0;
            int more = body->chunk_fn(body->userdata, &data, &len);
            if (more == HTTPC_E_WOULD_BLOCK)
                return source_not_ready(conn, "body iterator");
            if (more < 0)
                return source_failed(conn, more, "body iterator");
            if (more == 0)
                return 0;
            n = (int64_t)len;
        } else {
            if (hc_buf_reserve(&conn->body_block, block)) {
                send_done(conn);
                hc_conn_reset_after_failure(conn);
                return hc_fail(HTTPC_E_NOMEM, NULL);
            }
            data = conn->body_block.data;
            if (body->kind == HTTPC_BODY_FD) {
                n = read(body->fd, conn->body_block.data, block);
                if (n < 0 && errno == EINTR)
                    continue;
                if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                    /* A non-blocking descriptor: wait for it as for a socket. */
                    int rc = hc_io_block(&conn->wait, body->fd, HTTPC_WAIT_READ, conn->opts.timeout,
                                         HC_NO_DEADLINE, &conn->cancel, conn->nonblocking);
                    if (rc == HTTPC_OK)
                        continue;
                    if (rc == HTTPC_E_WOULD_BLOCK)
                        return rc;
                    return source_failed(conn, rc, "reading the body");
                }
                if (n < 0) {
                    int saved = errno;
                    send_done(conn);
                    conn->out.len = 0;
                    hc_conn_reset_after_failure(conn);
                    return hc_fail_os(HTTPC_E_OS, saved, "reading the body: %s", strerror(saved));
                }
            } else {
                n = body->read_fn(body->userdata, conn->body_block.data, block);
                if (n == HTTPC_E_WOULD_BLOCK)
                    return source_not_ready(conn, "body reader");
                if (n < 0)
                    return source_failed(conn, n, "body reader");
            }
            if (n == 0)
                return 0;
        }
        if (frame_piece(conn, data, (size_t)n))
            return 1;
    }
}

/* Runs the pending send to its end (or to a would-block). */
static int send_run(httpc_conn *conn)
{
    hc_sending *s = &conn->sending;
    for (;;) {
        int rc;
        switch (s->phase) {
        case HC_SEND_OPEN:
            rc = s->sender == HC_SENDER_RAW ? hc_conn_open(conn) : hc_conn_ensure_open(conn);
            if (rc == HTTPC_E_WOULD_BLOCK)
                return rc;
            if (rc) {
                send_done(conn);
                hc_conn_reset_after_failure(conn);
                conn->out.len = 0;
                return rc;
            }
            if (s->sender == HC_SENDER_RAW) {
                s->phase = HC_SEND_RAW;
                break;
            }
            debug_send(conn, conn->out.data, conn->out.len);
            s->iov[0] = (struct iovec){conn->out.data, conn->out.len};
            s->iovcnt = 1;
            const httpc_body *body = &s->body;
            if (body->kind == HTTPC_BODY_BYTES && !s->chunked && body->len > 0) {
                /* A small bytes body goes in the same write as the head. */
                s->iov[1] = (struct iovec){(void *)body->data, body->len};
                s->iovcnt = 2;
                debug_send(conn, body->data, body->len);
                s->after_piece = HC_SEND_IDLE;
            } else if (body->kind == HTTPC_BODY_BYTES) {
                /* Chunked, or empty (http.client prints "Zero length chunk
                 * ignored" for it). */
                s->after_piece = HC_SEND_NEXT;
            } else if (body->kind == HTTPC_BODY_PUSH) {
                s->after_piece = HC_SEND_PUSH_OPEN;
            } else {
                s->after_piece = body->kind == HTTPC_BODY_NONE ? HC_SEND_IDLE : HC_SEND_NEXT;
            }
            s->phase = HC_SEND_HEAD;
            break;
        case HC_SEND_HEAD:
        case HC_SEND_PIECE:
        case HC_SEND_LAST:
        case HC_SEND_RAW:
            rc = hc_stream_write(conn->stream, s->iov, &s->iovcnt, &conn->wait, conn->opts.timeout,
                                 conn->nonblocking);
            if (rc == HTTPC_E_WOULD_BLOCK)
                return rc;
            if (rc)
                return send_failed(conn, rc);
            if (s->phase == HC_SEND_HEAD)
                conn->out.len = 0;
            if (s->phase == HC_SEND_LAST || s->phase == HC_SEND_RAW) {
                send_done(conn);
                return HTTPC_OK;
            }
            s->phase = s->after_piece;
            if (s->phase == HC_SEND_IDLE) {
                send_done(conn);
                return HTTPC_OK;
            }
            if (s->phase == HC_SEND_PUSH_OPEN) {
                /* The caller pushes the body; the send call itself is over. */
                conn->op = HC_OP_NONE;
                s->sender = HC_SENDER_NONE;
                return HTTPC_OK;
            }
            break;
        case HC_SEND_NEXT:
            if (s->body.kind == HTTPC_BODY_BYTES) {
                /* A chunk-encoded bytes body: one chunk, then the last. */
                bool framed = frame_piece(conn, s->body.data, s->body.len);
                s->body.kind = HTTPC_BODY_NONE;
                if (framed) {
                    s->after_piece = HC_SEND_NEXT;
                    s->phase = HC_SEND_PIECE;
                    break;
                }
            } else if (s->body.kind != HTTPC_BODY_NONE) {
                rc = next_piece(conn);
                if (rc < 0)
                    return rc;
                hc_io_progress(&conn->wait);
                if (rc == 1) {
                    s->after_piece = HC_SEND_NEXT;
                    s->phase = HC_SEND_PIECE;
                    break;
                }
            }
            if (!s->chunked) {
                send_done(conn);
                return HTTPC_OK;
            }
            frame_last_chunk(conn);
            s->phase = HC_SEND_LAST;
            break;
        default:
            send_done(conn);
            return HTTPC_OK;
        }
    }
}

static void send_start(httpc_conn *conn, int sender, int phase)
{
    conn->op = HC_OP_SEND;
    conn->sending.sender = sender;
    conn->sending.phase = phase;
    conn->sending.iovcnt = 0;
    hc_io_progress(&conn->wait);
}

/* A call that resumes the pending send it started, if any. */
static bool resuming(const httpc_conn *conn, int sender)
{
    return conn->op == HC_OP_SEND && conn->sending.sender == sender;
}

int hc_conn_finish_send(httpc_conn *conn)
{
    return conn->op == HC_OP_SEND ? send_run(conn) : HTTPC_OK;
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

int hc_conn_putrequest(httpc_conn *conn, const char *method, const char *url, int flags)
{
    if (conn->current && !conn->current->stream)
        conn->current = NULL;
    if (conn->send_failed)
        hc_conn_close(conn);
    if (conn->state != HC_STATE_IDLE)
        return hc_fail(HTTPC_E_CANNOT_SEND_REQUEST, "CannotSendRequest: %s",
                       conn->state == HC_STATE_REQ_STARTED ? "Request-started" : "Request-sent");
    int rc = hc_validate_method(method);
    if (!rc)
        rc = hc_validate_url(url);
    if (rc)
        return rc;
    conn->sending.phase = HC_SEND_IDLE; /* a pushed body left open ends here */
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

int hc_conn_putheader_values(httpc_conn *conn, const char *name, const char *const *values,
                             size_t n_values)
{
    if (conn->state != HC_STATE_REQ_STARTED)
        return hc_fail(HTTPC_E_CANNOT_SEND_HEADER, "CannotSendHeader");
    size_t mark = conn->out.len;
    int rc = hc_write_header(&conn->out, name, values, n_values);
    if (rc)
        conn->out.len = mark;
    return rc;
}

int hc_conn_endheaders(httpc_conn *conn, const httpc_body *body, int flags)
{
    if (resuming(conn, HC_SENDER_HEADERS))
        return send_run(conn);
    if (conn->state != HC_STATE_REQ_STARTED)
        return hc_fail(HTTPC_E_CANNOT_SEND_HEADER, "CannotSendHeader");
    if (body && body->kind == HTTPC_BODY_BYTES && body->len && !body->data)
        return hc_fail(HTTPC_E_INVALID_ARGUMENT, "body data is NULL");
    conn->state = HC_STATE_REQ_SENT;
    if (hc_buf_append(&conn->out, "\r\n", 2))
        return hc_fail(HTTPC_E_NOMEM, NULL);
    hc_sending *s = &conn->sending;
    s->body = body ? *body : (httpc_body){.kind = HTTPC_BODY_NONE};
    s->chunked = (flags & HTTPC_ENCODE_CHUNKED) && s->body.kind != HTTPC_BODY_NONE;
    s->body_ended = false;
    send_start(conn, HC_SENDER_HEADERS, HC_SEND_OPEN);
    return send_run(conn);
}

int hc_conn_send(httpc_conn *conn, const void *data, size_t len)
{
    if (resuming(conn, HC_SENDER_RAW))
        return send_run(conn);
    int rc = hc_conn_finish_send(conn);
    if (rc)
        return rc;
    debug_send(conn, data, len);
    conn->sending.iov[0] = (struct iovec){(void *)data, len};
    send_start(conn, HC_SENDER_RAW, HC_SEND_OPEN);
    conn->sending.iovcnt = 1;
    return send_run(conn);
}

int hc_conn_body_write(httpc_conn *conn, const void *data, size_t len)
{
    if (resuming(conn, HC_SENDER_BODY_WRITE))
        return send_run(conn);
    hc_sending *s = &conn->sending;
    if (s->phase != HC_SEND_PUSH_OPEN || s->body_ended)
        return hc_fail(HTTPC_E_CANNOT_SEND_REQUEST, "CannotSendRequest: no pushed body is open");
    if (!conn->stream) {
        s->phase = HC_SEND_IDLE;
        return hc_fail(HTTPC_E_NOT_CONNECTED, NULL);
    }
    if (!frame_piece(conn, data, len))
        return HTTPC_OK;
    send_start(conn, HC_SENDER_BODY_WRITE, HC_SEND_PIECE);
    s->iovcnt = s->chunked ? 3 : 1;
    s->after_piece = HC_SEND_PUSH_OPEN;
    return send_run(conn);
}

int hc_conn_body_end(httpc_conn *conn)
{
    if (resuming(conn, HC_SENDER_BODY_END))
        return send_run(conn);
    hc_sending *s = &conn->sending;
    if (s->phase != HC_SEND_PUSH_OPEN || s->body_ended)
        return hc_fail(HTTPC_E_CANNOT_SEND_REQUEST, "CannotSendRequest: no pushed body is open");
    s->body_ended = true;
    if (!s->chunked) {
        s->phase = HC_SEND_IDLE;
        return HTTPC_OK;
    }
    if (!conn->stream) {
        s->phase = HC_SEND_IDLE;
        return hc_fail(HTTPC_E_NOT_CONNECTED, NULL);
    }
    frame_last_chunk(conn);
    send_start(conn, HC_SENDER_BODY_END, HC_SEND_LAST);
    s->iovcnt = 1;
    return send_run(conn);
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

int hc_conn_request(httpc_conn *conn, const char *method, const char *url, const httpc_body *body,
                    const httpc_header *headers, size_t n_headers, int flags)
{
    if (resuming(conn, HC_SENDER_HEADERS))
        return send_run(conn);
    if (body && body->kind == HTTPC_BODY_NONE)
        body = NULL;
    int skips = 0;
    if (headers_name(headers, n_headers, "host"))
        skips |= HTTPC_SKIP_HOST;
    if (headers_name(headers, n_headers, "accept-encoding"))
        skips |= HTTPC_SKIP_ACCEPT_ENCODING;
    int rc = hc_conn_putrequest(conn, method, url, skips);
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
                rc = hc_conn_putheader_values(conn, "Transfer-Encoding",
                                              (const char *const[]){"chunked"}, 1);
            }
            if (length)
                rc = hc_conn_putheader_values(conn, "Content-Length", &length, 1);
        }
    } else {
        encode_chunked = false;
    }
    for (size_t i = 0; !rc && i < n_headers; i++)
        rc = hc_conn_putheader_values(conn, headers[i].name, &headers[i].value, 1);
    if (rc) {
        /* Nothing was sent: the connection stays usable. */
        conn->state = HC_STATE_IDLE;
        conn->out.len = 0;
        return rc;
    }
    return hc_conn_endheaders(conn, body, encode_chunked ? HTTPC_ENCODE_CHUNKED : 0);
}
