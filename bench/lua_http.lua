-- lua_http.lua HOST PORT PATH N TLS MODE: N sequential GETs with lua-http's
-- http.request API (Debian lua-http, LuaJIT), the body read in chunks.
-- http.request opens a connection per request whatever MODE says. Exits 3
-- for TLS (not set up here) or when lua-http is missing.
package.path = (arg[0]:match("^(.*)/[^/]+$") or ".") .. "/?.lua;" .. package.path
local ok, request = pcall(require, "http.request")
if not ok or arg[5] == "1" then
  io.stderr:write("lua_http: ", ok and "TLS not set up" or tostring(request), "\n")
  os.exit(3)
end
local clock = require("lua_clock")

local host, port, path, count = arg[1], tonumber(arg[2]), arg[3], tonumber(arg[4])
local url = string.format("http://%s:%d%s", host, port, path)
local total = 0
local start = clock()
for _ = 1, count do
  local headers, stream = assert(request.new_from_uri(url):go(30))
  if headers:get(":status") ~= "200" then error("status " .. headers:get(":status")) end
  for chunk in stream:each_chunk() do total = total + #chunk end
  stream:shutdown()
end
local seconds = clock() - start
print(string.format("requests=%d bytes=%d seconds=%.6f conns=%d", count, total, seconds, count))
