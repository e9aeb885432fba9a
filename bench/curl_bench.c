/* curl-bench HOST PORT PATH N TLS MODE: N sequential GETs with one reused
 * libcurl easy handle (keeps its connection unless MODE is newconn or
 * newconn_full; the latter without TLS session resumption), after
 * BENCH_WARMUP untimed ones. */
#include "bench_common.h"
#include <curl/curl.h>

/* Discards the body, counting it. */
static size_t count_body(char *data, size_t size, size_t count, void *userdata)
{
    (void)data;
    *(unsigned long long *)userdata += size * count;
    return size * count;
}

int main(int argc, char **argv)
{
    bench_args args;
    if (bench_parse_args(argc, argv, &args))
        return 2;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURL *easy = curl_easy_init();
    char url[1024];
    snprintf(url, sizeof url, "%s://%s:%d%s", args.tls ? "https" : "http", args.host, args.port,
             args.path);
    unsigned long long bytes = 0;
    curl_easy_setopt(easy, CURLOPT_URL, url);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, count_body);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &bytes);
    curl_easy_setopt(easy, CURLOPT_BUFFERSIZE, (long)BENCH_BUFFER_SIZE);
    curl_easy_setopt(easy, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(easy, CURLOPT_FORBID_REUSE, args.new_connection ? 1L : 0L);
    /* libcurl resumes TLS sessions by default; newconn_full turns that off. */
    curl_easy_setopt(easy, CURLOPT_SSL_SESSIONID_CACHE, args.full_handshake ? 0L : 1L);
    if (args.tls && getenv("BENCH_CAFILE"))
        curl_easy_setopt(easy, CURLOPT_CAINFO, getenv("BENCH_CAFILE"));
    double start = bench_now();
    long connections = 0;
    for (long i = 0; i < args.warmup + args.requests; i++) {
        if (i == args.warmup) { /* the timed requests start here */
            bytes = 0;
            connections = 0;
            start = bench_now();
        }
        CURLcode rc = curl_easy_perform(easy);
        long status = 0, new_connections = 0;
        curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_getinfo(easy, CURLINFO_NUM_CONNECTS, &new_connections);
        if (rc != CURLE_OK || status != 200) {
            fprintf(stderr, "curl-bench: %s (status %ld)\n", curl_easy_strerror(rc), status);
            return 1;
        }
        connections += new_connections;
    }
    double seconds = bench_now() - start;
    bench_report(args.requests, bytes, seconds, connections);
    curl_easy_cleanup(easy);
    curl_global_cleanup();
    return 0;
}
