# The non-blocking proof: the C suites built a second time with
# tests/nonblocking/nb_shim.c, which switches every connection to
# non-blocking mode, drives each call as an event loop would, and makes the
# client's socket calls would-block at seeded random points. Registered as
# nb.* beside the blocking c.* / faults.* tests they mirror.
set(HTTPC_NB_WRAPS recv send sendmsg connect httpc_conn_new httpc_conn_new_https
  httpc_conn_connect httpc_conn_request httpc_conn_endheaders httpc_conn_send
  httpc_conn_body_write httpc_conn_body_end httpc_conn_getresponse httpc_response_read
  httpc_response_read1 httpc_response_readline httpc_response_read_all httpc_response_peek
  httpc_response_drain)
set(HTTPC_NB_LINK "")
foreach(symbol ${HTTPC_NB_WRAPS})
  list(APPEND HTTPC_NB_LINK "-Wl,--wrap=${symbol}")
endforeach()

# nb_variant(<test binary>): <binary>_nb from the same sources.
function(nb_variant target)
  get_target_property(sources ${target} SOURCES)
  get_target_property(includes ${target} INCLUDE_DIRECTORIES)
  get_target_property(definitions ${target} COMPILE_DEFINITIONS)
  add_executable(${target}_nb ${sources} ${CMAKE_CURRENT_SOURCE_DIR}/nonblocking/nb_shim.c)
  target_link_libraries(${target}_nb PRIVATE httpc_static PkgConfig::CRITERION Threads::Threads)
  target_include_directories(${target}_nb PRIVATE ${includes})
  if(definitions)
    target_compile_definitions(${target}_nb PRIVATE ${definitions} HTTPC_NONBLOCKING_RUN=1)
  endif()
  target_compile_options(${target}_nb PRIVATE ${HTTPC_WARNINGS})
  target_link_options(${target}_nb PRIVATE ${HTTPC_NB_LINK})
endfunction()

foreach(target test_conn test_vectors test_faults test_nginx test_tls test_cancel)
  nb_variant(${target})
endforeach()

foreach(target test_conn test_vectors test_faults)
  add_test(NAME nb.${target} COMMAND ${HTTPC_NO_DNS} $<TARGET_FILE:${target}_nb> --jobs 2)
  set_tests_properties(nb.${target} PROPERTIES TIMEOUT 600
    FAIL_REGULAR_EXPRESSION "${HTTPC_CRITERION_FAIL}")
endforeach()
add_test(NAME nb.test_nginx_servers
  COMMAND ${HTTPC_WITH_SERVERS} --nginx -- ${HTTPC_NO_DNS} $<TARGET_FILE:test_nginx_nb> --jobs 2)
add_test(NAME nb.test_tls_servers
  COMMAND ${HTTPC_WITH_SERVERS} --https --tinyproxy -- ${HTTPC_NO_DNS} $<TARGET_FILE:test_tls_nb> --jobs 2)
add_test(NAME nb.test_cancel_servers
  COMMAND ${HTTPC_WITH_SERVERS} --https --tinyproxy -- ${HTTPC_NO_DNS} $<TARGET_FILE:test_cancel_nb> --jobs 2)
set_tests_properties(nb.test_nginx_servers nb.test_tls_servers nb.test_cancel_servers PROPERTIES
  TIMEOUT 600 SKIP_RETURN_CODE 77 FAIL_REGULAR_EXPRESSION "${HTTPC_CRITERION_FAIL}")
