// src/embedded.cpp: the built-in `word_count` module of the gil_demo host
#include "gilsafe/bindings.hpp"

#include <pybind11/embed.h>

// Registered at static-initialization time, before the interpreter starts; this file is
// an OBJECT library so that the linker never drops the registration.
PYBIND11_EMBEDDED_MODULE(word_count, m) {
    m.doc() = "gilsafe's word count, built into the host (same bindings as the extension)";
    gilsafe::bind_word_count(m);
    gilsafe::add_python_sources(m);
}

// The guide's UserID, for `gil_demo userids`.
PYBIND11_EMBEDDED_MODULE(gilsafe, m) {
    m.doc() = "gilsafe's host module: the guide's UserID class";
    gilsafe::bind_userid(m);
}
