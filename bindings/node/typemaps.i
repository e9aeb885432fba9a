/*
 * Node-only part of the SWIG interface (included from bindings/httpc.i),
 * for SWIG's Node-API target (swig -javascript -napi, node-addon-api): the
 * addon is built once and loads in any Node >= 18 and in Workers.
 *
 * The generated addon (httpc_raw.node) is private; index.js is the package.
 * SWIG wraps the header; this file adds what SWIG cannot do by itself:
 *
 *  - Handles. Connections, responses and TLS contexts are JS values made
 *    here (napi_create_external: reading one back is a single check, where
 *    a wrapped object costs two private-property lookups per call), known
 *    by the environment's set of live handles so that no other external
 *    passes for one, freed by their finalizer after the garbage collector
 *    found them unreachable. Every generated wrapper takes and returns these
 *    handles instead of SWIG's pointer proxies.
 *  - Errors. A function returning a status code throws the error the package
 *    builds from the code and the last-error record (set_error_factory).
 *  - Natives for the hot path and for what waits: request, getresponse,
 *    read, read_all, ... Connections run in httpc's non-blocking mode. The
 *    Promise API drives each operation from the event loop itself (a
 *    uv_poll_t on the descriptor the operation waits for, a uv_timer_t for
 *    its deadline, on the loop napi_get_uv_event_loop gives; no thread
 *    pool); the sync API waits in poll(2) on the calling thread, in slices,
 *    so that a Worker's termination stops it.
 *
 * The natives are plain Node-API callbacks (napi_create_function): no C++
 * exception and no argument vector on the heap on the hot path.
 */

%{
#include <node_api.h>
#include <uv.h>

#include <stdlib.h>
#include <string.h>

#include <string>
#include <unordered_set>
#include <vector>

enum nh_kind { NH_CONN = 1, NH_RESPONSE = 2, NH_TLS = 3 };

struct nh_job;
struct nh_env;

/* A handle: one C object owned by one JS object. `refs` counts the JS
 * object and the responses of a connection (which look at its busy count
 * when they are collected). */
struct nh_handle {
    int kind;
    void *ptr;
    int refs;
    int busy;                      /* connections: operations in flight */
    nh_handle *owner;              /* responses: their connection's handle */
    std::vector<void *> deferred;  /* responses collected while busy */
    nh_handle *prev, *next;        /* the environment's live handles */
    /* Responses: a weak reference to the JS object, empty once the object is
     * collected, which is known at once, while its finalizer waits for the
     * event loop to turn (nh_sweep). */
    napi_ref weak;
    long sweep_slot; /* index in the environment's `sweepable`, or -1 */
    /* Connections: the loop's watch on the descriptor and the deadline of
     * the operation in flight (made on first use, closed with the handle).
     * The socket callback's userdata is this handle, which outlives the
     * connection's responses (they hold a ref on it). NULL once the
     * environment is torn down (the finalizer may run after that). */
    nh_env *env;
    uv_poll_t *poll;
    int poll_fd;
    int poll_events; /* UV_READABLE/UV_WRITABLE it was last started with */
    uv_timer_t *timer;
    nh_job *pending;
};

/* What one environment (the main thread's or a Worker's) keeps. SWIG's own
 * runtime holds the environment's instance data, so this one is found
 * through a thread-local pointer (one environment per thread). */
struct nh_env {
    napi_env napi;
    uv_loop_t *loop;
    napi_ref error_factory;
    napi_ref probe; /* an empty JS function: see nh_terminating */
    napi_async_context async_context; /* for callbacks from the loop */
    napi_ref resource;                /* their resource: a plain object */
    napi_ref array_maker;             /* (...items) => items: see nh_array */
    napi_ref small_buffer_maker;      /* Buffer.allocUnsafe: see nh_take_data */
    napi_async_cleanup_hook_handle cleanup_hook;
    bool torn_down;
    int closing; /* uv handles whose close has not completed */
    int wrapped; /* responses made since the last sweep */
    int at_once; /* Promise calls ended at once since the loop last called in */
    nh_handle live; /* list head */
    std::unordered_set<nh_handle *> handles; /* the same, to look one up */
    /* Responses that still own their C object: what nh_sweep looks at
     * (not every handle whose finalizer is still to come: a sync loop that
     * never yields leaves thousands, and walking them cost more than the
     * requests). */
    std::vector<nh_handle *> sweepable;
    /* Connections whose next step waits for the loop's check phase (see
     * nh_exec), each holding a ref; the idle handle, active meanwhile, keeps
     * the loop's poll from blocking, as setImmediate does. */
    std::vector<nh_handle *> yielded;
    uv_check_t *yield_check;
    uv_idle_t *yield_idle;
};

static thread_local nh_env *nh_current_env = nullptr;

static void nh_free_object(int kind, void *ptr)
{
    if (kind == NH_CONN)
        httpc_conn_free((httpc_conn *)ptr);
    else if (kind == NH_RESPONSE)
        httpc_response_free((httpc_response *)ptr);
    else if (kind == NH_TLS)
        httpc_tls_context_free((httpc_tls_context *)ptr);
}

static void nh_close_watch(nh_handle *c);

static void nh_unsweepable(nh_handle *h)
{
    if (h->sweep_slot < 0 || !h->env)
        return;
    std::vector<nh_handle *> &list = h->env->sweepable;
    nh_handle *last = list.back();
    list[(size_t)h->sweep_slot] = last;
    last->sweep_slot = h->sweep_slot;
    list.pop_back();
    h->sweep_slot = -1;
}

static void nh_unref(nh_handle *h)
{
    if (--h->refs > 0)
        return;
    if (h->kind == NH_CONN)
        nh_close_watch(h);
    h->prev->next = h->next;
    h->next->prev = h->prev;
    nh_unsweepable(h);
    if (h->env)
        h->env->handles.erase(h);
    delete h;
}

/* Frees what a connection's responses left while it was busy. */
static void nh_flush_deferred(nh_handle *conn)
{
    for (void *resp : conn->deferred)
        httpc_response_free((httpc_response *)resp);
    conn->deferred.clear();
}

/* The finalizer: the garbage collector found the JS object unreachable (or
 * the environment ends; the handle is then already emptied and unlinked). */
/* Frees the C object of a handle whose JS object is gone. */
static void nh_free_collected(nh_handle *h)
{
    void *ptr = h->ptr;
    h->ptr = nullptr;
    if (!ptr)
        return;
    if (h->kind == NH_RESPONSE && h->owner && h->owner->busy > 0)
        h->owner->deferred.push_back(ptr); /* an operation of the connection is in flight */
    else
        nh_free_object(h->kind, ptr);
}

static void nh_collected(napi_env env, void *data, void *hint)
{
    (void)hint;
    nh_handle *h = (nh_handle *)data;
    nh_free_collected(h);
    if (h->weak)
        napi_delete_reference(env, h->weak);
    h->weak = nullptr;
    if (h->owner)
        nh_unref(h->owner);
    nh_unref(h);
}

/* Node-API runs finalizers only when the event loop turns, so a sync loop
 * that never yields would keep every response it made. Every so many new
 * responses, those whose JS object the collector has already taken are
 * freed here; their finalizer later frees the rest of the handle. */
static const int NH_SWEEP_EVERY = 64;

static void nh_sweep(nh_env *env)
{
    env->wrapped = 0;
    for (size_t i = 0; i < env->sweepable.size();) {
        nh_handle *h = env->sweepable[i];
        napi_value obj = nullptr;
        if (h->ptr && h->weak && napi_get_reference_value(env->napi, h->weak, &obj) == napi_ok &&
            obj) {
            i++; /* still reachable */
            continue;
        }
        nh_free_collected(h);
        nh_unsweepable(h); /* moves the last one to i */
    }
}

static void nh_drop_jobs(nh_env *env);

static void nh_env_free_if_done(nh_env *env)
{
    if (!env->torn_down || env->closing > 0)
        return;
    napi_async_cleanup_hook_handle hook = env->cleanup_hook;
    if (nh_current_env == env)
        nh_current_env = nullptr;
    delete env;
    napi_remove_async_cleanup_hook(hook); /* Node may now close the loop */
}

static void nh_uv_closed(uv_handle_t *handle)
{
    nh_env *env = (nh_env *)handle->data;
    if (handle->type == UV_POLL)
        delete (uv_poll_t *)handle;
    else if (handle->type == UV_CHECK)
        delete (uv_check_t *)handle;
    else if (handle->type == UV_IDLE)
        delete (uv_idle_t *)handle;
    else
        delete (uv_timer_t *)handle;
    env->closing--;
    nh_env_free_if_done(env);
}

/* Stops watching the connection's descriptor (before it is closed, or to
 * watch another): uv_poll_stop takes it out of epoll at once. */
static void nh_close_poll(nh_handle *c)
{
    if (!c->poll)
        return;
    uv_poll_stop(c->poll);
    c->poll->data = c->env;
    c->env->closing++;
    uv_close((uv_handle_t *)c->poll, nh_uv_closed);
    c->poll = nullptr;
    c->poll_fd = -1;
}

static void nh_close_watch(nh_handle *c)
{
    nh_close_poll(c);
    if (c->timer) {
        uv_timer_stop(c->timer);
        c->timer->data = c->env;
        c->env->closing++;
        uv_close((uv_handle_t *)c->timer, nh_uv_closed);
        c->timer = nullptr;
    }
}

/* Told by the C library of each descriptor it opens or is about to close. */
static void nh_on_socket(void *userdata, int fd, int event)
{
    nh_handle *c = (nh_handle *)userdata;
    if (event == HTTPC_SOCKET_CLOSING && c->poll && c->poll_fd == fd)
        nh_close_poll(c);
}

/* The environment ends (a Worker terminated, the process exits): operations
 * in flight are dropped, every connection and response freed, every loop
 * handle closed; Node is told once the last close has completed
 * (napi_remove_async_cleanup_hook), so the loop closes with no handle open
 * and Worker.terminate() returns at once. The handles themselves stay for
 * their finalizers, which Node may still call, emptied and unlinked. */
static void nh_env_cleanup(napi_async_cleanup_hook_handle hook, void *arg)
{
    nh_env *env = (nh_env *)arg;
    env->cleanup_hook = hook;
    nh_drop_jobs(env);
    for (int pass = 0; pass < 2; pass++) { /* responses before connections */
        for (nh_handle *h = env->live.next; h != &env->live; h = h->next) {
            if (!h->ptr || (pass == 0) != (h->kind == NH_RESPONSE))
                continue;
            nh_free_object(h->kind, h->ptr);
            h->ptr = nullptr;
        }
    }
    for (nh_handle *h : env->yielded)
        h->refs--; /* the handles are emptied below, their finalizers to come */
    env->yielded.clear();
    uv_handle_t *yield_handles[2] = {(uv_handle_t *)env->yield_check,
                                     (uv_handle_t *)env->yield_idle};
    for (uv_handle_t *handle : yield_handles) {
        if (!handle)
            continue;
        handle->data = env;
        env->closing++;
        uv_close(handle, nh_uv_closed);
    }
    env->yield_check = nullptr;
    env->yield_idle = nullptr;
    std::vector<nh_handle *> all;
    for (nh_handle *h = env->live.next; h != &env->live; h = h->next)
        all.push_back(h);
    for (nh_handle *h : all) {
        if (h->kind == NH_CONN)
            nh_close_watch(h);
        for (void *resp : h->deferred)
            httpc_response_free((httpc_response *)resp);
        h->deferred.clear();
        h->env = nullptr;
        h->prev = h->next = h;
    }
    env->live.next = env->live.prev = &env->live;
    env->handles.clear();
    env->sweepable.clear();
    napi_delete_reference(env->napi, env->error_factory);
    napi_delete_reference(env->napi, env->probe);
    env->error_factory = env->probe = nullptr;
    napi_async_destroy(env->napi, env->async_context);
    napi_delete_reference(env->napi, env->resource);
    if (env->array_maker)
        napi_delete_reference(env->napi, env->array_maker);
    if (env->small_buffer_maker)
        napi_delete_reference(env->napi, env->small_buffer_maker);
    env->torn_down = true;
    nh_env_free_if_done(env);
}

static nh_env *nh_env_get(napi_env napi)
{
    if (nh_current_env && nh_current_env->napi == napi)
        return nh_current_env;
    nh_env *env = new nh_env();
    env->napi = napi;
    napi_get_uv_event_loop(napi, &env->loop);
    env->error_factory = env->probe = nullptr;
    napi_value name;
    napi_create_string_utf8(napi, "httpc", NAPI_AUTO_LENGTH, &name);
    napi_async_init(napi, nullptr, name, &env->async_context);
    napi_value resource;
    napi_create_object(napi, &resource);
    napi_create_reference(napi, resource, 1, &env->resource);
    env->array_maker = nullptr;
    env->small_buffer_maker = nullptr;
    env->torn_down = false;
    env->closing = 0;
    env->wrapped = 0;
    env->at_once = 0;
    env->yield_check = nullptr;
    env->yield_idle = nullptr;
    env->live.next = env->live.prev = &env->live;
    napi_add_async_cleanup_hook(napi, nh_env_cleanup, env, &env->cleanup_hook);
    nh_current_env = env;
    return env;
}

static napi_value nh_null(napi_env env)
{
    napi_value v;
    napi_get_null(env, &v);
    return v;
}

static napi_value nh_undefined_value(napi_env env)
{
    napi_value v;
    napi_get_undefined(env, &v);
    return v;
}

/* A new handle owning ptr (NULL gives null). */
static napi_value nh_wrap(napi_env napi, void *ptr, int kind, nh_handle *owner)
{
    if (!ptr)
        return nh_null(napi);
    nh_env *env = nh_env_get(napi);
    napi_value obj;
    nh_handle *h = new nh_handle();
    h->kind = kind;
    h->ptr = ptr;
    h->refs = 1;
    h->busy = 0;
    h->owner = owner;
    h->env = env;
    h->poll = nullptr;
    h->poll_fd = -1;
    h->poll_events = 0;
    h->timer = nullptr;
    h->pending = nullptr;
    h->weak = nullptr;
    h->sweep_slot = -1;
    /* Every NH_SWEEP_EVERY responses, or fewer often while many are alive:
     * the sweep's cost per response made stays constant. */
    if (kind == NH_RESPONSE && ++env->wrapped >= NH_SWEEP_EVERY &&
        (size_t)env->wrapped >= env->sweepable.size() / 2)
        nh_sweep(env);
    if (napi_create_external(napi, h, nh_collected, nullptr, &obj) != napi_ok) {
        nh_free_object(kind, ptr);
        delete h;
        return nh_null(napi);
    }
    /* Responses: a weak reference too (nh_sweep). */
    if (kind == NH_RESPONSE && napi_create_reference(napi, obj, 0, &h->weak) == napi_ok) {
        h->sweep_slot = (long)env->sweepable.size();
        env->sweepable.push_back(h);
    }
    if (owner)
        owner->refs++;
    env->handles.insert(h);
    h->next = env->live.next;
    h->prev = &env->live;
    env->live.next->prev = h;
    env->live.next = h;
    return obj;
}

/* The handle behind a JS value, or NULL when it is not a live handle of
 * that kind. */
static nh_handle *nh_handle_of(napi_env env, napi_value value, int kind)
{
    void *data = nullptr;
    if (napi_get_value_external(env, value, &data) != napi_ok)
        return nullptr;
    nh_handle *h = (nh_handle *)data;
    if (!nh_env_get(env)->handles.count(h))
        return nullptr; /* another addon's external */
    return h->kind == kind && h->ptr ? h : nullptr;
}

static void *nh_unwrap(napi_env env, napi_value value, int kind)
{
    nh_handle *h = nh_handle_of(env, value, kind);
    return h ? h->ptr : nullptr;
}

static napi_value nh_latin1(napi_env env, const char *s, size_t n)
{
    napi_value v;
    napi_create_string_latin1(env, s, n, &v);
    return v;
}

static napi_value nh_utf8(napi_env env, const char *s)
{
    napi_value v;
    if (napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &v) != napi_ok)
        v = nh_latin1(env, s, strlen(s));
    return v;
}

static napi_value nh_int(napi_env env, int64_t n)
{
    napi_value v;
    napi_create_int64(env, n, &v);
    return v;
}

static napi_value nh_number(napi_env env, double n)
{
    napi_value v;
    napi_create_double(env, n, &v);
    return v;
}

static napi_value nh_bool(napi_env env, bool b)
{
    napi_value v;
    napi_get_boolean(env, b, &v);
    return v;
}

/* The last failure of the thread that made the call, copied there. */
struct nh_error {
    int code = 0;
    int os_errno = 0;
    int tls_error = 0;
    int64_t partial = 0;
    int64_t expected = -1;
    std::string message;
    std::string line;
};

static void nh_capture(nh_error *e, int code)
{
    const httpc_error_info *info = httpc_last_error();
    bool same = info->code == code;
    e->code = code;
    e->message = same ? info->message : httpc_strerror(code);
    e->line = same ? info->line : "";
    e->os_errno = same ? info->os_errno : 0;
    e->tls_error = same ? info->tls_error : 0;
    e->partial = same ? info->partial : 0;
    e->expected = same ? info->expected : -1;
}

/* A plain Error with the message (when the package's factory is missing or
 * failed). */
static napi_value nh_plain_error(napi_env env, const char *message)
{
    napi_value err;
    napi_create_error(env, nullptr, nh_utf8(env, message), &err);
    return err;
}

/* The package's Error for a failure; `partial` (or NULL) is the body read
 * so far. */
static napi_value nh_make_error(napi_env napi, const nh_error &e, napi_value partial)
{
    nh_env *env = nh_env_get(napi);
    napi_value factory;
    if (!env->error_factory ||
        napi_get_reference_value(napi, env->error_factory, &factory) != napi_ok || !factory)
        return nh_plain_error(napi, e.message.c_str());
    napi_value argv[] = {
        nh_int(napi, e.code),
        nh_utf8(napi, e.message.c_str()),
        nh_int(napi, e.os_errno),
        nh_int(napi, e.tls_error),
        nh_number(napi, (double)e.expected),
        nh_latin1(napi, e.line.data(), e.line.size()),
        partial ? partial : nh_null(napi),
    };
    napi_value err;
    if (napi_call_function(napi, nh_undefined_value(napi), factory, 7, argv, &err) != napi_ok) {
        napi_value ignored;
        napi_get_and_clear_last_exception(napi, &ignored);
        return nh_plain_error(napi, e.message.c_str());
    }
    return err;
}

/* Throws the error of `code` from the calling thread's last-error record. */
static void nh_throw_code(napi_env env, int code)
{
    nh_error e;
    nh_capture(&e, code);
    napi_throw(env, nh_make_error(env, e, nullptr));
}

static void nh_throw_type(napi_env env, const char *message)
{
    napi_throw_type_error(env, nullptr, message);
}
%}

/* ---------------------------------------------------------------------- */
/* Typemaps                                                                */
/* ---------------------------------------------------------------------- */

/* Handles in and out. */
%define NH_HANDLE(TYPE, KIND, WHAT)
%typemap(in) TYPE * {
    $1 = (TYPE *)nh_unwrap(env, $input, KIND);
    if (!$1) {
        nh_throw_type(env, "expected " WHAT);
        SWIG_fail;
    }
}
%typemap(in) const TYPE * = TYPE *;
%typemap(in, numinputs=0) TYPE **out (TYPE *tmp = NULL) { $1 = &tmp; }
%typemap(argout) TYPE **out { $result = Napi::Value(env, nh_wrap(env, *$1, KIND, nullptr)); }
%enddef
NH_HANDLE(httpc_conn, NH_CONN, "an httpc connection")
NH_HANDLE(httpc_response, NH_RESPONSE, "an httpc response")
NH_HANDLE(httpc_tls_context, NH_TLS, "an httpc TLS context")

/* Functions whose int result is a status code: throw on failure. */
%define NH_CHECKED(FN)
%typemap(out) int FN {
    if ($1 < 0) {
        nh_throw_code(env, $1);
        SWIG_fail;
    }
    $result = env.Undefined();
}
%enddef
NH_CHECKED(httpc_conn_putrequest)
NH_CHECKED(httpc_conn_connect)
NH_CHECKED(httpc_response_drain)
NH_CHECKED(httpc_tls_context_new)
NH_CHECKED(httpc_tls_context_new_empty)
NH_CHECKED(httpc_tls_context_load_verify_file)
NH_CHECKED(httpc_tls_context_load_verify_dir)
NH_CHECKED(httpc_tls_context_load_verify_pem)
NH_CHECKED(httpc_tls_context_load_cert_chain)
NH_CHECKED(httpc_tls_context_set_verify_mode)
NH_CHECKED(httpc_tls_context_set_check_hostname)
NH_CHECKED(httpc_tls_context_set_insecure)
NH_CHECKED(httpc_tls_context_set_min_version)

/* PEM data in: a Buffer or a string. */
%typemap(in) (const char *pem, size_t len) (std::string text) {
    bool is_buffer = false;
    napi_valuetype type = napi_undefined;
    void *data = nullptr;
    size_t n = 0;
    if (napi_is_buffer(env, $input, &is_buffer) == napi_ok && is_buffer &&
        napi_get_buffer_info(env, $input, &data, &n) == napi_ok) {
        $1 = (char *)data;
        $2 = n;
    } else if (napi_typeof(env, $input, &type) == napi_ok && type == napi_string &&
               napi_get_value_string_utf8(env, $input, nullptr, 0, &n) == napi_ok) {
        text.resize(n + 1);
        napi_get_value_string_utf8(env, $input, &text[0], n + 1, &n);
        text.resize(n);
        $1 = (char *)text.data();
        $2 = text.size();
    } else {
        nh_throw_type(env, "PEM data must be a Buffer or a string");
        SWIG_fail;
    }
}

/* Freed by the garbage collector; structures and callbacks are the
 * natives' business; borrowed header lists come as arrays from natives. */
%ignore httpc_conn_free;
%ignore httpc_response_free;
%ignore httpc_tls_context_free;
%ignore httpc_free;
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
%ignore httpc_conn_request;
%ignore httpc_conn_endheaders;
%ignore httpc_conn_send;
%ignore httpc_conn_body_write;
%ignore httpc_conn_body_end;
%ignore httpc_conn_set_socket_callback;
%ignore httpc_socket_fn;
%ignore httpc_wait;
%ignore httpc_conn_wait;
%ignore httpc_response_wait;
%ignore httpc_conn_set_nonblocking;
%ignore httpc_conn_set_max_response_size;
%ignore httpc_conn_set_tunnel;
%ignore httpc_conn_putheader;
%ignore httpc_conn_putheader_values;
%ignore httpc_conn_getresponse;
%ignore httpc_conn_proxy_response_headers;
%ignore httpc_error_info;
%ignore httpc_last_error;
%ignore httpc_response_read;
%ignore httpc_response_read1;
%ignore httpc_response_read_all;
%ignore httpc_response_readline;
%ignore httpc_response_peek;
%ignore httpc_response_headers;
%ignore httpc_response_trailers;
%ignore httpc_headers;
%ignore httpc_headers_count;
%ignore httpc_headers_name;
%ignore httpc_headers_value;
%ignore httpc_headers_find;
%ignore httpc_headers_get;

%include "node/natives.i"
