/* The error table: names, messages and the ancestor relation, all generated
 * from HTTPC_ERROR_MAP in httpc.h. */
#include <pthread.h>
#include <stdint.h>

#include "httpc.h"

/* Table positions, so every code has a bit in an ancestor mask. */
#define INDEX_ITEM(value, name, cls, p1, p2, msg) ERROR_INDEX_##name,
enum { ERROR_MAP_INDEX_START_ = -1, HTTPC_ERROR_MAP(INDEX_ITEM) ERROR_COUNT };
#undef INDEX_ITEM
enum { ERROR_INDEX_NONE = -1 };

typedef struct error_entry {
    int code;
    const char *class_name;
    const char *message;
    int parent_index[2];
} error_entry;

#define ENTRY_ITEM(value, name, cls, p1, p2, msg)                                                  \
    {value, cls, msg, {ERROR_INDEX_##p1, ERROR_INDEX_##p2}},
static const error_entry error_table[ERROR_COUNT] = {HTTPC_ERROR_MAP(ENTRY_ITEM)};
#undef ENTRY_ITEM

_Static_assert(ERROR_COUNT <= 64, "ancestor masks are 64 bits wide");

/* Codes are grouped by family (-1xx..-4xx); this maps a code to its table
 * index in O(1). */
enum { FAMILY_COUNT = 4, FAMILY_SPAN = 100 };
static signed char index_by_code[FAMILY_COUNT][FAMILY_SPAN];
static uint64_t ancestor_mask[ERROR_COUNT];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static void build_tables(void)
{
    for (int f = 0; f < FAMILY_COUNT; f++)
        for (int i = 0; i < FAMILY_SPAN; i++)
            index_by_code[f][i] = -1;
    /* Parents come first in the table, so one pass sees their masks done. */
    for (int i = 0; i < ERROR_COUNT; i++) {
        const error_entry *e = &error_table[i];
        int magnitude = -e->code;
        index_by_code[magnitude / FAMILY_SPAN - 1][magnitude % FAMILY_SPAN] = (signed char)i;
        uint64_t mask = UINT64_C(1) << i;
        for (int p = 0; p < 2; p++)
            if (e->parent_index[p] >= 0)
                mask |= ancestor_mask[e->parent_index[p]];
        ancestor_mask[i] = mask;
    }
}

static int index_of(int code)
{
    pthread_once(&table_once, build_tables);
    if (code > -FAMILY_SPAN || code <= -(FAMILY_COUNT + 1) * FAMILY_SPAN)
        return -1;
    int magnitude = -code;
    return index_by_code[magnitude / FAMILY_SPAN - 1][magnitude % FAMILY_SPAN];
}

const char *httpc_error_name(int code)
{
    if (code == HTTPC_OK)
        return "OK";
    int i = index_of(code);
    return i < 0 ? "UnknownError" : error_table[i].class_name;
}

const char *httpc_strerror(int code)
{
    if (code == HTTPC_OK)
        return "no error";
    int i = index_of(code);
    return i < 0 ? "unknown error" : error_table[i].message;
}

int httpc_error_is(int code, int ancestor)
{
    int i = index_of(code), a = index_of(ancestor);
    if (i < 0 || a < 0)
        return code == ancestor;
    return (ancestor_mask[i] >> a) & 1;
}

size_t httpc_error_count(void)
{
    return ERROR_COUNT;
}

int httpc_error_at(size_t index)
{
    return index < ERROR_COUNT ? error_table[index].code : HTTPC_OK;
}

int httpc_error_parent(int code, int which)
{
    int i = index_of(code);
    if (i < 0 || which < 0 || which > 1)
        return HTTPC_OK;
    int p = error_table[i].parent_index[which];
    return p < 0 ? HTTPC_OK : error_table[p].code;
}
