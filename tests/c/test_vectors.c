/* Runs every conformance vector of tests/vectors through the C API against
 * tests/support/vector_server.py and checks the outcome (docs/vectors.md). */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "httpc.h"

enum { MAX_ITEMS = 64 };

typedef struct vector {
    char name[256];
    hc_buf method, url, host, reply_unused;
    hc_buf request_body;
    int has_request_body;
    hc_buf chunks[MAX_ITEMS];
    int n_chunks;
    int encode_chunked;
    hc_buf req_names[MAX_ITEMS], req_values[MAX_ITEMS];
    int n_req_headers;
    hc_buf expect_request;
    int has_expect_request;
    int expect_status, expect_version;
    hc_buf expect_reason;
    int has_expect_reason;
    hc_buf exp_names[MAX_ITEMS * 2], exp_values[MAX_ITEMS * 2];
    int n_exp_headers;
    int has_exp_headers;
    hc_buf trl_names[MAX_ITEMS], trl_values[MAX_ITEMS];
    int n_trailers;
    hc_buf expect_body;
    int has_expect_body;
    int expect_will_close; /* -1 unchecked */
    char expect_error[64];
    char error_at[32];
    hc_buf expect_partial;
    int has_expect_partial;
    long long expect_expected;
    int has_expect_expected;
    double timeout;
    int repeat_next; /* KEY-repeat count for the next concatenated line */
} vector;

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static void unescape_into(hc_buf *out, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c != '\\' || i + 1 >= len) {
            hc_buf_append(out, &c, 1);
            continue;
        }
        char e = s[++i];
        char v = e;
        if (e == 'r')
            v = '\r';
        else if (e == 'n')
            v = '\n';
        else if (e == 't')
            v = '\t';
        else if (e == '0')
            v = '\0';
        else if (e == 'x' && i + 2 < len + 0 + 1) {
            v = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            i += 2;
        }
        hc_buf_append(out, &v, 1);
    }
    hc_buf_terminate(out);
}

static void add_item(hc_buf *names, hc_buf *values, int *n, const char *v)
{
    const char *colon = strchr(v, ':');
    if (!colon || *n >= MAX_ITEMS * 2 - 1)
        return;
    const char *value = colon + 1;
    if (*value == ' ')
        value++;
    unescape_into(&names[*n], v, (size_t)(colon - v));
    unescape_into(&values[*n], value, strlen(value));
    (*n)++;
}

static void concat(vector *vec, hc_buf *b, const char *v)
{
    int times = vec->repeat_next > 0 ? vec->repeat_next : 1;
    vec->repeat_next = 0;
    hc_buf once = {0};
    unescape_into(&once, v, strlen(v));
    for (int i = 0; i < times; i++)
        hc_buf_append(b, once.data, once.len);
    hc_buf_terminate(b);
    hc_buf_free(&once);
}

static void parse_vector(const char *path, vector *vec)
{
    memset(vec, 0, sizeof *vec);
    vec->expect_will_close = -1;
    vec->timeout = -1;
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "%s", path);
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) >= 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p || *p == '#')
            continue;
        char *colon = strchr(p, ':');
        if (!colon)
            continue;
        *colon = '\0';
        char *key = p, *v = colon + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        size_t vl = strlen(v);
        while (vl > 0 && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
            v[--vl] = '\0';
        for (char *k = key; *k; k++)
            if (*k >= 'A' && *k <= 'Z')
                *k = (char)(*k + 32);
        if (strstr(key, "-repeat"))
            vec->repeat_next = atoi(v);
        else if (!strcmp(key, "name"))
            snprintf(vec->name, sizeof vec->name, "%s", v);
        else if (!strcmp(key, "method"))
            unescape_into(&vec->method, v, vl);
        else if (!strcmp(key, "url"))
            unescape_into(&vec->url, v, vl);
        else if (!strcmp(key, "host"))
            unescape_into(&vec->host, v, vl);
        else if (!strcmp(key, "request-body")) {
            vec->has_request_body = 1;
            concat(vec, &vec->request_body, v);
        } else if (!strcmp(key, "request-body-chunks") && vec->n_chunks < MAX_ITEMS)
            unescape_into(&vec->chunks[vec->n_chunks++], v, vl);
        else if (!strcmp(key, "encode-chunked"))
            vec->encode_chunked = !strcmp(v, "yes");
        else if (!strcmp(key, "request-header"))
            add_item(vec->req_names, vec->req_values, &vec->n_req_headers, v);
        else if (!strcmp(key, "expect-request")) {
            vec->has_expect_request = 1;
            concat(vec, &vec->expect_request, v);
        } else if (!strcmp(key, "expect-status"))
            vec->expect_status = atoi(v);
        else if (!strcmp(key, "expect-version"))
            vec->expect_version = atoi(v);
        else if (!strcmp(key, "expect-reason")) {
            vec->has_expect_reason = 1;
            unescape_into(&vec->expect_reason, v, vl);
        } else if (!strcmp(key, "expect-header")) {
            vec->has_exp_headers = 1;
            add_item(vec->exp_names, vec->exp_values, &vec->n_exp_headers, v);
        } else if (!strcmp(key, "expect-trailer"))
            add_item(vec->trl_names, vec->trl_values, &vec->n_trailers, v);
        else if (!strcmp(key, "expect-body")) {
            vec->has_expect_body = 1;
            concat(vec, &vec->expect_body, v);
        } else if (!strcmp(key, "expect-will-close"))
            vec->expect_will_close = !strcmp(v, "yes");
        else if (!strcmp(key, "expect-error"))
            snprintf(vec->expect_error, sizeof vec->expect_error, "%s", v);
        else if (!strcmp(key, "error-at"))
            snprintf(vec->error_at, sizeof vec->error_at, "%s", v);
        else if (!strcmp(key, "expect-partial")) {
            vec->has_expect_partial = 1;
            concat(vec, &vec->expect_partial, v);
        } else if (!strcmp(key, "expect-expected")) {
            vec->has_expect_expected = 1;
            vec->expect_expected = atoll(v);
        } else if (!strcmp(key, "timeout"))
            vec->timeout = atof(v);
        else
            vec->repeat_next = 0;
    }
    free(line);
    fclose(f);
}

static void free_vector(vector *vec)
{
    hc_buf *single[] = {&vec->method,        &vec->url,          &vec->host,
                        &vec->reply_unused,  &vec->request_body, &vec->expect_request,
                        &vec->expect_reason, &vec->expect_body,  &vec->expect_partial};
    for (size_t i = 0; i < sizeof single / sizeof single[0]; i++)
        hc_buf_free(single[i]);
    for (int i = 0; i < MAX_ITEMS; i++) {
        hc_buf_free(&vec->chunks[i]);
        hc_buf_free(&vec->req_names[i]);
        hc_buf_free(&vec->req_values[i]);
        hc_buf_free(&vec->trl_names[i]);
        hc_buf_free(&vec->trl_values[i]);
    }
    for (int i = 0; i < MAX_ITEMS * 2; i++) {
        hc_buf_free(&vec->exp_names[i]);
        hc_buf_free(&vec->exp_values[i]);
    }
}

static void substitute_port(hc_buf *b, int port)
{
    if (!b->data)
        return;
    char port_text[16];
    int pl = snprintf(port_text, sizeof port_text, "%d", port);
    hc_buf out = {0};
    for (size_t i = 0; i < b->len; i++) {
        if (i + 6 <= b->len && memcmp(b->data + i, "{port}", 6) == 0) {
            hc_buf_append(&out, port_text, (size_t)pl);
            i += 5;
        } else {
            hc_buf_append(&out, b->data + i, 1);
        }
    }
    hc_buf_terminate(&out);
    hc_buf_free(b);
    *b = out;
}

/* The vector error names for an httpc code (docs/vectors.md). */
static const char *vector_error_name(int code)
{
    switch (code) {
    case HTTPC_E_INVALID_ARGUMENT:
        return "InvalidArgument";
    case HTTPC_E_CONNECTION_RESET:
    case HTTPC_E_BROKEN_PIPE:
        return "ConnectionReset";
    case HTTPC_E_CONNECTION_REFUSED:
        return "ConnectionRefused";
    default:
        return httpc_error_name(code);
    }
}

typedef struct run_state {
    vector *vec;
    int chunk_index;
} run_state;

static int next_chunk(void *userdata, const void **data, size_t *len)
{
    run_state *st = userdata;
    if (st->chunk_index >= st->vec->n_chunks)
        return 0;
    hc_buf *c = &st->vec->chunks[st->chunk_index++];
    *data = c->data ? c->data : "";
    *len = c->len;
    return 1;
}

/* The server's stdout stays open until it is stopped: it may still be
 * writing the newline after the port when we have read the digits. */
static int server_stdout = -1;

/* The interpreter python3 runs, resolved once: `python3` may be a pyenv shim
 * (a shell script) that takes seconds to start on a loaded machine, once per
 * vector. */
static char python_path[4096];

static void resolve_python(void)
{
    FILE *p = popen("python3 -c 'import sys; print(sys.executable)'", "r");
    cr_assert_not_null(p);
    char *line = fgets(python_path, sizeof python_path, p);
    pclose(p);
    cr_assert(line && python_path[0] == '/', "cannot find python3's interpreter");
    python_path[strcspn(python_path, "\n")] = '\0';
}

static int start_server(const char *path, const char *capture, pid_t *pid)
{
    int pipefd[2];
    cr_assert_eq(pipe(pipefd), 0);
    *pid = fork();
    if (*pid == 0) {
        dup2(pipefd[1], 1);
        close(pipefd[0]);
        execl(python_path, "python3", HTTPC_SOURCE_DIR "/tests/support/vector_server.py", path,
              "--capture", capture, (char *)NULL);
        _exit(127);
    }
    close(pipefd[1]);
    char buf[32] = {0};
    ssize_t n = read(pipefd[0], buf, sizeof buf - 1);
    server_stdout = pipefd[0];
    cr_assert_gt(n, 0, "vector server did not start for %s", path);
    return atoi(buf);
}

static void stop_server(pid_t pid)
{
    for (int i = 0; i < 100; i++) {
        if (waitpid(pid, NULL, WNOHANG) == pid)
            goto reaped;
        usleep(20000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
reaped:
    close(server_stdout);
    server_stdout = -1;
}

static char failures[65536];
static size_t failures_len;

/* NULL when `h` holds exactly the n names and values, in order; otherwise
 * what differs first (in a static buffer). */
static const char *fields_differ(const httpc_headers *h, const hc_buf *names, const hc_buf *values,
                                 int n)
{
    static char why[512];
    if (httpc_headers_count(h) != (size_t)n) {
        snprintf(why, sizeof why, "%zu fields, expected %d", httpc_headers_count(h), n);
        return why;
    }
    for (int i = 0; i < n; i++) {
        const char *name = httpc_headers_name(h, (size_t)i);
        const char *value = httpc_headers_value(h, (size_t)i);
        if (strcmp(name, names[i].data) != 0 ||
            strcmp(value, values[i].data ? values[i].data : "") != 0) {
            snprintf(why, sizeof why, "field %d is '%s: %s', expected '%s: %s'", i, name, value,
                     names[i].data, values[i].data ? values[i].data : "");
            return why;
        }
    }
    return NULL;
}

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            failures_len += (size_t)snprintf(failures + failures_len,                              \
                                             sizeof failures - failures_len, "%s: ", file);        \
            failures_len += (size_t)snprintf(failures + failures_len,                              \
                                             sizeof failures - failures_len, __VA_ARGS__);         \
            failures_len +=                                                                        \
                (size_t)snprintf(failures + failures_len, sizeof failures - failures_len, "\n");   \
            ok = 0;                                                                                \
            goto done;                                                                             \
        }                                                                                          \
    } while (0)

static int run_vector(const char *dir, const char *file)
{
    char path[1024], capture[] = "/tmp/httpc-vec-XXXXXX";
    snprintf(path, sizeof path, "%s/%s", dir, file);
    int cap_fd = mkstemp(capture);
    close(cap_fd);
    vector vec;
    parse_vector(path, &vec);
    pid_t pid;
    int port = start_server(path, capture, &pid);
    substitute_port(&vec.host, port);
    substitute_port(&vec.url, port);
    substitute_port(&vec.expect_request, port);
    char default_host[64];
    snprintf(default_host, sizeof default_host, "127.0.0.1:%d", port);

    int ok = 1;
    httpc_conn *conn = NULL;
    httpc_response *resp = NULL;
    char *body = NULL;
    size_t body_len = 0;
    const char *stage = "construct";
    httpc_conn_options opts = HTTPC_CONN_OPTIONS_INIT;
    opts.timeout = vec.timeout;
    int rc = httpc_conn_new(&conn, vec.host.data ? vec.host.data : default_host, 0, &opts);
    if (!rc) {
        stage = "request";
        httpc_header headers[MAX_ITEMS];
        for (int i = 0; i < vec.n_req_headers; i++)
            headers[i] = (httpc_header){vec.req_names[i].data,
                                        vec.req_values[i].data ? vec.req_values[i].data : ""};
        run_state st = {&vec, 0};
        httpc_body b = {0};
        if (vec.n_chunks) {
            b.kind = HTTPC_BODY_CHUNKS;
            b.chunk_fn = next_chunk;
            b.userdata = &st;
        } else if (vec.has_request_body) {
            b.kind = HTTPC_BODY_BYTES;
            b.data = vec.request_body.data ? vec.request_body.data : "";
            b.len = vec.request_body.len;
        }
        rc = httpc_conn_request(
            conn, vec.method.data ? vec.method.data : "GET", vec.url.data ? vec.url.data : "/", &b,
            headers, (size_t)vec.n_req_headers, vec.encode_chunked ? HTTPC_ENCODE_CHUNKED : 0);
    }
    if (!rc) {
        stage = "getresponse";
        rc = httpc_conn_getresponse(conn, &resp);
    }
    if (!rc) {
        if (vec.expect_status)
            CHECK(httpc_response_status(resp) == vec.expect_status, "status %d, expected %d",
                  httpc_response_status(resp), vec.expect_status);
        if (vec.has_expect_reason)
            CHECK(strcmp(httpc_response_reason(resp),
                         vec.expect_reason.data ? vec.expect_reason.data : "") == 0,
                  "reason '%s'", httpc_response_reason(resp));
        if (vec.expect_version)
            CHECK(httpc_response_version(resp) == vec.expect_version, "version %d",
                  httpc_response_version(resp));
        if (vec.expect_will_close >= 0)
            CHECK(httpc_response_will_close(resp) == vec.expect_will_close, "will_close %d",
                  httpc_response_will_close(resp));
        if (vec.has_exp_headers) {
            const char *why = fields_differ(httpc_response_headers(resp), vec.exp_names,
                                            vec.exp_values, vec.n_exp_headers);
            CHECK(!why, "headers: %s", why);
        }
        stage = "read";
        rc = httpc_response_read_all(resp, &body, &body_len);
    }
    if (vec.expect_error[0]) {
        CHECK(rc != 0, "expected %s at %s, got success", vec.expect_error, vec.error_at);
        const char *name = vector_error_name(rc);
        int name_ok =
            strcmp(name, vec.expect_error) == 0 ||
            (!strcmp(vec.expect_error, "TooManyHeaders") && rc == HTTPC_E_TOO_MANY_HEADERS);
        CHECK(name_ok, "error %s (%s), expected %s", name, httpc_last_error_message(),
              vec.expect_error);
        if (vec.error_at[0])
            CHECK(strcmp(stage, vec.error_at) == 0, "error at %s, expected %s", stage,
                  vec.error_at);
        if (vec.has_expect_partial)
            CHECK(httpc_last_error_partial() == (int64_t)vec.expect_partial.len &&
                      (body_len == 0 || memcmp(body, vec.expect_partial.data, body_len) == 0),
                  "partial %lld", (long long)httpc_last_error_partial());
        if (vec.has_expect_expected)
            CHECK(httpc_last_error_expected() == vec.expect_expected, "expected %lld",
                  (long long)httpc_last_error_expected());
    } else {
        CHECK(rc == 0, "unexpected %s at %s: %s", httpc_error_name(rc), stage,
              httpc_last_error_message());
        if (vec.has_expect_body)
            CHECK(body_len == vec.expect_body.len &&
                      (body_len == 0 || memcmp(body, vec.expect_body.data, body_len) == 0),
                  "body of %zu bytes differs (expected %zu)", body_len, vec.expect_body.len);
        if (vec.n_trailers) {
            const char *why = fields_differ(httpc_response_trailers(resp), vec.trl_names,
                                            vec.trl_values, vec.n_trailers);
            CHECK(!why, "trailers: %s", why);
        }
    }
done:
    httpc_free(body);
    httpc_response_free(resp);
    httpc_conn_free(conn);
    stop_server(pid);
    if (ok && vec.has_expect_request) {
        FILE *f = fopen(capture, "rb");
        hc_buf got = {0};
        char chunk[4096];
        size_t n;
        while (f && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
            hc_buf_append(&got, chunk, n);
        if (f)
            fclose(f);
        if (got.len != vec.expect_request.len ||
            (got.len && memcmp(got.data, vec.expect_request.data, got.len) != 0)) {
            failures_len +=
                (size_t)snprintf(failures + failures_len, sizeof failures - failures_len,
                                 "%s: request bytes differ: got '%.*s'\n", file,
                                 (int)(got.len > 300 ? 300 : got.len), got.data ? got.data : "");
            ok = 0;
        }
        hc_buf_free(&got);
    }
    unlink(capture);
    free_vector(&vec);
    return ok;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

Test(vectors, all_vectors_behave_as_specified, .timeout = 600)
{
    const char *dir = HTTPC_SOURCE_DIR "/tests/vectors";
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    char *names[1024];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 1024)
        if (strstr(e->d_name, ".vec"))
            names[n++] = strdup(e->d_name);
    closedir(d);
    qsort(names, (size_t)n, sizeof names[0], compare_names);
    const char *only = getenv("HTTPC_VECTOR");
    resolve_python();
    int passed = 0, failed = 0;
    for (int i = 0; i < n; i++) {
        if (only && !strstr(names[i], only))
            continue;
        if (run_vector(dir, names[i]))
            passed++;
        else
            failed++;
        free(names[i]);
    }
    fprintf(stderr, "vectors: %d passed, %d failed\n%s", passed, failed, failures);
    cr_assert_eq(failed, 0, "%d vectors failed:\n%s", failed, failures);
    /* A filter (or a lost directory) must not turn this into a pass of
     * nothing: the whole set has more than 100 vectors, as the Python runner
     * checks too. */
    int minimum = only ? 1 : 100;
    cr_assert_geq(passed, minimum, "only %d vectors ran (at least %d expected)", passed, minimum);
}
