--[[ The example sessions of the http.client documentation (the seeds), in Lua
with httpc, against a local server. Each session's code is printed with what
it printed, and compared with what it should print.

Usage: lua5.4 examples/lua/seeds_demo.lua URL   (or luajit)
       e.g. http://127.0.0.1:8080/ (the nginx of tests/support/with-servers.sh)
Exits non-zero if any session prints something else.
]]
local httpc = require("httpc")

local SESSIONS = {
  {"Creating connections (host, host:port, port, timeout)", [[
local h1 = httpc.HTTPConnection(HOST)
local h2 = httpc.HTTPConnection(HOST .. ":" .. PORT)
local h3 = httpc.HTTPConnection(HOST, PORT)
local h4 = httpc.HTTPConnection(HOST, PORT, {timeout = 10})
print(h2.host == h3.host and h2.port == h3.port and h3.port == PORT)
]], "true\n"},

  {"A GET, reading in chunks, and an invalid request", [[
local conn = httpc.HTTPConnection(HOST, PORT)
conn:request("GET", "/index.html")
local r1 = conn:getresponse()
print(r1.status, r1.reason)
local data1 = r1:read("a")  -- the entire content
-- the same, in chunks of 200 bytes
conn:request("GET", "/index.html")
r1 = conn:getresponse()
local chunks = {}
for chunk in function() return r1:read(200) end do chunks[#chunks + 1] = chunk end
print(table.concat(chunks) == data1)
-- an invalid request
conn:request("GET", "/parrot.spam")
local r2 = conn:getresponse()
print(r2.status, r2.reason)
local data2 = r2:read("a")
conn:close()
]], "200\tOK\ntrue\n404\tNot Found\n"},

  {"HEAD never returns a body", [[
local conn = httpc.HTTPConnection(HOST, PORT)
conn:request("HEAD", "/index.html")
local res = conn:getresponse()
print(res.status, res.reason)
local data = res:read("a")
print(#data, data == "")
]], "200\tOK\n0\ttrue\n"},

  {"A POST of a form", [[
local params = "%40number=12524&%40type=issue&%40action=show"
local headers = {["Content-type"] = "application/x-www-form-urlencoded",
                 ["Accept"] = "text/plain"}
local conn = httpc.HTTPConnection(HOST, PORT)
conn:request("POST", "/post", params, headers)
local response = conn:getresponse()
print(response.status, response.reason)
print(response:read("a"))
conn:close()
]], "200\tOK\nok\n\n"},

  {"A PUT creating a resource, then reading it back", [[
local BODY = "***filecontents***"
local conn = httpc.HTTPConnection(HOST, PORT)
conn:request("PUT", "/upload/file", BODY)
local response = conn:getresponse()
print(response.status == 201 or response.status == 204)
response:read("a")
conn:request("GET", "/upload/file")
print(conn:getresponse():read("a"))
]], "true\n***filecontents***\n"},

  {"Errors are objects with http.client's class names", [[
local ok, err = pcall(httpc.HTTPConnection, HOST .. ":nonnumeric")
print(err.name, err:is_a("HTTPException"))
print(tostring(err))
print(httpc.responses[httpc.NOT_FOUND])
]], "InvalidURL\ttrue\nErrors are objects with http.client's class names:1: " ..
   "httpc.InvalidURL: nonnumeric port: 'nonnumeric'\nNot Found\n"},

  {"The one-shot form, as LuaSocket's http.request", [[
local body, status, headers = httpc.request("http://" .. HOST .. ":" .. PORT .. "/post", "a=1")
print(body, status, headers["content-length"])
print(httpc.request("http://" .. HOST .. ":1/"))
]], "ok\n\t200\t3\nnil\thttpc.ConnectionRefusedError: [Errno 111] Connection refused\n"},
}

local function run(url)
  local host, port = url:match("^http://([^/:]+):(%d+)")
  if not host then
    io.stderr:write("usage: seeds_demo.lua http://HOST:PORT/\n")
    return 2
  end
  local passed = 0
  for _, s in ipairs(SESSIONS) do
    local title, code, want = s[1], s[2], s[3]
    local got = {}
    local env = setmetatable({httpc = httpc, HOST = host, PORT = tonumber(port),
      print = function(...)
        local parts = {}
        for i = 1, select("#", ...) do parts[i] = tostring((select(i, ...))) end
        got[#got + 1] = table.concat(parts, "\t") .. "\n"
      end}, {__index = _G})
    local chunk = assert((loadstring or load)(code, "=" .. title))
    if setfenv then setfenv(chunk, env) else chunk = assert(load(code, "=" .. title, "t", env)) end
    local ok, err = pcall(chunk)
    local output = table.concat(got)
    print("--- " .. title)
    io.write((code:gsub("[^\n]+", "> %0")))
    io.write(output)
    if ok and output == want then
      passed = passed + 1
    else
      print("!!! expected:\n" .. want .. (ok and "" or ("!!! error: " .. tostring(err) .. "\n")))
    end
  end
  print(string.format("seeds demo (%s, httpc %s): %d/%d sessions passed",
                      jit and jit.version or _VERSION, httpc.version, passed, #SESSIONS))
  return passed == #SESSIONS and 0 or 1
end

os.exit(run(arg[1] or ""))
