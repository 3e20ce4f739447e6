// src/python/text_argument.cpp: str and buffer arguments as UTF-8 bytes, and their UTF-8 errors
#include "text_argument.hpp"

#include "gilsafe/text.hpp"

#include <algorithm>
#include <string>

namespace py = pybind11;

namespace gilsafe::detail {
namespace {

// The str's UTF-8, without a copy (for an ASCII str it is the str's own data). A str with
// a lone surrogate has no UTF-8: Python's UnicodeEncodeError says so, naming the
// character and its position.
std::string_view utf8_of_str(py::handle s) {
    py::ssize_t size = 0;
    const char* data = PyUnicode_AsUTF8AndSize(s.ptr(), &size);
    if (data == nullptr) {
        throw py::error_already_set();
    }
    return {data, static_cast<std::size_t>(size)};
}

std::string type_name(py::handle object) {
    return Py_TYPE(object.ptr())->tp_name;
}

} // namespace

text_argument::text_argument(py::handle object, const char* function, const char* parameter)
    : object_(object.ptr()), parameter_(parameter) {
    if (PyUnicode_Check(object.ptr())) {
        view_ = utf8_of_str(object);
        return;
    }
    const std::string what = std::string(function) + "(): " + parameter;
    if (!PyObject_CheckBuffer(object.ptr())) {
        throw py::type_error(what + " must be str or a bytes-like object, not '" +
                             type_name(object) + "'");
    }
    // Asked with strides, so that a strided buffer is exported and then refused here with
    // one message (exporters say "not C-contiguous" with different exception types).
    if (PyObject_GetBuffer(object.ptr(), &buffer_, PyBUF_STRIDES | PyBUF_FORMAT) != 0) {
        throw py::error_already_set(); // a closed mmap's ValueError, ...
    }
    exported_ = true;
    if (PyBuffer_IsContiguous(&buffer_, 'C') == 0) {
        release();
        throw py::buffer_error(what + " must be a C-contiguous buffer (its bytes in one run); " +
                               "pass a contiguous copy, such as bytes(" + parameter + ")");
    }
    if (buffer_.itemsize != 1) {
        const std::string format = buffer_.format != nullptr ? buffer_.format : "B";
        const auto itemsize = buffer_.itemsize;
        release();
        // Not silently raw bytes: UTF-32 text (a numpy str array, array('u')) or numbers
        // are almost never meant as UTF-8. A deliberate caller casts.
        throw py::type_error(what + " must be a buffer of bytes, not of " +
                             std::to_string(itemsize) + "-byte items (format '" + format +
                             "'); to count its raw bytes, pass memoryview(" + parameter +
                             ").cast('B')");
    }
    view_ = {static_cast<const char*>(buffer_.buf), static_cast<std::size_t>(buffer_.len)};
}

text_argument::~text_argument() {
    release();
}

void text_argument::release() noexcept {
    if (exported_) {
        PyBuffer_Release(&buffer_);
        exported_ = false;
    }
}

void text_argument::require_utf8() const {
    if (is_str()) {
        return;
    }
    const std::size_t bad = find_invalid_utf8(view_);
    if (bad != std::string_view::npos) {
        raise_invalid_utf8(bad);
    }
}

void text_argument::raise_invalid_utf8(std::size_t offset) const {
    const py::handle whole = PyBytes_Check(object_) ? py::handle(object_) : py::handle();
    detail::raise_invalid_utf8(view_, offset, whole,
                               parameter_ == "contents" ? std::string() : "in " + parameter_);
}

void raise_invalid_utf8(std::string_view bytes, std::size_t offset, py::handle whole,
                        const std::string& note, std::size_t base) {
    if (bytes.empty()) { // nothing of the text is left to look at
        const py::object exception = py::handle(PyExc_UnicodeDecodeError)(
            "utf-8", py::bytes(), static_cast<py::ssize_t>(base + offset),
            static_cast<py::ssize_t>(base + offset + 1), "invalid UTF-8");
        if (!note.empty()) {
            exception.attr("add_note")(note);
        }
        PyErr_SetObject(PyExc_UnicodeDecodeError, exception.ptr());
        throw py::error_already_set();
    }
    offset = std::min(offset, bytes.size() - 1);
    // Python's decoder decides from the bytes of one character: at most 4 from its start.
    const std::size_t window = std::min<std::size_t>(4, bytes.size() - offset);
    std::size_t end = offset + 1;
    py::object reason = py::str("invalid start byte");
    PyObject* decoded =
        PyUnicode_DecodeUTF8(bytes.data() + offset, static_cast<py::ssize_t>(window), "strict");
    if (decoded != nullptr) {
        // Valid now: another thread rewrote the buffer (or the file) since the count.
        Py_DECREF(decoded);
        reason = py::str("invalid UTF-8 (the bytes changed while they were counted)");
    } else if (PyErr_ExceptionMatches(PyExc_UnicodeDecodeError)) {
        const py::error_already_set error;
        py::ssize_t start = 0;
        py::ssize_t stop = 0;
        if (PyUnicodeDecodeError_GetStart(error.value().ptr(), &start) == 0 && start == 0 &&
            PyUnicodeDecodeError_GetEnd(error.value().ptr(), &stop) == 0) {
            end = offset + static_cast<std::size_t>(stop);
            reason = error.value().attr("reason");
        }
    } else {
        throw py::error_already_set(); // MemoryError
    }
    const py::object object =
        whole ? py::reinterpret_borrow<py::object>(whole)
              : py::reinterpret_steal<py::object>(PyBytes_FromStringAndSize(
                    bytes.data() + offset, static_cast<py::ssize_t>(end - offset)));
    if (!object) {
        throw py::error_already_set();
    }
    const py::object exception = py::handle(PyExc_UnicodeDecodeError)(
        "utf-8", object, static_cast<py::ssize_t>(base + offset),
        static_cast<py::ssize_t>(base + end), reason);
    if (!note.empty()) {
        exception.attr("add_note")(note);
    }
    PyErr_SetObject(PyExc_UnicodeDecodeError, exception.ptr());
    throw py::error_already_set();
}

} // namespace gilsafe::detail
