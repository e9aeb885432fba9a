/* The response side: getresponse (the head) and every body read, in steps
 * that resume where a would-block left them. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conn.h"
#include "debug.h"
#include "err.h"

enum { DIRECT_READ_MIN = 4096 };

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

void hc_response_release(httpc_response *r, bool keep_alive)
{
    r->op = HC_READ_NONE;
    r->wait.blocked = false;
    if (!r->stream)
        return;
    if (r->owns_stream) {
        hc_stream_free(r->stream);
    } else if (r->conn && (!keep_alive || r->framing.will_close)) {
        hc_conn_drop_stream(r->conn);
    } else if (r->conn) {
        r->conn->idle_since = hc_now_ms();
    }
    r->stream = NULL;
    r->owns_stream = false;
    if (r->conn && r->conn->current == r)
        r->conn->current = NULL;
}

void hc_response_destroy(httpc_response *r)
{
    hc_buf_free(&r->reason);
    hc_headers_free(&r->headers);
    hc_headers_free(&r->trailers);
    hc_buf_free(&r->joined);
    hc_buf_free(&r->all);
    free(r);
}

void hc_response_free(httpc_response *r)
{
    hc_response_release(r, false);
    httpc_conn *conn = r->conn;
    live_unlink(r);
    r->conn = NULL;
    hc_buf_free(&r->all);
    if (conn && !conn->spare) {
        conn->spare = r; /* reused by the next getresponse: no allocation */
        return;
    }
    hc_response_destroy(r);
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
/* Receiving                                                           */
/* ------------------------------------------------------------------ */

/* Checks the total deadline before a receive: a server that keeps sending
 * must not outrun it (the interrupt is checked by the transport). Reads the
 * clock only when a total deadline was set. */
static int total_deadline_check(const httpc_response *r)
{
    if (r->total_deadline != HC_NO_DEADLINE && hc_now_ms() >= r->total_deadline)
        return hc_fail(HTTPC_E_TIMEOUT, "timed out (total_timeout)");
    return HTTPC_OK;
}

/* Receives into buf, or into the stream's own buffer (growing it up to
 * `limit` bytes unconsumed) when buf is NULL, waiting (blocking mode) as
 * needed: > 0, 0 at end of stream, WOULD_BLOCK, or a code. */
static int64_t receive(httpc_response *r, hc_io_wait *w, char *buf, size_t cap_or_limit)
{
    hc_transport *t = r->stream->transport;
    for (;;) {
        int rc = total_deadline_check(r);
        if (rc)
            return rc;
        int64_t n =
            buf ? t->ops->read(t, buf, cap_or_limit) : hc_stream_fill(r->stream, cap_or_limit);
        if (n != HTTPC_E_WOULD_BLOCK) {
            if (n >= 0)
                hc_io_progress(w);
            return n;
        }
        rc = hc_stream_block(w, r->stream, r->timeout, r->total_deadline, r->nonblocking);
        if (rc)
            return rc;
    }
}

/* ------------------------------------------------------------------ */
/* getresponse                                                         */
/* ------------------------------------------------------------------ */

static int read_head(httpc_response *r, hc_io_wait *w)
{
    hc_stream *s = r->stream;
    int rc;
    for (;;) {
        size_t consumed;
        rc = hc_head_feed(&r->head, s->in + s->start, s->end - s->start, &consumed);
        s->start += consumed;
        if (rc != HC_NEED_MORE)
            break;
        int64_t n = receive(r, w, NULL, r->limits.max_line + 1);
        if (n < 0)
            return (int)n;
        if (n == 0) {
            rc = hc_head_feed_eof(&r->head, s->in + s->start, s->end - s->start);
            s->start = s->end;
            break;
        }
    }
    if (rc < 0)
        return rc;
    r->status = r->head.status;
    r->version = r->head.version;
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

static int start_response(httpc_conn *conn, httpc_response **out)
{
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
    r->nonblocking = conn->nonblocking;
    r->truncated = false;
    r->is_head = strcasecmp(conn->method.data, "HEAD") == 0;
    r->limits = (hc_limits){conn->opts.max_line_length, conn->opts.max_headers,
                            conn->opts.max_interim_responses};
    r->timeout = conn->opts.timeout;
    r->total_deadline = hc_deadline_after(conn->opts.total_timeout);
    r->max_size = conn->max_response_size;
    r->body_received = 0;
    r->debuglevel = conn->opts.debuglevel;
    r->debug_fn = conn->opts.debug_fn;
    r->debug_userdata = conn->opts.debug_userdata;
    r->op = HC_READ_NONE;
    r->op_done = 0;
    r->wait = (hc_io_wait){.fd = -1};
    hc_headers_reset(&r->trailers);
    r->chunked.on_line = NULL;
    r->head = (hc_head_parser){.on_line = debug_line_cb, .line_userdata = r};
    hc_head_init(&r->head, &r->limits, &r->reason, &r->headers);
    *out = r;
    return HTTPC_OK;
}

int hc_conn_getresponse(httpc_conn *conn, httpc_response **out)
{
    *out = NULL;
    httpc_response *r = conn->reading;
    if (conn->op != HC_OP_GETRESPONSE || !r) {
        if (conn->op == HC_OP_SEND) {
            /* Finish the request first (non-blocking callers may ask early). */
            int rc = hc_conn_finish_send(conn);
            if (rc && !conn->send_failed)
                return rc;
        }
        if (conn->current && !conn->current->stream)
            conn->current = NULL;
        if (conn->state != HC_STATE_REQ_SENT || conn->current)
            return hc_fail(HTTPC_E_RESPONSE_NOT_READY, "%s",
                           conn->state == HC_STATE_IDLE          ? "Idle"
                           : conn->state == HC_STATE_REQ_STARTED ? "Request-started"
                                                                 : "Request-sent");
        if (!conn->stream)
            return hc_fail(HTTPC_E_NOT_CONNECTED, NULL);
        conn->send_failed = false;
        int rc = start_response(conn, &r);
        if (rc)
            return rc;
        conn->current = r;
        conn->reading = r;
        conn->op = HC_OP_GETRESPONSE;
        hc_io_progress(&conn->wait);
    }
    int rc = read_head(r, &conn->wait);
    if (rc == HTTPC_E_WOULD_BLOCK)
        return rc;
    conn->op = HC_OP_NONE;
    conn->reading = NULL;
    if (rc) {
        hc_conn_reset_after_failure(conn);
        hc_response_free(r);
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
/* Body reading                                                        */
/* ------------------------------------------------------------------ */

static int fail_and_close(httpc_response *r, int rc)
{
    if (rc == HTTPC_E_WOULD_BLOCK)
        return rc;
    if (rc == HTTPC_E_INVALID_CHUNK)
        hc_fail_incomplete_code(rc, 0, -1); /* an IncompleteRead: the caller adds its partial */
    hc_response_release(r, false);
    return rc;
}

/* Counts delivered body bytes against the maximum response size. */
static int64_t deliver(httpc_response *r, int64_t n)
{
    r->body_received += n;
    if (r->max_size > 0 && r->body_received > r->max_size)
        return fail_and_close(r, hc_fail(HTTPC_E_RESPONSE_TOO_LARGE,
                                         "response body exceeds the maximum size of %lld bytes",
                                         (long long)r->max_size));
    return n;
}

/* Receives body bytes straight into the caller's buf, but never where the
 * kernel's copy runs at half speed. A server sending a file (sendfile:
 * nginx, Apache) hands the kernel pages whose in-page offsets are the body's
 * offsets, so body offset o is copied from page offset o % 4096 to buf's
 * address. When the destination lies 1 to 31 bytes after the source modulo
 * 4096, the kernel's copy (rep movsb) stalls on 4 KiB aliasing and takes
 * about twice the system time per byte (AMD EPYC, Linux 6.18: 0.75-1.2 s per
 * GB against 0.43-0.6 s at distances 0 and 32-4095). A full-buffer read
 * keeps one distance for the whole body, and glibc's malloc places large
 * buffers 16 bytes past a page boundary: the slow case, every byte. There
 * the bytes are received ALIAS_TARGET - distance bytes further on (distance
 * ALIAS_TARGET) and moved back: the memmove costs 0.15-0.25 s of user time per
 * 1.6 GB, the slow copy cost 0.5 s more of system time. Other distances are
 * received in place (a server writing from its own buffers gives the kernel
 * unrelated offsets: nothing to correct). */
enum { ALIAS_SLOW = 32, ALIAS_TARGET = 64, PAGE_OFFSET_MASK = 4095 };

static int64_t receive_body(httpc_response *r, char *buf, size_t want)
{
    size_t distance = (size_t)(((uintptr_t)buf - (uint64_t)r->body_received) & PAGE_OFFSET_MASK);
    /* Over TLS the bytes come from wolfSSL's decryption, not the kernel's
     * copy (a response that outlived its connection is shifted anyway:
     * that costs only the memmove). */
    bool decrypted = r->conn && r->conn->https;
    if (decrypted || distance == 0 || distance >= ALIAS_SLOW || want < DIRECT_READ_MIN)
        return receive(r, &r->wait, buf, want);
    size_t shift = ALIAS_TARGET - distance;
    int64_t n = receive(r, &r->wait, buf + shift, want - shift);
    if (n > 0)
        memmove(buf, buf + shift, (size_t)n);
    return n;
}

/* Returns > 0 body bytes copied into buf, 0 at the end of the body,
 * WOULD_BLOCK, or a negative code (the response closed). Receives from the
 * socket at most once per data piece. */
static int64_t read_some(httpc_response *r, char *buf, size_t cap)
{
    if (!r->stream || cap == 0)
        return 0;
    hc_stream *s = r->stream;
    if (!r->framing.chunked) {
        if (r->framing.length == 0) {
            hc_response_release(r, true);
            return 0;
        }
        if (r->max_size > 0 && r->framing.length > r->max_size - r->body_received)
            return deliver(r, r->framing.length);
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
            n = receive_body(r, buf, want);
            if (n < 0)
                return fail_and_close(r, (int)n);
            if (n == 0) {
                r->truncated = r->framing.length > 0;
                hc_response_release(r, false);
                return 0;
            }
        }
        n = deliver(r, n);
        if (n > 0 && r->framing.length > 0) {
            r->framing.length -= n;
            if (r->framing.length == 0)
                hc_response_release(r, true);
        }
        return n;
    }
    for (;;) {
        size_t consumed;
        int rc = hc_chunked_feed(&r->chunked, s->in + s->start, s->end - s->start, &consumed);
        s->start += consumed;
        if (rc == HC_DONE) {
            hc_response_release(r, true);
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
                return deliver(r, n);
            }
            if (want >= DIRECT_READ_MIN) {
                n = receive_body(r, buf, want);
                if (n < 0)
                    return fail_and_close(r, (int)n);
                if (n == 0)
                    return fail_and_close(r, HTTPC_E_INCOMPLETE_READ);
                hc_chunked_took(&r->chunked, (uint64_t)n);
                return deliver(r, n);
            }
        }
        int64_t got = receive(r, &r->wait, NULL, r->limits.max_line + 2);
        if (got < 0)
            return fail_and_close(r, (int)got);
        if (got == 0) {
            if (hc_chunked_eof(&r->chunked) == HC_DONE) {
                hc_response_release(r, false);
                return 0;
            }
            return fail_and_close(r, HTTPC_E_INCOMPLETE_READ);
        }
    }
}

/* Fills buf[*total..cap) unless the body ends first. */
static int fill(httpc_response *r, char *buf, size_t cap, size_t *total)
{
    while (*total < cap) {
        int64_t n = read_some(r, buf + *total, cap - *total);
        if (n == HTTPC_E_WOULD_BLOCK)
            return (int)n;
        if (n < 0) {
            if (n == HTTPC_E_INCOMPLETE_READ || n == HTTPC_E_INVALID_CHUNK)
                return hc_fail_incomplete_code((int)n, (int64_t)*total, -1);
            return (int)n;
        }
        if (n == 0)
            break;
        *total += (size_t)n;
    }
    return HTTPC_OK;
}

/* A response with no body to read ends at once (HEAD). */
static bool no_body(httpc_response *r)
{
    if (!r->is_head)
        return false;
    hc_response_release(r, true);
    return true;
}

/* Takes up a read this call resumes, or starts a new one. */
static size_t resume(httpc_response *r, int op)
{
    r->wait.blocked = false;
    if (r->op == op)
        return r->op_done;
    r->op = HC_READ_NONE;
    r->op_done = 0;
    return 0;
}

static int suspend(httpc_response *r, int op, size_t done)
{
    r->op = op;
    r->op_done = done;
    return HTTPC_E_WOULD_BLOCK;
}

int hc_response_read(httpc_response *r, char *buf, size_t cap, size_t *out_n)
{
    *out_n = 0;
    size_t total = resume(r, HC_READ_FILL);
    if (no_body(r))
        return HTTPC_OK;
    int rc = fill(r, buf, cap, &total);
    if (rc == HTTPC_E_WOULD_BLOCK)
        return suspend(r, HC_READ_FILL, total);
    r->op = HC_READ_NONE;
    *out_n = total;
    return rc;
}

int hc_response_read1(httpc_response *r, char *buf, size_t cap, size_t *out_n)
{
    *out_n = 0;
    resume(r, HC_READ_NONE);
    if (no_body(r))
        return HTTPC_OK;
    int64_t n = read_some(r, buf, cap);
    if (n < 0)
        return n == HTTPC_E_INCOMPLETE_READ || n == HTTPC_E_INVALID_CHUNK
                   ? hc_fail_incomplete_code((int)n, 0, -1)
                   : (int)n;
    *out_n = (size_t)n;
    return HTTPC_OK;
}

int hc_response_read_all(httpc_response *r, char **out_data, size_t *out_len)
{
    *out_data = NULL;
    *out_len = 0;
    if (r->op != HC_READ_ALL) {
        r->all.len = 0;
        r->whole_chunks_len = 0;
    }
    resume(r, HC_READ_ALL);
    if (no_body(r))
        return HTTPC_OK;
    int64_t expected = r->framing.chunked ? -1 : r->framing.length + (int64_t)r->all.len;
    hc_buf *all = &r->all;
    int rc = HTTPC_OK;
    for (;;) {
        /* Grow by what arrives, never by what Content-Length promises; but
         * a rest known to be smaller than one step gets just its size (a
         * small body was otherwise copied whole by a second growth). */
        size_t step = 16384;
        if (!r->framing.chunked && r->framing.length >= 0 && (uint64_t)r->framing.length < step)
            step = (size_t)r->framing.length + 1; /* and the terminating NUL */
        size_t room = all->cap - all->len;
        if (room < step) {
            if (hc_buf_reserve(all, step < 16384 ? step : all->cap < 65536 ? 16384 : all->cap)) {
                rc = hc_fail(HTTPC_E_NOMEM, NULL);
                break;
            }
            room = all->cap - all->len - 1;
        } else {
            room -= 1;
        }
        int64_t n = read_some(r, all->data + all->len, room);
        if (n == HTTPC_E_WOULD_BLOCK)
            return suspend(r, HC_READ_ALL, 0);
        if (n < 0) {
            /* As http.client, the partial body holds whole chunks only. */
            bool incomplete = n == HTTPC_E_INCOMPLETE_READ || n == HTTPC_E_INVALID_CHUNK;
            if (incomplete) {
                all->len = r->whole_chunks_len;
                rc = hc_fail_incomplete_code((int)n, (int64_t)all->len, -1);
            } else {
                rc = (int)n;
            }
            break;
        }
        if (n == 0)
            break;
        all->len += (size_t)n;
        if (r->framing.chunked && r->chunked.left == 0)
            r->whole_chunks_len = all->len;
    }
    r->op = HC_READ_NONE;
    if (!rc && r->truncated)
        rc = hc_fail_incomplete((int64_t)all->len, expected - (int64_t)all->len);
    if (all->data)
        all->data[all->len] = '\0';
    *out_data = all->data;
    *out_len = all->len;
    *all = (hc_buf){0}; /* the caller owns it now */
    return rc;
}

int hc_response_peek(httpc_response *r, const void **out_data, size_t *out_n)
{
    *out_data = "";
    *out_n = 0;
    r->wait.blocked = false;
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
                hc_response_release(r, true);
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
                hc_response_release(r, true);
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
        int64_t n = receive(r, &r->wait, NULL, r->limits.max_line + 2);
        if (n < 0)
            return fail_and_close(r, (int)n);
        if (n == 0) {
            if (r->framing.chunked && hc_chunked_eof(&r->chunked) != HC_DONE)
                return fail_and_close(r, hc_fail_incomplete(0, -1));
            r->truncated = !r->framing.chunked && r->framing.length > 0;
            hc_response_release(r, false);
            return HTTPC_OK;
        }
    }
}

int hc_response_readline(httpc_response *r, char *buf, size_t cap, size_t *out_n)
{
    *out_n = 0;
    size_t total = resume(r, HC_READ_LINE);
    if (no_body(r))
        return HTTPC_OK;
    while (total < cap) {
        const void *peeked = NULL;
        size_t avail = 0;
        int rc = hc_response_peek(r, &peeked, &avail);
        if (rc == HTTPC_E_WOULD_BLOCK)
            return suspend(r, HC_READ_LINE, total);
        if (rc) {
            *out_n = total;
            r->op = HC_READ_NONE;
            return rc;
        }
        if (avail == 0)
            break;
        size_t take = avail < cap - total ? avail : cap - total;
        const char *nl = memchr(peeked, '\n', take);
        if (nl)
            take = (size_t)(nl - (const char *)peeked) + 1;
        /* What peek showed is buffered: this never waits. */
        size_t before = total;
        rc = fill(r, buf, before + take, &total);
        if (rc) {
            *out_n = total;
            r->op = HC_READ_NONE;
            return rc;
        }
        if (nl)
            break;
    }
    r->op = HC_READ_NONE;
    *out_n = total;
    return HTTPC_OK;
}

int hc_response_drain(httpc_response *r)
{
    char sink[8192];
    resume(r, HC_READ_NONE);
    if (no_body(r))
        return HTTPC_OK;
    for (;;) {
        int64_t n = read_some(r, sink, sizeof sink);
        if (n == 0)
            break;
        if (n < 0)
            return n == HTTPC_E_INCOMPLETE_READ || n == HTTPC_E_INVALID_CHUNK
                       ? hc_fail_incomplete_code((int)n, 0, -1)
                       : (int)n;
    }
    return r->truncated ? hc_fail_incomplete(0, -1) : HTTPC_OK;
}
