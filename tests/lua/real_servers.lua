-- The httpc Lua API against real servers started by
-- tests/support/with-servers.sh --https --tinyproxy: nginx over HTTP and
-- HTTPS (verification on; failing on a wrong CA or name), CONNECT tunnels
-- through tinyproxy, 8 MiB bodies up and down from a string, a file and a
-- source function (compared by SHA-256), the one-shot httpc.request, and
-- the garbage collector closing 1,000 connections left open.
local T = require("check")
local httpc = require("httpc")

local function env_port(name)
  return T.ok(tonumber(os.getenv(name)), name)
end
local HTTP = env_port("HTTPC_TEST_HTTP_PORT")
local HTTPS = env_port("HTTPC_TEST_HTTPS_PORT")
local PROXY = env_port("HTTPC_TEST_PROXY_PORT")
local CA = os.getenv("HTTPC_TEST_CA")
local WWW = os.getenv("HTTPC_TEST_DIR") .. "/www"
local MiB = 1024 * 1024

local function sha256_of_file(path)
  local p = assert(io.popen("sha256sum < '" .. path .. "'"))
  local sum = p:read("l"):match("^(%x+)")
  p:close()
  return sum
end

local function sha256(data)
  local path = os.tmpname()
  local f = assert(io.open(path, "wb"))
  f:write(data)
  f:close()
  local sum = sha256_of_file(path)
  os.remove(path)
  return sum
end

local function context()
  return httpc.create_default_context{cafile = CA}
end

local function fetch(conn, method, path, body, headers)
  conn:request(method, path, body, headers)
  local r = conn:getresponse()
  return r, r:read("a")
end

T.test("HTTP: GET, HEAD, 404, keep-alive on one socket", function()
  local conn = httpc.HTTPConnection("127.0.0.1", HTTP, {timeout = 10})
  local r, body = fetch(conn, "GET", "/small")
  T.eq(r.status, 200, "status")
  T.eq(#body, 100, "body length")
  T.eq(r:getheader("Content-Length"), "100", "Content-Length")
  local fd = conn:fileno()
  T.ok(fd, "connected")
  r, body = fetch(conn, "HEAD", "/medium")
  T.eq(body, "", "HEAD has no body")
  T.eq(r:getheader("content-length"), tostring(16 * 1024), "HEAD Content-Length")
  r, body = fetch(conn, "GET", "/status/404")
  T.eq(r.status, 404, "404")
  T.eq(r.reason, "Not Found", "reason")
  T.eq(body, "missing\n", "404 body")
  T.eq(conn:fileno(), fd, "same socket for every request")
  conn:request("GET", "/chunked")
  r = conn:getresponse()
  T.eq(r.chunked, true, "chunked")
  T.eq(r:read("a"), "chunked-body\n", "chunked body")
  conn:close()
  T.eq(conn:fileno(), nil, "closed")
  r, body = fetch(conn, "GET", "/close")
  T.eq(body, "bye\n", "reconnects after close")
  T.eq(r.will_close, true, "Connection: close")
end)

T.test("HTTP: 16 MiB read in pieces equals the served file", function()
  local conn = httpc.HTTPConnection("127.0.0.1", HTTP, {timeout = 30})
  conn:request("GET", "/large")
  local r = conn:getresponse()
  local parts = {}
  for piece in function() return r:read(64 * 1024) end do parts[#parts + 1] = piece end
  local data = table.concat(parts)
  T.eq(#data, 16 * MiB, "length")
  T.eq(sha256(data), sha256_of_file(WWW .. "/large"), "sha256")
end)

T.test("8 MiB bodies up from a string, a file and a source, and down again", function()
  local piece = {}
  for i = 0, 255 do piece[#piece + 1] = string.char(i) end
  local block = table.concat(piece):rep(256) -- 64 KiB of every byte value
  local data = block:rep(128)
  T.eq(#data, 8 * MiB, "size")
  local want = sha256(data)
  local path = os.tmpname()
  local f = assert(io.open(path, "wb"))
  f:write(data)
  f:close()
  local conn = httpc.HTTPConnection("127.0.0.1", HTTP, {timeout = 30, blocksize = 65536})
  local sent = 0
  local bodies = {
    string = function() return data end,
    file = function() return assert(io.open(path, "rb")) end,
    source = function()
      sent = 0
      return function()
        if sent >= #data then return nil end
        sent = sent + #block
        return block
      end
    end,
  }
  for _, kind in ipairs({"string", "file", "source"}) do
    local r, reply = fetch(conn, "PUT", "/upload/lua-" .. kind, bodies[kind]())
    T.ok(r.status == 201 or r.status == 204, kind .. " upload status " .. r.status .. " " .. reply)
    local r2, back = fetch(conn, "GET", "/upload/lua-" .. kind)
    T.eq(r2.status, 200, kind .. " download status")
    T.eq(#back, #data, kind .. " length back")
    T.eq(sha256(back), want, kind .. " sha256")
  end
  os.remove(path)
end)

T.test("what nginx saw: headers as a table and as ordered pairs", function()
  local conn = httpc.HTTPConnection("127.0.0.1", HTTP, {timeout = 10})
  local _, body = fetch(conn, "GET", "/echo", nil, {["User-Agent"] = "httpc-lua", ["X-Test"] = 7})
  T.ok(body:find("user-agent=httpc-lua", 1, true), "user agent: " .. body)
  T.ok(body:find("x-test=7", 1, true), "x-test")
  _, body = fetch(conn, "POST", "/echo", "abc", {{"X-Test", "one"}})
  T.ok(body:find("content-length=3", 1, true), "content-length: " .. body)
  _, body = fetch(conn, "POST", "/echo", function() return nil end)
  T.ok(body:find("transfer-encoding=chunked", 1, true), "a source is sent chunked: " .. body)
  conn:putrequest("GET", "/echo", {skip_accept_encoding = true})
  conn:putheader("X-Test", "a")
  conn:endheaders()
  body = conn:getresponse():read("a")
  T.ok(body:find("accept-encoding=\n", 1, true), "skip_accept_encoding: " .. body)
  conn:putrequest("PUT", "/upload/lua-parts")
  conn:putheader("Content-Length", 6)
  conn:endheaders()
  conn:send("abc")
  conn:send("def")
  local r = conn:getresponse()
  r:read("a")
  T.eq(select(2, fetch(conn, "GET", "/upload/lua-parts")), "abcdef", "send() pieces")
end)

T.test("source_address", function()
  local conn = httpc.HTTPConnection("127.0.0.1", HTTP, {source_address = {"127.0.0.1", 0}})
  T.eq(select(2, fetch(conn, "GET", "/post")), "ok\n", "body")
end)

T.test("HTTPS with the test CA, ECDSA, TLS 1.2 and 1.3 only", function()
  local ctx = context()
  for _, name in ipairs({"HTTPC_TEST_HTTPS_PORT", "HTTPC_TEST_HTTPS_ECDSA_PORT",
                         "HTTPC_TEST_TLS12_PORT", "HTTPC_TEST_TLS13_PORT"}) do
    local conn = httpc.HTTPSConnection("localhost", env_port(name), {context = ctx, timeout = 10})
    local r, body = fetch(conn, "GET", "/small")
    T.eq(r.status, 200, name)
    T.eq(#body, 100, name .. " body")
    conn:close()
  end
  local conn = httpc.HTTPSConnection("localhost", HTTPS,
                                     {context = httpc.create_default_context{cafile = CA, min_version = "1.3"}})
  T.eq(fetch(conn, "GET", "/small").status, 200, "min_version 1.3")
  local pem = assert(io.open(CA)):read("a")
  conn = httpc.HTTPSConnection("127.0.0.1", HTTPS, {context = httpc.create_default_context{cadata = pem}})
  T.eq(fetch(conn, "GET", "/small").status, 200, "cadata, IP address name")
end)

T.test("HTTPS verification fails on a wrong CA, a wrong name, the system store", function()
  local ctx = context()
  local cases = {
    {"HTTPC_TEST_UNTRUSTED_CA_PORT", ctx},
    {"HTTPC_TEST_WRONGHOST_PORT", ctx},
    {"HTTPC_TEST_EXPIRED_PORT", ctx},
    {"HTTPC_TEST_HTTPS_PORT", nil}, -- default context: system CAs only
  }
  for _, case in ipairs(cases) do
    local conn = httpc.HTTPSConnection("localhost", env_port(case[1]), {context = case[2], timeout = 10})
    local err = T.raises("SSLCertVerificationError", conn.request, conn, "GET", "/small")
    T.ok(err:is_a("SSLError") and err:is_a("OSError"), "hierarchy")
    -- Lua follows the C table: not a ValueError (README: deviations).
    T.ok(not err:is_a("ValueError"), "not a ValueError")
  end
  local conn = httpc.HTTPSConnection("localhost", env_port("HTTPC_TEST_UNTRUSTED_CA_PORT"),
                                     {context = httpc.create_default_context{verify = false}})
  T.eq(fetch(conn, "GET", "/small").status, 200, "verify = false")
  conn = httpc.HTTPSConnection("localhost", env_port("HTTPC_TEST_WRONGHOST_PORT"),
                               {context = httpc.create_default_context{cafile = CA, check_hostname = false}})
  T.eq(fetch(conn, "GET", "/small").status, 200, "check_hostname = false")
end)

T.test("HTTPS client certificate", function()
  local port = env_port("HTTPC_TEST_CLIENTCERT_PORT")
  local ctx = context()
  ctx:load_cert_chain(os.getenv("HTTPC_TEST_CLIENT_CERT"), os.getenv("HTTPC_TEST_CLIENT_KEY"))
  local conn = httpc.HTTPSConnection("localhost", port, {context = ctx, timeout = 10})
  T.eq(fetch(conn, "GET", "/small").status, 200, "with a client certificate")
  conn = httpc.HTTPSConnection("localhost", port, {context = context(), timeout = 10})
  local ok, r = pcall(fetch, conn, "GET", "/small")
  T.ok(not ok or r.status == 400, "refused without a certificate")
  T.raises("SSLError", ctx.load_cert_chain, ctx, "/nonexistent.pem")
end)

T.test("CONNECT tunnels through tinyproxy, HTTP and HTTPS", function()
  local conn = httpc.HTTPConnection("127.0.0.1", PROXY, {timeout = 10})
  conn:set_tunnel("127.0.0.1", HTTP)
  local r, body = fetch(conn, "GET", "/echo")
  T.eq(r.status, 200, "status")
  T.ok(body:find("host=127.0.0.1:" .. HTTP, 1, true), "nginx saw the tunnelled Host: " .. body)
  T.ok(conn:get_proxy_response_headers(), "proxy answer headers")
  conn = httpc.HTTPSConnection("127.0.0.1", PROXY, {context = context(), timeout = 10})
  conn:set_tunnel("localhost", HTTPS)
  r, body = fetch(conn, "GET", "/small")
  T.eq(r.status, 200, "HTTPS status")
  T.eq(#body, 100, "HTTPS body")
  local auth = env_port("HTTPC_TEST_PROXY_AUTH_PORT")
  conn = httpc.HTTPConnection("127.0.0.1", auth, {timeout = 10})
  conn:set_tunnel("127.0.0.1", HTTP)
  local err = T.raises("TunnelFailed", conn.request, conn, "GET", "/small")
  T.ok(err:is_a("OSError") and err.message:find("407", 1, true), "407 in the message: " .. err.message)
end)

T.test("httpc.request: http and https, string body, options", function()
  local base = "http://127.0.0.1:" .. HTTP
  local body, status, headers = httpc.request(base .. "/small")
  T.eq(status, 200, "status")
  T.eq(#body, 100, "body")
  T.eq(headers["content-length"], "100", "headers by lower-case name")
  body, status = httpc.request(base .. "/post", "a=1&b=2")
  T.eq(body, "ok\n", "POST body")
  body, status = httpc.request(base .. "/status/404")
  T.eq(status, 404, "404 is a response, not a failure")
  body = httpc.request(base .. "/echo", {method = "PUT", body = "xyz", headers = {["X-Test"] = "t"}})
  T.ok(body:find("method=PUT", 1, true) and body:find("x-test=t", 1, true), body)
  body, status = httpc.request("https://localhost:" .. HTTPS .. "/small", {context = context()})
  T.eq(status, 200, "https")
  local err
  body, err = httpc.request("https://localhost:" .. HTTPS .. "/small")
  T.eq(body, nil, "https without the test CA fails")
  T.eq(err.name, "SSLCertVerificationError", "error object")
end)

local function open_fds()
  local p = assert(io.popen("ls /proc/" .. (os.getenv("HTTPC_LUA_PID") or "self") .. "/fd"))
  local n = 0
  for _ in p:lines() do n = n + 1 end
  p:close()
  return n
end

T.test("1,000 connections left unclosed are closed by the garbage collector", function()
  -- /proc/self/fd seen from a child is the child's: count ours through
  -- /dev/fd, which is the calling process's own view under Linux.
  collectgarbage("collect")
  local function count()
    local n = 0
    for fd = 0, 4095 do
      local f = io.open("/proc/self/fdinfo/" .. fd) -- opened by this process
      if f then n = n + 1; f:close() end
    end
    return n
  end
  local before = count()
  local most = 0
  for i = 1, 1000 do
    local conn = httpc.HTTPConnection("127.0.0.1", HTTP, {timeout = 10})
    conn:request("GET", "/small")
    local r = conn:getresponse()
    if i % 2 == 0 then r:read("a") end -- half of them with the body left unread
    if i % 100 == 0 then most = math.max(most, count() - before) end
  end
  collectgarbage("collect")
  collectgarbage("collect")
  local after = count()
  T.eq(after, before, "descriptors after a full collection (before " .. before .. ")")
  T.ok(most <= 100, "descriptors open at any time stay bounded: " .. most)
  print("  most descriptors open at once: " .. most)
end)

T.run(11)
