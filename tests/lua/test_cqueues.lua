-- httpc inside cqueues coroutines: the same API, waiting through
-- cqueues.poll instead of blocking the loop. Against
-- tests/lua/echo_server.py, whose /slow requests count how many are in
-- progress at once (concurrency is asserted server-side, not by timing).
local T = require("check")
local httpc = require("httpc")
local cqueues = require("cqueues")

local PORT = T.serve_echo()

-- The /slow requests tagged `tag` (an unused one per test): the most in
-- progress at once, and how many.
local function slow_stats(tag)
  local body = httpc.request("http://127.0.0.1:" .. PORT .. "/stats?tag=" .. tag)
  local max, count = body:match("^max=(%d+) count=(%d+)$")
  return tonumber(max), tonumber(count)
end

-- Runs the loop to the end (at most `limit` seconds) and raises the first
-- error a coroutine raised.
local function run(cq, limit)
  local deadline = cqueues.monotime() + (limit or 60)
  while not cq:empty() do
    local ok, err = cq:step(1)
    if not ok then error(err, 0) end
    T.ok(cqueues.monotime() < deadline, "the loop ends within " .. (limit or 60) .. " s")
  end
end

local function get(path, opts)
  local conn = httpc.HTTPConnection("127.0.0.1", PORT, opts or {timeout = 30})
  conn:request("GET", path)
  local r = conn:getresponse()
  return r:read("a"), r, conn
end

T.test("pollables: connections and responses", function()
  local conn = httpc.HTTPConnection("127.0.0.1", PORT)
  T.eq(type(conn.pollfd), "function", "conn:pollfd")
  T.eq(conn:pollfd(), nil, "nothing pending: no descriptor")
  T.eq(conn:events(), nil, "nothing pending: no events")
  T.eq(conn:gettimeout(), nil, "the per-operation timeout")
  local seen = {}
  local cq = cqueues.new()
  cq:wrap(function()
    conn:request("GET", "/slow?ms=300")
    -- a sibling looks at the connection while this one waits
    local r = conn:getresponse()
    T.eq(r:read("a"), "slow\n", "body")
  end)
  cq:wrap(function()
    cqueues.sleep(0.1)
    seen.fd, seen.events, seen.timeout = conn:pollfd(), conn:events(), conn:timeout()
  end)
  run(cq)
  T.ok(seen.fd and seen.fd == conn:fileno(), "the pending getresponse waits on the socket: " .. tostring(seen.fd))
  T.eq(seen.events, "r", "for reading")
  T.eq(seen.timeout, nil, "no deadline without a timeout")
  conn:close()
end)

local CONCURRENT = 200

T.test(CONCURRENT .. " requests in as many coroutines run at once (server-side count)", function()
  local cq, done = cqueues.new(), 0
  local t0 = cqueues.monotime()
  for _ = 1, CONCURRENT do
    cq:wrap(function()
      local body = get("/slow?ms=1000&tag=many")
      T.eq(body, "slow\n", "body")
      done = done + 1
    end)
  end
  run(cq)
  local elapsed = cqueues.monotime() - t0
  local max, count = slow_stats("many")
  T.eq(done, CONCURRENT, "all done")
  T.eq(count, CONCURRENT, "the server saw them all")
  -- On a loaded machine the first request may end before the last starts:
  -- most of them at once is what tells concurrency from one after another.
  T.ok(max >= CONCURRENT * 0.75, "most in progress at once (" .. max .. ")")
  print(string.format("  %d concurrent 1 s requests: %.2f s (one after another: %.0f s or more)",
                      CONCURRENT, elapsed, CONCURRENT))
  -- a bound a quarter of the serial time: far from any slow machine's figure
  T.ok(elapsed < CONCURRENT / 4, "well under the serial time")
end)

T.test("a slow server does not delay a fast request on the same loop", function()
  local order = {}
  local cq = cqueues.new()
  for i = 1, 5 do
    cq:wrap(function()
      get("/slow?ms=1500")
      order[#order + 1] = "slow" .. i
    end)
  end
  cq:wrap(function()
    cqueues.sleep(0.05)
    local body = get("/fast")
    T.ok(body:find("GET /fast ", 1, true), "fast body")
    order[#order + 1] = "fast"
  end)
  run(cq)
  T.eq(order[1], "fast", "the fast request finished first: " .. table.concat(order, ","))
  T.eq(#order, 6, "all finished")
end)

T.test("a timeout fires while the loop waits on others", function()
  local order, err = {}, nil
  local cq = cqueues.new()
  for i = 1, 3 do
    cq:wrap(function()
      get("/slow?ms=2000")
      order[#order + 1] = "slow" .. i
    end)
  end
  cq:wrap(function()
    local ok, e = pcall(get, "/slow?ms=5000", {timeout = 0.3})
    T.ok(not ok, "timed out")
    err = e
    order[#order + 1] = "timeout"
  end)
  run(cq)
  T.ok(httpc.is_error(err), "an error object: " .. tostring(err))
  T.eq(err.name, "TimeoutError", "TimeoutError")
  T.eq(order[1], "timeout", "the timeout came first: " .. table.concat(order, ","))
end)

T.test("after a timeout, the reconnect reusing the descriptor number is watched afresh", function()
  -- The timed-out socket was watched by cqueues when httpc closed it; its
  -- number comes back for the next socket. Unless cqueues forgets it
  -- (cqueues.cancel from the socket callback), the new socket is never
  -- added to epoll and the next request waits until its own timeout.
  local conn = httpc.HTTPConnection("127.0.0.1", PORT, {timeout = 0.3})
  local fds, results = {}, {}
  local cq = cqueues.new()
  cq:wrap(function()
    for i = 1, 5 do
      conn:set_timeout(0.3)
      local ok, e = pcall(function()
        conn:request("GET", "/slow?ms=3000")
        return conn:getresponse()
      end)
      T.ok(not ok and e.name == "TimeoutError", "timeout " .. i .. ": " .. tostring(e))
      conn:set_timeout(5)
      conn:request("GET", "/slow?ms=50")
      fds[#fds + 1] = conn:fileno()
      local r = conn:getresponse()
      results[#results + 1] = r:read("a")
    end
  end)
  run(cq, 60)
  T.eq(#results, 5, "5 requests after 5 timeouts")
  for i = 1, 5 do T.eq(results[i], "slow\n", "answer " .. i) end
  T.eq(fds[1], fds[5], "the same descriptor number came back")
  conn:close()
end)

T.test("Connection: close and reconnects on one connection in the loop", function()
  local conn = httpc.HTTPConnection("127.0.0.1", PORT, {timeout = 10})
  local bodies, fds = {}, {}
  local cq = cqueues.new()
  cq:wrap(function()
    for i = 1, 20 do
      conn:request("GET", i % 2 == 1 and "/close" or "/keep" .. i)
      fds[#fds + 1] = conn:fileno()
      local r = conn:getresponse()
      bodies[#bodies + 1] = r:read("a")
    end
  end)
  -- siblings open and close their own connections meanwhile
  for _ = 1, 5 do
    cq:wrap(function()
      for _ = 1, 4 do get("/close") end
    end)
  end
  run(cq)
  T.eq(#bodies, 20, "20 answers")
  T.eq(bodies[1], "bye\n", "Connection: close answer")
  T.ok(bodies[2]:find("GET /keep2 ", 1, true), "the next request went on a new socket")
end)

T.test("bodies in the loop: a string, a source that waits, a file, LTN12 sink", function()
  local cq = cqueues.new()
  local got = {}
  cq:wrap(function()
    local conn = httpc.HTTPConnection("127.0.0.1", PORT, {timeout = 10})
    local big = ("0123456789"):rep(300000)
    conn:request("PUT", "/string", big)
    got.string = conn:getresponse():read("a")
    local n = 0
    conn:request("POST", "/source", function()
      n = n + 1
      if n > 3 then return nil end
      cqueues.sleep(0.01) -- the source waits in its coroutine
      return "piece" .. n
    end)
    got.source = conn:getresponse():read("a")
    local path = os.tmpname()
    local f = assert(io.open(path, "wb"))
    f:write(big)
    f:close()
    f = assert(io.open(path, "rb"))
    conn:request("PUT", "/file", f, {["Content-Length"] = #big})
    got.file = conn:getresponse():read("a")
    f:close()
    os.remove(path)
    local t = {}
    local one, code = httpc.request{url = "http://127.0.0.1:" .. PORT .. "/sink",
                                    sink = require("ltn12").sink.table(t)}
    got.sink = one == 1 and code == 200 and table.concat(t)
    conn:close()
  end)
  run(cq)
  T.ok(got.string:sub(-3000000) == ("0123456789"):rep(300000), "3 MB string body")
  T.ok(got.source:find("Transfer-Encoding: chunked\r\n", 1, true), "source sent chunked")
  T.ok(got.source:find("\r\n\r\n6\r\npiece1\r\n6\r\npiece2\r\n6\r\npiece3\r\n0\r\n\r\n", 1, true),
       "the pieces: " .. got.source)
  T.ok(got.file:sub(-3000000) == ("0123456789"):rep(300000), "file body")
  T.ok(got.sink and got.sink:find("GET /sink ", 1, true), "one-shot with a sink in the loop")
end)

T.test("reads in the loop: lines, counts, read1, peek against a chunked body", function()
  local cq = cqueues.new()
  local out = {}
  cq:wrap(function()
    local conn = httpc.HTTPConnection("127.0.0.1", PORT, {timeout = 10})
    conn:request("POST", "/lines", "line one\nline two\nlast")
    local r = conn:getresponse()
    for line in r:lines() do out[#out + 1] = line end
    conn:request("GET", "/endless")
    r = conn:getresponse()
    out.peek = #r:peek() > 0
    out.read1 = #r:read1(100)
    out.count = #r:read(200000)
    r:close()
    conn:close()
  end)
  run(cq)
  T.eq(out[#out - 2], "line one", "first body line")
  T.eq(out[#out], "last", "last line")
  T.ok(out.peek, "peek")
  T.ok(out.read1 > 0 and out.read1 <= 100, "read1")
  T.eq(out.count, 200000, "read(200000) filled across waits")
end)

T.test("outside the loop with cqueues loaded: blocking reads, before and after the loop", function()
  local function read_all_ways(conn)
    conn:request("POST", "/lines", "line one\nline two\nlast")
    local r = conn:getresponse()
    local lines = {}
    for line in r:lines() do lines[#lines + 1] = line end
    conn:request("GET", "/endless")
    r = conn:getresponse()
    local counts = {#r:read1(100), #r:read(200000)}
    r:close()
    return lines, counts
  end
  local conn = httpc.HTTPConnection("127.0.0.1", PORT, {timeout = 10})
  local lines, counts = read_all_ways(conn) -- never in the loop
  T.eq(lines[#lines], "last", "last line, never in the loop")
  T.eq(counts[2], 200000, "read(200000), never in the loop")
  local cq = cqueues.new()
  cq:wrap(function() read_all_ways(conn) end) -- now non-blocking in the loop
  run(cq)
  lines, counts = read_all_ways(conn) -- and blocking again
  T.eq(lines[#lines - 2], "line one", "first line, after the loop")
  T.eq(lines[#lines], "last", "last line, after the loop")
  T.ok(counts[1] > 0 and counts[1] <= 100, "read1, after the loop")
  T.eq(counts[2], 200000, "read(200000), after the loop")
  conn:close()
end)

T.test("names are resolved without blocking the loop (localhost)", function()
  local cq, ticks, body = cqueues.new(), 0, nil
  cq:wrap(function()
    local conn = httpc.HTTPConnection("localhost", PORT, {timeout = 10})
    conn:request("GET", "/named")
    body = conn:getresponse():read("a")
    conn:close()
  end)
  cq:wrap(function()
    for _ = 1, 3 do
      ticks = ticks + 1
      cqueues.sleep(0.01)
    end
  end)
  run(cq)
  T.ok(body and body:find("Host: localhost:" .. PORT, 1, true), "resolved and answered")
  T.eq(ticks, 3, "the sibling ran")
end)

T.test("an abandoned coroutine leaks nothing", function()
  collectgarbage("collect")
  local before = T.open_fds()
  -- in a function of its own: when it returns, nothing on the stack still
  -- references the controller
  local function abandon()
    local cq = cqueues.new()
    for _ = 1, 10 do
      cq:wrap(function()
        get("/slow?ms=5000")
      end)
    end
    cq:step(0.2)
    cq:step(0.2)
    T.ok(T.new_fds(before) >= 10, "10 sockets open while the requests wait")
    -- the controller and its coroutines are dropped mid-request
  end
  abandon()
  collectgarbage("collect")
  collectgarbage("collect")
  T.eq(T.new_fds(before), 0, "every socket closed by the collector")
end)

T.test("the collector closes unreferenced connections in the loop", function()
  collectgarbage("collect")
  local before = T.open_fds()
  local cq = cqueues.new()
  for _ = 1, 20 do
    cq:wrap(function()
      for _ = 1, 10 do
        -- keep-alive connections never closed by the program
        local conn = httpc.HTTPConnection("127.0.0.1", PORT, {timeout = 10})
        conn:request("GET", "/gc")
        conn:getresponse():read("a")
        -- the earlier connections are closed here, right after this
        -- coroutine was woken from a wait, before cqueues updates epoll
        collectgarbage("collect")
      end
    end)
  end
  run(cq)
  cq = nil -- its own descriptors (epoll, wake-up) go too
  collectgarbage("collect")
  collectgarbage("collect")
  T.eq(T.new_fds(before), 0, "200 connections left open were all closed")
  -- and the loop still works on reused descriptor numbers
  local cq2, n = cqueues.new(), 0
  for _ = 1, 10 do
    cq2:wrap(function()
      if get("/again"):find("GET /again ", 1, true) then n = n + 1 end
    end)
  end
  run(cq2)
  T.eq(n, 10, "requests after the collection")
end)

if jit then
  T.test("lua-http's requests and httpc's on the same loop (LuaJIT)", function()
    local ok, http_request = pcall(require, "http.request")
    if not ok then
      print("  lua-http not installed: skipped")
      return
    end
    local cq, results = cqueues.new(), {}
    for _ = 1, 3 do
      cq:wrap(function()
        local req = http_request.new_from_uri("http://127.0.0.1:" .. PORT .. "/slow?ms=500&tag=mixed")
        local headers, stream = assert(req:go(10))
        local answer = "lua-http " .. headers:get(":status") .. " " .. stream:get_body_as_string()
        results[#results + 1] = answer -- (#results is read after the wait)
      end)
      cq:wrap(function()
        local answer = "httpc 200 " .. get("/slow?ms=500&tag=mixed")
        results[#results + 1] = answer
      end)
    end
    run(cq)
    T.eq(#results, 6, "six answers: " .. table.concat(results, " / "))
    for _, r in ipairs(results) do T.ok(r:find(" 200 slow\n", 1, true), r) end
    local max, count = slow_stats("mixed")
    T.eq(count, 6, "six at the server")
    T.eq(max, 6, "all six in progress at once")
  end)
end

T.run(jit and 13 or 12)
