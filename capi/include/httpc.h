/*
 * httpc — an HTTP/1.1 client library modelled on Python's http.client.
 *
 * This header is the contract: what it does not declare is not public API.
 *
 * Conventions (docs/API.md in the repository says them at length, with the
 * state machine; docs/errors.md has the error table and how each language
 * sees it):
 *  - Fallible functions return int: HTTPC_OK (0) or a negative httpc_error
 *    code; details of the last failure are in httpc_last_error().
 *  - Out-parameters come first. A handle returned through `**out` is owned by
 *    the caller and released with its _free function; every _free accepts NULL.
 *  - A "borrowed" pointer is owned by the library. Each function that returns
 *    one says how long it stays valid; where it says only "Borrowed", the
 *    pointer stays valid until the handle it came from is freed.
 *  - Strings passed in are read during the call (and copied when kept),
 *    unless the function says otherwise.
 *  - One connection (and its responses) is used by one thread at a time;
 *    different connections share nothing mutable. The one exception is
 *    httpc_conn_interrupt, which any thread may call at any time. A TLS
 *    context may be shared by connections on several threads, and must not
 *    be changed once a connection uses it (see the TLS context section).
 */
#ifndef HTTPC_H
#define HTTPC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define HTTPC_EXPORT_ATTR __declspec(dllexport)
#elif defined(__GNUC__)
#define HTTPC_EXPORT_ATTR __attribute__((visibility("default")))
#else
#define HTTPC_EXPORT_ATTR
#endif

/** Declares a public function returning `type`. */
#define HTTPC_EXTERN(type) extern HTTPC_EXPORT_ATTR type

#define HTTPC_VERSION_MAJOR 0
#define HTTPC_VERSION_MINOR 1
#define HTTPC_VERSION_PATCH 0
/** Compile-time version as one number: major * 10000 + minor * 100 + patch. */
#define HTTPC_VERSION_NUMBER                                                                       \
    (HTTPC_VERSION_MAJOR * 10000 + HTTPC_VERSION_MINOR * 100 + HTTPC_VERSION_PATCH)
#define HTTPC_VERSION_STRING "0.1.0"

/** Run-time version of the loaded library, as HTTPC_VERSION_NUMBER. Versions
 * with the same major number are ABI compatible. */
HTTPC_EXTERN(int) httpc_version(void);
/** Run-time version string, e.g. "0.1.0". Static storage. */
HTTPC_EXTERN(const char *) httpc_version_string(void);

#define HTTPC_HTTP_PORT 80
#define HTTPC_HTTPS_PORT 443

/* ------------------------------------------------------------------------ */
/* Errors                                                                    */
/* ------------------------------------------------------------------------ */

/*
 * The one table of error codes:
 *   X(value, NAME, "ClassName", PARENT1, PARENT2, "default message")
 * Values are negative, stable and permanent: new codes are added last in
 * their family, never renumbered or removed. Families: HTTP -100..., OS
 * -200..., TLS -300..., usage -400.... Parents appear above their children.
 * NONE means no parent. ClassName is the Python class (docs/errors.md: the
 * table with each language's name, and the hierarchy).
 */
#define HTTPC_ERROR_MAP(X)                                                                         \
    X(-200, OS, "OSError", NONE, NONE, "operating system error")                                   \
    X(-201, TIMEOUT, "TimeoutError", OS, NONE, "timed out")                                        \
    X(-202, CONNECTION_REFUSED, "ConnectionRefusedError", OS, NONE, "connection refused")          \
    X(-203, CONNECTION_RESET, "ConnectionResetError", OS, NONE, "connection reset by peer")        \
    X(-204, RESOLVE, "gaierror", OS, NONE, "name resolution failed")                               \
    X(-205, TUNNEL_FAILED, "TunnelFailed", OS, NONE, "tunnel connection failed")                   \
    X(-206, BROKEN_PIPE, "BrokenPipeError", OS, NONE, "broken pipe")                               \
    X(-207, CANCELLED, "ConnectionAbortedError", OS, NONE, "operation cancelled")                  \
    X(-208, WOULD_BLOCK, "BlockingIOError", OS, NONE, "operation would block")                     \
    X(-300, TLS, "SSLError", OS, NONE, "TLS error")                                                \
    X(-301, TLS_CERT_VERIFY, "SSLCertVerificationError", TLS, NONE, "certificate verify failed")   \
    X(-100, HTTP, "HTTPException", NONE, NONE, "HTTP protocol error")                              \
    X(-101, NOT_CONNECTED, "NotConnected", HTTP, NONE, "not connected")                            \
    X(-102, INVALID_URL, "InvalidURL", HTTP, NONE, "invalid URL")                                  \
    X(-103, UNKNOWN_PROTOCOL, "UnknownProtocol", HTTP, NONE, "unknown protocol")                   \
    X(-104, UNKNOWN_TRANSFER_ENCODING, "UnknownTransferEncoding", HTTP, NONE,                      \
      "unknown transfer encoding")                                                                 \
    X(-105, UNIMPLEMENTED_FILE_MODE, "UnimplementedFileMode", HTTP, NONE,                          \
      "unimplemented file mode")                                                                   \
    X(-106, INCOMPLETE_READ, "IncompleteRead", HTTP, NONE, "incomplete read")                      \
    X(-107, IMPROPER_CONNECTION_STATE, "ImproperConnectionState", HTTP, NONE,                      \
      "improper connection state")                                                                 \
    X(-108, CANNOT_SEND_REQUEST, "CannotSendRequest", IMPROPER_CONNECTION_STATE, NONE,             \
      "cannot send request")                                                                       \
    X(-109, CANNOT_SEND_HEADER, "CannotSendHeader", IMPROPER_CONNECTION_STATE, NONE,               \
      "cannot send header")                                                                        \
    X(-110, RESPONSE_NOT_READY, "ResponseNotReady", IMPROPER_CONNECTION_STATE, NONE,               \
      "response not ready")                                                                        \
    X(-111, BAD_STATUS_LINE, "BadStatusLine", HTTP, NONE, "bad status line")                       \
    X(-112, REMOTE_DISCONNECTED, "RemoteDisconnected", BAD_STATUS_LINE, CONNECTION_RESET,          \
      "Remote end closed connection without response")                                             \
    X(-113, LINE_TOO_LONG, "LineTooLong", HTTP, NONE, "line too long")                             \
    X(-114, TOO_MANY_HEADERS, "TooManyHeaders", HTTP, NONE, "got more than 100 headers")           \
    X(-115, INVALID_CONTENT_LENGTH, "InvalidContentLength", HTTP, NONE,                            \
      "invalid or conflicting Content-Length")                                                     \
    X(-116, INVALID_CHUNK, "InvalidChunk", HTTP, INCOMPLETE_READ, "malformed chunked encoding")    \
    X(-117, TOO_MANY_INTERIM, "TooManyInterimResponses", HTTP, NONE,                               \
      "too many interim (1xx) responses")                                                          \
    X(-118, RESPONSE_TOO_LARGE, "ResponseTooLarge", HTTP, NONE,                                    \
      "response body exceeds the maximum size")                                                    \
    X(-400, INVALID_ARGUMENT, "ValueError", NONE, NONE, "invalid argument")                        \
    X(-401, NOMEM, "MemoryError", NONE, NONE, "out of memory")                                     \
    X(-402, STATE, "RuntimeError", NONE, NONE, "operation not allowed in this state")

#define HTTPC_ERROR_ENUM_ITEM_(value, name, cls, p1, p2, msg) HTTPC_E_##name = value,
/** Error codes. HTTPC_OK is success; every other value is negative. */
typedef enum httpc_error {
    HTTPC_OK = 0,
    HTTPC_ERROR_MAP(HTTPC_ERROR_ENUM_ITEM_) HTTPC_E_NONE_ = 1 /* internal: no code */
} httpc_error;

/** The name of a code's class, as in docs/errors.md ("IncompleteRead", ...);
 * "OK" for 0 and "UnknownError" for a value not in the table. Static storage. */
HTTPC_EXTERN(const char *) httpc_error_name(int code);
/** The default message of a code. Static storage, never NULL. */
HTTPC_EXTERN(const char *) httpc_strerror(int code);
/** 1 when `code` is `ancestor` or descends from it (e.g. REMOTE_DISCONNECTED is
 * both a BAD_STATUS_LINE and a CONNECTION_RESET), else 0. O(1). */
HTTPC_EXTERN(int) httpc_error_is(int code, int ancestor);
/** The number of codes in the table, and the i-th code (0 <= i < count), for
 * bindings that generate their exception classes from the table. */
HTTPC_EXTERN(size_t) httpc_error_count(void);
HTTPC_EXTERN(int) httpc_error_at(size_t index);
/** The direct parents of a code (HTTPC_OK where there is none). */
HTTPC_EXTERN(int) httpc_error_parent(int code, int which);

/** Detail of the last failure on the calling thread. */
typedef struct httpc_error_info {
    int code;            /**< the code returned, HTTPC_OK if none yet */
    const char *message; /**< full message, never NULL */
    int os_errno;        /**< errno for OS errors, else 0 */
    int tls_error;       /**< wolfSSL error number for TLS errors, else 0 */
    int64_t partial;     /**< INCOMPLETE_READ: bytes read; else 0 */
    int64_t expected;    /**< INCOMPLETE_READ: bytes still expected, -1 unknown */
    const char *line;    /**< BAD_STATUS_LINE: the offending line (may be
                              truncated to 1 KiB); else "". Never NULL. */
} httpc_error_info;

/** The calling thread's last error record. Never NULL. The record, and the
 * strings it points to, are the thread's own: valid until the next httpc call
 * on that thread (any call may reset or overwrite them), never touched by
 * other threads. Copy what you keep. */
HTTPC_EXTERN(const httpc_error_info *) httpc_last_error(void);
/** Convenience accessors of the same record (for bindings). The strings of
 * httpc_last_error_message and httpc_last_error_line live as the record does:
 * until the next httpc call on the calling thread. */
HTTPC_EXTERN(int) httpc_last_error_code(void);
HTTPC_EXTERN(const char *) httpc_last_error_message(void);
HTTPC_EXTERN(int) httpc_last_error_errno(void);
HTTPC_EXTERN(int) httpc_last_error_tls(void);
HTTPC_EXTERN(int64_t) httpc_last_error_partial(void);
HTTPC_EXTERN(int64_t) httpc_last_error_expected(void);
HTTPC_EXTERN(const char *) httpc_last_error_line(void);
/** Resets the calling thread's record to HTTPC_OK. */
HTTPC_EXTERN(void) httpc_clear_error(void);

/** Frees memory the library allocated for the caller (httpc_response_read_all's
 * buffer). Accepts NULL. */
HTTPC_EXTERN(void) httpc_free(void *ptr);

/* ------------------------------------------------------------------------ */
/* Status codes (http.HTTPStatus) and reason phrases (http.client.responses) */
/* ------------------------------------------------------------------------ */

#define HTTPC_STATUS_MAP(X)                                                                        \
    X(100, CONTINUE, "Continue")                                                                   \
    X(101, SWITCHING_PROTOCOLS, "Switching Protocols")                                             \
    X(102, PROCESSING, "Processing")                                                               \
    X(103, EARLY_HINTS, "Early Hints")                                                             \
    X(200, OK, "OK")                                                                               \
    X(201, CREATED, "Created")                                                                     \
    X(202, ACCEPTED, "Accepted")                                                                   \
    X(203, NON_AUTHORITATIVE_INFORMATION, "Non-Authoritative Information")                         \
    X(204, NO_CONTENT, "No Content")                                                               \
    X(205, RESET_CONTENT, "Reset Content")                                                         \
    X(206, PARTIAL_CONTENT, "Partial Content")                                                     \
    X(207, MULTI_STATUS, "Multi-Status")                                                           \
    X(208, ALREADY_REPORTED, "Already Reported")                                                   \
    X(226, IM_USED, "IM Used")                                                                     \
    X(300, MULTIPLE_CHOICES, "Multiple Choices")                                                   \
    X(301, MOVED_PERMANENTLY, "Moved Permanently")                                                 \
    X(302, FOUND, "Found")                                                                         \
    X(303, SEE_OTHER, "See Other")                                                                 \
    X(304, NOT_MODIFIED, "Not Modified")                                                           \
    X(305, USE_PROXY, "Use Proxy")                                                                 \
    X(307, TEMPORARY_REDIRECT, "Temporary Redirect")                                               \
    X(308, PERMANENT_REDIRECT, "Permanent Redirect")                                               \
    X(400, BAD_REQUEST, "Bad Request")                                                             \
    X(401, UNAUTHORIZED, "Unauthorized")                                                           \
    X(402, PAYMENT_REQUIRED, "Payment Required")                                                   \
    X(403, FORBIDDEN, "Forbidden")                                                                 \
    X(404, NOT_FOUND, "Not Found")                                                                 \
    X(405, METHOD_NOT_ALLOWED, "Method Not Allowed")                                               \
    X(406, NOT_ACCEPTABLE, "Not Acceptable")                                                       \
    X(407, PROXY_AUTHENTICATION_REQUIRED, "Proxy Authentication Required")                         \
    X(408, REQUEST_TIMEOUT, "Request Timeout")                                                     \
    X(409, CONFLICT, "Conflict")                                                                   \
    X(410, GONE, "Gone")                                                                           \
    X(411, LENGTH_REQUIRED, "Length Required")                                                     \
    X(412, PRECONDITION_FAILED, "Precondition Failed")                                             \
    X(413, REQUEST_ENTITY_TOO_LARGE, "Request Entity Too Large")                                   \
    X(414, REQUEST_URI_TOO_LONG, "Request-URI Too Long")                                           \
    X(415, UNSUPPORTED_MEDIA_TYPE, "Unsupported Media Type")                                       \
    X(416, REQUESTED_RANGE_NOT_SATISFIABLE, "Requested Range Not Satisfiable")                     \
    X(417, EXPECTATION_FAILED, "Expectation Failed")                                               \
    X(418, IM_A_TEAPOT, "I'm a Teapot")                                                            \
    X(421, MISDIRECTED_REQUEST, "Misdirected Request")                                             \
    X(422, UNPROCESSABLE_ENTITY, "Unprocessable Entity")                                           \
    X(423, LOCKED, "Locked")                                                                       \
    X(424, FAILED_DEPENDENCY, "Failed Dependency")                                                 \
    X(425, TOO_EARLY, "Too Early")                                                                 \
    X(426, UPGRADE_REQUIRED, "Upgrade Required")                                                   \
    X(428, PRECONDITION_REQUIRED, "Precondition Required")                                         \
    X(429, TOO_MANY_REQUESTS, "Too Many Requests")                                                 \
    X(431, REQUEST_HEADER_FIELDS_TOO_LARGE, "Request Header Fields Too Large")                     \
    X(451, UNAVAILABLE_FOR_LEGAL_REASONS, "Unavailable For Legal Reasons")                         \
    X(500, INTERNAL_SERVER_ERROR, "Internal Server Error")                                         \
    X(501, NOT_IMPLEMENTED, "Not Implemented")                                                     \
    X(502, BAD_GATEWAY, "Bad Gateway")                                                             \
    X(503, SERVICE_UNAVAILABLE, "Service Unavailable")                                             \
    X(504, GATEWAY_TIMEOUT, "Gateway Timeout")                                                     \
    X(505, HTTP_VERSION_NOT_SUPPORTED, "HTTP Version Not Supported")                               \
    X(506, VARIANT_ALSO_NEGOTIATES, "Variant Also Negotiates")                                     \
    X(507, INSUFFICIENT_STORAGE, "Insufficient Storage")                                           \
    X(508, LOOP_DETECTED, "Loop Detected")                                                         \
    X(510, NOT_EXTENDED, "Not Extended")                                                           \
    X(511, NETWORK_AUTHENTICATION_REQUIRED, "Network Authentication Required")

#define HTTPC_STATUS_ENUM_ITEM_(code, name, phrase) HTTPC_STATUS_##name = code,
typedef enum httpc_status {
    HTTPC_STATUS_MAP(HTTPC_STATUS_ENUM_ITEM_)
    /* Names newer Python versions use for the same codes. */
    HTTPC_STATUS_CONTENT_TOO_LARGE = 413,
    HTTPC_STATUS_URI_TOO_LONG = 414,
    HTTPC_STATUS_RANGE_NOT_SATISFIABLE = 416,
    HTTPC_STATUS_UNPROCESSABLE_CONTENT = 422
} httpc_status;

/** The reason phrase of a status code ("Not Found" for 404), or NULL when the
 * code is not in the table. Static storage. */
HTTPC_EXTERN(const char *) httpc_status_phrase(int code);
/** The number of codes in the table and the i-th (ascending), for bindings. */
HTTPC_EXTERN(size_t) httpc_status_count(void);
HTTPC_EXTERN(int) httpc_status_at(size_t index);
/** The constant's name without prefix ("NOT_FOUND"), or NULL. Static storage. */
HTTPC_EXTERN(const char *) httpc_status_name(int code);

/* ------------------------------------------------------------------------ */
/* TLS context (the counterpart of ssl.SSLContext)                           */
/* ------------------------------------------------------------------------ */

typedef struct httpc_tls_context httpc_tls_context;

#define HTTPC_TLS_VERSION_1_2 0x0303
#define HTTPC_TLS_VERSION_1_3 0x0304
#define HTTPC_CERT_NONE 0 /* same values as ssl.CERT_NONE / CERT_REQUIRED */
#define HTTPC_CERT_REQUIRED 2

/*
 * Threads and changes: a context holds one wolfSSL_CTX, shared by every
 * connection made with it; each connect (and reconnect) makes its TLS session
 * from that CTX and the context's settings, reading them without a lock.
 * Connections on several threads may use one context at the same time (they
 * only read it). The functions that change a context (load_verify_*,
 * load_cert_chain, set_verify_mode, set_check_hostname, set_insecure,
 * set_min_version) must not be called once a connection uses it, from any
 * thread: configure a context completely, then create connections with it;
 * for other settings, make a new context. httpc_tls_context_free may be
 * called from any thread at any time (the count of references is atomic).
 */

/** A context as ssl.create_default_context() makes it: verification and
 * hostname checking on, the system CA store loaded, TLS 1.2 minimum, ALPN
 * http/1.1. Owned by the caller (reference counted: connections keep their
 * own reference, so the caller may free it at once). Errors: NOMEM, TLS. */
HTTPC_EXTERN(int) httpc_tls_context_new(httpc_tls_context **out);
/** Like httpc_tls_context_new but without loading the system CA store. */
HTTPC_EXTERN(int) httpc_tls_context_new_empty(httpc_tls_context **out);
HTTPC_EXTERN(void) httpc_tls_context_free(httpc_tls_context *ctx);
/** Adds trusted CAs from a PEM file, a directory of hashed PEM files, or PEM
 * data in memory. Errors: INVALID_ARGUMENT, TLS (with the file and reason). */
HTTPC_EXTERN(int) httpc_tls_context_load_verify_file(httpc_tls_context *ctx, const char *cafile);
HTTPC_EXTERN(int) httpc_tls_context_load_verify_dir(httpc_tls_context *ctx, const char *capath);
HTTPC_EXTERN(int)
httpc_tls_context_load_verify_pem(httpc_tls_context *ctx, const char *pem, size_t len);
/** Loads a client certificate chain and its private key (keyfile NULL: the key
 * is in certfile). Errors: INVALID_ARGUMENT, TLS. */
HTTPC_EXTERN(int)
httpc_tls_context_load_cert_chain(httpc_tls_context *ctx, const char *certfile,
                                  const char *keyfile);
/** HTTPC_CERT_NONE or HTTPC_CERT_REQUIRED. CERT_NONE while hostname checking is
 * on is INVALID_ARGUMENT (as in Python): turn hostname checking off first. */
HTTPC_EXTERN(int) httpc_tls_context_set_verify_mode(httpc_tls_context *ctx, int mode);
HTTPC_EXTERN(int) httpc_tls_context_verify_mode(const httpc_tls_context *ctx);
/** Turns hostname checking on (1) or off (0). Turning it on sets CERT_REQUIRED. */
HTTPC_EXTERN(int) httpc_tls_context_set_check_hostname(httpc_tls_context *ctx, int enabled);
HTTPC_EXTERN(int) httpc_tls_context_check_hostname(const httpc_tls_context *ctx);
/** The insecure mode, asked for by name: no hostname check and no verification. */
HTTPC_EXTERN(int) httpc_tls_context_set_insecure(httpc_tls_context *ctx);
/** HTTPC_TLS_VERSION_1_2 or HTTPC_TLS_VERSION_1_3. */
HTTPC_EXTERN(int) httpc_tls_context_set_min_version(httpc_tls_context *ctx, int version);
HTTPC_EXTERN(int) httpc_tls_context_min_version(const httpc_tls_context *ctx);

/* ------------------------------------------------------------------------ */
/* Connections (http.client.HTTPConnection / HTTPSConnection)                */
/* ------------------------------------------------------------------------ */

typedef struct httpc_conn httpc_conn;
typedef struct httpc_response httpc_response;
typedef struct httpc_headers httpc_headers;

/** Receives one line of debug output (without newline), e.g.
 * "send: b'GET / HTTP/1.1\r\n...'" as http.client prints it. `line` is
 * valid during the call only. Called on the thread making the httpc call;
 * debug_userdata must live as long as the connection and its responses. */
typedef void (*httpc_debug_fn)(void *userdata, const char *line);

#define HTTPC_CONN_OPTIONS_VERSION 1
/** Connection options. Initialise with HTTPC_CONN_OPTIONS_INIT or
 * httpc_conn_options_init(); the library checks `version`. */
typedef struct httpc_conn_options {
    unsigned int version;
    /** Seconds each blocking operation may take (connect, each send, each
     * receive), as http.client's timeout; negative: block forever. */
    double timeout;
    /** Seconds the TCP connect (and TLS handshake) may take; negative: use
     * timeout. */
    double connect_timeout;
    /** Seconds a whole response (status line to end of body) may take from
     * getresponse; negative: no total deadline. */
    double total_timeout;
    /** Local address to bind before connecting (source_address), or NULL.
     * Copied by httpc_conn_new. */
    const char *source_host;
    /** Local port to bind (0: any). */
    int source_port;
    /** Size of the pieces a file or reader body is read and sent in. */
    size_t blocksize;
    /** Longest status or header line accepted (bytes). */
    size_t max_line_length;
    /** Most header lines accepted in one response (also bounds 1xx headers). */
    size_t max_headers;
    /** Most interim (1xx) responses skipped before the final one. */
    size_t max_interim_responses;
    /** Debug level (0: quiet, >0: print send:/reply:/header: lines). */
    int debuglevel;
    /** Where debug lines go; NULL: stdout. */
    httpc_debug_fn debug_fn;
    void *debug_userdata;
} httpc_conn_options;

#define HTTPC_CONN_OPTIONS_INIT                                                                    \
    {                                                                                              \
        HTTPC_CONN_OPTIONS_VERSION, -1.0, -1.0, -1.0, NULL, 0, 8192, 65536, 100, 100, 0, NULL,     \
            NULL                                                                                   \
    }

/** Fills `opts` with the defaults of `version` (for bindings that cannot use
 * the macro). Errors: INVALID_ARGUMENT for an unknown version. */
HTTPC_EXTERN(int) httpc_conn_options_init(httpc_conn_options *opts, unsigned int version);

/** Creates an HTTP connection (not yet connected). `host` may carry a port
 * ("host:port", "[v6]:port"); `port` 0 means: from host, else 80. opts may be
 * NULL for the defaults and is copied (its strings too). Errors: INVALID_URL (empty or
 * non-numeric port, bad host), INVALID_ARGUMENT, NOMEM. */
HTTPC_EXTERN(int)
httpc_conn_new(httpc_conn **out, const char *host, int port, const httpc_conn_options *opts);
/** Creates an HTTPS connection; default port 443. `tls` NULL means a default
 * context (httpc_tls_context_new); the connection takes its own reference. */
HTTPC_EXTERN(int)
httpc_conn_new_https(httpc_conn **out, const char *host, int port, const httpc_conn_options *opts,
                     httpc_tls_context *tls);
/** Closes and frees. A response still alive is detached (it reads what is
 * already buffered, then ends). Accepts NULL. */
HTTPC_EXTERN(void) httpc_conn_free(httpc_conn *conn);

/** The host (brackets and port removed) and port the connection targets.
 * Borrowed: valid until httpc_conn_free (it never changes). */
HTTPC_EXTERN(const char *) httpc_conn_host(const httpc_conn *conn);
HTTPC_EXTERN(int) httpc_conn_port(const httpc_conn *conn);
HTTPC_EXTERN(int) httpc_conn_is_https(const httpc_conn *conn);

HTTPC_EXTERN(void) httpc_conn_set_debuglevel(httpc_conn *conn, int level);
/** Changes the per-operation timeout (seconds, negative: none). */
HTTPC_EXTERN(void) httpc_conn_set_timeout(httpc_conn *conn, double timeout);

/** A request header given as a pair of NUL-terminated strings, read during
 * the call that takes them (they are copied into the request). */
typedef struct httpc_header {
    const char *name;
    const char *value;
} httpc_header;

/** Reads up to `cap` bytes of a body into buf. Returns the count, 0 at the
 * end, or a negative value to abort (the request fails with that code if it
 * is an httpc error, else OS). In non-blocking mode it may return
 * HTTPC_E_WOULD_BLOCK: nothing yet; the send returns WOULD_BLOCK with no
 * descriptor to watch, and calling it again asks the reader again. */
typedef int64_t (*httpc_read_fn)(void *userdata, void *buf, size_t cap);
/** Produces the next chunk of a chunked body: sets *data and *len (borrowed until
 * the next call) and returns 1, returns 0 at the end, negative to abort. A
 * zero-length chunk is skipped (it would end the body). In non-blocking mode
 * HTTPC_E_WOULD_BLOCK means "nothing yet", as for httpc_read_fn. */
typedef int (*httpc_chunk_fn)(void *userdata, const void **data, size_t *len);

typedef enum httpc_body_kind {
    HTTPC_BODY_NONE = 0, /**< no body (Python None) */
    HTTPC_BODY_BYTES,    /**< data/len (len 0 is an empty body, b"") */
    HTTPC_BODY_FD,       /**< read fd to EOF in blocksize pieces; length unknown */
    HTTPC_BODY_READER,   /**< read_fn until it returns 0; length unknown */
    HTTPC_BODY_CHUNKS,   /**< chunk_fn until it returns 0; an iterable */
    /** The caller pushes the pieces after the head is sent, with
     * httpc_conn_body_write, and ends with httpc_conn_body_end. Framed as
     * READER is (chunked unless the caller set Content-Length). */
    HTTPC_BODY_PUSH
} httpc_body_kind;

/** A request body. Bodies of unknown length (FD, READER, CHUNKS) are sent
 * with Transfer-Encoding: chunked unless the caller set Content-Length, as
 * http.client does. The struct, `data` and `userdata` are the caller's and
 * must stay valid until the call that sends the body returns (in
 * non-blocking mode: until it returns something other than WOULD_BLOCK);
 * nothing is kept after it. An FD body is read, never closed. */
typedef struct httpc_body {
    httpc_body_kind kind;
    const void *data;
    size_t len;
    int fd;
    httpc_read_fn read_fn;
    httpc_chunk_fn chunk_fn;
    void *userdata;
} httpc_body;

/** Flags of httpc_conn_request and httpc_conn_endheaders. */
#define HTTPC_ENCODE_CHUNKED 0x1
/** Flags of httpc_conn_putrequest. */
#define HTTPC_SKIP_HOST 0x1
#define HTTPC_SKIP_ACCEPT_ENCODING 0x2

/** Opens the connection now (it otherwise opens on the first request). For a
 * tunnel, connects to the proxy and sends CONNECT. Errors: RESOLVE,
 * CONNECTION_REFUSED, TIMEOUT, OS, TLS, TLS_CERT_VERIFY, TUNNEL_FAILED. */
HTTPC_EXTERN(int) httpc_conn_connect(httpc_conn *conn);
/** Closes the socket and the current response; the connection may be used
 * again (it reconnects). Also forgets an interrupt no call has consumed. */
HTTPC_EXTERN(void) httpc_conn_close(httpc_conn *conn);

/** Cancels, from any thread, what the connection's owner is waiting for:
 * a connect, the TLS handshake, a CONNECT to the proxy, a send, or a
 * receive (getresponse and every response read, including a response that
 * took the socket with Connection: close). The waiting call returns
 * HTTPC_E_CANCELLED (errno ECONNABORTED; Python: ConnectionAbortedError) at
 * once and the connection is closed, as after any failure: the next request
 * reconnects. When no call is waiting, the interrupt is kept and the next
 * connect, send or wait for the network on this connection fails that way,
 * once (so an interrupt that comes just before a call starts waiting is not
 * lost); a call served from data already received is not affected, and
 * httpc_conn_close forgets a kept interrupt. Name resolution
 * (getaddrinfo) cannot be woken: a connect notices the interrupt after it.
 *
 * How: the owner publishes the socket it polls; this call sets a flag and
 * shuts that socket down (shutdown(2)), which ends poll() at once. It adds
 * no thread, no descriptor, and no system call or allocation to a request:
 * a few atomic instructions per wait.
 *
 * Threads: may run concurrently with any call on this connection and its
 * responses (request, getresponse, reads, connect, close, another
 * interrupt), and returns without waiting for them. It must not run
 * concurrently with or after httpc_conn_free of the same connection: the
 * owner must know that no interrupt is in flight before freeing (for
 * example, clear the pointer the interrupting thread uses under a mutex
 * that thread holds while it calls this). Responses that outlive their
 * connection can no longer be interrupted. Async-signal-safe it is not (it
 * takes a mutex). Returns HTTPC_OK, or INVALID_ARGUMENT for NULL. */
HTTPC_EXTERN(int) httpc_conn_interrupt(httpc_conn *conn);

/** Sends a whole request: putrequest (with skip_host / skip_accept_encoding
 * when the headers name Host / Accept-Encoding), the headers, Content-Length
 * or Transfer-Encoding as http.client decides, and the body. `headers` may be
 * NULL when n_headers is 0. flags: HTTPC_ENCODE_CHUNKED. body NULL: no body.
 * Errors: CANNOT_SEND_REQUEST, INVALID_URL, INVALID_ARGUMENT (method, header
 * name or value), the connect errors, BROKEN_PIPE, CONNECTION_RESET, TIMEOUT.
 * Nothing is sent when a check fails. */
HTTPC_EXTERN(int)
httpc_conn_request(httpc_conn *conn, const char *method, const char *url, const httpc_body *body,
                   const httpc_header *headers, size_t n_headers, int flags);
/** Starts a request: the request line, Host (unless HTTPC_SKIP_HOST) and
 * Accept-Encoding: identity (unless HTTPC_SKIP_ACCEPT_ENCODING), buffered
 * until endheaders. Errors: CANNOT_SEND_REQUEST, INVALID_URL,
 * INVALID_ARGUMENT. */
HTTPC_EXTERN(int)
httpc_conn_putrequest(httpc_conn *conn, const char *method, const char *url, int flags);
/** Adds a header line; each value after the first goes on a continuation line
 * ("\r\n\t" value), as http.client does. Errors: CANNOT_SEND_HEADER,
 * INVALID_ARGUMENT (illegal name, value with bare CR/LF). */
HTTPC_EXTERN(int) httpc_conn_putheader(httpc_conn *conn, const char *name, const char *value);
HTTPC_EXTERN(int)
httpc_conn_putheader_values(httpc_conn *conn, const char *name, const char *const *values,
                            size_t n_values);
/** Ends the headers and sends them with message_body (may be NULL);
 * HTTPC_ENCODE_CHUNKED sends the body chunk-encoded. Errors: CANNOT_SEND_HEADER
 * and the send errors. */
HTTPC_EXTERN(int)
httpc_conn_endheaders(httpc_conn *conn, const httpc_body *message_body, int flags);
/** Sends raw bytes (connecting first if needed). */
HTTPC_EXTERN(int) httpc_conn_send(httpc_conn *conn, const void *data, size_t len);

/** Reads the status line and headers of the response to the request sent.
 * The response is owned by the caller (httpc_response_free). Errors:
 * RESPONSE_NOT_READY, REMOTE_DISCONNECTED, BAD_STATUS_LINE, UNKNOWN_PROTOCOL,
 * LINE_TOO_LONG, TOO_MANY_HEADERS, TOO_MANY_INTERIM, INVALID_CONTENT_LENGTH,
 * TIMEOUT, CONNECTION_RESET, TLS. On error the connection is closed. */
HTTPC_EXTERN(int) httpc_conn_getresponse(httpc_conn *conn, httpc_response **out);

/** Sets up a CONNECT tunnel through the proxy the connection was created for
 * (call before connecting). port 0: 80 (443 for HTTPS) or the port in host.
 * headers are sent with the CONNECT request. Errors: STATE (already
 * connected), INVALID_ARGUMENT (CR/LF in host or headers), INVALID_URL. */
HTTPC_EXTERN(int)
httpc_conn_set_tunnel(httpc_conn *conn, const char *host, int port, const httpc_header *headers,
                      size_t n_headers);
/** The headers of the proxy's answer to CONNECT, or NULL before a tunnel was
 * set up. Borrowed: the object lives until httpc_conn_free, but the next
 * CONNECT (a reconnect through the proxy, on the next connect or request)
 * refills it, and the strings read from it before are then no longer valid. */
HTTPC_EXTERN(const httpc_headers *) httpc_conn_proxy_response_headers(const httpc_conn *conn);

/** The socket's file descriptor, or -1 when not connected. */
HTTPC_EXTERN(int) httpc_conn_fileno(const httpc_conn *conn);
/** Lets go of the socket as http.client's `conn.sock.close(); conn.sock =
 * None` does (urllib.request does it after getresponse): a response still
 * being read keeps the socket until its body ends or it is closed, and the
 * connection opens a new socket on its next request. Accepts NULL. */
HTTPC_EXTERN(void) httpc_conn_drop_socket(httpc_conn *conn);

/* ------------------------------------------------------------------------ */
/* Responses (http.client.HTTPResponse)                                      */
/* ------------------------------------------------------------------------ */

/** Frees a response (closing it first). Accepts NULL. */
HTTPC_EXTERN(void) httpc_response_free(httpc_response *resp);
HTTPC_EXTERN(int) httpc_response_status(const httpc_response *resp);
/** The reason phrase as sent (may be ""). Borrowed: valid until
 * httpc_response_free. */
HTTPC_EXTERN(const char *) httpc_response_reason(const httpc_response *resp);
/** 10 for HTTP/1.0, 11 for HTTP/1.1. */
HTTPC_EXTERN(int) httpc_response_version(const httpc_response *resp);
/** 1 when the connection closes after this response. */
HTTPC_EXTERN(int) httpc_response_will_close(const httpc_response *resp);
/** 1 when the body is chunked. */
HTTPC_EXTERN(int) httpc_response_chunked(const httpc_response *resp);
/** Body bytes still expected by Content-Length, or -1 when unknown. */
HTTPC_EXTERN(int64_t) httpc_response_length(const httpc_response *resp);

/** Reads up to `cap` body bytes into buf, filling it unless the body ends
 * (http.client's read(amt) / readinto). *out_n is 0 at the end. A body that
 * ends early gives the bytes read, then 0 (as http.client); use read_all to
 * get INCOMPLETE_READ. Errors: TIMEOUT, CONNECTION_RESET, INVALID_CHUNK,
 * INCOMPLETE_READ (chunked body cut short), TLS. */
HTTPC_EXTERN(int) httpc_response_read(httpc_response *resp, void *buf, size_t cap, size_t *out_n);
/** Like read, but returns after at most one receive from the socket (read1). */
HTTPC_EXTERN(int) httpc_response_read1(httpc_response *resp, void *buf, size_t cap, size_t *out_n);
/** Reads the rest of the body into a new buffer (*out_data, NUL-terminated
 * for convenience, freed with httpc_free; may be NULL when *out_len is 0).
 * On INCOMPLETE_READ *out_data still holds the partial body. */
HTTPC_EXTERN(int) httpc_response_read_all(httpc_response *resp, char **out_data, size_t *out_len);
/** Reads one line of the body, up to and including "\n", at most cap bytes. */
HTTPC_EXTERN(int)
httpc_response_readline(httpc_response *resp, void *buf, size_t cap, size_t *out_n);
/** Returns buffered body bytes without consuming them, receiving once when
 * none are buffered. *out_data is borrowed until the next call on this
 * response (a read, peek, drain, close or free), which may move or free
 * those bytes. */
HTTPC_EXTERN(int) httpc_response_peek(httpc_response *resp, const void **out_data, size_t *out_n);
/** Skips the rest of the body so the connection can be reused. */
HTTPC_EXTERN(int) httpc_response_drain(httpc_response *resp);

/** The value of header `name` (case-insensitive), all values joined with
 * ", ", or `default_value` itself (the caller's pointer) when absent.
 * Borrowed: the value is written into one buffer per response, which the
 * next httpc_response_getheader call on the same response overwrites (copy
 * a value before asking for another); it is valid until then, or until
 * httpc_response_free. When that buffer cannot be grown (out of memory) this
 * returns NULL and records NOMEM (httpc_last_error), so an allocation failure
 * is never mistaken for an absent header. */
HTTPC_EXTERN(const char *)
httpc_response_getheader(httpc_response *resp, const char *name, const char *default_value);
/** The header message (all headers in order). Borrowed: the object and the
 * strings read from it are valid until httpc_response_free (reading the body
 * does not change them). */
HTTPC_EXTERN(const httpc_headers *) httpc_response_headers(const httpc_response *resp);
/** The trailers of a chunked body (empty until the body is read to its end).
 * Borrowed: valid until httpc_response_free. */
HTTPC_EXTERN(const httpc_headers *) httpc_response_trailers(const httpc_response *resp);
/** The socket descriptor, or -1 when closed. */
HTTPC_EXTERN(int) httpc_response_fileno(const httpc_response *resp);
/** 1 when the body was read to the end or the response was closed. */
HTTPC_EXTERN(int) httpc_response_isclosed(const httpc_response *resp);
/** Closes the response (a keep-alive connection whose body was not read to
 * the end is closed too, as http.client does). */
HTTPC_EXTERN(void) httpc_response_close(httpc_response *resp);

/* ------------------------------------------------------------------------ */
/* Pushed request bodies (HTTPC_BODY_PUSH)                                   */
/* ------------------------------------------------------------------------ */

/** Sends one piece of a pushed body, framed as the request decided (a chunk
 * when the body is chunked; a zero-length piece is skipped). Errors:
 * CANNOT_SEND_REQUEST (no pushed body is open), the send errors,
 * WOULD_BLOCK. */
HTTPC_EXTERN(int) httpc_conn_body_write(httpc_conn *conn, const void *data, size_t len);
/** Ends a pushed body (the last chunk "0\r\n\r\n" when chunked). Errors: as
 * httpc_conn_body_write. */
HTTPC_EXTERN(int) httpc_conn_body_end(httpc_conn *conn);

/* ------------------------------------------------------------------------ */
/* Non-blocking mode: httpc under the caller's event loop                    */
/* ------------------------------------------------------------------------ */

/*
 * In non-blocking mode no call waits. An operation that cannot go on returns
 * HTTPC_E_WOULD_BLOCK (errno EAGAIN; Python's BlockingIOError) and keeps its
 * progress in the connection or response; httpc_conn_wait (or
 * httpc_response_wait for a response's reads) says what it waits for. The
 * caller waits however its loop waits and calls the same function again
 * with the same arguments: bytes already sent are not sent again, bytes
 * already copied into the caller's buffer stay there and are counted in the
 * final *out_n. When the operation's deadline (timeout, total_timeout,
 * connect_timeout) has passed, the next call returns TIMEOUT and closes, as
 * a blocking call would. httpc_conn_interrupt wakes the loop (it shuts the
 * watched socket down) and the next call returns CANCELLED. Every
 * operation uses the bytes already buffered (the input buffer, TLS records
 * already decrypted) before it says it would block.
 *
 *     httpc_conn_set_nonblocking(conn, 1);
 *     while ((rc = httpc_conn_request(conn, "GET", "/", NULL, NULL, 0, 0)) ==
 *            HTTPC_E_WOULD_BLOCK) {
 *         httpc_wait w;
 *         httpc_conn_wait(conn, &w);
 *         struct pollfd p = {w.fd, (w.events & HTTPC_WAIT_READ ? POLLIN : 0) |
 *                                  (w.events & HTTPC_WAIT_WRITE ? POLLOUT : 0)};
 *         poll(&p, w.fd >= 0, (int)w.timeout_ms);
 *     }
 *
 * Name resolution: a host that is an IP literal needs none; any other name is
 * resolved by getaddrinfo on a short-lived helper thread, which wakes the
 * loop through a descriptor (w.fd, HTTPC_WAIT_READ) announced like a socket.
 */

/** Switches the connection, and the responses it gives from now on, to
 * non-blocking mode (1) or back to blocking (0). Errors: INVALID_ARGUMENT. */
HTTPC_EXTERN(int) httpc_conn_set_nonblocking(httpc_conn *conn, int enabled);
HTTPC_EXTERN(int) httpc_conn_nonblocking(const httpc_conn *conn);

#define HTTPC_WAIT_READ 0x1
#define HTTPC_WAIT_WRITE 0x2

/** What an operation that returned WOULD_BLOCK waits for. */
typedef struct httpc_wait {
    /** The descriptor to watch, or -1: nothing to watch (a body source said
     * "not yet"); call again when it has more. */
    int fd;
    /** HTTPC_WAIT_READ and/or HTTPC_WAIT_WRITE (a TLS read may need to write). */
    int events;
    /** Milliseconds left before the operation's deadline, -1 for none, 0 when
     * it has passed (the next call returns TIMEOUT). */
    int64_t timeout_ms;
} httpc_wait;

/** Fills *out for the connection's pending operation (connect, request,
 * send, getresponse). Returns HTTPC_OK, or INVALID_ARGUMENT; with nothing
 * pending, out->fd is -1 and out->events 0. */
HTTPC_EXTERN(int) httpc_conn_wait(const httpc_conn *conn, httpc_wait *out);
/** The same for a response's pending read. */
HTTPC_EXTERN(int) httpc_response_wait(const httpc_response *resp, httpc_wait *out);

#define HTTPC_SOCKET_OPENED 1
#define HTTPC_SOCKET_CLOSING 2
/** Told of every descriptor the engine may ask the caller to watch: OPENED
 * when it is made (a socket, each address tried in turn, the resolver's
 * wake-up descriptor), CLOSING just before close(2), so that a loop stops
 * watching a number before it can be reused. Called on the thread making the
 * httpc call. */
typedef void (*httpc_socket_fn)(void *userdata, int fd, int event);
/** Sets (or with fn NULL removes) the descriptor callback. It applies to the
 * descriptors opened from now on, and stays with them: a response that
 * outlives its connection still announces its socket's closing, so userdata
 * must live until every response of the connection is freed. */
HTTPC_EXTERN(int)
httpc_conn_set_socket_callback(httpc_conn *conn, httpc_socket_fn fn, void *userdata);

/** The most response body bytes any one response may deliver (Content-Length
 * or bytes received), a bound for callers who read whole bodies (undici's
 * maxResponseSize). Beyond it a read fails with RESPONSE_TOO_LARGE and the
 * connection is closed (the next request reconnects). 0 or negative: no
 * limit, the default, as in http.client. */
HTTPC_EXTERN(int) httpc_conn_set_max_response_size(httpc_conn *conn, int64_t max_bytes);

/* ------------------------------------------------------------------------ */
/* Header messages (http.client.HTTPMessage)                                 */
/* ------------------------------------------------------------------------ */

/** Number of header fields. */
HTTPC_EXTERN(size_t) httpc_headers_count(const httpc_headers *headers);
/** Name and value of field i, as received (value without surrounding
 * whitespace; obs-fold lines kept as http.client keeps them). Borrowed: valid
 * as long as the headers object they came from (see the function that gave
 * it); NULL when i is out of range. */
HTTPC_EXTERN(const char *) httpc_headers_name(const httpc_headers *headers, size_t index);
HTTPC_EXTERN(const char *) httpc_headers_value(const httpc_headers *headers, size_t index);
/** The index of the first field named `name` (case-insensitive) at or after
 * `start`, or -1. Iterate all values of a name with it. */
HTTPC_EXTERN(int64_t)
httpc_headers_find(const httpc_headers *headers, const char *name, size_t start);
/** The first value of `name`, or NULL. Borrowed, as httpc_headers_value. */
HTTPC_EXTERN(const char *) httpc_headers_get(const httpc_headers *headers, const char *name);

#ifdef __cplusplus
}
#endif

#endif /* HTTPC_H */
