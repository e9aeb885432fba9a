"""httpc: a faster drop-in for http.client, on the httpc C library.

    import httpc as client
    conn = client.HTTPConnection("example.org")
    conn.request("GET", "/")
    print(conn.getresponse().read())

Exceptions are http.client's own classes (plus a few stricter ones under
HTTPException), so code catching http.client's exceptions keeps working.
HTTPS takes an httpc TLS context (create_default_context()) or an
ssl.SSLContext. HTTPHandler and HTTPSHandler put urllib.request on httpc.
"""

from . import _httpc_raw
from http import HTTPStatus
from http.client import responses  # noqa: E402,F401

from ._errors import (  # noqa: E402,F401
    HTTPException, NotConnected, InvalidURL, UnknownProtocol,
    UnknownTransferEncoding, UnimplementedFileMode, IncompleteRead,
    ImproperConnectionState, CannotSendRequest, CannotSendHeader,
    ResponseNotReady, BadStatusLine, LineTooLong, RemoteDisconnected,
    TooManyHeaders, InvalidContentLength, InvalidChunk,
    TooManyInterimResponses, TunnelFailed, ResponseTooLarge, error, CODE_TO_CLASS)
from .client import (  # noqa: E402,F401
    HTTP_PORT, HTTPS_PORT, HTTPConnection, HTTPSConnection, HTTPResponse,
    HTTPMessage, TLSContext, create_default_context, tls_context_from_ssl)
from .handlers import HTTPHandler, HTTPSHandler  # noqa: E402,F401

globals().update(HTTPStatus.__members__)

__version__ = _httpc_raw.httpc_version_string()

__all__ = ["HTTPResponse", "HTTPConnection", "HTTPSConnection",
           "HTTPException", "NotConnected", "UnknownProtocol",
           "UnknownTransferEncoding", "UnimplementedFileMode",
           "IncompleteRead", "InvalidURL", "ImproperConnectionState",
           "CannotSendRequest", "CannotSendHeader", "ResponseNotReady",
           "BadStatusLine", "LineTooLong", "RemoteDisconnected", "error",
           "responses", "TooManyHeaders", "InvalidContentLength",
           "InvalidChunk", "TooManyInterimResponses", "TunnelFailed", "ResponseTooLarge",
           "TLSContext", "create_default_context", "HTTPMessage",
           "tls_context_from_ssl", "HTTPHandler", "HTTPSHandler"]
__all__.extend(["HTTP_PORT", "HTTPS_PORT"])
__all__.extend(HTTPStatus.__members__)
