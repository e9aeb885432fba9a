-- lua_socket.lua HOST PORT PATH N TLS MODE: N sequential GETs with
-- LuaSocket's socket.http.request (Debian lua-socket), the body counted by
-- an LTN12 sink. socket.http opens a connection per request whatever MODE
-- says: that is what its users get. Exits 3 for TLS (it needs LuaSec) or
-- when LuaSocket is missing.
package.path = (arg[0]:match("^(.*)/[^/]+$") or ".") .. "/?.lua;" .. package.path
local ok, http = pcall(require, "socket.http")
if not ok or arg[5] == "1" then
  io.stderr:write("lua_socket: ", ok and "no TLS in socket.http" or tostring(http), "\n")
  os.exit(3)
end
local clock = require("lua_clock")

local host, port, path, count = arg[1], tonumber(arg[2]), arg[3], tonumber(arg[4])
local url = string.format("http://%s:%d%s", host, port, path)
local total = 0
local function sink(chunk)
  if chunk then total = total + #chunk end
  return 1
end
local start = clock()
for _ = 1, count do
  local one, status = http.request{url = url, sink = sink}
  if one ~= 1 or status ~= 200 then error("status " .. tostring(status)) end
end
local seconds = clock() - start
print(string.format("requests=%d bytes=%d seconds=%.6f conns=%d", count, total, seconds, count))
