-- A small test helper for the Lua suites (plain scripts, run by CTest under
-- Lua 5.4 and LuaJIT alike): named tests, assertions, a summary, an exit
-- status, and a minimum number of tests so that a suite cannot pass empty.
local httpc = require("httpc")

local T = {}
local tests = {}

T.root = (arg and arg[0] or ""):match("^(.*)/tests/lua/[^/]+$") or "."

function T.test(name, fn)
  tests[#tests + 1] = {name = name, fn = fn}
end

local function fail(msg, level)
  error(msg, (level or 1) + 2)
end

function T.eq(got, want, what)
  if got ~= want then
    fail(string.format("%s: want %q, got %q", what or "value", tostring(want), tostring(got)))
  end
end

function T.ok(v, what)
  if not v then fail((what or "condition") .. " is false") end
  return v
end

--- Calls fn(...) and returns the httpc error object it raises, checking its
-- class name (exact) when `name` is given.
function T.raises(name, fn, ...)
  local ok, err = pcall(fn, ...)
  if ok then fail("expected " .. (name or "an error") .. ", nothing raised") end
  if not httpc.is_error(err) then fail("expected an httpc error object, got " .. tostring(err)) end
  if name and err.name ~= name then fail("expected " .. name .. ", got " .. tostring(err)) end
  return err
end

--- Serves a vector file with tests/support/vector_server.py; returns its port.
-- The server stops by itself after one connection or 20 s.
function T.serve_vector(path, connections)
  local cmd = string.format("%s %s/tests/support/vector_server.py %s --connections %d",
                            os.getenv("HTTPC_PYTHON") or "python3", T.root, path, connections or 1)
  local proc = assert(io.popen(cmd, "r"))
  local port = tonumber(proc:read("l"))
  T.ok(port, "vector server port")
  T.servers = T.servers or {}
  T.servers[#T.servers + 1] = proc
  return port
end

--- Writes a temporary vector file (lines of the vector format) and serves it.
function T.serve_text(text, connections)
  local path = os.tmpname()
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
  local port = T.serve_vector(path, connections)
  T.temp_files = T.temp_files or {}
  T.temp_files[#T.temp_files + 1] = path
  return port
end

--- Starts tests/lua/echo_server.py (it answers with the request it got, and
-- more: see its header); returns its port. It stops when the test run ends.
function T.serve_echo()
  local cmd = string.format("exec %s %s/tests/lua/echo_server.py",
                            os.getenv("HTTPC_PYTHON") or "python3", T.root)
  local proc = assert(io.popen(cmd, "r"))
  local port = tonumber(proc:read("l"))
  T.ok(port, "echo server port")
  T.servers = T.servers or {}
  T.servers[#T.servers + 1] = proc
  return port
end

--- The descriptors this process has open, by number ({[fd] = true}), up
-- to 4096: /proc/self/fdinfo/N exists for each (opening it resolves the
-- path before it takes a descriptor, so the probe does not see itself;
-- a listing through a pipe would count the pipe).
function T.open_fds()
  local fds = {}
  for fd = 0, 4095 do
    local f = io.open("/proc/self/fdinfo/" .. fd)
    if f then
      fds[fd] = true
      f:close()
    end
  end
  return fds
end

--- How many of the descriptors open now were not in `before`.
function T.new_fds(before)
  local n = 0
  for fd in pairs(T.open_fds()) do
    if not before[fd] then n = n + 1 end
  end
  return n
end

--- Runs the tests (those whose name contains the HTTPC_LUA_TEST filter),
-- prints one line each and exits 0 only when all passed and at least
-- `minimum` ran.
function T.run(minimum)
  local filter = os.getenv("HTTPC_LUA_TEST") or ""
  local ran, failed = 0, 0
  for _, t in ipairs(tests) do
    if t.name:find(filter, 1, true) then
      ran = ran + 1
      local ok, err = xpcall(t.fn, function(e) return debug.traceback(tostring(e), 2) end)
      if ok then
        print("ok   " .. t.name)
      else
        failed = failed + 1
        print("FAIL " .. t.name .. ": " .. tostring(err))
      end
    end
  end
  for _, p in ipairs(T.servers or {}) do p:close() end
  for _, f in ipairs(T.temp_files or {}) do os.remove(f) end
  print(string.format("%s (%s): %d tests, %d passed, %d failed", arg[0], _VERSION .. (jit and (" " .. jit.version) or ""),
                      ran, ran - failed, failed))
  local need = filter == "" and minimum or 1
  if ran < need then
    print(string.format("too few tests ran: %d (at least %d expected)", ran, need))
    os.exit(1, true)
  end
  -- close = true: the state is closed, so every handle still alive is
  -- finalized (and checked by valgrind runs) before the process exits
  os.exit(failed == 0 and 0 or 1, true)
end

return T
