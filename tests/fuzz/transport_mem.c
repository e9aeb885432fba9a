/* See transport_mem.h. */
#include "transport_mem.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "fuzz_split.h"
#include "transport.h"

typedef struct mem_transport {
    hc_transport base;
    mem_script *script;
} mem_transport;

static mem_script *current;

void mem_script_set(mem_script *script)
{
    current = script;
}

/* With chaos on, about one call in three would block first (seeded,
 * repeatable): a non-blocking caller must resume and get the same result. */
static bool chaos_says_wait(mem_script *s)
{
    if (!s->chaos)
        return false;
    s->chaos_state = s->chaos_state * 1103515245u + 12345u;
    return (s->chaos_state >> 16) % 3 == 0;
}

static int64_t mem_read(hc_transport *t, void *buf, size_t cap)
{
    mem_script *s = ((mem_transport *)t)->script;
    if (chaos_says_wait(s)) {
        t->want = HTTPC_WAIT_READ;
        return HTTPC_E_WOULD_BLOCK;
    }
    if (s->pos == s->len)
        return s->end_code ? hc_fail(s->end_code, "scripted end") : 0;
    fuzz_split split = {s->split_state};
    size_t n = fuzz_split_next(&split, s->len - s->pos);
    s->split_state = split.state;
    if (n > cap)
        n = cap;
    memcpy(buf, s->data + s->pos, n);
    s->pos += n;
    return (int64_t)n;
}

static int64_t mem_writev(hc_transport *t, const struct iovec *iov, int iovcnt)
{
    mem_script *s = ((mem_transport *)t)->script;
    if (chaos_says_wait(s)) {
        t->want = HTTPC_WAIT_WRITE;
        return HTTPC_E_WOULD_BLOCK;
    }
    int64_t total = 0;
    for (int i = 0; i < iovcnt; i++) {
        /* Touch every byte so ASan sees a bad iovec. */
        const volatile char *p = iov[i].iov_base;
        for (size_t j = 0; j < iov[i].iov_len; j++)
            (void)p[j];
        total += (int64_t)iov[i].iov_len;
    }
    s->written += (size_t)total;
    return total;
}

static int mem_is_alive(hc_transport *t)
{
    mem_script *s = ((mem_transport *)t)->script;
    return s->pos < s->len;
}

static int mem_fileno(const hc_transport *t)
{
    (void)t;
    return -1;
}

static void mem_destroy(hc_transport *t)
{
    free(t);
}

static const hc_transport_ops mem_ops = {mem_read, mem_writev, mem_is_alive, mem_fileno,
                                         mem_destroy};

int __wrap_hc_tcp_connect(hc_tcp_connecting *c, int *out_fd);
int __wrap_hc_tcp_transport_new(hc_transport **out, int fd);

int __wrap_hc_tcp_connect(hc_tcp_connecting *c, int *out_fd)
{
    if (chaos_says_wait(current)) {
        c->wait_fd = -1;
        c->wait_events = HTTPC_WAIT_WRITE;
        return HTTPC_E_WOULD_BLOCK;
    }
    if (current->connect_code)
        return hc_fail(current->connect_code, "scripted connect failure");
    *out_fd = -1;
    return 0;
}

int __wrap_hc_tcp_transport_new(hc_transport **out, int fd)
{
    (void)fd;
    mem_transport *t = calloc(1, sizeof *t);
    if (!t)
        return hc_fail(HTTPC_E_NOMEM, NULL);
    t->base.ops = &mem_ops;
    t->script = current;
    current->connects++;
    *out = &t->base;
    return 0;
}
