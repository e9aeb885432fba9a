"""Exception classes of httpc and the mapping from C error codes to them.

The classes are http.client's own where http.client has them (so
``except http.client.IncompleteRead`` catches httpc's too), the standard
library's where Python code already catches them (TimeoutError, socket.gaierror,
ssl.SSLError, ...), and subclasses of HTTPException for httpc's stricter
checks. The mapping is built from the C error table (httpc_error_count/at/
name/parent), so a code added in C gets a class here without edits.
"""

import builtins
import http.client as _hc
import re
import socket
import ssl

from . import _httpc_raw as _raw

HTTPException = _hc.HTTPException
NotConnected = _hc.NotConnected
InvalidURL = _hc.InvalidURL
UnknownProtocol = _hc.UnknownProtocol
UnknownTransferEncoding = _hc.UnknownTransferEncoding
UnimplementedFileMode = _hc.UnimplementedFileMode
IncompleteRead = _hc.IncompleteRead
ImproperConnectionState = _hc.ImproperConnectionState
CannotSendRequest = _hc.CannotSendRequest
CannotSendHeader = _hc.CannotSendHeader
ResponseNotReady = _hc.ResponseNotReady
BadStatusLine = _hc.BadStatusLine
LineTooLong = _hc.LineTooLong
RemoteDisconnected = _hc.RemoteDisconnected
error = HTTPException


class TooManyHeaders(HTTPException):
    """More header lines than allowed (http.client: HTTPException("got more
    than 100 headers"); same message, more precise class)."""


class InvalidContentLength(HTTPException):
    """Conflicting or malformed Content-Length (httpc is stricter here)."""


class InvalidChunk(IncompleteRead):
    """A chunk-size line that is not strict hexadecimal, or chunk data not
    followed by CRLF (httpc is stricter). http.client raises IncompleteRead
    for a malformed chunk size, so this is one: `partial` holds the whole
    chunks read before it, and str() gives the reason."""

    def __init__(self, partial, message=""):
        IncompleteRead.__init__(self, partial)
        self.args = (message,)

    def __str__(self):
        return self.args[0]


class TooManyInterimResponses(HTTPException):
    """More interim (1xx) responses than allowed before the final one."""


class ResponseTooLarge(HTTPException):
    """The response body is larger than the connection's max_response_size
    (httpc's bound; http.client has none)."""


class TunnelFailed(OSError):
    """The proxy refused CONNECT (http.client raises a plain OSError with the
    same message)."""


# Where each class name of the C table lives, looked up in this order.
_NAMESPACES = (globals(), vars(_hc), vars(builtins), vars(socket), vars(ssl))


def _class_for_name(name):
    for ns in _NAMESPACES:
        cls = ns.get(name)
        if isinstance(cls, type) and issubclass(cls, BaseException):
            return cls
    return None


def _build_table():
    table = {}
    for i in range(_raw.httpc_error_count()):
        code = _raw.httpc_error_at(i)
        name = _raw.httpc_error_name(code)
        cls = _class_for_name(name)
        if cls is None:
            # A code newer than this file: a class derived from its parents
            # (a parent that is already the other's ancestor is left out).
            parents = [table[p] for p in (_raw.httpc_error_parent(code, 0),
                                          _raw.httpc_error_parent(code, 1)) if p in table]
            bases = tuple(b for b in parents
                          if not any(o is not b and issubclass(o, b) for o in parents))
            cls = type(name, bases or (HTTPException,), {"__module__": __name__})
            globals()[name] = cls
        table[code] = cls
    return table


CODE_TO_CLASS = _build_table()

_ARG_CLASSES = (ImproperConnectionState, UnknownProtocol)

# The C library writes OS errors as "[Errno N] text"; OSError(N, text) adds
# the prefix itself, so it is taken off (else "[Errno 32] [Errno 32] ...").
_ERRNO_PREFIX = re.compile(r"\[Errno (-?\d+)\] ")


def _split_errno(message, number):
    """(number, text) of an "[Errno N] text" message; N wins over `number`
    (for gaierror it is the EAI code, not errno)."""
    m = _ERRNO_PREFIX.match(message)
    if m is None:
        return number, message
    return int(m.group(1)), message[m.end():]


def make_exception(code, message, os_errno, expected, line, partial):
    """Build the exception for a C error (called from the raw module)."""
    cls = CODE_TO_CLASS.get(code, HTTPException)
    name = cls.__name__
    if message.startswith(name + ": "):
        message = message[len(name) + 2:]
    elif message == name:
        message = ""
    if cls is IncompleteRead:
        return IncompleteRead(partial if partial is not None else b"",
                              None if expected < 0 else expected)
    if issubclass(cls, InvalidChunk):
        return cls(partial if partial is not None else b"", message)
    if cls is RemoteDisconnected:
        return RemoteDisconnected(message)
    if cls is BadStatusLine:
        exc = BadStatusLine(line)
        # .line is the line as read (as http.client keeps it); the message
        # shows it as repr does, so it stays one printable line.
        if not exc.args[0].isprintable():
            exc.args = (repr(line),)
        return exc
    if issubclass(cls, _ARG_CLASSES):
        return cls(message) if message else cls()
    if cls is LineTooLong:
        exc = LineTooLong.__new__(LineTooLong)
        HTTPException.__init__(exc, message)
        return exc
    if cls is socket.gaierror:
        return socket.gaierror(*_split_errno(message, os_errno or socket.EAI_NONAME))
    if cls is TimeoutError:
        return TimeoutError(message or "timed out")
    if issubclass(cls, ssl.SSLError):
        exc = cls(message)
        if cls is ssl.SSLCertVerificationError:
            exc.verify_message = message
            exc.verify_code = 0
        return exc
    if issubclass(cls, OSError) and os_errno:
        os_errno, message = _split_errno(message, os_errno)
        exc = OSError.__new__(cls, os_errno, message)
        OSError.__init__(exc, os_errno, message)
        return exc
    return cls(message)


_raw.set_error_factory(make_exception, lambda line: print(line))
