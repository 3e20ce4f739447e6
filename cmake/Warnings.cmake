# cmake/Warnings.cmake: the project's warning set, as an INTERFACE target linked PRIVATE
add_library(gilsafe_warnings INTERFACE)
add_library(gilsafe::warnings ALIAS gilsafe_warnings)
target_compile_options(gilsafe_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Wshadow -Wold-style-cast
  -Wnon-virtual-dtor -Wcast-align -Wunused -Woverloaded-virtual
  -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough)
if(GILSAFE_WARNINGS_AS_ERRORS)
  target_compile_options(gilsafe_warnings INTERFACE -Werror)
endif()
