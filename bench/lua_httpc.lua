-- lua_httpc.lua MODULE_DIR HOST PORT PATH N TLS MODE: N sequential GETs with
-- the httpc Lua module found in MODULE_DIR (build/lua for lua5.4,
-- build/luajit for luajit), each body read in 256 KiB pieces. Prints
-- "requests=N bytes=B seconds=S conns=C"; exits 3 when httpc is missing.
local dir = arg[1]
package.path = dir .. "/?.lua;" .. dir .. "/?/init.lua;" .. package.path
package.cpath = dir .. "/?.so;" .. package.cpath
local ok, httpc = pcall(require, "httpc")
if not ok then
  io.stderr:write("lua_httpc: httpc not loadable: ", tostring(httpc), "\n")
  os.exit(3)
end
package.path = (arg[0]:match("^(.*)/[^/]+$") or ".") .. "/?.lua;" .. package.path
local clock = require("lua_clock")

local host, port, path, count, tls, mode = arg[2], tonumber(arg[3]), arg[4], tonumber(arg[5]),
  arg[6] == "1", arg[7]
local conn
if tls then
  local ctx = httpc.create_default_context{cafile = os.getenv("BENCH_CAFILE")}
  conn = httpc.HTTPSConnection(host, port, {context = ctx})
else
  conn = httpc.HTTPConnection(host, port)
end
local PIECE = 256 * 1024
local total, connections = 0, 0
local start = clock()
for _ = 1, count do
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
local seconds = clock() - start
print(string.format("requests=%d bytes=%d seconds=%.6f conns=%d", count, total, seconds, connections))
