--- httpc: an HTTP/1.1 client with http.client's semantics, for Lua 5.4 and LuaJIT.
--
--   local httpc = require("httpc")
--   local conn = httpc.HTTPConnection("127.0.0.1", 8080, {timeout = 10})
--   conn:request("GET", "/index.html")
--   local r = conn:getresponse()
--   print(r.status, r.reason, #r:read("a"))
--
-- Built on the private compiled module httpc.raw (SWIG wrappers of the C API
-- plus a few natives for the per-request path). Failures raise error objects
-- (see httpc.Error); the one-shot httpc.request returns nil, err instead.
local raw = require("httpc.raw")

local type, setmetatable, tostring, error, select = type, setmetatable, tostring, error, select
local io_type = io.type
local raw_request, raw_getresponse, raw_read_all, raw_read = raw.request, raw.getresponse,
  raw.read_all, raw.read
local response_close = raw.httpc_response_close

local M = {}
M.version = raw.httpc_version_string()
M.HTTP_PORT = raw.HTTPC_HTTP_PORT or 80
M.HTTPS_PORT = raw.HTTPC_HTTPS_PORT or 443
M.CERT_NONE, M.CERT_REQUIRED = 0, 2
M.TLS_VERSION_1_2, M.TLS_VERSION_1_3 = 0x0303, 0x0304

---------------------------------------------------------------------------
-- Errors: objects built from the C table (name, parents) and the per-thread
-- last-error record, so a new C code needs no change here.
---------------------------------------------------------------------------

--- Class name -> code, for every code of the C table ("IncompleteRead" -> -106).
M.error_codes = {}
for i = 0, raw.httpc_error_count() - 1 do
  local code = raw.httpc_error_at(i)
  M.error_codes[raw.httpc_error_name(code)] = code
end
local codes = M.error_codes

local Error = {}
Error.__index = Error
M.Error = Error

--- True when the error is of class `name` or descends from it (the C
-- hierarchy: RemoteDisconnected is both a BadStatusLine and a
-- ConnectionResetError).
function Error:is_a(name)
  local ancestor = codes[name]
  return ancestor ~= nil and raw.httpc_error_is(self.code, ancestor) == 1
end

function Error:__tostring()
  return "httpc." .. self.name .. ": " .. self.message
end

local function make_error(code, message, errno, tls_error, expected, line, partial)
  local err = setmetatable({name = raw.httpc_error_name(code), code = code,
                            message = message or raw.httpc_strerror(code)}, Error)
  if errno and errno ~= 0 then err.errno = errno end
  if tls_error and tls_error ~= 0 then err.tls_error = tls_error end
  -- The IncompleteRead family (InvalidChunk too, as the C table says): the
  -- body read so far, and the bytes still expected when the record knows
  -- them (a subclass such as InvalidChunk breaks a chunked body, whose
  -- length is unknown).
  if raw.httpc_error_is(code, codes.IncompleteRead) == 1 then
    err.partial = partial or ""
    if code == codes.IncompleteRead and expected and expected >= 0 then
      err.expected = expected
    end
  end
  if line and line ~= "" then err.line = line end
  return err
end
raw.set_error_factory(make_error)

--- True when v is an httpc error object.
function M.is_error(v)
  return getmetatable(v) == Error
end

local function value_error(message)
  error(make_error(codes.ValueError, message), 3)
end

local function check_type(v, want, what)
  if type(v) ~= want then
    value_error(what .. " must be a " .. want .. ", got " .. type(v))
  end
end

---------------------------------------------------------------------------
-- Status codes
---------------------------------------------------------------------------

--- httpc.responses[404] == "Not Found"; httpc.NOT_FOUND == 404.
M.responses = {}
for i = 0, raw.httpc_status_count() - 1 do
  local code = raw.httpc_status_at(i)
  M.responses[code] = raw.httpc_status_phrase(code)
  M[raw.httpc_status_name(code)] = code
end

---------------------------------------------------------------------------
-- TLS contexts (ssl.SSLContext)
---------------------------------------------------------------------------

local Context = {}
Context.__index = Context
M.Context = Context

--- Adds trusted CAs: a PEM file, a directory of hashed PEM files, PEM text.
function Context:load_verify_locations(cafile, capath, cadata)
  if cafile ~= nil then
    check_type(cafile, "string", "cafile")
    raw.httpc_tls_context_load_verify_file(self._ctx, cafile)
  end
  if capath ~= nil then
    check_type(capath, "string", "capath")
    raw.httpc_tls_context_load_verify_dir(self._ctx, capath)
  end
  if cadata ~= nil then
    check_type(cadata, "string", "cadata")
    raw.httpc_tls_context_load_verify_pem(self._ctx, cadata)
  end
end

--- Loads a client certificate chain and its key (key nil: in certfile).
function Context:load_cert_chain(certfile, keyfile)
  check_type(certfile, "string", "certfile")
  if keyfile ~= nil then check_type(keyfile, "string", "keyfile") end
  raw.httpc_tls_context_load_cert_chain(self._ctx, certfile, keyfile)
end

function Context:set_check_hostname(enabled)
  raw.httpc_tls_context_set_check_hostname(self._ctx, enabled and 1 or 0)
end

function Context:set_verify(enabled)
  if enabled then
    raw.httpc_tls_context_set_verify_mode(self._ctx, M.CERT_REQUIRED)
  else
    raw.httpc_tls_context_set_insecure(self._ctx)
  end
end

local min_versions = {["1.2"] = 0x0303, ["1.3"] = 0x0304, [0x0303] = 0x0303, [0x0304] = 0x0304}

--- A context as ssl.create_default_context() makes it: verification and
-- hostname checking on, TLS 1.2 minimum; the system CAs unless cafile,
-- capath or cadata name others. opts: cafile, capath, cadata,
-- check_hostname, verify, min_version ("1.2", "1.3").
function M.create_default_context(opts)
  opts = opts or {}
  check_type(opts, "table", "options")
  local known = {cafile = true, capath = true, cadata = true, check_hostname = true,
                 verify = true, min_version = true}
  for k in pairs(opts) do
    if not known[k] then value_error("unknown TLS option '" .. tostring(k) .. "'") end
  end
  local own_cas = opts.cafile ~= nil or opts.capath ~= nil or opts.cadata ~= nil
  local ctx = setmetatable({_ctx = own_cas and raw.httpc_tls_context_new_empty()
                                   or raw.httpc_tls_context_new()}, Context)
  ctx:load_verify_locations(opts.cafile, opts.capath, opts.cadata)
  if opts.check_hostname == false or opts.verify == false then ctx:set_check_hostname(false) end
  if opts.verify == false then ctx:set_verify(false) end
  if opts.min_version ~= nil then
    local v = min_versions[opts.min_version]
    if not v then value_error("min_version must be \"1.2\" or \"1.3\"") end
    raw.httpc_tls_context_set_min_version(ctx._ctx, v)
  end
  return ctx
end

---------------------------------------------------------------------------
-- Responses (http.client.HTTPResponse, read like a Lua file)
---------------------------------------------------------------------------

local Response = {}
Response.__index = Response
M.Response = Response

local function live(self)
  local r = self._r
  if self._closed then
    error(make_error(codes.ValueError, "attempt to use a closed response"), 3)
  end
  return r
end

local function end_of_body(self)
  self._eof = true
  response_close(self._r)
end

local READ_PIECE = 1024 * 1024

local function read_line(self, keep_newline)
  local r = self._r
  local line = raw_read(r, 65536, 2)
  if line == "" then
    end_of_body(self)
    return nil
  end
  if line:byte(-1) ~= 10 then -- longer than one piece, or the last line
    local parts = {line}
    repeat
      local part = raw_read(r, 65536, 2)
      parts[#parts + 1] = part
    until part == "" or part:byte(-1) == 10
    line = table.concat(parts)
  end
  if not keep_newline and line:byte(-1) == 10 then line = line:sub(1, -2) end
  return line
end

local function read_one(self, fmt)
  if self._eof then
    return (fmt == "a" or fmt == "*a") and "" or (fmt == 0 and nil) or nil
  end
  if fmt == "a" or fmt == "*a" then
    local data = raw_read_all(self._r)
    self._eof = true
    return data
  elseif type(fmt) == "number" then
    if fmt ~= fmt or fmt < 0 or fmt % 1 ~= 0 then
      value_error("read count must be a non-negative integer")
    end
    if fmt == 0 then return "" end
    -- At most READ_PIECE bytes per native call (its buffer is sized by the
    -- count): larger counts are read in pieces, as file:read(n) gives them.
    local data = raw_read(self._r, fmt < READ_PIECE and fmt or READ_PIECE, 0)
    if data == "" then
      end_of_body(self)
      return nil
    end
    if fmt > READ_PIECE and #data == READ_PIECE then
      local parts, got = {data}, #data
      while got < fmt do
        local part = raw_read(self._r, fmt - got < READ_PIECE and fmt - got or READ_PIECE, 0)
        if part == "" then break end
        parts[#parts + 1] = part
        got = got + #part
      end
      data = table.concat(parts)
    end
    return data
  elseif fmt == "l" or fmt == "*l" then
    return read_line(self, false)
  elseif fmt == "L" or fmt == "*L" then
    return read_line(self, true)
  end
  value_error("invalid read format '" .. tostring(fmt) .. "' (use \"a\", \"l\", \"L\" or a count)")
end

--- r:read(...) as file:read: "a" (the rest, "" at the end), "l" (a line
-- without its newline), "L" (with it), n (up to n bytes); nil at the end.
function Response:read(...)
  live(self)
  local n = select("#", ...)
  if n <= 1 then return read_one(self, (...) or "l") end
  local out = {}
  for i = 1, n do
    local v = read_one(self, (select(i, ...)))
    out[i] = v
    if v == nil then return (table.unpack or unpack)(out, 1, i) end
  end
  return (table.unpack or unpack)(out, 1, n)
end

--- Iterates the body like file:lines (default format "l").
function Response:lines(fmt)
  live(self)
  fmt = fmt or "l"
  return function()
    return self:read(fmt)
  end
end

--- Reads up to n bytes with at most one receive (http.client's read1).
function Response:read1(n)
  live(self)
  if self._eof then return nil end
  local data = raw_read(self._r, n or 65536, 1)
  if data == "" then
    end_of_body(self)
    return nil
  end
  return data
end

--- Buffered body bytes, without consuming them.
function Response:peek()
  return raw.peek(live(self))
end

--- The value of header `name` (all values joined with ", "), or default.
function Response:getheader(name, default)
  check_type(name, "string", "header name")
  local v = raw.httpc_response_getheader(live(self), name, nil)
  if v == nil then return default end
  return v
end

--- All headers in order: {{name, value}, ...}.
function Response:getheaders()
  return raw.response_headers(live(self), false)
end

--- The trailers of a chunked body (empty until the body is read).
function Response:trailers()
  return raw.response_headers(live(self), true)
end

function Response:close()
  if not self._closed then
    self._closed = true
    response_close(self._r)
  end
end

function Response:isclosed()
  return self._closed or self._eof or raw.httpc_response_isclosed(self._r) == 1
end

function Response:fileno()
  return raw.httpc_response_fileno(self._r)
end

Response.__close = Response.close

---------------------------------------------------------------------------
-- Connections (http.client.HTTPConnection / HTTPSConnection)
---------------------------------------------------------------------------

local Connection = {}
Connection.__index = Connection
M.Connection = Connection

local option_types = {timeout = "number", connect_timeout = "number", total_timeout = "number",
                      source_address = "table", blocksize = "number", context = "table",
                      debuglevel = "number"}

local function new_connection(host, port, opts, https)
  if type(port) == "table" and opts == nil then port, opts = nil, port end
  if type(host) ~= "string" then value_error("host must be a string, got " .. type(host)) end
  if port ~= nil and (type(port) ~= "number" or port % 1 ~= 0 or port < 0 or port > 65535) then
    value_error("port must be an integer from 0 to 65535")
  end
  opts = opts or {}
  check_type(opts, "table", "options")
  for k, v in pairs(opts) do
    local want = option_types[k]
    if not want or (k == "context" and not https) then
      value_error("unknown connection option '" .. tostring(k) .. "'")
    end
    if type(v) ~= want then value_error("option '" .. k .. "' must be a " .. want) end
  end
  local copts = {timeout = opts.timeout, connect_timeout = opts.connect_timeout,
                 total_timeout = opts.total_timeout, blocksize = opts.blocksize,
                 debuglevel = opts.debuglevel}
  if opts.source_address then
    copts.source_host, copts.source_port = opts.source_address[1], opts.source_address[2]
    if type(copts.source_host) ~= "string" then
      value_error("source_address must be {host, port}")
    end
  end
  local tls = false
  if https then
    tls = opts.context and opts.context._ctx or nil
    if opts.context and not tls then value_error("context must come from create_default_context") end
  end
  local c = raw.conn_new(host, port or 0, tls, copts)
  return setmetatable({_c = c, host = raw.httpc_conn_host(c), port = raw.httpc_conn_port(c),
                       timeout = opts.timeout, blocksize = opts.blocksize or 8192,
                       debuglevel = opts.debuglevel or 0}, Connection)
end

--- httpc.HTTPConnection(host [, port [, opts]]): opts timeout,
-- connect_timeout, total_timeout, source_address ({host, port}),
-- blocksize, debuglevel. Not connected until the first request.
function M.HTTPConnection(host, port, opts)
  return new_connection(host, port, opts, false)
end

--- httpc.HTTPSConnection(host [, port [, opts]]): as HTTPConnection, and
-- opts.context (httpc.create_default_context{...}); default: system CAs.
function M.HTTPSConnection(host, port, opts)
  return new_connection(host, port, opts, true)
end

-- A body for the C layer: nil, a string, or a source function; a file
-- handle becomes a function reading blocksize pieces.
local function body_of(self, body)
  local t = type(body)
  if body == nil or t == "string" or t == "function" then return body end
  if io_type(body) == "file" then
    local size = self.blocksize
    return function() return body:read(size) end
  end
  value_error("body must be a string, an open file or a source function, got "
              .. (io_type(body) or t))
end

--- Sends a request: body a string, a file from io.open or a source function
-- (sent chunked); headers {["Name"] = "value"} or {{"Name", "value"}, ...};
-- opts.encode_chunked as http.client's.
function Connection:request(method, url, body, headers, opts)
  local t = type(body)
  if t ~= "string" and body ~= nil then body = body_of(self, body) end
  raw_request(self._c, method, url, body, headers, opts and opts.encode_chunked)
end

--- Reads the response head; the body is read from the response object.
function Connection:getresponse()
  local r, status, reason, version, will_close, chunked = raw_getresponse(self._c)
  -- _conn: the body comes through the connection's socket, which must not
  -- be collected while the response is still read (http.client's response
  -- holds its socket the same way).
  return setmetatable({_r = r, _conn = self, status = status, reason = reason, version = version,
                       will_close = will_close, chunked = chunked}, Response)
end

--- putrequest(method, url [, {skip_host=, skip_accept_encoding=}])
function Connection:putrequest(method, url, opts)
  local flags = 0
  if opts then
    check_type(opts, "table", "options")
    if opts.skip_host then flags = flags + 1 end
    if opts.skip_accept_encoding then flags = flags + 2 end
  end
  check_type(method, "string", "method")
  check_type(url, "string", "url")
  raw.httpc_conn_putrequest(self._c, method, url, flags)
end

--- putheader(name, value, ...): each further value on a continuation line.
function Connection:putheader(name, ...)
  raw.putheader(self._c, name, ...)
end

--- endheaders([body [, {encode_chunked=}]])
function Connection:endheaders(body, opts)
  raw.endheaders(self._c, body_of(self, body), opts and opts.encode_chunked)
end

--- Sends raw data: a string, a file or a source function.
function Connection:send(data)
  if type(data) == "string" then
    raw.httpc_conn_send(self._c, data)
    return
  end
  local next_piece = body_of(self, data)
  if next_piece == nil then value_error("data must not be nil") end
  for piece in next_piece do
    if type(piece) ~= "string" then value_error("a source must return strings") end
    raw.httpc_conn_send(self._c, piece)
  end
end

--- set_tunnel(host [, port [, headers]]): CONNECT through this proxy.
function Connection:set_tunnel(host, port, headers)
  if type(port) == "table" and headers == nil then port, headers = nil, port end
  raw.set_tunnel(self._c, host, port or 0, headers)
  self.host = raw.httpc_conn_host(self._c)
end

--- The proxy's CONNECT answer headers ({{name, value}, ...}), or nil.
function Connection:get_proxy_response_headers()
  return raw.proxy_headers(self._c)
end

function Connection:set_debuglevel(level)
  check_type(level, "number", "debug level")
  self.debuglevel = level
  raw.httpc_conn_set_debuglevel(self._c, level)
end

--- Changes the per-operation timeout (seconds; nil: none).
function Connection:set_timeout(timeout)
  if timeout ~= nil then check_type(timeout, "number", "timeout") end
  self.timeout = timeout
  raw.httpc_conn_set_timeout(self._c, timeout or -1)
end

function Connection:connect()
  raw.httpc_conn_connect(self._c)
end

--- Closes the socket; the connection reconnects on the next request.
function Connection:close()
  raw.httpc_conn_close(self._c)
end

--- The socket's descriptor, or nil when not connected.
function Connection:fileno()
  local fd = raw.httpc_conn_fileno(self._c)
  if fd < 0 then return nil end
  return fd
end

Connection.__close = Connection.close

---------------------------------------------------------------------------
-- One-shot requests, as LuaSocket's socket.http.request
---------------------------------------------------------------------------

local function split_url(url)
  local scheme, authority, path = url:match("^(%a[%w+.-]*)://([^/?#]*)(.*)$")
  if not scheme then return nil, "not an absolute URL" end
  scheme = scheme:lower()
  if scheme ~= "http" and scheme ~= "https" then
    return nil, "unsupported scheme '" .. scheme .. "' (http and https only)"
  end
  if authority == "" or authority:find("@", 1, true) then
    return nil, "no host, or user information in the URL"
  end
  path = path:gsub("#.*$", "")
  if path == "" or path:sub(1, 1) == "?" then path = "/" .. path end
  return scheme, authority, path
end

local function one_shot(url, arg)
  if type(url) ~= "string" then value_error("url must be a string") end
  local opts
  if type(arg) == "string" then
    opts = {method = "POST", body = arg,
            headers = {["Content-Type"] = "application/x-www-form-urlencoded"}}
  elseif arg == nil then
    opts = {}
  elseif type(arg) == "table" then
    opts = arg
  else
    value_error("the second argument must be a body string or an options table")
  end
  local scheme, authority, path = split_url(url)
  if not scheme then error(make_error(codes.InvalidURL, authority .. ": " .. url), 0) end
  local conn_opts = {timeout = opts.timeout}
  local conn
  if scheme == "https" then
    conn_opts.context = opts.context
    conn = M.HTTPSConnection(authority, nil, conn_opts)
  else
    conn = M.HTTPConnection(authority, nil, conn_opts)
  end
  local ok, body, status, headers = pcall(function()
    conn:request(opts.method or (opts.body ~= nil and "POST" or "GET"), path, opts.body,
                 opts.headers)
    local r = conn:getresponse()
    local data = r:read("a")
    local h = {}
    for _, pair in ipairs(r:getheaders()) do
      local k = pair[1]:lower()
      h[k] = h[k] and (h[k] .. ", " .. pair[2]) or pair[2]
    end
    return data, r.status, h
  end)
  conn:close()
  if not ok then error(body, 0) end
  return body, status, headers
end

--- body, status, headers = httpc.request(url [, body | opts]), or nil, err.
-- A string second argument is POSTed as a form (as LuaSocket does); opts:
-- method, body (string, file or source), headers, timeout, context.
-- headers in the result: lower-case names, repeated fields joined by ", ".
function M.request(url, arg)
  local ok, body, status, headers = pcall(one_shot, url, arg)
  if not ok then
    if getmetatable(body) ~= Error then body = make_error(codes.OSError, tostring(body)) end
    return nil, body
  end
  return body, status, headers
end

return M
