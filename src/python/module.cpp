// src/python/module.cpp: word_count._native, the extension module behind the word_count package
#include "gilsafe/bindings.hpp"

#include <pybind11/pybind11.h>

// The same binding code as gil_demo's built-in module (app/embedded_module.cpp); the pure-Python
// parts come from the package's own _reference.py and _threads.py, not from copies here.
PYBIND11_MODULE(_native, m) {
    m.doc() = "gilsafe's word count in C++ (the word_count package imports it)";
    gilsafe::bind_word_count(m);
}
