-- lua_http.lua HOST PORT PATH N TLS MODE: N sequential GETs (after
-- BENCH_WARMUP untimed ones) with lua-http's http.request API (Debian
-- lua-http, under LuaJIT), the body read in chunks. http.request opens a connection per request whatever MODE says.
-- Exits 3 for TLS (its OpenSSL context is not set up here).
package.path = (arg[0]:match("^(.*)/[^/]+$") or ".") .. "/?.lua;" .. package.path
local B = require("lua_bench")
local host, port, path, count, tls = B.args()
local ok, request = pcall(require, "http.request")
if not ok then B.skip("lua_http", request) end
if tls then B.skip("lua_http", "TLS is not set up for lua-http here") end

local url = string.format("http://%s:%d%s", host, port, path)
local total = 0
local warmup = B.warmup()
local start = B.clock()
for i = 1, warmup + count do
  if i == warmup + 1 then -- the timed requests start here
    total = 0
    start = B.clock()
  end
  local headers, stream = assert(request.new_from_uri(url):go(30))
  if headers:get(":status") ~= "200" then error("status " .. headers:get(":status")) end
  for chunk in stream:each_chunk() do total = total + #chunk end
  stream:shutdown()
end
B.report(count, total, B.clock() - start, count)
