/*
 * The Node addon's hand-written natives (included from typemaps.i).
 *
 * Every call that can wait takes a last argument `async`: false runs it on
 * the calling thread, waiting in poll(2) (the sync API); true returns a
 * Promise and drives the operation from the event loop: the connection is
 * in httpc's non-blocking mode, each step runs on the loop thread, and
 * between steps a uv_poll_t watches the descriptor the operation waits for
 * and a uv_timer_t its deadline (no thread pool). One job struct serves
 * both, so both give the same results and the same errors.
 */

%{
#include <poll.h>

/* One operation: its arguments and progress, kept until it ends. */
struct nh_job {
    /* One step: returns HTTPC_E_WOULD_BLOCK to be called again (with the
     * same arguments) once the descriptor is ready or the deadline passed. */
    int (*run)(nh_job *);
    v8::Local<v8::Value> (*result)(v8::Isolate *, nh_job *);
    /* Makes the value or the error; nh_outcome unless the job needs more. */
    void (*settle)(v8::Isolate *, nh_job *, v8::Local<v8::Value> *, v8::Local<v8::Value> *) = nullptr;
    v8::Isolate *isolate = nullptr;
    nh_handle *conn = nullptr;   /* holds its busy count while in flight */
    nh_handle *target = nullptr; /* the connection or the response */
    v8::Global<v8::Object> keep_target;
    v8::Global<v8::Value> keep_data; /* a body Buffer, or the Buffer read into */
    v8::Global<v8::Context> context;
    v8::Global<v8::Promise::Resolver> resolver;
    int rc = 0;
    nh_error err;
    std::string method, url;
    std::vector<std::string> header_text;
    std::vector<httpc_header> headers;
    httpc_body body = {HTTPC_BODY_NONE, NULL, 0, -1, NULL, NULL, NULL};
    int flags = 0;
    int phase = 0;               /* steps of a job made of several calls */
    char *data = nullptr;
    size_t len = 0;
    int read_kind = 0;
    httpc_response *resp = nullptr;
    httpc_response *waits_on = nullptr; /* the response whose read is pending */
};

static v8::Local<v8::Value> nh_header_list(v8::Isolate *isolate, const httpc_headers *hs);

/* The connection handle whose loop handles serve the job's target. */
static nh_handle *nh_conn_of(nh_handle *target)
{
    return target->kind == NH_CONN ? target : target->owner;
}

/* What the pending call of the job waits for. */
static void nh_wait_of(nh_job *job, httpc_wait *w)
{
    w->fd = -1;
    w->events = 0;
    w->timeout_ms = -1;
    if (job->waits_on)
        httpc_response_wait(job->waits_on, w);
    else if (job->target->kind == NH_CONN && job->target->ptr)
        httpc_conn_wait((httpc_conn *)job->target->ptr, w);
}

/* The value or the error of a finished job. */
static void nh_outcome(v8::Isolate *isolate, nh_job *job, v8::Local<v8::Value> *value,
                       v8::Local<v8::Value> *error)
{
    if (job->rc >= 0)
        *value = job->result(isolate, job);
    else
        *error = nh_make_error(isolate, job->err, v8::Local<v8::Value>());
}

static void nh_release(nh_job *job)
{
    fflush(stdout); /* debug lines (setDebugLevel) written by the C library */
    if (job->conn) {
        if (job->conn->pending == job)
            job->conn->pending = nullptr;
        if (--job->conn->busy == 0)
            nh_flush_deferred(job->conn);
        nh_unref(job->conn);
    }
    delete job;
}

static void nh_step(nh_job *job, bool from_loop);

static void nh_on_poll(uv_poll_t *poll, int status, int events)
{
    (void)status; /* an error on the descriptor is the next call's to report */
    (void)events;
    nh_handle *c = (nh_handle *)poll->data;
    if (c->pending)
        nh_step(c->pending, true);
    else
        uv_poll_stop(poll); /* idle, and the peer sent something or closed */
}

static void nh_on_timer(uv_timer_t *timer)
{
    nh_handle *c = (nh_handle *)timer->data;
    if (c->pending)
        nh_step(c->pending, true);
}

/* Arms the connection's poll and timer for what the job waits for.
 * Returns 0, or a libuv error. */
static int nh_arm(nh_job *job)
{
    nh_handle *c = job->conn;
    httpc_wait w;
    nh_wait_of(job, &w);
    if (w.fd >= 0) {
        if (c->poll && c->poll_fd != w.fd)
            nh_close_poll(c);
        if (!c->poll) {
            uv_poll_t *poll = new uv_poll_t;
            int rc = uv_poll_init(c->env->loop, poll, w.fd);
            if (rc < 0) {
                delete poll;
                return rc;
            }
            poll->data = c;
            c->poll = poll;
            c->poll_fd = w.fd;
            c->poll_events = 0;
        }
        int events = ((w.events & HTTPC_WAIT_READ) ? UV_READABLE : 0) |
                     ((w.events & HTTPC_WAIT_WRITE) ? UV_WRITABLE : 0);
        if (!events)
            events = UV_READABLE;
        /* Still watching these events from the last operation: nothing to
         * tell epoll (uv_poll_start would take the descriptor out and put
         * it back in, two system calls per request). */
        if (!uv_is_active((uv_handle_t *)c->poll) || c->poll_events != events) {
            int rc = uv_poll_start(c->poll, events, nh_on_poll);
            if (rc < 0)
                return rc;
            c->poll_events = events;
        }
        uv_ref((uv_handle_t *)c->poll);
    } else if (c->poll) {
        uv_poll_stop(c->poll);
    }
    /* Nothing to watch and no deadline cannot happen with the bodies this
     * addon gives; a short timer keeps such a job from hanging anyway. */
    int64_t timeout = w.timeout_ms >= 0 ? w.timeout_ms : (w.fd < 0 ? 1 : -1);
    if (timeout >= 0) {
        if (!c->timer) {
            c->timer = new uv_timer_t;
            uv_timer_init(c->env->loop, c->timer);
            c->timer->data = c;
        }
        uv_timer_start(c->timer, nh_on_timer, (uint64_t)timeout, 0);
    } else if (c->timer) {
        uv_timer_stop(c->timer);
    }
    c->pending = job;
    return 0;
}

/* The connection is idle: nothing of it keeps the loop alive. The poll
 * stays in epoll, unreferenced, for the next operation (it is stopped if it
 * fires meanwhile, and closed before its descriptor is). */
static void nh_disarm(nh_handle *c)
{
    if (c->poll)
        uv_unref((uv_handle_t *)c->poll);
    if (c->timer)
        uv_timer_stop(c->timer);
}

/* Settles the job's Promise with its outcome and frees the job. */
static void nh_settle_async(nh_job *job, bool from_loop)
{
    v8::Isolate *isolate = job->isolate;
    v8::HandleScope scope(isolate);
    v8::Local<v8::Context> context = job->context.Get(isolate);
    v8::Context::Scope context_scope(context);
    auto settle = [&]() {
        v8::Local<v8::Value> value, error;
        job->settle(isolate, job, &value, &error);
        v8::Local<v8::Promise::Resolver> resolver = job->resolver.Get(isolate);
        /* Nothing comes back only when the isolate is terminating. */
        v8::Maybe<bool> settled = error.IsEmpty() ? resolver->Resolve(context, value)
                                                  : resolver->Reject(context, error);
        (void)settled.IsJust();
        nh_release(job);
    };
    if (from_loop) {
        /* Runs the microtasks the settlement queues, as a JS callback would. */
        node::CallbackScope callback_scope(isolate, job->keep_target.Get(isolate), {0, 0});
        settle();
    } else {
        settle();
    }
}

/* Runs the job as far as it goes; waits on the loop or settles. */
static void nh_step(nh_job *job, bool from_loop)
{
    job->rc = job->run(job);
    if (job->rc == HTTPC_E_WOULD_BLOCK) {
        int rc = nh_arm(job);
        if (rc == 0)
            return;
        job->rc = HTTPC_E_OS;
        job->err.code = HTTPC_E_OS;
        job->err.message = std::string("event loop: ") + uv_strerror(rc);
    } else if (job->rc < 0) {
        nh_capture(&job->err, job->rc);
    }
    job->conn->pending = nullptr;
    nh_disarm(job->conn);
    nh_settle_async(job, from_loop);
}

/* Drops the operations in flight (the environment is going away). */
static void nh_drop_jobs(nh_env *env)
{
    std::vector<nh_job *> jobs;
    for (nh_handle *h = env->live.next; h != &env->live; h = h->next)
        if (h->kind == NH_CONN && h->pending)
            jobs.push_back(h->pending);
    for (nh_job *job : jobs) {
        nh_disarm(job->conn);
        job->conn->pending = nullptr;
        job->conn->busy--;
        job->conn->refs--; /* the handles themselves are deleted by the caller */
        job->conn = nullptr;
        delete job;
    }
}

/* True when the isolate is being terminated (Worker.terminate()). V8 marks
 * it when JavaScript next runs, so an empty JS function is called: its entry
 * check takes the pending termination. */
static bool nh_terminating(v8::Isolate *isolate)
{
    if (isolate->IsExecutionTerminating())
        return true;
    nh_env *env = nh_env_get(isolate);
    if (env->probe.IsEmpty())
        return false;
    v8::HandleScope scope(isolate);
    v8::TryCatch try_catch(isolate);
    v8::Local<v8::Context> context = isolate->GetCurrentContext();
    v8::MaybeLocal<v8::Value> ignored =
        env->probe.Get(isolate)->Call(context, v8::Undefined(isolate), 0, nullptr);
    (void)ignored;
    return try_catch.HasTerminated() || isolate->IsExecutionTerminating();
}

/* How long one wait of the sync API lasts before it looks for a
 * termination (milliseconds). */
static const int NH_SYNC_SLICE_MS = 100;

/* Runs the job on this thread, waiting in poll(2). Returns false when the
 * isolate is terminating (the connection is then closed). The termination is
 * looked for every NH_SYNC_SLICE_MS, whether the peer is silent or keeps
 * sending. */
static bool nh_run_sync(v8::Isolate *isolate, nh_job *job)
{
    uint64_t last_check = uv_hrtime();
    for (;;) {
        job->rc = job->run(job);
        if (job->rc != HTTPC_E_WOULD_BLOCK)
            return true;
        httpc_wait w;
        nh_wait_of(job, &w);
        int slice = w.timeout_ms >= 0 && w.timeout_ms < NH_SYNC_SLICE_MS ? (int)w.timeout_ms
                                                                         : NH_SYNC_SLICE_MS;
        struct pollfd p = {w.fd, (short)(((w.events & HTTPC_WAIT_READ) ? POLLIN : 0) |
                                         ((w.events & HTTPC_WAIT_WRITE) ? POLLOUT : 0)),
                           0};
        (void)poll(&p, w.fd >= 0 ? 1 : 0, w.fd >= 0 ? slice : (slice < 1 ? slice : 1));
        uint64_t now = uv_hrtime();
        if (now - last_check < (uint64_t)NH_SYNC_SLICE_MS * 1000000u)
            continue;
        last_check = now;
        if (nh_terminating(isolate)) {
            nh_handle *c = nh_conn_of(job->target);
            if (c && c->ptr)
                httpc_conn_close((httpc_conn *)c->ptr);
            if (job->target->kind == NH_RESPONSE && job->target->ptr)
                httpc_response_close((httpc_response *)job->target->ptr);
            return false;
        }
    }
}

/* Runs the job now (sync) or from the loop (async: returns a Promise). */
static void nh_exec(const v8::FunctionCallbackInfo<v8::Value> &args, nh_job *job, bool async)
{
    v8::Isolate *isolate = args.GetIsolate();
    if (!job->settle)
        job->settle = nh_outcome;
    if (!async) {
        /* The termination probe runs JavaScript, hence maybe the collector:
         * a response collected meanwhile waits as while a Promise is out. */
        nh_handle *conn = nh_conn_of(job->target);
        conn->busy++;
        bool finished = nh_run_sync(isolate, job);
        if (--conn->busy == 0)
            nh_flush_deferred(conn);
        if (!finished) {
            delete job;
            return; /* the termination goes on */
        }
        if (job->rc < 0)
            nh_capture(&job->err, job->rc);
        v8::Local<v8::Value> value, error;
        job->settle(isolate, job, &value, &error);
        delete job;
        fflush(stdout); /* debug lines (setDebugLevel) written by the C library */
        if (error.IsEmpty())
            args.GetReturnValue().Set(value);
        else
            isolate->ThrowException(error);
        return;
    }
    v8::Local<v8::Context> context = isolate->GetCurrentContext();
    v8::Local<v8::Promise::Resolver> resolver = v8::Promise::Resolver::New(context).ToLocalChecked();
    job->isolate = isolate;
    job->context.Reset(isolate, context);
    job->resolver.Reset(isolate, resolver);
    job->keep_target.Reset(isolate, job->target->self.Get(isolate));
    job->conn = nh_conn_of(job->target);
    if (job->conn->pending) {
        delete job;
        nh_throw_type("another operation is in progress on this connection");
        return;
    }
    job->conn->busy++;
    job->conn->refs++;
    nh_step(job, false);
    args.GetReturnValue().Set(resolver->GetPromise());
}

/* ---- argument helpers (each throws and returns false on bad input) ---- */

static void nh_throw_invalid(const char *message)
{
    v8::Isolate *isolate = v8::Isolate::GetCurrent();
    nh_error e;
    e.code = HTTPC_E_INVALID_ARGUMENT;
    e.message = message;
    isolate->ThrowException(nh_make_error(isolate, e, v8::Local<v8::Value>()));
}

/* A string of code points below 256 without NUL, as latin-1 bytes. */
static bool nh_text(v8::Isolate *isolate, v8::Local<v8::Value> value, std::string *out,
                    const char *what)
{
    if (!value->IsString()) {
        std::string m = std::string(what) + " must be a string";
        nh_throw_type(m.c_str());
        return false;
    }
    v8::Local<v8::String> s = value.As<v8::String>();
    if (!s->ContainsOnlyOneByte()) {
        std::string m = std::string(what) + " has a character above U+00FF";
        nh_throw_invalid(m.c_str());
        return false;
    }
    out->resize((size_t)s->Length());
    s->WriteOneByte(isolate, (uint8_t *)&(*out)[0], 0, s->Length(),
                    v8::String::NO_NULL_TERMINATION);
    if (memchr(out->data(), 0, out->size())) {
        std::string m = std::string(what) + " contains a NUL character";
        nh_throw_invalid(m.c_str());
        return false;
    }
    return true;
}

/* A flat array [name, value, name, value, ...] into job->headers. */
static bool nh_headers(v8::Isolate *isolate, v8::Local<v8::Value> value, nh_job *job)
{
    if (value->IsNullOrUndefined())
        return true;
    if (!value->IsArray()) {
        nh_throw_type("headers must be a flat array");
        return false;
    }
    v8::Local<v8::Array> flat = value.As<v8::Array>();
    v8::Local<v8::Context> context = isolate->GetCurrentContext();
    uint32_t n = flat->Length() & ~1u;
    job->header_text.resize(n);
    for (uint32_t i = 0; i < n; i++) {
        v8::Local<v8::Value> item;
        if (!flat->Get(context, i).ToLocal(&item) ||
            !nh_text(isolate, item, &job->header_text[i], i % 2 ? "a header value" : "a header name"))
            return false;
    }
    job->headers.resize(n / 2);
    for (uint32_t i = 0; i < n / 2; i++) {
        job->headers[i].name = job->header_text[2 * i].c_str();
        job->headers[i].value = job->header_text[2 * i + 1].c_str();
    }
    return true;
}

/* A body: null/undefined (none), true (pushed: bodyWrite, bodyEnd) or any
 * ArrayBufferView (a Buffer...). */
static bool nh_body(v8::Isolate *isolate, v8::Local<v8::Value> value, nh_job *job, bool async)
{
    if (value->IsNullOrUndefined())
        return true;
    if (value->IsTrue()) {
        job->body.kind = HTTPC_BODY_PUSH;
        return true;
    }
    if (!value->IsArrayBufferView()) {
        nh_throw_type("a body must be a Buffer, a Uint8Array or null");
        return false;
    }
    job->body.kind = HTTPC_BODY_BYTES;
    job->body.data = node::Buffer::Data(value);
    job->body.len = node::Buffer::Length(value);
    if (async)
        job->keep_data.Reset(isolate, value);
    return true;
}

static nh_job *nh_job_on(const v8::FunctionCallbackInfo<v8::Value> &args, int kind)
{
    nh_handle *h = nh_handle_of(args[0], kind);
    if (!h) {
        nh_throw_type(kind == NH_CONN ? "expected an httpc connection" : "expected an httpc response");
        return nullptr;
    }
    nh_job *job = new nh_job();
    job->target = h;
    return job;
}

static v8::Local<v8::Value> nh_undefined(v8::Isolate *isolate, nh_job *)
{
    return v8::Undefined(isolate);
}

/* ---- connections ---- */

/* connNew(host, port, tls: handle | null (default context) | false (HTTP),
 *         timeout, connectTimeout, sourceHost | null, sourcePort, blocksize,
 *         debuglevel, maxResponseSize, totalTimeout) -> handle, in
 *         non-blocking mode */
static void nh_conn_new(const v8::FunctionCallbackInfo<v8::Value> &args)
{
    v8::Isolate *isolate = args.GetIsolate();
    v8::Local<v8::Context> context = isolate->GetCurrentContext();
    std::string host, source;
    if (!nh_text(isolate, args[0], &host, "host"))
        return;
    bool has_source = !args[5]->IsNullOrUndefined();
    if (has_source && !nh_text(isolate, args[5], &source, "sourceAddress host"))
        return;
    httpc_conn_options opts = HTTPC_CONN_OPTIONS_INIT;
    int port = args[1]->Int32Value(context).FromMaybe(0);
    opts.timeout = args[3]->NumberValue(context).FromMaybe(-1.0);
    opts.connect_timeout = args[4]->NumberValue(context).FromMaybe(-1.0);
    opts.source_host = has_source ? source.c_str() : NULL;
    opts.source_port = args[6]->Int32Value(context).FromMaybe(0);
    int64_t blocksize = args[7]->IntegerValue(context).FromMaybe(8192);
    opts.blocksize = blocksize > 0 ? (size_t)blocksize : 8192;
    opts.debuglevel = args[8]->Int32Value(context).FromMaybe(0);
    opts.total_timeout = args[10]->NumberValue(context).FromMaybe(-1.0);
    httpc_conn *conn = NULL;
    int rc;
    if (args[2]->IsFalse()) {
        rc = httpc_conn_new(&conn, host.c_str(), port, &opts);
    } else {
        httpc_tls_context *tls = NULL;
        if (!args[2]->IsNull()) {
            tls = (httpc_tls_context *)nh_unwrap(args[2], NH_TLS);
            if (!tls) {
                nh_throw_type("expected an httpc TLS context");
                return;
            }
        }
        rc = httpc_conn_new_https(&conn, host.c_str(), port, &opts, tls);
    }
    if (rc < 0) {
        nh_throw_code(rc);
        return;
    }
    double max_size = args[9]->NumberValue(context).FromMaybe(0.0);
    if (max_size > 0)
        httpc_conn_set_max_response_size(conn, (int64_t)max_size);
    httpc_conn_set_nonblocking(conn, 1);
    v8::Local<v8::Value> handle = nh_wrap(isolate, conn, NH_CONN, nullptr);
    httpc_conn_set_socket_callback(conn, nh_on_socket, nh_handle_of(handle, NH_CONN));
    args.GetReturnValue().Set(handle);
}

static int nh_run_request(nh_job *job)
{
    return httpc_conn_request((httpc_conn *)job->target->ptr, job->method.c_str(), job->url.c_str(),
                              job->body.kind == HTTPC_BODY_NONE ? NULL : &job->body,
                              job->headers.data(), job->headers.size(), job->flags);
}

/* request(conn, method, url, body, flatHeaders, flags, async) */
static void nh_request(const v8::FunctionCallbackInfo<v8::Value> &args)
{
    v8::Isolate *isolate = args.GetIsolate();
    bool async = args[6]->IsTrue();
    nh_job *job = nh_job_on(args, NH_CONN);
    if (!job)
        return;
    if (!nh_text(isolate, args[1], &job->method, "method") ||
        !nh_text(isolate, args[2], &job->url, "url") || !nh_body(isolate, args[3], job, async) ||
        !nh_headers(isolate, args[4], job)) {
        delete job;
        return;
    }
    job->flags = args[5]->Int32Value(isolate->GetCurrentContext()).FromMaybe(0);
    job->run = nh_run_request;
    job->result = nh_undefined;
    nh_exec(args, job, async);
}

static int nh_run_endheaders(nh_job *job)
{
    return httpc_conn_endheaders((httpc_conn *)job->target->ptr,
                                 job->body.kind == HTTPC_BODY_NONE ? NULL : &job->body, job->flags);
}

/* endheaders(conn, body, flags, async) */
static void nh_endheaders(const v8::FunctionCallbackInfo<v8::Value> &args)
{
    v8::Isolate *isolate = args.GetIsolate();
    bool async = args[3]->IsTrue();
    nh_job *job = nh_job_on(args, NH_CONN);
    if (!job)
        return;
    if (!nh_body(isolate, args[1], job, async)) {
        delete job;
        return;
    }
    job->flags = args[2]->Int32Value(isolate->GetCurrentContext()).FromMaybe(0);
    job->run = nh_run_endheaders;
    job->result = nh_undefined;
    nh_exec(args, job, async);
}

static int nh_run_send(nh_job *job)
{
    return httpc_conn_send((httpc_conn *)job->target->ptr, job->body.data, job->body.len);
}

/* send(conn, data, async) */
static void nh_send(const v8::FunctionCallbackInfo<v8::Value> &args)
{
    v8::Isolate *isolate = args.GetIsolate();
    bool async = args[2]->IsTrue();
    nh_job *job = nh_job_on(args, NH_CONN);
    if (!job)
        return;
    if (args[1]->IsNullOrUndefined() || !nh_body(isolate, args[1], job, async)) {
        if (args[1]->IsNullOrUndefined())
            nh_throw_type("data must be a Buffer or a Uint8Array");
        delete job;
        return;
    }
    job->run = nh_run_send;
    job->result = nh_undefined;
    nh_exec(args, job, async);
}

static int nh_run_body_write(nh_job *job)
{
    return httpc_conn_body_write((httpc_conn *)job->target->ptr, job->body.data, job->body.len);
}

static int nh_run_body_end(nh_job *job)
{
    return httpc_conn_body_end((httpc_conn *)job->target->ptr);
}

/* bodyWrite(conn, data, async): one piece of a pushed body, framed by C. */
static void nh_body_write(const v8::FunctionCallbackInfo<v8::Value> &args)
{
    v8::Isolate *isolate = args.GetIsolate();
    bool async = args[2]->IsTrue();
    nh_job *job = nh_job_on(args, NH_CONN);
    if (!job)
        return;
    if (!args[1]->IsArrayBufferView()) {
        nh_throw_type("a body piece must be a Buffer or a Uint8Array");
        delete job;
        return;
    }
    nh_body(isolate, args[1], job, async);
    job->run = nh_run_body_write;
    job->result = nh_undefined;
    nh_exec(args, job, async);
}

/* bodyEnd(conn, async): ends a pushed body. */
static void nh_body_end(const v8::FunctionCallbackInfo<v8::Value> &args)
{
    nh_job *job = nh_job_on(args, NH_CONN);
    if (!job)
        return;
    job->run = nh_run_body_end;
    job->result = nh_undefined;
    nh_exec(args, job, args[1]->IsTrue());
}

/* setTerminationProbe(fn): an empty JS function (see nh_terminating). */
static void nh_set_probe(const v8::FunctionCallbackInfo<v8::Value> &args)
{
    if (!args[0]->IsFunction())
        return nh_throw_type("expected a function");
    nh_env *env = nh_env_get(args.GetIsolate());
    env->probe.Reset(args.GetIsolate(), args[0].As<v8::Function>());
}

static int nh_run_connect(nh_job *job)
{
    return httpc_conn_connect((httpc_conn *)job->target->ptr);
}

/* connect(conn, async) */
static void nh_connect(const v8::FunctionCallbackInfo<v8::Value> &args)
{
    nh_job *job = nh_job_on(args, NH_CONN);
    if (!job)
        return;
    job->run = nh_run_connect;
    job->result = nh_undefined;
    nh_exec(args, job, args[1]->IsTrue());
}

static int nh_run_getresponse(nh_job *job)
{
    return httpc_conn_getresponse((httpc_conn *)job->target->ptr, &job->resp);
}

/* [handle, status, reason, version, willClose, chunked, length] */
static v8::Local<v8::Value> nh_response_head(v8::Isolate *isolate, nh_job *job)
{
    httpc_response *resp = job->resp;
    const char *reason = httpc_response_reason(resp);
    v8::Local<v8::Value> items[] = {
        nh_wrap(isolate, resp, NH_RESPONSE, job->target),
        v8::Integer::New(isolate, httpc_response_status(resp)),
        nh_latin1(isolate, reason, strlen(reason)),
        v8::Integer::New(isolate, httpc_response_version(resp)),
        v8::Boolean::New(isolate, httpc_response_will_close(resp) != 0),
        v8::Boolean::New(isolate, httpc_response_chunked(resp) != 0),
        v8::Number::New(isolate, (double)httpc_response_length(resp)),
    };
    return v8::Array::New(isolate, items, sizeof items / sizeof items[0]);
}

/* getresponse(conn, async) */
static void nh_getresponse(const v8::FunctionCallbackInfo<v8::Value> &args)
{
    nh_job *job = nh_job_on(args, NH_CONN);
    if (!job)
        return;
    job->run = nh_run_getresponse;
    job->result = nh_response_head;
    nh_exec(args, job, args[1]->IsTrue());
}

/* The steps of request + getresponse; 0 once the head is read. */
static int nh_request_head_steps(nh_job *job)
{
    if (job->phase == 0) {
        int rc = nh_run_request(job);
        if (rc < 0)
            return rc;
        job->phase = 1;
    }
    if (job->phase == 1) {
        int rc = httpc_conn_getresponse((httpc_conn *)job->target->ptr, &job->resp);
        if (rc < 0)
            return rc;
        job->phase = 2;
        job->waits_on = job->resp;
    }
    return 0;
}

static int nh_run_exchange(nh_job *job)
{
    int rc = nh_request_head_steps(job);
    if (rc < 0)
        return rc;
    return httpc_response_read_all(job->resp, &job->data, &job->len);
}

static int nh_run_request_head(nh_job *job)
{
    return nh_request_head_steps(job);
}

static v8::Local<v8::Value> nh_take_data(v8::Isolate *isolate, nh_job *job);

/* [status, reason, version, willClose, rawHeaders, body, rawTrailers]; an
 * IncompleteRead carries the part of the body read. The response is freed
 * here: the whole exchange is over. */
static void nh_exchange_settle(v8::Isolate *isolate, nh_job *job, v8::Local<v8::Value> *value,
                               v8::Local<v8::Value> *error)
{
    v8::Local<v8::Value> body = nh_take_data(isolate, job);
    httpc_response *resp = job->resp;
    job->resp = nullptr;
    if (job->rc < 0) {
        *error = nh_make_error(isolate, job->err,
                               resp ? body : v8::Local<v8::Value>());
    } else {
        const char *reason = httpc_response_reason(resp);
        v8::Local<v8::Value> items[] = {
            v8::Integer::New(isolate, httpc_response_status(resp)),
            nh_latin1(isolate, reason, strlen(reason)),
            v8::Integer::New(isolate, httpc_response_version(resp)),
            v8::Boolean::New(isolate, httpc_response_will_close(resp) != 0),
            nh_header_list(isolate, httpc_response_headers(resp)),
            body,
            nh_header_list(isolate, httpc_response_trailers(resp)),
        };
        *value = v8::Array::New(isolate, items, sizeof items / sizeof items[0]);
    }
    httpc_response_free(resp);
}

/* exchange(conn, method, url, body, flatHeaders, flags, async, headOnly):
 * request, getresponse and read_all in one operation (for the Client);
 * with headOnly, request and getresponse, giving what getresponse
 * gives (the one-shot request streams the body). */
static void nh_exchange(const v8::FunctionCallbackInfo<v8::Value> &args)
{
    v8::Isolate *isolate = args.GetIsolate();
    bool async = args[6]->IsTrue();
    nh_job *job = nh_job_on(args, NH_CONN);
    if (!job)
        return;
    if (!nh_text(isolate, args[1], &job->method, "method") ||
        !nh_text(isolate, args[2], &job->url, "url") || !nh_body(isolate, args[3], job, async) ||
        !nh_headers(isolate, args[4], job)) {
        delete job;
        return;
    }
    job->flags = args[5]->Int32Value(isolate->GetCurrentContext()).FromMaybe(0);
    if (args[7]->IsTrue()) {
        job->run = nh_run_request_head;
        job->result = nh_response_head;
    } else {
        job->run = nh_run_exchange;
        job->settle = nh_exchange_settle;
    }
    nh_exec(args, job, async);
}

/* ---- responses ---- */

typedef int (*nh_reader)(httpc_response *, void *, size_t, size_t *);

/* Everything decoded so far, up to the buffer's size, waiting only when
 * there is nothing yet: read1 until it would block, the buffer is full or
 * the body ends (one step for a body of 1-byte chunks already received,
 * not one per chunk). */
static int nh_read_available(httpc_response *resp, void *buf, size_t cap, size_t *out_n)
{
    size_t total = 0;
    *out_n = 0;
    while (total < cap) {
        size_t n = 0;
        int rc = httpc_response_read1(resp, (char *)buf + total, cap - total, &n);
        if (rc == HTTPC_E_WOULD_BLOCK && total > 0)
            break;
        if (rc < 0)
            return rc;
        if (n == 0)
            break;
        total += n;
    }
    *out_n = total;
    return HTTPC_OK;
}

static int nh_run_read(nh_job *job)
{
    static const nh_reader readers[] = {httpc_response_read, nh_read_available,
                                        httpc_response_readline};
    return readers[job->read_kind]((httpc_response *)job->target->ptr, job->data, job->body.len,
                                   &job->len);
}

/* The part of the Buffer read into that was filled. */
static v8::Local<v8::Value> nh_read_result(v8::Isolate *isolate, nh_job *job)
{
    v8::Local<v8::Uint8Array> buf = job->keep_data.Get(isolate).As<v8::Uint8Array>();
    if (job->len == job->body.len)
        return buf;
    return node::Buffer::New(isolate, buf->Buffer(), buf->ByteOffset(), job->len)
        .ToLocalChecked();
}

static v8::Local<v8::Value> nh_read_count(v8::Isolate *isolate, nh_job *job)
{
    return v8::Number::New(isolate, (double)job->len);
}

/* read(resp, n, kind: 0 read, 1 what is there (at least one byte), 2 readline, async, into) -> a new
 * Buffer, or with `into` (a Uint8Array, filled from its start up to its
 * length, as http.client's readinto) the count read. */
static void nh_read(const v8::FunctionCallbackInfo<v8::Value> &args)
{
    v8::Isolate *isolate = args.GetIsolate();
    nh_job *job = nh_job_on(args, NH_RESPONSE);
    if (!job)
        return;
    v8::Local<v8::Context> context = isolate->GetCurrentContext();
    int64_t cap = args[1]->IntegerValue(context).FromMaybe(0);
    int kind = args[2]->Int32Value(context).FromMaybe(0);
    job->read_kind = kind >= 0 && kind <= 2 ? kind : 0;
    v8::Local<v8::Object> buf;
    if (args[4]->IsArrayBufferView()) {
        buf = args[4].As<v8::Object>();
        job->body.len = node::Buffer::Length(buf);
        job->result = nh_read_count;
    } else {
        job->body.len = cap > 0 ? (size_t)cap : 0;
        job->result = nh_read_result;
        if (!node::Buffer::New(isolate, job->body.len).ToLocal(&buf)) {
            delete job;
            return;
        }
    }
    job->keep_data.Reset(isolate, buf);
    job->data = node::Buffer::Data(buf);
    job->waits_on = (httpc_response *)job->target->ptr;
    job->run = nh_run_read;
    nh_exec(args, job, args[3]->IsTrue());
}

static int nh_run_read_all(nh_job *job)
{
    return httpc_response_read_all((httpc_response *)job->target->ptr, &job->data, &job->len);
}

/* V8 may call this on any thread (its sweeper); free() may run anywhere. */
static void nh_free_backing(void *data, size_t length, void *hint)
{
    (void)length;
    (void)hint;
    httpc_free(data);
}

/* Below this a body is copied into V8's own memory: read_all's buffer has
 * at least 16 KiB of capacity, which V8 would not see behind a 5-byte body. */
static const size_t NH_ADOPT_MIN = 65536;

/* The body read_all allocated, as a Buffer whose memory V8 accounts for and
 * frees when it collects it. node::Buffer::New(data, len, free_cb) frees
 * only when the event loop turns (its callback is queued to the loop), so a
 * sync loop that never yields grew without bound. */
static v8::Local<v8::Value> nh_take_data(v8::Isolate *isolate, nh_job *job)
{
    char *data = job->data;
    size_t len = job->len;
    job->data = nullptr;
    if (!data || len < NH_ADOPT_MIN) {
        v8::Local<v8::Object> copy = node::Buffer::Copy(isolate, data ? data : "", len).ToLocalChecked();
        httpc_free(data);
        return copy;
    }
    std::unique_ptr<v8::BackingStore> store =
        v8::ArrayBuffer::NewBackingStore(data, len, nh_free_backing, nullptr);
    v8::Local<v8::ArrayBuffer> ab = v8::ArrayBuffer::New(isolate, std::move(store));
    return node::Buffer::New(isolate, ab, 0, len).ToLocalChecked();
}

static void nh_read_all_settle(v8::Isolate *isolate, nh_job *job, v8::Local<v8::Value> *value,
                               v8::Local<v8::Value> *error)
{
    v8::Local<v8::Value> body = nh_take_data(isolate, job);
    if (job->rc >= 0)
        *value = body;
    else
        *error = nh_make_error(isolate, job->err, body); /* IncompleteRead keeps the part */
}

/* readAll(resp, async) -> Buffer */
static void nh_read_all(const v8::FunctionCallbackInfo<v8::Value> &args)
{
    nh_job *job = nh_job_on(args, NH_RESPONSE);
    if (!job)
        return;
    job->waits_on = (httpc_response *)job->target->ptr;
    job->run = nh_run_read_all;
    job->settle = nh_read_all_settle;
    nh_exec(args, job, args[1]->IsTrue());
}

static v8::Local<v8::Value> nh_header_list(v8::Isolate *isolate, const httpc_headers *hs)
{
    if (!hs)
        return v8::Null(isolate);
    size_t n = httpc_headers_count(hs);
    std::vector<v8::Local<v8::Value>> items(2 * n);
    for (size_t i = 0; i < n; i++) {
        const char *k = httpc_headers_name(hs, i), *v = httpc_headers_value(hs, i);
        items[2 * i] = nh_latin1(isolate, k, strlen(k));
        items[2 * i + 1] = nh_latin1(isolate, v, strlen(v));
    }
    return v8::Array::New(isolate, items.data(), items.size());
}

/* responseHeaders(resp, trailers) -> [name, value, ...] */
static void nh_response_headers(const v8::FunctionCallbackInfo<v8::Value> &args)
{
    httpc_response *resp = (httpc_response *)nh_unwrap(args[0], NH_RESPONSE);
    if (!resp)
        return nh_throw_type("expected an httpc response");
    args.GetReturnValue().Set(nh_header_list(args.GetIsolate(), args[1]->IsTrue()
                                                                    ? httpc_response_trailers(resp)
                                                                    : httpc_response_headers(resp)));
}

/* proxyHeaders(conn) -> [name, value, ...] or null */
static void nh_proxy_headers(const v8::FunctionCallbackInfo<v8::Value> &args)
{
    httpc_conn *conn = (httpc_conn *)nh_unwrap(args[0], NH_CONN);
    if (!conn)
        return nh_throw_type("expected an httpc connection");
    args.GetReturnValue().Set(
        nh_header_list(args.GetIsolate(), httpc_conn_proxy_response_headers(conn)));
}

/* setTunnel(conn, host, port, flatHeaders) */
static void nh_set_tunnel(const v8::FunctionCallbackInfo<v8::Value> &args)
{
    v8::Isolate *isolate = args.GetIsolate();
    nh_job *job = nh_job_on(args, NH_CONN);
    if (!job)
        return;
    std::string host;
    int rc = 0;
    if (nh_text(isolate, args[1], &host, "tunnel host") && nh_headers(isolate, args[3], job)) {
        int port = args[2]->Int32Value(isolate->GetCurrentContext()).FromMaybe(0);
        rc = httpc_conn_set_tunnel((httpc_conn *)job->target->ptr, host.c_str(), port,
                                   job->headers.data(), job->headers.size());
        if (rc < 0)
            nh_throw_code(rc);
    }
    delete job;
}

/* putheader(conn, name, [values]) */
static void nh_putheader(const v8::FunctionCallbackInfo<v8::Value> &args)
{
    v8::Isolate *isolate = args.GetIsolate();
    nh_job *job = nh_job_on(args, NH_CONN);
    if (!job)
        return;
    std::string name;
    if (nh_text(isolate, args[1], &name, "a header name") && args[2]->IsArray()) {
        v8::Local<v8::Array> values = args[2].As<v8::Array>();
        v8::Local<v8::Context> context = isolate->GetCurrentContext();
        uint32_t n = values->Length();
        job->header_text.resize(n);
        std::vector<const char *> ptrs(n ? n : 1);
        bool ok = true;
        for (uint32_t i = 0; ok && i < n; i++) {
            v8::Local<v8::Value> item;
            ok = values->Get(context, i).ToLocal(&item) &&
                 nh_text(isolate, item, &job->header_text[i], "a header value");
            if (ok)
                ptrs[i] = job->header_text[i].c_str();
        }
        if (ok) {
            int rc = httpc_conn_putheader_values((httpc_conn *)job->target->ptr, name.c_str(),
                                                 ptrs.data(), n);
            if (rc < 0)
                nh_throw_code(rc);
        }
    } else if (!name.empty() || args[1]->IsString()) {
        nh_throw_type("header values must be an array of strings");
    }
    delete job;
}

/* setErrorFactory(fn(code, message, errno, tlsError, expected, line, partial)) */
static void nh_set_error_factory(const v8::FunctionCallbackInfo<v8::Value> &args)
{
    if (!args[0]->IsFunction())
        return nh_throw_type("expected a function");
    nh_env *env = nh_env_get(args.GetIsolate());
    env->error_factory.Reset(args.GetIsolate(), args[0].As<v8::Function>());
}

/* isHandle(value, kind): for the package's own checks. */
static void nh_is_handle(const v8::FunctionCallbackInfo<v8::Value> &args)
{
    int kind = args[1]->Int32Value(args.GetIsolate()->GetCurrentContext()).FromMaybe(0);
    args.GetReturnValue().Set(nh_handle_of(args[0], kind) != nullptr);
}
%}

%init %{
    nh_env_get(v8::Isolate::GetCurrent());
    SWIGV8_AddStaticFunction(exports_obj, "connNew", nh_conn_new, context);
    SWIGV8_AddStaticFunction(exports_obj, "request", nh_request, context);
    SWIGV8_AddStaticFunction(exports_obj, "exchange", nh_exchange, context);
    SWIGV8_AddStaticFunction(exports_obj, "endheaders", nh_endheaders, context);
    SWIGV8_AddStaticFunction(exports_obj, "send", nh_send, context);
    SWIGV8_AddStaticFunction(exports_obj, "bodyWrite", nh_body_write, context);
    SWIGV8_AddStaticFunction(exports_obj, "bodyEnd", nh_body_end, context);
    SWIGV8_AddStaticFunction(exports_obj, "setTerminationProbe", nh_set_probe, context);
    SWIGV8_AddStaticFunction(exports_obj, "connect", nh_connect, context);
    SWIGV8_AddStaticFunction(exports_obj, "getresponse", nh_getresponse, context);
    SWIGV8_AddStaticFunction(exports_obj, "read", nh_read, context);
    SWIGV8_AddStaticFunction(exports_obj, "readAll", nh_read_all, context);
    SWIGV8_AddStaticFunction(exports_obj, "responseHeaders", nh_response_headers, context);
    SWIGV8_AddStaticFunction(exports_obj, "proxyHeaders", nh_proxy_headers, context);
    SWIGV8_AddStaticFunction(exports_obj, "setTunnel", nh_set_tunnel, context);
    SWIGV8_AddStaticFunction(exports_obj, "putheader", nh_putheader, context);
    SWIGV8_AddStaticFunction(exports_obj, "setErrorFactory", nh_set_error_factory, context);
    SWIGV8_AddStaticFunction(exports_obj, "isHandle", nh_is_handle, context);
%}
