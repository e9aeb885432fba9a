/* Private to the TLS pieces (capi/src/api_tls.c, core/transport_tls.c) and
 * their tests: the TLS context's layout and debug accessors. */
#ifndef HC_TLS_H
#define HC_TLS_H

#include <stdatomic.h>

#include <wolfssl/options.h> /* must precede every other wolfSSL header */
#include <wolfssl/ssl.h>

#include "transport.h"

struct httpc_tls_context {
    atomic_int refs;
    WOLFSSL_CTX *wctx;
    int verify_mode;    /* HTTPC_CERT_NONE or HTTPC_CERT_REQUIRED */
    int check_hostname; /* 0 or 1 */
    int min_version;    /* HTTPC_TLS_VERSION_1_2 or _1_3 */
};

/* Initialises wolfSSL once per process (thread-safe). Returns 0 or TLS. */
int hc_tls_global_init(void);
/* A new wolfSSL client context with our I/O callbacks installed. */
WOLFSSL_CTX *hc_tls_new_wolfssl_ctx(void);

/* Debug accessors for tests: 1 when t is a TLS transport whose handshake
 * resumed a session; the negotiated version ("TLSv1.3"), ALPN protocol
 * ("" when none) and cipher suite. Return 0 / "" for a non-TLS transport. */
int hc_tls_transport_session_reused(hc_transport *t);
const char *hc_tls_transport_version(hc_transport *t);
const char *hc_tls_transport_alpn(hc_transport *t);
const char *hc_tls_transport_cipher(hc_transport *t);

#endif
