# tests/support/expect_output.cmake: runs PROGRAM (with ARGS) and passes only when it exits 0,
# its standard output matches EXPECT, and its standard error names no failure
#
#   cmake -DPROGRAM=path [-DARGS=a;b] -DEXPECT=regex -P expect_output.cmake
#
# ctest's PASS_REGULAR_EXPRESSION alone ignores the exit code, and its case-sensitive
# FAIL_REGULAR_EXPRESSION missed sanitizer reports ("ERROR: AddressSanitizer", UBSan's
# "runtime error").
execute_process(COMMAND "${PROGRAM}" ${ARGS} RESULT_VARIABLE rc OUTPUT_VARIABLE out
  ERROR_VARIABLE err)
message("${out}${err}")
if(NOT rc STREQUAL "0")
  message(FATAL_ERROR "${PROGRAM} exited ${rc}")
endif()
if(NOT out MATCHES "${EXPECT}")
  message(FATAL_ERROR "${PROGRAM} printed nothing matching '${EXPECT}'")
endif()
string(TOLOWER "${err}" lower_err)
if(lower_err MATCHES "fatal|terminate|failed|error|sanitizer")
  message(FATAL_ERROR "${PROGRAM} reported a failure on standard error")
endif()
