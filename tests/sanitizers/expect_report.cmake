# tests/sanitizers/expect_report.cmake: cmake -DPROGRAM=... -DARG=... -DREPORT=regex -P ...
# Runs a sanitizer canary (canary.cpp) and passes only when the program failed (non-zero
# exit) and its output holds the sanitizer's report: a canary that exits 0, or fails
# without the report (a crash, a usage error), fails the test.
execute_process(COMMAND "${PROGRAM}" "${ARG}"
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(rc EQUAL 0)
  message(FATAL_ERROR "canary ${ARG}: exit 0, the sanitizer reported nothing")
endif()
if(NOT "${out}${err}" MATCHES "${REPORT}")
  message(FATAL_ERROR "canary ${ARG}: exit ${rc} without the report '${REPORT}'")
endif()
message(STATUS "canary ${ARG}: caught (exit ${rc})")
