#!/usr/bin/env bash
# The project's venv of PyPI packages for the Python tests and bench
# (tests/python/requirements.txt), made from the same interpreter the build
# uses (CMake's Python3_EXECUTABLE, else python3 on PATH), so that the
# extension in build/python loads in it.
#
#   venv.sh create [PYTHON]        make it unless it exists (tools/run deps)
#   venv.sh python [PYTHON]        print its interpreter; exit 77 (skip) or 1
#                                  (HTTPC_REQUIRE_ALL=1) when it is missing
#   venv.sh run PYTHON -- CMD...   run CMD with $HTTPC_VENV_PYTHON set to it
#
# Where: $HTTPC_VENV_DIR if set, else $HOME/.cache/httpc/venv-<hash>, the hash
# of the requirements file and the interpreter's version, so a change of
# either makes a new venv and an old one is never half-updated.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
requirements=$here/requirements.txt

venv_dir() { # PYTHON
    if [ -n "${HTTPC_VENV_DIR:-}" ]; then echo "$HTTPC_VENV_DIR"; return; fi
    local version hash
    version=$("$1" -c 'import sys; print(sys.version)')
    hash=$({ cat "$requirements"; echo "$version"; } | sha256sum | cut -c1-16)
    echo "${XDG_CACHE_HOME:-$HOME/.cache}/httpc/venv-$hash"
}

cmd=${1:-}; shift || true
case "$cmd" in
    create)
        python=${1:-python3}
        dir=$(venv_dir "$python")
        [ -f "$dir/.complete" ] && exit 0
        echo "venv.sh: installing tests/python/requirements.txt into $dir"
        rm -rf "$dir"
        "$python" -m venv "$dir"
        "$dir/bin/python" -m pip install -q --disable-pip-version-check -r "$requirements"
        touch "$dir/.complete"
        ;;
    python)
        python=${1:-python3}
        dir=$(venv_dir "$python")
        if [ ! -f "$dir/.complete" ]; then
            . "$here/../support/require.sh"
            missing "the test venv $dir (tools/run deps makes it)"
        fi
        echo "$dir/bin/python"
        ;;
    run)
        python=$1; shift
        [ "${1:-}" = -- ] && shift
        HTTPC_VENV_PYTHON=$("$0" python "$python") || exit $?
        export HTTPC_VENV_PYTHON
        exec "$@"
        ;;
    *)
        echo "usage: venv.sh create|python [PYTHON] | run PYTHON -- CMD..." >&2
        exit 2
        ;;
esac
