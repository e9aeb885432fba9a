#!/usr/bin/env bash
# tests/lua/test_rockspec.sh: the binding through Debian's luarocks, for Lua
# 5.4 and for LuaJIT:
#  1. `luarocks lint` of the scm rockspec; `luarocks make --tree DIR` from
#     this clone (built without -Werror), then the API suite with only that
#     tree (and the test helper) on the Lua paths;
#  2. a release made by tools/lua-rock.sh (archive, rockspec, .src.rock); the
#     .src.rock alone copied to an empty directory, its archive moved away,
#     `luarocks install --tree EMPTY` of it, and the API suite from that tree.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/httpc-rock.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

check_tree() { # NAME LUA_VERSION INTERPRETER TREE
  local name=$1 version=$2 lua=$3 tree=$4
  local share=$tree/share/lua/$version lib=$tree/lib/lua/$version
  test -f "$share/httpc.lua" && test -f "$lib/httpc/raw.so"
  echo "== $name: the API suite from $tree"
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

echo "== luarocks lint of the scm rockspec"
luarocks lint bindings/lua/httpc-scm-1.rockspec

echo "== a release with tools/lua-rock.sh"
"$root/tools/lua-rock.sh" "$tmp/dist"
rock=$(ls "$tmp"/dist/httpc-*-1.src.rock)
mkdir "$tmp/elsewhere"
cp "$rock" "$tmp/elsewhere/"
# the rock alone: its archive must come from inside it
mv "$tmp"/dist/httpc-*.tar.gz "$tmp/dist/moved-away"

run() { # NAME LUA_VERSION INTERPRETER [VAR=VALUE...]
  local name=$1 version=$2 lua=$3
  shift 3
  echo "== luarocks make for $name"
  luarocks --lua-version "$version" make --tree "$tmp/make-$name" "$@" bindings/lua/httpc-scm-1.rockspec
  # A user's newer compiler must not fail the install on a new warning.
  flags=build-luarocks/CMakeFiles/httpc_objects.dir/flags.make
  grep -q -- '-Wextra' "$flags" && ! grep -q -- '-Werror' "$flags" || {
    echo "the LuaRocks build must warn without -Werror: $(grep C_FLAGS "$flags")" >&2
    exit 1
  }
  check_tree "$name" "$version" "$lua" "$tmp/make-$name"
  echo "== luarocks install of the .src.rock for $name, in an empty tree"
  (cd "$tmp/elsewhere" &&
     luarocks --lua-version "$version" install --tree "$tmp/rock-$name" "$@" "$(basename "$rock")")
  check_tree "$name" "$version" "$lua" "$tmp/rock-$name"
}

run lua54 5.4 lua5.4
if command -v luajit >/dev/null && [ -d /usr/include/luajit-2.1 ]; then
  run luajit 5.1 luajit LUA_INCDIR=/usr/include/luajit-2.1
fi
echo "== all rock checks passed"
