/* The ABI frame: error table, status table, version, last error. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <string.h>

#include "err.h"
#include "httpc.h"

#define EXPECTED_ITEM(value, name, cls, p1, p2, msg) {value, cls, msg},
static const struct {
    int code;
    const char *cls;
    const char *msg;
} expected_errors[] = {HTTPC_ERROR_MAP(EXPECTED_ITEM)};
#undef EXPECTED_ITEM
enum { N_ERRORS = sizeof expected_errors / sizeof expected_errors[0] };

Test(errors, every_code_has_name_and_message)
{
    cr_assert_eq(httpc_error_count(), N_ERRORS);
    for (size_t i = 0; i < N_ERRORS; i++) {
        int code = expected_errors[i].code;
        cr_assert_lt(code, 0);
        cr_assert_eq(httpc_error_at(i), code);
        cr_assert_str_eq(httpc_error_name(code), expected_errors[i].cls);
        cr_assert_str_eq(httpc_strerror(code), expected_errors[i].msg);
    }
    cr_assert_str_eq(httpc_error_name(HTTPC_OK), "OK");
    cr_assert_str_eq(httpc_error_name(-999), "UnknownError");
    cr_assert_str_eq(httpc_error_name(-150), "UnknownError");
    cr_assert_not_null(httpc_strerror(12345));
}

/* A few rows written out by hand from docs/errors.md and http.client, not from
 * HTTPC_ERROR_MAP: a wrong entry in the map would pass the test above. */
static const struct {
    int code;
    const char *name;
    int parent1, parent2;
    const char *message;
} written_out[] = {
    {-200, "OSError", 0, 0, "operating system error"},
    {-201, "TimeoutError", -200, 0, "timed out"},
    {-204, "gaierror", -200, 0, "name resolution failed"},
    {-301, "SSLCertVerificationError", -300, 0, "certificate verify failed"},
    {-100, "HTTPException", 0, 0, "HTTP protocol error"},
    {-106, "IncompleteRead", -100, 0, "incomplete read"},
    {-110, "ResponseNotReady", -107, 0, "response not ready"},
    {-112, "RemoteDisconnected", -111, -203, "Remote end closed connection without response"},
    {-114, "TooManyHeaders", -100, 0, "got more than 100 headers"},
    /* http.client raises IncompleteRead for a malformed chunk size. */
    {-116, "InvalidChunk", -100, -106, "malformed chunked encoding"},
    {-400, "ValueError", 0, 0, "invalid argument"},
};

Test(errors, rows_written_out_by_hand)
{
    /* Thirty codes today; new ones may be added, none removed. */
    cr_assert_geq(httpc_error_count(), 30);
    for (size_t i = 0; i < sizeof written_out / sizeof written_out[0]; i++) {
        int code = written_out[i].code;
        cr_assert_str_eq(httpc_error_name(code), written_out[i].name);
        cr_assert_str_eq(httpc_strerror(code), written_out[i].message);
        cr_assert_eq(httpc_error_parent(code, 0), written_out[i].parent1, "%s",
                     written_out[i].name);
        cr_assert_eq(httpc_error_parent(code, 1), written_out[i].parent2, "%s",
                     written_out[i].name);
    }
    cr_assert_eq(HTTPC_E_RESOLVE, -204);
    cr_assert_eq(HTTPC_E_REMOTE_DISCONNECTED, -112);
    cr_assert(httpc_error_is(-112, -203) && httpc_error_is(-112, -200) &&
              httpc_error_is(-112, -100) && !httpc_error_is(-112, -106));
    cr_assert(httpc_error_is(-116, -106) && httpc_error_is(-116, -100) &&
              !httpc_error_is(-106, -116));
}

/* errors.c builds each code's ancestor mask in one pass over the table, so a
 * parent must come in an earlier row than its children. */
Test(errors, parents_come_before_their_children)
{
    for (size_t i = 0; i < httpc_error_count(); i++) {
        int code = httpc_error_at(i);
        for (int which = 0; which < 2; which++) {
            int parent = httpc_error_parent(code, which);
            if (parent == HTTPC_OK)
                continue;
            size_t row = 0;
            while (row < httpc_error_count() && httpc_error_at(row) != parent)
                row++;
            cr_assert_lt(row, i, "%s: parent %s must come in an earlier row",
                         httpc_error_name(code), httpc_error_name(parent));
            cr_assert(httpc_error_is(code, parent));
        }
    }
}

Test(errors, codes_are_unique_and_in_family_ranges)
{
    for (size_t i = 0; i < N_ERRORS; i++) {
        int code = expected_errors[i].code;
        cr_assert(code <= -100 && code > -500);
        for (size_t j = i + 1; j < N_ERRORS; j++)
            cr_assert_neq(code, expected_errors[j].code);
    }
    cr_assert_eq(HTTPC_E_HTTP, -100);
    cr_assert_eq(HTTPC_E_OS, -200);
    cr_assert_eq(HTTPC_E_TLS, -300);
    cr_assert_eq(HTTPC_E_INVALID_ARGUMENT, -400);
}

/* The hierarchy of docs/errors.md, written out by hand: code -> its ancestors. */
static int expected_is(int code, int ancestor)
{
    if (code == ancestor)
        return 1;
    switch (code) {
    case HTTPC_E_TIMEOUT:
    case HTTPC_E_CONNECTION_REFUSED:
    case HTTPC_E_CONNECTION_RESET:
    case HTTPC_E_RESOLVE:
    case HTTPC_E_TUNNEL_FAILED:
    case HTTPC_E_BROKEN_PIPE:
    case HTTPC_E_CANCELLED:
    case HTTPC_E_WOULD_BLOCK:
    case HTTPC_E_TLS:
        return ancestor == HTTPC_E_OS;
    case HTTPC_E_TLS_CERT_VERIFY:
        return ancestor == HTTPC_E_TLS || ancestor == HTTPC_E_OS;
    case HTTPC_E_CANNOT_SEND_REQUEST:
    case HTTPC_E_CANNOT_SEND_HEADER:
    case HTTPC_E_RESPONSE_NOT_READY:
        return ancestor == HTTPC_E_IMPROPER_CONNECTION_STATE || ancestor == HTTPC_E_HTTP;
    case HTTPC_E_REMOTE_DISCONNECTED:
        return ancestor == HTTPC_E_BAD_STATUS_LINE || ancestor == HTTPC_E_HTTP ||
               ancestor == HTTPC_E_CONNECTION_RESET || ancestor == HTTPC_E_OS;
    case HTTPC_E_INVALID_CHUNK: /* http.client raises IncompleteRead for it */
        return ancestor == HTTPC_E_INCOMPLETE_READ || ancestor == HTTPC_E_HTTP;
    case HTTPC_E_OS:
    case HTTPC_E_HTTP:
    case HTTPC_E_INVALID_ARGUMENT:
    case HTTPC_E_NOMEM:
    case HTTPC_E_STATE:
        return 0;
    default: /* every other HTTP-family code */
        return ancestor == HTTPC_E_HTTP;
    }
}

Test(errors, error_is_matches_hierarchy_for_every_pair)
{
    for (size_t i = 0; i < N_ERRORS; i++)
        for (size_t j = 0; j < N_ERRORS; j++) {
            int a = expected_errors[i].code, b = expected_errors[j].code;
            cr_assert_eq(httpc_error_is(a, b), expected_is(a, b), "httpc_error_is(%s, %s)",
                         httpc_error_name(a), httpc_error_name(b));
        }
    cr_assert_eq(httpc_error_is(HTTPC_OK, HTTPC_E_HTTP), 0);
    cr_assert_eq(httpc_error_is(-999, HTTPC_E_HTTP), 0);
}

Test(errors, parents)
{
    cr_assert_eq(httpc_error_parent(HTTPC_E_REMOTE_DISCONNECTED, 0), HTTPC_E_BAD_STATUS_LINE);
    cr_assert_eq(httpc_error_parent(HTTPC_E_REMOTE_DISCONNECTED, 1), HTTPC_E_CONNECTION_RESET);
    cr_assert_eq(httpc_error_parent(HTTPC_E_HTTP, 0), HTTPC_OK);
}

/* The status table of http.client's documentation (the constants and values of
 * the 2.7 httplib and 3.x http.client pages). */
static const struct {
    int code;
    const char *name;
} seed_statuses[] = {
    {100, "CONTINUE"},
    {101, "SWITCHING_PROTOCOLS"},
    {102, "PROCESSING"},
    {200, "OK"},
    {201, "CREATED"},
    {202, "ACCEPTED"},
    {203, "NON_AUTHORITATIVE_INFORMATION"},
    {204, "NO_CONTENT"},
    {205, "RESET_CONTENT"},
    {206, "PARTIAL_CONTENT"},
    {207, "MULTI_STATUS"},
    {226, "IM_USED"},
    {300, "MULTIPLE_CHOICES"},
    {301, "MOVED_PERMANENTLY"},
    {302, "FOUND"},
    {303, "SEE_OTHER"},
    {304, "NOT_MODIFIED"},
    {305, "USE_PROXY"},
    {307, "TEMPORARY_REDIRECT"},
    {400, "BAD_REQUEST"},
    {401, "UNAUTHORIZED"},
    {402, "PAYMENT_REQUIRED"},
    {403, "FORBIDDEN"},
    {404, "NOT_FOUND"},
    {405, "METHOD_NOT_ALLOWED"},
    {406, "NOT_ACCEPTABLE"},
    {407, "PROXY_AUTHENTICATION_REQUIRED"},
    {408, "REQUEST_TIMEOUT"},
    {409, "CONFLICT"},
    {410, "GONE"},
    {411, "LENGTH_REQUIRED"},
    {412, "PRECONDITION_FAILED"},
    {413, "REQUEST_ENTITY_TOO_LARGE"},
    {414, "REQUEST_URI_TOO_LONG"},
    {415, "UNSUPPORTED_MEDIA_TYPE"},
    {416, "REQUESTED_RANGE_NOT_SATISFIABLE"},
    {417, "EXPECTATION_FAILED"},
    {422, "UNPROCESSABLE_ENTITY"},
    {423, "LOCKED"},
    {424, "FAILED_DEPENDENCY"},
    {426, "UPGRADE_REQUIRED"},
    {500, "INTERNAL_SERVER_ERROR"},
    {501, "NOT_IMPLEMENTED"},
    {502, "BAD_GATEWAY"},
    {503, "SERVICE_UNAVAILABLE"},
    {504, "GATEWAY_TIMEOUT"},
    {505, "HTTP_VERSION_NOT_SUPPORTED"},
    {507, "INSUFFICIENT_STORAGE"},
    {510, "NOT_EXTENDED"},
};

Test(status, seed_table_is_present)
{
    for (size_t i = 0; i < sizeof seed_statuses / sizeof seed_statuses[0]; i++) {
        cr_assert_str_eq(httpc_status_name(seed_statuses[i].code), seed_statuses[i].name);
        cr_assert_not_null(httpc_status_phrase(seed_statuses[i].code));
    }
    cr_assert_str_eq(httpc_status_phrase(HTTPC_STATUS_NOT_FOUND), "Not Found");
    cr_assert_eq(HTTPC_STATUS_NOT_FOUND, 404);
    cr_assert_eq(HTTPC_HTTP_PORT, 80);
    cr_assert_eq(HTTPC_HTTPS_PORT, 443);
}

Test(status, newer_codes_and_sorted_table)
{
    int newer[] = {103, 308, 421, 425, 428, 429, 431, 451, 506, 508, 511, 418, 208};
    for (size_t i = 0; i < sizeof newer / sizeof newer[0]; i++)
        cr_assert_not_null(httpc_status_phrase(newer[i]), "%d", newer[i]);
    cr_assert_str_eq(httpc_status_phrase(429), "Too Many Requests");
    cr_assert_null(httpc_status_phrase(299));
    cr_assert_null(httpc_status_phrase(0));
    for (size_t i = 1; i < httpc_status_count(); i++)
        cr_assert_lt(httpc_status_at(i - 1), httpc_status_at(i));
    cr_assert_eq(HTTPC_STATUS_CONTENT_TOO_LARGE, 413);
}

Test(version, runtime_matches_header)
{
    cr_assert_eq(httpc_version(), HTTPC_VERSION_NUMBER);
    cr_assert_str_eq(httpc_version_string(), HTTPC_VERSION_STRING);
}

static void *fail_in_thread(void *arg)
{
    (void)arg;
    cr_assert_eq(httpc_last_error()->code, HTTPC_OK); /* a new thread starts clean */
    cr_assert_not_null(httpc_last_error()->message);
    hc_fail(HTTPC_E_TIMEOUT, "thread two");
    return NULL;
}

Test(last_error, is_per_thread_and_never_null)
{
    const httpc_error_info *info = httpc_last_error();
    cr_assert_not_null(info);
    cr_assert_not_null(info->message);
    cr_assert_not_null(info->line);
    hc_fail(HTTPC_E_LINE_TOO_LONG, "thread one");
    pthread_t t;
    pthread_create(&t, NULL, fail_in_thread, NULL);
    pthread_join(t, NULL);
    cr_assert_eq(httpc_last_error_code(), HTTPC_E_LINE_TOO_LONG);
    cr_assert_str_eq(httpc_last_error_message(), "thread one");
    hc_fail_incomplete(5, 7);
    cr_assert_eq(httpc_last_error_partial(), 5);
    cr_assert_eq(httpc_last_error_expected(), 7);
    hc_fail_line(HTTPC_E_BAD_STATUS_LINE, "garbage\r\n", 9, "bad");
    cr_assert_str_eq(httpc_last_error_line(), "garbage\r\n");
    httpc_clear_error();
    cr_assert_eq(httpc_last_error_code(), HTTPC_OK);
}

Test(options, init_checks_version)
{
    httpc_conn_options opts;
    cr_assert_eq(httpc_conn_options_init(&opts, HTTPC_CONN_OPTIONS_VERSION), HTTPC_OK);
    cr_assert_eq(opts.blocksize, 8192);
    cr_assert_eq(opts.max_line_length, 65536);
    cr_assert_eq(opts.max_headers, 100);
    cr_assert_eq(httpc_conn_options_init(&opts, 999), HTTPC_E_INVALID_ARGUMENT);
    opts.version = 999;
    httpc_conn *conn = NULL;
    cr_assert_eq(httpc_conn_new(&conn, "localhost", 0, &opts), HTTPC_E_INVALID_ARGUMENT);
    cr_assert_null(conn);
    httpc_conn_free(NULL);
    httpc_response_free(NULL);
    httpc_tls_context_free(NULL);
    httpc_free(NULL);
}
