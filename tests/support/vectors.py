"""Parser for httpc conformance vectors (tests/vectors/*.vec).

Format (see docs/vectors.md): one ``key: value`` per line; ``#`` lines and
blank lines are ignored; the value is the text after the first ``:`` with
surrounding whitespace stripped. Byte-string values use C-style escapes
(``\\r \\n \\t \\0 \\\\ \\" \\xHH``); use ``\\x20`` for a significant leading
or trailing space. Python standard library only.
"""

import os
import re

# Keys whose values are escaped byte strings, concatenated when repeated.
CONCAT_KEYS = ("reply", "expect-request", "expect-body", "expect-partial",
               "request-body")
# Keys that may repeat; each line is one list item (escaped text).
LIST_KEYS = ("request-body-chunks",)
# Repeatable "Name: value" items; kept as (name, value) byte pairs. The
# split happens on the escaped text, so a colon inside a name is \x3a.
HEADER_KEYS = ("request-header", "expect-header", "expect-trailer")
INT_KEYS = ("expect-status", "expect-version", "expect-expected")
FLOAT_KEYS = ("timeout", "reply-delay", "reply-drip")
BOOL_KEYS = ("encode-chunked", "reply-close", "reply-reset",
             "expect-will-close")
TEXT_KEYS = ("name", "description", "expect-error", "error-at", "deviation",
             "server-address")
# Single-line values that are escaped like byte strings, kept as str
# (latin-1 decoded) because http.client takes them as str.
ESCAPED_TEXT_KEYS = ("method", "url", "host", "expect-reason")
KNOWN_KEYS = set(CONCAT_KEYS + LIST_KEYS + HEADER_KEYS + INT_KEYS + FLOAT_KEYS + BOOL_KEYS +
                 TEXT_KEYS + ESCAPED_TEXT_KEYS)

_SIMPLE = {"r": 13, "n": 10, "t": 9, "0": 0, "\\": 92, '"': 34}


def unescape(text):
    """Decode C-style escapes of *text* (a str) into bytes.

    Characters other than escapes must be ASCII/latin-1; they are encoded
    as latin-1 (so a file may carry raw latin-1 bytes, but \\xHH is better).
    """
    out = bytearray()
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c != "\\":
            out += c.encode("latin-1")
            i += 1
            continue
        if i + 1 >= n:
            raise ValueError("dangling backslash in %r" % text)
        e = text[i + 1]
        if e in _SIMPLE:
            out.append(_SIMPLE[e])
            i += 2
        elif e == "x":
            h = text[i + 2:i + 4]
            if len(h) != 2 or not re.fullmatch(r"[0-9A-Fa-f]{2}", h):
                raise ValueError("bad \\x escape in %r" % text)
            out.append(int(h, 16))
            i += 4
        else:
            raise ValueError("unknown escape \\%s in %r" % (e, text))
    return bytes(out)


def escape(data, keep_crlf_visible=True):
    """Encode bytes as an escaped value (inverse of unescape)."""
    out = []
    for b in data:
        if b == 13:
            out.append("\\r")
        elif b == 10:
            out.append("\\n")
        elif b == 9:
            out.append("\\t")
        elif b == 92:
            out.append("\\\\")
        elif b == 34:
            out.append('\\"')
        elif 0x20 <= b < 0x7F:
            out.append(chr(b))
        else:
            out.append("\\x%02x" % b)
    s = "".join(out)
    # Leading/trailing spaces would be stripped by the parser.
    if s.startswith(" "):
        s = "\\x20" + s[1:]
    if s.endswith(" "):
        s = s[:-1] + "\\x20"
    return s


def split_header(text):
    """Split an escaped header item "Name: value" into (name, value) bytes.

    The name is everything before the first ':' (write a colon inside a
    name as \\x3a); one space after the colon is dropped if present; then
    both parts are unescaped (so \\x20 keeps a significant space).
    """
    name, sep, value = text.partition(":")
    if not sep:
        raise ValueError("header item without ':': %r" % text)
    if value.startswith(" "):
        value = value[1:]
    return unescape(name), unescape(value)


def parse_vector_text(text, path="<string>"):
    v = {"path": path}
    pending_repeat = {}
    for lineno, line in enumerate(text.splitlines(), 1):
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        key, sep, value = s.partition(":")
        key = key.strip().lower()
        value = value.strip()
        where = "%s:%d" % (path, lineno)
        if not sep:
            raise ValueError("%s: missing ':'" % where)
        if key.endswith("-repeat") and key[:-7] in CONCAT_KEYS:
            pending_repeat[key[:-7]] = int(value)
            continue
        if key not in KNOWN_KEYS:
            raise ValueError("%s: unknown key %r" % (where, key))
        try:
            if key in CONCAT_KEYS:
                data = unescape(value) * pending_repeat.pop(key, 1)
                v[key] = v.get(key, b"") + data
            elif key in HEADER_KEYS:
                v.setdefault(key, []).append(split_header(value))
            elif key in LIST_KEYS:
                v.setdefault(key, []).append(unescape(value))
            elif key in ESCAPED_TEXT_KEYS:
                if key in v:
                    raise ValueError("duplicate key")
                v[key] = unescape(value).decode("latin-1")
            elif key in INT_KEYS:
                v[key] = int(value)
            elif key in FLOAT_KEYS:
                v[key] = float(value)
            elif key in BOOL_KEYS:
                if value not in ("yes", "no"):
                    raise ValueError("expected yes or no")
                v[key] = value == "yes"
            else:
                if key in v and key not in ("description", "deviation"):
                    raise ValueError("duplicate key")
                v[key] = (v[key] + " " + value) if key in v else value
        except ValueError as e:
            raise ValueError("%s: %s" % (where, e)) from None
    if pending_repeat:
        raise ValueError("%s: -repeat without a following line" % path)
    v.setdefault("name", os.path.basename(path))
    v.setdefault("method", "GET")
    v.setdefault("url", "/")
    v.setdefault("reply", b"")
    v.setdefault("reply-close", True)
    v.setdefault("reply-reset", False)
    v.setdefault("encode-chunked", False)
    v.setdefault("server-address", "127.0.0.1")
    return v


def parse_vector(path):
    """Parse one .vec file into a dict (byte strings as bytes)."""
    with open(path, "r", encoding="latin-1") as f:
        return parse_vector_text(f.read(), path)


def headers_of(v, key):
    """List of (name bytes, value bytes) for a header list key."""
    return list(v.get(key, []))


def with_port(data, port):
    """Replace the {port} token in bytes or str."""
    if isinstance(data, bytes):
        return data.replace(b"{port}", str(port).encode())
    return data.replace("{port}", str(port))


def vector_files(directory=None):
    if directory is None:
        directory = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                 "..", "vectors")
    directory = os.path.normpath(directory)
    return sorted(os.path.join(directory, f) for f in os.listdir(directory)
                  if f.endswith(".vec"))


def serve_and_run(path, vector, run_client):
    """Starts vector_server.py for the vector at *path*, calls
    ``run_client(vector, port)`` and returns ``(outcome, request_bytes,
    port)``. The server writes the captured request before it replies and
    stops by itself; it is killed if it is still there after a short grace.
    Raises RuntimeError when the server does not start."""
    import subprocess
    import sys
    import tempfile
    server = os.path.join(os.path.dirname(os.path.abspath(__file__)), "vector_server.py")
    with tempfile.TemporaryDirectory(prefix="vec-") as tmp:
        cap = os.path.join(tmp, "request.bin")
        proc = subprocess.Popen([sys.executable, server, path, "--capture", cap],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            line = proc.stdout.readline()
            if not line.strip():
                err = proc.stderr.read().decode(errors="replace")
                raise RuntimeError("server did not start: %s" % err.strip()[-300:])
            port = int(line)
            out = run_client(vector, port)
            try:
                proc.wait(timeout=0.5 if out.get("error") else 2.0)
            except subprocess.TimeoutExpired:
                pass
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            proc.stdout.close()
            proc.stderr.close()
        try:
            with open(cap, "rb") as f:
                request = f.read()
        except FileNotFoundError:
            request = b""
    return out, request, port
