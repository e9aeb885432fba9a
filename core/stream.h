/* A socket's transport and its input buffer, and the one place an operation
 * waits for it. */
#ifndef HC_STREAM_H
#define HC_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "transport.h"

/* A keep-alive response borrows its connection's stream; a response that
 * ends with the connection owns it. */
typedef struct hc_stream {
    hc_transport *transport;
    char *in;
    size_t start, end, cap;
} hc_stream;

/* What a pending operation waits for. Its deadline is set when it first
 * waits and forgotten on progress, so `timeout` bounds each silence, as a
 * socket timeout does, and total_timeout the whole. */
typedef struct hc_io_wait {
    int fd;
    int events;
    bool armed;
    bool blocked; /* the last call returned WOULD_BLOCK for this */
    bool source;  /* a body source said "not yet": nothing to watch */
    hc_deadline deadline;
} hc_io_wait;

static inline void hc_io_progress(hc_io_wait *w)
{
    w->armed = false;
    w->blocked = false;
}

/* The one wait. Blocking: waits for fd (events HTTPC_WAIT_*) until the
 * deadline and returns 0 to retry, or TIMEOUT, CANCELLED, OS. Non-blocking:
 * records what to wait for and returns WOULD_BLOCK, or TIMEOUT once the
 * deadline has passed. Errors are recorded. */
int hc_io_block(hc_io_wait *w, int fd, int events, double timeout, hc_deadline total,
                hc_cancel *cancel, bool nonblocking);
/* Waits as the transport asked after it returned WOULD_BLOCK. */
int hc_stream_block(hc_io_wait *w, hc_stream *s, double timeout, hc_deadline total,
                    bool nonblocking);
void hc_io_wait_export(const hc_io_wait *w, httpc_wait *out);

/* A stream for a new transport, reusing *spare (an input buffer kept from
 * the last stream) when there is one. */
int hc_stream_new(hc_stream **out, hc_transport *transport, char **spare, size_t *spare_cap);
void hc_stream_free(hc_stream *s);
/* Receives more bytes into the input buffer, growing it up to `limit` bytes
 * of unconsumed data. Returns the count, 0 at end of stream, WOULD_BLOCK, or
 * a code. */
int64_t hc_stream_fill(hc_stream *s, size_t limit);
/* Writes iov[0..*iovcnt) to the end, advancing the vector past what was
 * sent, so that a call that would block resumes where it stopped. Returns
 * 0, WOULD_BLOCK (after hc_stream_block) or a code. */
int hc_stream_write(hc_stream *s, struct iovec *iov, int *iovcnt, hc_io_wait *w, double timeout,
                    bool nonblocking);

#endif
