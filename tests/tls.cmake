# HTTPS / tunnel tests against real servers (issue 4). Included from
# tests/CMakeLists.txt.
find_program(HTTPC_NGINX nginx PATHS /usr/sbin)
find_program(HTTPC_TINYPROXY tinyproxy PATHS /usr/bin /usr/sbin)

# A loop program for valgrind and for rough figures (see its header).
add_executable(tls_loop ${CMAKE_CURRENT_SOURCE_DIR}/c/tls_loop.c)
target_link_libraries(tls_loop PRIVATE httpc_static)
target_compile_options(tls_loop PRIVATE ${HTTPC_WARNINGS})
target_compile_definitions(tls_loop PRIVATE _GNU_SOURCE)
target_include_directories(tls_loop PRIVATE ${CMAKE_SOURCE_DIR}/core)

if(HTTPC_NGINX AND HTTPC_TINYPROXY)
  add_test(NAME c.test_tls_servers
    COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/support/with-servers.sh --https --tinyproxy --
      $<TARGET_FILE:test_tls> --jobs 2)
  set_tests_properties(c.test_tls_servers PROPERTIES TIMEOUT 300
    FAIL_REGULAR_EXPRESSION "ERROR: LeakSanitizer;runtime error:;ERROR: AddressSanitizer"
    PASS_REGULAR_EXPRESSION "Synthesis: Tested: [0-9]+ \\| Passing: [0-9]+ \\| Failing: 0 \\| Crashing: 0")
else()
  message(STATUS "nginx or tinyproxy not found: HTTPS server tests not registered")
endif()

# The cipher order by CPU and the forced fallback without AES-NI (issue 12).
if(HTTPC_NGINX)
  add_test(NAME c.test_tls_cpu_servers
    COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/support/with-servers.sh --https --
      $<TARGET_FILE:test_tls_cpu> --jobs 2)
  set_tests_properties(c.test_tls_cpu_servers PROPERTIES TIMEOUT 300
    FAIL_REGULAR_EXPRESSION "ERROR: LeakSanitizer;runtime error:;ERROR: AddressSanitizer"
    PASS_REGULAR_EXPRESSION "Synthesis: Tested: [0-9]+ \\| Passing: [0-9]+ \\| Failing: 0 \\| Crashing: 0")
endif()
