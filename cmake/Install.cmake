# cmake/Install.cmake: installs the three libraries, their headers and the gilsafe CMake
# package, so that `find_package(gilsafe CONFIG REQUIRED)` is all a consumer writes.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(GILSAFE_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/gilsafe" CACHE STRING
  "Where `cmake --install` puts gilsafeConfig.cmake, relative to the prefix")

install(TARGETS gilsafe_engine gilsafe_gil gilsafe_bindings
  EXPORT gilsafeTargets
  ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}" COMPONENT gilsafe_development)
install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/gilsafe"
  DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}" COMPONENT gilsafe_development)
install(EXPORT gilsafeTargets
  NAMESPACE gilsafe::
  DESTINATION "${GILSAFE_INSTALL_CMAKEDIR}" COMPONENT gilsafe_development)

# The libraries were compiled against one CPython's headers and one pybind11's inline
# code: the package asks for the same major.minor of both, and looks first for the
# interpreter they were built with.
set(GILSAFE_PYTHON_VERSION "${Python_VERSION_MAJOR}.${Python_VERSION_MINOR}")
string(REGEX MATCH "^([0-9]+)\\.([0-9]+)" _ "${pybind11_VERSION}")
set(GILSAFE_PYBIND11_VERSION "${CMAKE_MATCH_1}.${CMAKE_MATCH_2}")
math(EXPR next_minor "${CMAKE_MATCH_2} + 1")
set(GILSAFE_PYBIND11_NEXT "${CMAKE_MATCH_1}.${next_minor}")
set(GILSAFE_PYTHON_EXECUTABLE "${Python_EXECUTABLE}")
configure_package_config_file(cmake/gilsafeConfig.cmake.in
  "${PROJECT_BINARY_DIR}/gilsafeConfig.cmake"
  INSTALL_DESTINATION "${GILSAFE_INSTALL_CMAKEDIR}")
write_basic_package_version_file("${PROJECT_BINARY_DIR}/gilsafeConfigVersion.cmake"
  COMPATIBILITY SameMajorVersion)
install(FILES "${PROJECT_BINARY_DIR}/gilsafeConfig.cmake"
  "${PROJECT_BINARY_DIR}/gilsafeConfigVersion.cmake"
  DESTINATION "${GILSAFE_INSTALL_CMAKEDIR}" COMPONENT gilsafe_development)
