/* Shared helpers of the fuzz targets: a tiny deterministic PRNG that turns
 * the first input bytes into the sizes of the pieces the rest is fed in, so
 * one input also explores how the bytes arrive. */
#ifndef HTTPC_FUZZ_SPLIT_H
#define HTTPC_FUZZ_SPLIT_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct fuzz_split {
    uint32_t state;
} fuzz_split;

static inline void fuzz_split_init(fuzz_split *s, const uint8_t **data, size_t *size)
{
    uint32_t seed = 0x9e3779b9u;
    for (int i = 0; i < 2 && *size > 0; i++) {
        seed = seed * 31u + **data;
        (*data)++;
        (*size)--;
    }
    s->state = seed ? seed : 1;
}

/* The next piece length, 1..max (biased to small pieces: bugs live at the
 * boundaries of lines). */
static inline size_t fuzz_split_next(fuzz_split *s, size_t max)
{
    s->state ^= s->state << 13;
    s->state ^= s->state >> 17;
    s->state ^= s->state << 5;
    size_t n = (s->state & 3u) == 0 ? s->state % 4096u : (s->state >> 4) % 8u;
    n = n == 0 ? 1 : n;
    return n > max ? max : n;
}

/* An exact-size heap copy, so any read past `len` is an ASan report rather
 * than a silent read of the caller's spare capacity. */
static inline char *fuzz_exact_copy(const char *src, size_t len)
{
    char *copy = malloc(len ? len : 1);
    if (copy && len)
        memcpy(copy, src, len);
    return copy;
}

#endif
