/* tls_coexist: one process with httpc (and the wolfSSL inside it), Debian's
 * shared libwolfssl and OpenSSL's libssl, each making a real TLS handshake
 * with the test nginx. Built against libhttpc.so and against the installed
 * form of libhttpc.a (tests/tls.cmake); run under with-servers.sh --https.
 * A clash (httpc's copy answering the system library's calls, or the
 * reverse) shows as a failed handshake, a crash or a wrong library in dladdr. */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <httpc.h>
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

static int fail(const char *what)
{
    fprintf(stderr, "tls_coexist: %s\n", what);
    return 1;
}

static int connect_loopback(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Which file a function was loaded from. */
static const char *library_of(void *function)
{
    Dl_info info;
    return dladdr(function, &info) && info.dli_fname ? info.dli_fname : "?";
}

/* A verified TLS handshake through Debian's shared libwolfssl. */
static int system_wolfssl_handshake(int port, const char *ca)
{
    if (!strstr(library_of((void *)wolfSSL_CTX_new), "libwolfssl.so"))
        return fail("wolfSSL_CTX_new does not come from libwolfssl.so");
    if (wolfSSL_Init() != WOLFSSL_SUCCESS)
        return fail("system wolfSSL_Init");
    WOLFSSL_CTX *ctx = wolfSSL_CTX_new(wolfSSLv23_client_method());
    if (!ctx || wolfSSL_CTX_load_verify_locations(ctx, ca, NULL) != WOLFSSL_SUCCESS)
        return fail("system wolfSSL context");
    int fd = connect_loopback(port);
    WOLFSSL *ssl = fd >= 0 ? wolfSSL_new(ctx) : NULL;
    if (!ssl || wolfSSL_set_fd(ssl, fd) != WOLFSSL_SUCCESS ||
        wolfSSL_check_domain_name(ssl, "localhost") != WOLFSSL_SUCCESS ||
        wolfSSL_connect(ssl) != WOLFSSL_SUCCESS)
        return fail("system wolfSSL handshake");
    printf("system wolfSSL %s: %s\n", wolfSSL_lib_version(), wolfSSL_get_cipher_name(ssl));
    wolfSSL_shutdown(ssl);
    wolfSSL_free(ssl);
    close(fd);
    wolfSSL_CTX_free(ctx);
    return 0;
}

/* A verified TLS handshake through OpenSSL, loaded at run time (its header
 * and wolfSSL's OpenSSL-compatible one cannot share a file). */
static int openssl_handshake(int port, const char *ca)
{
    void *lib = dlopen("libssl.so.3", RTLD_NOW | RTLD_GLOBAL);
    if (!lib)
        return fail(dlerror());
    const void *(*client_method)(void) = (const void *(*)(void))dlsym(lib, "TLS_client_method");
    void *(*ctx_new)(const void *) = (void *(*)(const void *))dlsym(lib, "SSL_CTX_new");
    int (*load)(void *, const char *, const char *) =
        (int (*)(void *, const char *, const char *))dlsym(lib, "SSL_CTX_load_verify_locations");
    void (*set_verify)(void *, int, void *) =
        (void (*)(void *, int, void *))dlsym(lib, "SSL_CTX_set_verify");
    void *(*ssl_new)(void *) = (void *(*)(void *))dlsym(lib, "SSL_new");
    int (*set_fd)(void *, int) = (int (*)(void *, int))dlsym(lib, "SSL_set_fd");
    int (*ssl_connect)(void *) = (int (*)(void *))dlsym(lib, "SSL_connect");
    long (*verify_result)(const void *) =
        (long (*)(const void *))dlsym(lib, "SSL_get_verify_result");
    void (*ssl_free)(void *) = (void (*)(void *))dlsym(lib, "SSL_free");
    void (*ctx_free)(void *) = (void (*)(void *))dlsym(lib, "SSL_CTX_free");
    if (!client_method || !ctx_new || !load || !set_verify || !ssl_new || !set_fd || !ssl_connect ||
        !verify_result || !ssl_free || !ctx_free)
        return fail("OpenSSL symbols");
    void *ctx = ctx_new(client_method());
    if (!ctx || load(ctx, ca, NULL) != 1)
        return fail("OpenSSL context");
    set_verify(ctx, 1 /* SSL_VERIFY_PEER */, NULL);
    int fd = connect_loopback(port);
    void *ssl = fd >= 0 ? ssl_new(ctx) : NULL;
    if (!ssl || set_fd(ssl, fd) != 1 || ssl_connect(ssl) != 1 || verify_result(ssl) != 0)
        return fail("OpenSSL handshake");
    printf("OpenSSL (%s): handshake verified\n", library_of((void *)ssl_connect));
    ssl_free(ssl);
    close(fd);
    ctx_free(ctx);
    return 0;
}

/* An HTTPS GET through httpc. */
static int httpc_get(int port, const char *ca)
{
    httpc_tls_context *tls = NULL;
    httpc_conn *conn = NULL;
    httpc_response *resp = NULL;
    char *body = NULL;
    size_t len = 0;
    int ok = httpc_tls_context_new_empty(&tls) == HTTPC_OK &&
             httpc_tls_context_load_verify_file(tls, ca) == HTTPC_OK &&
             httpc_conn_new_https(&conn, "localhost", port, NULL, tls) == HTTPC_OK &&
             httpc_conn_request(conn, "GET", "/medium", NULL, NULL, 0, 0) == HTTPC_OK &&
             httpc_conn_getresponse(conn, &resp) == HTTPC_OK &&
             httpc_response_status(resp) == 200 &&
             httpc_response_read_all(resp, &body, &len) == HTTPC_OK && len == 16384;
    if (!ok)
        fprintf(stderr, "tls_coexist: httpc: %s\n", httpc_last_error_message());
    else
        printf("httpc %s: GET /medium over HTTPS, %zu bytes\n", httpc_version_string(), len);
    httpc_free(body);
    httpc_response_free(resp);
    httpc_conn_free(conn);
    httpc_tls_context_free(tls);
    return ok ? 0 : 1;
}

int main(void)
{
    const char *port_text = getenv("HTTPC_TEST_HTTPS_PORT"), *ca = getenv("HTTPC_TEST_CA");
    if (!port_text || !ca)
        return fail("run under tests/support/with-servers.sh --https");
    int port = atoi(port_text);
    /* httpc first, between the others, and last: each initialised library
     * must keep working while the others run. */
    if (httpc_get(port, ca) || system_wolfssl_handshake(port, ca) || httpc_get(port, ca) ||
        openssl_handshake(port, ca) || httpc_get(port, ca))
        return 1;
    printf("coexist ok\n");
    return 0;
}
