// include/gilsafe/bindings.hpp: the word_count Python API, for any pybind11 module
#pragma once

#include <pybind11/pybind11.h>

namespace gilsafe {

/// Adds search, search_sequential, search_sequential_allow_threads,
/// search_sequential_detached, search_file, the FileChangedError exception (an OSError)
/// and the `kernel` name to `m`. Texts are a str (its UTF-8, viewed in place) or any
/// C-contiguous buffer of bytes (held exported for the call, never copied, checked as
/// UTF-8 in the counting pass: UnicodeDecodeError with bytes.decode()'s position);
/// search_file maps the file in C++. Every function releases the GIL while it counts, and
/// Ctrl-C raises KeyboardInterrupt. Works in an extension module (PYBIND11_MODULE) and in
/// a module built into an embedding program (PYBIND11_EMBEDDED_MODULE).
void bind_word_count(pybind11::module_& m);

/// Adds the guide's UserID class (`UserID(7).id`, `repr` "UserID(7)", equality, hash),
/// a Python view of gilsafe::UserID (<gilsafe/userid.hpp>).
void bind_userid(pybind11::module_& m);

} // namespace gilsafe
