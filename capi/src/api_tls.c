/* Placeholder until the TLS context lands (issue 4). */
#include "err.h"
#include "httpc.h"

int httpc_tls_context_new(httpc_tls_context **out)
{
    *out = NULL;
    return hc_fail(HTTPC_E_TLS, "TLS is not built yet");
}
void httpc_tls_context_free(httpc_tls_context *ctx)
{
    (void)ctx;
}
