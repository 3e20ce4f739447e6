# tests/package/run_consumer.cmake: builds and runs the consumer projects (cmake -P)
#
#   cmake -DMODE=installed|subdirectory -DWORK_DIR=<empty or scratch folder>
#         -DCONSUMERS_DIR=<tests/package> -DGENERATOR=Ninja -DMAKE_PROGRAM=<ninja>
#         -DCXX_COMPILER=<c++> -DPYTHON=/usr/bin/python3
#         [-DPREFIX=<installed gilsafe>] [-DGILSAFE_SOURCE_DIR=<gilsafe>] -P run_consumer.cmake
#
# installed:    embed/ and module/ each configured alone against PREFIX (find_package).
# subdirectory: subdirectory/, which add_subdirectory()s gilsafe, then embed/ and module/.
# Then runs count_words and imports my_words with PYTHON. Every step's output goes to the
# test log; the first step that fails stops the test with its name.
cmake_minimum_required(VERSION 3.21)

foreach(var IN ITEMS MODE WORK_DIR CONSUMERS_DIR GENERATOR CXX_COMPILER PYTHON)
  if("${${var}}" STREQUAL "")
    message(FATAL_ERROR "run_consumer.cmake: -D${var}=... is required")
  endif()
endforeach()

function(step name)
  list(JOIN ARGN " " command)
  message(STATUS "--- ${name}: ${command}")
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${MODE} consumer: '${name}' failed (${rc}); its output is above")
  endif()
endfunction()

# The consumer's own settings only: no CMAKE_BUILD_TYPE in subdirectory mode (the test
# checks gilsafe leaves it empty), the interpreter gilsafe was built for.
set(common_options -G "${GENERATOR}" "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}"
  "-DPython_EXECUTABLE=${PYTHON}")
if(MAKE_PROGRAM)
  list(APPEND common_options "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}")
endif()

# Fresh every time: a stale cache or binary must not hide a broken package.
file(REMOVE_RECURSE "${WORK_DIR}")

if(MODE STREQUAL "installed")
  file(GLOB_RECURSE installed_config "${PREFIX}/gilsafeConfig.cmake")
  if(NOT installed_config)
    message(FATAL_ERROR "no installed gilsafe package under '${PREFIX}' (the package.install "
      "fixture puts it there)")
  endif()
  foreach(consumer IN ITEMS embed module)
    # Only PREFIX, not the package registry or other prefixes, may provide gilsafe.
    step("configure ${consumer}" "${CMAKE_COMMAND}" -S "${CONSUMERS_DIR}/${consumer}"
      -B "${WORK_DIR}/${consumer}" ${common_options} -DCMAKE_BUILD_TYPE=Release
      "-DCMAKE_PREFIX_PATH=${PREFIX}" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF)
    file(STRINGS "${WORK_DIR}/${consumer}/CMakeCache.txt" gilsafe_dir REGEX "^gilsafe_DIR:")
    string(FIND "${gilsafe_dir}" "gilsafe_DIR:PATH=${PREFIX}/" at)
    if(NOT at EQUAL 0)
      message(FATAL_ERROR "${consumer} found a gilsafe outside ${PREFIX}: '${gilsafe_dir}'")
    endif()
    step("build ${consumer}" "${CMAKE_COMMAND}" --build "${WORK_DIR}/${consumer}")
  endforeach()
elseif(MODE STREQUAL "subdirectory")
  step("configure subdirectory" "${CMAKE_COMMAND}" -S "${CONSUMERS_DIR}/subdirectory"
    -B "${WORK_DIR}" ${common_options} "-DGILSAFE_SOURCE_DIR=${GILSAFE_SOURCE_DIR}")
  step("build subdirectory" "${CMAKE_COMMAND}" --build "${WORK_DIR}")
else()
  message(FATAL_ERROR "MODE must be installed or subdirectory, not '${MODE}'")
endif()

step("run count_words" "${WORK_DIR}/embed/count_words")
step("import my_words" "${CMAKE_COMMAND}" -E env "PYTHONPATH=${WORK_DIR}/module"
  PYTHONDONTWRITEBYTECODE=1 PYTHONNOUSERSITE=1
  "${PYTHON}" "${CONSUMERS_DIR}/module/check_my_words.py" "${WORK_DIR}/module")
