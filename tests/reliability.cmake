# Reliability (docs/reliability.md): fault tests, fuzzing, ASan+UBSan, valgrind, TSan and
# the ABI guard. Included from tests/CMakeLists.txt. The nested sanitizer
# builds configure with HTTPC_RELIABILITY=OFF so they do not recurse.
option(HTTPC_RELIABILITY "Register the fuzz/sanitizer/valgrind/TSan/ABI tests" ON)
set(HTTPC_REL_DIR ${CMAKE_CURRENT_SOURCE_DIR}/faults)
set(HTTPC_SAN_FAIL "ERROR: LeakSanitizer;runtime error:;ERROR: AddressSanitizer;WARNING: ThreadSanitizer")
# Every check below that needs a tool exits 77 when it is missing (CTest:
# skipped), or fails under HTTPC_REQUIRE_ALL=1 (tests/support/require.sh).

# Fault injection: in every build (so the ASan build runs them too).
add_executable(test_faults ${HTTPC_REL_DIR}/test_faults.c ${HTTPC_REL_DIR}/fault_server.c
  ${CMAKE_CURRENT_SOURCE_DIR}/c/support.c)
target_link_libraries(test_faults PRIVATE httpc_static PkgConfig::CRITERION)
target_include_directories(test_faults PRIVATE ${CMAKE_SOURCE_DIR}/core ${CMAKE_CURRENT_SOURCE_DIR}/c)
target_compile_options(test_faults PRIVATE ${HTTPC_WARNINGS})
target_compile_definitions(test_faults PRIVATE _GNU_SOURCE)
add_test(NAME faults.test_faults COMMAND ${HTTPC_NO_DNS} $<TARGET_FILE:test_faults> --jobs 2)
set_tests_properties(faults.test_faults PROPERTIES TIMEOUT 300
  FAIL_REGULAR_EXPRESSION "${HTTPC_CRITERION_FAIL}")

# The 8-thread program; meaningful in the TSan build (tools/sanitize.sh tsan).
add_executable(test_tsan ${HTTPC_REL_DIR}/test_tsan.c)
target_link_libraries(test_tsan PRIVATE httpc_static Threads::Threads)
target_compile_options(test_tsan PRIVATE ${HTTPC_WARNINGS})

# Cancellation (README, "Cancelling a request"): interrupts racing requests,
# closes and frees from two threads each side; in every build (the ASan build
# runs it too) and in the TSan build of tools/sanitize.sh.
add_executable(test_interrupt_stress ${HTTPC_REL_DIR}/test_interrupt_stress.c)
target_link_libraries(test_interrupt_stress PRIVATE httpc_static Threads::Threads)
target_compile_options(test_interrupt_stress PRIVATE ${HTTPC_WARNINGS})
target_compile_definitions(test_interrupt_stress PRIVATE _GNU_SOURCE)
add_test(NAME faults.interrupt_stress COMMAND test_interrupt_stress)
set_tests_properties(faults.interrupt_stress PROPERTIES TIMEOUT 300
  FAIL_REGULAR_EXPRESSION "${HTTPC_SAN_FAIL}")

if(NOT HTTPC_RELIABILITY OR HTTPC_SANITIZE OR HTTPC_COVERAGE)
  return()
endif()

set(HTTPC_TOOLS ${CMAKE_SOURCE_DIR}/tools)
set(HTTPC_REL_BUILD ${CMAKE_BINARY_DIR}/reliability)

# ThreadSanitizer build with 8 threads (HTTP and HTTPS).
add_test(NAME reliability.tsan COMMAND ${HTTPC_TOOLS}/sanitize.sh tsan ${HTTPC_REL_BUILD}/tsan)
set_tests_properties(reliability.tsan PROPERTIES TIMEOUT 1200
  SKIP_RETURN_CODE 77 FAIL_REGULAR_EXPRESSION "WARNING: ThreadSanitizer")

# The heavy set: libFuzzer runs, the ASan+UBSan and valgrind runs of the whole
# C suite (about 10 minutes on 2 cores). -DHTTPC_RELIABILITY_HEAVY=OFF leaves
# it to tools/fuzz.sh, tools/sanitize.sh and tools/valgrind.sh.
option(HTTPC_RELIABILITY_HEAVY "Register fuzzing, ASan and valgrind runs in ctest" ON)
if(HTTPC_RELIABILITY_HEAVY)
# libFuzzer: build once (fixture), then each target for a bounded time.
set(HTTPC_FUZZ_SECONDS 30 CACHE STRING "Seconds per fuzz target in ctest")
add_test(NAME reliability.fuzz_build COMMAND ${HTTPC_TOOLS}/fuzz.sh ${HTTPC_REL_BUILD} --build-only)
set_tests_properties(reliability.fuzz_build PROPERTIES TIMEOUT 600 SKIP_RETURN_CODE 77
  FIXTURES_SETUP httpc_fuzz)
foreach(target head chunked validate url conn conn_nb)
  add_test(NAME reliability.fuzz_${target}
    COMMAND ${HTTPC_TOOLS}/fuzz.sh ${HTTPC_REL_BUILD} ${HTTPC_FUZZ_SECONDS} ${target})
  set_tests_properties(reliability.fuzz_${target} PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77
    FIXTURES_REQUIRED httpc_fuzz)
endforeach()

# ASan+UBSan (clang) build of the whole C suite, TSan build with 8 threads.
add_test(NAME reliability.asan COMMAND ${HTTPC_TOOLS}/sanitize.sh asan ${HTTPC_REL_BUILD}/asan)
set_tests_properties(reliability.asan PROPERTIES TIMEOUT 1200
  SKIP_RETURN_CODE 77 FAIL_REGULAR_EXPRESSION "${HTTPC_SAN_FAIL}")

# valgrind memcheck over the C suite of this build (tests/c and the faults).
add_test(NAME reliability.valgrind COMMAND ${HTTPC_TOOLS}/valgrind.sh ${CMAKE_BINARY_DIR})
set_tests_properties(reliability.valgrind PROPERTIES TIMEOUT 1800 SKIP_RETURN_CODE 77)
endif()

# ABI guard against abi/libhttpc.abi, which describes the default build
# (wolfSSL linked in; the needed libraries are compared too).
if(HTTPC_WOLFSSL STREQUAL "bundled")
  add_test(NAME reliability.abi COMMAND ${HTTPC_TOOLS}/abi.sh check $<TARGET_FILE:httpc>)
  set_tests_properties(reliability.abi PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77)
endif()
