# The Lua suites, run on every interpreter the binding was built for
# (HTTPC_LUA_INTERPRETERS: "name|executable|module dir"), as lua.<suite>.<name>.
find_package(Python3 REQUIRED COMPONENTS Interpreter)
set(HTTPC_LUA_TESTS ${CMAKE_SOURCE_DIR}/tests/lua)
set(HTTPC_WITH_SERVERS ${CMAKE_SOURCE_DIR}/tests/support/with-servers.sh)
# Under HTTPC_SANITIZE the module carries ASan/UBSan but the interpreters do
# not: the Lua processes get the runtimes preloaded (and only they: Python,
# nginx and the shell are left alone). Leaks are checked by valgrind runs.
set(lua_run "")
set(python_for_lua ${Python3_EXECUTABLE})
if(HTTPC_SANITIZE)
  execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=libasan.so
                  OUTPUT_VARIABLE asan_lib OUTPUT_STRIP_TRAILING_WHITESPACE)
  execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=libubsan.so
                  OUTPUT_VARIABLE ubsan_lib OUTPUT_STRIP_TRAILING_WHITESPACE)
  set(lua_preload "${asan_lib}:${ubsan_lib}")
  set(lua_run env LD_PRELOAD=${lua_preload} ASAN_OPTIONS=detect_leaks=0)
  set(python_for_lua "env -u LD_PRELOAD ${Python3_EXECUTABLE}")
endif()
foreach(entry ${HTTPC_LUA_INTERPRETERS})
  string(REPLACE "|" ";" parts "${entry}")
  list(GET parts 0 name)
  list(GET parts 1 lua)
  list(GET parts 2 dir)
  set(env "LUA_PATH=${dir}/?.lua\;${dir}/?/init.lua\;${HTTPC_LUA_TESTS}/?.lua"
          "LUA_CPATH=${dir}/?.so" "HTTPC_PYTHON=${python_for_lua}")

  add_test(NAME lua.vectors.${name}
    COMMAND ${Python3_EXECUTABLE} ${HTTPC_LUA_TESTS}/run_vectors.py ${lua} ${dir})
  set_tests_properties(lua.vectors.${name} PROPERTIES TIMEOUT 600
                       ENVIRONMENT "HTTPC_LUA_PRELOAD=${lua_preload}")

  add_test(NAME lua.api.${name} COMMAND ${lua_run} ${lua} ${HTTPC_LUA_TESTS}/test_api.lua)
  set_tests_properties(lua.api.${name} PROPERTIES ENVIRONMENT "${env}" TIMEOUT 600)

  # The suites that need LuaSocket's ltn12 or cqueues from the system paths.
  set(env_system "LUA_PATH=${dir}/?.lua\;${dir}/?/init.lua\;${HTTPC_LUA_TESTS}/?.lua\;\;"
                 "LUA_CPATH=${dir}/?.so\;\;" "HTTPC_PYTHON=${python_for_lua}")
  add_test(NAME lua.oneshot.${name} COMMAND ${lua_run} ${lua} ${HTTPC_LUA_TESTS}/test_oneshot.lua)
  set_tests_properties(lua.oneshot.${name} PROPERTIES ENVIRONMENT "${env_system}" TIMEOUT 600)

  # cqueues: the loop suite, the deadlines of an endless body in both modes,
  # and every conformance vector inside a cqueues coroutine.
  add_test(NAME lua.cqueues.${name} COMMAND ${lua_run} ${lua} ${HTTPC_LUA_TESTS}/test_cqueues.lua)
  set_tests_properties(lua.cqueues.${name} PROPERTIES ENVIRONMENT "${env_system}" TIMEOUT 600)
  add_test(NAME lua.deadlines.${name} COMMAND ${lua_run} ${lua} ${HTTPC_LUA_TESTS}/test_deadlines.lua)
  set_tests_properties(lua.deadlines.${name} PROPERTIES ENVIRONMENT "${env_system}" TIMEOUT 600)
  add_test(NAME lua.vectors_cqueues.${name}
    COMMAND ${Python3_EXECUTABLE} ${HTTPC_LUA_TESTS}/run_vectors.py ${lua} ${dir})
  set_tests_properties(lua.vectors_cqueues.${name} PROPERTIES TIMEOUT 600
                       ENVIRONMENT "HTTPC_LUA_PRELOAD=${lua_preload};HTTPC_LUA_CQUEUES=1")

  add_test(NAME lua.real_servers.${name}
    COMMAND ${HTTPC_WITH_SERVERS} --https --tinyproxy -- ${lua_run} ${lua}
            ${HTTPC_LUA_TESTS}/real_servers.lua)
  set_tests_properties(lua.real_servers.${name} PROPERTIES ENVIRONMENT "${env_system}" TIMEOUT 600 SKIP_RETURN_CODE 77)

  add_test(NAME lua.seeds_demo.${name}
    COMMAND ${HTTPC_WITH_SERVERS} --nginx --
            ${lua_run} sh -c "exec ${lua} ${CMAKE_SOURCE_DIR}/examples/lua/seeds_demo.lua http://127.0.0.1:$HTTPC_TEST_HTTP_PORT/")
  set_tests_properties(lua.seeds_demo.${name} PROPERTIES ENVIRONMENT "${env}" TIMEOUT 300 SKIP_RETURN_CODE 77)

  add_test(NAME lua.no_dns.${name}
    COMMAND ${CMAKE_SOURCE_DIR}/tests/support/no-dns.sh ${lua_run} ${lua} ${HTTPC_LUA_TESTS}/no_dns.lua)
  set_tests_properties(lua.no_dns.${name} PROPERTIES ENVIRONMENT "${env}" TIMEOUT 120)
endforeach()

# LuaRocks: `luarocks make --tree DIR` for Lua 5.4 and LuaJIT, then the API
# suite from each tree alone. It builds in <source>/build-luarocks.
find_program(LUAROCKS_EXECUTABLE luarocks)
if(LUAROCKS_EXECUTABLE)
  add_test(NAME lua.rockspec COMMAND ${HTTPC_LUA_TESTS}/test_rockspec.sh)
  set_tests_properties(lua.rockspec PROPERTIES ENVIRONMENT "HTTPC_PYTHON=${Python3_EXECUTABLE}"
                       TIMEOUT 900)
endif()
