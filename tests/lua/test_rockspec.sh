#!/usr/bin/env bash
# tests/lua/test_rockspec.sh: installs the binding with Debian's luarocks
# (`luarocks make --tree DIR`) for Lua 5.4 and for LuaJIT, then runs the API
# suite with only that tree (and the test helper) on the Lua paths.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
tree=$(mktemp -d "${TMPDIR:-/tmp}/httpc-rock.XXXXXX")
trap 'rm -rf "$tree"' EXIT

run() { # NAME LUA_VERSION INTERPRETER [VAR=VALUE...]
  local name=$1 version=$2 lua=$3
  shift 3
  echo "== luarocks make for $name"
  luarocks --lua-version "$version" make --tree "$tree/$name" "$@" bindings/lua/httpc-scm-1.rockspec
  local share=$tree/$name/share/lua/$version lib=$tree/$name/lib/lua/$version
  test -f "$share/httpc.lua" && test -f "$lib/httpc/raw.so"
  echo "== $name: the API suite from the installed tree"
  LUA_PATH="$share/?.lua;$share/?/init.lua" LUA_CPATH="$lib/?.so" TREE="$tree" "$lua" -e '
    local h = require("httpc")
    for _, name in ipairs({"httpc", "httpc.raw"}) do
      local path = package.loaded[name] and (package.searchpath(name, package.path)
                   or package.searchpath(name, package.cpath))
      assert(path and path:find(os.getenv("TREE"), 1, true), name .. " not from the tree")
    end
    print("httpc " .. h.version .. " from " .. os.getenv("TREE"))' 
  LUA_PATH="$share/?.lua;$share/?/init.lua;$root/tests/lua/?.lua" LUA_CPATH="$lib/?.so" \
    "$lua" "$root/tests/lua/test_api.lua"
}

run lua54 5.4 lua5.4
if command -v luajit >/dev/null && [ -d /usr/include/luajit-2.1 ]; then
  run luajit 5.1 luajit LUA_INCDIR=/usr/include/luajit-2.1
fi
