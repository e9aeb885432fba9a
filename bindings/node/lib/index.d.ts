// Types of the httpc package (index.js).
/// <reference types="node" />
import { Readable } from "stream";

export type HeaderValue = string | number | bigint | ReadonlyArray<string | number | bigint>;
/** A plain object (array values repeat the header), a Map, or [name, value] pairs in order. */
export type RequestHeaders =
  | Record<string, HeaderValue>
  | Iterable<readonly [string, HeaderValue]>
  | null
  | undefined;
export type BodyChunk = Buffer | Uint8Array | string;
/** Whole bodies are sent with Content-Length; iterables and streams chunked. */
export type RequestBody =
  | BodyChunk
  | ArrayBuffer
  | Iterable<BodyChunk>
  | AsyncIterable<BodyChunk>
  | Readable
  | null
  | undefined;
/** Node's shape: lower-case names; set-cookie an array. */
export type IncomingHeaders = Record<string, string | string[] | undefined>;

export interface ConnectionOptions {
  /** Milliseconds each blocking operation may take (none by default). */
  timeout?: number;
  /** Milliseconds the connect and TLS handshake may take (default: timeout). */
  connectTimeout?: number;
  /** Milliseconds a whole response may take, head to end of body, however
   * fast data keeps arriving (none by default). */
  totalTimeout?: number;
  /** Most body bytes one response may deliver; beyond it a read fails with
   * ResponseTooLarge and the connection is closed (none by default). */
  maxResponseSize?: number;
  /** Local [host, port] to bind before connecting. */
  sourceAddress?: readonly [string, number];
  /** Size of the pieces a body is sent in. */
  blocksize?: number;
  /** > 0 prints http.client's send:/reply:/header: lines on stdout. */
  debugLevel?: number;
}

export interface TLSOptions {
  /** Trusted CAs as PEM text (instead of the system store). */
  ca?: string | Buffer | ReadonlyArray<string | Buffer>;
  cafile?: string;
  capath?: string;
  checkHostname?: boolean;
  /** false: no verification at all (and no hostname check). */
  rejectUnauthorized?: boolean;
  minVersion?: "TLSv1.2" | "TLSv1.3";
  /** Client certificate and key: file names or PEM text. */
  cert?: string | Buffer;
  key?: string | Buffer;
}

export interface HTTPSConnectionOptions extends ConnectionOptions, TLSOptions {
  context?: TLSContext;
}

export interface SignalOptions {
  /** Aborting rejects with AbortError and interrupts the operation in flight. */
  signal?: AbortSignal;
}

export interface RequestOptions extends SignalOptions {
  /** Chunk-encode a body whose Transfer-Encoding header the caller set. */
  encodeChunked?: boolean;
}

export interface PutrequestOptions {
  skipHost?: boolean;
  skipAcceptEncoding?: boolean;
}

export class TLSContext {
  constructor(options?: { loadSystemStore?: boolean });
  checkHostname: boolean;
  rejectUnauthorized: boolean;
  minVersion: "TLSv1.2" | "TLSv1.3";
  loadVerifyLocations(where: { cafile?: string; capath?: string; ca?: TLSOptions["ca"] }): void;
  loadCertChain(cert: string | Buffer, key?: string | Buffer): void;
}

export function createDefaultContext(options?: TLSOptions): TLSContext;

export class HTTPConnection {
  constructor(host: string, port?: number | null, options?: ConnectionOptions);
  constructor(host: string, options?: ConnectionOptions);
  static readonly defaultPort: number;
  /** The option names the constructor accepts (others throw InvalidArgumentError). */
  static readonly optionNames: readonly string[];
  readonly host: string;
  readonly port: number;
  fileno(): number;
  setDebugLevel(level: number): void;
  setTimeout(ms: number | null): void;
  setTunnel(host: string, port?: number, headers?: RequestHeaders): void;
  getProxyResponseHeaders(): IncomingHeaders | null;
  close(): void;

  // Promise API
  connect(options?: SignalOptions): Promise<void>;
  request(method: string, url: string, body?: RequestBody, headers?: RequestHeaders, options?: RequestOptions): Promise<void>;
  getresponse(options?: SignalOptions): Promise<HTTPResponse>;
  endheaders(body?: BodyChunk | null, options?: RequestOptions): Promise<void>;
  send(data: BodyChunk, options?: SignalOptions): Promise<void>;

  // Sync API
  connectSync(): void;
  requestSync(method: string, url: string, body?: RequestBody, headers?: RequestHeaders, options?: RequestOptions): void;
  getresponseSync(): HTTPResponse;
  endheadersSync(body?: BodyChunk | null, options?: RequestOptions): void;
  sendSync(data: BodyChunk): void;

  // Buffered until endheaders: these never block.
  putrequest(method: string, url: string, options?: PutrequestOptions): void;
  putheader(name: string, ...values: Array<string | number | bigint>): void;
}

export class HTTPSConnection extends HTTPConnection {
  constructor(host: string, port?: number | null, options?: HTTPSConnectionOptions);
  constructor(host: string, options?: HTTPSConnectionOptions);
}

export class HTTPResponse implements AsyncIterable<Buffer> {
  readonly status: number;
  readonly reason: string;
  /** 10 for HTTP/1.0, 11 for HTTP/1.1. */
  readonly version: number;
  readonly willClose: boolean;
  readonly chunked: boolean;
  /** Body bytes still expected by Content-Length, or null. */
  readonly length: number | null;
  readonly headers: IncomingHeaders;
  /** [name, value, name, value, ...] as received. */
  readonly rawHeaders: string[];
  readonly trailers: IncomingHeaders;
  readonly rawTrailers: string[];
  readonly closed: boolean;
  getHeader(name: string): string | null;
  getHeader<T>(name: string, defaultValue: T): string | T;
  fileno(): number;
  close(): void;
  read(n?: number, options?: SignalOptions): Promise<Buffer>;
  readAll(options?: SignalOptions): Promise<Buffer>;
  readSync(n?: number): Buffer;
  readAllSync(): Buffer;
  /** Fills the buffer unless the body ends; the count (0 at the end). */
  readInto(buffer: Uint8Array, options?: SignalOptions): Promise<number>;
  readIntoSync(buffer: Uint8Array): number;
  readlineSync(limit?: number): Buffer;
  /** Each step: everything received and decoded so far (up to 64 KiB);
   * leaving early (break) closes the response (and the connection if the
   * body was not read to its end). */
  [Symbol.asyncIterator](): AsyncIterator<Buffer>;
  /** The same as a stream.Readable; destroy() closes the response. */
  stream(): Readable;
}

export interface OneShotOptions extends ConnectionOptions, TLSOptions, SignalOptions {
  method?: string;
  headers?: RequestHeaders;
  body?: RequestBody;
  /** Redirects (301, 302, 303, 307, 308) followed, as undici: default 0. */
  maxRedirections?: number;
  context?: TLSContext;
}

/** undici's body mixin over a stream.Readable of the response body. */
export interface ResponseBody extends Readable {
  readonly bodyUsed: boolean;
  text(): Promise<string>;
  json(): Promise<unknown>;
  arrayBuffer(): Promise<ArrayBuffer>;
  bytes(): Promise<Uint8Array>;
  blob(): Promise<Blob>;
  /** Reads and drops up to `limit` bytes (default 128 KiB). */
  dump(options?: { limit?: number }): Promise<void>;
}

/** What httpc.request gives, as undici.request (plus http.client's names). */
export interface OneShotResponse {
  statusCode: number;
  status: number;
  reason: string;
  headers: IncomingHeaders;
  rawHeaders: string[];
  /** Filled once the body has been read to its end. */
  trailers: IncomingHeaders;
  body: ResponseBody;
}

export function request(url: string | URL, options?: OneShotOptions): Promise<OneShotResponse>;

export interface ClientOptions extends HTTPSConnectionOptions {
  /** Idle connections kept (default 8). */
  maxIdle?: number;
  /** Milliseconds an idle connection is kept (default 4000). */
  keepAliveTimeout?: number;
  /** Most connections in use at once (as undici's Pool); further requests
   * wait for a turn. Default: no limit. */
  connections?: number;
}

export interface ClientRequest extends SignalOptions {
  path?: string;
  method?: string;
  headers?: RequestHeaders;
  body?: RequestBody;
}

/** What Client.request gives: the whole body read in the same operation.
 * headers and trailers are made from the raw lists when first read. */
export interface ClientResponse {
  statusCode: number;
  status: number;
  reason: string;
  readonly headers: IncomingHeaders;
  rawHeaders: string[];
  readonly trailers: IncomingHeaders;
  rawTrailers: string[];
  body: Buffer;
}

/** Requests to one origin over kept-alive connections, like undici.Client. */
export class Client {
  constructor(origin: string | URL, options?: ClientOptions);
  readonly closed: boolean;
  request(options?: ClientRequest): Promise<ClientResponse>;
  close(): void;
}

export const responses: Readonly<Record<number, string>>;
export const status: Readonly<Record<string, number>>;
export const HTTP_PORT: number;
export const HTTPS_PORT: number;
export const version: string;

/** Every error of httpc: `code` as Node says it where Node has a word for it
 * (ECONNREFUSED, ETIMEDOUT, ...), `httpcCode` the C library's number. */
export interface HttpcErrorFields {
  code: string;
  httpcCode: number;
  errno?: number;
  tlsError?: number;
}
type ErrorClass = {
  new (message?: string, options?: { cause?: unknown }): Error & HttpcErrorFields;
  readonly httpcCode: number;
  readonly nodeCode: string;
};

export class OSError extends Error implements HttpcErrorFields {
  constructor(message?: string, options?: { cause?: unknown });
  code: string;
  httpcCode: number;
  /** Negative, as Node's (-111 for ECONNREFUSED). */
  errno?: number;
  tlsError?: number;
  /** As Node's net errors: "connect" (with address and port) or "getaddrinfo" (with hostname). */
  syscall?: string;
  address?: string;
  port?: number;
  hostname?: string;
  static readonly httpcCode: number;
  static readonly nodeCode: string;
}
export class TimeoutError extends OSError {}
export class ConnectionRefusedError extends OSError {}
export class ConnectionResetError extends OSError {}
export class ResolveError extends OSError {}
export class TunnelFailed extends OSError {}
export class BrokenPipeError extends OSError {}
/** An operation interrupted (ECONNABORTED); with a signal, AbortError instead. */
export class ConnectionAbortedError extends OSError {}
/** Non-blocking mode only (EAGAIN); the package never lets it out. */
export class BlockingIOError extends OSError {}
export class SSLError extends OSError {}
export class SSLCertVerificationError extends SSLError {}

export class HTTPException extends Error implements HttpcErrorFields {
  constructor(message?: string, options?: { cause?: unknown });
  code: string;
  httpcCode: number;
  static readonly httpcCode: number;
  static readonly nodeCode: string;
}
export class NotConnected extends HTTPException {}
export class InvalidURL extends HTTPException {}
export class UnknownProtocol extends HTTPException {}
export class UnknownTransferEncoding extends HTTPException {}
export class UnimplementedFileMode extends HTTPException {}
export class IncompleteRead extends HTTPException {
  /** The body read before the connection ended. */
  partial: Buffer;
  /** Bytes still expected, or null when unknown. */
  expected: number | null;
}
export class ImproperConnectionState extends HTTPException {}
export class CannotSendRequest extends ImproperConnectionState {}
export class CannotSendHeader extends ImproperConnectionState {}
export class ResponseNotReady extends ImproperConnectionState {}
export class BadStatusLine extends HTTPException {
  line: string;
}
/** Also `instanceof ConnectionResetError`, with code ECONNRESET. */
export class RemoteDisconnected extends BadStatusLine {}
export class LineTooLong extends HTTPException {}
export class TooManyHeaders extends HTTPException {}
export class InvalidContentLength extends HTTPException {}
/** A malformed chunked body; an IncompleteRead, as http.client raises one there. */
export class InvalidChunk extends IncompleteRead {}
export class TooManyInterimResponses extends HTTPException {}
/** A body beyond the connection's maxResponseSize (the connection is closed). */
export class ResponseTooLarge extends HTTPException {}

export class InvalidArgumentError extends TypeError implements HttpcErrorFields {
  constructor(message?: string, options?: { cause?: unknown });
  code: string;
  httpcCode: number;
  static readonly httpcCode: number;
  static readonly nodeCode: string;
}
export class OutOfMemoryError extends RangeError implements HttpcErrorFields {
  constructor(message?: string, options?: { cause?: unknown });
  code: string;
  httpcCode: number;
  static readonly httpcCode: number;
  static readonly nodeCode: string;
}
export class StateError extends Error implements HttpcErrorFields {
  constructor(message?: string, options?: { cause?: unknown });
  code: string;
  httpcCode: number;
  static readonly httpcCode: number;
  static readonly nodeCode: string;
}
/** What an aborted Promise call rejects with, as Node's own AbortError. */
export class AbortError extends Error {
  constructor(message?: string, options?: { cause?: unknown });
  code: "ABORT_ERR";
}
export type { ErrorClass };
