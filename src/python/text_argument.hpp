// src/python/text_argument.hpp: a str or bytes-like argument, seen as UTF-8 bytes in place
#pragma once

#include <pybind11/pybind11.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace gilsafe::detail {

/// The UTF-8 bytes of a `str` (CPython keeps them inside the str) or of any C-contiguous
/// buffer of 1-byte items (bytes, bytearray, memoryview, mmap, array('B'), a numpy uint8
/// array), without a copy. A buffer stays exported for the object's life, so its owner
/// cannot resize or free it meanwhile (bytearray, mmap and numpy raise BufferError).
/// Construct, use and destroy it with the GIL held; view() may be read without it.
class text_argument {
public:
    /// Raises TypeError (neither str nor a buffer), BufferError (a buffer that is not
    /// C-contiguous), TypeError (items wider than a byte) or UnicodeEncodeError (a str with a
    /// lone surrogate), naming `function` and `parameter`.
    text_argument(pybind11::handle object, const char* function, const char* parameter);
    text_argument(const text_argument&) = delete;
    text_argument& operator=(const text_argument&) = delete;
    ~text_argument();

    std::string_view view() const { return view_; }
    /// A str: its bytes are UTF-8 by construction. A buffer's are what its owner put there.
    bool is_str() const { return !exported_; }
    /// Raises UnicodeDecodeError unless the buffer is UTF-8 (for short texts, a needle).
    void require_utf8() const;
    /// Raises the UnicodeDecodeError of `bytes(object).decode()` for the invalid byte at
    /// `offset` (see raise_invalid_utf8).
    [[noreturn]] void raise_invalid_utf8(std::size_t offset) const;

private:
    void release() noexcept;

    PyObject* object_; // borrowed: the caller holds the argument for the call
    Py_buffer buffer_{};
    bool exported_ = false;
    std::string_view view_;
    std::string parameter_;
};

/// Raises the UnicodeDecodeError that Python's own decoder raises for `bytes`, whose first
/// invalid byte is at `offset`: the same start, and the end and reason of Python's decoder
/// run on the few bytes from `offset`. Its `object` is `whole` when given (a bytes object
/// holding exactly `bytes`), else a short bytes copy of the invalid bytes [start, end) (a
/// large buffer is never copied). `note`, when not empty, is added to the exception
/// (PEP 678). `bytes` may be a piece of a longer text that starts at `base` (a stream's
/// bytes at its error, utf8_error::bytes()): start and end are then base + offsets; an
/// empty piece gives the reason "invalid UTF-8". Needs the GIL.
[[noreturn]] void raise_invalid_utf8(std::string_view bytes, std::size_t offset,
                                     pybind11::handle whole, const std::string& note,
                                     std::size_t base = 0);

} // namespace gilsafe::detail
