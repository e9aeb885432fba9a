"""Builds the Python package httpc for pip: the pure Python sources from
bindings/python/httpc, and the extension httpc._httpc_raw built by the
project's own CMake (the same build as tools/run build, with the static
library linked in, so the package carries the library inside it).

One CMake build directory serves every pip run (build/pip/cmake, or
$HTTPC_PIP_BUILD_DIR/cmake), so a
second pip wheel or install after the first only relinks what changed."""

import glob
import os
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent
# HTTPC_PIP_BUILD_DIR: where the tests keep it (inside their build tree).
BUILD_BASE = Path(os.environ.get("HTTPC_PIP_BUILD_DIR") or ROOT / "build" / "pip").resolve()
BUILD_BASE.mkdir(parents=True, exist_ok=True)


def project_version():
    for line in (ROOT / "CMakeLists.txt").read_text().splitlines():
        if line.startswith("project(httpc VERSION "):
            return line.split()[2]
    raise RuntimeError("no project(httpc VERSION ...) line in CMakeLists.txt")


class CMakeExtension(Extension):
    def __init__(self, name):
        super().__init__(name, sources=[])


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        cmake_dir = BUILD_BASE / "cmake"
        configure = [
            "cmake", "-S", str(ROOT), "-B", str(cmake_dir),
            "-DCMAKE_BUILD_TYPE=Release",
            "-DHTTPC_BUILD_PYTHON=ON", "-DHTTPC_PYTHON_STATIC=ON",
            "-DHTTPC_BUILD_TESTS=OFF", "-DHTTPC_BUILD_EXAMPLES=OFF",
            "-DHTTPC_BUILD_BENCH=OFF", "-DHTTPC_BUILD_LUA=OFF",
            "-DHTTPC_BUILD_NODE=OFF",
            "-DPython3_EXECUTABLE=" + sys.executable,
            "-DPython3_FIND_STRATEGY=LOCATION",
        ]
        env = os.environ.copy()
        try:  # PyPI's swig, a build requirement (pyproject.toml)
            import swig
        except ImportError:  # no build isolation: bindings/swig.cmake finds one
            swig = None
        if swig is not None:
            # Its binary finds its library through SWIG_LIB, as its own
            # console script sets it.
            env["SWIG_LIB"] = glob.glob(os.path.join(swig.SWIG_SHARE_DIR, "*"))[0]
            configure.append("-DSWIG_EXECUTABLE=" + os.path.join(swig.BIN_DIR, "swig"))
        jobs = os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL", "2")
        subprocess.check_call(configure, env=env)
        subprocess.check_call(["cmake", "--build", str(cmake_dir),
                               "--target", "_httpc_raw", "-j", jobs], env=env)
        built = cmake_dir / "python" / "httpc"
        target = Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        suffix = target.name[len("_httpc_raw"):]
        shutil.copyfile(built / ("_httpc_raw" + suffix), target)


setup(
    version=project_version(),
    packages=["httpc"],
    package_dir={"httpc": "bindings/python/httpc"},
    package_data={"httpc": ["py.typed", "*.pyi"]},
    ext_modules=[CMakeExtension("httpc._httpc_raw")],
    cmdclass={"build_ext": CMakeBuild},
    options={"build": {"build_base": str(BUILD_BASE)},
             "egg_info": {"egg_base": str(BUILD_BASE)}},
)
