// include/gilsafe/bindings.hpp: the word_count Python API, written once for both modules
#pragma once

#include <pybind11/pybind11.h>

#include <string>

namespace gilsafe {

/// Adds search, search_sequential, search_sequential_allow_threads and
/// search_sequential_detached to `m`. Text arguments are zero-copy views of the str's
/// UTF-8 and every function releases the GIL while it counts.
void bind_word_count(pybind11::module_& m);

/// Adds the UserID class (`UserID(7).id`, `repr` "UserID(7)").
void bind_userid(pybind11::module_& m);

/// "TypeName: message" of a Python error, on one line. Needs the GIL.
std::string python_error_message(const pybind11::error_already_set& e);

/// Adds the pure-Python parts to `m` from the sources compiled into the library:
/// search_py (the reference) and search_twice_with_threads (the guide's two-thread run).
/// The extension module's package imports the same two files instead.
void add_python_sources(pybind11::module_& m);

} // namespace gilsafe
