// src/wordcount_job.cpp: runs and reports the four word-count variants
#include "gilsafe/wordcount_job.hpp"

#include "gilsafe/interrupt.hpp"
#include "gilsafe/json.hpp"
#include "gilsafe/parallel.hpp"
#include "gilsafe/word_count.hpp"

#include <pybind11/pybind11.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <cstdio>
#include <stdexcept>

namespace py = pybind11;

namespace gilsafe {
namespace {

struct variant_info {
    variant which;
    const char* name;
};

constexpr variant_info variants_table[] = {
    {variant::parallel, "parallel"},
    {variant::sequential, "sequential"},
    {variant::sequential_threads, "sequential-threads"},
    {variant::python, "python"},
};

template <class F>
variant_result timed(variant which, F&& run) {
    const auto start = std::chrono::steady_clock::now();
    const std::size_t count = run();
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    return {which, count, took.count()};
}

// The text as a Python str, built in slices so that Ctrl-C stops it: a pure-ASCII text
// is copied straight into a new compact str, any other is decoded slice by slice (cut
// at character starts) and joined.
py::str to_python_str(std::string_view text, const stop_signal& stop) {
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

// The count, or input_error naming the first invalid byte.
std::size_t valid(const text& t, const checked_count& c) {
    if (c.first_invalid != std::string_view::npos) {
        throw input_error("'" + t.name() + "': invalid UTF-8 at byte " +
                          std::to_string(c.first_invalid));
    }
    return c.count;
}

// Bytes a variant reads: the two-thread run counts the text twice.
double bytes_read(const variant_result& r, std::size_t bytes) {
    return static_cast<double>(bytes) * (r.which == variant::sequential_threads ? 2.0 : 1.0);
}

} // namespace

const char* variant_name(variant v) {
    for (const auto& info : variants_table) {
        if (info.which == v) {
            return info.name;
        }
    }
    return "?";
}

std::optional<variant> parse_variant(std::string_view name) {
    for (const auto& info : variants_table) {
        if (name == info.name) {
            return info.which;
        }
    }
    return std::nullopt;
}

std::vector<variant> all_variants() {
    std::vector<variant> out;
    for (const auto& info : variants_table) {
        out.push_back(info.which);
    }
    return out;
}

wordcount_report run_wordcount(const text& t, std::string_view needle,
                               const std::vector<variant>& variants,
                               const std::function<void(variant)>& on_start) {
    wordcount_report report{t.name(), std::string(needle), t.view().size(), {}, true};
    const std::string_view contents = t.view();
    py::object module;
    py::str py_contents;
    py::str py_needle;
    bool checked = false;
    auto python_inputs = [&] {
        if (!checked) {
            const py::gil_scoped_release no_gil;
            require_utf8(t, stop_on_sigint());
            checked = true;
        }
        if (!module) {
            module = py::module_::import("word_count");
            py_contents = to_python_str(contents, stop_on_sigint());
            py_needle = py::str(needle.data(), needle.size());
            // Build the str's cached UTF-8 now, so no timed call pays for it.
            py::ssize_t size = 0;
            if (PyUnicode_AsUTF8AndSize(py_contents.ptr(), &size) == nullptr) {
                throw py::error_already_set();
            }
        }
    };
    {
        const py::gil_scoped_release no_gil;
        warm_up_threads(); // a single timed call must not include creating the workers
    }
    for (const variant v : variants) {
        if (on_start) {
            on_start(v);
        }
        variant_result r{};
        switch (v) {
        // The C++ variants check the UTF-8 in the same pass as they count, and the
        // time includes it: a file costs what a str already in memory costs.
        case variant::parallel: {
            parallel_options options;
            options.stop = stop_on_sigint();
            const py::gil_scoped_release no_gil;
            r = timed(v, [&] {
                return valid(t, count_parallel_checked(contents, needle, options));
            });
            checked = true;
            break;
        }
        case variant::sequential: {
            const stop_signal stop = stop_on_sigint();
            const py::gil_scoped_release no_gil;
            r = timed(v, [&] {
                return valid(t, count_sequential_checked(contents, needle, stop));
            });
            checked = true;
            break;
        }
        case variant::sequential_threads: {
            python_inputs();
            const py::object twice = module.attr("search_twice_with_threads");
            const py::object fn = module.attr("search_sequential_allow_threads");
            std::size_t second = 0;
            r = timed(v, [&] {
                const auto pair = twice(fn, py_contents, py_needle).cast<py::tuple>();
                second = pair[1].cast<std::size_t>();
                return pair[0].cast<std::size_t>();
            });
            if (r.count != second) {
                throw std::runtime_error("sequential-threads: the two threads disagree (" +
                                         std::to_string(r.count) + " and " +
                                         std::to_string(second) + ")");
            }
            break;
        }
        case variant::python: {
            python_inputs();
            const py::object search_py = module.attr("search_py");
            r = timed(v, [&] { return search_py(py_contents, py_needle).cast<std::size_t>(); });
            break;
        }
        }
        if (!report.results.empty() && r.count != report.results.front().count) {
            report.agree = false;
        }
        report.results.push_back(r);
    }
    return report;
}

std::string to_json(const wordcount_report& report) {
    std::string out = "{\"file\": " + json_string(report.file) +
                      ", \"needle\": " + json_string(report.needle) +
                      ", \"bytes\": " + std::to_string(report.bytes) + ", \"results\": [";
    for (std::size_t i = 0; i < report.results.size(); ++i) {
        const variant_result& r = report.results[i];
        out += i == 0 ? "" : ", ";
        out += "{\"variant\": " + json_string(variant_name(r.which)) +
               ", \"count\": " + std::to_string(r.count) +
               ", \"seconds\": " + json_number(r.seconds) + "}";
    }
    out += std::string("], \"agree\": ") + (report.agree ? "true" : "false") + "}";
    return out;
}

std::string to_table(const wordcount_report& report) {
    char line[160];
    std::string out = json_string(report.file) + ": " + std::to_string(report.bytes) +
                      " bytes, needle " + json_string(report.needle) + "\n";
    std::snprintf(line, sizeof line, "%-20s %14s %12s %12s\n", "variant", "count", "time (ms)",
                  "GB/s");
    out += line;
    for (const variant_result& r : report.results) {
        const double gbps = r.seconds > 0 ? bytes_read(r, report.bytes) / r.seconds / 1e9 : 0.0;
        std::snprintf(line, sizeof line, "%-20s %14zu %12.3f %12.2f\n", variant_name(r.which),
                      r.count, r.seconds * 1e3, gbps);
        out += line;
    }
    if (report.results.size() > 1) {
        out += report.agree ? "all variants agree: " + std::to_string(report.results[0].count) + "\n"
                            : std::string("the variants DISAGREE\n");
    }
    return out;
}

} // namespace gilsafe
