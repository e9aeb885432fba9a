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

-- "file:line: httpc.Name: message", as Lua's own errors carry the place of
-- the failing call: an uncaught error object is printed by the standalone
-- interpreter through this, with no traceback.
function Error:__tostring()
  return (self.where or "") .. "httpc." .. self.name .. ": " .. self.message
end

-- "failed: " .. err and err .. "!" work as with string errors.
function Error.__concat(a, b)
  return tostring(a) .. tostring(b)
end

-- The source of this file, to find the first caller outside it.
local own_source = debug.getinfo(1, "S").source

-- "file:line: " of the nearest Lua function outside this module on the
-- stack (the caller's line that failed), or nil.
local function caller_position()
  for level = 3, 40 do
    local info = debug.getinfo(level, "Sl")
    if not info then return nil end
    if info.what ~= "C" and info.source ~= own_source and info.currentline > 0 then
      return info.short_src .. ":" .. info.currentline .. ": "
    end
  end
  return nil
end

local function make_error(code, message, errno, tls_error, expected, line, partial)
  local name = raw.httpc_error_name(code)
  message = message or raw.httpc_strerror(code)
  -- Some C messages start with the class name ("CannotSendRequest:
  -- Request-sent") or are just that name; the name is already in front of
  -- the message.
  if message:sub(1, #name + 2) == name .. ": " then
    message = message:sub(#name + 3)
  elseif message == name then
    message = raw.httpc_strerror(code)
  end
  local err = setmetatable({name = name, code = code, message = message,
                            where = caller_position()}, Error)
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
-- Event loops (cqueues)
---------------------------------------------------------------------------
-- Inside a cqueues coroutine every call runs its C call in non-blocking
-- mode; when that would block (the native returns false), the coroutine
-- waits in the loop, as cqueues.poll(obj) would (connections and responses
-- are pollables: :pollfd(), :events(), :timeout()), and makes the same call
-- again, which resumes where it stopped. Outside cqueues calls block as
-- before.

local loaded = package.loaded
local wait_info, wait_fd, PUSH_BODY = raw.wait_info, raw.wait_fd, raw.PUSH_BODY
local set_nonblocking = raw.httpc_conn_set_nonblocking

-- The cqueues module when the caller runs inside a cqueues coroutine.
local function running_cqueues()
  local cq = loaded.cqueues
  if cq ~= nil and cq.running() then return cq end
  return nil
end

-- Told just before httpc closes a descriptor of a connection made while
-- cqueues was loaded: cqueues forgets what it watched under that number
-- before the number can be reused.
raw.set_announcer(function(fd)
  local cq = loaded.cqueues
  if cq then cq.cancel(fd) end
end)

-- Puts the connection (and its live responses) in the caller's mode:
-- non-blocking inside a cqueues coroutine, blocking outside. Returns the
-- cqueues module, or nil outside.
local function mode(conn)
  if loaded.cqueues == nil and not conn._nb then return nil end -- blocking, the common case
  local cq = running_cqueues()
  local nb = cq ~= nil
  if nb ~= conn._nb then
    set_nonblocking(conn._c, nb and 1 or 0)
    conn._nb = nb
    if nb then
      conn._nb_ever = true
      if not conn._announced then
        raw.announce_sockets(conn._c)
        conn._announced = true
      end
    end
  end
  return cq
end

-- What the loop is given to wait on: one plain table per connection or
-- response, whose fields pollfd, events and timeout cqueues reads as it
-- reads a pollable's methods (three Lua calls fewer per wait). The hot
-- natives fill it themselves when they would block.
local function waiter_of(obj)
  local w = obj._waiter
  if w == nil then
    w = {}
    obj._waiter = w
  end
  return w
end

local yield = coroutine.yield

-- Hands the filled waiter to the cqueues loop and returns once it is ready
-- (or timed out). cqueues.poll(w) is cqueues.running() and then this yield;
-- the caller already knows it runs in the loop (mode() asked).
local function suspend(cq, w)
  local poll_marker = cq._POLL
  if poll_marker ~= nil then
    yield(poll_marker, w)
  else
    cq.poll(w)
  end
end

-- Waits until obj's pending operation can go on (or its deadline): in the
-- cqueues loop, or with poll(2) for a response left in non-blocking mode.
local function wait_for(obj, cq)
  local handle = obj._c or obj._r
  if cq then
    local w = waiter_of(obj)
    w.pollfd, w.events, w.timeout = wait_info(handle)
    suspend(cq, w)
  else
    wait_fd(wait_info(handle))
  end
end

local function pollfd(self) return (wait_info(self._c or self._r)) end
local function events(self)
  local _, ev = wait_info(self._c or self._r)
  return ev
end
local function timeout(self)
  local _, _, t = wait_info(self._c or self._r)
  return t
end

---------------------------------------------------------------------------
-- Responses (http.client.HTTPResponse, read like a Lua file)
---------------------------------------------------------------------------

-- r.length: the body bytes still expected by Content-Length (nil when
-- unknown, as http.client's length is None), kept up to date by the reads.
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

-- After a read gave "": the native has already closed the C response.
local function end_of_body(self)
  self._conn = false
  if self.length then self.length = 0 end
end

local READ_PIECE = 1024 * 1024

-- A native read (kind 0 read, 1 read1, 2 readline) in the caller's mode. A
-- non-blocking read that would block keeps the bytes it copied in its
-- buffer, so it goes to a buffer kept until it completes: the connection's,
-- as it has one readable response at a time (getresponse refuses a second
-- while the first is open, close() ends it; one buffer per response was an
-- allocation of the read's size each time). A connection that never ran
-- non-blocking needs none.
local function rread(self, cap, kind)
  local conn = self._conn
  local data
  if not conn._nb_ever and loaded.cqueues == nil then -- blocking, the common case first
    data = raw_read(self._r, cap, kind)
  else
    local cq = mode(conn)
    if cq == nil and not conn._nb_ever then -- blocking, cqueues loaded
      data = raw_read(self._r, cap, kind)
    else
      local buf = conn._buf
      if buf == nil or conn._buf_cap < cap then
        buf = raw.buffer(cap)
        conn._buf, conn._buf_cap = buf, cap
      end
      local w = cq and waiter_of(self)
      data = raw_read(self._r, cap, kind, buf, w)
      while data == false do
        if cq then suspend(cq, w) else wait_for(self, cq) end
        data = raw_read(self._r, cap, kind, buf, w)
      end
    end
  end
  local length = self.length
  if length then self.length = length - #data end
  return data
end

local function rread_all(self)
  local conn, data = self._conn
  if not conn._nb_ever and loaded.cqueues == nil then -- blocking, the common case first
    data = raw_read_all(self._r)
  else
    local cq = mode(conn)
    local w = cq and waiter_of(self)
    data = raw_read_all(self._r, w)
    while data == false do
      if cq then suspend(cq, w) else wait_for(self, cq) end
      data = raw_read_all(self._r, w)
    end
  end
  if self.length then self.length = 0 end
  return data
end

local function read_line(self, keep_newline)
  local line = rread(self, 65536, 2)
  if line == "" then
    end_of_body(self)
    return nil
  end
  if line:byte(-1) ~= 10 then -- longer than one piece, or the last line
    local parts = {line}
    repeat
      local part = rread(self, 65536, 2)
      parts[#parts + 1] = part
    until part == "" or part:byte(-1) == 10
    line = table.concat(parts)
  end
  if not keep_newline and line:byte(-1) == 10 then line = line:sub(1, -2) end
  return line
end

local function read_one(self, fmt)
  if not self._conn then -- the end of the body was read
    return (fmt == "a" or fmt == "*a") and "" or (fmt == 0 and nil) or nil
  end
  if fmt == "a" or fmt == "*a" then
    local data = rread_all(self)
    self._conn = false
    return data
  elseif type(fmt) == "number" then
    if fmt ~= fmt or fmt < 0 or fmt % 1 ~= 0 then
      value_error("read count must be a non-negative integer")
    end
    if fmt == 0 then return "" end
    -- At most READ_PIECE bytes per native call (its buffer is sized by the
    -- count): larger counts are read in pieces, as file:read(n) gives them.
    local cap, data = fmt < READ_PIECE and fmt or READ_PIECE
    if not self._conn._nb_ever and loaded.cqueues == nil then -- blocking: rread's first case
      data = raw_read(self._r, cap, 0)
      local length = self.length
      if length then self.length = length - #data end
    else
      data = rread(self, cap, 0)
    end
    if data == "" then
      end_of_body(self)
      return nil
    end
    if fmt > READ_PIECE and #data == READ_PIECE then
      local parts, got = {data}, #data
      while got < fmt do
        local part = rread(self, fmt - got < READ_PIECE and fmt - got or READ_PIECE, 0)
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
  if self._closed then live(self) end
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
  if not self._conn then return nil end
  local data = rread(self, n or 65536, 1)
  if data == "" then
    end_of_body(self)
    return nil
  end
  return data
end

--- Buffered body bytes, without consuming them.
function Response:peek()
  local r = live(self)
  if not self._conn then return "" end
  local cq = mode(self._conn)
  local data = raw.peek(r)
  while data == false do
    wait_for(self, cq)
    data = raw.peek(r)
  end
  return data
end

--- The value of header `name` (all values joined with ", "), or default.
-- Headers stay readable after r:close(), as in http.client.
function Response:getheader(name, default)
  check_type(name, "string", "header name")
  local v = raw.httpc_response_getheader(self._r, name, nil)
  if v == nil then return default end
  return v
end

--- All headers in order: {{name, value}, ...}.
function Response:getheaders()
  return raw.response_headers(self._r, false)
end

--- The trailers of a chunked body (empty until the body is read).
function Response:trailers()
  return raw.response_headers(self._r, true)
end

function Response:close()
  if not self._closed then
    self._closed = true
    response_close(self._r)
  end
end

function Response:isclosed()
  return self._closed or not self._conn or raw.httpc_response_isclosed(self._r) == 1
end

function Response:fileno()
  return raw.httpc_response_fileno(self._r)
end

Response.__close = Response.close

--- The pollable of cqueues: what a pending read waits for.
Response.pollfd, Response.events, Response.timeout = pollfd, events, timeout

---------------------------------------------------------------------------
-- Connections (http.client.HTTPConnection / HTTPSConnection)
---------------------------------------------------------------------------

local Connection = {}
Connection.__index = Connection
M.Connection = Connection

local option_types = {timeout = "number", connect_timeout = "number", total_timeout = "number",
                      source_address = "table", blocksize = "number", context = "table",
                      debuglevel = "number", max_response_size = "number"}

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
  if opts.max_response_size then raw.httpc_conn_set_max_response_size(c, opts.max_response_size) end
  -- A program that loaded cqueues may use the connection in its loop: its
  -- descriptors are announced from the first one on.
  local announced = loaded.cqueues ~= nil
  if announced then raw.announce_sockets(c) end
  return setmetatable({_c = c, host = raw.httpc_conn_host(c), port = raw.httpc_conn_port(c),
                       _timeout = opts.timeout, blocksize = opts.blocksize or 8192,
                       debuglevel = opts.debuglevel or 0, _nb = false, _announced = announced},
                      Connection)
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

-- Pushes the pieces of a source function after the head (non-blocking
-- mode: the source may itself wait in the coroutine), then ends the body.
local function push_body(self, cq, source)
  local c = self._c
  local ok, err = pcall(function()
    for piece in source do
      if piece ~= "" then
        while raw.body_write(c, piece) == false do wait_for(self, cq) end
      end
    end
    while raw.httpc_conn_body_end(c) == false do wait_for(self, cq) end
  end)
  if not ok then
    raw.httpc_conn_close(c) -- half a body was sent: the connection cannot go on
    error(err, 0)
  end
end

--- Sends a request: body a string, a file from io.open or a source function
-- (sent chunked); headers {["Name"] = "value"} or {{"Name", "value"}, ...};
-- opts.encode_chunked as http.client's.
function Connection:request(method, url, body, headers, opts)
  if loaded.cqueues == nil and not self._nb then -- blocking, the common case first
    if body ~= nil and type(body) ~= "string" then body = body_of(self, body) end
    raw_request(self._c, method, url, body, headers, opts and opts.encode_chunked)
    return
  end
  local chunked = opts and opts.encode_chunked
  local cq = mode(self)
  if body ~= nil and type(body) ~= "string" then body = body_of(self, body) end
  if cq == nil then
    raw_request(self._c, method, url, body, headers, chunked)
  elseif type(body) == "function" then
    local w = waiter_of(self)
    while raw_request(self._c, method, url, PUSH_BODY, headers, chunked, w) == false do
      suspend(cq, w)
    end
    push_body(self, cq, body)
  else
    local w = waiter_of(self)
    while raw_request(self._c, method, url, body, headers, chunked, w) == false do suspend(cq, w) end
  end
end

--- Reads the response head; the body is read from the response object.
function Connection:getresponse()
  local r, status, reason, version, will_close, chunked, length
  if loaded.cqueues == nil and not self._nb then -- blocking, the common case first
    r, status, reason, version, will_close, chunked, length = raw_getresponse(self._c)
  else
    local cq = mode(self)
    local w = cq and waiter_of(self)
    r, status, reason, version, will_close, chunked, length = raw_getresponse(self._c, w)
    while r == false do
      if cq then suspend(cq, w) else wait_for(self, cq) end
      r, status, reason, version, will_close, chunked, length = raw_getresponse(self._c, w)
    end
  end
  -- _conn: the body comes through the connection's socket, which must not
  -- be collected while the response is still read (http.client's response
  -- holds its socket the same way); false once the body was read to its
  -- end, which is also the end-of-body mark. Eight keys, all given now: one
  -- more, or a key added later, takes the table to the next hash size (a
  -- rehash or a larger table per response, measurable on small requests).
  return setmetatable({_r = r, _conn = self, status = status, reason = reason, version = version,
                       will_close = will_close, chunked = chunked, length = length},
                      Response)
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

--- putheader(name, value, ...): each further value on a continuation line,
-- as http.client's; the values may also come as one list: putheader(name, {v1, v2}).
function Connection:putheader(name, ...)
  local values = ...
  if type(values) == "table" and select("#", ...) == 1 then
    raw.putheader(self._c, name, (table.unpack or unpack)(values))
  else
    raw.putheader(self._c, name, ...)
  end
end

--- endheaders([body [, {encode_chunked=}]])
function Connection:endheaders(body, opts)
  local chunked = opts and opts.encode_chunked
  local cq = mode(self)
  body = body_of(self, body)
  if cq == nil then
    raw.endheaders(self._c, body, chunked)
  elseif type(body) == "function" then
    while raw.endheaders(self._c, PUSH_BODY, chunked) == false do wait_for(self, cq) end
    push_body(self, cq, body)
  else
    while raw.endheaders(self._c, body, chunked) == false do wait_for(self, cq) end
  end
end

local function send_piece(self, cq, piece)
  while raw.httpc_conn_send(self._c, piece) == false do wait_for(self, cq) end
end

--- Sends raw data: a string, a file or a source function.
function Connection:send(data)
  local cq = mode(self)
  if type(data) == "string" then
    send_piece(self, cq, data)
    return
  end
  local next_piece = body_of(self, data)
  if next_piece == nil then value_error("data must not be nil") end
  for piece in next_piece do
    if type(piece) ~= "string" then value_error("a source must return strings") end
    send_piece(self, cq, piece)
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
function Connection:set_timeout(seconds)
  if seconds ~= nil then check_type(seconds, "number", "timeout") end
  self._timeout = seconds
  raw.httpc_conn_set_timeout(self._c, seconds or -1)
end

--- The per-operation timeout (seconds), or nil. (conn:timeout() is the
-- cqueues pollable's: the time left for the pending operation.)
function Connection:gettimeout()
  return self._timeout
end

function Connection:connect()
  local cq = mode(self)
  while raw.httpc_conn_connect(self._c) == false do wait_for(self, cq) end
end

--- Closes the socket; the connection reconnects on the next request.
function Connection:close()
  raw.httpc_conn_close(self._c)
end

local raw_fileno = raw.fileno

--- The socket's descriptor, or nil when not connected.
function Connection:fileno()
  return raw_fileno(self._c)
end

Connection.__close = Connection.close

--- The pollable of cqueues: what the pending connect, send or getresponse
-- waits for (descriptor, "r"/"w"/"rw", seconds left).
Connection.pollfd, Connection.events, Connection.timeout = pollfd, events, timeout

---------------------------------------------------------------------------
-- One-shot requests, as LuaSocket's socket.http.request
---------------------------------------------------------------------------

local function percent_decode(s)
  return (s:gsub("%%(%x%x)", function(hex) return string.char(tonumber(hex, 16)) end))
end

local BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

-- Base64 with arithmetic only (LuaJIT's Lua 5.1 has no bit operators).
local function base64(s)
  local out = {}
  for i = 1, #s, 3 do
    local a, b, c = s:byte(i, i + 2)
    local n = a * 65536 + (b or 0) * 256 + (c or 0)
    local d1, d2 = math.floor(n / 262144) % 64, math.floor(n / 4096) % 64
    local d3, d4 = math.floor(n / 64) % 64, n % 64
    out[#out + 1] = BASE64:sub(d1 + 1, d1 + 1) .. BASE64:sub(d2 + 1, d2 + 1) ..
                    (b and BASE64:sub(d3 + 1, d3 + 1) or "=") .. (c and BASE64:sub(d4 + 1, d4 + 1) or "=")
  end
  return table.concat(out)
end
M._base64 = base64 -- for the tests

-- An absolute http or https URL as {scheme, authority (host[:port]), path
-- (with the query, without the fragment), user, password}, or nil, why.
-- User information is percent-decoded, as LuaSocket does.
local function parse_url(url, what)
  local scheme, authority, path = url:match("^(%a[%w+.-]*)://([^/?#]*)(.*)$")
  if not scheme then return nil, (what or "") .. "not an absolute URL" end
  scheme = scheme:lower()
  if scheme ~= "http" and scheme ~= "https" then
    return nil, (what or "") .. "unsupported scheme '" .. scheme .. "' (http and https only)"
  end
  local userinfo, hostport = authority:match("^(.*)@([^@]*)$")
  local user, password
  if userinfo then
    authority = hostport
    user, password = userinfo:match("^([^:]*):(.*)$")
    user = percent_decode(user or userinfo)
    password = password and percent_decode(password)
  end
  if authority == "" then return nil, (what or "") .. "no host in the URL" end
  path = path:gsub("#.*$", "")
  if path == "" or path:sub(1, 1) == "?" then path = "/" .. path end
  return {scheme = scheme, authority = authority, path = path, user = user, password = password}
end

-- The URL a Location header points to, from the URL that answered: absolute,
-- scheme-relative ("//host/p"), absolute path ("/p"), query ("?q") or
-- relative to the current directory.
local function resolve_location(base, location)
  location = location:gsub("%s", "")
  if location:match("^%a[%w+.-]*:") then return location end
  local scheme, prefix = base:match("^%a[%w+.-]*:"), base:match("^%a[%w+.-]*://[^/?#]*")
  if location:sub(1, 2) == "//" then return scheme .. location end
  local path = base:sub(#prefix + 1):gsub("[?#].*$", "")
  if path == "" then path = "/" end
  if location:sub(1, 1) == "/" then return prefix .. location end
  if location:sub(1, 1) == "?" then return prefix .. path .. location end
  return prefix .. (path:match("^(.*/)") or "/") .. location
end

local function has_port(authority)
  if authority:sub(1, 1) == "[" then return authority:match("^%[.*%]:%d+$") ~= nil end
  return authority:match(":%d+$") ~= nil
end

-- Request headers as a list of {name, value} pairs, from the map form
-- ({["A"] = "1"}, {["A"] = {"1", "2"}}) or the list form ({{"A", "1"}}).
local function header_list(headers)
  local list = {}
  if headers == nil then return list end
  if headers[1] ~= nil then
    for i, pair in ipairs(headers) do list[i] = pair end
    return list
  end
  for name, value in pairs(headers) do
    if type(value) == "table" then
      for _, v in ipairs(value) do list[#list + 1] = {name, v} end
      if value[1] == nil then list[#list + 1] = {name, value} end -- refused by the C layer
    else
      list[#list + 1] = {name, value}
    end
  end
  return list
end

local function find_header(list, name)
  name = name:lower()
  for i, pair in ipairs(list) do
    if type(pair) == "table" and type(pair[1]) == "string" and pair[1]:lower() == name then
      return i
    end
  end
  return nil
end

local function basic_credentials(user, password)
  return "Basic " .. base64(user .. ":" .. (password or ""))
end

-- The options of httpc.request (LuaSocket's names, and httpc's own body,
-- timeout and context), with the type each must have (true: checked later).
local request_options = {url = "string", method = "string", headers = "table", source = "function",
                         sink = "function", step = "function", redirect = "boolean",
                         maxredirects = true, proxy = "string", body = true, timeout = "number",
                         context = "table", create = true}

-- Levenshtein distance, to name the option a misspelt key was meant to be.
local function distance(a, b)
  local previous = {}
  for j = 0, #b do previous[j] = j end
  for i = 1, #a do
    local current = {[0] = i}
    for j = 1, #b do
      local cost = a:byte(i) == b:byte(j) and 0 or 1
      current[j] = math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
    end
    previous = current
  end
  return previous[#b]
end

local function check_request_options(opts)
  for k, v in pairs(opts) do
    local want = request_options[k]
    if not want then
      local hint, best = "", 3
      if type(k) == "string" then
        for known in pairs(request_options) do
          local d = distance(k, known)
          if d < best then best, hint = d, " (did you mean '" .. known .. "'?)" end
        end
      end
      value_error("unknown request option '" .. tostring(k) .. "'" .. hint)
    end
    if want ~= true and type(v) ~= want then
      value_error("request option '" .. k .. "' must be a " .. want .. ", got " .. type(v))
    end
  end
  if opts.create ~= nil then
    value_error("request option 'create' (a LuaSocket socket factory) is not supported: " ..
                "httpc makes its own connections")
  end
  local max = opts.maxredirects
  if max ~= nil and max ~= false and (type(max) ~= "number" or max < 0) then
    value_error("request option 'maxredirects' must be a non-negative number or false")
  end
  if opts.body ~= nil and opts.source ~= nil then
    value_error("request options 'body' and 'source' exclude each other")
  end
end

-- An LTN12 source as a body source for the C layer: nil, err from the
-- source fails the request with err instead of ending the body early.
local function from_ltn12(source)
  return function()
    local chunk, err = source()
    if chunk == nil and err ~= nil then
      local e = make_error(codes.OSError, "body source failed: " .. tostring(err))
      e.cause = err
      error(e, 0)
    end
    return chunk
  end
end

-- ltn12.pump.step: one chunk from source to sink.
local function pump_step(source, sink)
  local chunk, source_err = source()
  local ret, sink_err = sink(chunk, source_err)
  if chunk and ret then return 1 end
  return nil, source_err or sink_err
end

local REDIRECTS = {[301] = true, [302] = true, [303] = true, [307] = true, [308] = true}

-- A connection for target (a parse_url table), direct or through the proxy,
-- and the request-target to send. Proxy credentials go in `headers`.
local function open_for(target, proxy, opts, headers)
  local conn_opts = {timeout = opts.timeout}
  if proxy then
    local proxy_auth = proxy.user and basic_credentials(proxy.user, proxy.password)
    local address = has_port(proxy.authority) and proxy.authority or proxy.authority .. ":3128"
    if target.scheme == "https" then
      conn_opts.context = opts.context
      local conn = M.HTTPSConnection(address, nil, conn_opts)
      conn:set_tunnel(target.authority, nil,
                      proxy_auth and {["Proxy-Authorization"] = proxy_auth} or nil)
      return conn, target.path
    end
    if proxy_auth and not find_header(headers, "Proxy-Authorization") then
      headers[#headers + 1] = {"Proxy-Authorization", proxy_auth}
    end
    return M.HTTPConnection(address, nil, conn_opts), "http://" .. target.authority .. target.path
  end
  if target.scheme == "https" then
    conn_opts.context = opts.context
    return M.HTTPSConnection(target.authority, nil, conn_opts), target.path
  end
  return M.HTTPConnection(target.authority, nil, conn_opts), target.path
end

local function fail_with(err, code)
  if getmetatable(err) == Error then error(err, 0) end
  local e = make_error(code or codes.OSError, tostring(err))
  e.cause = err
  error(e, 0)
end

-- Lower-case names, repeated fields joined by ", " (LuaSocket's table).
local function header_table(r)
  return raw.header_table(r._r)
end

local function one_shot(url, opts, form_body)
  local method = opts.method or ((opts.body ~= nil or form_body ~= nil) and "POST") or "GET"
  local body = opts.body
  if form_body ~= nil then body = form_body end
  if opts.source ~= nil then body = from_ltn12(opts.source) end
  local user_headers = header_list(opts.headers)
  if form_body ~= nil and not find_header(user_headers, "Content-Type") then
    user_headers[#user_headers + 1] = {"Content-Type", "application/x-www-form-urlencoded"}
  end
  -- The connection serves this request only: said to the server, as
  -- LuaSocket does, so it closes first (no keep-alive bookkeeping there, and
  -- the TIME_WAIT is the server's).
  if not find_header(user_headers, "Connection") then
    user_headers[#user_headers + 1] = {"Connection", "close"}
  end
  local proxy
  if opts.proxy then
    local why
    proxy, why = parse_url(opts.proxy, "proxy: ")
    if not proxy then fail_with(why .. ": " .. opts.proxy, codes.InvalidURL) end
    if proxy.scheme ~= "http" then
      fail_with("proxy: only http:// proxies are supported: " .. opts.proxy, codes.InvalidURL)
    end
  end
  -- As LuaSocket: redirects are followed for GET and HEAD without a body,
  -- unless redirect = false, at most maxredirects (5) times.
  local follow = opts.redirect ~= false and (method == "GET" or method == "HEAD") and body == nil
  local max_hops = opts.maxredirects
  if max_hops == nil then max_hops = 5 end
  local hops, first_location = 0, nil
  local first = parse_url(url)
  while true do
    local target, why = parse_url(url)
    if not target then fail_with(why .. ": " .. url, codes.InvalidURL) end
    local headers = {}
    for i, pair in ipairs(user_headers) do headers[i] = pair end
    if hops > 0 and (target.scheme ~= first.scheme or target.authority ~= first.authority) then
      -- credentials given for one site are not sent to another
      for _, name in ipairs({"Authorization", "Cookie", "Proxy-Authorization"}) do
        local i = find_header(headers, name)
        while i do
          table.remove(headers, i)
          i = find_header(headers, name)
        end
      end
    end
    if target.user and not find_header(headers, "Authorization") then
      headers[#headers + 1] = {"Authorization", basic_credentials(target.user, target.password)}
    end
    local conn, request_target = open_for(target, proxy, opts, headers)
    local ok, a, b, c, d = pcall(function()
      conn:request(method, request_target, body, headers)
      local r = conn:getresponse()
      local location = r:getheader("Location")
      if follow and REDIRECTS[r.status] and location and location:gsub("%s", "") ~= ""
         and (max_hops == false or hops < max_hops) then
        local next_url = resolve_location(url, location)
        local next_target = parse_url(next_url)
        -- as LuaSocket: no other schemes, no downgrade from https to http
        if next_target and not (target.scheme == "https" and next_target.scheme ~= "https") then
          r:close()
          return "redirect", next_url, location
        end
      end
      local h = header_table(r)
      if hops > 0 and h.location == nil then h.location = first_location end
      local status_line = string.format("HTTP/%d.%d %d %s", math.floor(r.version / 10),
                                        r.version % 10, r.status, r.reason)
      if opts.sink then
        local step, source = opts.step or pump_step, function() return r:read(65536) end
        while true do
          local more, err = step(source, opts.sink)
          if not more then
            if err ~= nil then fail_with(err) end
            break
          end
        end
        return 1, r.status, h, status_line
      end
      return r:read("a"), r.status, h, status_line
    end)
    conn:close()
    if not ok then error(a, 0) end
    if a ~= "redirect" then return a, b, c, d end
    hops = hops + 1
    first_location = first_location or c
    url = b
  end
end

--- The one-shot request, as LuaSocket's socket.http.request:
--   body, code, headers, status = httpc.request(url [, body_string])
--   1, code, headers, status = httpc.request{url = ..., sink = ltn12.sink.table(t), ...}
-- or nil, err on failure (an httpc error object); wrong arguments and
-- unknown options raise. Options (the table form, or a table as the second
-- argument): method, headers ({["A"] = "1"}, {["A"] = {"1", "2"}} or
-- {{"A", "1"}}), source (an LTN12 source: the body, sent with the
-- Content-Length header when given, else chunked), sink (an LTN12 sink
-- that receives the body; the first result is then 1), step, redirect
-- (false: do not follow), maxredirects (5), proxy ("http://[u:p@]host:port"),
-- and httpc's body (string, file or source function), timeout, context.
-- Without a sink the body comes back as the first result, in both forms.
-- A string second argument is POSTed as a form. Credentials in the URL
-- (http://user:pass@host/) are sent as Basic authorization. headers in the
-- result: lower-case names, repeated fields joined by ", "; status is the
-- status line ("HTTP/1.1 200 OK").
function M.request(first, second)
  local url, opts, form_body
  if type(first) == "table" then
    if second ~= nil then value_error("the table form takes one argument") end
    opts, url = first, first.url
    if type(url) ~= "string" then value_error("the 'url' field must be a string, got " .. type(url)) end
  elseif type(first) == "string" then
    url = first
    if type(second) == "string" then
      opts, form_body = {}, second
    elseif second == nil then
      opts = {}
    elseif type(second) == "table" then
      opts = second
      if opts.url ~= nil then value_error("give the url as the first argument or in the table form, not both") end
    else
      value_error("the second argument must be a body string or an options table, got " .. type(second))
    end
  else
    value_error("url must be a string, or a table of request options, got " .. type(first))
  end
  check_request_options(opts)
  local ok, a, b, c, d = pcall(one_shot, url, opts, form_body)
  if not ok then
    if getmetatable(a) ~= Error then
      local e = make_error(codes.OSError, tostring(a))
      e.cause = a
      a = e
    end
    a.where = nil -- returned, not raised: "connection refused", as LuaSocket says it
    return nil, a
  end
  return a, b, c, d
end

return M
