-- LuaRocks package of the httpc Lua binding, built from a clone. At the
-- clone's root:
--   luarocks --lua-version 5.4 make --tree DIR bindings/lua/httpc-scm-1.rockspec
-- builds the module with CMake (needs cmake, swig, libwolfssl-dev) into
-- build-luarocks/ and installs httpc (init.lua) and httpc.raw (raw.so).
-- LuaJIT: luarocks --lua-version 5.1 make --tree DIR LUA_INCDIR=/usr/include/luajit-2.1 ...
-- `luarocks make` builds the clone it runs in and fetches nothing, so
-- source.url is just "this clone" (the repository has no public address);
-- `luarocks install` of this file is not supported. To install elsewhere,
-- make a release (tools/lua-rock.sh, or tools/run rock): httpc-V.tar.gz,
-- httpc-V-1.rockspec (source.url: $HTTPC_RELEASE_URL/httpc-V.tar.gz) and
-- httpc-V-1.src.rock, which `luarocks install` builds on any machine.
-- The build treats warnings as warnings (HTTPC_WERROR=OFF: a newer compiler
-- must not fail an install) and links the project's wolfSSL build when this
-- machine has it cached (tools/wolfssl.sh), else the system's libwolfssl.
rockspec_format = "3.0"
package = "httpc"
version = "scm-1"
source = {
  url = "git+file://.",
}
description = {
  summary = "HTTP/1.1 client with Python http.client's semantics (C11, wolfSSL)",
  detailed = [[
httpc.HTTPConnection / HTTPSConnection with request, getresponse and
responses read like Lua files, error objects following http.client's
exception hierarchy, a one-shot httpc.request(url) as LuaSocket's, and the
same calls inside cqueues coroutines without blocking the loop.]],
  license = "MIT",
}
dependencies = {
  "lua >= 5.1",
}
build = {
  type = "command",
  build_command = [[cmake -S . -B build-luarocks -DCMAKE_BUILD_TYPE=Release -DHTTPC_LUA_INCDIR="$(LUA_INCDIR)" -DHTTPC_WERROR=OFF -DHTTPC_WOLFSSL=`tools/wolfssl.sh cached >/dev/null 2>&1 && echo bundled || echo system` -DHTTPC_BUILD_TESTS=OFF -DHTTPC_BUILD_PYTHON=OFF -DHTTPC_BUILD_NODE=OFF -DHTTPC_BUILD_EXAMPLES=OFF -DHTTPC_BUILD_BENCH=OFF && cmake --build build-luarocks --target httpc_lua_rock -j 2]],
  install = {
    lua = {
      httpc = "bindings/lua/httpc/init.lua",
    },
    lib = {
      ["httpc.raw"] = "build-luarocks/luarocks/httpc/raw.so",
    },
  },
}
