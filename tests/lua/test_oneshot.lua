-- httpc.request as LuaSocket users call socket.http.request: LTN12 sources
-- and sinks, the table form, redirects, proxies, credentials in the URL,
-- header lists, and unknown options refused by name. The server
-- (tests/lua/echo_server.py) answers with the request it received, so each
-- test checks what went on the wire.
local T = require("check")
local httpc = require("httpc")
local ltn12 = require("ltn12")

local PORT = T.serve_echo()
local BASE = "http://127.0.0.1:" .. PORT

local function has(text, piece, what)
  T.ok(text and text:find(piece, 1, true), (what or "text") .. " has " .. string.format("%q", piece)
       .. ": " .. tostring(text))
end

local function lacks(text, piece, what)
  T.ok(not text:find(piece, 1, true), (what or "text") .. " lacks " .. string.format("%q", piece))
end

T.test("source with Content-Length: sent with that length", function()
  local body, code = httpc.request(BASE .. "/up", {method = "POST", source = ltn12.source.string("xyz"),
                                                   headers = {["content-length"] = 3}})
  T.eq(code, 200, "code")
  has(body, "POST /up HTTP/1.1\r\n", "request line")
  has(body, "content-length: 3\r\n", "the caller's length")
  lacks(body, "Transfer-Encoding", "request")
  T.eq(body:sub(-3), "xyz", "the body arrived")
end)

T.test("source without a length: sent chunked, nothing lost", function()
  local pieces = {"abc", "", "defgh", "i"}
  local body = httpc.request(BASE .. "/up", {method = "PUT", source = ltn12.source.table(pieces)})
  has(body, "PUT /up HTTP/1.1\r\n", "request line")
  has(body, "Transfer-Encoding: chunked\r\n", "chunked")
  has(body, "\r\n\r\n3\r\nabc\r\n5\r\ndefgh\r\n1\r\ni\r\n0\r\n\r\n", "the chunks")
  -- a larger body from a file source
  local path = os.tmpname()
  local f = assert(io.open(path, "wb"))
  local data = ("0123456789abcdef"):rep(20000)
  f:write(data)
  f:close()
  local t = {}
  local one, code = httpc.request{url = BASE .. "/file", method = "POST",
                                  source = ltn12.source.file(assert(io.open(path, "rb"))),
                                  headers = {["Content-Length"] = #data}, sink = ltn12.sink.table(t)}
  os.remove(path)
  T.eq(one, 1, "first result with a sink")
  T.eq(code, 200, "code")
  local echoed = table.concat(t)
  T.eq(echoed:sub(-#data), data, "320000 bytes from a file source")
end)

T.test("sink: the body goes to the sink, results 1, code, headers, status", function()
  local t = {}
  local one, code, headers, status = httpc.request(BASE .. "/s", {sink = ltn12.sink.table(t)})
  T.eq(one, 1, "1 as LuaSocket")
  T.eq(code, 200, "code")
  T.eq(status, "HTTP/1.1 200 OK", "status line")
  local got = table.concat(t)
  has(got, "GET /s HTTP/1.1\r\n", "sink contents")
  has(got, "\r\nConnection: close\r\n", "one request per connection, said as LuaSocket says it")
  local echoed = httpc.request(BASE .. "/k", {headers = {connection = "keep-alive"}})
  has(echoed, "\r\nconnection: keep-alive\r\n", "the caller's Connection header")
  lacks(echoed, "close", "no second Connection header")
  T.eq(headers["content-length"], tostring(#got), "headers with lower-case names")
end)

T.test("result headers: lower-case names, repeated fields joined, long names", function()
  local long = "X-" .. string.rep("Long-Name", 10)
  local port = T.serve_text("reply: HTTP/1.1 200 OK\\r\\nX-Rep: a\\r\\nContent-Length: 2\\r\\n" ..
                            "x-rep: b\\r\\n" .. long .. ": v\\r\\nX-Empty:\\r\\n\\r\\nok\n" ..
                            "reply-close: no\n")
  local body, code, headers = httpc.request("http://127.0.0.1:" .. port .. "/")
  T.eq(body, "ok", "body")
  T.eq(code, 200, "code")
  T.eq(headers["x-rep"], "a, b", "repeated fields joined in order")
  T.eq(headers[long:lower()], "v", "a long name in lower case")
  T.eq(headers["x-empty"], "", "an empty value")
  T.eq(headers["content-length"], "2", "content-length")
  local count = 0
  for _ in pairs(headers) do count = count + 1 end
  T.eq(count, 4, "one key per name")
end)

T.test("the table form: url, method, headers, source, sink", function()
  local t = {}
  local one, code, headers, status = httpc.request{
    url = BASE .. "/table?q=1", method = "PATCH",
    headers = {["X-One"] = "1", ["Content-Type"] = "text/plain", ["Content-Length"] = "5"},
    source = ltn12.source.string("hello"), sink = ltn12.sink.table(t)}
  T.eq(one, 1, "1")
  T.eq(code, 200, "code")
  T.eq(status, "HTTP/1.1 200 OK", "status")
  T.eq(type(headers), "table", "headers")
  local got = table.concat(t)
  has(got, "PATCH /table?q=1 HTTP/1.1\r\n", "request line")
  has(got, "X-One: 1\r\n", "header")
  T.eq(got:sub(-5), "hello", "body")
  -- without a sink, the body is the first result (nothing is dropped)
  local body, code2 = httpc.request{url = BASE .. "/nosink"}
  has(body, "GET /nosink HTTP/1.1", "body as the first result")
  T.eq(code2, 200, "code")
  -- a step function, as ltn12.pump.step
  local steps, t2 = 0, {}
  httpc.request{url = BASE .. "/step", sink = ltn12.sink.table(t2),
                step = function(src, snk) steps = steps + 1 return ltn12.pump.step(src, snk) end}
  T.ok(steps >= 2, "step called per chunk and at the end")
  has(table.concat(t2), "GET /step ", "step pumped the body")
end)

T.test("a string second argument is POSTed as a form", function()
  local body, code = httpc.request(BASE .. "/form", "a=1&b=2")
  T.eq(code, 200, "code")
  has(body, "POST /form HTTP/1.1\r\n", "POST")
  has(body, "Content-Type: application/x-www-form-urlencoded\r\n", "form type")
  has(body, "Content-Length: 7\r\n", "length")
  T.eq(body:sub(-7), "a=1&b=2", "body")
end)

T.test("headers: a list of values is sent as one field line each", function()
  local body = httpc.request(BASE .. "/h", {headers = {["X-A"] = {"1", "2"}, ["X-B"] = 3}})
  has(body, "X-A: 1\r\nX-A: 2\r\n", "two X-A lines")
  has(body, "X-B: 3\r\n", "a number value")
  local conn = httpc.HTTPConnection("127.0.0.1", PORT, {timeout = 10})
  conn:request("GET", "/h2", nil, {["X-A"] = {"a", "b", "c"}})
  local echoed = conn:getresponse():read("a")
  has(echoed, "X-A: a\r\nX-A: b\r\nX-A: c\r\n", "through conn:request")
  conn:putrequest("GET", "/h3")
  conn:putheader("X-C", {"1", "2"})
  conn:endheaders()
  has(conn:getresponse():read("a"), "X-C: 1\r\n\t2\r\n", "putheader(name, {values}) as putheader(name, v1, v2)")
  T.raises("ValueError", conn.request, conn, "GET", "/", nil, {["X-A"] = {}})
  T.raises("ValueError", conn.request, conn, "GET", "/", nil, {["X-A"] = {"ok", "bad\r\nvalue"}})
  conn:close()
end)

T.test("redirects: 301, 302, 303, 307, 308 followed for GET and HEAD", function()
  for _, code in ipairs({301, 302, 303, 307, 308}) do
    local body, status, headers = httpc.request(BASE .. "/redirect/" .. code .. "?to=/final" .. code)
    T.eq(status, 200, code .. " followed")
    has(body, "GET /final" .. code .. " HTTP/1.1", "the target's answer")
    T.eq(headers.location, "/final" .. code, "location kept as a hint, as LuaSocket")
  end
  local body, status = httpc.request{url = BASE .. "/redirect/302?to=/head", method = "HEAD"}
  T.eq(status, 200, "HEAD followed")
  T.eq(body, "", "no body for HEAD")
  -- relative, absolute path with a query, and absolute URL locations
  T.eq(httpc.request(BASE .. "/redirect/302?to=rel/x"):match("^GET (%S+)"), "/redirect/rel/x", "relative")
  body = httpc.request(BASE .. "/redirect/302?to=" .. "http%3A%2F%2F127.0.0.1%3A" .. PORT .. "%2Fabs%3Fk%3Dv")
  T.eq(body:match("^GET (%S+)"), "/abs?k=v", "absolute URL")
end)

T.test("redirects: redirect=false, POST, maxredirects, other schemes", function()
  local body, status, headers = httpc.request{url = BASE .. "/redirect/302?to=/final", redirect = false}
  T.eq(status, 302, "not followed with redirect=false")
  T.eq(body, "moved\n", "the redirect's own body")
  T.eq(headers.location, "/final", "location")
  body, status = httpc.request(BASE .. "/redirect/307?to=/final", "a=1")
  T.eq(status, 307, "a POST is not redirected (as LuaSocket)")
  -- a loop stops after maxredirects
  body, status = httpc.request{url = BASE .. "/redirect/302"}
  T.eq(status, 302, "a redirect loop ends after 5 (the default)")
  body, status = httpc.request{url = BASE .. "/redirect/301?to=/redirect/302%3Fto%3D/two", maxredirects = 1}
  T.eq(status, 302, "maxredirects = 1: one hop")
  body, status = httpc.request{url = BASE .. "/redirect/301?to=/redirect/302%3Fto%3D/two", maxredirects = 2}
  T.eq(status, 200, "maxredirects = 2: two hops")
  has(body, "GET /two ", "second hop")
  -- an unsupported scheme in Location is not followed
  body, status = httpc.request(BASE .. "/redirect/302?to=ftp%3A%2F%2Fexample.org%2F")
  T.eq(status, 302, "ftp: not followed")
end)

T.test("credentials in the URL: Basic authorization, not sent to another host", function()
  T.eq(httpc._base64("Aladdin:open sesame"), "QWxhZGRpbjpvcGVuIHNlc2FtZQ==", "base64")
  T.eq(httpc._base64("a"), "YQ==", "base64 of one byte")
  T.eq(httpc._base64("ab"), "YWI=", "base64 of two bytes")
  local body, status = httpc.request("http://user:p%40ss@127.0.0.1:" .. PORT .. "/auth")
  T.eq(status, 200, "status")
  has(body, "Authorization: Basic " .. httpc._base64("user:p@ss") .. "\r\n", "Basic credentials, decoded")
  has(body, "Host: 127.0.0.1:" .. PORT .. "\r\n", "Host without the user information")
  body = httpc.request("http://user:pw@127.0.0.1:" .. PORT .. "/auth", {headers = {Authorization = "Bearer t"}})
  has(body, "Authorization: Bearer t\r\n", "the caller's own Authorization wins")
  lacks(body, "Basic", "request")
  -- a redirect to another authority (localhost, not 127.0.0.1) drops them
  body = httpc.request("http://user:pw@127.0.0.1:" .. PORT .. "/redirect/302?to=" ..
                       "http%3A%2F%2Flocalhost%3A" .. PORT .. "%2Felsewhere")
  has(body, "GET /elsewhere ", "followed")
  lacks(body, "Authorization", "request to the other host")
  -- a relative redirect stays on the same site and keeps them
  body = httpc.request("http://user:pw@127.0.0.1:" .. PORT .. "/redirect/302?to=/same")
  has(body, "Authorization: Basic ", "same site")
end)

T.test("proxy: the absolute URL to the proxy, its credentials", function()
  -- the echo server plays the proxy: it shows what a proxy receives
  local body, status = httpc.request{url = "http://example.invalid:8081/p?q=1",
                                     proxy = "http://127.0.0.1:" .. PORT}
  T.eq(status, 200, "status")
  has(body, "GET http://example.invalid:8081/p?q=1 HTTP/1.1\r\n", "absolute-form target")
  has(body, "Host: example.invalid:8081\r\n", "Host of the origin")
  body = httpc.request("http://example.invalid/x", {proxy = "http://pu:pp@127.0.0.1:" .. PORT})
  has(body, "Proxy-Authorization: Basic " .. httpc._base64("pu:pp") .. "\r\n", "proxy credentials")
  local nothing, err = httpc.request("http://example.invalid/", {proxy = "socks5://127.0.0.1:1"})
  T.eq(nothing, nil, "unsupported proxy")
  T.eq(err.name, "InvalidURL", "error class")
end)

T.test("unknown or misspelt options raise, naming the key", function()
  local err = T.raises("ValueError", httpc.request, BASE .. "/", {methd = "POST"})
  has(err.message, "'methd'", "message")
  has(err.message, "did you mean 'method'", "hint")
  err = T.raises("ValueError", httpc.request, {url = BASE .. "/", timout = 5})
  has(err.message, "'timout'", "message")
  has(err.message, "did you mean 'timeout'", "hint")
  err = T.raises("ValueError", httpc.request, {url = BASE .. "/", [1] = "x"})
  has(err.message, "unknown request option '1'", "a non-string key")
  err = T.raises("ValueError", httpc.request, {url = BASE .. "/", create = function() end})
  has(err.message, "'create'", "create")
  T.raises("ValueError", httpc.request, {url = BASE .. "/", sink = {}})
  T.raises("ValueError", httpc.request, {url = BASE .. "/", redirect = "yes"})
  T.raises("ValueError", httpc.request, {url = BASE .. "/", maxredirects = -1})
  T.raises("ValueError", httpc.request, {url = 5})
  T.raises("ValueError", httpc.request, {url = BASE, body = "a", source = ltn12.source.string("b")})
  T.raises("ValueError", httpc.request, BASE, {url = BASE})
end)

T.test("failures: nil, err; errors from sources and sinks", function()
  local nothing, err = httpc.request{url = BASE .. "/up", method = "POST",
                                     source = function() return nil, "disk on fire" end}
  T.eq(nothing, nil, "source error")
  has(err.message, "disk on fire", "the source's message")
  T.eq(err.cause, "disk on fire", "the source's error as cause")
  nothing, err = httpc.request{url = BASE .. "/x", sink = function(chunk) return nil, "sink full" end}
  T.eq(nothing, nil, "sink error")
  has(tostring(err), "sink full", "the sink's message")
  nothing, err = httpc.request{url = "http://127.0.0.1:1/"}
  T.eq(err.name, "ConnectionRefusedError", "network error")
  nothing, err = httpc.request{url = "http://u@/"}
  T.eq(err.name, "InvalidURL", "no host")
end)

T.run(13)
