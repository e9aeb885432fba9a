/* LD_PRELOAD heap allocation counter. At exit it writes
 * "mallocs=M frees=F" to the file named by MALLOC_COUNT_OUT (or stderr).
 * Run a client with N and 2N requests: the difference divided by N is the
 * steady-state allocations per request. Counts malloc, calloc, realloc,
 * posix_memalign, aligned_alloc and memalign calls. */
#include <stdio.h>
#include <stdlib.h>
#include <stdatomic.h>

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *pointer, size_t size);
extern void *__libc_memalign(size_t alignment, size_t size);
extern void __libc_free(void *pointer);

static atomic_ullong allocations, releases;

void *malloc(size_t size)
{
    atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed);
    return __libc_malloc(size);
}

void *calloc(size_t count, size_t size)
{
    atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed);
    return __libc_calloc(count, size);
}

void *realloc(void *pointer, size_t size)
{
    atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed);
    return __libc_realloc(pointer, size);
}

void *memalign(size_t alignment, size_t size)
{
    atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed);
    return __libc_memalign(alignment, size);
}

void *aligned_alloc(size_t alignment, size_t size)
{
    return memalign(alignment, size);
}

int posix_memalign(void **out, size_t alignment, size_t size)
{
    void *pointer = memalign(alignment, size);
    if (!pointer)
        return 12; /* ENOMEM */
    *out = pointer;
    return 0;
}

void free(void *pointer)
{
    if (pointer)
        atomic_fetch_add_explicit(&releases, 1, memory_order_relaxed);
    __libc_free(pointer);
}

__attribute__((destructor)) static void report_counts(void)
{
    const char *path = getenv("MALLOC_COUNT_OUT");
    FILE *out = path ? fopen(path, "a") : NULL;
    fprintf(out ? out : stderr, "mallocs=%llu frees=%llu\n",
            (unsigned long long)atomic_load(&allocations),
            (unsigned long long)atomic_load(&releases));
    if (out)
        fclose(out);
}
