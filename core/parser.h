/* The response parser: sans-I/O. It is fed bytes the connection has read,
 * consumes whole lines only, and never reads past the length it is given.
 * Storage for headers belongs to the caller and is reused. */
#ifndef HC_PARSER_H
#define HC_PARSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "headers.h"

typedef struct hc_limits {
    size_t max_line;    /* longest line, terminator included */
    size_t max_headers; /* most header lines (the blank line counts, as in http.client) */
    size_t max_interim; /* most 1xx responses skipped */
} hc_limits;

enum { HC_NEED_MORE = 0, HC_DONE = 1, HC_CHUNK_DATA = 2 };

/* Line events for debug output: the status line and each header line. */
enum { HC_LINE_STATUS, HC_LINE_HEADER, HC_LINE_INTERIM_HEADER, HC_LINE_TRAILER };
typedef void (*hc_line_fn)(void *userdata, int kind, const char *line, size_t len);

typedef struct hc_head_parser {
    int state;
    size_t lines;              /* header lines so far in this head */
    size_t interim_count;      /* 1xx responses skipped */
    bool header_defect;        /* a malformed line ended the header block */
    const char *last_line_end; /* terminator of the last stored line */
    const hc_limits *limits;
    hc_line_fn on_line;
    void *line_userdata;
    /* Results. */
    int status;
    const char *version_text; /* into `reason` storage, valid after done */
    int version;              /* 10 or 11 */
    hc_buf *reason;           /* caller-owned; holds the stripped reason */
    httpc_headers *headers;   /* caller-owned */
} hc_head_parser;

/* Starts a head; reason and headers are reset, not freed. */
void hc_head_init(hc_head_parser *p, const hc_limits *limits, hc_buf *reason,
                  httpc_headers *headers);
/* Consumes complete lines of data[0..len). Returns HC_DONE when the head is
 * complete, HC_NEED_MORE, or a negative httpc code (recorded). *consumed is
 * set in every case. */
int hc_head_feed(hc_head_parser *p, const char *data, size_t len, size_t *consumed);
/* The stream ended with data[0..len) unconsumed (a partial last line). */
int hc_head_feed_eof(hc_head_parser *p, const char *data, size_t len);

/* Parses a status line (terminator included) as http.client does. Returns 0
 * with *status, *version_major/minor found by prefix rules, reason span, or
 * BAD_STATUS_LINE. */
int hc_parse_status_line(const char *line, size_t len, int *status, const char **version,
                         size_t *version_len, const char **reason, size_t *reason_len);

/* How the body is framed, from the final head (strict rules, see README). */
typedef struct hc_framing {
    bool chunked;
    bool will_close;
    int64_t length; /* -1: unknown (read to close when not chunked) */
} hc_framing;
int hc_body_framing(const httpc_headers *headers, int status, int version, bool is_head,
                    hc_framing *out);

/* The chunked body decoder. */
typedef struct hc_chunked {
    int state;
    uint64_t left; /* data bytes left in the current chunk */
    size_t trailer_lines;
    bool trailer_defect;
    const char *last_line_end;
    const hc_limits *limits;
    httpc_headers *trailers;
    hc_line_fn on_line;
    void *line_userdata;
} hc_chunked;

void hc_chunked_init(hc_chunked *c, const hc_limits *limits, httpc_headers *trailers);
/* Consumes framing (size lines, chunk ends, trailers). Returns HC_CHUNK_DATA
 * when c->left data bytes come next, HC_DONE after the trailers,
 * HC_NEED_MORE, or a negative code. */
int hc_chunked_feed(hc_chunked *c, const char *data, size_t len, size_t *consumed);
/* The caller took n (<= left) data bytes. */
void hc_chunked_took(hc_chunked *c, uint64_t n);
/* The stream ended: HC_DONE if that is a valid end (in the trailers), else
 * INCOMPLETE_READ. */
int hc_chunked_eof(hc_chunked *c);
/* Parses "1a3;ext\r\n" strictly. Returns 0 or INVALID_CHUNK. */
int hc_parse_chunk_size(const char *line, size_t len, uint64_t *out);

#endif
