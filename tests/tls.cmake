# HTTPS / tunnel tests against real servers (issue 4). Included from
# tests/CMakeLists.txt. Registered whether or not nginx and tinyproxy are
# installed: with-servers.sh then skips (77), or fails under
# HTTPC_REQUIRE_ALL=1.

# A loop program for valgrind and for rough figures (see its header).
add_executable(tls_loop ${CMAKE_CURRENT_SOURCE_DIR}/c/tls_loop.c)
target_link_libraries(tls_loop PRIVATE httpc_static)
target_compile_options(tls_loop PRIVATE ${HTTPC_WARNINGS})
target_compile_definitions(tls_loop PRIVATE _GNU_SOURCE)
target_include_directories(tls_loop PRIVATE ${CMAKE_SOURCE_DIR}/core)

add_test(NAME c.test_tls_servers
  COMMAND ${HTTPC_WITH_SERVERS} --https --tinyproxy -- ${HTTPC_NO_DNS} $<TARGET_FILE:test_tls> --jobs 2)
set_tests_properties(c.test_tls_servers PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77
  FAIL_REGULAR_EXPRESSION "${HTTPC_CRITERION_FAIL}")
