/* libFuzzer target: a whole connection. A request is sent, the fuzzed reply
 * comes through the in-memory transport in random pieces, and the response
 * is read to the end in a way chosen by the input; keep-alive replies are
 * followed by more requests on the same connection (bounded).
 *
 * Built with FUZZ_COMPARE_NONBLOCKING (fuzz_conn_nb), each input runs twice:
 * in blocking mode, then in non-blocking mode with the transport saying
 * "would block" at seeded random points and every call resumed; the two
 * runs must end the same way (every return code, status, length and body
 * byte). */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_split.h"
#include "httpc.h"
#include "transport_mem.h"

/* What a run did, to compare the blocking and non-blocking runs. */
typedef struct transcript {
    int64_t events[256];
    size_t count;
    uint64_t body_hash;
} transcript;

static transcript *current_transcript;
static int nonblocking_run;

static void note(int64_t value)
{
    transcript *t = current_transcript;
    if (t->count < sizeof t->events / sizeof t->events[0])
        t->events[t->count++] = value;
}

static void note_bytes(const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++)
        current_transcript->body_hash = (current_transcript->body_hash ^ p[i]) * 1099511628211u;
}

/* A call, resumed until it stops saying "would block" (the in-memory
 * transport has no descriptor to wait for). */
#define DRIVE(rc, call)                                                                            \
    do {                                                                                           \
        long resumed_ = 0;                                                                         \
        while (((rc) = (call)) == HTTPC_E_WOULD_BLOCK) {                                           \
            assert(nonblocking_run);                                                               \
            assert(++resumed_ < 10000000);                                                         \
        }                                                                                          \
        note(rc);                                                                                  \
    } while (0)

static int read_body(httpc_response *resp, int style)
{
    char buf[37];
    size_t n = 0;
    int rc = 0;
    switch (style) {
    case 0: {
        char *all = NULL;
        size_t len = 0;
        DRIVE(rc, httpc_response_read_all(resp, &all, &len));
        assert(len == 0 || all != NULL);
        note((int64_t)len);
        note_bytes(all, len);
        httpc_free(all);
        return rc;
    }
    case 1:
        for (int i = 0; i < 100000; i++) {
            DRIVE(rc, httpc_response_read(resp, buf, 1 + (size_t)i % sizeof buf, &n));
            note((int64_t)n);
            note_bytes(buf, n);
            if (rc || n == 0)
                break;
        }
        return rc;
    case 2:
        for (int i = 0; i < 100000; i++) {
            DRIVE(rc, httpc_response_readline(resp, buf, sizeof buf, &n));
            note((int64_t)n);
            note_bytes(buf, n);
            if (rc || n == 0)
                break;
        }
        return rc;
    case 3:
        for (int i = 0; i < 100000; i++) {
            const void *p = NULL;
            DRIVE(rc, httpc_response_peek(resp, &p, &n));
            note_bytes(p, n);
            if (rc || n == 0)
                break;
            DRIVE(rc, httpc_response_read1(resp, buf, sizeof buf, &n));
            note((int64_t)n);
            note_bytes(buf, n);
            if (rc || n == 0)
                break;
        }
        return rc;
    default:
        DRIVE(rc, httpc_response_drain(resp));
        return rc;
    }
}

static void run(const uint8_t *data, size_t size, transcript *t, int nonblocking)
{
    current_transcript = t;
    nonblocking_run = nonblocking;
    fuzz_split split;
    fuzz_split_init(&split, &data, &size);
    if (size < 1)
        return;
    uint8_t opt = data[0];
    data++;
    size--;
    static const int end_codes[] = {0, 0, HTTPC_E_CONNECTION_RESET, HTTPC_E_TIMEOUT};
    mem_script script = {.data = (const char *)data,
                         .len = size,
                         .split_state = split.state,
                         .end_code = end_codes[opt & 3],
                         .chaos = nonblocking,
                         .chaos_state = split.state ^ opt};
    mem_script_set(&script);

    httpc_conn_options opts = HTTPC_CONN_OPTIONS_INIT;
    opts.max_line_length = (opt & 0x80) ? 256 : 65536;
    opts.max_headers = (opt & 0x80) ? 10 : 100;
    opts.max_interim_responses = (opt & 0x80) ? 3 : 100;
    httpc_conn *conn = NULL;
    int rc = httpc_conn_new(&conn, "fuzz.invalid", 8080, &opts);
    assert(rc == 0);
    httpc_conn_set_nonblocking(conn, nonblocking);
    for (int round = 0; round < 4; round++) {
        const char *method = (opt & 0x40) && round == 0 ? "HEAD" : "GET";
        DRIVE(rc, httpc_conn_request(conn, method, "/", NULL, NULL, 0, 0));
        if (rc) {
            assert(rc < 0);
            break;
        }
        httpc_response *resp = NULL;
        DRIVE(rc, httpc_conn_getresponse(conn, &resp));
        if (rc) {
            assert(rc < 0 && resp == NULL);
            assert(httpc_last_error()->code == rc);
            break;
        }
        assert(httpc_response_status(resp) >= 0);
        note(httpc_response_status(resp));
        (void)httpc_response_getheader(resp, "Content-Type", NULL);
        (void)httpc_response_length(resp);
        rc = read_body(resp, ((opt >> 2) + round) % 5);
        assert(rc <= 0);
        const httpc_headers *tr = httpc_response_trailers(resp);
        for (size_t i = 0; tr && i < httpc_headers_count(tr); i++)
            (void)strlen(httpc_headers_value(tr, i));
        int will_close = httpc_response_will_close(resp);
        httpc_response_free(resp);
        if (rc || will_close)
            break;
    }
    httpc_conn_free(conn);
    assert(script.pos <= script.len);
    note((int64_t)script.written);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static transcript blocking, nonblocking;
    memset(&blocking, 0, sizeof blocking);
    run(data, size, &blocking, 0);
#ifdef FUZZ_COMPARE_NONBLOCKING
    memset(&nonblocking, 0, sizeof nonblocking);
    run(data, size, &nonblocking, 1);
    assert(blocking.count == nonblocking.count);
    assert(memcmp(blocking.events, nonblocking.events, blocking.count * sizeof(int64_t)) == 0);
    assert(blocking.body_hash == nonblocking.body_hash);
#else
    (void)nonblocking;
#endif
    return 0;
}
