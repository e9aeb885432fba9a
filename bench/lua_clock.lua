-- Wall-clock seconds for the Lua bench clients (Lua has only os.time and
-- the CPU clock): LuaSocket's gettime where installed, else LuaJIT's FFI
-- clock_gettime. The same clock for every Lua client.
local ok, socket = pcall(require, "socket")
if ok and socket.gettime then return socket.gettime end
local has_ffi, ffi = pcall(require, "ffi")
if has_ffi then
  ffi.cdef("typedef struct { long tv_sec; long tv_nsec; } lua_bench_timespec;" ..
           "int clock_gettime(int clk, lua_bench_timespec *ts);")
  local ts = ffi.new("lua_bench_timespec")
  return function()
    ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
    return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) * 1e-9
  end
end
error("lua_clock: needs LuaSocket or LuaJIT")
