# tests/package/install_package.cmake: installs the build tree into a fresh prefix and checks what
# landed there (cmake -P; the package.install fixture)
#
#   cmake -DBUILD_DIR=<build> -DSOURCE_DIR=<gilsafe> -DPREFIX=<prefix> -DVERSION=<x.y.z>
#         -P install_package.cmake
#
# Checks: the headers are exactly include/gilsafe/**; the three static libraries, the
# config, version and targets files are there; no installed CMake file names the source
# tree, the build tree or the prefix (a relocatable package); the version file says VERSION
# and refuses the next major version.
cmake_minimum_required(VERSION 3.21)

foreach(var IN ITEMS BUILD_DIR SOURCE_DIR PREFIX VERSION)
  if("${${var}}" STREQUAL "")
    message(FATAL_ERROR "install_package.cmake: -D${var}=... is required")
  endif()
endforeach()

# Fresh every time: files left by an earlier install would hide a missing rule.
file(REMOVE_RECURSE "${PREFIX}")
execute_process(COMMAND "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${PREFIX}"
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cmake --install failed (${rc}); its output is above")
endif()

set(problems "")

# Headers: exactly the source tree's include/gilsafe, nothing else under include/.
file(GLOB_RECURSE source_headers RELATIVE "${SOURCE_DIR}/include" "${SOURCE_DIR}/include/*")
file(GLOB_RECURSE installed_headers RELATIVE "${PREFIX}/include" "${PREFIX}/include/*")
list(SORT source_headers)
list(SORT installed_headers)
if(NOT installed_headers STREQUAL source_headers)
  list(JOIN installed_headers " " got)
  list(JOIN source_headers " " expected)
  list(APPEND problems "installed headers: ${got}\n    expected: ${expected}")
endif()

# The package: one gilsafeConfig.cmake, with its version and targets files beside it.
file(GLOB_RECURSE configs "${PREFIX}/gilsafeConfig.cmake")
list(LENGTH configs n)
if(NOT n EQUAL 1)
  message(FATAL_ERROR "expected one gilsafeConfig.cmake under ${PREFIX}, found: '${configs}'")
endif()
get_filename_component(package_dir "${configs}" DIRECTORY)
file(RELATIVE_PATH package_rel "${PREFIX}" "${package_dir}")
message(STATUS "package: <prefix>/${package_rel}")
foreach(file IN ITEMS gilsafeConfigVersion.cmake gilsafeTargets.cmake)
  if(NOT EXISTS "${package_dir}/${file}")
    list(APPEND problems "no ${package_rel}/${file}")
  endif()
endforeach()
file(GLOB per_config_targets "${package_dir}/gilsafeTargets-*.cmake")
if(NOT per_config_targets)
  list(APPEND problems "no ${package_rel}/gilsafeTargets-<config>.cmake")
endif()
get_filename_component(libdir "${package_dir}/../.." ABSOLUTE)
foreach(lib IN ITEMS engine gil bindings)
  if(NOT EXISTS "${libdir}/libgilsafe_${lib}.a")
    list(APPEND problems "no libgilsafe_${lib}.a next to ${package_rel}/../..")
  endif()
endforeach()

# Relocatable: every path is relative to the file's own location.
file(GLOB installed_cmake_files "${package_dir}/*.cmake")
foreach(file IN LISTS installed_cmake_files)
  file(READ "${file}" text)
  foreach(tree IN ITEMS "${SOURCE_DIR}" "${BUILD_DIR}" "${PREFIX}")
    string(FIND "${text}" "${tree}" at)
    if(NOT at EQUAL -1)
      get_filename_component(name "${file}" NAME)
      list(APPEND problems "${name} names '${tree}'")
    endif()
  endforeach()
endforeach()

# The version file: VERSION; SameMajorVersion refuses the next major.
foreach(request IN ITEMS "${VERSION}" next_major)
  unset(PACKAGE_VERSION)
  unset(PACKAGE_VERSION_COMPATIBLE)
  string(REGEX MATCH "^[0-9]+" PACKAGE_FIND_VERSION_MAJOR "${VERSION}")
  if(request STREQUAL "next_major")
    math(EXPR PACKAGE_FIND_VERSION_MAJOR "${PACKAGE_FIND_VERSION_MAJOR} + 1")
    set(PACKAGE_FIND_VERSION "${PACKAGE_FIND_VERSION_MAJOR}.0")
    set(expected FALSE)
  else()
    set(PACKAGE_FIND_VERSION "${VERSION}")
    set(expected TRUE)
  endif()
  include("${package_dir}/gilsafeConfigVersion.cmake")
  if(NOT PACKAGE_VERSION STREQUAL VERSION OR NOT PACKAGE_VERSION_COMPATIBLE STREQUAL expected)
    list(APPEND problems "gilsafeConfigVersion.cmake: version '${PACKAGE_VERSION}', request \
${PACKAGE_FIND_VERSION} compatible '${PACKAGE_VERSION_COMPATIBLE}' (expected ${VERSION}, ${expected})")
  endif()
endforeach()

if(problems)
  list(JOIN problems "\n  " problems)
  message(FATAL_ERROR "the installed package:\n  ${problems}")
endif()
message(STATUS "installed gilsafe ${VERSION} into ${PREFIX}: headers, libraries and package check out")
