// Uses the whole API of the httpc package; compiled with tsc --noEmit
// --strict by package.test.js to check index.d.ts.
import * as httpc from "httpc";
import { Readable } from "stream";

async function promiseApi(): Promise<number> {
  const ctx: httpc.TLSContext = httpc.createDefaultContext({ cafile: "/ca.pem", checkHostname: true, minVersion: "TLSv1.2" });
  ctx.checkHostname = false;
  ctx.rejectUnauthorized = false;
  ctx.loadVerifyLocations({ ca: "-----BEGIN CERTIFICATE-----" });
  ctx.loadCertChain("/cert.pem", "/key.pem");
  const tls = new httpc.HTTPSConnection("localhost", 443, { context: ctx, timeout: 1000 });
  tls.setTunnel("example.test", 443, { "Proxy-Authorization": "Basic eA==" });
  const proxyHeaders: httpc.IncomingHeaders | null = tls.getProxyResponseHeaders();
  const conn = new httpc.HTTPConnection("127.0.0.1", 8080, { timeout: 5000, connectTimeout: 1000, sourceAddress: ["127.0.0.1", 0], blocksize: 16384, debugLevel: 0 });
  conn.setDebugLevel(1);
  conn.setTimeout(2000);
  const controller = new AbortController();
  await conn.connect({ signal: controller.signal });
  await conn.request("POST", "/", Buffer.from("x"), { "X-A": "1", "X-B": ["2", 3] });
  await conn.request("POST", "/", "text", [["X-A", "1"], ["X-A", "2"]], { encodeChunked: false });
  await conn.request("PUT", "/", Readable.from([Buffer.from("a")]));
  await conn.request("PUT", "/", (async function* () { yield new Uint8Array([1]); })());
  conn.putrequest("GET", "/", { skipHost: false, skipAcceptEncoding: true });
  conn.putheader("X-Multi", "a", 2);
  await conn.endheaders(null, { encodeChunked: false });
  await conn.send("data");
  await conn.send(Buffer.from("more"), { signal: AbortSignal.timeout(1000) });
  const res: httpc.HTTPResponse = await conn.getresponse({ signal: controller.signal });
  const status: number = res.status;
  const reason: string = res.reason;
  const version: number = res.version;
  const length: number | null = res.length;
  const headers: httpc.IncomingHeaders = res.headers;
  const raw: string[] = res.rawHeaders;
  const trailers: httpc.IncomingHeaders = res.trailers;
  const type: string | null = res.getHeader("content-type");
  const withDefault: string | number = res.getHeader("x", 0);
  const part: Buffer = await res.read(10, { signal: controller.signal });
  await res.readAll({ signal: controller.signal });
  for await (const chunk of res) part.equals(chunk);
  res.stream().pipe(process.stdout);
  const n: number = await res.readInto(new Uint8Array(16), { signal: controller.signal });
  const all: Buffer = Buffer.concat([await res.readAll(), Buffer.alloc(n)]);
  res.close();
  const closed: boolean = res.closed;
  conn.close();
  const one: httpc.OneShotResponse = await httpc.request("http://127.0.0.1/", { method: "GET", headers: { a: "b" }, body: null, timeout: 100, signal: controller.signal, maxRedirections: 2 });
  const statusCode: number = one.statusCode;
  const oneBody: Buffer = Buffer.from(await one.body.arrayBuffer());
  const parsed: unknown = await (await httpc.request(new URL("http://127.0.0.1/"), { ca: "pem" })).body.json();
  const text: string = await (await httpc.request("http://127.0.0.1/")).body.text();
  const client = new httpc.Client("http://127.0.0.1:8080", { maxIdle: 2, keepAliveTimeout: 1000, timeout: 500 });
  const viaClient: httpc.ClientResponse = await client.request({ path: "/", method: "POST", body: "x", headers: [["a", "b"]], signal: controller.signal });
  client.close();
  oneBody.equals(viaClient.body);
  return statusCode + text.length + (parsed ? 1 : 0) + status + reason.length + version + (length ?? 0) + raw.length + all.length + oneBody.length +
    Object.keys(headers).length + Object.keys(trailers).length + String(type).length + String(withDefault).length +
    (closed ? 1 : 0) + (proxyHeaders ? 1 : 0) + tls.port + tls.host.length + conn.fileno() + res.fileno();
}

function syncApi(): string {
  const conn = new httpc.HTTPConnection("127.0.0.1:8080");
  conn.connectSync();
  conn.requestSync("GET", "/", null, null);
  conn.requestSync("POST", "/", [Buffer.from("a"), "b"]);
  conn.putrequest("GET", "/");
  conn.endheadersSync();
  conn.sendSync(new Uint8Array([1]));
  const res = conn.getresponseSync();
  const line: Buffer = res.readlineSync();
  const some: Buffer = res.readSync(5);
  const count: number = res.readIntoSync(Buffer.alloc(10));
  const rest: Buffer = res.readAllSync();
  return line.toString() + some.toString() + rest.toString() + String(count);
}

function errors(err: unknown): string {
  if (err instanceof httpc.AbortError) return `${err.code} ${String(err.cause)}`;
  if (err instanceof httpc.ConnectionAbortedError) return err.code;
  if (err instanceof httpc.IncompleteRead) return `${err.partial.length} ${err.expected ?? "?"} ${err.httpcCode}`;
  if (err instanceof httpc.BadStatusLine) return err.line;
  if (err instanceof httpc.ConnectionRefusedError || err instanceof httpc.TimeoutError) return err.code;
  if (err instanceof httpc.SSLCertVerificationError) return `${err.code} ${err.tlsError ?? 0}`;
  if (err instanceof httpc.OSError) return `${err.errno ?? 0}`;
  if (err instanceof httpc.HTTPException || err instanceof httpc.InvalidArgumentError || err instanceof httpc.StateError) return err.message;
  const classes = [httpc.RemoteDisconnected, httpc.ResolveError, httpc.TunnelFailed, httpc.BrokenPipeError, httpc.SSLError,
    httpc.ConnectionResetError, httpc.NotConnected, httpc.InvalidURL, httpc.UnknownProtocol, httpc.UnknownTransferEncoding,
    httpc.UnimplementedFileMode, httpc.ImproperConnectionState, httpc.CannotSendRequest, httpc.CannotSendHeader,
    httpc.ResponseNotReady, httpc.LineTooLong, httpc.TooManyHeaders, httpc.InvalidContentLength, httpc.InvalidChunk,
    httpc.TooManyInterimResponses, httpc.OutOfMemoryError];
  return classes.map((c) => `${c.name}:${c.httpcCode}:${c.nodeCode}`).join(",") + new httpc.CannotSendRequest("x").code;
}

const tables: string = httpc.responses[404] + httpc.status.NOT_FOUND + httpc.HTTP_PORT + httpc.HTTPS_PORT + httpc.version;
export { promiseApi, syncApi, errors, tables };
