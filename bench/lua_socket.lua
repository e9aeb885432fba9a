-- lua_socket.lua HOST PORT PATH N TLS MODE: N sequential GETs (after
-- BENCH_WARMUP untimed ones) with LuaSocket's socket.http.request (Debian
-- lua-socket), the body counted by an LTN12 sink. socket.http opens a connection per request whatever MODE
-- says: that is what its users get. Exits 3 for TLS (it needs LuaSec).
package.path = (arg[0]:match("^(.*)/[^/]+$") or ".") .. "/?.lua;" .. package.path
local B = require("lua_bench")
local host, port, path, count, tls = B.args()
local ok, http = pcall(require, "socket.http")
if not ok then B.skip("lua_socket", http) end
if tls then B.skip("lua_socket", "socket.http has no TLS (LuaSec is not installed)") end

local url = string.format("http://%s:%d%s", host, port, path)
local total = 0
local function sink(chunk)
  if chunk then total = total + #chunk end
  return 1
end
local warmup = B.warmup()
local start = B.clock()
for i = 1, warmup + count do
  if i == warmup + 1 then -- the timed requests start here
    total = 0
    start = B.clock()
  end
  local one, status = http.request{url = url, sink = sink}
  if one ~= 1 or status ~= 200 then error("status " .. tostring(status)) end
end
B.report(count, total, B.clock() - start, count)
