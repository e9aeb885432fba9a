/*
 * Node-only part of the SWIG interface (included from bindings/httpc.i).
 *
 * The generated addon (httpc_raw.node) is private; index.js is the package.
 * SWIG wraps the header; this file adds what SWIG cannot do by itself:
 *
 *  - Handles. Connections, responses and TLS contexts are JS objects made
 *    here (one internal field), freed by the garbage collector. SWIG's own
 *    pointer proxies keep their class templates in process-wide statics,
 *    which breaks when the addon is loaded by a second isolate (a Worker), so
 *    the typemaps below make every generated wrapper take and return these
 *    per-thread handles instead.
 *  - Errors. A function returning a status code throws the error the package
 *    builds from the code and the last-error record (set_error_factory).
 *  - Natives for the hot path and for what waits: request, getresponse,
 *    read, read_all, ... Connections run in httpc's non-blocking mode. The
 *    Promise API drives each operation from the event loop itself (a
 *    uv_poll_t on the descriptor the operation waits for, a uv_timer_t for
 *    its deadline; no thread pool); the sync API waits in poll(2) on the
 *    calling thread, in slices, so that a Worker's termination stops it.
 */

%{
#include <node.h>
#include <node_buffer.h>
#include <uv.h>

#include <stdlib.h>
#include <string.h>

#include <string>
#include <memory>
#include <vector>

/* Only the first isolate sets SWIG's process-wide class template: a second
 * one (a Worker) would reset a handle that belongs to another isolate. No
 * SWIG proxy object is ever made (see the handle typemaps). */
#undef SWIGV8_SET_CLASS_TEMPL
#define SWIGV8_SET_CLASS_TEMPL(class_templ, class)                                                 \
    if (class_templ.IsEmpty())                                                                     \
        class_templ.Reset(v8::Isolate::GetCurrent(), class);

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
    v8::Global<v8::Object> self;
    nh_handle *prev, *next;        /* the thread's live handles */
    /* Connections: the loop's watch on the descriptor and the deadline of
     * the operation in flight (made on first use, closed with the handle).
     * The socket callback's userdata is this handle, which outlives the
     * connection's responses (they hold a ref on it). */
    nh_env *env;
    uv_poll_t *poll;
    int poll_fd;
    int poll_events; /* UV_READABLE/UV_WRITABLE it was last started with */
    uv_timer_t *timer;
    nh_job *pending;
};

/* What one thread (the main thread or a Worker's) keeps. */
struct nh_env {
    v8::Isolate *isolate;
    uv_loop_t *loop;
    v8::Global<v8::FunctionTemplate> handle_class;
    v8::Global<v8::Function> error_factory;
    v8::Global<v8::Function> probe; /* an empty JS function: see nh_terminating */
    node::AsyncCleanupHookHandle cleanup_hook;
    int closing;                    /* uv handles whose close has not completed */
    void (*cleanup_done)(void *);   /* set once the environment is torn down */
    void *cleanup_done_arg;
    nh_handle live; /* list head */
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

static void nh_unref(nh_handle *h)
{
    if (--h->refs > 0)
        return;
    if (h->kind == NH_CONN)
        nh_close_watch(h);
    h->prev->next = h->next;
    h->next->prev = h->prev;
    delete h;
}

/* Frees what a connection's responses left while it was busy. */
static void nh_flush_deferred(nh_handle *conn)
{
    for (void *resp : conn->deferred)
        httpc_response_free((httpc_response *)resp);
    conn->deferred.clear();
}

/* The garbage collector found the JS object unreachable. */
static void nh_collected(const v8::WeakCallbackInfo<nh_handle> &info)
{
    nh_handle *h = info.GetParameter();
    h->self.Reset();
    void *ptr = h->ptr;
    h->ptr = nullptr;
    if (h->kind == NH_RESPONSE && h->owner && h->owner->busy > 0)
        h->owner->deferred.push_back(ptr); /* an operation of the connection is in flight */
    else
        nh_free_object(h->kind, ptr);
    if (h->owner)
        nh_unref(h->owner);
    nh_unref(h);
}

static void nh_drop_jobs(nh_env *env);

static void nh_env_free_if_done(nh_env *env)
{
    if (!env->cleanup_done || env->closing > 0)
        return;
    void (*done)(void *) = env->cleanup_done;
    void *done_arg = env->cleanup_done_arg;
    env->cleanup_hook.release(); /* Node frees it once the hook has run */
    if (nh_current_env == env)
        nh_current_env = nullptr;
    delete env;
    done(done_arg);
}

static void nh_uv_closed(uv_handle_t *handle)
{
    nh_env *env = (nh_env *)handle->data;
    if (handle->type == UV_POLL)
        delete (uv_poll_t *)handle;
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

/* The environment ends (a Worker terminated, the process exits, the main
 * thread's loop is done): operations in flight are dropped, every
 * connection and response freed, every loop handle closed; Node is told
 * once the last close has completed, so the loop closes with no handle
 * open and Worker.terminate() returns at once. */
static void nh_env_cleanup(void *arg, void (*done)(void *), void *done_arg)
{
    nh_env *env = (nh_env *)arg;
    nh_drop_jobs(env);
    for (int pass = 0; pass < 2; pass++) { /* responses before connections */
        for (nh_handle *h = env->live.next; h != &env->live; h = h->next) {
            if (!h->ptr || (pass == 0) != (h->kind == NH_RESPONSE))
                continue;
            nh_free_object(h->kind, h->ptr);
            h->ptr = nullptr;
            h->self.Reset();
        }
    }
    std::vector<nh_handle *> all;
    for (nh_handle *h = env->live.next; h != &env->live; h = h->next)
        all.push_back(h);
    for (nh_handle *h : all) {
        if (h->kind == NH_CONN)
            nh_close_watch(h);
        for (void *resp : h->deferred)
            httpc_response_free((httpc_response *)resp);
        h->deferred.clear();
        h->self.Reset();
        delete h;
    }
    env->live.next = env->live.prev = &env->live;
    env->handle_class.Reset();
    env->error_factory.Reset();
    env->probe.Reset();
    env->cleanup_done = done;
    env->cleanup_done_arg = done_arg;
    nh_env_free_if_done(env);
}

static nh_env *nh_env_get(v8::Isolate *isolate)
{
    if (nh_current_env && nh_current_env->isolate == isolate)
        return nh_current_env;
    nh_env *env = new nh_env();
    env->isolate = isolate;
    env->loop = node::GetCurrentEventLoop(isolate);
    env->closing = 0;
    env->cleanup_done = nullptr;
    env->cleanup_done_arg = nullptr;
    env->live.next = env->live.prev = &env->live;
    v8::Local<v8::FunctionTemplate> cls = v8::FunctionTemplate::New(isolate);
    cls->SetClassName(v8::String::NewFromUtf8Literal(isolate, "HttpcHandle"));
    cls->InstanceTemplate()->SetInternalFieldCount(1);
    env->handle_class.Reset(isolate, cls);
    env->cleanup_hook = node::AddEnvironmentCleanupHook(isolate, nh_env_cleanup, env);
    nh_current_env = env;
    return env;
}

/* A new handle owning ptr (NULL gives null). */
static v8::Local<v8::Value> nh_wrap(v8::Isolate *isolate, void *ptr, int kind, nh_handle *owner)
{
    if (!ptr)
        return v8::Null(isolate);
    nh_env *env = nh_env_get(isolate);
    v8::Local<v8::Context> context = isolate->GetCurrentContext();
    v8::Local<v8::Object> obj = env->handle_class.Get(isolate)
                                    ->InstanceTemplate()
                                    ->NewInstance(context)
                                    .ToLocalChecked();
    nh_handle *h = new nh_handle();
    h->kind = kind;
    h->ptr = ptr;
    h->refs = 1;
    h->owner = owner;
    h->env = env;
    h->poll = nullptr;
    h->poll_fd = -1;
    h->poll_events = 0;
    h->timer = nullptr;
    h->pending = nullptr;
    if (owner)
        owner->refs++;
    h->next = env->live.next;
    h->prev = &env->live;
    env->live.next->prev = h;
    env->live.next = h;
    obj->SetAlignedPointerInInternalField(0, h);
    h->self.Reset(isolate, obj);
    h->self.SetWeak(h, nh_collected, v8::WeakCallbackType::kParameter);
    return obj;
}

/* The handle behind a JS value, or NULL when it is not a live handle of
 * that kind. */
static nh_handle *nh_handle_of(v8::Local<v8::Value> value, int kind)
{
    v8::Isolate *isolate = v8::Isolate::GetCurrent();
    nh_env *env = nh_env_get(isolate);
    if (!value->IsObject() || !env->handle_class.Get(isolate)->HasInstance(value))
        return nullptr;
    nh_handle *h = (nh_handle *)value.As<v8::Object>()->GetAlignedPointerFromInternalField(0);
    return h && h->kind == kind && h->ptr ? h : nullptr;
}

static void *nh_unwrap(v8::Local<v8::Value> value, int kind)
{
    nh_handle *h = nh_handle_of(value, kind);
    return h ? h->ptr : nullptr;
}

static v8::Local<v8::String> nh_latin1(v8::Isolate *isolate, const char *s, size_t n)
{
    return v8::String::NewFromOneByte(isolate, (const uint8_t *)s, v8::NewStringType::kNormal,
                                      (int)n)
        .ToLocalChecked();
}

static v8::Local<v8::String> nh_utf8(v8::Isolate *isolate, const char *s)
{
    v8::Local<v8::String> out;
    if (!v8::String::NewFromUtf8(isolate, s).ToLocal(&out))
        out = nh_latin1(isolate, s, strlen(s));
    return out;
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

/* The package's Error for a failure; `partial` is the body read so far. */
static v8::Local<v8::Value> nh_make_error(v8::Isolate *isolate, const nh_error &e,
                                          v8::Local<v8::Value> partial)
{
    nh_env *env = nh_env_get(isolate);
    v8::Local<v8::Context> context = isolate->GetCurrentContext();
    v8::Local<v8::String> message = nh_utf8(isolate, e.message.c_str());
    if (env->error_factory.IsEmpty())
        return v8::Exception::Error(message);
    v8::Local<v8::Value> argv[] = {
        v8::Integer::New(isolate, e.code),
        message,
        v8::Integer::New(isolate, e.os_errno),
        v8::Integer::New(isolate, e.tls_error),
        v8::Number::New(isolate, (double)e.expected),
        nh_latin1(isolate, e.line.data(), e.line.size()),
        partial.IsEmpty() ? v8::Local<v8::Value>(v8::Null(isolate)) : partial,
    };
    v8::Local<v8::Value> err;
    if (!env->error_factory.Get(isolate)
             ->Call(context, v8::Undefined(isolate), 7, argv)
             .ToLocal(&err))
        return v8::Exception::Error(message);
    return err;
}

/* Throws the error of `code` from the calling thread's last-error record. */
static void nh_throw_code(int code)
{
    v8::Isolate *isolate = v8::Isolate::GetCurrent();
    nh_error e;
    nh_capture(&e, code);
    isolate->ThrowException(nh_make_error(isolate, e, v8::Local<v8::Value>()));
}

static void nh_throw_type(const char *message)
{
    v8::Isolate *isolate = v8::Isolate::GetCurrent();
    isolate->ThrowException(v8::Exception::TypeError(nh_utf8(isolate, message)));
}
%}

/* ---------------------------------------------------------------------- */
/* Typemaps                                                                */
/* ---------------------------------------------------------------------- */

/* Handles in and out. */
%define NH_HANDLE(TYPE, KIND, WHAT)
%typemap(in) TYPE * {
    $1 = (TYPE *)nh_unwrap($input, KIND);
    if (!$1) {
        nh_throw_type("expected " WHAT);
        SWIG_fail;
    }
}
%typemap(in) const TYPE * = TYPE *;
%typemap(in, numinputs=0) TYPE **out (TYPE *tmp = NULL) { $1 = &tmp; }
%typemap(argout) TYPE **out { $result = nh_wrap(v8::Isolate::GetCurrent(), *$1, KIND, nullptr); }
%enddef
NH_HANDLE(httpc_conn, NH_CONN, "an httpc connection")
NH_HANDLE(httpc_response, NH_RESPONSE, "an httpc response")
NH_HANDLE(httpc_tls_context, NH_TLS, "an httpc TLS context")

/* Functions whose int result is a status code: throw on failure. */
%define NH_CHECKED(FN)
%typemap(out) int FN {
    if ($1 < 0) {
        nh_throw_code($1);
        SWIG_fail;
    }
    $result = SWIGV8_UNDEFINED();
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
    if (node::Buffer::HasInstance($input)) {
        $1 = node::Buffer::Data($input);
        $2 = node::Buffer::Length($input);
    } else if ($input->IsString()) {
        v8::String::Utf8Value utf8(v8::Isolate::GetCurrent(), $input);
        text.assign(*utf8, utf8.length());
        $1 = (char *)text.data();
        $2 = text.size();
    } else {
        nh_throw_type("PEM data must be a Buffer or a string");
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
