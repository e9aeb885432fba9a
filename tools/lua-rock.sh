#!/usr/bin/env bash
# tools/lua-rock.sh [OUT_DIR]: the Lua binding as a LuaRocks release.
# Makes in OUT_DIR (default build/dist):
#   httpc-V.tar.gz         the sources (the tracked files of this work tree,
#                          uncommitted changes included) under httpc-V/
#   httpc-V-1.rockspec     bindings/lua/httpc-scm-1.rockspec with version V-1
#                          and source.url = $HTTPC_RELEASE_URL/httpc-V.tar.gz
#                          (default: file://OUT_DIR, so it installs here)
#   httpc-V-1.src.rock     `luarocks pack` of it: archive and rockspec in one
#                          file that `luarocks install` builds anywhere
# V is the project version of CMakeLists.txt. The rockspec is linted.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/build/dist}
mkdir -p "$out"
out=$(cd "$out" && pwd)
version=$(sed -n 's/^project(httpc VERSION \([0-9.]*\).*/\1/p' "$root/CMakeLists.txt")
[ -n "$version" ] || { echo "lua-rock.sh: no version in CMakeLists.txt" >&2; exit 1; }
name=httpc-$version
url=${HTTPC_RELEASE_URL:-file://$out}/$name.tar.gz

# git stash create: a commit of the work tree's tracked files as they are now
# (nothing is stashed), or nothing when the tree is clean.
cd "$root"
tree=$(git stash create)
git archive --format=tar.gz --prefix="$name/" -o "$out/$name.tar.gz" "${tree:-HEAD}"

spec=$out/$name-1.rockspec
sed -e "s|^version = \"scm-1\"|version = \"$version-1\"|" \
    -e "/^source = {/,/^}/c\\
source = {\\
  url = \"$url\",\\
  dir = \"$name\",\\
}" "$root/bindings/lua/httpc-scm-1.rockspec" > "$spec"
grep -q "^version = \"$version-1\"" "$spec" && grep -q "url = \"$url\"" "$spec" || {
  echo "lua-rock.sh: could not make $spec from the scm rockspec" >&2
  exit 1
}
luarocks lint "$spec"

# luarocks pack fetches source.url: from our own archive when the release
# URL is elsewhere (the rock carries the archive, found by its file name).
pack_spec=$spec
if [ -n "${HTTPC_RELEASE_URL:-}" ]; then
  pack_spec=$(mktemp -d)/$name-1.rockspec
  sed "s|url = \".*\"|url = \"file://$out/$name.tar.gz\"|" "$spec" > "$pack_spec"
fi
(cd "$out" && rm -f "$name-1.src.rock" && luarocks pack "$pack_spec" >/dev/null)
test -f "$out/$name-1.src.rock"
echo "$out/$name.tar.gz"
echo "$spec"
echo "$out/$name-1.src.rock"
