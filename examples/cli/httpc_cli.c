/*
 * httpc — a small command-line HTTP/1.1 client built on the public httpc API.
 *
 *   httpc [options] URL
 *
 * Exit status: 0 when the exchange completed (whatever the HTTP status),
 * 1 for a usage error, 2 for a failure. A failure prints exactly one line on
 * stderr: "httpc: <ErrorName>: <message>", ErrorName being the class name of
 * the library's error code (docs/errors.md).
 */
#define _POSIX_C_SOURCE 200809L

#include <httpc.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { EXIT_DONE = 0, EXIT_USAGE = 1, EXIT_FAILED = 2 };

/* Body pieces are read and written through one buffer of this size, so a
 * large download never sits in memory whole. */
#define PIECE_SIZE (64 * 1024)
#define MAX_HEADERS 64

static const char usage_text[] =
    "usage: httpc [options] URL\n"
    "\n"
    "  URL                     http://host[:port]/path or https://host[:port]/path\n"
    "  -X, --request METHOD    request method (default GET, or POST with a body)\n"
    "  -H, --header 'N: v'     add a request header (repeatable)\n"
    "  -d, --data DATA         send DATA as the body\n"
    "      --data-binary @FILE send FILE as the body, streamed (Content-Length from\n"
    "                          its size; '@-' streams stdin chunked); without '@' the\n"
    "                          argument itself is the body\n"
    "      --chunked           send the body with Transfer-Encoding: chunked\n"
    "  -i, --include           print the status line and headers before the body\n"
    "  -I, --head              send HEAD and print the status line and headers\n"
    "  -o, --output FILE       write the body to FILE instead of stdout\n"
    "      --timeout S         seconds each blocking operation may take\n"
    "      --connect-timeout S seconds the connect (and TLS handshake) may take\n"
    "  -v, --verbose           print http.client's send:/reply:/header: lines on\n"
    "                          stderr (with --repeat: first and last request only)\n"
    "      --repeat N          N requests over one keep-alive connection; prints the\n"
    "                          last body and 'requests=N seconds=S rps=R' on stderr\n"
    "      --cacert FILE       trust the CAs in FILE (instead of the system store)\n"
    "      --capath DIR        trust the CAs in DIR (hashed PEM files)\n"
    "  -k, --insecure          do not verify the server certificate or host name\n"
    "      --cert FILE         client certificate chain (PEM)\n"
    "      --key FILE          client private key (PEM; default: in --cert)\n"
    "      --tlsv1.3           require TLS 1.3 at least\n"
    "      --proxy HOST:PORT   tunnel through an HTTP proxy with CONNECT\n"
    "  -h, --help              show this help\n"
    "\n"
    "Exit status: 0 exchange completed (any HTTP status), 1 usage error, 2 failure.\n";

typedef struct cli_options {
    const char *url;
    const char *method;
    httpc_header headers[MAX_HEADERS];
    char *header_storage[MAX_HEADERS]; /* "Name: value" copies split in place */
    size_t n_headers;
    const char *data;      /* -d / --data-binary without '@' */
    const char *data_file; /* --data-binary @FILE ("-" = stdin) */
    int chunked;
    int include_headers;
    int head;
    const char *output_file;
    double timeout;
    double connect_timeout;
    int verbose;
    long repeat;
    const char *cacert;
    const char *capath;
    int insecure;
    const char *cert;
    const char *key;
    int tls13;
    const char *proxy;
} cli_options;

/* The parts of a URL the library needs: the authority (handed to the library,
 * which parses "host:port" and "[v6]:port" itself) and the request target. */
typedef struct parsed_url {
    int https;
    char authority[512];
    const char *target; /* points into the URL; "/" when empty */
    size_t target_len;
} parsed_url;

/* ------------------------------------------------------------------ */
/* Reporting                                                           */
/* ------------------------------------------------------------------ */

/* Writes "httpc: " and the formatted text as one line on stderr, with any
 * control or non-ASCII byte (from a URL, an argument or a file name) escaped
 * as Python's repr escapes it: nothing the text holds can move the cursor. */
static void report_line(const char *fmt, va_list ap)
{
    char text[1024];
    vsnprintf(text, sizeof text, fmt, ap);
    fputs("httpc: ", stderr);
    for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
        if (*c == '\r' || *c == '\n' || *c == '\t')
            fprintf(stderr, "\\%c", *c == '\r' ? 'r' : *c == '\n' ? 'n' : 't');
        else if (*c < 0x20 || *c >= 0x7f)
            fprintf(stderr, "\\x%02x", *c);
        else
            fputc(*c, stderr);
    }
    fputc('\n', stderr);
}

#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
static void
report(const char *fmt, ...);
static void report(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report_line(fmt, ap);
    va_end(ap);
}

static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report_line(fmt, ap);
    va_end(ap);
    fputs("Try 'httpc -h' for more information.\n", stderr);
    return EXIT_USAGE;
}

/* The message without the class name some messages begin with
 * ("ResponseNotReady: Idle", "IncompleteRead(5 bytes read)"): the line
 * names the class once, in front. */
static const char *without_class_name(int code, const char *message, char *buf, size_t cap)
{
    const char *name = httpc_error_name(code);
    size_t name_len = strlen(name), len = strlen(message);
    if (strncmp(message, name, name_len) != 0)
        return message;
    const char *rest = message + name_len;
    if (!strncmp(rest, ": ", 2))
        return rest + 2;
    if (rest[0] == '(' && len > name_len + 2 && message[len - 1] == ')') {
        snprintf(buf, cap, "%.*s", (int)(len - name_len - 2), rest + 1);
        return buf;
    }
    return *rest ? message : httpc_strerror(code);
}

/* A library failure kept to be reported later: the thread's last error is
 * replaced by the next httpc call. */
typedef struct saved_failure {
    int code;
    char message[1024];
} saved_failure;

static void save_failure(saved_failure *out, int code)
{
    const char *message = httpc_last_error_code() == code ? httpc_last_error_message() : NULL;
    out->code = code;
    snprintf(out->message, sizeof out->message, "%s",
             message && *message ? message : httpc_strerror(code));
}

static int report_failure(const saved_failure *f)
{
    char inner[sizeof f->message];
    report("%s: %s", httpc_error_name(f->code),
           without_class_name(f->code, f->message, inner, sizeof inner));
    return EXIT_FAILED;
}

/* Prints the one failure line for a library error code. The message is read
 * before any other httpc call can replace the thread's last error. */
static int library_failure(int code)
{
    saved_failure f;
    save_failure(&f, code);
    return report_failure(&f);
}

/* A failure found by the program itself, named after the closest code. */
static int local_failure(int code, const char *fmt, ...)
{
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    report("%s: %s", httpc_error_name(code), text);
    return EXIT_FAILED;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ------------------------------------------------------------------ */
/* Command line                                                        */
/* ------------------------------------------------------------------ */

static int parse_seconds(const char *text, double *out)
{
    char *end;
    errno = 0;
    double value = strtod(text, &end);
    if (errno || end == text || *end || !(value >= 0) || value > 1e9)
        return -1;
    *out = value;
    return 0;
}

static int add_header(cli_options *o, const char *line)
{
    if (o->n_headers == MAX_HEADERS)
        return usage_error("too many -H options (at most %d)", MAX_HEADERS);
    const char *colon = strchr(line, ':');
    if (!colon || colon == line)
        return usage_error("-H wants 'Name: value', got '%s'", line);
    char *copy = strdup(line);
    if (!copy)
        return local_failure(HTTPC_E_NOMEM, "out of memory");
    char *value = copy + (colon - line);
    *value++ = '\0';
    while (*value == ' ' || *value == '\t')
        value++;
    o->header_storage[o->n_headers] = copy;
    o->headers[o->n_headers].name = copy;
    o->headers[o->n_headers].value = value;
    o->n_headers++;
    return EXIT_DONE;
}

static int has_header(const cli_options *o, const char *name)
{
    for (size_t i = 0; i < o->n_headers; i++)
        if (strcasecmp(o->headers[i].name, name) == 0)
            return 1;
    return 0;
}

/* Option table: long name, short letter (0: none), whether it takes a value. */
typedef struct option_spec {
    const char *long_name;
    char short_name;
    int takes_value;
} option_spec;

static const option_spec option_specs[] = {
    {"request", 'X', 1}, {"header", 'H', 1},        {"data", 'd', 1},     {"data-binary", 0, 1},
    {"chunked", 0, 0},   {"include", 'i', 0},       {"head", 'I', 0},     {"output", 'o', 1},
    {"timeout", 0, 1},   {"connect-timeout", 0, 1}, {"verbose", 'v', 0},  {"repeat", 0, 1},
    {"cacert", 0, 1},    {"capath", 0, 1},          {"insecure", 'k', 0}, {"cert", 0, 1},
    {"key", 0, 1},       {"tlsv1.3", 0, 0},         {"proxy", 0, 1},      {"help", 'h', 0},
};

/* Applies one recognised option. Returns EXIT_DONE, or an exit status; -1
 * asks for the help text. */
static int apply_option(cli_options *o, const option_spec *spec, const char *value)
{
    const char *name = spec->long_name;
    if (!strcmp(name, "request")) {
        o->method = value;
    } else if (!strcmp(name, "header")) {
        return add_header(o, value);
    } else if (!strcmp(name, "data") || !strcmp(name, "data-binary")) {
        if (o->data || o->data_file)
            return usage_error("only one -d / --data-binary body may be given");
        if (!strcmp(name, "data-binary") && value[0] == '@') {
            if (!value[1])
                return usage_error("--data-binary @ wants a file name");
            o->data_file = value + 1;
        } else {
            o->data = value;
        }
    } else if (!strcmp(name, "chunked")) {
        o->chunked = 1;
    } else if (!strcmp(name, "include")) {
        o->include_headers = 1;
    } else if (!strcmp(name, "head")) {
        o->head = 1;
    } else if (!strcmp(name, "output")) {
        o->output_file = value;
    } else if (!strcmp(name, "timeout") || !strcmp(name, "connect-timeout")) {
        double seconds;
        if (parse_seconds(value, &seconds))
            return usage_error("--%s wants a number of seconds, got '%s'", name, value);
        *(!strcmp(name, "timeout") ? &o->timeout : &o->connect_timeout) = seconds;
    } else if (!strcmp(name, "verbose")) {
        o->verbose = 1;
    } else if (!strcmp(name, "repeat")) {
        char *end;
        errno = 0;
        long n = strtol(value, &end, 10);
        if (errno || end == value || *end || n < 1)
            return usage_error("--repeat wants a positive count, got '%s'", value);
        o->repeat = n;
    } else if (!strcmp(name, "cacert")) {
        o->cacert = value;
    } else if (!strcmp(name, "capath")) {
        o->capath = value;
    } else if (!strcmp(name, "insecure")) {
        o->insecure = 1;
    } else if (!strcmp(name, "cert")) {
        o->cert = value;
    } else if (!strcmp(name, "key")) {
        o->key = value;
    } else if (!strcmp(name, "tlsv1.3")) {
        o->tls13 = 1;
    } else if (!strcmp(name, "proxy")) {
        o->proxy = value;
    } else if (!strcmp(name, "help")) {
        return -1;
    }
    return EXIT_DONE;
}

static const option_spec *find_long(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof option_specs / sizeof option_specs[0]; i++)
        if (strlen(option_specs[i].long_name) == len &&
            !strncmp(option_specs[i].long_name, name, len))
            return &option_specs[i];
    return NULL;
}

static const option_spec *find_short(char letter)
{
    for (size_t i = 0; i < sizeof option_specs / sizeof option_specs[0]; i++)
        if (option_specs[i].short_name == letter)
            return &option_specs[i];
    return NULL;
}

/* Parses argv: "--name value", "--name=value", "-X value", "-XGET", and
 * clustered flags ("-iv"); "--" ends the options. */
static int parse_args(cli_options *o, int argc, char **argv)
{
    int only_operands = 0;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (only_operands || arg[0] != '-' || !arg[1]) {
            if (o->url)
                return usage_error("more than one URL given ('%s' and '%s')", o->url, arg);
            o->url = arg;
            continue;
        }
        if (!strcmp(arg, "--")) {
            only_operands = 1;
            continue;
        }
        if (arg[1] == '-') {
            const char *name = arg + 2;
            const char *eq = strchr(name, '=');
            size_t len = eq ? (size_t)(eq - name) : strlen(name);
            const option_spec *spec = find_long(name, len);
            if (!spec)
                return usage_error("unknown option '--%.*s'", (int)len, name);
            const char *value = NULL;
            if (spec->takes_value) {
                if (eq)
                    value = eq + 1;
                else if (i + 1 < argc)
                    value = argv[++i];
                else
                    return usage_error("option '--%s' needs a value", spec->long_name);
            } else if (eq) {
                return usage_error("option '--%s' takes no value", spec->long_name);
            }
            int rc = apply_option(o, spec, value);
            if (rc)
                return rc;
            continue;
        }
        for (const char *p = arg + 1; *p; p++) {
            const option_spec *spec = find_short(*p);
            if (!spec)
                return usage_error("unknown option '-%c'", *p);
            const char *value = NULL;
            if (spec->takes_value) {
                if (p[1])
                    value = p + 1;
                else if (i + 1 < argc)
                    value = argv[++i];
                else
                    return usage_error("option '-%c' needs a value", *p);
            }
            int rc = apply_option(o, spec, value);
            if (rc)
                return rc;
            if (value)
                break;
        }
    }
    if (!o->url)
        return usage_error("no URL given");
    if (o->chunked && !o->data && !o->data_file)
        return usage_error("--chunked needs a body (-d or --data-binary)");
    if (o->key && !o->cert)
        return usage_error("--key needs --cert");
    if (o->data_file && !strcmp(o->data_file, "-") && o->repeat > 1)
        return usage_error("--repeat cannot resend a body read from stdin");
    return EXIT_DONE;
}

static int parse_url(const char *url, parsed_url *out)
{
    const char *rest;
    if (!strncasecmp(url, "http://", 7)) {
        out->https = 0;
        rest = url + 7;
    } else if (!strncasecmp(url, "https://", 8)) {
        out->https = 1;
        rest = url + 8;
    } else {
        return usage_error("URL must start with http:// or https://, got '%s'", url);
    }
    size_t authority_len = strcspn(rest, "/?#");
    if (authority_len == 0)
        return usage_error("URL has no host: '%s'", url);
    if (memchr(rest, '@', authority_len))
        return usage_error("user names in URLs are not supported: '%s'", url);
    if (authority_len >= sizeof out->authority)
        return usage_error("URL host is too long");
    memcpy(out->authority, rest, authority_len);
    out->authority[authority_len] = '\0';
    /* The fragment is never sent; the library validates the rest. */
    out->target = rest + authority_len;
    out->target_len = strcspn(out->target, "#");
    if (out->target_len == 0) {
        out->target = "/";
        out->target_len = 1;
    } else if (out->target[0] == '?') {
        return usage_error("URL path must start with '/': '%s'", url);
    }
    return EXIT_DONE;
}

/* ------------------------------------------------------------------ */
/* Progress bar (stderr, terminals only, long downloads only)          */
/* ------------------------------------------------------------------ */

typedef struct progress {
    int enabled;
    double started;
    double last_drawn;
    int drawn;
    int64_t total; /* -1: unknown */
    int64_t done;
} progress;

/* Only after this many seconds does a download count as long. */
#define PROGRESS_DELAY 0.5

static void progress_draw(progress *p, double now)
{
    double elapsed = now - p->started;
    double rate = elapsed > 0 ? (double)p->done / elapsed : 0;
    if (p->total > 0) {
        int width = 30;
        int filled = (int)((double)p->done * width / (double)p->total);
        if (filled > width)
            filled = width;
        fprintf(stderr, "\r[%.*s%*s] %3d%% %.1f/%.1f MiB %.1f MiB/s", filled,
                "##############################", width - filled, "",
                (int)((double)p->done * 100 / (double)p->total), (double)p->done / 1048576.0,
                (double)p->total / 1048576.0, rate / 1048576.0);
    } else {
        fprintf(stderr, "\r%.1f MiB %.1f MiB/s", (double)p->done / 1048576.0, rate / 1048576.0);
    }
    p->drawn = 1;
    p->last_drawn = now;
}

static void progress_update(progress *p, size_t n)
{
    p->done += (int64_t)n;
    if (!p->enabled)
        return;
    double now = now_seconds();
    if (now - p->started >= PROGRESS_DELAY && now - p->last_drawn >= 0.1)
        progress_draw(p, now);
}

static void progress_finish(progress *p)
{
    if (p->drawn) {
        progress_draw(p, now_seconds());
        fputc('\n', stderr);
    }
}

/* ------------------------------------------------------------------ */
/* The exchange                                                        */
/* ------------------------------------------------------------------ */

static void debug_to_stderr(void *userdata, const char *line)
{
    (void)userdata;
    fputs(line, stderr);
    fputc('\n', stderr);
}

static int make_tls_context(const cli_options *o, httpc_tls_context **out)
{
    int rc;
    httpc_tls_context *tls = NULL;
    /* As ssl.create_default_context(cafile=...): explicit CAs replace the
     * system store. */
    if (o->cacert || o->capath)
        rc = httpc_tls_context_new_empty(&tls);
    else
        rc = httpc_tls_context_new(&tls);
    if (!rc && o->cacert)
        rc = httpc_tls_context_load_verify_file(tls, o->cacert);
    if (!rc && o->capath)
        rc = httpc_tls_context_load_verify_dir(tls, o->capath);
    if (!rc && o->cert)
        rc = httpc_tls_context_load_cert_chain(tls, o->cert, o->key);
    if (!rc && o->insecure)
        rc = httpc_tls_context_set_insecure(tls);
    if (!rc && o->tls13)
        rc = httpc_tls_context_set_min_version(tls, HTTPC_TLS_VERSION_1_3);
    if (rc) {
        library_failure(rc);
        httpc_tls_context_free(tls);
        return rc;
    }
    *out = tls;
    return HTTPC_OK;
}

/* Opens the connection object: to the target, or to the proxy with a CONNECT
 * tunnel to the target. Prints the failure line itself. */
static int open_connection(const cli_options *o, const parsed_url *url, httpc_conn **out)
{
    httpc_conn_options opts = HTTPC_CONN_OPTIONS_INIT;
    if (o->timeout >= 0)
        opts.timeout = o->timeout;
    if (o->connect_timeout >= 0)
        opts.connect_timeout = o->connect_timeout;
    opts.debuglevel = o->verbose ? 1 : 0;
    opts.debug_fn = debug_to_stderr;

    const char *dial = o->proxy ? o->proxy : url->authority;
    httpc_conn *conn = NULL;
    int rc;
    if (url->https) {
        httpc_tls_context *tls = NULL;
        rc = make_tls_context(o, &tls);
        if (rc)
            return rc;
        rc = httpc_conn_new_https(&conn, dial, 0, &opts, tls);
        httpc_tls_context_free(tls); /* the connection holds its own reference */
    } else {
        rc = httpc_conn_new(&conn, dial, 0, &opts);
    }
    if (!rc && o->proxy)
        rc = httpc_conn_set_tunnel(conn, url->authority, 0, NULL, 0);
    if (rc) {
        library_failure(rc);
        httpc_conn_free(conn);
        return rc;
    }
    *out = conn;
    return HTTPC_OK;
}

/* The request body, prepared once and replayed for --repeat. */
typedef struct request_body {
    httpc_body body;
    int has_body;
    int fd; /* -1 unless streamed from a file */
    int seekable;
    char length_text[32];
} request_body;

static int prepare_body(const cli_options *o, request_body *rb)
{
    memset(rb, 0, sizeof *rb);
    rb->fd = -1;
    if (o->data) {
        rb->has_body = 1;
        rb->body.kind = HTTPC_BODY_BYTES;
        rb->body.data = o->data;
        rb->body.len = strlen(o->data);
    } else if (o->data_file) {
        rb->has_body = 1;
        if (!strcmp(o->data_file, "-")) {
            rb->fd = STDIN_FILENO;
        } else {
            rb->fd = open(o->data_file, O_RDONLY);
            if (rb->fd < 0)
                return local_failure(HTTPC_E_OS, "cannot open %s: %s", o->data_file,
                                     strerror(errno));
        }
        struct stat st;
        if (fstat(rb->fd, &st) == 0 && S_ISREG(st.st_mode)) {
            /* As http.client does for a file: Content-Length from fstat. */
            rb->seekable = 1;
            snprintf(rb->length_text, sizeof rb->length_text, "%lld", (long long)st.st_size);
        }
        rb->body.kind = HTTPC_BODY_FD;
        rb->body.fd = rb->fd;
    }
    return EXIT_DONE;
}

static void print_head(httpc_response *resp, FILE *out)
{
    fprintf(out, "HTTP/%s %d %s\r\n", httpc_response_version(resp) == 10 ? "1.0" : "1.1",
            httpc_response_status(resp), httpc_response_reason(resp));
    const httpc_headers *headers = httpc_response_headers(resp);
    size_t count = httpc_headers_count(headers);
    for (size_t i = 0; i < count; i++)
        fprintf(out, "%s: %s\r\n", httpc_headers_name(headers, i), httpc_headers_value(headers, i));
    fputs("\r\n", out);
}

/* Reads the whole body in pieces, writing them to `out` when not NULL.
 * Returns EXIT_DONE or EXIT_FAILED (line printed). */
static int read_body(httpc_response *resp, int is_head, FILE *out, const char *out_name,
                     progress *bar)
{
    static char piece[PIECE_SIZE];
    int64_t announced = httpc_response_length(resp);
    int64_t received = 0;
    for (;;) {
        size_t n = 0;
        int rc = httpc_response_read(resp, piece, sizeof piece, &n);
        if (rc)
            return library_failure(rc);
        if (n == 0)
            break;
        received += (int64_t)n;
        if (out && fwrite(piece, 1, n, out) != n)
            return local_failure(HTTPC_E_OS, "cannot write %s: %s", out_name, strerror(errno));
        if (bar)
            progress_update(bar, n);
    }
    /* read(amt) ends quietly at a short Content-Length body, as in
     * http.client; a whole-body read would raise IncompleteRead, so do we. */
    if (!is_head && announced > 0 && received < announced)
        return local_failure(HTTPC_E_INCOMPLETE_READ, "%lld bytes read, %lld more expected",
                             (long long)received, (long long)(announced - received));
    return EXIT_DONE;
}

/* One request/response exchange. `last` selects whether the response is
 * shown (headers, body) or only read to the end. */
static int exchange(const cli_options *o, httpc_conn *conn, const parsed_url *url,
                    const char *method, request_body *rb, FILE *out, int last)
{
    httpc_header headers[MAX_HEADERS + 2];
    size_t n_headers = 0;
    for (size_t i = 0; i < o->n_headers; i++)
        headers[n_headers++] = o->headers[i];
    int flags = 0;
    if (rb->has_body && o->chunked) {
        /* http.client encodes chunks only when told to, and then the caller
         * names the transfer coding itself. */
        if (!has_header(o, "Transfer-Encoding"))
            headers[n_headers++] = (httpc_header){"Transfer-Encoding", "chunked"};
        flags |= HTTPC_ENCODE_CHUNKED;
    } else if (rb->seekable && !has_header(o, "Content-Length") &&
               !has_header(o, "Transfer-Encoding")) {
        headers[n_headers++] = (httpc_header){"Content-Length", rb->length_text};
    }
    if (rb->seekable && lseek(rb->fd, 0, SEEK_SET) < 0)
        return local_failure(HTTPC_E_OS, "cannot rewind %s: %s", o->data_file, strerror(errno));

    char target[4096];
    if (url->target_len >= sizeof target)
        return local_failure(HTTPC_E_INVALID_URL, "URL path is too long");
    memcpy(target, url->target, url->target_len);
    target[url->target_len] = '\0';

    int rc = httpc_conn_request(conn, method, target, rb->has_body ? &rb->body : NULL, headers,
                                n_headers, flags);
    /* A server that stops reading an upload may have answered already
     * (413, 401, ...): show that answer rather than the broken pipe. When
     * there is none, the broken pipe (or a TLS handshake's reset) is what
     * ended the exchange, not what getresponse says after it (Idle,
     * RemoteDisconnected), unless that is the peer's TLS alert: the cause
     * of the broken pipe, sent before it. */
    if (rc && !httpc_error_is(rc, HTTPC_E_BROKEN_PIPE) &&
        !httpc_error_is(rc, HTTPC_E_CONNECTION_RESET))
        return library_failure(rc);
    saved_failure send_failure;
    if (rc)
        save_failure(&send_failure, rc);
    httpc_response *resp = NULL;
    int response_rc = httpc_conn_getresponse(conn, &resp);
    if (response_rc)
        return rc && !httpc_error_is(response_rc, HTTPC_E_TLS) ? report_failure(&send_failure)
                                                               : library_failure(response_rc);

    int is_head = strcasecmp(method, "HEAD") == 0;
    int status = EXIT_DONE;
    if (last) {
        if (o->include_headers || o->head)
            print_head(resp, out);
        progress bar = {0};
        bar.enabled =
            isatty(STDERR_FILENO) && (o->output_file || !isatty(STDOUT_FILENO)) && !o->verbose;
        bar.started = now_seconds();
        bar.total = httpc_response_length(resp);
        status = read_body(resp, is_head, out, o->output_file ? o->output_file : "stdout", &bar);
        progress_finish(&bar);
    } else {
        status = read_body(resp, is_head, NULL, NULL, NULL);
    }
    httpc_response_free(resp);
    return status;
}

static int run(const cli_options *o)
{
    parsed_url url;
    int status = parse_url(o->url, &url);
    if (status)
        return status;

    const char *method = o->method;
    if (!method)
        method = o->head ? "HEAD" : (o->data || o->data_file) ? "POST" : "GET";

    request_body rb;
    status = prepare_body(o, &rb);
    if (status)
        return status;

    FILE *out = stdout;
    if (o->output_file) {
        out = fopen(o->output_file, "wb");
        if (!out) {
            status =
                local_failure(HTTPC_E_OS, "cannot open %s: %s", o->output_file, strerror(errno));
            goto close_body;
        }
    }

    httpc_conn *conn = NULL;
    if (open_connection(o, &url, &conn)) {
        status = EXIT_FAILED;
        goto close_output;
    }

    double started = now_seconds();
    for (long i = 0; i < o->repeat && status == EXIT_DONE; i++) {
        int last = i == o->repeat - 1;
        /* Tracing 10000 exchanges helps nobody: trace the first and last. */
        if (o->verbose && o->repeat > 2)
            httpc_conn_set_debuglevel(conn, i == 0 || last ? 1 : 0);
        status = exchange(o, conn, &url, method, &rb, out, last);
    }
    double seconds = now_seconds() - started;
    if (status == EXIT_DONE && o->repeat > 1)
        fprintf(stderr, "requests=%ld seconds=%.3f rps=%.0f\n", o->repeat, seconds,
                seconds > 0 ? (double)o->repeat / seconds : 0.0);
    httpc_conn_free(conn);

close_output:
    if (out != stdout) {
        if (fclose(out) != 0 && status == EXIT_DONE)
            status =
                local_failure(HTTPC_E_OS, "cannot write %s: %s", o->output_file, strerror(errno));
    } else if (fflush(stdout) != 0 && status == EXIT_DONE) {
        status = local_failure(HTTPC_E_OS, "cannot write stdout: %s", strerror(errno));
    }
close_body:
    if (rb.fd > STDIN_FILENO)
        close(rb.fd);
    return status;
}

int main(int argc, char **argv)
{
    cli_options options = {0};
    options.timeout = -1;
    options.connect_timeout = -1;
    options.repeat = 1;
    int status = parse_args(&options, argc, argv);
    if (status == -1) {
        fputs(usage_text, stdout);
        status = EXIT_DONE;
    } else if (status == EXIT_DONE) {
        status = run(&options);
    }
    for (size_t i = 0; i < options.n_headers; i++)
        free(options.header_storage[i]);
    return status;
}
