-- What the Lua bench clients share: their arguments (HOST PORT PATH N TLS
-- MODE, as tools/bench.sh passes them), a wall clock (Lua has only os.time
-- and the CPU clock: LuaSocket's gettime where installed, else LuaJIT's FFI
-- clock_gettime) and the result line.
local B = {}

--- Arguments from arg[first] on: host, port, path, count, tls, mode.
function B.args(first)
  local a = first or 1
  return arg[a], tonumber(arg[a + 1]), arg[a + 2], tonumber(arg[a + 3]), arg[a + 4] == "1",
    arg[a + 5]
end

--- Untimed requests every client makes first, the same way as the timed
-- ones (on the same connection where it keeps one): BENCH_WARMUP, else 0.
function B.warmup()
  return tonumber(os.getenv("BENCH_WARMUP") or "0") or 0
end

--- Exits 3 (the client does not apply) with a reason on stderr.
function B.skip(client, reason)
  io.stderr:write(client, ": ", tostring(reason), "\n")
  os.exit(3)
end

--- "requests=N bytes=B seconds=S conns=C", as every bench client prints.
function B.report(count, bytes, seconds, conns)
  print(string.format("requests=%d bytes=%d seconds=%.6f conns=%d", count, bytes, seconds, conns))
end

local ok, socket = pcall(require, "socket")
if ok and socket.gettime then
  B.clock = socket.gettime
else
  local has_ffi, ffi = pcall(require, "ffi")
  if not has_ffi then error("lua_bench: needs LuaSocket or LuaJIT for a wall clock") end
  ffi.cdef("typedef struct { long tv_sec; long tv_nsec; } lua_bench_timespec;" ..
           "int clock_gettime(int clk, lua_bench_timespec *ts);")
  local ts = ffi.new("lua_bench_timespec")
  B.clock = function()
    ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
    return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) * 1e-9
  end
end

return B
