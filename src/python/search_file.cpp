// src/python/search_file.cpp: word_count.search_file, and the engine's input errors as OSError
#include "search_file.hpp"

#include "count.hpp"
#include "text_argument.hpp"

#include "gilsafe/errors.hpp"
#include "gilsafe/interrupt.hpp"
#include "gilsafe/stream.hpp"
#include "gilsafe/text.hpp"

#include <cerrno>
#include <optional>
#include <string>

namespace py = pybind11;

namespace gilsafe::detail {
namespace {

// The path's bytes for open(2), and os.fspath(path): the filename Python's own open()
// puts in its OSError (a str or bytes, never the PathLike object).
struct file_path {
    py::object filename;
    std::string native;
};

file_path parse_path(py::handle path) {
    file_path out;
    out.filename = py::reinterpret_steal<py::object>(PyOS_FSPath(path.ptr()));
    if (!out.filename) {
        throw py::error_already_set(); // TypeError: expected str, bytes or os.PathLike
    }
    PyObject* encoded = nullptr;
    if (PyUnicode_FSConverter(out.filename.ptr(), &encoded) == 0) {
        throw py::error_already_set(); // ValueError: embedded null byte
    }
    const auto bytes = py::reinterpret_steal<py::bytes>(encoded);
    out.native = std::string(bytes);
    // text::open reads standard input for "-"; here it is the file of that name.
    if (out.native == "-") {
        out.native = "./-";
    }
    return out;
}

[[noreturn]] void raise_os_error(int err, const py::object& filename) {
    errno = err; // Python picks the subclass (FileNotFoundError ...) and strerror from it
    PyErr_SetFromErrnoWithFilenameObject(PyExc_OSError, filename.ptr());
    throw py::error_already_set();
}

} // namespace

std::size_t search_file(py::handle path, py::handle needle, bool parallel,
                        py::handle changed_error) {
    const file_path file = parse_path(path);
    const text_argument word(needle, "search_file", "needle");
    word.require_utf8();
    try {
        // Opening never blocks; a stream (a pipe, a device, /proc) is counted as it is
        // read, in constant memory, with Ctrl-C polled while it waits for data.
        input in = input::open(file.native, stop_on_sigint());
        if (!in.mappable()) {
            try {
                // Ctrl-C as in count_released: between blocks and while waiting for data.
                return run_released_polling([&](sigint_poll& poll) {
                    stream_options options;
                    options.parallel = parallel;
                    options.stop = poll.stop();
                    options.on_stop = [&] { poll(); };
                    return count_stream(in, word.view(), options).count;
                });
            } catch (const utf8_error& e) {
                raise_invalid_utf8(e.bytes(), 0, py::handle(),
                                   "in file " + std::string(py::repr(file.filename)), e.offset());
            }
        }
        std::optional<text> t(
            run_released([&] { return std::optional<text>(text::from_input(std::move(in))); }));
        std::size_t count = 0;
        std::optional<std::size_t> invalid;
        try {
            count = count_released(t->view(), word.view(), {parallel, true});
        } catch (const utf8_error& e) {
            invalid = e.offset();
        }
        // A file that shrank under its map read as zeros: neither the count nor the
        // invalid offset would be its content's.
        t->throw_if_changed();
        if (invalid) {
            raise_invalid_utf8(t->view(), *invalid, py::handle(),
                               "in file " + std::string(py::repr(file.filename)));
        }
        run_released([&] { // unmapping a large file takes a while
            t.reset();
            return 0;
        });
        return count;
    } catch (const input_changed&) {
        const py::object error = changed_error(EIO, "changed while being read", file.filename);
        PyErr_SetObject(changed_error.ptr(), error.ptr());
        throw py::error_already_set();
    } catch (const input_error& e) {
        raise_os_error(e.code().value(), file.filename);
    } catch (const interrupted&) {
        if (PyErr_CheckSignals() == 0) {
            PyErr_SetNone(PyExc_KeyboardInterrupt);
        }
        throw py::error_already_set();
    }
}

} // namespace gilsafe::detail
