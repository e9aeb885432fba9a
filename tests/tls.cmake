# HTTPS / tunnel tests against real servers. Included from
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

# The cipher order by CPU and the forced fallback without AES-NI (README: TLS).
add_test(NAME c.test_tls_cpu_servers
  COMMAND ${HTTPC_WITH_SERVERS} --https -- ${HTTPC_NO_DNS} $<TARGET_FILE:test_tls_cpu> --jobs 2)
set_tests_properties(c.test_tls_cpu_servers PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77
  FAIL_REGULAR_EXPRESSION "${HTTPC_CRITERION_FAIL}")

# The other variant, Debian's shared libwolfssl (-DHTTPC_WOLFSSL=system), in a
# build directory of its own: the TLS suites only.
if(HTTPC_WOLFSSL STREQUAL "bundled" AND NOT HTTPC_SANITIZE AND NOT HTTPC_COVERAGE)
  add_test(NAME tls.system_wolfssl COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/scripts/check_system_wolfssl.sh
    ${CMAKE_SOURCE_DIR} ${CMAKE_BINARY_DIR}/wolfssl-system)
  # The script's exit status decides (no PASS_REGULAR_EXPRESSION: CTest would
  # then ignore it); 77 when the servers are missing outside tools/run test.
  set_tests_properties(tls.system_wolfssl PROPERTIES TIMEOUT 900 SKIP_RETURN_CODE 77)
endif()
# The verdict that script gives a Criterion run, on made-up logs.
add_test(NAME sh.criterion_verdict
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/scripts/test_criterion_verdict.sh)

# httpc's private wolfSSL next to Debian's libwolfssl and OpenSSL in one
# process, through libhttpc.so and through the installed libhttpc.a.
if(HTTPC_WOLFSSL STREQUAL "bundled")
  pkg_check_modules(DEBIAN_WOLFSSL IMPORTED_TARGET wolfssl)
endif()
if(HTTPC_WOLFSSL STREQUAL "bundled" AND DEBIAN_WOLFSSL_FOUND)
  add_executable(tls_coexist_shared ${CMAKE_CURRENT_SOURCE_DIR}/c/tls_coexist.c)
  target_link_libraries(tls_coexist_shared PRIVATE httpc PkgConfig::DEBIAN_WOLFSSL ${CMAKE_DL_LIBS})
  add_executable(tls_coexist_static ${CMAKE_CURRENT_SOURCE_DIR}/c/tls_coexist.c)
  target_include_directories(tls_coexist_static PRIVATE ${CMAKE_SOURCE_DIR}/capi/include)
  target_link_libraries(tls_coexist_static PRIVATE ${httpc_private_archive}
    PkgConfig::DEBIAN_WOLFSSL Threads::Threads m ${CMAKE_DL_LIBS})
  add_dependencies(tls_coexist_static httpc_private_static)
  foreach(variant shared static)
    target_compile_options(tls_coexist_${variant} PRIVATE ${HTTPC_WARNINGS})
    target_compile_definitions(tls_coexist_${variant} PRIVATE _GNU_SOURCE)
    add_test(NAME c.tls_coexist_${variant}
      COMMAND ${HTTPC_WITH_SERVERS} --https -- $<TARGET_FILE:tls_coexist_${variant}>)
    set_tests_properties(c.tls_coexist_${variant} PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77
      PASS_REGULAR_EXPRESSION "coexist ok")
  endforeach()
endif()
