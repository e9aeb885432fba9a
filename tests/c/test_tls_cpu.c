/* The TLS cipher order follows the CPU, and wolfSSL's portable code takes
 * over where AES-NI is missing (README: TLS). The fallback is forced: each
 * Criterion test runs in a process of its own, and the test takes AES-NI out
 * of wolfSSL's run-time CPU flags before anything uses TLS. The HTTPS tests
 * run under tests/support/with-servers.sh --https (see tests/tls.cmake) and
 * skip without it. */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "httpc.h"
#include "tls.h"

#include <wolfssl/wolfcrypt/aes.h>
#include <wolfssl/wolfcrypt/cpuid.h>

/* Takes AES-NI away from wolfSSL, as on a CPU without it. */
static void force_no_aesni(void)
{
#if defined(WOLFSSL_AESNI) && defined(HAVE_CPUID_INTEL)
    cpuid_select_flags(cpuid_get_flags() & ~(word32)CPUID_AESNI);
#else
    cr_skip_test("this wolfSSL has no AES-NI code to fall back from");
#endif
}

static bool wolfssl_uses_aesni(void)
{
#if defined(WOLFSSL_AESNI) && defined(HAVE_CPUID_INTEL)
    return IS_INTEL_AESNI(cpuid_get_flags()) != 0;
#else
    return false;
#endif
}

/* AES-128-GCM of one zero block under a zero key and IV: test case 2 of the
 * GCM specification (McGrew and Viega), through whichever code wolfSSL
 * picked. */
static void assert_aes_gcm_known_answer(void)
{
    static const unsigned char expected_cipher[16] = {0x03, 0x88, 0xda, 0xce, 0x60, 0xb6,
                                                      0xa3, 0x92, 0xf3, 0x28, 0xc2, 0xb9,
                                                      0x71, 0xb2, 0xfe, 0x78};
    static const unsigned char expected_tag[16] = {0xab, 0x6e, 0x47, 0xd4, 0x2c, 0xec, 0x13, 0xbd,
                                                   0xf5, 0x3a, 0x67, 0xb2, 0x12, 0x57, 0xbd, 0xdf};
    unsigned char key[16] = {0}, iv[12] = {0}, plain[16] = {0}, out[16], tag[16], back[16];
    Aes aes;
    cr_assert_eq(wc_AesInit(&aes, NULL, INVALID_DEVID), 0);
    cr_assert_eq(wc_AesGcmSetKey(&aes, key, sizeof key), 0);
    cr_assert_eq(
        wc_AesGcmEncrypt(&aes, out, plain, sizeof plain, iv, sizeof iv, tag, sizeof tag, NULL, 0),
        0);
    cr_assert_arr_eq(out, expected_cipher, sizeof out);
    cr_assert_arr_eq(tag, expected_tag, sizeof tag);
    cr_assert_eq(
        wc_AesGcmDecrypt(&aes, back, out, sizeof out, iv, sizeof iv, tag, sizeof tag, NULL, 0), 0);
    cr_assert_arr_eq(back, plain, sizeof back);
    wc_AesFree(&aes);
}

static int https_port(void)
{
    const char *v = getenv("HTTPC_TEST_HTTPS_PORT");
    if (!v || !*v || !getenv("HTTPC_TEST_CA"))
        cr_skip_test("HTTPC_TEST_HTTPS_PORT not set: run under tests/support/with-servers.sh");
    return atoi(v);
}

/* GETs /medium (16 KiB of byte i = i % 256) over a context trusting the test
 * CA, optionally limited to `ciphers`; returns the negotiated cipher's name. */
static void get_medium(const char *ciphers, char *cipher, size_t cap)
{
    int port = https_port();
    httpc_tls_context *ctx = NULL;
    cr_assert_eq(httpc_tls_context_new_empty(&ctx), HTTPC_OK);
    cr_assert_eq(httpc_tls_context_load_verify_file(ctx, getenv("HTTPC_TEST_CA")), HTTPC_OK, "%s",
                 httpc_last_error_message());
    if (ciphers)
        cr_assert_eq(wolfSSL_CTX_set_cipher_list(ctx->wctx, ciphers), WOLFSSL_SUCCESS);
    httpc_conn_options opts = HTTPC_CONN_OPTIONS_INIT;
    opts.timeout = 10;
    httpc_conn *conn = NULL;
    cr_assert_eq(httpc_conn_new_https(&conn, "localhost", port, &opts, ctx), HTTPC_OK);
    httpc_tls_context_free(ctx);
    cr_assert_eq(httpc_conn_request(conn, "GET", "/medium", NULL, NULL, 0, 0), HTTPC_OK, "%s",
                 httpc_last_error_message());
    httpc_response *resp = NULL;
    cr_assert_eq(httpc_conn_getresponse(conn, &resp), HTTPC_OK, "%s", httpc_last_error_message());
    cr_assert_eq(httpc_response_status(resp), 200);
    char *body = NULL;
    size_t len = 0;
    cr_assert_eq(httpc_response_read_all(resp, &body, &len), HTTPC_OK);
    cr_assert_eq(len, 16384);
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)body[i] != (unsigned char)(i % 256))
            cr_assert_fail("byte %zu is %d", i, (unsigned char)body[i]);
    snprintf(cipher, cap, "%s", hc_tls_transport_cipher(conn->stream->transport));
    httpc_free(body);
    httpc_response_free(resp);
    httpc_conn_free(conn);
}

Test(tls_cpu, aes_gcm_is_right_with_the_cpus_own_code)
{
    cr_assert_eq(hc_tls_global_init(), HTTPC_OK);
    assert_aes_gcm_known_answer();
}

Test(tls_cpu, aes_gcm_is_right_in_the_fallback)
{
    force_no_aesni();
    cr_assert_eq(hc_tls_global_init(), HTTPC_OK);
    cr_assert(!wolfssl_uses_aesni());
#ifdef HAVE_CPUID_INTEL
    /* wolfSSL's AVX AES-GCM uses AES-NI instructions: httpc hides AVX too. */
    cr_assert_eq(cpuid_get_flags() & (CPUID_AVX1 | CPUID_AVX2), 0);
#endif
    assert_aes_gcm_known_answer();
}

Test(tls_cpu, offers_aes_gcm_first_where_aesni_is_there)
{
    cr_assert_eq(hc_tls_global_init(), HTTPC_OK);
    char cipher[128];
    get_medium(NULL, cipher, sizeof cipher);
    const char *expected = wolfssl_uses_aesni() ? "AES128-GCM" : "CHACHA20";
    cr_assert(strstr(cipher, expected), "negotiated %s, expected %s", cipher, expected);
}

Test(tls_cpu, offers_chacha20_first_without_aesni)
{
    force_no_aesni();
    char cipher[128];
    get_medium(NULL, cipher, sizeof cipher);
    cr_assert(strstr(cipher, "CHACHA20"), "negotiated %s", cipher);
}

Test(tls_cpu, aes_gcm_download_in_the_fallback)
{
    force_no_aesni();
    char cipher[128];
    get_medium("TLS13-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256",
               cipher, sizeof cipher);
    cr_assert(strstr(cipher, "AES128-GCM"), "negotiated %s", cipher);
}
