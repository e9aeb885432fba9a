/* Placeholder until the wolfSSL transport lands (issue 4). */
#include "err.h"
#include "transport.h"

int hc_tls_transport_new(hc_transport **out, int fd, httpc_tls_context *ctx,
                         const char *server_name, void **session, hc_deadline deadline)
{
    (void)out, (void)fd, (void)ctx, (void)server_name, (void)session, (void)deadline;
    return hc_fail(HTTPC_E_TLS, "TLS is not built yet");
}
void hc_tls_session_free(void *session)
{
    (void)session;
}
void hc_tls_transport_save_session(hc_transport *t, void **session)
{
    (void)t, (void)session;
}
void hc_tls_context_ref(httpc_tls_context *ctx)
{
    (void)ctx;
}
