/* Status codes and reason phrases, generated from HTTPC_STATUS_MAP. */
#include "httpc.h"

typedef struct status_entry {
    int code;
    const char *name;
    const char *phrase;
} status_entry;

#define STATUS_ITEM(code, name, phrase) {code, #name, phrase},
static const status_entry status_table[] = {HTTPC_STATUS_MAP(STATUS_ITEM)};
#undef STATUS_ITEM

enum { STATUS_COUNT = sizeof status_table / sizeof status_table[0] };

static const status_entry *find(int code)
{
    /* The table is sorted by code: binary search. */
    size_t lo = 0, hi = STATUS_COUNT;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (status_table[mid].code == code)
            return &status_table[mid];
        if (status_table[mid].code < code)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const char *httpc_status_phrase(int code)
{
    const status_entry *e = find(code);
    return e ? e->phrase : NULL;
}

const char *httpc_status_name(int code)
{
    const status_entry *e = find(code);
    return e ? e->name : NULL;
}

size_t httpc_status_count(void)
{
    return STATUS_COUNT;
}

int httpc_status_at(size_t index)
{
    return index < STATUS_COUNT ? status_table[index].code : 0;
}
