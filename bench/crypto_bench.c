/* crypto-bench [--no-aesni] [SECONDS]: wolfCrypt's AEAD speed in-process, on
 * 16 KiB records (TLS's largest), the way a TLS download uses it. Built twice:
 * against the wolfSSL linked into httpc and against Debian's libwolfssl, so
 * the bench reports both. --no-aesni (bundled build) first takes AES-NI and
 * AVX out of wolfSSL's run-time CPU flags: what a CPU without AES-NI gets.
 * Prints "aes128gcm_mbps=X chacha20poly1305_mbps=Y". */
#include <wolfssl/options.h>

#include <wolfssl/wolfcrypt/aes.h>
#include <wolfssl/wolfcrypt/chacha20_poly1305.h>
#include <wolfssl/wolfcrypt/cpuid.h>

#include "bench_common.h"

enum { RECORD = 16384, TAG = 16 };

static unsigned char plain[RECORD], sealed[RECORD];

/* Encrypts records for about `seconds`; returns MB/s (10^6 bytes). */
static double aes_gcm_rate(double seconds)
{
    static const unsigned char key[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    unsigned char iv[12] = {0}, tag[TAG], aad[13] = {0};
    Aes aes;
    if (wc_AesInit(&aes, NULL, INVALID_DEVID) || wc_AesGcmSetKey(&aes, key, sizeof key))
        return -1;
    long records = 0;
    double start = bench_now(), now = start;
    while (now - start < seconds) {
        for (int i = 0; i < 64; i++, records++) {
            iv[11] = (unsigned char)records;
            if (wc_AesGcmEncrypt(&aes, sealed, plain, RECORD, iv, sizeof iv, tag, TAG, aad,
                                 sizeof aad))
                return -1;
        }
        now = bench_now();
    }
    wc_AesFree(&aes);
    return (double)records * RECORD / (now - start) / 1e6;
}

static double chacha_poly_rate(double seconds)
{
    static const unsigned char key[32] = {7};
    unsigned char iv[12] = {0}, tag[TAG], aad[13] = {0};
    long records = 0;
    double start = bench_now(), now = start;
    while (now - start < seconds) {
        for (int i = 0; i < 64; i++, records++) {
            iv[11] = (unsigned char)records;
            if (wc_ChaCha20Poly1305_Encrypt(key, iv, aad, sizeof aad, plain, RECORD, sealed, tag))
                return -1;
        }
        now = bench_now();
    }
    return (double)records * RECORD / (now - start) / 1e6;
}

int main(int argc, char **argv)
{
    double seconds = 0.5;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--no-aesni") == 0) {
#ifdef WOLFSSL_AESNI
            /* Before any key is set (wolfSSL reads the flags once); AVX goes
             * too, as httpc hides it from wolfSSL on a CPU without AES-NI. */
            cpuid_select_flags(cpuid_get_flags() &
                               ~(word32)(CPUID_AESNI | CPUID_AVX1 | CPUID_AVX2));
#else
            fprintf(stderr, "crypto-bench: this wolfSSL has no AES-NI code\n");
            return BENCH_EXIT_UNSUPPORTED;
#endif
        } else {
            seconds = atof(argv[i]);
        }
    }
    memset(plain, 0x5a, sizeof plain);
    double aes = aes_gcm_rate(seconds), chacha = chacha_poly_rate(seconds);
    if (aes < 0 || chacha < 0) {
        fprintf(stderr, "crypto-bench: wolfCrypt call failed\n");
        return 1;
    }
    printf("aes128gcm_mbps=%.0f chacha20poly1305_mbps=%.0f\n", aes, chacha);
    return 0;
}
