#include "stream.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

enum { STREAM_INITIAL_CAP = 65536 };

int hc_io_block(hc_io_wait *w, int fd, int events, double timeout, hc_deadline total,
                hc_cancel *cancel, bool nonblocking)
{
    w->fd = fd;
    w->events = events;
    w->source = false;
    if (!w->armed) {
        w->deadline = hc_deadline_min(hc_deadline_after(timeout), total);
        w->armed = true;
    } else if (nonblocking && w->deadline != HC_NO_DEADLINE && hc_now_ms() >= w->deadline) {
        w->armed = false;
        return hc_fail(HTTPC_E_TIMEOUT, "timed out");
    }
    if (!nonblocking)
        return hc_wait_fd(fd, events, w->deadline, cancel);
    /* httpc_conn_interrupt shuts this descriptor down, waking the caller's
     * loop; the next call then reports the interrupt. */
    hc_cancel_publish(cancel, fd);
    w->blocked = true;
    return hc_fail_os(HTTPC_E_WOULD_BLOCK, EAGAIN, "[Errno %d] %s", EAGAIN, strerror(EAGAIN));
}

int hc_stream_block(hc_io_wait *w, hc_stream *s, double timeout, hc_deadline total,
                    bool nonblocking)
{
    hc_transport *t = s->transport;
    return hc_io_block(w, t->ops->fileno(t), t->want, timeout, total, t->cancel, nonblocking);
}

void hc_io_wait_export(const hc_io_wait *w, httpc_wait *out)
{
    out->fd = -1;
    out->events = 0;
    out->timeout_ms = -1;
    if (!w->blocked)
        return;
    if (!w->source) {
        out->fd = w->fd;
        out->events = w->events;
    }
    if (w->armed && w->deadline != HC_NO_DEADLINE) {
        int64_t left = w->deadline - hc_now_ms();
        out->timeout_ms = left > 0 ? left : 0;
    }
}

int hc_stream_new(hc_stream **out, hc_transport *transport, char **spare, size_t *spare_cap)
{
    hc_stream *s = calloc(1, sizeof *s);
    if (!s)
        return hc_fail(HTTPC_E_NOMEM, NULL);
    if (*spare) {
        s->in = *spare;
        s->cap = *spare_cap;
        *spare = NULL;
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

void hc_stream_free(hc_stream *s)
{
    if (!s)
        return;
    s->transport->ops->destroy(s->transport);
    free(s->in);
    free(s);
}

int64_t hc_stream_fill(hc_stream *s, size_t limit)
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
    int64_t n = s->transport->ops->read(s->transport, s->in + s->end, s->cap - s->end);
    if (n > 0)
        s->end += (size_t)n;
    return n;
}

int hc_stream_write(hc_stream *s, struct iovec *iov, int *iovcnt, hc_io_wait *w, double timeout,
                    bool nonblocking)
{
    int first = 0;
    while (first < *iovcnt && iov[first].iov_len == 0)
        first++;
    while (first < *iovcnt) {
        int64_t n = s->transport->ops->writev(s->transport, iov + first, *iovcnt - first);
        if (n == HTTPC_E_WOULD_BLOCK) {
            int rc = hc_stream_block(w, s, timeout, HC_NO_DEADLINE, nonblocking);
            if (rc)
                return rc;
            continue;
        }
        if (n < 0)
            return (int)n;
        hc_io_progress(w);
        size_t done = (size_t)n;
        while (first < *iovcnt && done >= iov[first].iov_len) {
            done -= iov[first].iov_len;
            iov[first].iov_len = 0;
            first++;
        }
        if (first < *iovcnt) {
            iov[first].iov_base = (char *)iov[first].iov_base + done;
            iov[first].iov_len -= done;
        }
    }
    *iovcnt = 0;
    return HTTPC_OK;
}
