# The one SWIG of every binding (included by bindings/*/CMakeLists.txt):
# SWIG_EXECUTABLE if it names a SWIG >= 4.2 (pip's build gives the one of its
# build requirements), else the project's pinned SWIG that tools/run deps
# installs (tools/swig.sh, tools/swig-requirements.txt). Debian's SWIG 4.1
# has no Node-API target, and the bindings are checked against one version.
include_guard(GLOBAL)
set(HTTPC_SWIG_MIN 4.2)

function(httpc_swig_version exe out)
  execute_process(COMMAND ${exe} -version OUTPUT_VARIABLE text RESULT_VARIABLE rc ERROR_QUIET)
  set(version "")
  if(rc EQUAL 0 AND text MATCHES "SWIG Version ([0-9.]+)")
    set(version ${CMAKE_MATCH_1})
  endif()
  set(${out} "${version}" PARENT_SCOPE)
endfunction()

set(swig_version "")
if(SWIG_EXECUTABLE)
  httpc_swig_version(${SWIG_EXECUTABLE} swig_version)
endif()
if(NOT swig_version OR swig_version VERSION_LESS HTTPC_SWIG_MIN)
  # Not given, or an older one cached by an earlier configure (FindSWIG's
  # default): the project's own.
  execute_process(COMMAND ${CMAKE_SOURCE_DIR}/tools/swig.sh path
    OUTPUT_VARIABLE project_swig RESULT_VARIABLE rc OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "SWIG >= ${HTTPC_SWIG_MIN} is needed for the bindings and the project's "
      "pinned "
      "SWIG is not installed: run tools/run deps (or tools/swig.sh create), or configure with "
      "-DSWIG_EXECUTABLE=<a SWIG >= ${HTTPC_SWIG_MIN}>, or turn the bindings off "
      "(-DHTTPC_BUILD_PYTHON=OFF -DHTTPC_BUILD_LUA=OFF -DHTTPC_BUILD_NODE=OFF)")
  endif()
  httpc_swig_version(${project_swig} swig_version)
  if(NOT swig_version OR swig_version VERSION_LESS HTTPC_SWIG_MIN)
    message(FATAL_ERROR "${project_swig} does not run as SWIG >= ${HTTPC_SWIG_MIN}; "
      "remove its folder and run tools/run deps again")
  endif()
  set(SWIG_EXECUTABLE ${project_swig} CACHE FILEPATH "SWIG >= ${HTTPC_SWIG_MIN}" FORCE)
endif()
# FindSWIG caches the library folder and the version of the SWIG it saw
# first: forget them when the executable changed (an older build folder).
if(NOT "${HTTPC_SWIG_SEEN}" STREQUAL "${SWIG_EXECUTABLE}")
  unset(SWIG_DIR CACHE)
  unset(SWIG_VERSION CACHE)
  set(HTTPC_SWIG_SEEN ${SWIG_EXECUTABLE} CACHE INTERNAL "the SWIG FindSWIG last looked at")
endif()
find_package(SWIG ${HTTPC_SWIG_MIN} REQUIRED)
message(STATUS "SWIG for the bindings: ${SWIG_EXECUTABLE} (${SWIG_VERSION})")
