-- A server that sends an endless body as fast as it can must not outrun
-- the total deadline (total_timeout) or the maximum response size, whether
-- the caller blocks or runs in a cqueues coroutine. Against
-- tests/lua/echo_server.py's /endless (chunked, or with a huge
-- Content-Length). No timed assertions: the reads must end, with the right
-- error; the figures are printed.
local T = require("check")
local httpc = require("httpc")
local cqueues = require("cqueues")

local PORT = T.serve_echo()
local MiB = 1024 * 1024

-- Runs fn directly (blocking) or in a cqueues coroutine; returns its results.
local function in_mode(loop, fn)
  if not loop then return fn() end
  local results
  local cq = cqueues.new()
  cq:wrap(function() results = {fn()} end)
  local ok, err = cq:loop()
  if not ok then error(err, 0) end
  return (table.unpack or unpack)(results)
end

for _, loop in ipairs({false, true}) do
  local mode = loop and "cqueues" or "blocking"
  for _, path in ipairs({"/endless", "/endless?length=1"}) do
    T.test(mode .. ": total_timeout ends a read(65536) loop on " .. path, function()
      local conn = httpc.HTTPConnection("127.0.0.1", PORT, {timeout = 10, total_timeout = 1})
      local t0 = cqueues.monotime()
      local got, err = in_mode(loop, function()
        conn:request("GET", path)
        local r = conn:getresponse()
        local n = 0
        local ok, e = pcall(function()
          while true do
            local piece = r:read(65536)
            if not piece then break end
            n = n + #piece
          end
        end)
        return n, not ok and e or nil
      end)
      local elapsed = cqueues.monotime() - t0
      T.ok(httpc.is_error(err), "an error object: " .. tostring(err))
      T.eq(err.name, "TimeoutError", "error class")
      print(string.format("  %s %s: TimeoutError after %.2f s, %.0f MiB read", mode, path, elapsed, got / MiB))
      conn:close()
    end)
  end

  T.test(mode .. ": total_timeout ends read('a') on an endless body", function()
    -- (short: read('a') holds everything that arrives until the deadline)
    local conn = httpc.HTTPConnection("127.0.0.1", PORT, {timeout = 10, total_timeout = 0.3})
    local ok, err = in_mode(loop, function()
      conn:request("GET", "/endless")
      local r = conn:getresponse()
      return pcall(r.read, r, "a")
    end)
    T.ok(not ok, "failed")
    T.eq(err.name, "TimeoutError", "error class: " .. tostring(err))
    conn:close()
  end)

  T.test(mode .. ": max_response_size bounds read('a'); the connection is reusable", function()
    local conn = httpc.HTTPConnection("127.0.0.1", PORT, {timeout = 10, max_response_size = 4 * MiB})
    local ok, err, after = in_mode(loop, function()
      conn:request("GET", "/endless?length=1")
      local r = conn:getresponse()
      local ok, err = pcall(r.read, r, "a")
      conn:request("GET", "/after")
      return ok, err, conn:getresponse():read("a")
    end)
    T.ok(not ok, "failed")
    T.eq(err.name, "ResponseTooLarge", "error class: " .. tostring(err))
    T.ok(err:is_a("HTTPException"), "an HTTPException")
    T.ok(after:find("GET /after ", 1, true), "the next request on the same connection")
    conn:close()
  end)
end

T.run(8)
