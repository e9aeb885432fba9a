-- lua_httpc.lua MODULE_DIR HOST PORT PATH N TLS MODE: N sequential GETs
-- (after BENCH_WARMUP untimed ones on the same connection) with the httpc Lua
-- module found in MODULE_DIR (build/lua for lua5.4, build/luajit for
-- luajit), each body read in 256 KiB pieces. Exits 3 when
-- httpc cannot be loaded.
package.path = (arg[0]:match("^(.*)/[^/]+$") or ".") .. "/?.lua;" .. package.path
local B = require("lua_bench")
local dir = arg[1]
package.path = dir .. "/?.lua;" .. dir .. "/?/init.lua;" .. package.path
package.cpath = dir .. "/?.so;" .. package.cpath
local ok, httpc = pcall(require, "httpc")
if not ok then B.skip("lua_httpc", httpc) end

local host, port, path, count, tls, mode = B.args(2)
local conn
if tls then
  local ctx = httpc.create_default_context{cafile = os.getenv("BENCH_CAFILE")}
  conn = httpc.HTTPSConnection(host, port, {context = ctx})
else
  conn = httpc.HTTPConnection(host, port)
end
local PIECE = 256 * 1024
local total, connections = 0, 0
local warmup = B.warmup()
local start = B.clock()
for i = 1, warmup + count do
  if i == warmup + 1 then -- the timed requests start here
    total, connections = 0, 0
    start = B.clock()
  end
  if not conn:fileno() then connections = connections + 1 end
  conn:request("GET", path)
  local r = conn:getresponse()
  if r.status ~= 200 then error("status " .. r.status) end
  while true do
    local piece = r:read(PIECE)
    if not piece then break end
    total = total + #piece
  end
  if mode == "newconn" then conn:close() end
end
B.report(count, total, B.clock() - start, connections)
