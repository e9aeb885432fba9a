/* See transport_mem.h. */
#include "transport_mem.h"

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

static int64_t mem_read(hc_transport *t, void *buf, size_t cap, hc_deadline deadline)
{
    (void)deadline;
    mem_script *s = ((mem_transport *)t)->script;
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

static int mem_writev(hc_transport *t, const struct iovec *iov, int iovcnt, hc_deadline deadline)
{
    (void)deadline;
    mem_script *s = ((mem_transport *)t)->script;
    for (int i = 0; i < iovcnt; i++) {
        /* Touch every byte so ASan sees a bad iovec. */
        const volatile char *p = iov[i].iov_base;
        for (size_t j = 0; j < iov[i].iov_len; j++)
            (void)p[j];
        s->written += iov[i].iov_len;
    }
    return 0;
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

int __wrap_hc_tcp_connect(int *out_fd, const char *host, int port, const char *source_host,
                          int source_port, hc_deadline deadline, hc_cancel *cancel);
int __wrap_hc_tcp_transport_new(hc_transport **out, int fd);

int __wrap_hc_tcp_connect(int *out_fd, const char *host, int port, const char *source_host,
                          int source_port, hc_deadline deadline, hc_cancel *cancel)
{
    (void)host, (void)port, (void)source_host, (void)source_port, (void)deadline, (void)cancel;
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
