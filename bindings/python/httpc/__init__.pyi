import email.message
import io
import ssl
import urllib.request
from collections.abc import Iterable, Mapping
from http import HTTPStatus as HTTPStatus
from http.client import (
    BadStatusLine as BadStatusLine,
    CannotSendHeader as CannotSendHeader,
    CannotSendRequest as CannotSendRequest,
    HTTPException as HTTPException,
    ImproperConnectionState as ImproperConnectionState,
    IncompleteRead as IncompleteRead,
    InvalidURL as InvalidURL,
    LineTooLong as LineTooLong,
    NotConnected as NotConnected,
    RemoteDisconnected as RemoteDisconnected,
    ResponseNotReady as ResponseNotReady,
    UnimplementedFileMode as UnimplementedFileMode,
    UnknownProtocol as UnknownProtocol,
    UnknownTransferEncoding as UnknownTransferEncoding,
    responses as responses,
)
from typing import Any

_DataType = bytes | bytearray | memoryview | str | Any | Iterable[bytes] | None
_HeaderValue = str | bytes | int

error = HTTPException
HTTP_PORT: int
HTTPS_PORT: int
__version__: str
CODE_TO_CLASS: dict[int, type[BaseException]]

class TooManyHeaders(HTTPException): ...
class InvalidContentLength(HTTPException): ...
class InvalidChunk(IncompleteRead):
    def __init__(self, partial: bytes, message: str = "") -> None: ...
class TooManyInterimResponses(HTTPException): ...
class TunnelFailed(OSError): ...
class ResponseTooLarge(HTTPException): ...

class HTTPMessage(email.message.Message):
    def getallmatchingheaders(self, name: str) -> list[str]: ...

class HTTPResponse(io.BufferedIOBase):
    status: int
    reason: str
    version: int
    debuglevel: int
    chunked: bool
    will_close: bool
    length: int | None
    url: str | None
    msg: Any  # the headers, until a caller assigns (urllib: the reason)
    headers: HTTPMessage
    fp: HTTPResponse | None
    @property
    def trailers(self) -> HTTPMessage: ...
    @property
    def code(self) -> int: ...
    def read(self, amt: int | None = None) -> bytes: ...
    def read1(self, n: int = -1) -> bytes: ...
    def readinto(self, b: Any) -> int: ...
    def readline(self, limit: int | None = -1) -> bytes: ...
    def peek(self, n: int = -1) -> bytes: ...
    def getheader(self, name: str, default: Any = None) -> Any: ...
    def getheaders(self) -> list[tuple[str, str]]: ...
    def isclosed(self) -> bool: ...
    def fileno(self) -> int: ...
    def info(self) -> HTTPMessage: ...
    def geturl(self) -> str | None: ...
    def getcode(self) -> int: ...
    def __iter__(self) -> HTTPResponse: ...
    def __next__(self) -> bytes: ...

class TLSContext:
    check_hostname: bool
    verify_mode: ssl.VerifyMode
    minimum_version: ssl.TLSVersion
    def __init__(self, *, load_system_store: bool = True) -> None: ...
    def load_verify_locations(self, cafile: str | None = None, capath: str | None = None,
                              cadata: str | bytes | None = None) -> None: ...
    def load_cert_chain(self, certfile: str, keyfile: str | None = None,
                        password: None = None) -> None: ...
    def load_default_certs(self, purpose: Any = None) -> None: ...

def tls_context_from_ssl(context: ssl.SSLContext) -> TLSContext: ...

def create_default_context(purpose: Any = None, *, cafile: str | None = None,
                           capath: str | None = None,
                           cadata: str | bytes | None = None) -> TLSContext: ...

class _ConnectionSocket:
    def fileno(self) -> int: ...
    def close(self) -> None: ...
    def settimeout(self, value: float | None) -> None: ...
    def gettimeout(self) -> float | None: ...
    def getpeername(self) -> Any: ...
    def getsockname(self) -> Any: ...
    def setsockopt(self, *args: Any) -> None: ...
    def getsockopt(self, *args: Any) -> Any: ...

class HTTPConnection:
    response_class: type[HTTPResponse]
    default_port: int
    auto_open: int
    debuglevel: int
    host: str
    port: int
    timeout: float | None
    source_address: tuple[str, int] | None
    blocksize: int
    def __init__(self, host: str, port: int | None = None, timeout: float | None = ...,
                 source_address: tuple[str, int] | None = None, blocksize: int = 8192) -> None: ...
    sock: _ConnectionSocket | None  # only None can be assigned
    def request(self, method: str, url: str, body: _DataType = None,
                headers: Mapping[str, _HeaderValue] = {}, *,
                encode_chunked: bool = False) -> None: ...
    def getresponse(self) -> HTTPResponse: ...
    def set_debuglevel(self, level: int) -> None: ...
    def set_tunnel(self, host: str, port: int | None = None,
                   headers: Mapping[str, str] | None = None) -> None: ...
    def get_proxy_response_headers(self) -> HTTPMessage | None: ...
    def connect(self) -> None: ...
    def close(self) -> None: ...
    def putrequest(self, method: str, url: str, skip_host: bool = False,
                   skip_accept_encoding: bool = False) -> None: ...
    def putheader(self, header: str | bytes, *values: _HeaderValue) -> None: ...
    def endheaders(self, message_body: _DataType = None, *,
                   encode_chunked: bool = False) -> None: ...
    def send(self, data: _DataType) -> None: ...

class HTTPSConnection(HTTPConnection):
    key_file: str | None
    cert_file: str | None
    def __init__(self, host: str, port: int | None = None, key_file: str | None = None,
                 cert_file: str | None = None, timeout: float | None = ...,
                 source_address: tuple[str, int] | None = None, *,
                 context: TLSContext | ssl.SSLContext | None = None,
                 check_hostname: bool | None = None,
                 blocksize: int = 8192) -> None: ...

class HTTPHandler(urllib.request.HTTPHandler): ...
class HTTPSHandler(urllib.request.HTTPSHandler): ...

CONTINUE: HTTPStatus
SWITCHING_PROTOCOLS: HTTPStatus
PROCESSING: HTTPStatus
EARLY_HINTS: HTTPStatus
OK: HTTPStatus
CREATED: HTTPStatus
ACCEPTED: HTTPStatus
NON_AUTHORITATIVE_INFORMATION: HTTPStatus
NO_CONTENT: HTTPStatus
RESET_CONTENT: HTTPStatus
PARTIAL_CONTENT: HTTPStatus
MULTI_STATUS: HTTPStatus
ALREADY_REPORTED: HTTPStatus
IM_USED: HTTPStatus
MULTIPLE_CHOICES: HTTPStatus
MOVED_PERMANENTLY: HTTPStatus
FOUND: HTTPStatus
SEE_OTHER: HTTPStatus
NOT_MODIFIED: HTTPStatus
USE_PROXY: HTTPStatus
TEMPORARY_REDIRECT: HTTPStatus
PERMANENT_REDIRECT: HTTPStatus
BAD_REQUEST: HTTPStatus
UNAUTHORIZED: HTTPStatus
PAYMENT_REQUIRED: HTTPStatus
FORBIDDEN: HTTPStatus
NOT_FOUND: HTTPStatus
METHOD_NOT_ALLOWED: HTTPStatus
NOT_ACCEPTABLE: HTTPStatus
PROXY_AUTHENTICATION_REQUIRED: HTTPStatus
REQUEST_TIMEOUT: HTTPStatus
CONFLICT: HTTPStatus
GONE: HTTPStatus
LENGTH_REQUIRED: HTTPStatus
PRECONDITION_FAILED: HTTPStatus
REQUEST_ENTITY_TOO_LARGE: HTTPStatus
REQUEST_URI_TOO_LONG: HTTPStatus
UNSUPPORTED_MEDIA_TYPE: HTTPStatus
REQUESTED_RANGE_NOT_SATISFIABLE: HTTPStatus
EXPECTATION_FAILED: HTTPStatus
IM_A_TEAPOT: HTTPStatus
MISDIRECTED_REQUEST: HTTPStatus
UNPROCESSABLE_ENTITY: HTTPStatus
LOCKED: HTTPStatus
FAILED_DEPENDENCY: HTTPStatus
TOO_EARLY: HTTPStatus
UPGRADE_REQUIRED: HTTPStatus
PRECONDITION_REQUIRED: HTTPStatus
TOO_MANY_REQUESTS: HTTPStatus
REQUEST_HEADER_FIELDS_TOO_LARGE: HTTPStatus
UNAVAILABLE_FOR_LEGAL_REASONS: HTTPStatus
INTERNAL_SERVER_ERROR: HTTPStatus
NOT_IMPLEMENTED: HTTPStatus
BAD_GATEWAY: HTTPStatus
SERVICE_UNAVAILABLE: HTTPStatus
GATEWAY_TIMEOUT: HTTPStatus
HTTP_VERSION_NOT_SUPPORTED: HTTPStatus
VARIANT_ALSO_NEGOTIATES: HTTPStatus
INSUFFICIENT_STORAGE: HTTPStatus
LOOP_DETECTED: HTTPStatus
NOT_EXTENDED: HTTPStatus
NETWORK_AUTHENTICATION_REQUIRED: HTTPStatus
