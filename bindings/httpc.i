/*
 * The one SWIG interface of httpc, for every language. It declares the API by
 * including the public header; the typemaps that differ per language live in
 * bindings/<language>/typemaps.i and are pulled in below, one line each.
 *
 * The generated module is private (Python: httpc._httpc_raw; Lua and Node:
 * an internal module) and each language puts an idiomatic layer on top.
 */
%module httpc_raw

%{
#include "httpc.h"
%}

%include <stdint.i>

/* Per-language typemaps (byte buffers in and out, error codes to exceptions). */
#if defined(SWIGPYTHON)
%include "python/typemaps.i"
#elif defined(SWIGLUA)
%include "lua/typemaps.i"
#elif defined(SWIGJAVASCRIPT)
%include "node/typemaps.i"
#endif

%include "httpc.h"
