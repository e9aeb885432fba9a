/* libFuzzer target: host[:port] splitting, the Host header value, and the
 * public constructors that parse a host (nothing connects). */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "httpc.h"
#include "writer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    /* First byte picks the explicit port case; the rest is host NUL url. */
    int port_sel = data[0] % 4;
    int port = port_sel == 0 ? 0 : port_sel == 1 ? 8080 : port_sel == 2 ? -1 : 70000;
    data++;
    size--;
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    const char *host = text;
    const char *url = strlen(text) < size ? text + strlen(text) + 1 : "/";

    char *h = NULL;
    int out_port = 0;
    int rc = hc_split_host_port(host, port, 80, &h, &out_port);
    assert(rc == 0 || rc == HTTPC_E_INVALID_URL || rc == HTTPC_E_NOMEM);
    if (rc == 0) {
        assert(out_port >= 0 && out_port <= 65535);
        assert(strlen(h) <= strlen(host));
        hc_buf out = {0};
        rc = hc_write_host_value(&out, url, h, out_port, 80);
        assert(rc == 0);
        hc_buf_free(&out);
        free(h);
    }

    httpc_conn *conn = NULL;
    rc = httpc_conn_new(&conn, host, port < 0 ? 0 : port, NULL);
    assert(rc <= 0);
    if (rc == 0) {
        assert(httpc_conn_host(conn) != NULL);
        int p = httpc_conn_port(conn);
        assert(p >= 0 && p <= 65535);
        /* putrequest validates and formats without connecting. */
        (void)httpc_conn_putrequest(conn, "GET", url, 0);
    } else {
        assert(conn == NULL);
    }
    httpc_conn_free(conn);
    free(text);
    return 0;
}
