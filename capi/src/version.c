#include <stdlib.h>

#include "httpc.h"

int httpc_version(void)
{
    return HTTPC_VERSION_NUMBER;
}

const char *httpc_version_string(void)
{
    return HTTPC_VERSION_STRING;
}

void httpc_free(void *ptr)
{
    free(ptr);
}
