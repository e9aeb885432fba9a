/* The public functions of responses (http.client.HTTPResponse): argument
 * checks here, the engine's steps in core/response.c. */
#include "conn.h"
#include "err.h"

void httpc_response_free(httpc_response *r)
{
    if (r)
        hc_response_free(r);
}

int httpc_response_status(const httpc_response *r)
{
    return r ? r->status : 0;
}

const char *httpc_response_reason(const httpc_response *r)
{
    return r && r->reason.data ? r->reason.data : "";
}

int httpc_response_version(const httpc_response *r)
{
    return r ? r->version : 0;
}

int httpc_response_will_close(const httpc_response *r)
{
    return r ? r->framing.will_close : 0;
}

int httpc_response_chunked(const httpc_response *r)
{
    return r ? r->framing.chunked : 0;
}

int64_t httpc_response_length(const httpc_response *r)
{
    return r && !r->framing.chunked ? r->framing.length : -1;
}

static int check_read(const httpc_response *r, const void *buf, size_t cap, size_t *out_n)
{
    hc_err_clear();
    if (out_n)
        *out_n = 0;
    if (!r || !out_n || (cap && !buf))
        return hc_fail(HTTPC_E_INVALID_ARGUMENT, "response, buf and out_n must not be NULL");
    return HTTPC_OK;
}

int httpc_response_read(httpc_response *r, void *buf, size_t cap, size_t *out_n)
{
    int rc = check_read(r, buf, cap, out_n);
    return rc ? rc : hc_response_read(r, buf, cap, out_n);
}

int httpc_response_read1(httpc_response *r, void *buf, size_t cap, size_t *out_n)
{
    int rc = check_read(r, buf, cap, out_n);
    return rc ? rc : hc_response_read1(r, buf, cap, out_n);
}

int httpc_response_readline(httpc_response *r, void *buf, size_t cap, size_t *out_n)
{
    int rc = check_read(r, buf, cap, out_n);
    return rc ? rc : hc_response_readline(r, buf, cap, out_n);
}

int httpc_response_read_all(httpc_response *r, char **out_data, size_t *out_len)
{
    hc_err_clear();
    if (out_data)
        *out_data = NULL;
    if (out_len)
        *out_len = 0;
    if (!r || !out_data || !out_len)
        return hc_fail(HTTPC_E_INVALID_ARGUMENT, "arguments must not be NULL");
    return hc_response_read_all(r, out_data, out_len);
}

int httpc_response_peek(httpc_response *r, const void **out_data, size_t *out_n)
{
    hc_err_clear();
    if (!r || !out_data || !out_n)
        return hc_fail(HTTPC_E_INVALID_ARGUMENT, "arguments must not be NULL");
    return hc_response_peek(r, out_data, out_n);
}

int httpc_response_drain(httpc_response *r)
{
    hc_err_clear();
    if (!r)
        return hc_fail(HTTPC_E_INVALID_ARGUMENT, "response is NULL");
    return hc_response_drain(r);
}

const char *httpc_response_getheader(httpc_response *r, const char *name, const char *default_value)
{
    if (!r || !name)
        return default_value;
    size_t count = 0;
    if (hc_headers_join(&r->headers, name, &r->joined, &count)) {
        hc_fail(HTTPC_E_NOMEM, "no memory for the value of header %s", name);
        return NULL;
    }
    return count ? r->joined.data : default_value;
}

const httpc_headers *httpc_response_headers(const httpc_response *r)
{
    return r ? &r->headers : NULL;
}

const httpc_headers *httpc_response_trailers(const httpc_response *r)
{
    return r ? &r->trailers : NULL;
}

int httpc_response_fileno(const httpc_response *r)
{
    if (!r || !r->stream)
        return -1;
    return r->stream->transport->ops->fileno(r->stream->transport);
}

int httpc_response_isclosed(const httpc_response *r)
{
    return !r || !r->stream;
}

void httpc_response_close(httpc_response *r)
{
    if (r)
        hc_response_release(r, false);
}

int httpc_response_wait(const httpc_response *r, httpc_wait *out)
{
    hc_err_clear();
    if (!r || !out)
        return hc_fail(HTTPC_E_INVALID_ARGUMENT, "response and out must not be NULL");
    hc_response_wait_info(r, out);
    return HTTPC_OK;
}
