/* The request writer: validation and formatting of request heads into a
 * buffer, as http.client does it. Never touches a socket. */
#ifndef HC_WRITER_H
#define HC_WRITER_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* CVE-2019-9740 / 18348 class checks. Return 0 or the code (recorded). */
int hc_validate_method(const char *method);
int hc_validate_url(const char *url);
int hc_validate_host(const char *host);
int hc_validate_header_name(const char *name);
int hc_validate_header_value(const char *value);

/* "METHOD URL HTTP/1.1\r\n" (url "" becomes "/"). */
int hc_write_request_line(hc_buf *out, const char *method, const char *url);
/* "Name: v1\r\n\tv2...\r\n". Validates name and values first. */
int hc_write_header(hc_buf *out, const char *name, const char *const *values, size_t n_values);
/* The Host header value: the netloc of an absolute http URL, else host
 * (bracketed when IPv6, zone id removed) with ":port" unless default. */
int hc_write_host_value(hc_buf *out, const char *url, const char *host, int port, int default_port);
/* "%X\r\n" chunk-size prefix; returns its length. */
size_t hc_chunk_prefix(char out[24], size_t len);

/* http.client's host[:port] split. host_out is malloc'd (brackets removed).
 * An empty or non-numeric port is INVALID_URL. */
int hc_split_host_port(const char *host, int port, int default_port, char **host_out,
                       int *port_out);

#endif
