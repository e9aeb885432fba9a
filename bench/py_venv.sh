#!/usr/bin/env bash
# py_venv.sh SCRIPT ARGS...: runs a Python bench client with the project's
# venv (tests/python/venv.sh: the pinned PyPI peers), the real interpreter
# binary (so valgrind can run it too); exits 3 (not applicable) when the
# venv is missing.
root=$(cd "$(dirname "$0")/.." && pwd)
python=$("$root/tests/python/venv.sh" python python3 2>/dev/null) || {
  echo "py_venv.sh: the project's venv is missing (tools/run deps makes it)" >&2
  exit 3
}
exec "$python" "$@"
