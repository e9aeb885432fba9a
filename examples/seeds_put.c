/*
 * The PUT example session of http.client's documentation (its examples are
 * "the seeds" of this project's file names), in C: create a resource with a body, then (as a
 * check the documentation leaves out) read it back with GET.
 *
 *   >>> BODY = "***filecontents***"
 *   >>> conn = http.client.HTTPConnection("localhost", 8080)
 *   >>> conn.request("PUT", "/file", BODY)
 *   >>> response = conn.getresponse()
 *   >>> print(response.status, response.reason)
 *   201 Created           (the documentation's server said 200 OK)
 *
 * Usage: seeds_put HOST PORT [PATH]   (PATH defaults to /upload/file)
 */
#include <httpc.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fail(const char *what, int code)
{
    fprintf(stderr, "%s failed: %s: %s\n", what, httpc_error_name(code),
            httpc_last_error_message());
    exit(1);
}

/* Sends one request and returns the whole body (freed with httpc_free). */
static char *exchange(httpc_conn *conn, const char *method, const char *path,
                      const httpc_body *body, size_t *len)
{
    int rc = httpc_conn_request(conn, method, path, body, NULL, 0, 0);
    if (rc)
        fail("request", rc);
    httpc_response *response = NULL;
    rc = httpc_conn_getresponse(conn, &response);
    if (rc)
        fail("getresponse", rc);
    printf("%d %s\n", httpc_response_status(response), httpc_response_reason(response));
    char *data = NULL;
    rc = httpc_response_read_all(response, &data, len);
    if (rc)
        fail("read", rc);
    httpc_response_free(response);
    return data;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s HOST PORT [PATH]\n", argv[0]);
        return 2;
    }
    const char *path = argc > 3 ? argv[3] : "/upload/file";
    const char *BODY = "***filecontents***";

    httpc_conn *conn = NULL;
    int rc = httpc_conn_new(&conn, argv[1], atoi(argv[2]), NULL);
    if (rc)
        fail("httpc_conn_new", rc);

    printf(">>> BODY = \"%s\"\n", BODY);
    printf(">>> conn.request(\"PUT\", \"%s\", BODY); response = conn.getresponse()\n", path);
    printf(">>> print(response.status, response.reason)\n");
    httpc_body body = {.kind = HTTPC_BODY_BYTES, .data = BODY, .len = strlen(BODY)};
    size_t len = 0;
    httpc_free(exchange(conn, "PUT", path, &body, &len));

    printf(">>> conn.request(\"GET\", \"%s\"); r = conn.getresponse(); r.read()\n", path);
    char *stored = exchange(conn, "GET", path, NULL, &len);
    printf("b'%.*s'\n", (int)len, stored ? stored : "");
    int same = len == strlen(BODY) && memcmp(stored, BODY, len) == 0;
    printf("%s\n", same ? "(the server stored BODY)" : "(the server did NOT store BODY)");
    httpc_free(stored);
    httpc_conn_free(conn);
    return same ? 0 : 1;
}
