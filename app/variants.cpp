// app/variants.cpp: the variant table and the runner behind `wordcount` and `bench`
#include "variants.hpp"

#include "threads.hpp"

#include "gilsafe/text.hpp"
#include "gilsafe/word_count.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace py = pybind11;

namespace gil_demo {
namespace {

// The text as a Python str, built in slices so that Ctrl-C stops it: a pure-ASCII text
// is copied straight into a new compact str, any other is decoded slice by slice (cut
// at character starts) and joined.
py::str to_python_str(std::string_view text, const gilsafe::stop_signal& stop) {
    constexpr std::size_t slice = std::size_t{16} << 20;
    const bool ascii = std::all_of(text.begin(), text.end(),
                                   [](char c) { return static_cast<unsigned char>(c) < 0x80; });
    stop.throw_if_requested();
    if (ascii) {
        auto str = py::reinterpret_steal<py::str>(
            PyUnicode_New(static_cast<py::ssize_t>(text.size()), 127));
        if (!str) {
            throw py::error_already_set();
        }
        auto* data = static_cast<char*>(PyUnicode_DATA(str.ptr()));
        for (std::size_t at = 0; at < text.size(); at += slice) {
            stop.throw_if_requested();
            const std::size_t len = std::min(slice, text.size() - at);
            std::memcpy(data + at, text.data() + at, len);
        }
        return str;
    }
    py::list parts;
    std::size_t at = 0;
    while (at < text.size()) {
        stop.throw_if_requested();
        std::size_t end = std::min(text.size(), at + slice);
        while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xc0) == 0x80) {
            ++end; // never split a character
        }
        parts.append(py::str(text.data() + at, end - at));
        at = end;
    }
    return py::str("").attr("join")(parts);
}

} // namespace

const std::vector<variant_info>& variant_table() {
    static const std::vector<variant_info> table = {
        {variant::parallel, "parallel", "test_word_count_cpp_parallel", false},
        {variant::sequential, "sequential", "test_word_count_cpp_sequential", false},
        {variant::sequential_threads, "sequential-threads",
         "test_word_count_cpp_sequential_twice_with_threads", true},
        {variant::python, "python", "test_word_count_python_sequential", false},
    };
    return table;
}

const variant_info& info(variant v) {
    for (const variant_info& row : variant_table()) {
        if (row.which == v) {
            return row;
        }
    }
    throw std::logic_error("a variant missing from the table");
}

std::optional<variant> parse_variant(std::string_view name) {
    for (const variant_info& row : variant_table()) {
        if (name == row.name) {
            return row.which;
        }
    }
    return std::nullopt;
}

std::vector<variant> all_variants() {
    std::vector<variant> out;
    for (const variant_info& row : variant_table()) {
        out.push_back(row.which);
    }
    return out;
}

std::vector<std::string> variant_names() {
    std::vector<std::string> out;
    for (const variant_info& row : variant_table()) {
        out.emplace_back(row.name);
    }
    return out;
}

variant_runner::variant_runner(std::string_view contents, std::string name, std::string_view needle,
                               options opts)
    : contents_(contents), name_(std::move(name)), needle_(needle), opts_(opts) {
}

variant_runner::~variant_runner() {
    try {
        close();
    } catch (...) {
        // Only on the way out of an error already propagating (close() was not reached):
        // that error is the one to report.
    }
}

void variant_runner::close() {
    if (executor_) {
        const py::object executor = std::move(executor_);
        executor.attr("shutdown")();
    }
}

void variant_runner::check_utf8_once() {
    if (!opts_.check_utf8 || checked_) {
        return;
    }
    const py::gil_scoped_release no_gil;
    const std::size_t bad = gilsafe::find_invalid_utf8(contents_, stop_);
    if (bad != std::string_view::npos) {
        throw gilsafe::invalid_utf8(name_, bad);
    }
    checked_ = true;
}

void variant_runner::prepare(variant v) {
    stop_ = gilsafe::stop_on_sigint();
    if (!warm_) {
        const py::gil_scoped_release no_gil;
        warm_up_threads(); // a single timed call must not include creating the workers
        warm_ = true;
    }
    if (v == variant::parallel || v == variant::sequential) {
        return;
    }
    check_utf8_once();
    if (!module_) {
        module_ = py::module_::import("word_count");
        py_contents_ = to_python_str(contents_, stop_);
        py_needle_ = py::str(needle_.data(), needle_.size());
        search_twice_ = module_.attr("search_twice_with_threads");
        allow_threads_ = module_.attr("search_sequential_allow_threads");
        search_py_ = module_.attr("search_py");
        // Build the str's cached UTF-8 now, so no timed call pays for it.
        py::ssize_t size = 0;
        if (PyUnicode_AsUTF8AndSize(py_contents_.ptr(), &size) == nullptr) {
            throw py::error_already_set();
        }
    }
    if (v == variant::sequential_threads && opts_.keep_pool && !executor_) {
        // The guide's benchmark: one pool of two threads for all the rounds.
        executor_ = py::module_::import("concurrent.futures")
                        .attr("ThreadPoolExecutor")(py::arg("max_workers") = 2);
    }
}

std::size_t variant_runner::valid(const gilsafe::checked_count& c) {
    if (c.first_invalid != std::string_view::npos) {
        throw gilsafe::invalid_utf8(name_, c.first_invalid);
    }
    checked_ = true;
    return c.count;
}

std::size_t variant_runner::run(variant v) {
    switch (v) {
    case variant::parallel: {
        gilsafe::parallel_options parallel;
        parallel.stop = stop_;
        const py::gil_scoped_release no_gil;
        stop_.throw_if_requested(); // a small text is never polled
        if (!opts_.check_utf8) {
            return gilsafe::count_parallel(contents_, needle_, parallel);
        }
        return valid(gilsafe::count_parallel_checked(contents_, needle_, parallel));
    }
    case variant::sequential: {
        const py::gil_scoped_release no_gil;
        stop_.throw_if_requested();
        if (!opts_.check_utf8) {
            return gilsafe::count_sequential(contents_, needle_, stop_);
        }
        return valid(gilsafe::count_sequential_checked(contents_, needle_, stop_));
    }
    case variant::sequential_threads: {
        // The guide's snippet, python/word_count/_threads.py: on the kept pool, or on one
        // made and shut down within the call (executor None).
        const py::object executor = executor_ ? executor_ : py::none();
        const auto pair =
            search_twice_(allow_threads_, py_contents_, py_needle_, executor).cast<py::tuple>();
        const auto first = pair[0].cast<std::size_t>();
        const auto second = pair[1].cast<std::size_t>();
        if (first != second) {
            throw std::runtime_error("sequential-threads: the two threads disagree (" +
                                     std::to_string(first) + " and " + std::to_string(second) +
                                     ")");
        }
        return first;
    }
    case variant::python:
        return search_py_(py_contents_, py_needle_).cast<std::size_t>();
    }
    throw std::logic_error("a variant missing from the runner");
}

} // namespace gil_demo
