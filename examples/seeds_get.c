/*
 * The GET example session of http.client's documentation (its examples are
 * "the seeds" of this project's file names), in C:
 *
 *   >>> conn = http.client.HTTPConnection(host, port)
 *   >>> conn.request("GET", "/index.html")
 *   >>> r1 = conn.getresponse()
 *   >>> print(r1.status, r1.reason)
 *   200 OK
 *   >>> data1 = r1.read()              # the entire content
 *   >>> conn.request("GET", "/index.html")
 *   >>> r1 = conn.getresponse()
 *   >>> while not r1.closed:
 *   ...     print(r1.read(200))          # (here: 16-byte pieces)
 *   >>> conn.request("GET", "/parrot.spam")
 *   >>> r2 = conn.getresponse()
 *   >>> print(r2.status, r2.reason)
 *   404 Not Found
 *   >>> data2 = r2.read()
 *   >>> conn.close()
 *
 * Usage: seeds_get HOST PORT [PATH]   (PATH defaults to /index.html)
 * All three requests travel over one keep-alive connection.
 */
#include <httpc.h>

#include <stdio.h>
#include <stdlib.h>

/* Prints why a call failed and leaves: the class name and message. */
static void fail(const char *what, int code)
{
    fprintf(stderr, "%s failed: %s: %s\n", what, httpc_error_name(code),
            httpc_last_error_message());
    exit(1);
}

/* Prints bytes the way Python prints a bytes object: b'...'. */
static void print_bytes(const char *data, size_t len)
{
    fputs("b'", stdout);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)data[i];
        if (c == '\n')
            fputs("\\n", stdout);
        else if (c == '\'' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20 || c >= 0x7f)
            printf("\\x%02x", c);
        else
            putchar(c);
    }
    puts("'");
}

/* request + getresponse, printing the status line as print(r.status, r.reason) does. */
static httpc_response *get(httpc_conn *conn, const char *path)
{
    printf(">>> conn.request(\"GET\", \"%s\"); r = conn.getresponse()\n", path);
    int rc = httpc_conn_request(conn, "GET", path, NULL, NULL, 0, 0);
    if (rc)
        fail("request", rc);
    httpc_response *resp = NULL;
    rc = httpc_conn_getresponse(conn, &resp);
    if (rc)
        fail("getresponse", rc);
    printf("%d %s\n", httpc_response_status(resp), httpc_response_reason(resp));
    return resp;
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

    /* 1. The whole body at once (r1.read()). */
    httpc_response *r1 = get(conn, path);
    char *data1 = NULL;
    size_t len1 = 0;
    rc = httpc_response_read_all(r1, &data1, &len1);
    if (rc)
        fail("read", rc);
    printf(">>> data1 = r1.read()   # %zu bytes\n", len1);
    httpc_free(data1);
    httpc_response_free(r1);

    /* 2. The same body in pieces until the response is closed; the body must
     * be read to the end before the connection takes the next request. */
    r1 = get(conn, path);
    printf(">>> while not r1.closed: print(r1.read(16))\n");
    while (!httpc_response_isclosed(r1)) {
        char piece[16];
        size_t n = 0;
        rc = httpc_response_read(r1, piece, sizeof piece, &n);
        if (rc)
            fail("read", rc);
        print_bytes(piece, n);
    }
    httpc_response_free(r1);

    /* 3. A resource that does not exist: a 404 is an answer, not an error. */
    httpc_response *r2 = get(conn, "/parrot.spam");
    char *data2 = NULL;
    size_t len2 = 0;
    rc = httpc_response_read_all(r2, &data2, &len2);
    if (rc)
        fail("read", rc);
    printf(">>> data2 = r2.read()   # %zu bytes\n", len2);
    httpc_free(data2);
    httpc_response_free(r2);

    printf(">>> conn.close()\n");
    httpc_conn_free(conn);
    return 0;
}
