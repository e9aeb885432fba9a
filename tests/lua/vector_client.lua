-- One conformance vector through the httpc Lua API (driven by run_vectors.py).
-- stdin: the request, one "key hex [hex]" line each (host, method, url,
-- timeout, header NAME VALUE, body, chunk, encode_chunked); stdout: the
-- outcome, one "key hex [hex]" line each (stage, error, status, reason,
-- version, header NAME VALUE, will_close, body, partial, expected, exc).
local httpc = require("httpc")

local function unhex(s)
  return (s:gsub("%x%x", function(h) return string.char(tonumber(h, 16)) end))
end
local function hex(s)
  return (tostring(s):gsub(".", function(c) return string.format("%02x", c:byte()) end))
end

local spec = {headers = {}}
for line in io.lines() do
  local key, a, b = line:match("^(%S+) ?(%x*) ?(%x*)$")
  if key == "header" then
    spec.headers[#spec.headers + 1] = {unhex(a), unhex(b)}
  elseif key == "chunk" then
    spec.chunks = spec.chunks or {}
    spec.chunks[#spec.chunks + 1] = unhex(a)
  elseif key then
    spec[key] = unhex(a)
  end
end

-- The vector files' error names (docs/vectors.md), from the error's class.
local function vector_error_name(err)
  if not httpc.is_error(err) then return "LuaError" end
  if err.name == "RemoteDisconnected" then return err.name end
  if err:is_a("HTTPException") then return err.name end
  for _, pair in ipairs({{"TimeoutError", "TimeoutError"},
                         {"ConnectionResetError", "ConnectionReset"},
                         {"ConnectionRefusedError", "ConnectionRefused"},
                         {"gaierror", "Resolve"}, {"ValueError", "InvalidArgument"},
                         {"MemoryError", "MemoryError"}, {"OSError", "OSError"}}) do
    if err:is_a(pair[1]) then return pair[2] end
  end
  return err.name
end

local out = {}
local function emit(key, a, b)
  out[#out + 1] = key .. " " .. hex(a) .. (b and (" " .. hex(b)) or "")
end

local stage = "construct"
local conn
local function exchange()
  conn = httpc.HTTPConnection(spec.host, nil, {timeout = tonumber(spec.timeout)})
  stage = "request"
  local body = spec.body
  if spec.chunks then
    local i = 0
    body = function()
      i = i + 1
      return spec.chunks[i]
    end
  end
  conn:request(spec.method, spec.url, body, spec.headers,
               {encode_chunked = spec.encode_chunked == "yes"})
  stage = "getresponse"
  local r = conn:getresponse()
  emit("status", string.format("%d", r.status))
  emit("reason", r.reason)
  emit("version", string.format("%d", r.version))
  for _, pair in ipairs(r:getheaders()) do emit("header", pair[1], pair[2]) end
  emit("will_close", r.will_close and "yes" or "no")
  stage = "read"
  emit("body", r:read("a"))
end

-- HTTPC_LUA_CQUEUES=1: the same exchange inside a cqueues coroutine, where
-- every call runs in non-blocking mode and waits through cqueues.poll.
local ok, err
if os.getenv("HTTPC_LUA_CQUEUES") == "1" then
  local cqueues = require("cqueues")
  local cq = cqueues.new()
  cq:wrap(function()
    ok, err = pcall(exchange)
    emit("cqueues", cqueues.running() and "yes" or "no")
  end)
  local loop_ok, loop_err = cq:loop()
  if not loop_ok then ok, err = false, loop_err end
else
  ok, err = pcall(exchange)
end
if ok then
  emit("stage", "")
else
  emit("stage", stage)
  emit("error", vector_error_name(err))
  emit("exc", tostring(err))
  if httpc.is_error(err) and err.partial then emit("partial", err.partial) end
  if httpc.is_error(err) and err.expected then emit("expected", string.format("%d", err.expected)) end
end
if conn then conn:close() end
io.write(table.concat(out, "\n"), "\n")
