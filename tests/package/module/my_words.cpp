// tests/package/module/my_words.cpp: a consumer's extension module built on gilsafe::bindings
//
// The lines between the [readme] markers are the README's extension example (package.readme
// checks it).
// [readme]
#include <gilsafe/bindings.hpp>

#include <pybind11/pybind11.h>

PYBIND11_MODULE(my_words, m) {
    m.doc() = "gilsafe's word count in my own module";
    gilsafe::bind_word_count(m); // search, search_sequential, ... (GIL released while counting)
}
// [/readme]
