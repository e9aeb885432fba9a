/* The connection driver: http.client's HTTPConnection / HTTPResponse state
 * machine over a transport, using the sans-I/O parser and writer. */
#ifndef HC_CONN_H
#define HC_CONN_H

#include <stdbool.h>

#include "buf.h"
#include "headers.h"
#include "parser.h"
#include "transport.h"

/* A socket and its input buffer. A keep-alive response borrows its
 * connection's stream; a response that ends with the connection owns it. */
typedef struct hc_stream {
    hc_transport *transport;
    char *in;
    size_t start, end, cap;
} hc_stream;

enum { HC_STATE_IDLE, HC_STATE_REQ_STARTED, HC_STATE_REQ_SENT };

struct httpc_conn {
    char *host;
    int port;
    int default_port;
    bool https;
    httpc_conn_options opts;
    char *source_host;
    httpc_tls_context *tls;
    void *tls_session;
    /* CONNECT tunnel. */
    char *tunnel_host;
    int tunnel_port;
    hc_buf tunnel_lines;
    httpc_headers proxy_headers;
    bool proxy_headers_valid;

    hc_cancel cancel;  /* httpc_conn_interrupt: shared with the transports */
    hc_stream *stream; /* NULL when not connected */
    char *spare_in;    /* input buffer kept from the last stream */
    size_t spare_cap;
    int64_t idle_since; /* when the last keep-alive response ended (ms) */
    int state;
    bool send_failed; /* a request write failed; its early answer may be readable */
    hc_buf method;
    hc_buf out;              /* the request head being built */
    hc_buf host_line;        /* the Host line for relative URLs, built once */
    httpc_response *current; /* keep-alive response not yet finished */
    httpc_response *spare;   /* a finished response kept for reuse */
    httpc_response *live;    /* every response still pointing at us */
    hc_buf scratch;
    hc_buf body_block;
};

struct httpc_response {
    httpc_conn *conn; /* NULL once the connection is gone */
    httpc_response *live_next, *live_prev;
    hc_stream *stream; /* NULL when closed */
    bool owns_stream;
    int status;
    int version;
    hc_buf reason;
    httpc_headers headers;
    httpc_headers trailers;
    hc_framing framing;
    hc_chunked chunked;
    bool truncated; /* the stream ended before Content-Length was reached */
    bool is_head;
    hc_limits limits;
    double timeout;
    hc_deadline total_deadline;
    hc_buf joined;
    int debuglevel;
    httpc_debug_fn debug_fn;
    void *debug_userdata;
};

#endif
