// src/python/bindings.cpp: bind_word_count and bind_userid, for any pybind11 module
#include "gilsafe/bindings.hpp"

#include "count.hpp"
#include "search_file.hpp"
#include "text_argument.hpp"

#include "gil/thread_state.hpp"
#include "gilsafe/errors.hpp"
#include "gilsafe/gil.hpp"
#include "gilsafe/userid.hpp"
#include "gilsafe/word_count.hpp"

#include <cstdint>
#include <functional>
#include <string>

namespace py = pybind11;

namespace gilsafe {
namespace {

// The four str-or-buffer searches: a str is counted as it is (always UTF-8), a buffer is
// checked in the same pass. Both arguments are held (a buffer stays exported) for the call.
std::size_t search_text(py::handle contents, py::handle needle, bool parallel,
                        const char* function) {
    const detail::text_argument text(contents, function, "contents");
    const detail::text_argument word(needle, function, "needle");
    word.require_utf8();
    try {
        return detail::count_released(text.view(), word.view(), {parallel, !text.is_str()});
    } catch (const utf8_error& e) {
        text.raise_invalid_utf8(e.offset());
    }
}

// The doc of the four searches: what they all share, after each one's first line.
std::string search_doc(const char* first_line) {
    return std::string(first_line) + R"(

contents and needle are each a str or a C-contiguous buffer of UTF-8 bytes (bytes,
bytearray, memoryview, mmap.mmap, array.array('B'), a numpy uint8 array), read in place,
never copied; a buffer counts as its decoded text does in search_py. A buffer is
checked as UTF-8 in the same pass as the count: invalid UTF-8 raises UnicodeDecodeError
with the start, end and reason of bytes(contents).decode(); its object is contents itself
for bytes, else just the invalid bytes. A buffer stays exported during the call (its
owner cannot resize it). A buffer that is not C-contiguous raises BufferError; one of
items wider than a byte raises TypeError (cast it: memoryview(x).cast('B')). A str with a
lone surrogate raises UnicodeEncodeError. The GIL is released while counting; Ctrl-C
raises KeyboardInterrupt.)";
}

// Defines one of the four searches: `name` on all cores or on one thread.
void def_search(py::module_& m, const char* name, bool parallel, const char* first_line) {
    m.def(
        name,
        [name, parallel](py::handle contents, py::handle needle) {
            return search_text(contents, needle, parallel, name);
        },
        py::arg("contents"), py::arg("needle"), search_doc(first_line).c_str());
}

} // namespace

void bind_word_count(py::module_& m) {
    // Before any oneTBB worker starts, if this is the first use of oneTBB in the process.
    reserve_python_stack();
    // The shutdown protocol's atexit hook, now: it must be in place before any count.
    detail::install_shutdown_hook();
    def_search(m, "search", true,
               "Count the words of contents equal to needle, in parallel on all cores.");
    def_search(m, "search_sequential", false,
               "Count the words of contents equal to needle on one thread.");
    def_search(m, "search_sequential_allow_threads", false,
               "search_sequential with the GIL released, so several Python threads can run it "
               "at once.");
    def_search(m, "search_sequential_detached", false,
               "Alias of search_sequential_allow_threads (PyO3's newer name: Python::detach).");

    // Raised by search_file; the package re-exports it (its __module__ there: word_count).
    const std::string module_name = py::str(m.attr("__name__"));
    const auto changed_error = py::reinterpret_steal<py::object>(PyErr_NewExceptionWithDoc(
        (module_name + ".FileChangedError").c_str(),
        "The file changed while search_file read it: it shrank under its memory map, or its "
        "size or modification time after the count differ from those of the open (it grew "
        "or was written). The count is lost, not silently wrong. An OSError with errno EIO "
        "and the file's name in .filename: \"[Errno 5] changed while being read: 'PATH'\".",
        PyExc_OSError, nullptr));
    if (!changed_error) {
        throw py::error_already_set();
    }
    m.attr("FileChangedError") = changed_error;
    // The lambda keeps its own reference to the class; it is released with the function,
    // with the GIL held, when the module goes.
    m.def(
        "search_file",
        [changed_error](py::handle path, py::handle needle, bool parallel) {
            return detail::search_file(path, needle, parallel, changed_error);
        },
        py::arg("path"), py::arg("needle"), py::kw_only(), py::arg("parallel") = true,
        R"(Count the words equal to needle in the file at path, without reading it into Python.

path is a str, bytes or os.PathLike; "-" is the file named "-", not standard input. The
file is memory-mapped (never copied, no str is built), checked as UTF-8 and counted in one
pass, on all cores (parallel=True) or on one thread, with the GIL released; the count is
search_py(pathlib.Path(path).read_bytes().decode(), needle). needle is a str or a buffer
of UTF-8 bytes, as for search.

Errors, as open() would raise them (.errno and .filename set): FileNotFoundError,
IsADirectoryError, PermissionError and any other OSError; FileChangedError (an OSError,
errno EIO) when the file changed while it was read (it shrank, grew or was written);
UnicodeDecodeError at the file's first invalid byte, with the start, end and reason of
decoding the whole file, its object being only the invalid bytes and a note naming the
file. A FIFO, a device or a /proc file is counted as it is read. Ctrl-C, on a mapped file
or a stream: Python's handler runs during the count and its exception stops it; on
another thread, KeyboardInterrupt under Python's default handler.)");
    m.attr("kernel") = kernel_name();
}

void bind_userid(py::module_& m) {
    py::class_<UserID>(m, "UserID", "The guide's UserID: a C++ struct with one 64-bit id.")
        .def(py::init([](std::int64_t id) { return UserID{id}; }), py::arg("id"))
        .def_readonly("id", &UserID::id, "The user's id.")
        .def("__repr__", [](const UserID& u) { return "UserID(" + std::to_string(u.id) + ")"; })
        .def("__eq__", [](const UserID& a, const UserID& b) { return a.id == b.id; })
        .def("__hash__", [](const UserID& u) { return std::hash<std::int64_t>{}(u.id); });
}

} // namespace gilsafe
