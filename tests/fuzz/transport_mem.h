/* An in-memory transport for the whole-connection fuzz target and fault
 * tests: reads come from a script (in pieces), writes are counted and
 * dropped. It is injected without touching conn.c by linking with
 * -Wl,--wrap=hc_tcp_connect,--wrap=hc_tcp_transport_new (see CMakeLists). */
#ifndef HTTPC_TRANSPORT_MEM_H
#define HTTPC_TRANSPORT_MEM_H

#include <stddef.h>
#include <stdint.h>

typedef struct mem_script {
    const char *data; /* what the "server" sends, over every connection */
    size_t len;
    size_t pos;
    uint32_t split_state; /* PRNG for read sizes */
    int end_code;         /* 0: EOF at the end; else this httpc code */
    int connect_code;     /* nonzero: connects fail with this code */
    size_t connects;      /* connections opened */
    size_t written;       /* request bytes the client sent */
    int chaos;            /* nonzero: reads, writes and connects would block at random */
    uint32_t chaos_state; /* its PRNG (seed it for a repeatable run) */
} mem_script;

/* The script every new connection reads from (process-global: the fuzz
 * target is single-threaded). */
void mem_script_set(mem_script *script);

#endif
