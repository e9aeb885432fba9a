/*
 * Python-only part of the SWIG interface (included from bindings/httpc.i).
 *
 * The generated module (httpc._httpc_raw) is private. It exposes the header
 * as SWIG wraps it, plus a few hand-written functions ("natives") for the hot
 * path of the http.client layer: one call per request, one per response
 * head, one per body read. Each native releases the GIL around blocking
 * calls itself; wrapped functions get that from `swig -threads`.
 *
 * Errors: functions returning a status code raise instead. The exception is
 * built by a Python callable the package registers with set_error_factory
 * (so its classes can be http.client's own).
 */

%{
#include <string.h>
#include <structmember.h>

static PyObject *pyhttpc_error_factory = NULL; /* callable(code, msg, errno, expected, line, partial) */
static PyObject *pyhttpc_debug_printer = NULL; /* callable(line: str) */

/* Sets the Python exception for `code` (a negative httpc error) from the
 * calling thread's last error record. `partial` (bytes or NULL) is the body
 * read so far, for IncompleteRead. Always returns NULL. */
static PyObject *pyhttpc_raise(int code, PyObject *partial)
{
    const httpc_error_info *e = httpc_last_error();
    const char *msg = e->code == code ? e->message : httpc_strerror(code);
    const char *line = e->code == code ? e->line : "";
    if (!pyhttpc_error_factory) {
        PyErr_Format(PyExc_RuntimeError, "httpc error %d: %s", code, msg);
        return NULL;
    }
    PyObject *pmsg = PyUnicode_DecodeUTF8(msg, (Py_ssize_t)strlen(msg), "replace");
    PyObject *pline = PyUnicode_DecodeLatin1(line, (Py_ssize_t)strlen(line), NULL);
    PyObject *exc = NULL;
    if (pmsg && pline)
        exc = PyObject_CallFunction(pyhttpc_error_factory, "iOiLOO", code, pmsg,
                                    e->code == code ? e->os_errno : 0,
                                    (long long)(e->code == code ? e->expected : -1), pline,
                                    partial ? partial : Py_None);
    Py_XDECREF(pmsg);
    Py_XDECREF(pline);
    if (exc) {
        PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
        Py_DECREF(exc);
    }
    return NULL;
}

/* Debug lines come from inside blocking calls, with the GIL released. */
static void pyhttpc_debug_trampoline(void *userdata, const char *line)
{
    (void)userdata;
    PyGILState_STATE g = PyGILState_Ensure();
    if (pyhttpc_debug_printer) {
        /* The library writes its debug lines as UTF-8, as Python prints. */
        PyObject *s = PyUnicode_DecodeUTF8(line, (Py_ssize_t)strlen(line), "replace");
        PyObject *r = s ? PyObject_CallFunctionObjArgs(pyhttpc_debug_printer, s, NULL) : NULL;
        Py_XDECREF(s);
        Py_XDECREF(r);
        if (!r)
            PyErr_Clear();
    } else {
        fprintf(stdout, "%s\n", line);
    }
    PyGILState_Release(g);
}
%}

/* Handles returned through **out become the Python result. */
%define HTTPC_PY_OUT_HANDLE(TYPE)
%typemap(in, numinputs=0) TYPE **out (TYPE *tmp = NULL) { $1 = &tmp; }
%typemap(argout) TYPE **out {
    /* Every such function's status is checked (None once it succeeded), so the
       handle replaces it: SWIG >= 4.3's AppendOutput would keep the None of a
       non-void function and return [None, handle]. */
    Py_XDECREF($result);
    $result = SWIG_NewPointerObj(SWIG_as_voidptr(*$1), $*1_descriptor, 0);
}
%enddef
HTTPC_PY_OUT_HANDLE(httpc_conn)
HTTPC_PY_OUT_HANDLE(httpc_response)
HTTPC_PY_OUT_HANDLE(httpc_tls_context)

/* Functions whose int result is a status code: raise on failure, else None. */
%define HTTPC_PY_CHECKED(FN)
%typemap(out) int FN {
    if ($1 < 0) {
        pyhttpc_raise($1, NULL);
        SWIG_fail;
    }
    $result = SWIG_Py_Void();
}
%enddef
HTTPC_PY_CHECKED(httpc_conn_options_init)
HTTPC_PY_CHECKED(httpc_conn_new)
HTTPC_PY_CHECKED(httpc_conn_new_https)
HTTPC_PY_CHECKED(httpc_conn_connect)
HTTPC_PY_CHECKED(httpc_conn_putrequest)
HTTPC_PY_CHECKED(httpc_conn_putheader)
HTTPC_PY_CHECKED(httpc_conn_getresponse)
HTTPC_PY_CHECKED(httpc_response_drain)
HTTPC_PY_CHECKED(httpc_tls_context_new)
HTTPC_PY_CHECKED(httpc_tls_context_new_empty)
HTTPC_PY_CHECKED(httpc_tls_context_load_verify_file)
HTTPC_PY_CHECKED(httpc_tls_context_load_verify_dir)
HTTPC_PY_CHECKED(httpc_tls_context_load_cert_chain)
HTTPC_PY_CHECKED(httpc_tls_context_set_verify_mode)
HTTPC_PY_CHECKED(httpc_tls_context_set_check_hostname)
HTTPC_PY_CHECKED(httpc_tls_context_set_insecure)
HTTPC_PY_CHECKED(httpc_tls_context_set_min_version)

/* Byte buffers in: bytes, bytearray, memoryview (any C-contiguous buffer). */
%typemap(in) (const void *data, size_t len) (Py_buffer view) {
    memset(&view, 0, sizeof view);
    if (PyObject_GetBuffer($input, &view, PyBUF_SIMPLE) < 0)
        SWIG_fail;
    $1 = view.buf;
    $2 = (size_t)view.len;
}
%typemap(freearg) (const void *data, size_t len) {
    if (view$argnum.obj)
        PyBuffer_Release(&view$argnum);
}
%typemap(in) (const char *pem, size_t len) (Py_buffer view) {
    memset(&view, 0, sizeof view);
    if (PyObject_GetBuffer($input, &view, PyBUF_SIMPLE) < 0)
        SWIG_fail;
    $1 = view.buf;
    $2 = (size_t)view.len;
}
%typemap(freearg) (const char *pem, size_t len) {
    if (view$argnum.obj)
        PyBuffer_Release(&view$argnum);
}
HTTPC_PY_CHECKED(httpc_conn_send)
HTTPC_PY_CHECKED(httpc_tls_context_load_verify_pem)

/* Calls on a connection or response that never block keep the GIL, so
 * that close() from another thread (client.py) can only meet the blocking
 * calls, which it interrupts (httpc_conn_interrupt) instead of racing. */
%nothread httpc_conn_close;
%nothread httpc_conn_interrupt;
%nothread httpc_conn_free;
%nothread httpc_conn_putrequest;
%nothread httpc_conn_set_timeout;
%nothread httpc_conn_set_debuglevel;
%nothread httpc_conn_fileno;
%nothread httpc_conn_drop_socket;
%nothread httpc_conn_host;
%nothread httpc_conn_port;
%nothread httpc_response_free;
%nothread httpc_response_close;
%nothread httpc_response_isclosed;
%nothread httpc_response_length;
%nothread httpc_response_fileno;

/* Taking C callbacks, or replaced by the natives below. */
%ignore httpc_body;
%ignore httpc_body_kind;
%ignore httpc_read_fn;
%ignore httpc_chunk_fn;
%ignore httpc_debug_fn;
%ignore httpc_header;
%ignore httpc_conn_options;
%ignore httpc_conn_request;
%ignore httpc_conn_endheaders;
%ignore httpc_conn_set_tunnel;
%ignore httpc_conn_putheader_values;
%ignore httpc_error_info;
%ignore httpc_last_error;
%ignore httpc_free;
%ignore httpc_response_read;
%ignore httpc_response_read1;
%ignore httpc_response_read_all;
%ignore httpc_response_readline;
%ignore httpc_response_peek;
/* The non-blocking engine is driven by httpc.aio's natives, not by the
 * generated wrappers (a callback and an out-struct SWIG cannot use well). */
%ignore httpc_conn_set_nonblocking;
%ignore httpc_conn_nonblocking;
%ignore httpc_conn_wait;
%ignore httpc_response_wait;
%ignore httpc_wait;
%ignore httpc_socket_fn;
%ignore httpc_conn_set_socket_callback;
%ignore httpc_conn_body_write;
%ignore httpc_conn_body_end;
%ignore httpc_conn_set_max_response_size;

/* ---------------------------------------------------------------------- */
/* Natives                                                                 */
/* ---------------------------------------------------------------------- */

%{
static PyObject *pyhttpc_set_error_factory(PyObject *self, PyObject *args)
{
    PyObject *fn;
    (void)self;
    if (!PyArg_ParseTuple(args, "OO", &fn, &pyhttpc_debug_printer))
        return NULL;
    Py_INCREF(fn);
    Py_XSETREF(pyhttpc_error_factory, fn);
    Py_INCREF(pyhttpc_debug_printer);
    Py_RETURN_NONE;
}

static int pyhttpc_conn_arg(PyObject *obj, httpc_conn **out)
{
    return SWIG_IsOK(SWIG_ConvertPtr(obj, (void **)out, SWIGTYPE_p_httpc_conn, 0)) && *out
               ? 0
               : (PyErr_SetString(PyExc_TypeError, "expected an httpc connection"), -1);
}

/* Responses reach Python as capsules that free the C response when the
 * last reference goes: no Python-level finalizer on the per-request path. */
static const char pyhttpc_response_capsule[] = "httpc.response";

static void pyhttpc_response_capsule_free(PyObject *capsule)
{
    httpc_response_free(PyCapsule_GetPointer(capsule, pyhttpc_response_capsule));
}

static int pyhttpc_resp_arg(PyObject *obj, httpc_response **out)
{
    *out = PyCapsule_CheckExact(obj) ? PyCapsule_GetPointer(obj, pyhttpc_response_capsule) : NULL;
    if (*out)
        return 0;
    PyErr_Clear();
    PyErr_SetString(PyExc_TypeError, "expected an httpc response");
    return -1;
}

/* conn_new(host, port, tls_or_None_or_False, timeout, source_host, source_port,
 *          blocksize, debuglevel[, total_timeout]) -> conn. tls False: plain
 * HTTP. total_timeout: seconds a whole response may take (negative: none). */
static PyObject *pyhttpc_conn_new(PyObject *self, PyObject *args)
{
    const char *host, *source_host;
    int port, source_port, debuglevel;
    double timeout, total_timeout = -1.0;
    Py_ssize_t blocksize;
    PyObject *tls;
    (void)self;
    if (!PyArg_ParseTuple(args, "siOdzini|d", &host, &port, &tls, &timeout, &source_host,
                          &source_port, &blocksize, &debuglevel, &total_timeout))
        return NULL;
    httpc_conn_options opts = HTTPC_CONN_OPTIONS_INIT;
    opts.timeout = timeout;
    opts.total_timeout = total_timeout;
    opts.source_host = source_host;
    opts.source_port = source_port;
    opts.blocksize = blocksize > 0 ? (size_t)blocksize : 8192;
    opts.debuglevel = debuglevel;
    opts.debug_fn = pyhttpc_debug_trampoline;
    httpc_conn *conn = NULL;
    int rc;
    if (tls == Py_False) {
        rc = httpc_conn_new(&conn, host, port, &opts);
    } else {
        httpc_tls_context *ctx = NULL;
        if (tls != Py_None &&
            !SWIG_IsOK(SWIG_ConvertPtr(tls, (void **)&ctx, SWIGTYPE_p_httpc_tls_context, 0))) {
            PyErr_SetString(PyExc_TypeError, "expected an httpc TLS context");
            return NULL;
        }
        Py_BEGIN_ALLOW_THREADS
        rc = httpc_conn_new_https(&conn, host, port, &opts, ctx);
        Py_END_ALLOW_THREADS
    }
    if (rc < 0)
        return pyhttpc_raise(rc, NULL);
    return SWIG_NewPointerObj(conn, SWIGTYPE_p_httpc_conn, 0);
}

/* Header (name, value) arrays built from Python objects; the bytes objects
 * they point into are kept in `keep` until the call returns. */
typedef struct {
    httpc_header *items;
    size_t n;
    httpc_header small[16];
    PyObject *keep;
} pyhttpc_headers;

static void pyhttpc_headers_free(pyhttpc_headers *h)
{
    if (h->items && h->items != h->small)
        PyMem_Free(h->items);
    Py_XDECREF(h->keep);
}

/* One header name or value as a C string: str must encode (ASCII for
 * names, latin-1 for values), bytes must hold no NUL, int becomes its
 * decimal text. Returns NULL with no exception set to ask for the generic
 * (pure Python) path. */
static const char *pyhttpc_text(PyObject *o, int is_name, PyObject *keep)
{
    PyObject *b = NULL;
    if (PyUnicode_Check(o)) {
        if (is_name ? !PyUnicode_IS_ASCII(o) : PyUnicode_MAX_CHAR_VALUE(o) > 0xff)
            return NULL;
        b = PyUnicode_AsLatin1String(o);
    } else if (PyBytes_Check(o)) {
        Py_INCREF(o);
        b = o;
    } else if (!is_name && PyLong_CheckExact(o)) {
        PyObject *s = PyObject_Str(o);
        b = s ? PyUnicode_AsLatin1String(s) : NULL;
        Py_XDECREF(s);
    }
    if (!b) {
        PyErr_Clear();
        return NULL;
    }
    const char *p = PyBytes_AS_STRING(b);
    int ok = strlen(p) == (size_t)PyBytes_GET_SIZE(b) && PyList_Append(keep, b) == 0;
    Py_DECREF(b);
    if (!ok) {
        PyErr_Clear();
        return NULL;
    }
    return p;
}

/* Fills h from an exact dict or a list of 2-tuples. 1: done, 0: use the
 * generic path, -1: error. */
static int pyhttpc_headers_from(PyObject *obj, pyhttpc_headers *h)
{
    h->items = h->small;
    h->n = 0;
    h->keep = NULL;
    Py_ssize_t count;
    if (obj == Py_None)
        return 1;
    if (PyDict_CheckExact(obj))
        count = PyDict_GET_SIZE(obj);
    else if (PyList_CheckExact(obj))
        count = PyList_GET_SIZE(obj);
    else
        return 0;
    if (count == 0)
        return 1;
    if ((size_t)count > sizeof h->small / sizeof h->small[0]) {
        h->items = PyMem_Malloc((size_t)count * sizeof *h->items);
        if (!h->items) {
            PyErr_NoMemory();
            return -1;
        }
    }
    h->keep = PyList_New(0);
    if (!h->keep)
        return -1;
    Py_ssize_t pos = 0, i = 0;
    PyObject *k, *v;
    for (;;) {
        if (PyDict_CheckExact(obj)) {
            if (!PyDict_Next(obj, &pos, &k, &v))
                break;
        } else {
            if (i >= PyList_GET_SIZE(obj))
                break;
            PyObject *t = PyList_GET_ITEM(obj, i);
            if (!PyTuple_CheckExact(t) || PyTuple_GET_SIZE(t) != 2)
                return 0;
            k = PyTuple_GET_ITEM(t, 0);
            v = PyTuple_GET_ITEM(t, 1);
            i++;
        }
        const char *name = pyhttpc_text(k, 1, h->keep);
        const char *value = name ? pyhttpc_text(v, 0, h->keep) : NULL;
        if (!value)
            return 0;
        h->items[h->n].name = name;
        h->items[h->n].value = value;
        h->n++;
    }
    return 1;
}

/* request(conn, method, url, body, headers, encode_chunked) -> None, or
 * NotImplemented when an argument needs the generic (Python) path; nothing
 * is sent in that case. nb_request: the same on a non-blocking connection,
 * with the GIL held (nothing waits); Ellipsis when it would block (call
 * again with the same body object: the engine keeps a pointer to its
 * bytes); body Ellipsis opens a pushed body; a str body asks for the
 * generic path (its encoded bytes would not outlive this call). */
static PyObject *pyhttpc_request_common(PyObject *const *args, Py_ssize_t nargs, int nonblocking)
{
    /* Parsed by hand (METH_FASTCALL): this runs once per request. */
    if (nargs != 6) {
        PyErr_SetString(PyExc_TypeError, "request() takes 6 arguments");
        return NULL;
    }
    PyObject *pconn = args[0], *pmethod = args[1], *purl = args[2], *pbody = args[3],
             *pheaders = args[4];
    if (!PyUnicode_Check(pmethod) || !PyUnicode_Check(purl)) {
        PyErr_SetString(PyExc_TypeError, "method and url must be str");
        return NULL;
    }
    int encode_chunked = PyObject_IsTrue(args[5]);
    if (encode_chunked < 0)
        return NULL;
    httpc_conn *conn;
    if (pyhttpc_conn_arg(pconn, &conn) < 0)
        return NULL;
    if (!PyUnicode_IS_ASCII(pmethod) || !PyUnicode_IS_ASCII(purl))
        Py_RETURN_NOTIMPLEMENTED;
    const char *method = PyUnicode_AsUTF8(pmethod);
    const char *url = PyUnicode_AsUTF8(purl);
    if (!method || !url)
        return NULL;
    if (strlen(method) != (size_t)PyUnicode_GET_LENGTH(pmethod) ||
        strlen(url) != (size_t)PyUnicode_GET_LENGTH(purl))
        Py_RETURN_NOTIMPLEMENTED;
    httpc_body body = {HTTPC_BODY_NONE, NULL, 0, -1, NULL, NULL, NULL};
    Py_buffer view = {0};
    PyObject *encoded = NULL;
    if (pbody == Py_None) {
    } else if (nonblocking && pbody == Py_Ellipsis) {
        body.kind = HTTPC_BODY_PUSH;
    } else if (PyUnicode_Check(pbody)) {
        if (nonblocking || PyUnicode_MAX_CHAR_VALUE(pbody) > 0xff)
            Py_RETURN_NOTIMPLEMENTED;
        encoded = PyUnicode_AsLatin1String(pbody);
        if (!encoded)
            return NULL;
        body.kind = HTTPC_BODY_BYTES;
        body.data = PyBytes_AS_STRING(encoded);
        body.len = (size_t)PyBytes_GET_SIZE(encoded);
    } else if (PyBytes_Check(pbody) || PyByteArray_Check(pbody) || PyMemoryView_Check(pbody)) {
        if (PyObject_GetBuffer(pbody, &view, PyBUF_SIMPLE) < 0) {
            PyErr_Clear();
            Py_RETURN_NOTIMPLEMENTED;
        }
        body.kind = HTTPC_BODY_BYTES;
        body.data = view.buf;
        body.len = (size_t)view.len;
    } else {
        Py_RETURN_NOTIMPLEMENTED;
    }
    pyhttpc_headers h;
    int hr = pyhttpc_headers_from(pheaders, &h);
    PyObject *result = NULL;
    if (hr == 1) {
        int rc;
        const httpc_body *b = body.kind == HTTPC_BODY_NONE ? NULL : &body;
        int flags = encode_chunked ? HTTPC_ENCODE_CHUNKED : 0;
        if (nonblocking) {
            rc = httpc_conn_request(conn, method, url, b, h.items, h.n, flags);
        } else {
            Py_BEGIN_ALLOW_THREADS
            rc = httpc_conn_request(conn, method, url, b, h.items, h.n, flags);
            Py_END_ALLOW_THREADS
        }
        if (rc == HTTPC_E_WOULD_BLOCK && nonblocking)
            result = Py_NewRef(Py_Ellipsis);
        else if (rc < 0)
            pyhttpc_raise(rc, NULL);
        else
            result = Py_NewRef(Py_None);
    } else if (hr == 0) {
        result = Py_NewRef(Py_NotImplemented);
    }
    pyhttpc_headers_free(&h);
    if (view.obj)
        PyBuffer_Release(&view);
    Py_XDECREF(encoded);
    return result;
}

static PyObject *pyhttpc_request(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    (void)self;
    return pyhttpc_request_common(args, nargs, 0);
}

static PyObject *pyhttpc_nb_request(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    (void)self;
    return pyhttpc_request_common(args, nargs, 1);
}

/* putheader(conn, name: bytes, values: list of bytes) */
static PyObject *pyhttpc_putheader(PyObject *self, PyObject *args)
{
    PyObject *pconn, *pvalues;
    const char *name;
    (void)self;
    if (!PyArg_ParseTuple(args, "OyO!", &pconn, &name, &PyList_Type, &pvalues))
        return NULL;
    httpc_conn *conn;
    if (pyhttpc_conn_arg(pconn, &conn) < 0)
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(pvalues);
    const char **values = PyMem_Malloc((size_t)(n ? n : 1) * sizeof *values);
    if (!values)
        return PyErr_NoMemory();
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *v = PyList_GET_ITEM(pvalues, i);
        if (!PyBytes_Check(v)) {
            PyMem_Free(values);
            PyErr_SetString(PyExc_TypeError, "header values must be bytes");
            return NULL;
        }
        values[i] = PyBytes_AS_STRING(v);
    }
    int rc = httpc_conn_putheader_values(conn, name, values, (size_t)n);
    PyMem_Free(values);
    if (rc < 0)
        return pyhttpc_raise(rc, NULL);
    Py_RETURN_NONE;
}

/* endheaders(conn, body: bytes-like or None, encode_chunked) */
static PyObject *pyhttpc_endheaders(PyObject *self, PyObject *args)
{
    PyObject *pconn, *pbody;
    int encode_chunked;
    (void)self;
    if (!PyArg_ParseTuple(args, "OOp", &pconn, &pbody, &encode_chunked))
        return NULL;
    httpc_conn *conn;
    if (pyhttpc_conn_arg(pconn, &conn) < 0)
        return NULL;
    httpc_body body = {HTTPC_BODY_NONE, NULL, 0, -1, NULL, NULL, NULL};
    Py_buffer view = {0};
    if (pbody == Py_Ellipsis) {
        /* An iterable or file body: its pieces follow through body_write,
         * and C frames them (chunks when encode_chunked). */
        body.kind = HTTPC_BODY_PUSH;
    } else if (pbody != Py_None) {
        if (PyObject_GetBuffer(pbody, &view, PyBUF_SIMPLE) < 0)
            return NULL;
        body.kind = HTTPC_BODY_BYTES;
        body.data = view.buf;
        body.len = (size_t)view.len;
    }
    int rc;
    Py_BEGIN_ALLOW_THREADS
    rc = httpc_conn_endheaders(conn, pbody == Py_None ? NULL : &body,
                               encode_chunked ? HTTPC_ENCODE_CHUNKED : 0);
    Py_END_ALLOW_THREADS
    if (view.obj)
        PyBuffer_Release(&view);
    if (rc < 0)
        return pyhttpc_raise(rc, NULL);
    Py_RETURN_NONE;
}

/* body_write(conn, data) / body_end(conn): the pieces of a pushed body, in
 * blocking mode (the GIL released while they are sent). */
static PyObject *pyhttpc_body_write(PyObject *self, PyObject *args)
{
    PyObject *pconn;
    Py_buffer view;
    httpc_conn *conn;
    (void)self;
    if (!PyArg_ParseTuple(args, "Oy*", &pconn, &view))
        return NULL;
    if (pyhttpc_conn_arg(pconn, &conn) < 0) {
        PyBuffer_Release(&view);
        return NULL;
    }
    int rc;
    Py_BEGIN_ALLOW_THREADS
    rc = httpc_conn_body_write(conn, view.buf, (size_t)view.len);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&view);
    if (rc < 0)
        return pyhttpc_raise(rc, NULL);
    Py_RETURN_NONE;
}

static PyObject *pyhttpc_body_end(PyObject *self, PyObject *pconn)
{
    httpc_conn *conn;
    (void)self;
    if (pyhttpc_conn_arg(pconn, &conn) < 0)
        return NULL;
    int rc;
    Py_BEGIN_ALLOW_THREADS
    rc = httpc_conn_body_end(conn);
    Py_END_ALLOW_THREADS
    if (rc < 0)
        return pyhttpc_raise(rc, NULL);
    Py_RETURN_NONE;
}

/* set_tunnel(conn, host, port, [(name bytes, value bytes), ...]) */
static PyObject *pyhttpc_set_tunnel(PyObject *self, PyObject *args)
{
    PyObject *pconn, *pheaders;
    const char *host;
    int port;
    (void)self;
    if (!PyArg_ParseTuple(args, "OsiO", &pconn, &host, &port, &pheaders))
        return NULL;
    httpc_conn *conn;
    if (pyhttpc_conn_arg(pconn, &conn) < 0)
        return NULL;
    pyhttpc_headers h;
    int hr = pyhttpc_headers_from(pheaders, &h);
    if (hr <= 0) {
        pyhttpc_headers_free(&h);
        if (hr == 0)
            PyErr_SetString(PyExc_ValueError, "tunnel headers must be str or bytes without NUL");
        return NULL;
    }
    int rc = httpc_conn_set_tunnel(conn, host, port, h.items, h.n);
    pyhttpc_headers_free(&h);
    if (rc < 0)
        return pyhttpc_raise(rc, NULL);
    Py_RETURN_NONE;
}

/* (resp capsule, status, reason, version, will_close, chunked) of a new
 * response, which the capsule then owns. */
static PyObject *pyhttpc_head(httpc_response *resp);

/* getresponse(conn) -> (resp, status, reason, version, will_close, chunked) */
static PyObject *pyhttpc_getresponse(PyObject *self, PyObject *pconn)
{
    httpc_conn *conn;
    httpc_response *resp = NULL;
    (void)self;
    if (pyhttpc_conn_arg(pconn, &conn) < 0)
        return NULL;
    int rc;
    Py_BEGIN_ALLOW_THREADS
    rc = httpc_conn_getresponse(conn, &resp);
    Py_END_ALLOW_THREADS
    if (rc < 0)
        return pyhttpc_raise(rc, NULL);
    return pyhttpc_head(resp);
}

static PyObject *pyhttpc_head(httpc_response *resp)
{
    const char *reason = httpc_response_reason(resp);
    PyObject *preason = PyUnicode_DecodeLatin1(reason, (Py_ssize_t)strlen(reason), NULL);
    PyObject *presp =
        PyCapsule_New(resp, pyhttpc_response_capsule, pyhttpc_response_capsule_free);
    if (!preason || !presp) {
        Py_XDECREF(preason);
        if (presp)
            Py_DECREF(presp); /* frees the response */
        else
            httpc_response_free(resp);
        return NULL;
    }
    PyObject *head = PyTuple_New(6);
    PyObject *status = PyLong_FromLong(httpc_response_status(resp));
    PyObject *version = PyLong_FromLong(httpc_response_version(resp));
    if (!head || !status || !version) {
        Py_XDECREF(head);
        Py_XDECREF(status);
        Py_XDECREF(version);
        Py_DECREF(preason);
        Py_DECREF(presp);
        return NULL;
    }
    PyTuple_SET_ITEM(head, 0, presp);
    PyTuple_SET_ITEM(head, 1, status);
    PyTuple_SET_ITEM(head, 2, preason);
    PyTuple_SET_ITEM(head, 3, version);
    PyTuple_SET_ITEM(head, 4, PyBool_FromLong(httpc_response_will_close(resp)));
    PyTuple_SET_ITEM(head, 5, PyBool_FromLong(httpc_response_chunked(resp)));
    return head;
}

/* read_all(resp) -> bytes; IncompleteRead carries the partial body. */
static PyObject *pyhttpc_read_all(PyObject *self, PyObject *presp)
{
    httpc_response *resp;
    char *data = NULL;
    size_t len = 0;
    (void)self;
    if (pyhttpc_resp_arg(presp, &resp) < 0)
        return NULL;
    int rc;
    Py_BEGIN_ALLOW_THREADS
    rc = httpc_response_read_all(resp, &data, &len);
    Py_END_ALLOW_THREADS
    PyObject *out = PyBytes_FromStringAndSize(data ? data : "", (Py_ssize_t)len);
    httpc_free(data);
    if (rc < 0) {
        pyhttpc_raise(rc, out);
        Py_XDECREF(out);
        return NULL;
    }
    return out;
}

typedef int (*pyhttpc_reader)(httpc_response *, void *, size_t, size_t *);

/* read(resp, n, kind) -> bytes: kind 0 read, 1 read1, 2 readline. */
static PyObject *pyhttpc_read(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    (void)self;
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "read() takes 3 arguments");
        return NULL;
    }
    PyObject *presp = args[0];
    Py_ssize_t cap = PyLong_AsSsize_t(args[1]);
    int kind = (int)PyLong_AsLong(args[2]);
    if ((cap == -1 || kind == -1) && PyErr_Occurred())
        return NULL;
    httpc_response *resp;
    if (pyhttpc_resp_arg(presp, &resp) < 0)
        return NULL;
    if (cap < 0)
        cap = 0;
    static const pyhttpc_reader readers[] = {httpc_response_read, httpc_response_read1,
                                             httpc_response_readline};
    if (kind < 0 || kind > 2)
        kind = 0;
    PyObject *out = PyBytes_FromStringAndSize(NULL, cap);
    if (!out)
        return NULL;
    size_t n = 0;
    int rc;
    Py_BEGIN_ALLOW_THREADS
    rc = readers[kind](resp, PyBytes_AS_STRING(out), (size_t)cap, &n);
    Py_END_ALLOW_THREADS
    if (rc < 0) {
        Py_DECREF(out);
        return pyhttpc_raise(rc, NULL);
    }
    if ((Py_ssize_t)n != cap && _PyBytes_Resize(&out, (Py_ssize_t)n) < 0)
        return NULL;
    return out;
}

/* readinto(resp, writable buffer, kind) -> int: kind 0 read, 1 read1. */
static PyObject *pyhttpc_readinto(PyObject *self, PyObject *args)
{
    PyObject *presp;
    Py_buffer view;
    int kind;
    (void)self;
    if (!PyArg_ParseTuple(args, "Ow*i", &presp, &view, &kind))
        return NULL;
    httpc_response *resp;
    if (pyhttpc_resp_arg(presp, &resp) < 0) {
        PyBuffer_Release(&view);
        return NULL;
    }
    size_t n = 0;
    int rc;
    Py_BEGIN_ALLOW_THREADS
    rc = (kind ? httpc_response_read1 : httpc_response_read)(resp, view.buf, (size_t)view.len, &n);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&view);
    if (rc < 0)
        return pyhttpc_raise(rc, NULL);
    return PyLong_FromSize_t(n);
}

/* peek(resp) -> bytes (buffered body bytes, receiving once if none). */
static PyObject *pyhttpc_peek(PyObject *self, PyObject *presp)
{
    httpc_response *resp;
    const void *data = NULL;
    size_t n = 0;
    (void)self;
    if (pyhttpc_resp_arg(presp, &resp) < 0)
        return NULL;
    int rc;
    Py_BEGIN_ALLOW_THREADS
    rc = httpc_response_peek(resp, &data, &n);
    Py_END_ALLOW_THREADS
    if (rc < 0)
        return pyhttpc_raise(rc, NULL);
    return PyBytes_FromStringAndSize(data ? data : "", (Py_ssize_t)n);
}

/* response_isclosed / response_length / response_close / response_fileno
 * (resp): the SWIG wrappers' work, on the response capsule. */
static PyObject *pyhttpc_response_isclosed(PyObject *self, PyObject *presp)
{
    httpc_response *resp;
    (void)self;
    if (pyhttpc_resp_arg(presp, &resp) < 0)
        return NULL;
    return PyBool_FromLong(httpc_response_isclosed(resp));
}

static PyObject *pyhttpc_response_length(PyObject *self, PyObject *presp)
{
    httpc_response *resp;
    (void)self;
    if (pyhttpc_resp_arg(presp, &resp) < 0)
        return NULL;
    return PyLong_FromLongLong(httpc_response_length(resp));
}

static PyObject *pyhttpc_response_close(PyObject *self, PyObject *presp)
{
    httpc_response *resp;
    (void)self;
    if (pyhttpc_resp_arg(presp, &resp) < 0)
        return NULL;
    httpc_response_close(resp);
    Py_RETURN_NONE;
}

static PyObject *pyhttpc_response_fileno(PyObject *self, PyObject *presp)
{
    httpc_response *resp;
    (void)self;
    if (pyhttpc_resp_arg(presp, &resp) < 0)
        return NULL;
    return PyLong_FromLong(httpc_response_fileno(resp));
}

static PyObject *pyhttpc_headers_list(const httpc_headers *hs)
{
    size_t n = hs ? httpc_headers_count(hs) : 0;
    PyObject *list = PyList_New((Py_ssize_t)n);
    for (size_t i = 0; list && i < n; i++) {
        const char *k = httpc_headers_name(hs, i), *v = httpc_headers_value(hs, i);
        PyObject *t = Py_BuildValue("(NN)", PyUnicode_DecodeLatin1(k, (Py_ssize_t)strlen(k), NULL),
                                    PyUnicode_DecodeLatin1(v, (Py_ssize_t)strlen(v), NULL));
        if (!t) {
            Py_CLEAR(list);
            break;
        }
        PyList_SET_ITEM(list, (Py_ssize_t)i, t);
    }
    return list;
}

/* response_headers(resp, trailers) -> [(name, value), ...] as latin-1 str. */
static PyObject *pyhttpc_response_headers(PyObject *self, PyObject *args)
{
    PyObject *presp;
    int trailers;
    (void)self;
    if (!PyArg_ParseTuple(args, "Op", &presp, &trailers))
        return NULL;
    httpc_response *resp;
    if (pyhttpc_resp_arg(presp, &resp) < 0)
        return NULL;
    return pyhttpc_headers_list(trailers ? httpc_response_trailers(resp)
                                         : httpc_response_headers(resp));
}

/* response_getheader(resp, name: str) -> every value of the field joined
 * with ", " (http.client's getheader), or None when absent; NotImplemented
 * for a name that is not ASCII text (the caller's email path decides). */
static PyObject *pyhttpc_response_getheader(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    (void)self;
    httpc_response *resp;
    if (nargs != 2 || pyhttpc_resp_arg(args[0], &resp) < 0)
        return nargs != 2 ? (PyErr_SetString(PyExc_TypeError, "response_getheader() takes 2 arguments"), NULL) : NULL;
    PyObject *pname = args[1];
    if (!PyUnicode_Check(pname) || !PyUnicode_IS_ASCII(pname))
        Py_RETURN_NOTIMPLEMENTED;
    const char *name = PyUnicode_AsUTF8(pname);
    if (!name)
        return NULL;
    if (strlen(name) != (size_t)PyUnicode_GET_LENGTH(pname))
        Py_RETURN_NOTIMPLEMENTED;
    const char *value = httpc_response_getheader(resp, name, NULL);
    if (!value) {
        if (httpc_last_error_code() == HTTPC_E_NOMEM)
            return PyErr_NoMemory();
        Py_RETURN_NONE;
    }
    return PyUnicode_DecodeLatin1(value, (Py_ssize_t)strlen(value), NULL);
}

/* conn_fileno(conn) -> int (-1: no socket); conn.sock asks it every time. */
static PyObject *pyhttpc_conn_fileno(PyObject *self, PyObject *pconn)
{
    httpc_conn *conn;
    (void)self;
    if (pyhttpc_conn_arg(pconn, &conn) < 0)
        return NULL;
    return PyLong_FromLong(httpc_conn_fileno(conn));
}

/* proxy_headers(conn) -> list or None. */
static PyObject *pyhttpc_proxy_headers(PyObject *self, PyObject *pconn)
{
    httpc_conn *conn;
    (void)self;
    if (pyhttpc_conn_arg(pconn, &conn) < 0)
        return NULL;
    const httpc_headers *hs = httpc_conn_proxy_response_headers(conn);
    if (!hs)
        Py_RETURN_NONE;
    return pyhttpc_headers_list(hs);
}

/* last_error() -> (code, message, errno, tls_error, partial, expected, line) */
static PyObject *pyhttpc_last_error(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    const httpc_error_info *e = httpc_last_error();
    return Py_BuildValue("(isiiLLy)", e->code, e->message, e->os_errno, e->tls_error,
                         (long long)e->partial, (long long)e->expected, e->line);
}

/* ---------------------------------------------------------------------- */
/* Non-blocking natives (httpc.aio)                                        */
/* ---------------------------------------------------------------------- */
/* Each runs one step with the GIL held (in non-blocking mode nothing
 * waits) and returns Ellipsis when the step would block: httpc.aio then
 * waits on the loop for what conn_wait/response_wait name and calls the
 * same native again with the same arguments. Other errors raise. */

static PyObject *pyhttpc_nb_status(int rc)
{
    if (rc == HTTPC_E_WOULD_BLOCK)
        return Py_NewRef(Py_Ellipsis);
    if (rc < 0)
        return pyhttpc_raise(rc, NULL);
    Py_RETURN_NONE;
}

/* conn_set_nonblocking(conn, enabled) */
static PyObject *pyhttpc_conn_set_nonblocking(PyObject *self, PyObject *args)
{
    PyObject *pconn;
    int enabled;
    (void)self;
    httpc_conn *conn;
    if (!PyArg_ParseTuple(args, "Op", &pconn, &enabled) || pyhttpc_conn_arg(pconn, &conn) < 0)
        return NULL;
    return pyhttpc_nb_status(httpc_conn_set_nonblocking(conn, enabled));
}

/* nb_connect(conn) */
static PyObject *pyhttpc_nb_connect(PyObject *self, PyObject *pconn)
{
    httpc_conn *conn;
    (void)self;
    if (pyhttpc_conn_arg(pconn, &conn) < 0)
        return NULL;
    return pyhttpc_nb_status(httpc_conn_connect(conn));
}

/* nb_endheaders(conn, body: bytes-like, None or Ellipsis (pushed), encode_chunked) */
static PyObject *pyhttpc_nb_endheaders(PyObject *self, PyObject *args)
{
    PyObject *pconn, *pbody;
    int encode_chunked;
    (void)self;
    httpc_conn *conn;
    if (!PyArg_ParseTuple(args, "OOp", &pconn, &pbody, &encode_chunked) ||
        pyhttpc_conn_arg(pconn, &conn) < 0)
        return NULL;
    httpc_body body = {HTTPC_BODY_NONE, NULL, 0, -1, NULL, NULL, NULL};
    Py_buffer view = {0};
    if (pbody == Py_Ellipsis) {
        body.kind = HTTPC_BODY_PUSH;
    } else if (pbody != Py_None) {
        if (PyObject_GetBuffer(pbody, &view, PyBUF_SIMPLE) < 0)
            return NULL;
        body.kind = HTTPC_BODY_BYTES;
        body.data = view.buf;
        body.len = (size_t)view.len;
    }
    int rc = httpc_conn_endheaders(conn, pbody == Py_None ? NULL : &body,
                                   encode_chunked ? HTTPC_ENCODE_CHUNKED : 0);
    if (view.obj)
        PyBuffer_Release(&view);
    return pyhttpc_nb_status(rc);
}

typedef int (*pyhttpc_conn_data_fn)(httpc_conn *, const void *, size_t);

static PyObject *pyhttpc_nb_data(PyObject *args, pyhttpc_conn_data_fn fn)
{
    PyObject *pconn;
    Py_buffer view;
    httpc_conn *conn;
    if (!PyArg_ParseTuple(args, "Oy*", &pconn, &view))
        return NULL;
    if (pyhttpc_conn_arg(pconn, &conn) < 0) {
        PyBuffer_Release(&view);
        return NULL;
    }
    int rc = fn(conn, view.buf, (size_t)view.len);
    PyBuffer_Release(&view);
    return pyhttpc_nb_status(rc);
}

/* nb_send(conn, data) / nb_body_write(conn, data) / nb_body_end(conn) */
static PyObject *pyhttpc_nb_send(PyObject *self, PyObject *args)
{
    (void)self;
    return pyhttpc_nb_data(args, httpc_conn_send);
}

static PyObject *pyhttpc_nb_body_write(PyObject *self, PyObject *args)
{
    (void)self;
    return pyhttpc_nb_data(args, httpc_conn_body_write);
}

static PyObject *pyhttpc_nb_body_end(PyObject *self, PyObject *pconn)
{
    httpc_conn *conn;
    (void)self;
    if (pyhttpc_conn_arg(pconn, &conn) < 0)
        return NULL;
    return pyhttpc_nb_status(httpc_conn_body_end(conn));
}

/* nb_getresponse(conn) -> head tuple (as getresponse) */
static PyObject *pyhttpc_nb_getresponse(PyObject *self, PyObject *pconn)
{
    httpc_conn *conn;
    httpc_response *resp = NULL;
    (void)self;
    if (pyhttpc_conn_arg(pconn, &conn) < 0)
        return NULL;
    int rc = httpc_conn_getresponse(conn, &resp);
    if (rc < 0)
        return pyhttpc_nb_status(rc);
    return pyhttpc_head(resp);
}

/* nb_read_all(resp) -> bytes; IncompleteRead carries the partial body. */
static PyObject *pyhttpc_nb_read_all(PyObject *self, PyObject *presp)
{
    httpc_response *resp;
    char *data = NULL;
    size_t len = 0;
    (void)self;
    if (pyhttpc_resp_arg(presp, &resp) < 0)
        return NULL;
    int rc = httpc_response_read_all(resp, &data, &len);
    if (rc == HTTPC_E_WOULD_BLOCK)
        return Py_NewRef(Py_Ellipsis);
    PyObject *out = PyBytes_FromStringAndSize(data ? data : "", (Py_ssize_t)len);
    httpc_free(data);
    if (rc < 0) {
        pyhttpc_raise(rc, out);
        Py_XDECREF(out);
        return NULL;
    }
    return out;
}

/* nb_readinto(resp, writable buffer, kind) -> int: kind 0 read (fill),
 * 1 read1, 2 readline. */
static PyObject *pyhttpc_nb_readinto(PyObject *self, PyObject *args)
{
    PyObject *presp;
    Py_buffer view;
    int kind;
    (void)self;
    if (!PyArg_ParseTuple(args, "Ow*i", &presp, &view, &kind))
        return NULL;
    httpc_response *resp;
    if (pyhttpc_resp_arg(presp, &resp) < 0) {
        PyBuffer_Release(&view);
        return NULL;
    }
    static const pyhttpc_reader readers[] = {httpc_response_read, httpc_response_read1,
                                             httpc_response_readline};
    size_t n = 0;
    int rc = readers[kind < 0 || kind > 2 ? 0 : kind](resp, view.buf, (size_t)view.len, &n);
    PyBuffer_Release(&view);
    if (rc < 0)
        return pyhttpc_nb_status(rc);
    return PyLong_FromSize_t(n);
}

static PyObject *pyhttpc_wait_tuple(int rc, const httpc_wait *w)
{
    if (rc < 0)
        return pyhttpc_raise(rc, NULL);
    return Py_BuildValue("(iiL)", w->fd, w->events, (long long)w->timeout_ms);
}

/* conn_wait(conn) / response_wait(resp) -> (fd, events, timeout_ms) */
static PyObject *pyhttpc_conn_wait(PyObject *self, PyObject *pconn)
{
    httpc_conn *conn;
    httpc_wait w;
    (void)self;
    if (pyhttpc_conn_arg(pconn, &conn) < 0)
        return NULL;
    return pyhttpc_wait_tuple(httpc_conn_wait(conn, &w), &w);
}

static PyObject *pyhttpc_response_wait(PyObject *self, PyObject *presp)
{
    httpc_response *resp;
    httpc_wait w;
    (void)self;
    if (pyhttpc_resp_arg(presp, &resp) < 0)
        return NULL;
    return pyhttpc_wait_tuple(httpc_response_wait(resp, &w), &w);
}

/* Descriptor announcements go to one Python callable(fd, event) for every
 * watched connection: no per-connection state in C outlives anything. */
static PyObject *pyhttpc_socket_handler = NULL;

static void pyhttpc_socket_trampoline(void *userdata, int fd, int event)
{
    (void)userdata;
    PyGILState_STATE g = PyGILState_Ensure();
    if (pyhttpc_socket_handler) {
        /* An exception being raised (a close on the error path) is kept. */
        PyObject *type, *value, *tb;
        PyErr_Fetch(&type, &value, &tb);
        PyObject *r = PyObject_CallFunction(pyhttpc_socket_handler, "ii", fd, event);
        if (!r)
            PyErr_WriteUnraisable(pyhttpc_socket_handler);
        Py_XDECREF(r);
        PyErr_Restore(type, value, tb);
    }
    PyGILState_Release(g);
}

/* set_socket_handler(callable) ; conn_watch_sockets(conn) */
static PyObject *pyhttpc_set_socket_handler(PyObject *self, PyObject *fn)
{
    (void)self;
    Py_INCREF(fn);
    Py_XSETREF(pyhttpc_socket_handler, fn);
    Py_RETURN_NONE;
}

static PyObject *pyhttpc_conn_watch_sockets(PyObject *self, PyObject *pconn)
{
    httpc_conn *conn;
    (void)self;
    if (pyhttpc_conn_arg(pconn, &conn) < 0)
        return NULL;
    return pyhttpc_nb_status(httpc_conn_set_socket_callback(conn, pyhttpc_socket_trampoline, NULL));
}

/* conn_set_max_response_size(conn, max_bytes) */
static PyObject *pyhttpc_conn_set_max_response_size(PyObject *self, PyObject *args)
{
    PyObject *pconn;
    long long max_bytes;
    (void)self;
    httpc_conn *conn;
    if (!PyArg_ParseTuple(args, "OL", &pconn, &max_bytes) || pyhttpc_conn_arg(pconn, &conn) < 0)
        return NULL;
    return pyhttpc_nb_status(httpc_conn_set_max_response_size(conn, (int64_t)max_bytes));
}

/* ---------------------------------------------------------------------- */
/* ResponseBase: the C part of httpc.HTTPResponse                          */
/* ---------------------------------------------------------------------- */
/* http.client's HTTPResponse is an io.BufferedIOBase, and so is httpc's.
 * Measured, a Python subclass of it spent ~10k of the ~30k instructions of
 * a keep-alive request on its own life: the Python __init__, and IOBase's
 * finalizer, which looks up `closed` and calls the Python close(), which
 * calls IOBase.close() (flush(), an attribute store) before closing the C
 * response. ResponseBase (a subclass of _io._BufferedIOBase, whose layout
 * it extends at an offset read at import) keeps the head's fields in C, sets
 * them in a C __init__, has close() in C, and finalizes by closing the C
 * response directly when neither close() nor flush() is overridden (what
 * else IOBase.close() would do there, no one can observe). */

typedef struct {
    PyObject *r; /* the response capsule */
    PyObject *status, *reason, *version, *will_close, *chunked;
    PyObject *conn; /* _conn: the connection, for close() from another thread */
} pyhttpc_resp_fields;

static Py_ssize_t pyhttpc_resp_offset;           /* where the fields start */
static PyTypeObject *pyhttpc_iobase_type;        /* _io._BufferedIOBase */
static PyObject *pyhttpc_iobase_close;           /* _io._IOBase.close */
static PyObject *pyhttpc_iobase_flush;           /* _io._IOBase.flush */
static PyObject *pyhttpc_resp_close_descr;       /* ResponseBase.close */
static PyObject *pyhttpc_no_connection;         /* _conn until one is set */
static PyObject *pyhttpc_str_close, *pyhttpc_str_flush, *pyhttpc_str_method,
    *pyhttpc_str_debuglevel, *pyhttpc_str_url;

#define PYHTTPC_FIELDS(self) ((pyhttpc_resp_fields *)((char *)(self) + pyhttpc_resp_offset))

/* __init__(head, method=None, debuglevel=0, url=None): head is the tuple
 * getresponse gives; only what differs from the class defaults is stored. */
static int pyhttpc_resp_init(PyObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"head", "method", "debuglevel", "url", NULL};
    PyObject *head, *method = Py_None, *debuglevel = NULL, *url = Py_None;
    Py_ssize_t n = PyTuple_GET_SIZE(args);
    if ((!kwds || PyDict_GET_SIZE(kwds) == 0) && n >= 1 && n <= 4) {
        /* The per-request call, positional: no keyword parsing. */
        head = PyTuple_GET_ITEM(args, 0);
        if (n > 1)
            method = PyTuple_GET_ITEM(args, 1);
        if (n > 2)
            debuglevel = PyTuple_GET_ITEM(args, 2);
        if (n > 3)
            url = PyTuple_GET_ITEM(args, 3);
    } else if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|OOO", kwlist, &head, &method,
                                            &debuglevel, &url)) {
        return -1;
    }
    if (!PyTuple_Check(head) || PyTuple_GET_SIZE(head) != 6) {
        PyErr_SetString(PyExc_TypeError, "expected the head of an httpc response");
        return -1;
    }
    pyhttpc_resp_fields *f = PYHTTPC_FIELDS(self);
    Py_XSETREF(f->r, Py_NewRef(PyTuple_GET_ITEM(head, 0)));
    Py_XSETREF(f->status, Py_NewRef(PyTuple_GET_ITEM(head, 1)));
    Py_XSETREF(f->reason, Py_NewRef(PyTuple_GET_ITEM(head, 2)));
    Py_XSETREF(f->version, Py_NewRef(PyTuple_GET_ITEM(head, 3)));
    Py_XSETREF(f->will_close, Py_NewRef(PyTuple_GET_ITEM(head, 4)));
    Py_XSETREF(f->chunked, Py_NewRef(PyTuple_GET_ITEM(head, 5)));
    if (!f->conn && pyhttpc_no_connection)
        f->conn = Py_NewRef(pyhttpc_no_connection);
    if (debuglevel && PyObject_IsTrue(debuglevel) &&
        PyObject_SetAttr(self, pyhttpc_str_debuglevel, debuglevel) < 0)
        return -1;
    if (method != Py_None && PyObject_SetAttr(self, pyhttpc_str_method, method) < 0)
        return -1;
    if (url != Py_None && PyObject_SetAttr(self, pyhttpc_str_url, url) < 0)
        return -1;
    return 0;
}

static void pyhttpc_resp_close_c(PyObject *self)
{
    httpc_response *resp;
    PyObject *r = PYHTTPC_FIELDS(self)->r;
    if (r && PyCapsule_CheckExact(r) &&
        (resp = PyCapsule_GetPointer(r, pyhttpc_response_capsule)) != NULL)
        httpc_response_close(resp);
    else
        PyErr_Clear();
}

/* close(): IOBase.close(), then the C response closed whatever happened. */
static PyObject *pyhttpc_resp_close(PyObject *self, PyObject *unused)
{
    (void)unused;
    PyObject *res = PyObject_CallOneArg(pyhttpc_iobase_close, self);
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    pyhttpc_resp_close_c(self);
    PyErr_Restore(type, value, tb);
    return res;
}

static void pyhttpc_resp_finalize(PyObject *self)
{
    /* Set aside the exception in flight first (a response dropped while its
     * read() raises): on a miss of the type cache _PyType_Lookup clears any
     * pending exception, and the read's error became a SystemError. */
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyTypeObject *tp = Py_TYPE(self);
    if (_PyType_Lookup(tp, pyhttpc_str_close) == pyhttpc_resp_close_descr &&
        _PyType_Lookup(tp, pyhttpc_str_flush) == pyhttpc_iobase_flush)
        pyhttpc_resp_close_c(self);
    else
        pyhttpc_iobase_type->tp_finalize(self); /* IOBase's: close() unless closed */
    PyErr_Restore(type, value, tb);
}

static int pyhttpc_resp_traverse(PyObject *self, visitproc visit, void *arg)
{
    pyhttpc_resp_fields *f = PYHTTPC_FIELDS(self);
    Py_VISIT(Py_TYPE(self)); /* instances of a heap type hold their type */
    Py_VISIT(f->r);
    Py_VISIT(f->status);
    Py_VISIT(f->reason);
    Py_VISIT(f->version);
    Py_VISIT(f->will_close);
    Py_VISIT(f->chunked);
    Py_VISIT(f->conn);
    return pyhttpc_iobase_type->tp_traverse(self, visit, arg);
}

static int pyhttpc_resp_clear_fields(PyObject *self)
{
    pyhttpc_resp_fields *f = PYHTTPC_FIELDS(self);
    Py_CLEAR(f->r);
    Py_CLEAR(f->status);
    Py_CLEAR(f->reason);
    Py_CLEAR(f->version);
    Py_CLEAR(f->will_close);
    Py_CLEAR(f->chunked);
    Py_CLEAR(f->conn);
    return 0;
}

static int pyhttpc_resp_clear(PyObject *self)
{
    pyhttpc_resp_clear_fields(self);
    return pyhttpc_iobase_type->tp_clear ? pyhttpc_iobase_type->tp_clear(self) : 0;
}

static void pyhttpc_resp_dealloc(PyObject *self)
{
    /* Reached from the Python subclass's dealloc (already finalized, still
     * GC-tracked, as IOBase's dealloc expects); this heap type's instances
     * own a reference to their type, which IOBase's static dealloc leaves. */
    PyTypeObject *tp = Py_TYPE(self);
    pyhttpc_resp_clear_fields(self);
    pyhttpc_iobase_type->tp_dealloc(self);
    Py_DECREF(tp);
}

/* -- close() from another thread: the connection's _busy count --------------
 * A call that may block runs with the GIL released; close() from another
 * thread sees the connection's _busy count and interrupts instead of freeing
 * what the call uses (client.py, HTTPConnection._call). The read calls and
 * the connection's request()/getresponse() keep that protocol here in C. */
static PyObject *pyhttpc_str_busy, *pyhttpc_str_close_pending, *pyhttpc_str_closes,
    *pyhttpc_str_closed_meanwhile, *pyhttpc_str_c, *pyhttpc_str_response_class,
    *pyhttpc_str_send_request, *pyhttpc_str_conn;
static PyObject *pyhttpc_incomplete_read; /* httpc's IncompleteRead class */
static PyObject *pyhttpc_empty_dict;      /* request()'s default headers */

/* ConnBase's instances keep the protocol's state in C fields (the
 * attributes _c, _busy, _close_pending and _closes are members over them):
 * an attribute lookup on a Python object costs hundreds of instructions. */
typedef struct {
    PyObject_HEAD
    PyObject *c; /* _c: the C connection (a SWIG pointer object) */
    int busy;
    char close_pending;
    Py_ssize_t closes;
} pyhttpc_connbase;

static PyTypeObject *pyhttpc_connbase_type;

static int pyhttpc_busy_add(PyObject *conn, long delta)
{
    if (PyObject_TypeCheck(conn, pyhttpc_connbase_type)) {
        ((pyhttpc_connbase *)conn)->busy += (int)delta;
        return 0;
    }
    PyObject *v = PyObject_GetAttr(conn, pyhttpc_str_busy);
    if (!v)
        return -1;
    long busy = PyLong_AsLong(v);
    Py_DECREF(v);
    if (busy == -1 && PyErr_Occurred())
        return -1;
    v = PyLong_FromLong(busy + delta);
    if (!v)
        return -1;
    int rc = PyObject_SetAttr(conn, pyhttpc_str_busy, v);
    Py_DECREF(v);
    return rc;
}

/* conn._close_pending: 1, 0, or -1 with an exception. */
static int pyhttpc_close_pending(PyObject *conn)
{
    if (PyObject_TypeCheck(conn, pyhttpc_connbase_type))
        return ((pyhttpc_connbase *)conn)->close_pending != 0;
    PyObject *pending = PyObject_GetAttr(conn, pyhttpc_str_close_pending);
    int is_pending = pending ? PyObject_IsTrue(pending) : -1;
    Py_XDECREF(pending);
    return is_pending;
}

/* Leaves the busy section after a call that gave `result` (NULL: it
 * raised, and that exception is kept), closing the connection if close()
 * came meanwhile: the `finally:` of HTTPConnection._call. */
static PyObject *pyhttpc_busy_leave(PyObject *conn, PyObject *result)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    int failed = pyhttpc_busy_add(conn, -1) < 0;
    if (!failed) {
        int is_pending = pyhttpc_close_pending(conn);
        if (is_pending < 0) {
            failed = 1;
        } else if (is_pending) {
            PyObject *r = PyObject_CallMethodNoArgs(conn, pyhttpc_str_closed_meanwhile);
            failed = r == NULL;
            Py_XDECREF(r);
        }
    }
    if (failed) { /* as an exception in a finally clause: it replaces the call's */
        Py_XDECREF(type);
        Py_XDECREF(value);
        Py_XDECREF(tb);
        Py_XDECREF(result);
        return NULL;
    }
    if (type)
        PyErr_Restore(type, value, tb);
    return result;
}

/* The bytes of one read (kind 0 read, 1 read1, 2 readline) of up to cap. */
static PyObject *pyhttpc_read_bytes(httpc_response *resp, Py_ssize_t cap, int kind)
{
    static const pyhttpc_reader readers[] = {httpc_response_read, httpc_response_read1,
                                             httpc_response_readline};
    PyObject *out = PyBytes_FromStringAndSize(NULL, cap);
    if (!out)
        return NULL;
    size_t n = 0;
    int rc;
    Py_BEGIN_ALLOW_THREADS
    rc = readers[kind](resp, PyBytes_AS_STRING(out), (size_t)cap, &n);
    Py_END_ALLOW_THREADS
    if (rc < 0) {
        Py_DECREF(out);
        return pyhttpc_raise(rc, NULL);
    }
    if ((Py_ssize_t)n != cap && _PyBytes_Resize(&out, (Py_ssize_t)n) < 0)
        return NULL;
    return out;
}

static PyObject *pyhttpc_resp_conn(PyObject *self)
{
    PyObject *conn = PYHTTPC_FIELDS(self)->conn;
    if (!conn)
        conn = pyhttpc_no_connection;
    if (!conn)
        PyErr_SetString(PyExc_AttributeError, "_conn");
    return conn;
}

/* A read()/read(amt) of a body up to this Content-Length allocates it whole
 * and receives into it (one copy); a larger claim grows with what arrives. */
#define PYHTTPC_DIRECT_READ_MAX (1LL << 28)

/* read(amt=None): http.client's HTTPResponse.read. */
static PyObject *pyhttpc_resp_read(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs > 1) {
        PyErr_Format(PyExc_TypeError, "read() takes at most 1 argument (%zd given)", nargs);
        return NULL;
    }
    pyhttpc_resp_fields *f = PYHTTPC_FIELDS(self);
    PyObject *conn = pyhttpc_resp_conn(self);
    httpc_response *resp;
    if (!conn || pyhttpc_resp_arg(f->r ? f->r : Py_None, &resp) < 0)
        return NULL;
    Py_INCREF(conn); /* a close() meanwhile may drop the response's reference */
    PyObject *out = NULL;
    if (nargs == 1 && args[0] != Py_None) {
        Py_ssize_t amt = PyNumber_AsSsize_t(args[0], PyExc_OverflowError);
        if (amt == -1 && PyErr_Occurred())
            goto done;
        if (amt >= 0) {
            if (pyhttpc_busy_add(conn, 1) < 0)
                goto done;
            out = pyhttpc_busy_leave(conn, pyhttpc_read_bytes(resp, amt, 0));
            goto done;
        }
    }
    long long length = httpc_response_length(resp);
    if (length > 0 && length <= PYHTTPC_DIRECT_READ_MAX) {
        /* Known length: received straight into the bytes returned. A close()
         * of the connection from another thread that lands before this read
         * closes the response, and http.client's read then returns b"":
         * closes are counted, so a short read it caused is told apart from a
         * body cut short by the server. */
        PyObject *closes = PyObject_TypeCheck(conn, pyhttpc_connbase_type)
                               ? PyLong_FromSsize_t(((pyhttpc_connbase *)conn)->closes)
                               : PyObject_GetAttr(conn, pyhttpc_str_closes);
        if (!closes)
            goto done;
        if (httpc_response_isclosed(resp)) {
            Py_DECREF(closes);
            out = PyBytes_FromStringAndSize("", 0);
            goto done;
        }
        if (pyhttpc_busy_add(conn, 1) < 0) {
            Py_DECREF(closes);
            goto done;
        }
        out = pyhttpc_busy_leave(conn, pyhttpc_read_bytes(resp, (Py_ssize_t)length, 0));
        if (out && PyBytes_GET_SIZE(out) < length) {
            PyObject *now = PyObject_TypeCheck(conn, pyhttpc_connbase_type)
                                ? PyLong_FromSsize_t(((pyhttpc_connbase *)conn)->closes)
                                : PyObject_GetAttr(conn, pyhttpc_str_closes);
            int same = now ? PyObject_RichCompareBool(now, closes, Py_EQ) : -1;
            Py_XDECREF(now);
            if (same != 0) {
                if (same > 0) {
                    httpc_response_close(resp);
                    PyObject *exc = PyObject_CallFunction(
                        pyhttpc_incomplete_read ? pyhttpc_incomplete_read : PyExc_EOFError, "OL",
                        out, (long long)(length - PyBytes_GET_SIZE(out)));
                    if (exc) {
                        PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
                        Py_DECREF(exc);
                    }
                }
                Py_CLEAR(out);
            }
        }
        Py_DECREF(closes);
        goto done;
    }
    if (pyhttpc_busy_add(conn, 1) < 0)
        goto done;
    out = pyhttpc_busy_leave(conn, pyhttpc_read_all(NULL, f->r));
    if (!out && pyhttpc_incomplete_read && PyErr_ExceptionMatches(pyhttpc_incomplete_read))
        httpc_response_close(resp);
done:
    Py_DECREF(conn);
    return out;
}

/* readinto(b): http.client's HTTPResponse.readinto. */
static PyObject *pyhttpc_resp_readinto(PyObject *self, PyObject *b)
{
    PyObject *conn = pyhttpc_resp_conn(self);
    httpc_response *resp;
    PyObject *r = PYHTTPC_FIELDS(self)->r;
    if (!conn || pyhttpc_resp_arg(r ? r : Py_None, &resp) < 0)
        return NULL;
    Py_buffer view;
    if (PyObject_GetBuffer(b, &view, PyBUF_WRITABLE) < 0)
        return NULL;
    Py_INCREF(conn);
    PyObject *out = NULL;
    if (pyhttpc_busy_add(conn, 1) == 0) {
        size_t n = 0;
        int rc;
        Py_BEGIN_ALLOW_THREADS
        rc = httpc_response_read(resp, view.buf, (size_t)view.len, &n);
        Py_END_ALLOW_THREADS
        out = pyhttpc_busy_leave(conn, rc < 0 ? pyhttpc_raise(rc, NULL) : PyLong_FromSize_t(n));
    }
    PyBuffer_Release(&view);
    Py_DECREF(conn);
    return out;
}

/* set_incomplete_read(cls): the class read() raises for a short body. */
static PyObject *pyhttpc_set_incomplete_read(PyObject *self, PyObject *cls)
{
    (void)self;
    Py_XSETREF(pyhttpc_incomplete_read, Py_NewRef(cls));
    Py_RETURN_NONE;
}

static PyMethodDef pyhttpc_resp_methods[] = {
    {"close", pyhttpc_resp_close, METH_NOARGS, "Closes the response (and the body's socket)."},
    {"read", (PyCFunction)(void (*)(void))pyhttpc_resp_read, METH_FASTCALL,
     "read(amt=None): the body, or up to amt bytes of it."},
    {"readinto", pyhttpc_resp_readinto, METH_O, "readinto(b): reads into b; the count."},
    {NULL, NULL, 0, NULL}};

static PyMemberDef pyhttpc_resp_members[] = {
    {"_r", T_OBJECT, 0, 0, NULL},
    {"status", T_OBJECT, 0, 0, NULL},
    {"reason", T_OBJECT, 0, 0, NULL},
    {"version", T_OBJECT, 0, 0, NULL},
    {"will_close", T_OBJECT, 0, 0, NULL},
    {"chunked", T_OBJECT, 0, 0, NULL},
    {"_conn", T_OBJECT_EX, 0, 0, NULL},
    {NULL, 0, 0, 0, NULL}};

/* set_no_connection(obj): the _conn of responses made without one. */
static PyObject *pyhttpc_set_no_connection(PyObject *self, PyObject *obj)
{
    (void)self;
    Py_XSETREF(pyhttpc_no_connection, Py_NewRef(obj));
    Py_RETURN_NONE;
}

static PyType_Slot pyhttpc_resp_slots[] = {
    {Py_tp_init, pyhttpc_resp_init},
    {Py_tp_finalize, pyhttpc_resp_finalize},
    {Py_tp_traverse, pyhttpc_resp_traverse},
    {Py_tp_clear, pyhttpc_resp_clear},
    {Py_tp_dealloc, pyhttpc_resp_dealloc},
    {Py_tp_methods, pyhttpc_resp_methods},
    {Py_tp_members, pyhttpc_resp_members},
    {0, NULL}};

static PyType_Spec pyhttpc_resp_spec = {
    "httpc._httpc_raw.ResponseBase", 0, 0,
    Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC, pyhttpc_resp_slots};

/* Makes ResponseBase, extending _io._BufferedIOBase's layout. */
static int pyhttpc_add_response_type(PyObject *m)
{
    PyObject *io = PyImport_ImportModule("_io");
    if (!io)
        return -1;
    PyObject *base = PyObject_GetAttrString(io, "_BufferedIOBase");
    PyObject *iobase = PyObject_GetAttrString(io, "_IOBase");
    Py_DECREF(io);
    if (!base || !iobase || !PyType_Check(base) || !PyType_Check(iobase)) {
        Py_XDECREF(base);
        Py_XDECREF(iobase);
        PyErr_SetString(PyExc_ImportError, "_io._BufferedIOBase not found");
        return -1;
    }
    pyhttpc_iobase_type = (PyTypeObject *)base;
    pyhttpc_iobase_close = PyObject_GetAttrString(iobase, "close");
    pyhttpc_iobase_flush = PyObject_GetAttrString(iobase, "flush");
    Py_DECREF(iobase);
    pyhttpc_str_close = PyUnicode_InternFromString("close");
    pyhttpc_str_flush = PyUnicode_InternFromString("flush");
    pyhttpc_str_method = PyUnicode_InternFromString("_method");
    pyhttpc_str_debuglevel = PyUnicode_InternFromString("debuglevel");
    pyhttpc_str_url = PyUnicode_InternFromString("url");
    if (!pyhttpc_iobase_close || !pyhttpc_iobase_flush || !pyhttpc_str_close ||
        !pyhttpc_str_flush || !pyhttpc_str_method || !pyhttpc_str_debuglevel || !pyhttpc_str_url)
        return -1;
    /* The fields go after the base's own, aligned for pointers. */
    Py_ssize_t size = pyhttpc_iobase_type->tp_basicsize;
    size = (size + (Py_ssize_t)sizeof(void *) - 1) & ~((Py_ssize_t)sizeof(void *) - 1);
    pyhttpc_resp_offset = size;
    for (int i = 0; pyhttpc_resp_members[i].name; i++)
        pyhttpc_resp_members[i].offset = size + (Py_ssize_t)(i * sizeof(PyObject *));
    pyhttpc_resp_spec.basicsize = (int)(size + (Py_ssize_t)sizeof(pyhttpc_resp_fields));
    PyObject *type = PyType_FromSpecWithBases(&pyhttpc_resp_spec, base);
    if (!type)
        return -1;
    pyhttpc_resp_close_descr = _PyType_Lookup((PyTypeObject *)type, pyhttpc_str_close);
    Py_XINCREF(pyhttpc_resp_close_descr);
    return PyModule_AddObject(m, "ResponseBase", type);
}

/* ---------------------------------------------------------------------- */
/* ConnBase: the C part of httpc.HTTPConnection                            */
/* ---------------------------------------------------------------------- */
/* request() and getresponse(), the two calls of every request, as C methods
 * of a base class with no fields of its own (the Python subclass keeps its
 * attributes in its __dict__): a Python method around the one C call cost
 * more than the call's own binding work. */

/* request(method, url, body=None, headers={}, *, encode_chunked=False) */
static PyObject *pyhttpc_connbase_request(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                                          PyObject *kwnames)
{
    static const char *const names[] = {"method", "url", "body", "headers", "encode_chunked"};
    PyObject *given[5] = {NULL, NULL, Py_None, pyhttpc_empty_dict, Py_False};
    if (nargs > 4) {
        PyErr_Format(PyExc_TypeError, "request() takes from 3 to 5 positional arguments "
                                      "but %zd were given", nargs + 1);
        return NULL;
    }
    for (Py_ssize_t i = 0; i < nargs; i++)
        given[i] = args[i];
    Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    for (Py_ssize_t k = 0; k < nkw; k++) {
        PyObject *key = PyTuple_GET_ITEM(kwnames, k);
        int slot = -1;
        for (int j = 0; j < 5 && slot < 0; j++)
            if (PyUnicode_CompareWithASCIIString(key, names[j]) == 0)
                slot = j;
        if (slot < 0) {
            PyErr_Format(PyExc_TypeError, "request() got an unexpected keyword argument '%U'", key);
            return NULL;
        }
        if (slot < nargs) {
            PyErr_Format(PyExc_TypeError, "request() got multiple values for argument '%s'",
                         names[slot]);
            return NULL;
        }
        given[slot] = args[nargs + k];
    }
    if (!given[0] || !given[1]) {
        PyErr_Format(PyExc_TypeError, "request() missing required argument: '%s'",
                     given[0] ? "url" : "method");
        return NULL;
    }
    PyObject *c = ((pyhttpc_connbase *)self)->c;
    if (!c)
        c = Py_None; /* refused below as not a connection */
    Py_INCREF(c);
    PyObject *call[6] = {c, given[0], given[1], given[2], given[3], given[4]};
    PyObject *sent = NULL;
    if (pyhttpc_busy_add(self, 1) == 0)
        sent = pyhttpc_busy_leave(self, pyhttpc_request_common(call, 6, 0));
    Py_DECREF(c);
    if (sent != Py_NotImplemented)
        return sent;
    Py_DECREF(sent);
    /* The generic path (file and iterable bodies, header mappings...). */
    PyObject *send_args[6] = {self, given[0], given[1], given[2], given[3], given[4]};
    return PyObject_VectorcallMethod(pyhttpc_str_send_request, send_args, 6, NULL);
}

static PyTypeObject *pyhttpc_resp_type; /* ResponseBase */

/* getresponse(): the response, made by self.response_class. */
static PyObject *pyhttpc_connbase_getresponse(PyObject *self, PyObject *unused)
{
    (void)unused;
    PyObject *c = ((pyhttpc_connbase *)self)->c;
    if (!c)
        c = Py_None; /* refused below as not a connection */
    Py_INCREF(c);
    PyObject *head = NULL;
    if (pyhttpc_busy_add(self, 1) == 0)
        head = pyhttpc_busy_leave(self, pyhttpc_getresponse(NULL, c));
    Py_DECREF(c);
    if (!head)
        return NULL;
    PyObject *cls = PyObject_GetAttr(self, pyhttpc_str_response_class);
    PyObject *debuglevel = cls ? PyObject_GetAttr(self, pyhttpc_str_debuglevel) : NULL;
    PyObject *response = NULL;
    if (debuglevel) {
        PyObject *init[3] = {head, Py_None, debuglevel};
        response = PyObject_Vectorcall(cls, init, 3, NULL);
    }
    Py_DECREF(head);
    Py_XDECREF(cls);
    Py_XDECREF(debuglevel);
    if (!response)
        return NULL;
    if (PyObject_TypeCheck(response, pyhttpc_resp_type)) {
        Py_XSETREF(PYHTTPC_FIELDS(response)->conn, Py_NewRef(self));
    } else if (PyObject_SetAttr(response, pyhttpc_str_conn, self) < 0) {
        Py_DECREF(response);
        return NULL;
    }
    return response;
}

static PyMethodDef pyhttpc_connbase_methods[] = {
    {"request", (PyCFunction)(void (*)(void))pyhttpc_connbase_request,
     METH_FASTCALL | METH_KEYWORDS,
     "request(method, url, body=None, headers={}, *, encode_chunked=False)"},
    {"getresponse", pyhttpc_connbase_getresponse, METH_NOARGS,
     "getresponse(): the response to the request sent."},
    {NULL, NULL, 0, NULL}};

static PyMemberDef pyhttpc_connbase_members[] = {
    {"_c", T_OBJECT, offsetof(pyhttpc_connbase, c), 0, NULL},
    {"_busy", T_INT, offsetof(pyhttpc_connbase, busy), 0, NULL},
    {"_close_pending", T_BOOL, offsetof(pyhttpc_connbase, close_pending), 0, NULL},
    {"_closes", T_PYSSIZET, offsetof(pyhttpc_connbase, closes), 0, NULL},
    {NULL, 0, 0, 0, NULL}};

static void pyhttpc_connbase_dealloc(PyObject *self)
{
    /* Reached from the Python subclass's dealloc (its dict already gone);
     * instances of a heap type own a reference to their type. */
    PyTypeObject *tp = Py_TYPE(self);
    Py_CLEAR(((pyhttpc_connbase *)self)->c);
    tp->tp_free(self);
    Py_DECREF(tp);
}

static PyType_Slot pyhttpc_connbase_slots[] = {
    {Py_tp_methods, pyhttpc_connbase_methods},
    {Py_tp_members, pyhttpc_connbase_members},
    {Py_tp_dealloc, pyhttpc_connbase_dealloc},
    {0, NULL}};

static PyType_Spec pyhttpc_connbase_spec = {
    "httpc._httpc_raw.ConnBase", sizeof(pyhttpc_connbase), 0,
    Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE, pyhttpc_connbase_slots};

static int pyhttpc_add_conn_type(PyObject *m)
{
    pyhttpc_str_busy = PyUnicode_InternFromString("_busy");
    pyhttpc_str_close_pending = PyUnicode_InternFromString("_close_pending");
    pyhttpc_str_closes = PyUnicode_InternFromString("_closes");
    pyhttpc_str_closed_meanwhile = PyUnicode_InternFromString("_closed_meanwhile");
    pyhttpc_str_c = PyUnicode_InternFromString("_c");
    pyhttpc_str_response_class = PyUnicode_InternFromString("response_class");
    pyhttpc_str_send_request = PyUnicode_InternFromString("_send_request");
    pyhttpc_str_conn = PyUnicode_InternFromString("_conn");
    pyhttpc_empty_dict = PyDict_New();
    if (!pyhttpc_str_busy || !pyhttpc_str_close_pending || !pyhttpc_str_closes ||
        !pyhttpc_str_closed_meanwhile || !pyhttpc_str_c || !pyhttpc_str_response_class ||
        !pyhttpc_str_send_request || !pyhttpc_str_conn || !pyhttpc_empty_dict)
        return -1;
    pyhttpc_resp_type = (PyTypeObject *)PyObject_GetAttrString(m, "ResponseBase");
    if (!pyhttpc_resp_type)
        return -1;
    PyObject *type = PyType_FromSpec(&pyhttpc_connbase_spec);
    if (!type)
        return -1;
    pyhttpc_connbase_type = (PyTypeObject *)type;
    Py_INCREF(type);
    return PyModule_AddObject(m, "ConnBase", type);
}
%}

%{
static PyMethodDef pyhttpc_natives[] = {
    {"set_error_factory", pyhttpc_set_error_factory, METH_VARARGS, NULL},
    {"conn_new", pyhttpc_conn_new, METH_VARARGS, NULL},
    {"request", (PyCFunction)(void (*)(void))pyhttpc_request, METH_FASTCALL, NULL},
    {"putheader", pyhttpc_putheader, METH_VARARGS, NULL},
    {"endheaders", pyhttpc_endheaders, METH_VARARGS, NULL},
    {"body_write", pyhttpc_body_write, METH_VARARGS, NULL},
    {"body_end", pyhttpc_body_end, METH_O, NULL},
    {"set_tunnel", pyhttpc_set_tunnel, METH_VARARGS, NULL},
    {"getresponse", pyhttpc_getresponse, METH_O, NULL},
    {"read_all", pyhttpc_read_all, METH_O, NULL},
    {"read", (PyCFunction)(void (*)(void))pyhttpc_read, METH_FASTCALL, NULL},
    {"readinto", pyhttpc_readinto, METH_VARARGS, NULL},
    {"peek", pyhttpc_peek, METH_O, NULL},
    {"response_headers", pyhttpc_response_headers, METH_VARARGS, NULL},
    {"response_isclosed", pyhttpc_response_isclosed, METH_O, NULL},
    {"response_getheader", (PyCFunction)(void (*)(void))pyhttpc_response_getheader, METH_FASTCALL,
     NULL},
    {"response_length", pyhttpc_response_length, METH_O, NULL},
    {"response_close", pyhttpc_response_close, METH_O, NULL},
    {"response_fileno", pyhttpc_response_fileno, METH_O, NULL},
    {"proxy_headers", pyhttpc_proxy_headers, METH_O, NULL},
    {"conn_fileno", pyhttpc_conn_fileno, METH_O, NULL},
    {"last_error", pyhttpc_last_error, METH_NOARGS, NULL},
    {"nb_request", (PyCFunction)(void (*)(void))pyhttpc_nb_request, METH_FASTCALL, NULL},
    {"set_no_connection", pyhttpc_set_no_connection, METH_O, NULL},
    {"set_incomplete_read", pyhttpc_set_incomplete_read, METH_O, NULL},
    {"conn_set_nonblocking", pyhttpc_conn_set_nonblocking, METH_VARARGS, NULL},
    {"nb_connect", pyhttpc_nb_connect, METH_O, NULL},
    {"nb_endheaders", pyhttpc_nb_endheaders, METH_VARARGS, NULL},
    {"nb_send", pyhttpc_nb_send, METH_VARARGS, NULL},
    {"nb_body_write", pyhttpc_nb_body_write, METH_VARARGS, NULL},
    {"nb_body_end", pyhttpc_nb_body_end, METH_O, NULL},
    {"nb_getresponse", pyhttpc_nb_getresponse, METH_O, NULL},
    {"nb_read_all", pyhttpc_nb_read_all, METH_O, NULL},
    {"nb_readinto", pyhttpc_nb_readinto, METH_VARARGS, NULL},
    {"conn_wait", pyhttpc_conn_wait, METH_O, NULL},
    {"response_wait", pyhttpc_response_wait, METH_O, NULL},
    {"set_socket_handler", pyhttpc_set_socket_handler, METH_O, NULL},
    {"conn_watch_sockets", pyhttpc_conn_watch_sockets, METH_O, NULL},
    {"conn_set_max_response_size", pyhttpc_conn_set_max_response_size, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}};
%}

%init %{
    if (PyModule_AddFunctions(m, pyhttpc_natives) < 0 || pyhttpc_add_response_type(m) < 0 ||
        pyhttpc_add_conn_type(m) < 0)
#if SWIG_VERSION >= 0x040300
        return -1; /* the init code runs in the module's exec slot (an int) */
#else
        return NULL;
#endif
%}
