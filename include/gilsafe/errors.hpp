// include/gilsafe/errors.hpp: every exception type gilsafe throws, in one place
#pragma once

#include <cerrno>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>

namespace gilsafe {

// Besides these, the library throws std::bad_alloc when memory runs out and, from the GIL
// toolkit and the bindings, whatever Python or a callback raised (pybind11's
// error_already_set, unchanged).

/// The input a caller named cannot be read: a missing file, a directory, a read error.
/// `code()` keeps the errno of the failing call (std::generic_category), so a caller can
/// tell "no such file" from "permission denied" without parsing the message.
class input_error : public std::runtime_error {
public:
    input_error(const std::string& message, std::error_code code)
        : std::runtime_error(message), code_(code) {}
    input_error(const std::string& message, int errno_value)
        : input_error(message, std::error_code(errno_value, std::generic_category())) {}

    /// The errno behind the error (EILSEQ for invalid UTF-8).
    const std::error_code& code() const noexcept { return code_; }

private:
    std::error_code code_;
};

/// A text is not well-formed UTF-8: `offset()` is the first byte that is not part of a
/// well-formed character (the position Python's bytes.decode() reports).
class utf8_error : public input_error {
public:
    utf8_error(const std::string& message, std::size_t offset, std::string bytes = {})
        : input_error(message, EILSEQ), offset_(offset), bytes_(std::move(bytes)) {}

    std::size_t offset() const noexcept { return offset_; }
    /// Up to 4 bytes of the text from offset() on, when the thrower had them (a stream's
    /// error: the text itself is gone), so a caller can say what was wrong; else empty.
    const std::string& bytes() const noexcept { return bytes_; }

private:
    std::size_t offset_;
    std::string bytes_;
};

/// A file changed while it was being read (it shrank under its memory map, so a read
/// of the map faulted, or its size or modification time changed: it grew or was
/// written): the count is lost, not silently wrong. `code()` is EIO.
class input_changed : public input_error {
public:
    explicit input_changed(const std::string& name)
        : input_error("'" + name + "' changed while being read", EIO) {}
};

/// A long computation saw a stop request (Ctrl-C) and stopped early; nothing it would
/// have returned is valid.
class interrupted : public std::runtime_error {
public:
    interrupted() : std::runtime_error("interrupted") {}
};

/// The Python interpreter began shutting down while parallel work still needed the GIL:
/// its workers stopped instead of taking it (which would end or crash them), and the
/// work's result is lost.
class interpreter_shutdown : public std::runtime_error {
public:
    interpreter_shutdown()
        : std::runtime_error("the Python interpreter is shutting down: parallel work stopped") {}
};

/// A parallel region whose workers need the GIL was entered by a thread that holds it:
/// the guide's deadlock, turned into an immediate error.
class gil_held_error : public std::logic_error {
public:
    using std::logic_error::logic_error;
};

} // namespace gilsafe
