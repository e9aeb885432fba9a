/*
 * Lua-only part of the SWIG interface (included from bindings/httpc.i).
 *
 * The generated module (httpc.raw) is private: the public `httpc` module
 * (httpc/init.lua) builds the Lua API on top of it. Most functions are the
 * wrappers SWIG generates; a few hand-written natives cover the hot path
 * (request, getresponse, read) and what SWIG cannot express (bodies from Lua
 * functions, header tables, options).
 *
 * Handles (connections, responses, TLS contexts) are SWIG objects owned by
 * Lua: the garbage collector frees them. Errors: a failing call raises the
 * error object made by the Lua function registered with set_error_factory,
 * from the calling thread's last-error record, so a new code in the C table
 * needs no change here.
 *
 * The same generated file compiles for Lua 5.4 and LuaJIT (Lua 5.1 API).
 */

%{
#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <string.h>

#if LUA_VERSION_NUM < 502
#define luahttpc_rawlen(L, i) lua_objlen((L), (i))
#else
#define luahttpc_rawlen(L, i) lua_rawlen((L), (i))
#endif

/* Connections alive in this process, and the count at which creating one
 * first runs a full collection (see luahttpc_conn_new). */
static atomic_long luahttpc_live_conns;
static atomic_long luahttpc_collect_at = 64;

/* Registry key of the Lua error factory: function(code, message, errno,
 * tls_error, expected, line, partial) -> error object. */
static char luahttpc_factory_key;

static void delete_httpc_conn(httpc_conn *conn)
{
    httpc_conn_free(conn);
    atomic_fetch_sub(&luahttpc_live_conns, 1);
}
static void delete_httpc_response(httpc_response *resp)
{
    httpc_response_free(resp);
}
static void delete_httpc_tls_context(httpc_tls_context *ctx)
{
    httpc_tls_context_free(ctx);
}

/* Pushes the error object for `code` (negative), built from the calling
 * thread's last-error record when it holds that code; `message` (or NULL)
 * replaces the record's message; partial_index (0: none) is the stack index
 * of the partial body of an IncompleteRead. */
static void luahttpc_push_error(lua_State *L, int code, const char *message, int partial_index)
{
    const httpc_error_info *e = httpc_last_error();
    int ours = e->code == code;
    if (partial_index < 0)
        partial_index = lua_gettop(L) + partial_index + 1;
    lua_pushlightuserdata(L, &luahttpc_factory_key);
    lua_rawget(L, LUA_REGISTRYINDEX);
    if (!lua_isfunction(L, -1)) {
        lua_pop(L, 1);
        lua_pushfstring(L, "httpc error %d: %s", code,
                        message ? message
                        : ours  ? e->message
                                : httpc_strerror(code));
        return;
    }
    lua_pushinteger(L, code);
    lua_pushstring(L, message ? message : ours ? e->message : httpc_strerror(code));
    lua_pushinteger(L, ours ? e->os_errno : 0);
    lua_pushinteger(L, ours ? e->tls_error : 0);
    lua_pushinteger(L, (lua_Integer)(ours ? e->expected : -1));
    lua_pushstring(L, ours ? e->line : "");
    if (partial_index)
        lua_pushvalue(L, partial_index);
    else
        lua_pushnil(L);
    lua_call(L, 7, 1);
}

/* Raises the error object for `code`; never returns. */
static int luahttpc_raise(lua_State *L, int code, const char *message)
{
    luahttpc_push_error(L, code, message, 0);
    return lua_error(L);
}

/* The argument number a Lua caller sees: natives named ":name" implement a
 * method (conn:request(...)), whose self is not counted, as Lua's own
 * messages do not count it. Sets *fname to the name without the colon. */
static int luahttpc_arg_number(int arg, const char **fname)
{
    if (**fname == ':') {
        (*fname)++;
        return arg - 1;
    }
    return arg;
}

/* Raises ValueError (INVALID_ARGUMENT) for a bad argument of a native. */
static int luahttpc_arg_error(lua_State *L, int arg, const char *fname, const char *expected)
{
    int shown = luahttpc_arg_number(arg, &fname);
    const char *msg =
        shown == 0 ? lua_pushfstring(L, "calling '%s' on bad self (%s expected, got %s)", fname,
                                     expected, luaL_typename(L, arg))
                   : lua_pushfstring(L, "bad argument #%d to '%s' (%s expected, got %s)", shown,
                                     fname, expected, luaL_typename(L, arg));
    return luahttpc_raise(L, HTTPC_E_INVALID_ARGUMENT, msg);
}

/* A string argument (numbers are taken as Lua takes them) without NUL
 * bytes, since the C API takes NUL-terminated text. */
static const char *luahttpc_text(lua_State *L, int arg, const char *fname)
{
    size_t len;
    int type = lua_type(L, arg);
    if (type != LUA_TSTRING && type != LUA_TNUMBER)
        luahttpc_arg_error(L, arg, fname, "string");
    const char *s = lua_tolstring(L, arg, &len);
    if (strlen(s) != len) {
        int shown = luahttpc_arg_number(arg, &fname);
        luahttpc_raise(L, HTTPC_E_INVALID_ARGUMENT,
                       lua_pushfstring(L, "bad argument #%d to '%s' (embedded NUL)", shown, fname));
    }
    return s;
}
%}

/* The handles are SWIG classes with no constructor, so that SWIG's
 * userdata carries a destructor: the collector frees what Lua owns. */
%nodefaultctor httpc_conn;
%nodefaultctor httpc_response;
%nodefaultctor httpc_tls_context;
struct httpc_conn {};
struct httpc_response {};
struct httpc_tls_context {};
%extend httpc_conn { ~httpc_conn(); }
%extend httpc_response { ~httpc_response(); }
%extend httpc_tls_context { ~httpc_tls_context(); }

/* Integers stay integers (SWIG would push lua_Number). */
%typemap(out) int, unsigned int, long, size_t, int64_t, httpc_error
    "lua_pushinteger(L, (lua_Integer)$1); SWIG_arg++;"

/* Handles returned through **out become the Lua result, owned by Lua. */
%define HTTPC_LUA_OUT_HANDLE(TYPE)
%typemap(in, numinputs=0) TYPE **out (TYPE *tmp = NULL) { $1 = &tmp; }
%typemap(argout) TYPE **out {
    SWIG_NewPointerObj(L, *$1, $*1_descriptor, 1);
    SWIG_arg++;
}
%enddef
HTTPC_LUA_OUT_HANDLE(httpc_tls_context)

/* Functions whose int result is a status code: raise on failure, else
 * return nothing; in non-blocking mode "would block" returns false (the
 * Lua layer waits and calls again). */
%define HTTPC_LUA_CHECKED(FN)
%typemap(out) int FN {
    if ($1 == HTTPC_E_WOULD_BLOCK) {
        lua_pushboolean(L, 0);
        SWIG_arg++;
    } else if ($1 < 0) {
        luahttpc_raise(L, $1, NULL);
    }
}
%enddef
HTTPC_LUA_CHECKED(httpc_conn_connect)
HTTPC_LUA_CHECKED(httpc_conn_putrequest)
HTTPC_LUA_CHECKED(httpc_conn_send)
HTTPC_LUA_CHECKED(httpc_conn_body_write)
HTTPC_LUA_CHECKED(httpc_response_drain)
HTTPC_LUA_CHECKED(httpc_conn_set_nonblocking)
HTTPC_LUA_CHECKED(httpc_conn_set_max_response_size)
HTTPC_LUA_CHECKED(httpc_conn_body_end)
HTTPC_LUA_CHECKED(httpc_tls_context_new)
HTTPC_LUA_CHECKED(httpc_tls_context_new_empty)
HTTPC_LUA_CHECKED(httpc_tls_context_load_verify_file)
HTTPC_LUA_CHECKED(httpc_tls_context_load_verify_dir)
HTTPC_LUA_CHECKED(httpc_tls_context_load_verify_pem)
HTTPC_LUA_CHECKED(httpc_tls_context_load_cert_chain)
HTTPC_LUA_CHECKED(httpc_tls_context_set_verify_mode)
HTTPC_LUA_CHECKED(httpc_tls_context_set_check_hostname)
HTTPC_LUA_CHECKED(httpc_tls_context_set_insecure)
HTTPC_LUA_CHECKED(httpc_tls_context_set_min_version)

/* Byte buffers in: a Lua string (may hold any byte). */
%typemap(in) (const void *data, size_t len), (const char *pem, size_t len) {
    if (lua_type(L, $input) != LUA_TSTRING)
        luahttpc_arg_error(L, $input, "$symname", "string");
    $1 = ($1_ltype)lua_tolstring(L, $input, &$2);
}

/* Taking C callbacks or structs with pointers, or replaced by the natives. */
%ignore httpc_body;
%ignore httpc_body_kind;
%ignore httpc_read_fn;
%ignore httpc_chunk_fn;
%ignore httpc_debug_fn;
%ignore httpc_header;
%ignore httpc_conn_options;
%ignore httpc_conn_options_init;
%ignore httpc_conn_new;
%ignore httpc_conn_new_https;
%ignore httpc_conn_free;
%ignore httpc_response_free;
%ignore httpc_tls_context_free;
%ignore httpc_conn_request;
%ignore httpc_conn_endheaders;
%ignore httpc_conn_getresponse;
%ignore httpc_conn_set_tunnel;
%ignore httpc_conn_putheader;
%ignore httpc_conn_putheader_values;
%ignore httpc_conn_proxy_response_headers;
%ignore httpc_response_headers;
%ignore httpc_response_trailers;
%ignore httpc_error_info;
%ignore httpc_last_error;
%ignore httpc_free;
%ignore httpc_response_read;
%ignore httpc_response_read1;
%ignore httpc_response_read_all;
%ignore httpc_response_readline;
%ignore httpc_response_peek;
%ignore httpc_headers_count;
%ignore httpc_headers_name;
%ignore httpc_headers_value;
%ignore httpc_headers_find;
%ignore httpc_headers_get;
/* The non-blocking mode: what an operation waits for comes from the
 * natives wait_info and announce_sockets below. */
%ignore httpc_wait;
%ignore httpc_conn_wait;
%ignore httpc_response_wait;
%ignore httpc_socket_fn;
%ignore httpc_conn_set_socket_callback;

/* ---------------------------------------------------------------------- */
/* Natives                                                                 */
/* ---------------------------------------------------------------------- */

%{
/* The handle in the SWIG userdata at `arg` of exactly `type`, found by a
 * pointer comparison (SWIG_ConvertPtr compares type names on every call),
 * else what SWIG's own conversion finds, else NULL. */
static void *luahttpc_handle_arg(lua_State *L, int arg, swig_type_info *type)
{
    if (lua_type(L, arg) == LUA_TUSERDATA &&
        luahttpc_rawlen(L, arg) == sizeof(swig_lua_userdata)) {
        swig_lua_userdata *usr = lua_touserdata(L, arg);
        if (usr->type == type)
            return usr->ptr;
    }
    void *p = NULL;
    return SWIG_IsOK(SWIG_ConvertPtr(L, arg, &p, type, 0)) ? p : NULL;
}

static httpc_conn *luahttpc_conn_arg(lua_State *L, int arg, const char *fname)
{
    httpc_conn *conn = luahttpc_handle_arg(L, arg, SWIGTYPE_p_httpc_conn);
    if (!conn)
        luahttpc_arg_error(L, arg, fname, "connection");
    return conn;
}

static httpc_response *luahttpc_resp_arg(lua_State *L, int arg, const char *fname)
{
    httpc_response *resp = luahttpc_handle_arg(L, arg, SWIGTYPE_p_httpc_response);
    if (!resp)
        luahttpc_arg_error(L, arg, fname, "response");
    return resp;
}

/* Registry key of the metatable SWIG gives response handles. */
static char luahttpc_response_mt_key;

/* Pushes a new response handle owned by Lua, as SWIG_NewPointerObj would,
 * with its metatable taken from the registry under a light key (SWIG looks
 * it up by class name: two string lookups per response). */
static void luahttpc_push_response(lua_State *L, httpc_response *resp)
{
    lua_pushlightuserdata(L, &luahttpc_response_mt_key);
    lua_rawget(L, LUA_REGISTRYINDEX);
    if (!lua_istable(L, -1)) { /* the first response: SWIG's way, then kept */
        lua_pop(L, 1);
        SWIG_NewPointerObj(L, resp, SWIGTYPE_p_httpc_response, 1);
        if (lua_getmetatable(L, -1)) {
            lua_pushlightuserdata(L, &luahttpc_response_mt_key);
            lua_insert(L, -2);
            lua_rawset(L, LUA_REGISTRYINDEX);
        }
        return;
    }
    swig_lua_userdata *usr = lua_newuserdata(L, sizeof *usr);
    usr->ptr = resp;
    usr->type = SWIGTYPE_p_httpc_response;
    usr->own = 1;
    lua_insert(L, -2);
    lua_setmetatable(L, -2);
}

/* set_error_factory(fn) */
static int luahttpc_set_error_factory(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TFUNCTION);
    lua_pushlightuserdata(L, &luahttpc_factory_key);
    lua_pushvalue(L, 1);
    lua_rawset(L, LUA_REGISTRYINDEX);
    return 0;
}

static double luahttpc_opt_number(lua_State *L, int t, const char *key, double dflt)
{
    lua_getfield(L, t, key);
    double v = lua_isnil(L, -1) ? dflt : (lua_isnumber(L, -1) ? lua_tonumber(L, -1) : -2.0);
    lua_pop(L, 1);
    if (v == -2.0 && dflt != -2.0)
        luahttpc_raise(L, HTTPC_E_INVALID_ARGUMENT,
                       lua_pushfstring(L, "option '%s' must be a number", key));
    return v;
}

/* conn_new(host, port, tls, opts) -> conn. tls: false for plain HTTP, nil
 * for a default context, or a context. opts: timeout, connect_timeout,
 * total_timeout, source_host, source_port, blocksize, debuglevel (already
 * checked and defaulted by the Lua layer; nil means the C default). */
static int luahttpc_conn_new(lua_State *L)
{
    const char *host = luahttpc_text(L, 1, "HTTPConnection");
    int port = (int)luaL_optinteger(L, 2, 0);
    luaL_checktype(L, 4, LUA_TTABLE);
    httpc_conn_options opts = HTTPC_CONN_OPTIONS_INIT;
    opts.timeout = luahttpc_opt_number(L, 4, "timeout", -1.0);
    opts.connect_timeout = luahttpc_opt_number(L, 4, "connect_timeout", -1.0);
    opts.total_timeout = luahttpc_opt_number(L, 4, "total_timeout", -1.0);
    opts.source_port = (int)luahttpc_opt_number(L, 4, "source_port", 0);
    opts.blocksize = (size_t)luahttpc_opt_number(L, 4, "blocksize", 8192);
    opts.debuglevel = (int)luahttpc_opt_number(L, 4, "debuglevel", 0);
    lua_getfield(L, 4, "source_host");
    opts.source_host = lua_isstring(L, -1) ? lua_tostring(L, -1) : NULL; /* kept on the stack */
    /* The collector sees a small userdata, not the socket and buffers
     * behind it: when many connections are alive, collect the dropped ones
     * before opening another, so a loop that never closes its connections
     * does not run out of descriptors. The threshold follows the number a
     * program really keeps (as Python's gc thresholds do). */
    if (atomic_load(&luahttpc_live_conns) >= atomic_load(&luahttpc_collect_at)) {
        lua_gc(L, LUA_GCCOLLECT, 0);
        long alive = atomic_load(&luahttpc_live_conns);
        atomic_store(&luahttpc_collect_at, alive * 2 > 64 ? alive * 2 : 64);
    }
    httpc_conn *conn = NULL;
    int rc;
    if (lua_isboolean(L, 3) && !lua_toboolean(L, 3)) {
        rc = httpc_conn_new(&conn, host, port, &opts);
    } else {
        httpc_tls_context *ctx = NULL;
        if (!lua_isnil(L, 3) &&
            !SWIG_IsOK(SWIG_ConvertPtr(L, 3, (void **)&ctx, SWIGTYPE_p_httpc_tls_context, 0)))
            luahttpc_arg_error(L, 3, "HTTPSConnection", "TLS context");
        rc = httpc_conn_new_https(&conn, host, port, &opts, ctx);
    }
    if (rc < 0)
        return luahttpc_raise(L, rc, NULL);
    SWIG_NewPointerObj(L, conn, SWIGTYPE_p_httpc_conn, 1);
    atomic_fetch_add(&luahttpc_live_conns, 1);
    return 1;
}

/* Header (name, value) arrays built from a Lua table: {["A"]="1"},
 * {["A"]={"1", "2"}} (one header line per value, as Node sends an array) or
 * {{"A", "1"}, {"A", "2"}}. The strings stay referenced by the table. */
typedef struct {
    httpc_header *items;
    size_t n;
    httpc_header small[16];
} luahttpc_headers;

static int luahttpc_header_text(lua_State *L, int idx, const char **out)
{
    size_t len;
    if (lua_type(L, idx) != LUA_TSTRING && lua_type(L, idx) != LUA_TNUMBER)
        return 0;
    *out = lua_tolstring(L, idx, &len); /* a number becomes its text in place */
    return strlen(*out) == len;
}

/* Fills h from the table at `arg` (nil: none); raises ValueError on a bad
 * entry. A table of more than 16 headers gets its array as a userdata the
 * collector reclaims, so raising leaks nothing. Number values are turned
 * into strings kept on the stack until the native returns. */
static void luahttpc_headers_from(lua_State *L, int arg, luahttpc_headers *h, const char *fname)
{
    h->items = h->small;
    h->n = 0;
    if (lua_isnoneornil(L, arg))
        return;
    if (!lua_istable(L, arg))
        luahttpc_arg_error(L, arg, fname, "table of headers");
    lua_rawgeti(L, arg, 1);
    int is_list = !lua_isnil(L, -1);
    lua_pop(L, 1);
    size_t count = 0;
    if (is_list) {
        count = luahttpc_rawlen(L, arg);
    } else {
        lua_pushnil(L);
        while (lua_next(L, arg)) {
            /* a list of values counts one item each (at least one, so that
             * an empty list reaches the check below) */
            size_t values = lua_istable(L, -1) ? luahttpc_rawlen(L, -1) : 1;
            count += values ? values : 1;
            lua_pop(L, 1);
        }
    }
    if (count > sizeof h->small / sizeof h->small[0])
        h->items = lua_newuserdata(L, count * sizeof *h->items); /* stays on the stack */
    luaL_checkstack(L, (int)(count > 1000000 ? 1000000 : count) + 8, "too many headers");
    const char *bad = NULL;
    if (is_list) {
        for (size_t i = 1; i <= count && !bad; i++) {
            lua_rawgeti(L, arg, (int)i);
            if (!lua_istable(L, -1)) {
                bad = "header list items must be {name, value} tables";
                break;
            }
            lua_rawgeti(L, -1, 1);
            lua_rawgeti(L, -2, 2);
            if (lua_type(L, -2) != LUA_TSTRING ||
                !luahttpc_header_text(L, -2, &h->items[h->n].name) ||
                !luahttpc_header_text(L, -1, &h->items[h->n].value))
                bad = "header names must be strings and values strings or numbers, without NUL";
            h->n++;
            /* Names stay alive in the item table; a number value was
             * converted on the stack, so its slot is kept (below the rest). */
            lua_insert(L, -3);
            lua_pop(L, 2);
        }
    } else {
        lua_pushnil(L);
        while (!bad && lua_next(L, arg)) {
            /* stack: key value */
            if (lua_type(L, -2) != LUA_TSTRING ||
                !luahttpc_header_text(L, -2, &h->items[h->n].name)) {
                bad = "header names must be strings without NUL";
            } else if (lua_istable(L, -1)) {
                /* {["A"] = {"1", "2"}}: one item per value */
                const char *name = h->items[h->n].name;
                size_t values = luahttpc_rawlen(L, -1);
                if (values == 0)
                    bad = "a header's list of values must not be empty";
                for (size_t i = 1; i <= values && !bad; i++) {
                    lua_rawgeti(L, -1, (int)i);
                    h->items[h->n].name = name;
                    if (!luahttpc_header_text(L, -1, &h->items[h->n].value))
                        bad = "header values must be strings or numbers without NUL";
                    h->n++;
                    /* a number was converted in this stack slot: keep it
                     * below the key (a string is kept by the list) */
                    lua_insert(L, -3);
                }
            } else {
                if (lua_type(L, -1) == LUA_TNUMBER) {
                    /* Convert a copy (converting the table's own value would
                     * disturb lua_next) and keep it below the key. */
                    lua_pushvalue(L, -1);
                    lua_tostring(L, -1);
                    lua_insert(L, -3);
                }
                if (!luahttpc_header_text(L, -1, &h->items[h->n].value))
                    bad = "header values must be strings or numbers without NUL";
                h->n++;
            }
            lua_pop(L, 1);
        }
    }
    if (bad)
        luahttpc_raise(L, HTTPC_E_INVALID_ARGUMENT, bad);
}
%}

%{
/* A body given as a Lua function (an LTN12-style source: returns the next
 * string, nil at the end), called from inside the C send loop. Errors in the
 * source are caught there and raised again once the C call has returned. */
typedef struct {
    lua_State *L;
    int fn;   /* stack index of the source function */
    int keep; /* stack index of the slot holding the last string */
    int err;  /* stack index of the slot holding a caught error */
    int failed;
} luahttpc_source;

/* The address raw.PUSH_BODY points to. */
static char luahttpc_push_body;

static int luahttpc_source_next(void *userdata, const void **data, size_t *len)
{
    luahttpc_source *src = userdata;
    lua_State *L = src->L;
    for (;;) {
        lua_pushvalue(L, src->fn);
        if (lua_pcall(L, 0, 1, 0) != 0) {
            lua_replace(L, src->err);
            src->failed = 1;
            return HTTPC_E_INVALID_ARGUMENT;
        }
        if (lua_isnil(L, -1) || (lua_isboolean(L, -1) && !lua_toboolean(L, -1))) {
            lua_pop(L, 1);
            return 0;
        }
        if (lua_type(L, -1) != LUA_TSTRING) {
            lua_pushfstring(L, "a body source returned a %s; it must return strings, then nil",
                            luaL_typename(L, -1));
            luahttpc_push_error(L, HTTPC_E_INVALID_ARGUMENT, lua_tostring(L, -1), 0);
            lua_replace(L, src->err);
            lua_pop(L, 2);
            src->failed = 1;
            return HTTPC_E_INVALID_ARGUMENT;
        }
        *data = lua_tolstring(L, -1, len);
        lua_replace(L, src->keep); /* borrowed until the next call */
        if (*len)
            return 1;
    }
}

/* Fills body from the argument at `arg`: nil (none), a string, or a source
 * function. Pushes two slots (keep, err) the source uses. */
static const httpc_body *luahttpc_body_from(lua_State *L, int arg, httpc_body *body,
                                            luahttpc_source *src, const char *fname)
{
    memset(body, 0, sizeof *body);
    body->fd = -1;
    lua_pushnil(L);
    lua_pushnil(L);
    src->L = L;
    src->fn = arg;
    src->keep = lua_gettop(L) - 1;
    src->err = lua_gettop(L);
    src->failed = 0;
    switch (lua_type(L, arg)) {
    case LUA_TNONE:
    case LUA_TNIL:
        return NULL;
    case LUA_TSTRING:
        body->kind = HTTPC_BODY_BYTES;
        body->data = lua_tolstring(L, arg, &body->len);
        return body;
    case LUA_TFUNCTION:
        body->kind = HTTPC_BODY_CHUNKS;
        body->chunk_fn = luahttpc_source_next;
        body->userdata = src;
        return body;
    case LUA_TLIGHTUSERDATA:
        /* raw.PUSH_BODY: the Lua layer pushes the pieces with body_write
         * (non-blocking mode, where a source may wait in its coroutine) */
        if (lua_touserdata(L, arg) == &luahttpc_push_body) {
            body->kind = HTTPC_BODY_PUSH;
            return body;
        }
        luahttpc_arg_error(L, arg, fname, "string, file or source function as body");
        return NULL;
    default:
        luahttpc_arg_error(L, arg, fname, "string, file or source function as body");
        return NULL;
    }
}

/* Pushes what a pending operation waits for, in the terms of a cqueues
 * pollable: the descriptor (nil: none), the events ("r", "w", "rw" or nil)
 * and the seconds left (nil: no deadline). */
static void luahttpc_push_wait(lua_State *L, const httpc_wait *w)
{
    if (w->fd >= 0)
        lua_pushinteger(L, w->fd);
    else
        lua_pushnil(L);
    int rw = w->events & (HTTPC_WAIT_READ | HTTPC_WAIT_WRITE);
    if (rw == (HTTPC_WAIT_READ | HTTPC_WAIT_WRITE))
        lua_pushliteral(L, "rw");
    else if (rw == HTTPC_WAIT_WRITE)
        lua_pushliteral(L, "w");
    else if (rw == HTTPC_WAIT_READ)
        lua_pushliteral(L, "r");
    else
        lua_pushnil(L);
    if (w->timeout_ms >= 0)
        lua_pushnumber(L, (lua_Number)w->timeout_ms / 1000.0);
    else
        lua_pushnil(L);
}

/* A call that would block (non-blocking mode) returns false; when the
 * argument at `waiter` is a table, it first gets what the operation waits
 * for as the fields cqueues reads from a pollable (pollfd, events,
 * timeout), so the Lua layer hands it to the loop with no further call.
 * waiter 0: none. */
static int luahttpc_would_block(lua_State *L, int waiter, httpc_conn *conn, httpc_response *resp)
{
    if (waiter > 0 && lua_type(L, waiter) == LUA_TTABLE) {
        httpc_wait w;
        if (conn)
            httpc_conn_wait(conn, &w);
        else
            httpc_response_wait(resp, &w);
        luahttpc_push_wait(L, &w);
        lua_setfield(L, waiter, "timeout");
        lua_setfield(L, waiter, "events");
        lua_setfield(L, waiter, "pollfd");
    }
    lua_pushboolean(L, 0);
    return 1;
}

/* After a send: re-raises an error caught in the body source, else raises
 * rc when it is a failure. Returns the number of results: false when the
 * send would block (non-blocking mode; the waiter at `waiter` filled), else
 * none. */
static int luahttpc_check_send(lua_State *L, int rc, const luahttpc_source *src, httpc_conn *conn,
                               int waiter)
{
    if (src->failed) {
        lua_pushvalue(L, src->err);
        lua_error(L);
    }
    if (rc == HTTPC_E_WOULD_BLOCK)
        return luahttpc_would_block(L, waiter, conn, NULL);
    if (rc < 0)
        luahttpc_raise(L, rc, NULL);
    return 0;
}

/* request(conn, method, url, body, headers, encode_chunked [, waiter]) */
static int luahttpc_request(lua_State *L)
{
    httpc_conn *conn = luahttpc_conn_arg(L, 1, ":request");
    int waiter = lua_gettop(L) >= 7 ? 7 : 0; /* before the slots pushed below */
    const char *method = luahttpc_text(L, 2, ":request");
    const char *url = luahttpc_text(L, 3, ":request");
    int flags = lua_toboolean(L, 6) ? HTTPC_ENCODE_CHUNKED : 0;
    luahttpc_headers h;
    luahttpc_headers_from(L, 5, &h, ":request");
    httpc_body body;
    luahttpc_source src;
    const httpc_body *pbody = luahttpc_body_from(L, 4, &body, &src, ":request");
    int rc = httpc_conn_request(conn, method, url, pbody, h.items, h.n, flags);
    return luahttpc_check_send(L, rc, &src, conn, waiter);
}

/* endheaders(conn, body, encode_chunked) */
static int luahttpc_endheaders(lua_State *L)
{
    httpc_conn *conn = luahttpc_conn_arg(L, 1, ":endheaders");
    httpc_body body;
    luahttpc_source src;
    const httpc_body *pbody = luahttpc_body_from(L, 2, &body, &src, ":endheaders");
    int rc = httpc_conn_endheaders(conn, pbody, lua_toboolean(L, 3) ? HTTPC_ENCODE_CHUNKED : 0);
    return luahttpc_check_send(L, rc, &src, conn, 0);
}

/* putheader(conn, name, value...) */
static int luahttpc_putheader(lua_State *L)
{
    httpc_conn *conn = luahttpc_conn_arg(L, 1, ":putheader");
    const char *name = luahttpc_text(L, 2, ":putheader");
    int n = lua_gettop(L) - 2;
    const char **values = lua_newuserdata(L, (size_t)(n > 0 ? n : 1) * sizeof *values);
    for (int i = 0; i < n; i++)
        values[i] = luahttpc_text(L, 3 + i, ":putheader"); /* numbers converted in place */
    int rc = httpc_conn_putheader_values(conn, name, values, (size_t)n);
    if (rc < 0)
        return luahttpc_raise(L, rc, NULL);
    return 0;
}

/* set_tunnel(conn, host, port, headers) */
static int luahttpc_set_tunnel(lua_State *L)
{
    httpc_conn *conn = luahttpc_conn_arg(L, 1, ":set_tunnel");
    const char *host = luahttpc_text(L, 2, ":set_tunnel");
    int port = (int)luaL_optinteger(L, 3, 0);
    luahttpc_headers h;
    luahttpc_headers_from(L, 4, &h, ":set_tunnel");
    int rc = httpc_conn_set_tunnel(conn, host, port, h.items, h.n);
    if (rc < 0)
        return luahttpc_raise(L, rc, NULL);
    return 0;
}

/* getresponse(conn [, waiter]) -> resp, status, reason, version,
 * will_close, chunked, length (nil: unknown), or false when it would block */
static int luahttpc_getresponse(lua_State *L)
{
    httpc_conn *conn = luahttpc_conn_arg(L, 1, ":getresponse");
    httpc_response *resp = NULL;
    int rc = httpc_conn_getresponse(conn, &resp);
    if (rc == HTTPC_E_WOULD_BLOCK)
        return luahttpc_would_block(L, 2, conn, NULL);
    if (rc < 0)
        return luahttpc_raise(L, rc, NULL);
    luahttpc_push_response(L, resp);
    lua_pushinteger(L, httpc_response_status(resp));
    lua_pushstring(L, httpc_response_reason(resp));
    lua_pushinteger(L, httpc_response_version(resp));
    lua_pushboolean(L, httpc_response_will_close(resp));
    lua_pushboolean(L, httpc_response_chunked(resp));
    int64_t length = httpc_response_length(resp);
    if (length >= 0)
        lua_pushinteger(L, (lua_Integer)length);
    else
        lua_pushnil(L);
    return 7;
}

/* read_all(resp [, waiter]) -> string; IncompleteRead carries the partial
 * body. */
static int luahttpc_read_all(lua_State *L)
{
    httpc_response *resp = luahttpc_resp_arg(L, 1, ":read");
    char *data = NULL;
    size_t len = 0;
    int rc = httpc_response_read_all(resp, &data, &len);
    if (rc == HTTPC_E_WOULD_BLOCK) /* what arrived stays in the response */
        return luahttpc_would_block(L, 2, NULL, resp);
    lua_pushlstring(L, data ? data : "", len);
    httpc_free(data);
    if (rc < 0) {
        /* As http.client after IncompleteRead: the response is closed. */
        httpc_response_close(resp);
        luahttpc_push_error(L, rc, NULL, -1);
        return lua_error(L);
    }
    return 1;
}

/* Registry key of the scratch buffer large reads land in before becoming a
 * Lua string (one per Lua state, grown as needed, never garbage per read). */
static char luahttpc_scratch_key;

static char *luahttpc_scratch(lua_State *L, size_t cap)
{
    lua_pushlightuserdata(L, &luahttpc_scratch_key);
    lua_rawget(L, LUA_REGISTRYINDEX);
    char *buf = lua_touserdata(L, -1);
    if (!buf || luahttpc_rawlen(L, -1) < cap) {
        lua_pop(L, 1);
        lua_pushlightuserdata(L, &luahttpc_scratch_key);
        buf = lua_newuserdata(L, cap);
        lua_rawset(L, LUA_REGISTRYINDEX);
        return buf;
    }
    lua_pop(L, 1); /* the registry keeps it alive */
    return buf;
}

typedef int (*luahttpc_reader)(httpc_response *, void *, size_t, size_t *);

/* read(resp, n, kind [, buffer [, waiter]]) -> string ("" at the end, the
 * response then closed), or
 * false when the read would block: kind 0 read, 1 read1, 2 readline (at
 * most n bytes). buffer (from raw.buffer, at least n bytes): where the
 * bytes land; a read that would block keeps what it copied there and must
 * be called again with the same buffer (non-blocking mode). */
static int luahttpc_read(lua_State *L)
{
    static const luahttpc_reader readers[] = {httpc_response_read, httpc_response_read1,
                                              httpc_response_readline};
    httpc_response *resp = luahttpc_resp_arg(L, 1, ":read");
    int waiter = lua_gettop(L) >= 5 ? 5 : 0;
    lua_Integer cap = luaL_checkinteger(L, 2);
    lua_Integer kind = luaL_optinteger(L, 3, 0);
    if (cap < 0)
        cap = 0;
    if (kind < 0 || kind > 2)
        kind = 0;
    char small[LUAL_BUFFERSIZE];
    char *buf;
    if (lua_type(L, 4) == LUA_TUSERDATA) {
        if (luahttpc_rawlen(L, 4) < (size_t)cap)
            return luaL_argerror(L, 4, "buffer smaller than the count");
        buf = lua_touserdata(L, 4);
    } else {
        buf = (size_t)cap <= sizeof small ? small : luahttpc_scratch(L, (size_t)cap);
    }
    size_t n = 0;
    int rc = readers[kind](resp, buf, (size_t)cap, &n);
    if (rc == HTTPC_E_WOULD_BLOCK)
        return luahttpc_would_block(L, waiter, NULL, resp);
    if (rc < 0)
        return luahttpc_raise(L, rc, NULL);
    if (n == 0 && cap > 0) /* the end of the body: closed here, one call fewer */
        httpc_response_close(resp);
    lua_pushlstring(L, buf, n);
    return 1;
}

/* peek(resp) -> string (buffered body bytes, receiving once if none). */
static int luahttpc_peek(lua_State *L)
{
    httpc_response *resp = luahttpc_resp_arg(L, 1, ":peek");
    const void *data = NULL;
    size_t n = 0;
    int rc = httpc_response_peek(resp, &data, &n);
    if (rc == HTTPC_E_WOULD_BLOCK) {
        lua_pushboolean(L, 0);
        return 1;
    }
    if (rc < 0)
        return luahttpc_raise(L, rc, NULL);
    lua_pushlstring(L, data ? data : "", n);
    return 1;
}

static int luahttpc_push_headers(lua_State *L, const httpc_headers *hs)
{
    if (!hs) {
        lua_pushnil(L);
        return 1;
    }
    size_t n = httpc_headers_count(hs);
    lua_createtable(L, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        lua_createtable(L, 2, 0);
        lua_pushstring(L, httpc_headers_name(hs, i));
        lua_rawseti(L, -2, 1);
        lua_pushstring(L, httpc_headers_value(hs, i));
        lua_rawseti(L, -2, 2);
        lua_rawseti(L, -2, (int)i + 1);
    }
    return 1;
}

/* response_headers(resp, trailers) -> {{name, value}, ...} */
static int luahttpc_response_headers(lua_State *L)
{
    httpc_response *resp = luahttpc_resp_arg(L, 1, ":getheaders");
    return luahttpc_push_headers(L, lua_toboolean(L, 2) ? httpc_response_trailers(resp)
                                                        : httpc_response_headers(resp));
}

/* header_table(resp) -> {["lower-case-name"] = value}, repeated fields
 * joined by ", ": the headers as LuaSocket's one-shot returns them, built
 * without a table per field. */
static int luahttpc_header_table(lua_State *L)
{
    const httpc_headers *hs = httpc_response_headers(luahttpc_resp_arg(L, 1, "header_table"));
    size_t n = hs ? httpc_headers_count(hs) : 0;
    lua_createtable(L, 0, (int)n);
    char small[64];
    for (size_t i = 0; i < n; i++) {
        const char *name = httpc_headers_name(hs, i);
        size_t len = strlen(name);
        char *lower = len < sizeof small ? small : lua_newuserdata(L, len + 1);
        for (size_t k = 0; k < len; k++) {
            char c = name[k];
            lower[k] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
        }
        lua_pushlstring(L, lower, len);
        if (lower != small)
            lua_remove(L, -2); /* a long name's scratch copy */
        lua_pushvalue(L, -1);
        lua_rawget(L, -3);
        if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
            lua_pushstring(L, httpc_headers_value(hs, i));
        } else {
            lua_pushliteral(L, ", ");
            lua_pushstring(L, httpc_headers_value(hs, i));
            lua_concat(L, 3);
        }
        lua_rawset(L, -3);
    }
    return 1;
}

/* proxy_headers(conn) -> list or nil */
static int luahttpc_proxy_headers(lua_State *L)
{
    return luahttpc_push_headers(L, httpc_conn_proxy_response_headers(
                                        luahttpc_conn_arg(L, 1, ":get_proxy_response_headers")));
}

/* fileno(conn) -> the socket's descriptor, or nil when not connected. */
static int luahttpc_fileno(lua_State *L)
{
    int fd = httpc_conn_fileno(luahttpc_conn_arg(L, 1, ":fileno"));
    if (fd < 0)
        lua_pushnil(L);
    else
        lua_pushinteger(L, fd);
    return 1;
}

/* buffer(n) -> a userdata of n bytes for reads that resume (see read). */
static int luahttpc_buffer(lua_State *L)
{
    lua_Integer n = luaL_checkinteger(L, 1);
    lua_newuserdata(L, (size_t)(n > 0 ? n : 1));
    return 1;
}

/* wait_info(conn or resp) -> fd (nil: none), events ("r", "w", "rw" or
 * nil), seconds left (nil: no deadline): what the pending operation waits
 * for, in the terms of a cqueues pollable. */
static int luahttpc_wait_info(lua_State *L)
{
    httpc_wait w;
    httpc_conn *conn = luahttpc_handle_arg(L, 1, SWIGTYPE_p_httpc_conn);
    if (conn)
        httpc_conn_wait(conn, &w);
    else
        httpc_response_wait(luahttpc_resp_arg(L, 1, ":pollfd"), &w);
    luahttpc_push_wait(L, &w);
    return 3;
}

/* wait_fd(fd, events, seconds) -> true when ready, false on timeout: a
 * blocking wait with poll(2), for a non-blocking response read outside
 * any event loop. */
static int luahttpc_wait_fd(lua_State *L)
{
    struct pollfd p = {(int)luaL_optinteger(L, 1, -1), 0, 0};
    const char *ev = luaL_optstring(L, 2, "");
    if (strchr(ev, 'r'))
        p.events |= POLLIN;
    if (strchr(ev, 'w'))
        p.events |= POLLOUT;
    int ms = lua_isnoneornil(L, 3) ? -1 : (int)(luaL_checknumber(L, 3) * 1000.0 + 0.999);
    if (p.fd < 0 && ms < 0) { /* nothing to wait for: never wait forever */
        lua_pushboolean(L, 0);
        return 1;
    }
    int rc;
    do {
        rc = poll(&p, p.fd >= 0 ? 1 : 0, ms);
    } while (rc < 0 && errno == EINTR);
    lua_pushboolean(L, rc > 0);
    return 1;
}

/* Registry keys: the Lua function told of closing descriptors, and the
 * Lua thread the socket callback calls it on. */
static char luahttpc_announcer_key;
static char luahttpc_announcer_thread_key;

/* The socket callback: runs on the thread making the httpc call, inside a
 * native or in the collector freeing a handle, so it calls Lua on a thread
 * of its own rather than guess which coroutine is running. Only CLOSING
 * goes to Lua: cqueues.cancel(fd), before the number can be reused. The
 * collector's closes need it too: a coroutine that has just been resumed
 * from waiting on a socket may drop its connection before cqueues takes
 * the descriptor out of epoll, which would then fail on a closed number. */
static void luahttpc_socket_cb(void *userdata, int fd, int event)
{
    lua_State *T = userdata;
    if (event != HTTPC_SOCKET_CLOSING)
        return;
    int top = lua_gettop(T);
    lua_pushlightuserdata(T, &luahttpc_announcer_key);
    lua_rawget(T, LUA_REGISTRYINDEX);
    if (lua_isfunction(T, -1)) {
        lua_pushinteger(T, fd);
        lua_pcall(T, 1, 0, 0); /* an error cannot travel through C: dropped */
    }
    lua_settop(T, top);
}

/* set_announcer(fn): fn(fd) is called just before httpc closes a
 * descriptor of a connection given to announce_sockets. */
static int luahttpc_set_announcer(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TFUNCTION);
    lua_pushlightuserdata(L, &luahttpc_announcer_key);
    lua_pushvalue(L, 1);
    lua_rawset(L, LUA_REGISTRYINDEX);
    return 0;
}

/* announce_sockets(conn): the connection's descriptors are announced to the
 * function of set_announcer from now on. */
static int luahttpc_announce_sockets(lua_State *L)
{
    httpc_conn *conn = luahttpc_conn_arg(L, 1, "announce_sockets");
    lua_pushlightuserdata(L, &luahttpc_announcer_thread_key);
    lua_rawget(L, LUA_REGISTRYINDEX);
    lua_State *T = lua_tothread(L, -1);
    if (!T) {
        lua_pop(L, 1);
        lua_pushlightuserdata(L, &luahttpc_announcer_thread_key);
        T = lua_newthread(L); /* anchored in the registry for the state's life */
        lua_rawset(L, LUA_REGISTRYINDEX);
    } else {
        lua_pop(L, 1);
    }
    httpc_conn_set_socket_callback(conn, luahttpc_socket_cb, T);
    return 0;
}

/* body_write(conn, piece) -> nothing, or false when it would block (call
 * again with the same piece). */
static int luahttpc_body_write(lua_State *L)
{
    httpc_conn *conn = luahttpc_conn_arg(L, 1, ":body_write");
    size_t len;
    if (lua_type(L, 2) != LUA_TSTRING)
        return luahttpc_raise(L, HTTPC_E_INVALID_ARGUMENT,
                              lua_pushfstring(L, "a body source returned a %s; it must return strings, then nil",
                                              luaL_typename(L, 2)));
    const char *data = lua_tolstring(L, 2, &len);
    int rc = httpc_conn_body_write(conn, data, len);
    if (rc == HTTPC_E_WOULD_BLOCK) {
        lua_pushboolean(L, 0);
        return 1;
    }
    if (rc < 0)
        return luahttpc_raise(L, rc, NULL);
    return 0;
}

static const luaL_Reg luahttpc_natives[] = {{"buffer", luahttpc_buffer},
                                            {"fileno", luahttpc_fileno},
                                            {"header_table", luahttpc_header_table},
                                            {"wait_info", luahttpc_wait_info},
                                            {"wait_fd", luahttpc_wait_fd},
                                            {"set_announcer", luahttpc_set_announcer},
                                            {"announce_sockets", luahttpc_announce_sockets},
                                            {"body_write", luahttpc_body_write},
                                            {"set_error_factory", luahttpc_set_error_factory},
                                            {"conn_new", luahttpc_conn_new},
                                            {"request", luahttpc_request},
                                            {"endheaders", luahttpc_endheaders},
                                            {"putheader", luahttpc_putheader},
                                            {"set_tunnel", luahttpc_set_tunnel},
                                            {"getresponse", luahttpc_getresponse},
                                            {"read_all", luahttpc_read_all},
                                            {"read", luahttpc_read},
                                            {"peek", luahttpc_peek},
                                            {"response_headers", luahttpc_response_headers},
                                            {"proxy_headers", luahttpc_proxy_headers},
                                            {NULL, NULL}};
%}

%init %{
    /* The module table is on the top of the stack here. */
    for (const luaL_Reg *r = luahttpc_natives; r->name; r++) {
        lua_pushcfunction(L, r->func);
        lua_setfield(L, -2, r->name);
    }
    lua_pushlightuserdata(L, &luahttpc_push_body);
    lua_setfield(L, -2, "PUSH_BODY");
%}
