/*
 * The HEAD example session of http.client's documentation (its examples are
 * "the seeds" of this project's file names), in C. HEAD never returns any data:
 *
 *   >>> conn.request("HEAD", "/index.html")
 *   >>> res = conn.getresponse()
 *   >>> print(res.status, res.reason)
 *   200 OK
 *   >>> data = res.read()
 *   >>> print(len(data))
 *   0
 *   >>> data == b''
 *   True
 *
 * Usage: seeds_head HOST PORT [PATH]
 */
#include <httpc.h>

#include <stdio.h>
#include <stdlib.h>

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
    const char *path = argc > 3 ? argv[3] : "/index.html";

    httpc_conn *conn = NULL;
    int rc = httpc_conn_new(&conn, argv[1], atoi(argv[2]), NULL);
    if (rc)
        fail("httpc_conn_new", rc);

    printf(">>> conn.request(\"HEAD\", \"%s\"); res = conn.getresponse()\n", path);
    rc = httpc_conn_request(conn, "HEAD", path, NULL, NULL, 0, 0);
    if (rc)
        fail("request", rc);
    httpc_response *res = NULL;
    rc = httpc_conn_getresponse(conn, &res);
    if (rc)
        fail("getresponse", rc);
    printf("%d %s\n", httpc_response_status(res), httpc_response_reason(res));

    /* The headers still describe the resource: Content-Length is its size,
     * yet no body follows a HEAD. */
    printf(">>> res.getheader(\"Content-Length\")\n'%s'\n",
           httpc_response_getheader(res, "Content-Length", "(none)"));

    char *data = NULL;
    size_t len = 0;
    rc = httpc_response_read_all(res, &data, &len);
    if (rc)
        fail("read", rc);
    printf(">>> data = res.read(); print(len(data))\n%zu\n", len);
    printf(">>> data == b''\n%s\n", len == 0 ? "True" : "False");
    httpc_free(data);
    httpc_response_free(res);
    httpc_conn_free(conn);
    return len == 0 ? 0 : 1;
}
