/* The connection driver: http.client's HTTPConnection / HTTPResponse state
 * machine over a transport, using the sans-I/O parser and writer. Every
 * operation is a step whose progress lives in the connection or response;
 * the only wait is in hc_io_block (see stream.h). Rooms: stream.c (the
 * buffered socket and the wait), connect.c (resolution, addresses, CONNECT
 * tunnel, TLS handshake), request.c (the request side), response.c (the
 * response side), conn.c (lifetime). The public httpc_* functions that
 * check arguments and call these are in capi/src/. */
#ifndef HC_CONN_H
#define HC_CONN_H

#include <stdbool.h>

#include "buf.h"
#include "headers.h"
#include "parser.h"
#include "stream.h"
#include "transport.h"

enum { HC_STATE_IDLE, HC_STATE_REQ_STARTED, HC_STATE_REQ_SENT };

/* What a connection is in the middle of (non-blocking mode resumes it). */
enum { HC_OP_NONE, HC_OP_CONNECT, HC_OP_SEND, HC_OP_GETRESPONSE };

/* Opening a socket: TCP, then the CONNECT tunnel, then TLS. */
enum { HC_OPEN_IDLE, HC_OPEN_TCP, HC_OPEN_TUNNEL_SEND, HC_OPEN_TUNNEL_HEAD, HC_OPEN_TLS };
typedef struct hc_opening {
    int phase;
    hc_deadline deadline;
    hc_tcp_connecting tcp;
    hc_stream *stream;
    size_t tunnel_sent;
    hc_head_parser tunnel;
    hc_buf tunnel_reason;
    hc_limits tunnel_limits;
    hc_transport *tls;
} hc_opening;

/* Sending a request: the head, then the body piece by piece. */
enum {
    HC_SEND_IDLE,
    HC_SEND_OPEN,      /* connect first (auto_open) */
    HC_SEND_HEAD,      /* the head, with a small bytes body */
    HC_SEND_NEXT,      /* ask the body source for the next piece */
    HC_SEND_PIECE,     /* write the framed piece in `iov` */
    HC_SEND_LAST,      /* write the last chunk */
    HC_SEND_PUSH_OPEN, /* a pushed body: waiting for httpc_conn_body_write */
    HC_SEND_RAW        /* httpc_conn_send's bytes */
};
/* Which public call a pending send belongs to. */
enum { HC_SENDER_NONE, HC_SENDER_HEADERS, HC_SENDER_RAW, HC_SENDER_BODY_WRITE, HC_SENDER_BODY_END };
typedef struct hc_sending {
    int phase;
    int after_piece; /* the phase once `iov` is written */
    int sender;
    httpc_body body;
    bool chunked;
    bool body_ended; /* a pushed body got its end */
    struct iovec iov[3];
    int iovcnt;
    char prefix[24];
} hc_sending;

struct httpc_conn {
    char *host;
    int port;
    int default_port;
    bool https;
    bool nonblocking;
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

    hc_cancel cancel; /* httpc_conn_interrupt: shared with the transports */
    hc_announcer announcer;
    int64_t max_response_size; /* 0: no limit */
    hc_stream *stream;         /* NULL when not connected */
    char *spare_in;            /* input buffer kept from the last stream */
    size_t spare_cap;
    int64_t idle_since; /* when the last keep-alive response ended (ms) */
    int state;
    int op;
    hc_io_wait wait; /* of the pending connect, send or getresponse */
    hc_opening opening;
    hc_sending sending;
    bool send_failed; /* a request write failed; its early answer may be readable */
    hc_buf method;
    hc_buf out;              /* the request head being built */
    hc_buf host_line;        /* the Host line for relative URLs, built once */
    httpc_response *current; /* keep-alive response not yet finished */
    httpc_response *reading; /* the response whose head getresponse reads */
    httpc_response *spare;   /* a finished response kept for reuse */
    httpc_response *live;    /* every response still pointing at us */
    hc_buf scratch;
    hc_buf body_block;
};

/* What a response is in the middle of. */
enum { HC_READ_NONE, HC_READ_FILL, HC_READ_ALL, HC_READ_LINE };

struct httpc_response {
    httpc_conn *conn; /* NULL once the connection is gone */
    httpc_response *live_next, *live_prev;
    hc_stream *stream; /* NULL when closed */
    bool owns_stream;
    bool nonblocking;
    int status;
    int version;
    hc_buf reason;
    httpc_headers headers;
    httpc_headers trailers;
    hc_head_parser head;
    hc_framing framing;
    hc_chunked chunked;
    bool truncated; /* the stream ended before Content-Length was reached */
    bool is_head;
    hc_limits limits;
    double timeout;
    hc_deadline total_deadline;
    int64_t max_size;      /* 0: no limit */
    int64_t body_received; /* body bytes delivered so far */
    hc_buf joined;
    int debuglevel;
    httpc_debug_fn debug_fn;
    void *debug_userdata;
    /* A read in progress (non-blocking mode). */
    int op;
    size_t op_done; /* bytes already in the caller's buffer */
    hc_buf all;     /* read_all's growing body */
    size_t whole_chunks_len;
    hc_io_wait wait;
};

/* connect.c */
int hc_conn_open(httpc_conn *conn);
void hc_conn_abandon_open(httpc_conn *conn);
int hc_conn_ensure_open(httpc_conn *conn);
/* request.c */
int hc_conn_putrequest(httpc_conn *conn, const char *method, const char *url, int flags);
int hc_conn_putheader_values(httpc_conn *conn, const char *name, const char *const *values,
                             size_t n_values);
int hc_conn_request(httpc_conn *conn, const char *method, const char *url, const httpc_body *body,
                    const httpc_header *headers, size_t n_headers, int flags);
int hc_conn_endheaders(httpc_conn *conn, const httpc_body *body, int flags);
int hc_conn_send(httpc_conn *conn, const void *data, size_t len);
int hc_conn_body_write(httpc_conn *conn, const void *data, size_t len);
int hc_conn_body_end(httpc_conn *conn);
int hc_conn_finish_send(httpc_conn *conn);
/* response.c */
int hc_conn_getresponse(httpc_conn *conn, httpc_response **out);
int hc_response_read(httpc_response *r, char *buf, size_t cap, size_t *out_n);
int hc_response_read1(httpc_response *r, char *buf, size_t cap, size_t *out_n);
int hc_response_read_all(httpc_response *r, char **out_data, size_t *out_len);
int hc_response_readline(httpc_response *r, char *buf, size_t cap, size_t *out_n);
int hc_response_peek(httpc_response *r, const void **out_data, size_t *out_n);
int hc_response_drain(httpc_response *r);
void hc_response_release(httpc_response *r, bool keep_alive);
void hc_response_free(httpc_response *r);
void hc_response_destroy(httpc_response *r);
/* conn.c */
int hc_conn_create(httpc_conn **out, const char *host, int port, const httpc_conn_options *opts,
                   bool https, httpc_tls_context *tls);
void hc_conn_free(httpc_conn *conn);
void hc_conn_close(httpc_conn *conn);
void hc_conn_drop_socket(httpc_conn *conn);
void hc_conn_drop_stream(httpc_conn *conn);
void hc_conn_reset_after_failure(httpc_conn *conn);
int hc_conn_set_tunnel(httpc_conn *conn, const char *host, int port, const httpc_header *headers,
                       size_t n_headers);
void hc_conn_wait_info(const httpc_conn *conn, httpc_wait *out);
void hc_response_wait_info(const httpc_response *r, httpc_wait *out);

#endif
