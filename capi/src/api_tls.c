/* TLS contexts (ssl.SSLContext): one wolfSSL_CTX each, reference counted so
 * connections can outlive the caller's handle. Verification is applied per
 * connection (wolfSSL_set_verify on each WOLFSSL), never on the CTX: Debian's
 * wolfSSL 5.5.4 reports CA loading as failed once the CTX verifies peers. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "tls.h"

#define SYSTEM_CA_DIR "/etc/ssl/certs"

static const char *last_wolfssl_reason(int ret, char *buf, size_t cap)
{
    unsigned long e = wolfSSL_ERR_get_error();
    wolfSSL_ERR_clear_error();
    if (e == 0 && ret < 0)
        e = (unsigned long)ret;
    if (e == 0)
        return "wolfSSL reported a failure";
    wolfSSL_ERR_error_string_n(e, buf, cap);
    return buf;
}

static int context_create(httpc_tls_context **out, int load_system_cas)
{
    if (!out)
        return hc_fail(HTTPC_E_INVALID_ARGUMENT, "out is NULL");
    *out = NULL;
    int rc = hc_tls_global_init();
    if (rc)
        return rc;
    httpc_tls_context *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return hc_fail(HTTPC_E_NOMEM, NULL);
    ctx->wctx = hc_tls_new_wolfssl_ctx();
    if (!ctx->wctx) {
        free(ctx);
        return hc_fail(HTTPC_E_NOMEM, "wolfSSL_CTX_new failed");
    }
    atomic_init(&ctx->refs, 1);
    ctx->verify_mode = HTTPC_CERT_REQUIRED;
    ctx->check_hostname = 1;
    ctx->min_version = HTTPC_TLS_VERSION_1_2;
    if (wolfSSL_CTX_SetMinVersion(ctx->wctx, WOLFSSL_TLSV1_2) != WOLFSSL_SUCCESS) {
        httpc_tls_context_free(ctx);
        return hc_fail(HTTPC_E_TLS, "cannot set TLS 1.2 as the minimum version");
    }
    if (load_system_cas) {
        int ret = wolfSSL_CTX_load_system_CA_certs(ctx->wctx);
        if (ret != WOLFSSL_SUCCESS) {
            char reason[160];
            const char *why = last_wolfssl_reason(ret, reason, sizeof reason);
            httpc_tls_context_free(ctx);
            return hc_fail_tls(HTTPC_E_TLS, ret, "cannot load the system CA store (%s): %s",
                               SYSTEM_CA_DIR, why);
        }
    }
    *out = ctx;
    return HTTPC_OK;
}

int httpc_tls_context_new(httpc_tls_context **out)
{
    hc_err_clear();
    return context_create(out, 1);
}

int httpc_tls_context_new_empty(httpc_tls_context **out)
{
    hc_err_clear();
    return context_create(out, 0);
}

void hc_tls_context_ref(httpc_tls_context *ctx)
{
    if (ctx)
        atomic_fetch_add(&ctx->refs, 1);
}

void httpc_tls_context_free(httpc_tls_context *ctx)
{
    if (!ctx || atomic_fetch_sub(&ctx->refs, 1) != 1)
        return;
    wolfSSL_CTX_free(ctx->wctx);
    free(ctx);
}

/* A readable path, or INVALID_ARGUMENT / TLS naming it. */
static int check_path(const char *what, const char *path)
{
    if (!path || !*path)
        return hc_fail(HTTPC_E_INVALID_ARGUMENT, "%s is NULL or empty", what);
    if (access(path, R_OK) != 0)
        return hc_fail_os(HTTPC_E_TLS, errno, "%s %s: [Errno %d] %s", what, path, errno,
                          strerror(errno));
    return HTTPC_OK;
}

int httpc_tls_context_load_verify_file(httpc_tls_context *ctx, const char *cafile)
{
    hc_err_clear();
    if (!ctx)
        return hc_fail(HTTPC_E_INVALID_ARGUMENT, "context is NULL");
    int rc = check_path("CA file", cafile);
    if (rc)
        return rc;
    int ret = wolfSSL_CTX_load_verify_locations(ctx->wctx, cafile, NULL);
    if (ret != WOLFSSL_SUCCESS) {
        char reason[160];
        return hc_fail_tls(HTTPC_E_TLS, ret, "cannot load CA file %s: %s", cafile,
                           last_wolfssl_reason(ret, reason, sizeof reason));
    }
    return HTTPC_OK;
}

int httpc_tls_context_load_verify_dir(httpc_tls_context *ctx, const char *capath)
{
    hc_err_clear();
    if (!ctx)
        return hc_fail(HTTPC_E_INVALID_ARGUMENT, "context is NULL");
    int rc = check_path("CA directory", capath);
    if (rc)
        return rc;
    /* Directories hold more than certificates (hash links, CRLs, READMEs):
     * skip what does not parse, as OpenSSL's lookup does. */
    int ret =
        wolfSSL_CTX_load_verify_locations_ex(ctx->wctx, NULL, capath, WOLFSSL_LOAD_FLAG_IGNORE_ERR);
    if (ret != WOLFSSL_SUCCESS) {
        char reason[160];
        return hc_fail_tls(HTTPC_E_TLS, ret, "cannot load CA directory %s: %s", capath,
                           last_wolfssl_reason(ret, reason, sizeof reason));
    }
    return HTTPC_OK;
}

int httpc_tls_context_load_verify_pem(httpc_tls_context *ctx, const char *pem, size_t len)
{
    hc_err_clear();
    if (!ctx || !pem || len == 0)
        return hc_fail(HTTPC_E_INVALID_ARGUMENT, "context or PEM data is NULL or empty");
    if (len > INT32_MAX)
        return hc_fail(HTTPC_E_INVALID_ARGUMENT, "PEM data too large");
    int ret = wolfSSL_CTX_load_verify_buffer(ctx->wctx, (const unsigned char *)pem, (long)len,
                                             WOLFSSL_FILETYPE_PEM);
    if (ret != WOLFSSL_SUCCESS) {
        char reason[160];
        return hc_fail_tls(HTTPC_E_TLS, ret, "cannot load CA PEM data: %s",
                           last_wolfssl_reason(ret, reason, sizeof reason));
    }
    return HTTPC_OK;
}

int httpc_tls_context_load_cert_chain(httpc_tls_context *ctx, const char *certfile,
                                      const char *keyfile)
{
    hc_err_clear();
    if (!ctx)
        return hc_fail(HTTPC_E_INVALID_ARGUMENT, "context is NULL");
    int rc = check_path("certificate file", certfile);
    if (!rc && keyfile)
        rc = check_path("key file", keyfile);
    if (rc)
        return rc;
    char reason[160];
    int ret = wolfSSL_CTX_use_certificate_chain_file(ctx->wctx, certfile);
    if (ret != WOLFSSL_SUCCESS)
        return hc_fail_tls(HTTPC_E_TLS, ret, "cannot load certificate chain %s: %s", certfile,
                           last_wolfssl_reason(ret, reason, sizeof reason));
    const char *key = keyfile ? keyfile : certfile;
    ret = wolfSSL_CTX_use_PrivateKey_file(ctx->wctx, key, WOLFSSL_FILETYPE_PEM);
    if (ret != WOLFSSL_SUCCESS)
        return hc_fail_tls(HTTPC_E_TLS, ret, "cannot load private key %s: %s", key,
                           last_wolfssl_reason(ret, reason, sizeof reason));
    ret = wolfSSL_CTX_check_private_key(ctx->wctx);
    if (ret != WOLFSSL_SUCCESS)
        return hc_fail_tls(HTTPC_E_TLS, ret, "private key %s does not match certificate %s", key,
                           certfile);
    return HTTPC_OK;
}

int httpc_tls_context_set_verify_mode(httpc_tls_context *ctx, int mode)
{
    hc_err_clear();
    if (!ctx)
        return hc_fail(HTTPC_E_INVALID_ARGUMENT, "context is NULL");
    if (mode != HTTPC_CERT_NONE && mode != HTTPC_CERT_REQUIRED)
        return hc_fail(HTTPC_E_INVALID_ARGUMENT, "invalid verify mode %d", mode);
    if (mode == HTTPC_CERT_NONE && ctx->check_hostname)
        return hc_fail(HTTPC_E_INVALID_ARGUMENT,
                       "Cannot set verify_mode to CERT_NONE when check_hostname is enabled.");
    ctx->verify_mode = mode;
    return HTTPC_OK;
}

int httpc_tls_context_verify_mode(const httpc_tls_context *ctx)
{
    return ctx ? ctx->verify_mode : HTTPC_CERT_NONE;
}

int httpc_tls_context_set_check_hostname(httpc_tls_context *ctx, int enabled)
{
    hc_err_clear();
    if (!ctx)
        return hc_fail(HTTPC_E_INVALID_ARGUMENT, "context is NULL");
    ctx->check_hostname = enabled ? 1 : 0;
    /* As Python: a hostname check needs a verified certificate. */
    if (enabled && ctx->verify_mode == HTTPC_CERT_NONE)
        ctx->verify_mode = HTTPC_CERT_REQUIRED;
    return HTTPC_OK;
}

int httpc_tls_context_check_hostname(const httpc_tls_context *ctx)
{
    return ctx ? ctx->check_hostname : 0;
}

int httpc_tls_context_set_insecure(httpc_tls_context *ctx)
{
    hc_err_clear();
    if (!ctx)
        return hc_fail(HTTPC_E_INVALID_ARGUMENT, "context is NULL");
    ctx->check_hostname = 0;
    ctx->verify_mode = HTTPC_CERT_NONE;
    return HTTPC_OK;
}

int httpc_tls_context_set_min_version(httpc_tls_context *ctx, int version)
{
    hc_err_clear();
    if (!ctx)
        return hc_fail(HTTPC_E_INVALID_ARGUMENT, "context is NULL");
    int wolf_version;
    if (version == HTTPC_TLS_VERSION_1_2)
        wolf_version = WOLFSSL_TLSV1_2;
    else if (version == HTTPC_TLS_VERSION_1_3)
        wolf_version = WOLFSSL_TLSV1_3;
    else
        return hc_fail(HTTPC_E_INVALID_ARGUMENT, "unsupported minimum TLS version 0x%04x",
                       (unsigned)version);
    if (wolfSSL_CTX_SetMinVersion(ctx->wctx, wolf_version) != WOLFSSL_SUCCESS)
        return hc_fail(HTTPC_E_TLS, "cannot set the minimum TLS version");
    ctx->min_version = version;
    return HTTPC_OK;
}

int httpc_tls_context_min_version(const httpc_tls_context *ctx)
{
    return ctx ? ctx->min_version : 0;
}
