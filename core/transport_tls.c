/* The wolfSSL transport: TLS over a non-blocking socket; WANT_READ and
 * WANT_WRITE become WOULD_BLOCK, and the caller waits. Our own I/O
 * callbacks keep the socket's errno (so a reset is CONNECTION_RESET, not a
 * bare TLS error) and send with MSG_NOSIGNAL. */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "err.h"
#include "tls.h"

#include <wolfssl/error-ssl.h>
#include <wolfssl/wolfcrypt/cpuid.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/error-crypt.h>

/* ------------------------------------------------------------------ */
/* Process-wide initialisation                                          */
/* ------------------------------------------------------------------ */

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_result;
/* Debian's wolfSSL keeps a per-thread ECC fixed-point cache (FP_ECC with
 * thread-local storage, ~1.6 MB) that leaks when a thread exits; a key
 * destructor frees it for every thread that made a handshake. */
static pthread_key_t ecc_cache_key;

static void free_thread_ecc_cache(void *unused)
{
    (void)unused;
#ifdef FP_ECC
    wc_ecc_fp_free();
#endif
}

/* wolfSSL 5.5.4 runs its AVX AES-GCM code, made of AES-NI instructions,
 * whenever the CPU reports AVX, without checking AES-NI (some hypervisors
 * hide AES-NI alone): on such a CPU it would die of SIGILL. Hide AVX from
 * wolfSSL there, before any of its code reads the flags. */
static void keep_wolfssl_off_missing_aesni(void)
{
#if defined(WOLFSSL_AESNI) && defined(HAVE_CPUID_INTEL)
    word32 flags = cpuid_get_flags();
    if (!IS_INTEL_AESNI(flags))
        cpuid_select_flags(flags & ~(word32)(CPUID_AVX1 | CPUID_AVX2));
#endif
}

static void init_wolfssl(void)
{
    keep_wolfssl_off_missing_aesni();
    init_result = wolfSSL_Init() == WOLFSSL_SUCCESS ? 0 : -1;
    if (init_result == 0 && pthread_key_create(&ecc_cache_key, free_thread_ecc_cache) != 0)
        init_result = -1;
}

static void note_thread_uses_ecc(void)
{
    if (!pthread_getspecific(ecc_cache_key))
        pthread_setspecific(ecc_cache_key, &ecc_cache_key);
}

int hc_tls_global_init(void)
{
    pthread_once(&init_once, init_wolfssl);
    if (init_result != 0)
        return hc_fail(HTTPC_E_TLS, "wolfSSL_Init failed");
    return HTTPC_OK;
}

/* ------------------------------------------------------------------ */
/* Sessions: a reference-counted holder shared by the connection (through
 * its opaque tls_session pointer) and the transports it opens, so a TLS 1.3
 * ticket that arrives after the handshake still reaches the next connect. */

typedef struct session_holder {
    atomic_int refs;
    WOLFSSL_SESSION *session; /* NULL until a handshake succeeded */
    char *server_name;        /* the name the session was verified for */
    const httpc_tls_context *ctx;
} session_holder;

static session_holder *holder_new(const char *server_name, const httpc_tls_context *ctx)
{
    session_holder *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->server_name = strdup(server_name);
    if (!h->server_name) {
        free(h);
        return NULL;
    }
    atomic_init(&h->refs, 1);
    h->ctx = ctx;
    return h;
}

static void holder_unref(session_holder *h)
{
    if (!h || atomic_fetch_sub(&h->refs, 1) != 1)
        return;
    if (h->session)
        wolfSSL_SESSION_free(h->session);
    free(h->server_name);
    free(h);
}

void hc_tls_session_free(void *session)
{
    holder_unref(session);
}

/* ------------------------------------------------------------------ */
/* The transport                                                        */
/* ------------------------------------------------------------------ */

typedef struct tls_transport {
    hc_transport base;
    int fd;
    WOLFSSL *ssl;
    session_holder *holder;
    bool session_refreshed; /* captured again after the first data read */
    bool peer_closed;       /* EOF or close_notify seen */
    bool broken;            /* a fatal error: no close_notify on destroy */
    bool handshake_done;
    bool send_would_block; /* the last socket send found the buffer full */
    bool send_broken;      /* a send failed with EPIPE or ECONNRESET (os_errno) */
    int os_errno;          /* errno of the last failed socket call */
    /* Small pieces coalesced into one record. Kept here, not on the stack:
     * a write that would block must offer wolfSSL the same bytes again. */
    char *joined;
} tls_transport;

static int io_recv(WOLFSSL *ssl, char *buf, int sz, void *ctx)
{
    (void)ssl;
    tls_transport *t = ctx;
    ssize_t n = recv(t->fd, buf, (size_t)sz, 0);
    if (n > 0)
        return (int)n;
    if (n == 0) {
        t->peer_closed = true;
        return WOLFSSL_CBIO_ERR_CONN_CLOSE;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK)
        return WOLFSSL_CBIO_ERR_WANT_READ;
    if (errno == EINTR)
        return WOLFSSL_CBIO_ERR_ISR;
    t->os_errno = errno;
    return errno == ECONNRESET ? WOLFSSL_CBIO_ERR_CONN_RST : WOLFSSL_CBIO_ERR_GENERAL;
}

static int io_send(WOLFSSL *ssl, char *buf, int sz, void *ctx)
{
    (void)ssl;
    tls_transport *t = ctx;
    ssize_t n = send(t->fd, buf, (size_t)sz, MSG_NOSIGNAL);
    t->send_would_block = n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
    if (n >= 0)
        return (int)n;
    if (t->send_would_block)
        return WOLFSSL_CBIO_ERR_WANT_WRITE;
    if (errno == EINTR)
        return WOLFSSL_CBIO_ERR_ISR;
    t->os_errno = errno;
    if (errno == EPIPE || errno == ECONNRESET) {
        /* The peer is gone, most likely after an alert still unread. Told
         * as WANT_WRITE, wolfSSL stays willing to read (any other error
         * state refuses wolfSSL_read), so the alert can be found. */
        t->send_broken = true;
        return WOLFSSL_CBIO_ERR_WANT_WRITE;
    }
    return WOLFSSL_CBIO_ERR_GENERAL;
}

/* wolfSSL picks its AES-NI/AVX code by CPUID at run time when it was built
 * with it (the bundled build); without (Debian's libwolfssl, or a CPU
 * lacking AES-NI) AES-GCM runs in portable C at about 75 MB/s against
 * ChaCha20-Poly1305's 170 MB/s on these machines. */
static bool cpu_has_fast_aes(void)
{
#if defined(WOLFSSL_AESNI) && defined(HAVE_CPUID_INTEL)
    return IS_INTEL_AESNI(cpuid_get_flags()) != 0;
#else
    return false;
#endif
}

/* Offers the faster AEAD first: AES-GCM where AES-NI is there, ChaCha20 where
 * not. Servers that honour the client's order (nginx's default) follow it. */
static void prefer_fast_ciphers(WOLFSSL_CTX *wctx)
{
    const char *first = cpu_has_fast_aes() ? "GCM" : "CHACHA20";
    char all[4096], ordered[4096];
    if (wolfSSL_get_ciphers(all, (int)sizeof all) != WOLFSSL_SUCCESS)
        return;
    size_t used = 0;
    ordered[0] = '\0';
    for (int first_pass = 1; first_pass >= 0; first_pass--) {
        char copy[4096];
        memcpy(copy, all, sizeof copy);
        char *save = NULL;
        for (char *name = strtok_r(copy, ":", &save); name; name = strtok_r(NULL, ":", &save)) {
            if ((strstr(name, first) != NULL) != first_pass)
                continue;
            int n = snprintf(ordered + used, sizeof ordered - used, "%s%s", used ? ":" : "", name);
            if (n < 0 || (size_t)n >= sizeof ordered - used)
                return;
            used += (size_t)n;
        }
    }
    wolfSSL_CTX_set_cipher_list(wctx, ordered);
}

WOLFSSL_CTX *hc_tls_new_wolfssl_ctx(void)
{
    WOLFSSL_CTX *wctx = wolfSSL_CTX_new(wolfSSLv23_client_method());
    if (!wctx)
        return NULL;
    wolfSSL_CTX_SetIORecv(wctx, io_recv);
    wolfSSL_CTX_SetIOSend(wctx, io_send);
    /* Our sockets are non-blocking; auto-retry would only hide WANT_READ. */
    wolfSSL_CTX_clear_mode(wctx, SSL_MODE_AUTO_RETRY);
    prefer_fast_ciphers(wctx);
    return wctx;
}

static const char *wolfssl_reason(int err, char *buf, size_t cap)
{
    wolfSSL_ERR_error_string_n((unsigned long)err, buf, cap);
    return buf;
}

/* Verification failures Python reports as SSLCertVerificationError, with a
 * short reason in OpenSSL's words. */
static const char *verify_reason(int err)
{
    switch (err) {
    case DOMAIN_NAME_MISMATCH:
        return "hostname mismatch";
    case ASN_NO_SIGNER_E:
        return "unable to get local issuer certificate";
    case ASN_AFTER_DATE_E:
        return "certificate has expired";
    case ASN_BEFORE_DATE_E:
        return "certificate is not yet valid";
    case ASN_SIG_CONFIRM_E:
        return "certificate signature failure";
    case ASN_SELF_SIGNED_E:
        return "self-signed certificate";
    case ASN_PATHLEN_SIZE_E:
    case ASN_PATHLEN_INV_E:
        return "path length constraint exceeded";
    case VERIFY_CERT_ERROR:
        return "certificate rejected";
    default:
        return NULL;
    }
}

/* wolfSSL 5.5.4 has no text for most X509_V_ERR values; these are
 * OpenSSL's words for the ones a client meets. */
static const char *verify_result_text(long result)
{
    switch (result) {
    case 0:
        return "ok";
    case 7:
        return "certificate signature failure";
    case 9:
        return "certificate is not yet valid";
    case 10:
        return "certificate has expired";
    case 18:
        return "self-signed certificate";
    case 19:
        return "self-signed certificate in certificate chain";
    case 20:
        return "unable to get local issuer certificate";
    case 21:
        return "unable to verify the first certificate";
    case 62:
        return "hostname mismatch";
    default:
        return "unknown";
    }
}

/* The name of a TLS alert (RFC 8446 section 6 and RFC 5246 section 7.2),
 * for every value wolfSSL 5.5.4 leaves unnamed. */
static const char *alert_name(int code)
{
    switch (code) {
    case 0:
        return "close_notify";
    case 10:
        return "unexpected_message";
    case 20:
        return "bad_record_mac";
    case 22:
        return "record_overflow";
    case 40:
        return "handshake_failure";
    case 42:
        return "bad_certificate";
    case 43:
        return "unsupported_certificate";
    case 44:
        return "certificate_revoked";
    case 45:
        return "certificate_expired";
    case 46:
        return "certificate_unknown";
    case 47:
        return "illegal_parameter";
    case 48:
        return "unknown_ca";
    case 49:
        return "access_denied";
    case 50:
        return "decode_error";
    case 51:
        return "decrypt_error";
    case 70:
        return "protocol_version";
    case 71:
        return "insufficient_security";
    case 80:
        return "internal_error";
    case 86:
        return "inappropriate_fallback";
    case 90:
        return "user_canceled";
    case 100:
        return "no_renegotiation";
    case 109:
        return "missing_extension";
    case 110:
        return "unsupported_extension";
    case 112:
        return "unrecognized_name";
    case 113:
        return "bad_certificate_status_response";
    case 115:
        return "unknown_psk_identity";
    case 116:
        return "certificate_required";
    case 120:
        return "no_application_protocol";
    default:
        return "unknown alert";
    }
}

/* The fatal alert the peer sent, or -1. */
static int received_alert(tls_transport *t)
{
    WOLFSSL_ALERT_HISTORY h;
    memset(&h, 0, sizeof h);
    wolfSSL_get_alert_history(t->ssl, &h);
    return h.last_rx.level == alert_fatal ? h.last_rx.code : -1;
}

static int alert_failure(int err, const char *what, int alert)
{
    return hc_fail_tls(HTTPC_E_TLS, err, "%s: peer sent alert %d (%s)", what, alert,
                       alert_name(alert));
}

/* A peer that rejects us (a client certificate it requires, say) sends an
 * alert and closes; our next write then fails with EPIPE or ECONNRESET
 * before we read it. As OpenSSL-based clients do, look for the alert in
 * what was received: a plaintext alert record during the handshake, or
 * through wolfSSL once records are protected. Returns the alert or -1. */
static int salvage_alert(tls_transport *t)
{
    int alert = received_alert(t);
    if (alert >= 0)
        return alert;
    if (!t->handshake_done) {
        unsigned char rec[7];
        ssize_t n = recv(t->fd, rec, sizeof rec, MSG_PEEK | MSG_DONTWAIT);
        /* ContentType alert (21), a 3.x version, length 2, level fatal (2). */
        if (n == 7 && rec[0] == 21 && rec[1] == 3 && rec[3] == 0 && rec[4] == 2 && rec[5] == 2)
            return rec[6];
    }
    char sink[256];
    for (int rounds = 0; rounds < 4; rounds++) {
        int r = wolfSSL_read(t->ssl, sink, sizeof sink);
        alert = received_alert(t);
        if (alert >= 0 || r <= 0)
            return alert;
    }
    return -1;
}

/* Records a failed handshake or I/O call as an httpc error and returns it. */
static int tls_failure(tls_transport *t, int err, const char *what, const char *server_name)
{
    char reason[160];
    t->broken = true;
    if ((err == SOCKET_ERROR_E || err == SOCKET_PEER_CLOSED_E) && t->os_errno) {
        int e = t->os_errno;
        if (e == EPIPE || e == ECONNRESET) {
            int alert = salvage_alert(t);
            if (alert >= 0)
                return alert_failure(err, what, alert);
        }
        return hc_fail_os(e == EPIPE ? HTTPC_E_BROKEN_PIPE : hc_errno_code(e), e, "[Errno %d] %s",
                          e, strerror(e));
    }
    const char *vr = verify_reason(err);
    if (vr) {
        long result = wolfSSL_get_verify_result(t->ssl);
        if (err == DOMAIN_NAME_MISMATCH && result == 0)
            result = 62; /* wolfSSL leaves it unset; OpenSSL's X509_V_ERR_HOSTNAME_MISMATCH */
        if (err == DOMAIN_NAME_MISMATCH)
            return hc_fail_tls(HTTPC_E_TLS_CERT_VERIFY, err,
                               "certificate verify failed: %s, certificate is not valid for "
                               "'%s' (wolfSSL %d: %s; verify result %ld: %s)",
                               vr, server_name ? server_name : "", err,
                               wolfssl_reason(err, reason, sizeof reason), result,
                               verify_result_text(result));
        return hc_fail_tls(HTTPC_E_TLS_CERT_VERIFY, err,
                           "certificate verify failed: %s (wolfSSL %d: %s; verify result %ld: "
                           "%s)",
                           vr, err, wolfssl_reason(err, reason, sizeof reason), result,
                           verify_result_text(result));
    }
    int alert = received_alert(t);
    if (err == FATAL_ERROR || alert >= 0)
        return alert_failure(err, what, alert >= 0 ? alert : 0);
    if (err == SOCKET_PEER_CLOSED_E || (t->peer_closed && err == SOCKET_ERROR_E)) {
        alert = salvage_alert(t);
        if (alert >= 0)
            return alert_failure(err, what, alert);
        return hc_fail_tls(HTTPC_E_TLS, err, "%s: EOF occurred in violation of protocol", what);
    }
    return hc_fail_tls(HTTPC_E_TLS, err, "%s: wolfSSL %d: %s", what, err,
                       wolfssl_reason(err, reason, sizeof reason));
}

static bool want_io(int ssl_err)
{
    return ssl_err == WOLFSSL_ERROR_WANT_READ || ssl_err == WOLFSSL_ERROR_WANT_WRITE;
}

/* A send that failed for good (send_broken): the alert the peer sent, if
 * it sent one, else the OS error. */
static int broken_send_failure(tls_transport *t, const char *what)
{
    t->broken = true;
    int alert = salvage_alert(t);
    if (alert >= 0)
        return alert_failure(SOCKET_ERROR_E, what, alert);
    int e = t->os_errno;
    return hc_fail_os(e == EPIPE ? HTTPC_E_BROKEN_PIPE : hc_errno_code(e), e, "[Errno %d] %s", e,
                      strerror(e));
}

static int would_block(tls_transport *t, int ssl_err, const char *what)
{
    if (t->send_broken && ssl_err == WOLFSSL_ERROR_WANT_WRITE)
        return broken_send_failure(t, what);
    t->base.want = ssl_err == WOLFSSL_ERROR_WANT_WRITE ? HTTPC_WAIT_WRITE : HTTPC_WAIT_READ;
    return HTTPC_E_WOULD_BLOCK;
}

static void capture_session(tls_transport *t)
{
    WOLFSSL_SESSION *s = wolfSSL_get1_session(t->ssl);
    if (!s)
        return;
    if (t->holder->session)
        wolfSSL_SESSION_free(t->holder->session);
    t->holder->session = s;
}

static int64_t tls_read(hc_transport *base, void *buf, size_t cap)
{
    tls_transport *t = (tls_transport *)base;
    /* A server that keeps sending must not outrun an interrupt. */
    int cancelled = hc_cancel_check(base->cancel);
    if (cancelled)
        return cancelled;
    int want = cap > INT32_MAX ? INT32_MAX : (int)cap;
    int n = wolfSSL_read(t->ssl, buf, want);
    if (n > 0) {
        if (!t->session_refreshed) {
            /* TLS 1.3 tickets arrive after the handshake, before data. */
            t->session_refreshed = true;
            capture_session(t);
        }
        return n;
    }
    int err = wolfSSL_get_error(t->ssl, n);
    if (want_io(err))
        return would_block(t, err, "read");
    if (err == WOLFSSL_ERROR_ZERO_RETURN || err == ZERO_RETURN) {
        t->peer_closed = true;
        return 0;
    }
    /* A peer that closes without close_notify ends the stream; the
     * connection layer decides whether a body was cut short. */
    if (err == SOCKET_PEER_CLOSED_E || (t->peer_closed && err == SOCKET_ERROR_E)) {
        if (received_alert(t) < 0)
            return 0;
    }
    return tls_failure(t, err, "read", NULL);
}

static int64_t write_piece(tls_transport *t, const void *data, size_t len)
{
    int piece = len > 1 << 30 ? 1 << 30 : (int)len;
    int n = wolfSSL_write(t->ssl, data, piece);
    if (n > 0)
        return n;
    int err = wolfSSL_get_error(t->ssl, n);
    if (want_io(err))
        return would_block(t, err, "write"); /* the caller offers the same bytes again */
    return tls_failure(t, err, "write", NULL);
}

static int64_t tls_writev(hc_transport *base, const struct iovec *iov, int iovcnt)
{
    tls_transport *t = (tls_transport *)base;
    /* A pending interrupt stops a request before more of it is sent. */
    int cancelled = hc_cancel_check(base->cancel);
    if (cancelled)
        return cancelled;
    /* Small pieces (request head + small body) go out in one record. */
    enum { COALESCE_MAX = 16384 };
    size_t total = 0;
    for (int i = 0; i < iovcnt; i++)
        total += iov[i].iov_len;
    if (iovcnt > 1 && total <= COALESCE_MAX) {
        if (!t->joined && !(t->joined = malloc(COALESCE_MAX)))
            return hc_fail(HTTPC_E_NOMEM, NULL);
        size_t at = 0;
        for (int i = 0; i < iovcnt; i++) {
            memcpy(t->joined + at, iov[i].iov_base, iov[i].iov_len);
            at += iov[i].iov_len;
        }
        return write_piece(t, t->joined, total);
    }
    int64_t written = 0;
    for (int i = 0; i < iovcnt; i++) {
        if (iov[i].iov_len == 0)
            continue;
        int64_t n = write_piece(t, iov[i].iov_base, iov[i].iov_len);
        if (n < 0)
            return written > 0 && n == HTTPC_E_WOULD_BLOCK ? written : n;
        written += n;
        if ((size_t)n < iov[i].iov_len)
            break;
    }
    return written;
}

static int tls_is_alive(hc_transport *base)
{
    tls_transport *t = (tls_transport *)base;
    if (t->broken || t->peer_closed || wolfSSL_pending(t->ssl) > 0)
        return 0;
    /* Bytes waiting on an idle connection may be a late ticket or key
     * update (harmless) or close_notify / stray data (not reusable). */
    for (int rounds = 0; rounds < 8; rounds++) {
        char probe;
        ssize_t n = recv(t->fd, &probe, 1, MSG_PEEK | MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 1;
        if (n <= 0)
            return 0;
        char sink[1];
        int r = wolfSSL_read(t->ssl, sink, sizeof sink);
        if (r > 0)
            return 0;
        int err = wolfSSL_get_error(t->ssl, r);
        if (err != WOLFSSL_ERROR_WANT_READ)
            return 0;
    }
    return 0;
}

static int tls_fileno(const hc_transport *base)
{
    return ((const tls_transport *)base)->fd;
}

static void tls_destroy(hc_transport *base)
{
    tls_transport *t = (tls_transport *)base;
    if (!t->broken) {
        capture_session(t);
        /* close_notify, best effort: the socket is non-blocking, so this
         * never waits. */
        if (!t->peer_closed)
            wolfSSL_shutdown(t->ssl);
    }
    wolfSSL_free(t->ssl);
    holder_unref(t->holder);
    hc_close_fd(t->fd, &base->announcer, base->cancel);
    free(t->joined);
    free(t);
}

static const hc_transport_ops tls_ops = {tls_read, tls_writev, tls_is_alive, tls_fileno,
                                         tls_destroy};

static bool is_ip_literal(const char *name)
{
    unsigned char addr[16];
    return inet_pton(AF_INET, name, addr) == 1 || inet_pton(AF_INET6, name, addr) == 1;
}

static int configure_ssl(tls_transport *t, httpc_tls_context *ctx, const char *server_name)
{
    WOLFSSL *ssl = t->ssl;
    wolfSSL_SetIOReadCtx(ssl, t);
    wolfSSL_SetIOWriteCtx(ssl, t);
    wolfSSL_set_verify(
        ssl, ctx->verify_mode == HTTPC_CERT_REQUIRED ? WOLFSSL_VERIFY_PEER : WOLFSSL_VERIFY_NONE,
        NULL);
    /* SNI must not carry an IP address (RFC 6066); IPs are checked against
     * the certificate's IP SANs instead. */
    if (!is_ip_literal(server_name) &&
        wolfSSL_UseSNI(ssl, WOLFSSL_SNI_HOST_NAME, server_name,
                       (unsigned short)strlen(server_name)) != WOLFSSL_SUCCESS)
        return hc_fail(HTTPC_E_TLS, "cannot set SNI for '%s'", server_name);
    if (ctx->check_hostname && ctx->verify_mode == HTTPC_CERT_REQUIRED &&
        wolfSSL_check_domain_name(ssl, server_name) != WOLFSSL_SUCCESS)
        return hc_fail(HTTPC_E_TLS, "cannot set the host name to check");
    char alpn[] = "http/1.1";
    if (wolfSSL_UseALPN(ssl, alpn, sizeof alpn - 1, WOLFSSL_ALPN_CONTINUE_ON_MISMATCH) !=
        WOLFSSL_SUCCESS)
        return hc_fail(HTTPC_E_TLS, "cannot set ALPN");
    wolfSSL_UseSessionTicket(ssl);
    return HTTPC_OK;
}

/* Takes a reference to the connection's holder, or makes one, and resumes
 * its session when it was made for this name and context. */
static int attach_holder(tls_transport *t, httpc_tls_context *ctx, const char *server_name,
                         void **session)
{
    session_holder *h = session ? *session : NULL;
    if (h && (h->ctx != ctx || strcmp(h->server_name, server_name) != 0)) {
        holder_unref(h); /* another target: its session must not be offered */
        h = NULL;
        *session = NULL;
    }
    if (!h) {
        h = holder_new(server_name, ctx);
        if (!h)
            return hc_fail(HTTPC_E_NOMEM, NULL);
        if (session)
            *session = h;
        else
            atomic_fetch_sub(&h->refs, 1); /* only the transport holds it */
    }
    atomic_fetch_add(&h->refs, 1);
    t->holder = h;
    if (h->session)
        wolfSSL_set_session(t->ssl, h->session); /* a stale one just fails over */
    return HTTPC_OK;
}

int hc_tls_transport_new(hc_transport **out, int fd, httpc_tls_context *ctx,
                         const char *server_name, void **session)
{
    int rc = hc_tls_global_init();
    if (rc)
        return rc;
    if (!ctx || !server_name)
        return hc_fail(HTTPC_E_INVALID_ARGUMENT, "TLS needs a context and a server name");
    tls_transport *t = calloc(1, sizeof *t);
    if (!t)
        return hc_fail(HTTPC_E_NOMEM, NULL);
    note_thread_uses_ecc();
    t->base.ops = &tls_ops;
    t->fd = fd;
    t->ssl = wolfSSL_new(ctx->wctx);
    if (!t->ssl) {
        free(t);
        return hc_fail(HTTPC_E_NOMEM, "wolfSSL_new failed");
    }
    rc = configure_ssl(t, ctx, server_name);
    if (!rc)
        rc = attach_holder(t, ctx, server_name, session);
    if (rc) {
        hc_tls_transport_discard(&t->base);
        return rc;
    }
    *out = &t->base;
    return HTTPC_OK;
}

int hc_tls_handshake(hc_transport *base)
{
    tls_transport *t = (tls_transport *)base;
    int cancelled = hc_cancel_check(base->cancel);
    if (cancelled)
        return cancelled;
    int r = wolfSSL_connect(t->ssl);
    if (r != WOLFSSL_SUCCESS) {
        int err = wolfSSL_get_error(t->ssl, r);
        /* wolfSSL 5.5.4's TLS 1.3 connect reports a second would-block of
         * its buffered output as a fatal error with no error code
         * (tls13.c: `ssl->error = ret` with ret still 0): it is a
         * would-block, and the retry sends the same buffered bytes. */
        if (err == 0 && t->send_would_block)
            err = WOLFSSL_ERROR_WANT_WRITE;
        if (want_io(err))
            return would_block(t, err, "handshake");
        return tls_failure(t, err, "handshake", t->holder->server_name);
    }
    t->handshake_done = true;
    capture_session(t);
    return HTTPC_OK;
}

void hc_tls_transport_discard(hc_transport *base)
{
    tls_transport *t = (tls_transport *)base;
    if (!t)
        return;
    wolfSSL_free(t->ssl);
    holder_unref(t->holder);
    free(t->joined);
    free(t);
}

int hc_tls_transport_session_reused(hc_transport *base)
{
    if (!base || base->ops != &tls_ops)
        return 0;
    return wolfSSL_session_reused(((tls_transport *)base)->ssl) ? 1 : 0;
}

const char *hc_tls_transport_version(hc_transport *base)
{
    if (!base || base->ops != &tls_ops)
        return "";
    return wolfSSL_get_version(((tls_transport *)base)->ssl);
}

const char *hc_tls_transport_cipher(hc_transport *base)
{
    if (!base || base->ops != &tls_ops)
        return "";
    const char *name = wolfSSL_get_cipher_name(((tls_transport *)base)->ssl);
    return name ? name : "";
}

const char *hc_tls_transport_alpn(hc_transport *base)
{
    if (!base || base->ops != &tls_ops)
        return "";
    char *name = NULL;
    unsigned short len = 0;
    if (wolfSSL_ALPN_GetProtocol(((tls_transport *)base)->ssl, &name, &len) != WOLFSSL_SUCCESS ||
        !name)
        return "";
    /* wolfSSL's buffer is not NUL-terminated; ours is one of a known set. */
    return len == 8 && memcmp(name, "http/1.1", 8) == 0 ? "http/1.1" : "";
}
