-- lua_multi.lua CLIENT MODULE_DIR HOST PORT PATH N TLS concurrentC: the
-- concurrent scenario for Lua, on one cqueues loop: C coroutines, each with
-- its own keep-alive connection, make N GETs in all (BENCH_WARMUP untimed
-- ones first, spread the same way). CLIENT: "httpc" (the module from
-- MODULE_DIR, in cqueues mode) or "lua-http" (its http.client connections,
-- keep-alive, one stream after another). Same loop, same design; exits 3
-- for TLS or when the client or cqueues is missing.
package.path = (arg[0]:match("^(.*)/[^/]+$") or ".") .. "/?.lua;" .. package.path
local B = require("lua_bench")
local client, dir = arg[1], arg[2]
package.path = dir .. "/?.lua;" .. dir .. "/?/init.lua;" .. package.path
package.cpath = dir .. "/?.so;" .. package.cpath
local host, port, path, count, tls, mode = B.args(3)
local coroutines = tonumber((mode or ""):match("^concurrent(%d+)$"))
if not coroutines then B.skip("lua_multi", "mode " .. tostring(mode) .. " is not concurrentN") end
if tls then B.skip("lua_multi", "TLS is not measured here") end
local has_cq, cqueues = pcall(require, "cqueues")
if not has_cq then B.skip("lua_multi", cqueues) end

-- new_connection() -> get(conn) returning the body's length
local new_connection, get
if client == "httpc" then
  local ok, httpc = pcall(require, "httpc")
  if not ok then B.skip("lua_multi", httpc) end
  new_connection = function() return httpc.HTTPConnection(host, port, {timeout = 30}) end
  get = function(conn)
    conn:request("GET", path)
    local r = conn:getresponse()
    if r.status ~= 200 then error("status " .. r.status) end
    return #r:read("a")
  end
elseif client == "lua-http" then
  local ok, http_client = pcall(require, "http.client")
  if not ok then B.skip("lua_multi", http_client) end
  local new_headers = require("http.headers").new
  new_connection = function()
    return assert(http_client.connect{host = host, port = port, tls = false, version = 1.1})
  end
  get = function(conn)
    local stream = assert(conn:new_stream())
    local h = new_headers()
    h:append(":method", "GET")
    h:append(":scheme", "http")
    h:append(":authority", host .. ":" .. port)
    h:append(":path", path)
    assert(stream:write_headers(h, true))
    local headers = assert(stream:get_headers())
    if headers:get(":status") ~= "200" then error("status " .. headers:get(":status")) end
    return #assert(stream:get_body_as_string())
  end
else
  B.skip("lua_multi", "unknown client " .. tostring(client))
end

-- Runs `total` requests over the coroutines' connections; returns bytes.
local function run(conns, total)
  local cq, bytes, next_request = cqueues.new(), 0, 0
  for i = 1, coroutines do
    cq:wrap(function()
      while next_request < total do
        next_request = next_request + 1
        local n = get(conns[i]) -- (not bytes + get(): bytes would be read before the wait)
        bytes = bytes + n
      end
    end)
  end
  assert(cq:loop())
  return bytes
end

local conns = {}
local setup = cqueues.new()
for i = 1, coroutines do setup:wrap(function() conns[i] = new_connection() end) end
assert(setup:loop())
run(conns, B.warmup())
local start = B.clock()
local bytes = run(conns, count)
B.report(count, bytes, B.clock() - start, coroutines)
