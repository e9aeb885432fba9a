-- LuaRocks package of the httpc Lua binding. From a clone, at its root:
--   luarocks --lua-version 5.4 make --tree DIR bindings/lua/httpc-scm-1.rockspec
-- builds the module with CMake (needs cmake, swig, libwolfssl-dev) into
-- build-luarocks/ and installs httpc (init.lua) and httpc.raw (raw.so).
-- LuaJIT: luarocks --lua-version 5.1 make --tree DIR LUA_INCDIR=/usr/include/luajit-2.1 ...
-- A release (tools/lua-rock.sh, or tools/run rock) is this file with a
-- version and its source archive: httpc-V.tar.gz, httpc-V-1.rockspec and
-- httpc-V-1.src.rock, which `luarocks install` builds anywhere.
-- source.url below is the repository this file is in (`luarocks make` builds
-- the clone itself and does not fetch it).
rockspec_format = "3.0"
package = "httpc"
version = "scm-1"
source = {
  url = "git+file:///work/main",
}
description = {
  summary = "HTTP/1.1 client with Python http.client's semantics (C11, wolfSSL)",
  detailed = [[
httpc.HTTPConnection / HTTPSConnection with request, getresponse and
responses read like Lua files, error objects following http.client's
exception hierarchy, and a one-shot httpc.request(url) as LuaSocket's.]],
  license = "MIT",
}
dependencies = {
  "lua >= 5.1",
}
build = {
  type = "command",
  build_command = [[cmake -S . -B build-luarocks -DCMAKE_BUILD_TYPE=Release -DHTTPC_LUA_INCDIR="$(LUA_INCDIR)" -DHTTPC_BUILD_TESTS=OFF -DHTTPC_BUILD_PYTHON=OFF -DHTTPC_BUILD_NODE=OFF -DHTTPC_BUILD_EXAMPLES=OFF -DHTTPC_BUILD_BENCH=OFF && cmake --build build-luarocks --target httpc_lua_rock -j 2]],
  install = {
    lua = {
      httpc = "bindings/lua/httpc/init.lua",
    },
    lib = {
      ["httpc.raw"] = "build-luarocks/luarocks/httpc/raw.so",
    },
  },
}
