/*
 * The POST example session of http.client's documentation (its examples are
 * "the seeds" of this project's file names), in C: form data with two headers.
 *
 *   >>> params = urllib.parse.urlencode({'@number': 12524, '@type': 'issue',
 *   ...                                  '@action': 'show'})
 *   >>> headers = {"Content-type": "application/x-www-form-urlencoded",
 *   ...            "Accept": "text/plain"}
 *   >>> conn.request("POST", "/post", params, headers)
 *   >>> response = conn.getresponse()
 *   >>> print(response.status, response.reason)
 *   200 OK
 *   >>> data = response.read()
 *
 * Usage: seeds_post HOST PORT [PATH]   (PATH defaults to /post)
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

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s HOST PORT [PATH]\n", argv[0]);
        return 2;
    }
    const char *path = argc > 3 ? argv[3] : "/post";

    /* What urlencode() makes of the documentation's dictionary. */
    const char *params = "%40number=12524&%40type=issue&%40action=show";
    const httpc_header headers[] = {
        {"Content-type", "application/x-www-form-urlencoded"},
        {"Accept", "text/plain"},
    };
    /* A bytes body: the library adds Content-Length: 45 itself. */
    httpc_body body = {.kind = HTTPC_BODY_BYTES, .data = params, .len = strlen(params)};

    httpc_conn *conn = NULL;
    int rc = httpc_conn_new(&conn, argv[1], atoi(argv[2]), NULL);
    if (rc)
        fail("httpc_conn_new", rc);

    printf(">>> params = '%s'\n", params);
    printf(">>> conn.request(\"POST\", \"%s\", params, headers)\n", path);
    rc = httpc_conn_request(conn, "POST", path, &body, headers, 2, 0);
    if (rc)
        fail("request", rc);
    httpc_response *response = NULL;
    rc = httpc_conn_getresponse(conn, &response);
    if (rc)
        fail("getresponse", rc);
    printf(">>> response = conn.getresponse(); print(response.status, response.reason)\n");
    printf("%d %s\n", httpc_response_status(response), httpc_response_reason(response));

    char *data = NULL;
    size_t len = 0;
    rc = httpc_response_read_all(response, &data, &len);
    if (rc)
        fail("read", rc);
    printf(">>> data = response.read()   # %zu bytes: %.*s", len, (int)len, data ? data : "");
    if (len == 0 || data[len - 1] != '\n')
        putchar('\n');
    httpc_free(data);
    httpc_response_free(response);
    printf(">>> conn.close()\n");
    httpc_conn_free(conn);
    return 0;
}
