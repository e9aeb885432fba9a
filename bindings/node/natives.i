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
#include <sys/mman.h>

/* One operation: its arguments and progress, kept until it ends. */
struct nh_job {
    /* One step: returns HTTPC_E_WOULD_BLOCK to be called again (with the
     * same arguments) once the descriptor is ready or the deadline passed. */
    int (*run)(nh_job *);
    napi_value (*result)(napi_env, nh_job *);
    /* Makes the value or the error; nh_outcome unless the job needs more. */
    void (*settle)(napi_env, nh_job *, napi_value *, napi_value *) = nullptr;
    napi_env env = nullptr;
    nh_handle *conn = nullptr;   /* holds its busy count while in flight */
    nh_handle *target = nullptr; /* the connection or the response */
    napi_ref keep_target = nullptr;
    /* A body Buffer, or the Buffer read into: the value itself for a sync
     * call, a reference while a Promise is out. */
    napi_value data_value = nullptr;
    napi_ref keep_data = nullptr;
    napi_deferred deferred = nullptr;
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
    /* The rest of a body: 0 not decided yet, NH_BODY_DIRECT read straight
     * into `direct` (a Buffer of the Content-Length), NH_BODY_ALL read_all. */
    int body_mode = 0;
    napi_ref direct = nullptr;
    char *direct_data = nullptr;
    size_t direct_len = 0;
    size_t direct_got = 0;
};

enum { NH_BODY_DIRECT = 1, NH_BODY_ALL = 2 };

static napi_value nh_header_list(napi_env env, const httpc_headers *hs);
static napi_value nh_header_list_after(napi_env env, const httpc_headers *hs,
                                       std::vector<napi_value> *items);

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
static void nh_outcome(napi_env env, nh_job *job, napi_value *value, napi_value *error)
{
    if (job->rc >= 0)
        *value = job->result(env, job);
    else
        *error = nh_make_error(env, job->err, nullptr);
}

static napi_value nh_job_data(napi_env env, nh_job *job)
{
    napi_value v = job->data_value;
    if (!v && job->keep_data)
        napi_get_reference_value(env, job->keep_data, &v);
    return v;
}

/* The job's data value: valid for the native call (its handle scope); a
 * job that goes on from the loop references it (nh_keep_data_on). */
static void nh_keep_data(napi_env env, nh_job *job, napi_value value, bool async)
{
    (void)env;
    (void)async;
    job->data_value = value;
}

/* The job waits past the native call: its data value by reference. */
static void nh_keep_data_on(napi_env env, nh_job *job)
{
    if (!job->data_value)
        return;
    napi_create_reference(env, job->data_value, 1, &job->keep_data);
    job->data_value = nullptr;
}

static void nh_delete_job(nh_job *job)
{
    if (job->keep_target)
        napi_delete_reference(job->env, job->keep_target);
    if (job->keep_data)
        napi_delete_reference(job->env, job->keep_data);
    if (job->direct)
        napi_delete_reference(job->env, job->direct);
    httpc_free(job->data);
    delete job;
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
    nh_delete_job(job);
}

static void nh_step(nh_job *job, bool from_loop);

static void nh_on_poll(uv_poll_t *poll, int status, int events)
{
    (void)status; /* an error on the descriptor is the next call's to report */
    (void)events;
    nh_handle *c = (nh_handle *)poll->data;
    if (c->env)
        c->env->at_once = 0;
    if (c->pending)
        nh_step(c->pending, true);
    else
        uv_poll_stop(poll); /* idle, and the peer sent something or closed */
}

static void nh_on_timer(uv_timer_t *timer)
{
    nh_handle *c = (nh_handle *)timer->data;
    if (c->env)
        c->env->at_once = 0;
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

/* Settles the job's Promise with its outcome and frees the job. From the
 * loop, inside a callback scope: the microtasks the settlement queues run
 * when it closes, as after a JS callback. */
static void nh_settle_async(nh_job *job, bool from_loop)
{
    napi_env env = job->env;
    napi_handle_scope scope;
    napi_open_handle_scope(env, &scope);
    napi_callback_scope callback_scope = nullptr;
    if (from_loop) {
        nh_env *e = job->target->env;
        napi_value resource;
        napi_get_reference_value(env, e->resource, &resource);
        napi_open_callback_scope(env, resource, e->async_context, &callback_scope);
    }
    napi_value value = nullptr, error = nullptr;
    job->settle(env, job, &value, &error);
    /* Fails only when the environment is being torn down. */
    if (error)
        napi_reject_deferred(env, job->deferred, error);
    else
        napi_resolve_deferred(env, job->deferred, value ? value : nh_undefined_value(env));
    nh_release(job);
    if (callback_scope)
        napi_close_callback_scope(env, callback_scope);
    napi_close_handle_scope(env, scope);
}

/* After a step of the job: waits on the loop or settles. */
static void nh_after_step(nh_job *job, bool from_loop)
{
    if (job->rc == HTTPC_E_WOULD_BLOCK) {
        int rc = nh_arm(job);
        if (rc == 0)
            return;
        job->rc = HTTPC_E_OS;
        job->err.code = HTTPC_E_OS;
        job->err.message = std::string("event loop: ") + uv_strerror(rc);
    } else if (job->rc < 0 && job->err.code != job->rc) { /* else the binding's own */
        nh_capture(&job->err, job->rc);
    }
    job->conn->pending = nullptr;
    nh_disarm(job->conn);
    nh_settle_async(job, from_loop);
}

/* Runs the job as far as it goes; waits on the loop or settles. */
static void nh_step(nh_job *job, bool from_loop)
{
    job->rc = job->run(job);
    nh_after_step(job, from_loop);
}

/* Drops the operations in flight (the environment is going away; their
 * Promises are never settled). */
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
        job->conn->refs--; /* its JS object's finalizer still holds one */
        job->conn = nullptr;
        nh_delete_job(job);
    }
}

/* True when the environment is being torn down (Worker.terminate()): V8
 * marks the termination when JavaScript next runs, so an empty JS function
 * is called; it fails only then. */
static bool nh_terminating(napi_env napi)
{
    nh_env *env = nh_env_get(napi);
    napi_value probe, ignored;
    if (!env->probe || napi_get_reference_value(napi, env->probe, &probe) != napi_ok || !probe)
        return false;
    return napi_call_function(napi, nh_undefined_value(napi), probe, 0, nullptr, &ignored) !=
           napi_ok;
}

/* How long one wait of the sync API lasts before it looks for a
 * termination (milliseconds). */
static const int NH_SYNC_SLICE_MS = 100;

/* Runs the job on this thread, waiting in poll(2). Returns false when the
 * environment is terminating (the connection is then closed). The
 * termination is looked for every NH_SYNC_SLICE_MS, whether the peer is
 * silent or keeps sending. */
static bool nh_run_sync(napi_env env, nh_job *job)
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
        if (nh_terminating(env)) {
            nh_handle *c = nh_conn_of(job->target);
            if (c && c->ptr)
                httpc_conn_close((httpc_conn *)c->ptr);
            if (job->target->kind == NH_RESPONSE && job->target->ptr)
                httpc_response_close((httpc_response *)job->target->ptr);
            return false;
        }
    }
}

/* See nh_exec. */
static const int NH_AT_ONCE_MAX = 32;

/* The loop's check phase: the yielded connections take their next step. */
static void nh_on_check(uv_check_t *check)
{
    nh_env *env = (nh_env *)check->data;
    env->at_once = 0;
    std::vector<nh_handle *> turn;
    turn.swap(env->yielded);
    for (nh_handle *c : turn) {
        /* A step of an earlier one may have torn the environment down. */
        if (c->env && c->pending)
            nh_step(c->pending, true);
        if (c->env)
            nh_unref(c);
    }
    if (env->yielded.empty() && env->yield_check) {
        uv_check_stop(env->yield_check);
        uv_idle_stop(env->yield_idle);
    }
}

static void nh_on_idle(uv_idle_t *idle) { (void)idle; }

/* The connection's pending job takes its first step in the loop's next
 * check phase, after timers and I/O have had their turn (setImmediate's
 * place): a timer would leave the CPU idle until it fires. */
static void nh_yield(nh_handle *conn)
{
    nh_env *env = conn->env;
    if (!env->yield_check) {
        env->yield_check = new uv_check_t;
        uv_check_init(env->loop, env->yield_check);
        env->yield_check->data = env;
        env->yield_idle = new uv_idle_t;
        uv_idle_init(env->loop, env->yield_idle);
        env->yield_idle->data = env;
    }
    if (env->yielded.empty()) {
        uv_check_start(env->yield_check, nh_on_check);
        uv_idle_start(env->yield_idle, nh_on_idle);
    }
    conn->refs++;
    env->yielded.push_back(conn);
}

/* The value of a job that has ended on the calling thread (or throws its
 * error), and frees the job. */
static napi_value nh_finish_now(napi_env env, nh_job *job)
{
    if (job->rc < 0 && job->err.code != job->rc) /* else the binding's own */
        nh_capture(&job->err, job->rc);
    napi_value value = nullptr, error = nullptr;
    job->settle(env, job, &value, &error);
    nh_delete_job(job);
    fflush(stdout); /* debug lines (setDebugLevel) written by the C library */
    if (error) {
        napi_throw(env, error);
        return nullptr;
    }
    return value ? value : nh_undefined_value(env);
}

/* Runs the job now (sync) or from the loop (async: returns a Promise, or
 * the value itself when the operation ends at once).
 * `self` is the target's JS object (kept while a Promise is out). */
static napi_value nh_exec(napi_env env, napi_value self, nh_job *job, bool async)
{
    job->env = env;
    if (!job->settle)
        job->settle = nh_outcome;
    if (!async) {
        /* The termination probe runs JavaScript, hence maybe the collector:
         * a response collected meanwhile waits as while a Promise is out. */
        nh_handle *conn = nh_conn_of(job->target);
        conn->busy++;
        bool finished = nh_run_sync(env, job);
        if (--conn->busy == 0)
            nh_flush_deferred(conn);
        if (!finished) {
            nh_delete_job(job);
            return nullptr; /* the termination goes on */
        }
        return nh_finish_now(env, job);
    }
    nh_handle *conn = nh_conn_of(job->target);
    if (conn->pending) {
        nh_delete_job(job);
        nh_throw_type(env, "another operation is in progress on this connection");
        return nullptr;
    }
    /* The first step now: an operation that ends at once (a request the
     * socket takes whole, a body already received) gives its value or
     * throws its error itself; the package awaits the result either way,
     * and a Promise, its reference and its settlement cost more than the
     * step. Only an operation that has to wait gets a Promise. */
    /* A loop of calls that all end at once (a body arriving faster than it
     * is read) would never let the event loop run timers and I/O: after
     * NH_AT_ONCE_MAX of them, the next call's first step runs from the loop
     * (a timer). */
    conn->busy++;
    bool yield = conn->env && conn->env->at_once >= NH_AT_ONCE_MAX;
    if (!yield) {
        job->rc = job->run(job);
        if (job->rc != HTTPC_E_WOULD_BLOCK) {
            if (conn->env)
                conn->env->at_once++;
            if (--conn->busy == 0)
                nh_flush_deferred(conn);
            return nh_finish_now(env, job);
        }
    }
    napi_value promise;
    if (napi_create_promise(env, &job->deferred, &promise) != napi_ok ||
        napi_create_reference(env, self, 1, &job->keep_target) != napi_ok) {
        if (--conn->busy == 0)
            nh_flush_deferred(conn);
        nh_delete_job(job);
        return nullptr;
    }
    nh_keep_data_on(env, job);
    job->conn = conn;
    job->conn->refs++;
    if (yield) {
        conn->pending = job;
        nh_yield(conn);
        return promise;
    }
    nh_after_step(job, false);
    return promise;
}

/* ---- argument helpers (each throws and returns false on bad input) ---- */

/* The arguments of a native call; those not given are undefined. */
template <size_t N> struct nh_args {
    napi_value v[N];
    nh_args(napi_env env, napi_callback_info info)
    {
        size_t argc = N;
        napi_get_cb_info(env, info, &argc, v, nullptr, nullptr);
    }
    napi_value operator[](size_t i) const { return v[i]; }
};

static bool nh_is_true(napi_env env, napi_value value)
{
    bool b = false;
    return napi_get_value_bool(env, value, &b) == napi_ok && b;
}

static bool nh_is_false(napi_env env, napi_value value)
{
    bool b = true;
    return napi_get_value_bool(env, value, &b) == napi_ok && !b;
}

static napi_valuetype nh_type(napi_env env, napi_value value)
{
    napi_valuetype type = napi_undefined;
    napi_typeof(env, value, &type);
    return type;
}

static bool nh_is_nullish(napi_env env, napi_value value)
{
    napi_valuetype type = nh_type(env, value);
    return type == napi_undefined || type == napi_null;
}

/* A number argument (`fallback` when it is not a number). */
static double nh_double(napi_env env, napi_value value, double fallback)
{
    double d;
    return napi_get_value_double(env, value, &d) == napi_ok ? d : fallback;
}

static int32_t nh_int32(napi_env env, napi_value value, int32_t fallback)
{
    int32_t n;
    return napi_get_value_int32(env, value, &n) == napi_ok ? n : fallback;
}

static int64_t nh_int64(napi_env env, napi_value value, int64_t fallback)
{
    int64_t n;
    return napi_get_value_int64(env, value, &n) == napi_ok ? n : fallback;
}

/* A Buffer, a typed array or a DataView: its bytes. */
static bool nh_bytes(napi_env env, napi_value value, char **data, size_t *len)
{
    bool is_view = false;
    void *p = nullptr;
    if (napi_is_buffer(env, value, &is_view) != napi_ok || !is_view ||
        napi_get_buffer_info(env, value, &p, len) != napi_ok)
        return false;
    *data = (char *)p;
    return true;
}

static void nh_throw_invalid(napi_env env, const char *message)
{
    nh_error e;
    e.code = HTTPC_E_INVALID_ARGUMENT;
    e.message = message;
    napi_throw(env, nh_make_error(env, e, nullptr));
}

/* A string of code points below 256 without NUL, as latin-1 bytes. */
static bool nh_text(napi_env env, napi_value value, std::string *out, const char *what)
{
    size_t n = 0;
    if (nh_type(env, value) != napi_string) {
        std::string m = std::string(what) + " must be a string";
        nh_throw_type(env, m.c_str());
        return false;
    }
    /* UTF-8 first: the common ASCII string needs nothing else. */
    napi_get_value_string_utf8(env, value, nullptr, 0, &n);
    out->resize(n + 1);
    napi_get_value_string_utf8(env, value, &(*out)[0], n + 1, &n);
    out->resize(n);
    bool ascii = true;
    for (unsigned char ch : *out)
        if (ch >= 0x80) {
            ascii = false;
            break;
        }
    if (!ascii) {
        std::u16string wide;
        napi_get_value_string_utf16(env, value, nullptr, 0, &n);
        wide.resize(n + 1);
        napi_get_value_string_utf16(env, value, &wide[0], n + 1, &n);
        out->resize(n);
        for (size_t i = 0; i < n; i++) {
            if (wide[i] > 0xff) {
                std::string m = std::string(what) + " has a character above U+00FF";
                nh_throw_invalid(env, m.c_str());
                return false;
            }
            (*out)[i] = (char)wide[i];
        }
    }
    if (memchr(out->data(), 0, out->size())) {
        std::string m = std::string(what) + " contains a NUL character";
        nh_throw_invalid(env, m.c_str());
        return false;
    }
    return true;
}

/* A flat array [name, value, name, value, ...] into job->headers. */
static bool nh_headers(napi_env env, napi_value value, nh_job *job)
{
    if (nh_is_nullish(env, value))
        return true;
    bool is_array = false;
    if (napi_is_array(env, value, &is_array) != napi_ok || !is_array) {
        nh_throw_type(env, "headers must be a flat array");
        return false;
    }
    uint32_t n = 0;
    napi_get_array_length(env, value, &n);
    n &= ~1u;
    job->header_text.resize(n);
    for (uint32_t i = 0; i < n; i++) {
        napi_value item;
        if (napi_get_element(env, value, i, &item) != napi_ok ||
            !nh_text(env, item, &job->header_text[i], i % 2 ? "a header value" : "a header name"))
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
static bool nh_body(napi_env env, napi_value value, nh_job *job, bool async)
{
    if (nh_is_nullish(env, value))
        return true;
    if (nh_is_true(env, value)) {
        job->body.kind = HTTPC_BODY_PUSH;
        return true;
    }
    char *data;
    size_t len;
    if (!nh_bytes(env, value, &data, &len)) {
        nh_throw_type(env, "a body must be a Buffer, a Uint8Array or null");
        return false;
    }
    job->body.kind = HTTPC_BODY_BYTES;
    job->body.data = data;
    job->body.len = len;
    nh_keep_data(env, job, value, async);
    return true;
}

static nh_job *nh_job_on(napi_env env, napi_value target, int kind)
{
    nh_handle *h = nh_handle_of(env, target, kind);
    if (!h) {
        nh_throw_type(env, kind == NH_CONN ? "expected an httpc connection"
                                           : "expected an httpc response");
        return nullptr;
    }
    nh_job *job = new nh_job();
    job->env = env;
    job->target = h;
    return job;
}

static napi_value nh_undefined(napi_env env, nh_job *)
{
    return nh_undefined_value(env);
}

/* ---- connections ---- */

/* connNew(host, port, tls: handle | null (default context) | false (HTTP),
 *         timeout, connectTimeout, sourceHost | null, sourcePort, blocksize,
 *         debuglevel, maxResponseSize, totalTimeout) -> handle, in
 *         non-blocking mode */
static napi_value nh_conn_new(napi_env env, napi_callback_info info)
{
    nh_args<11> args(env, info);
    std::string host, source;
    if (!nh_text(env, args[0], &host, "host"))
        return nullptr;
    bool has_source = !nh_is_nullish(env, args[5]);
    if (has_source && !nh_text(env, args[5], &source, "sourceAddress host"))
        return nullptr;
    httpc_conn_options opts = HTTPC_CONN_OPTIONS_INIT;
    int port = nh_int32(env, args[1], 0);
    opts.timeout = nh_double(env, args[3], -1.0);
    opts.connect_timeout = nh_double(env, args[4], -1.0);
    opts.source_host = has_source ? source.c_str() : NULL;
    opts.source_port = nh_int32(env, args[6], 0);
    int64_t blocksize = nh_int64(env, args[7], 8192);
    opts.blocksize = blocksize > 0 ? (size_t)blocksize : 8192;
    opts.debuglevel = nh_int32(env, args[8], 0);
    opts.total_timeout = nh_double(env, args[10], -1.0);
    httpc_conn *conn = NULL;
    int rc;
    if (nh_is_false(env, args[2])) {
        rc = httpc_conn_new(&conn, host.c_str(), port, &opts);
    } else {
        httpc_tls_context *tls = NULL;
        if (nh_type(env, args[2]) != napi_null) {
            tls = (httpc_tls_context *)nh_unwrap(env, args[2], NH_TLS);
            if (!tls) {
                nh_throw_type(env, "expected an httpc TLS context");
                return nullptr;
            }
        }
        rc = httpc_conn_new_https(&conn, host.c_str(), port, &opts, tls);
    }
    if (rc < 0) {
        nh_throw_code(env, rc);
        return nullptr;
    }
    double max_size = nh_double(env, args[9], 0.0);
    if (max_size > 0)
        httpc_conn_set_max_response_size(conn, (int64_t)max_size);
    httpc_conn_set_nonblocking(conn, 1);
    napi_value handle = nh_wrap(env, conn, NH_CONN, nullptr);
    nh_handle *h = nh_handle_of(env, handle, NH_CONN);
    if (h)
        httpc_conn_set_socket_callback(conn, nh_on_socket, h);
    return handle;
}

static int nh_run_request(nh_job *job)
{
    return httpc_conn_request((httpc_conn *)job->target->ptr, job->method.c_str(), job->url.c_str(),
                              job->body.kind == HTTPC_BODY_NONE ? NULL : &job->body,
                              job->headers.data(), job->headers.size(), job->flags);
}

/* request(conn, method, url, body, flatHeaders, flags, async) */
static napi_value nh_request(napi_env env, napi_callback_info info)
{
    nh_args<7> args(env, info);
    bool async = nh_is_true(env, args[6]);
    nh_job *job = nh_job_on(env, args[0], NH_CONN);
    if (!job)
        return nullptr;
    if (!nh_text(env, args[1], &job->method, "method") ||
        !nh_text(env, args[2], &job->url, "url") || !nh_body(env, args[3], job, async) ||
        !nh_headers(env, args[4], job)) {
        nh_delete_job(job);
        return nullptr;
    }
    job->flags = nh_int32(env, args[5], 0);
    job->run = nh_run_request;
    job->result = nh_undefined;
    return nh_exec(env, args[0], job, async);
}

static int nh_run_endheaders(nh_job *job)
{
    return httpc_conn_endheaders((httpc_conn *)job->target->ptr,
                                 job->body.kind == HTTPC_BODY_NONE ? NULL : &job->body, job->flags);
}

/* endheaders(conn, body, flags, async) */
static napi_value nh_endheaders(napi_env env, napi_callback_info info)
{
    nh_args<4> args(env, info);
    bool async = nh_is_true(env, args[3]);
    nh_job *job = nh_job_on(env, args[0], NH_CONN);
    if (!job)
        return nullptr;
    if (!nh_body(env, args[1], job, async)) {
        nh_delete_job(job);
        return nullptr;
    }
    job->flags = nh_int32(env, args[2], 0);
    job->run = nh_run_endheaders;
    job->result = nh_undefined;
    return nh_exec(env, args[0], job, async);
}

static int nh_run_send(nh_job *job)
{
    return httpc_conn_send((httpc_conn *)job->target->ptr, job->body.data, job->body.len);
}

/* send(conn, data, async) */
static napi_value nh_send(napi_env env, napi_callback_info info)
{
    nh_args<3> args(env, info);
    bool async = nh_is_true(env, args[2]);
    nh_job *job = nh_job_on(env, args[0], NH_CONN);
    if (!job)
        return nullptr;
    if (nh_is_nullish(env, args[1])) {
        nh_throw_type(env, "data must be a Buffer or a Uint8Array");
        nh_delete_job(job);
        return nullptr;
    }
    if (!nh_body(env, args[1], job, async)) {
        nh_delete_job(job);
        return nullptr;
    }
    job->run = nh_run_send;
    job->result = nh_undefined;
    return nh_exec(env, args[0], job, async);
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
static napi_value nh_body_write(napi_env env, napi_callback_info info)
{
    nh_args<3> args(env, info);
    bool async = nh_is_true(env, args[2]);
    nh_job *job = nh_job_on(env, args[0], NH_CONN);
    if (!job)
        return nullptr;
    char *data;
    size_t len;
    if (!nh_bytes(env, args[1], &data, &len)) {
        nh_throw_type(env, "a body piece must be a Buffer or a Uint8Array");
        nh_delete_job(job);
        return nullptr;
    }
    nh_body(env, args[1], job, async);
    job->run = nh_run_body_write;
    job->result = nh_undefined;
    return nh_exec(env, args[0], job, async);
}

/* bodyEnd(conn, async): ends a pushed body. */
static napi_value nh_body_end(napi_env env, napi_callback_info info)
{
    nh_args<2> args(env, info);
    nh_job *job = nh_job_on(env, args[0], NH_CONN);
    if (!job)
        return nullptr;
    job->run = nh_run_body_end;
    job->result = nh_undefined;
    return nh_exec(env, args[0], job, nh_is_true(env, args[1]));
}

/* Keeps a JS function for the environment (error factory, probe). */
static napi_value nh_set_function(napi_env env, napi_callback_info info, napi_ref nh_env::*slot)
{
    nh_args<1> args(env, info);
    if (nh_type(env, args[0]) != napi_function) {
        nh_throw_type(env, "expected a function");
        return nullptr;
    }
    nh_env *e = nh_env_get(env);
    if (e->*slot)
        napi_delete_reference(env, e->*slot);
    napi_create_reference(env, args[0], 1, &(e->*slot));
    return nullptr;
}

/* setTerminationProbe(fn): an empty JS function (see nh_terminating). */
static napi_value nh_set_probe(napi_env env, napi_callback_info info)
{
    return nh_set_function(env, info, &nh_env::probe);
}

static int nh_run_connect(nh_job *job)
{
    return httpc_conn_connect((httpc_conn *)job->target->ptr);
}

/* connect(conn, async) */
static napi_value nh_connect(napi_env env, napi_callback_info info)
{
    nh_args<2> args(env, info);
    nh_job *job = nh_job_on(env, args[0], NH_CONN);
    if (!job)
        return nullptr;
    job->run = nh_run_connect;
    job->result = nh_undefined;
    return nh_exec(env, args[0], job, nh_is_true(env, args[1]));
}

static int nh_run_getresponse(nh_job *job)
{
    return httpc_conn_getresponse((httpc_conn *)job->target->ptr, &job->resp);
}

/* An array of the values. Node-API sets elements one property store at a
 * time (about 400 instructions each); a JS function taking them as rest
 * arguments builds the array at once. Made on first use; when the script
 * cannot be compiled (code from strings disallowed), element by element. */
static napi_value nh_array(napi_env env, napi_value *items, size_t n)
{
    nh_env *e = nh_env_get(env);
    napi_value maker = nullptr, array;
    if (!e->array_maker) {
        napi_value script;
        napi_create_string_utf8(env, "(function httpcArray(...items) { return items; })",
                                NAPI_AUTO_LENGTH, &script);
        if (napi_run_script(env, script, &maker) == napi_ok)
            napi_create_reference(env, maker, 1, &e->array_maker);
        else
            napi_get_and_clear_last_exception(env, &array);
    } else {
        napi_get_reference_value(env, e->array_maker, &maker);
    }
    if (maker && n <= 4096 &&
        napi_call_function(env, nh_undefined_value(env), maker, n, items, &array) == napi_ok)
        return array;
    napi_create_array_with_length(env, n, &array);
    for (size_t i = 0; i < n; i++)
        napi_set_element(env, array, (uint32_t)i, items[i]);
    return array;
}

/* A JS function of the environment made from `source` on first use (kept
 * in *slot); NULL when code from strings is disallowed. */
static napi_value nh_script_function(napi_env env, napi_ref *slot, const char *source)
{
    napi_value fn = nullptr, ignored;
    if (*slot) {
        napi_get_reference_value(env, *slot, &fn);
        return fn;
    }
    napi_value script;
    napi_create_string_utf8(env, source, NAPI_AUTO_LENGTH, &script);
    if (napi_run_script(env, script, &fn) == napi_ok)
        napi_create_reference(env, fn, 1, slot);
    else
        napi_get_and_clear_last_exception(env, &ignored);
    return fn;
}

/* Bodies up to this size are copied into a Buffer of Node's pool
 * (Buffer.allocUnsafe: a view on a shared slab), which costs a third of a
 * Buffer of its own (napi_create_buffer_copy: a new backing store). */
static const size_t NH_POOLED_MAX = 4096;

/* A Buffer holding a copy of the n bytes at data. */
static napi_value nh_buffer_copy(napi_env env, const char *data, size_t n)
{
    napi_value buf, len;
    void *p = nullptr;
    size_t got = 0;
    nh_env *e = nh_env_get(env);
    if (n > 0 && n <= NH_POOLED_MAX) {
        napi_value maker = nh_script_function(
            env, &e->small_buffer_maker, "(function httpcBytes(n) { return Buffer.allocUnsafe(n); })");
        napi_create_uint32(env, (uint32_t)n, &len);
        if (maker &&
            napi_call_function(env, nh_undefined_value(env), maker, 1, &len, &buf) == napi_ok &&
            napi_get_buffer_info(env, buf, &p, &got) == napi_ok && got == n) {
            memcpy(p, data, n);
            return buf;
        }
        napi_value ignored; /* Buffer gone from the globals: a Buffer of its own */
        napi_get_and_clear_last_exception(env, &ignored);
    }
    if (napi_create_buffer_copy(env, n, n ? data : "", &p, &buf) != napi_ok)
        return nh_null(env);
    return buf;
}

/* [handle, status, reason, version, willClose, chunked, length] */
static napi_value nh_response_head(napi_env env, nh_job *job)
{
    httpc_response *resp = job->resp;
    const char *reason = httpc_response_reason(resp);
    napi_value items[] = {
        nh_wrap(env, resp, NH_RESPONSE, job->target),
        nh_int(env, httpc_response_status(resp)),
        nh_latin1(env, reason, strlen(reason)),
        nh_int(env, httpc_response_version(resp)),
        nh_bool(env, httpc_response_will_close(resp) != 0),
        nh_bool(env, httpc_response_chunked(resp) != 0),
        nh_number(env, (double)httpc_response_length(resp)),
    };
    return nh_array(env, items, sizeof items / sizeof items[0]);
}

/* getresponse(conn, async) */
static napi_value nh_getresponse(napi_env env, napi_callback_info info)
{
    nh_args<2> args(env, info);
    nh_job *job = nh_job_on(env, args[0], NH_CONN);
    if (!job)
        return nullptr;
    job->run = nh_run_getresponse;
    job->result = nh_response_head;
    return nh_exec(env, args[0], job, nh_is_true(env, args[1]));
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

/* Bodies of a known length at least this long are read straight into one
 * Buffer of that length: V8's own memory, no copy, no growing buffer. */
static const int64_t NH_DIRECT_MIN = 65536;
/* Above this a Content-Length is not taken at its word before the bytes
 * come (read_all's buffer grows with what arrives). */
static const int64_t NH_DIRECT_MAX = (int64_t)1 << 30;

/* Large bodies: huge pages for the Buffer's memory (see nh_huge_pages). */
static const size_t NH_HUGE_PAGE = (size_t)2 << 20;
static const size_t NH_HUGE_MIN = (size_t)4 << 20;

/* Asks the kernel to back the untouched memory of a large new Buffer with
 * transparent huge pages where it allows them (Debian's default: on
 * request). Filling 64 MiB page by page cost more than receiving it: 16,384
 * faults, each a trap, an allocation and a clear; in 2 MiB pages, 32. Only
 * the 2 MiB-aligned middle, whose pages nothing else uses; an error (no
 * THP in this kernel) changes nothing. */
static void nh_huge_pages(void *data, size_t len)
{
    if (len < NH_HUGE_MIN)
        return;
    uintptr_t start = ((uintptr_t)data + NH_HUGE_PAGE - 1) & ~(uintptr_t)(NH_HUGE_PAGE - 1);
    uintptr_t end = ((uintptr_t)data + len) & ~(uintptr_t)(NH_HUGE_PAGE - 1);
    if (end > start)
        (void)madvise((void *)start, end - start, MADV_HUGEPAGE);
}

/* The rest of the body of resp, as read_all reads it. */
static int nh_read_rest(nh_job *job, httpc_response *resp)
{
    if (job->body_mode == 0) {
        job->body_mode = NH_BODY_ALL;
        int64_t length = httpc_response_length(resp);
        if (length >= NH_DIRECT_MIN && length <= NH_DIRECT_MAX) {
            /* From the loop too: a handle scope of its own. */
            napi_handle_scope scope;
            void *data = nullptr;
            napi_value buf;
            napi_open_handle_scope(job->env, &scope);
            if (napi_create_buffer(job->env, (size_t)length, &data, &buf) == napi_ok &&
                napi_create_reference(job->env, buf, 1, &job->direct) == napi_ok) {
                job->body_mode = NH_BODY_DIRECT;
                job->direct_data = (char *)data;
                job->direct_len = (size_t)length;
                nh_huge_pages(data, (size_t)length);
            } else {
                napi_value ignored; /* no memory for it: read_all's way */
                napi_get_and_clear_last_exception(job->env, &ignored);
            }
            napi_close_handle_scope(job->env, scope);
        }
    }
    if (job->body_mode == NH_BODY_ALL)
        return httpc_response_read_all(resp, &job->data, &job->len);
    int rc = httpc_response_read(resp, job->direct_data, job->direct_len, &job->direct_got);
    if (rc < 0 || job->direct_got == job->direct_len)
        return rc;
    /* The body ended before its Content-Length: read_all's IncompleteRead. */
    nh_error *e = &job->err;
    e->code = HTTPC_E_INCOMPLETE_READ;
    e->partial = (int64_t)job->direct_got;
    e->expected = (int64_t)(job->direct_len - job->direct_got);
    char message[96];
    snprintf(message, sizeof message, "IncompleteRead(%lld bytes read, %lld more expected)",
             (long long)e->partial, (long long)e->expected);
    e->message = message;
    return HTTPC_E_INCOMPLETE_READ;
}

static int nh_run_exchange(nh_job *job)
{
    int rc = nh_request_head_steps(job);
    if (rc < 0)
        return rc;
    return nh_read_rest(job, job->resp);
}

static int nh_run_request_head(nh_job *job)
{
    return nh_request_head_steps(job);
}

static napi_value nh_take_data(napi_env env, nh_job *job);

/* [status, reason, version, willClose, body, rawTrailers, ...rawHeaders]
 * (one array: one call of the array maker); an IncompleteRead carries the
 * part of the body read. The response is freed here: the whole exchange is
 * over. */
static void nh_exchange_settle(napi_env env, nh_job *job, napi_value *value, napi_value *error)
{
    napi_value body = nh_take_data(env, job);
    httpc_response *resp = job->resp;
    job->resp = nullptr;
    if (job->rc < 0) {
        *error = nh_make_error(env, job->err, resp ? body : nullptr);
    } else {
        const char *reason = httpc_response_reason(resp);
        std::vector<napi_value> items = {
            nh_int(env, httpc_response_status(resp)),
            nh_latin1(env, reason, strlen(reason)),
            nh_int(env, httpc_response_version(resp)),
            nh_bool(env, httpc_response_will_close(resp) != 0),
            body,
            nh_header_list(env, httpc_response_trailers(resp)),
        };
        *value = nh_header_list_after(env, httpc_response_headers(resp), &items);
    }
    httpc_response_free(resp);
}

/* exchange(conn, method, url, body, flatHeaders, flags, async, headOnly):
 * request, getresponse and read_all in one operation (for the Client);
 * with headOnly, request and getresponse, giving what getresponse
 * gives (the one-shot request streams the body). */
static napi_value nh_exchange(napi_env env, napi_callback_info info)
{
    nh_args<8> args(env, info);
    bool async = nh_is_true(env, args[6]);
    nh_job *job = nh_job_on(env, args[0], NH_CONN);
    if (!job)
        return nullptr;
    if (!nh_text(env, args[1], &job->method, "method") ||
        !nh_text(env, args[2], &job->url, "url") || !nh_body(env, args[3], job, async) ||
        !nh_headers(env, args[4], job)) {
        nh_delete_job(job);
        return nullptr;
    }
    job->flags = nh_int32(env, args[5], 0);
    if (nh_is_true(env, args[7])) {
        job->run = nh_run_request_head;
        job->result = nh_response_head;
    } else {
        job->run = nh_run_exchange;
        job->settle = nh_exchange_settle;
    }
    return nh_exec(env, args[0], job, async);
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
    return readers[job->read_kind]((httpc_response *)job->target->ptr, (void *)job->body.data,
                                   job->body.len, &job->len);
}

/* The first n bytes of a Buffer, as a Buffer on the same memory
 * (Buffer.prototype.subarray: Node-API makes no Buffer over an existing
 * ArrayBuffer before Node 22). */
static napi_value nh_head_of(napi_env env, napi_value buf, size_t n)
{
    napi_value subarray, out, argv[2] = {nh_int(env, 0), nh_number(env, (double)n)};
    if (napi_get_named_property(env, buf, "subarray", &subarray) != napi_ok ||
        napi_call_function(env, buf, subarray, 2, argv, &out) != napi_ok)
        return nullptr;
    return out;
}

/* The part of the Buffer read into that was filled. */
static napi_value nh_read_result(napi_env env, nh_job *job)
{
    napi_value buf = nh_job_data(env, job);
    return job->len == job->body.len ? buf : nh_head_of(env, buf, job->len);
}

static napi_value nh_read_count(napi_env env, nh_job *job)
{
    return nh_number(env, (double)job->len);
}

/* read(resp, n, kind: 0 read, 1 what is there (at least one byte), 2 readline, async,
 * into) -> a new Buffer, or with `into` (a Uint8Array, filled from its start up to its
 * length, as http.client's readinto) the count read. */
static napi_value nh_read(napi_env env, napi_callback_info info)
{
    nh_args<5> args(env, info);
    nh_job *job = nh_job_on(env, args[0], NH_RESPONSE);
    if (!job)
        return nullptr;
    bool async = nh_is_true(env, args[3]);
    int64_t cap = nh_int64(env, args[1], 0);
    int kind = nh_int32(env, args[2], 0);
    job->read_kind = kind >= 0 && kind <= 2 ? kind : 0;
    napi_value buf;
    char *data;
    size_t len;
    if (nh_bytes(env, args[4], &data, &len)) {
        buf = args[4];
        job->result = nh_read_count;
    } else {
        len = cap > 0 ? (size_t)cap : 0;
        void *p = nullptr;
        if (napi_create_buffer(env, len, &p, &buf) != napi_ok) {
            nh_delete_job(job);
            return nullptr;
        }
        nh_huge_pages(p, len);
        data = (char *)p;
        job->result = nh_read_result;
    }
    job->body.data = data;
    job->body.len = len;
    nh_keep_data(env, job, buf, async);
    job->waits_on = (httpc_response *)job->target->ptr;
    job->run = nh_run_read;
    return nh_exec(env, args[0], job, async);
}

static int nh_run_read_all(nh_job *job)
{
    return nh_read_rest(job, (httpc_response *)job->target->ptr);
}

/* The body read_all allocated, as a Buffer of V8's own memory, copied: the
 * garbage collector sees its size and frees it with the Buffer. An external
 * Buffer (napi_create_external_buffer) is freed by a finalizer that runs
 * only when the event loop turns, so a sync loop that never yields would
 * grow without bound. */
static napi_value nh_take_data(napi_env env, nh_job *job)
{
    if (job->body_mode == NH_BODY_DIRECT) {
        napi_value buf = nullptr;
        napi_get_reference_value(env, job->direct, &buf);
        return job->direct_got == job->direct_len ? buf : nh_head_of(env, buf, job->direct_got);
    }
    char *data = job->data;
    size_t len = job->len;
    job->data = nullptr;
    napi_value copy = nh_buffer_copy(env, data, data ? len : 0);
    httpc_free(data);
    return copy;
}

static void nh_read_all_settle(napi_env env, nh_job *job, napi_value *value, napi_value *error)
{
    napi_value body = nh_take_data(env, job);
    if (job->rc >= 0)
        *value = body;
    else
        *error = nh_make_error(env, job->err, body); /* IncompleteRead keeps the part */
}

/* readAll(resp, async) -> Buffer */
static napi_value nh_read_all(napi_env env, napi_callback_info info)
{
    nh_args<2> args(env, info);
    nh_job *job = nh_job_on(env, args[0], NH_RESPONSE);
    if (!job)
        return nullptr;
    job->waits_on = (httpc_response *)job->target->ptr;
    job->run = nh_run_read_all;
    job->settle = nh_read_all_settle;
    return nh_exec(env, args[0], job, nh_is_true(env, args[1]));
}

/* An array of the values in `items` followed by the fields as name, value, ... */
static napi_value nh_header_list_after(napi_env env, const httpc_headers *hs,
                                       std::vector<napi_value> *items)
{
    size_t before = items->size();
    size_t n = hs ? httpc_headers_count(hs) : 0;
    items->resize(before + 2 * n);
    for (size_t i = 0; i < n; i++) {
        const char *k = httpc_headers_name(hs, i), *v = httpc_headers_value(hs, i);
        (*items)[before + 2 * i] = nh_latin1(env, k, strlen(k));
        (*items)[before + 2 * i + 1] = nh_latin1(env, v, strlen(v));
    }
    return nh_array(env, items->data(), items->size());
}

static napi_value nh_header_list(napi_env env, const httpc_headers *hs)
{
    if (!hs)
        return nh_null(env);
    std::vector<napi_value> items;
    return nh_header_list_after(env, hs, &items);
}

/* responseHeaders(resp, trailers) -> [name, value, ...] */
static napi_value nh_response_headers(napi_env env, napi_callback_info info)
{
    nh_args<2> args(env, info);
    httpc_response *resp = (httpc_response *)nh_unwrap(env, args[0], NH_RESPONSE);
    if (!resp) {
        nh_throw_type(env, "expected an httpc response");
        return nullptr;
    }
    return nh_header_list(env, nh_is_true(env, args[1]) ? httpc_response_trailers(resp)
                                                        : httpc_response_headers(resp));
}

/* proxyHeaders(conn) -> [name, value, ...] or null */
static napi_value nh_proxy_headers(napi_env env, napi_callback_info info)
{
    nh_args<1> args(env, info);
    httpc_conn *conn = (httpc_conn *)nh_unwrap(env, args[0], NH_CONN);
    if (!conn) {
        nh_throw_type(env, "expected an httpc connection");
        return nullptr;
    }
    return nh_header_list(env, httpc_conn_proxy_response_headers(conn));
}

/* setTunnel(conn, host, port, flatHeaders) */
static napi_value nh_set_tunnel(napi_env env, napi_callback_info info)
{
    nh_args<4> args(env, info);
    nh_job *job = nh_job_on(env, args[0], NH_CONN);
    if (!job)
        return nullptr;
    std::string host;
    if (nh_text(env, args[1], &host, "tunnel host") && nh_headers(env, args[3], job)) {
        int port = nh_int32(env, args[2], 0);
        int rc = httpc_conn_set_tunnel((httpc_conn *)job->target->ptr, host.c_str(), port,
                                       job->headers.data(), job->headers.size());
        if (rc < 0)
            nh_throw_code(env, rc);
    }
    nh_delete_job(job);
    return nullptr;
}

/* putheader(conn, name, [values]) */
static napi_value nh_putheader(napi_env env, napi_callback_info info)
{
    nh_args<3> args(env, info);
    nh_job *job = nh_job_on(env, args[0], NH_CONN);
    if (!job)
        return nullptr;
    std::string name;
    bool is_array = false;
    napi_is_array(env, args[2], &is_array);
    if (nh_text(env, args[1], &name, "a header name") && is_array) {
        uint32_t n = 0;
        napi_get_array_length(env, args[2], &n);
        job->header_text.resize(n);
        std::vector<const char *> ptrs(n ? n : 1);
        bool ok = true;
        for (uint32_t i = 0; ok && i < n; i++) {
            napi_value item;
            ok = napi_get_element(env, args[2], i, &item) == napi_ok &&
                 nh_text(env, item, &job->header_text[i], "a header value");
            if (ok)
                ptrs[i] = job->header_text[i].c_str();
        }
        if (ok) {
            int rc = httpc_conn_putheader_values((httpc_conn *)job->target->ptr, name.c_str(),
                                                 ptrs.data(), n);
            if (rc < 0)
                nh_throw_code(env, rc);
        }
    } else if (nh_type(env, args[1]) == napi_string) {
        bool pending = false;
        napi_is_exception_pending(env, &pending);
        if (!pending)
            nh_throw_type(env, "header values must be an array of strings");
    }
    nh_delete_job(job);
    return nullptr;
}

/* setErrorFactory(fn(code, message, errno, tlsError, expected, line, partial)) */
static napi_value nh_set_error_factory(napi_env env, napi_callback_info info)
{
    return nh_set_function(env, info, &nh_env::error_factory);
}

/* isHandle(value, kind): for the package's own checks. */
static napi_value nh_is_handle(napi_env env, napi_callback_info info)
{
    nh_args<2> args(env, info);
    return nh_bool(env, nh_handle_of(env, args[0], nh_int32(env, args[1], 0)) != nullptr);
}

/* Adds the natives to the module's exports. */
static void nh_add_natives(napi_env env, napi_value exports)
{
    static const struct {
        const char *name;
        napi_callback fn;
    } natives[] = {
        {"connNew", nh_conn_new},
        {"request", nh_request},
        {"exchange", nh_exchange},
        {"endheaders", nh_endheaders},
        {"send", nh_send},
        {"bodyWrite", nh_body_write},
        {"bodyEnd", nh_body_end},
        {"setTerminationProbe", nh_set_probe},
        {"connect", nh_connect},
        {"getresponse", nh_getresponse},
        {"read", nh_read},
        {"readAll", nh_read_all},
        {"responseHeaders", nh_response_headers},
        {"proxyHeaders", nh_proxy_headers},
        {"setTunnel", nh_set_tunnel},
        {"putheader", nh_putheader},
        {"setErrorFactory", nh_set_error_factory},
        {"isHandle", nh_is_handle},
    };
    nh_env_get(env);
    for (const auto &native : natives) {
        napi_value fn;
        napi_create_function(env, native.name, NAPI_AUTO_LENGTH, native.fn, nullptr, &fn);
        napi_set_named_property(env, exports, native.name, fn);
    }
}
%}

%init %{
    nh_add_natives(env, exports);
%}
