// app/variants.hpp: the guide's four ways to count, in one table, run by one runner
#pragma once

#include <pybind11/pybind11.h>

#include "gilsafe/interrupt.hpp"
#include "gilsafe/word_count.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gil_demo {

/// The guide's four ways to count.
enum class variant { parallel, sequential, sequential_threads, python };

/// One row of the variant table.
struct variant_info {
    variant which;
    /// What the CLI calls it: "parallel", "sequential", "sequential-threads", "python".
    const char* name;
    /// The pytest-benchmark test that measures it (tests/bench), so `compare` lines up.
    const char* bench_name;
    /// One call counts the text twice (the two-thread run).
    bool reads_twice;
};

/// The table, in the guide's order.
const std::vector<variant_info>& variant_table();
/// The row of `v`.
const variant_info& info(variant v);
/// The variant called `name`, if there is one.
std::optional<variant> parse_variant(std::string_view name);
/// All four, in the guide's order.
std::vector<variant> all_variants();
/// The CLI names of all four, in the guide's order.
std::vector<std::string> variant_names();

/// Runs the variants over one text, one call at a time: the C++ ones with the GIL
/// released (the engine, as the bindings call it), the Python ones through the embedded
/// `word_count` module on a str built once, the first time one needs it. Needs a running
/// interpreter whose GIL the caller holds, for its whole life. Hidden, as pybind11's own
/// types are: it holds pybind11 objects.
class __attribute__((visibility("hidden"))) variant_runner {
public:
    /// How the runner counts.
    struct options {
        /// The C++ variants check the UTF-8 in their counting pass (the time includes it)
        /// and the Python ones before their str is built: invalid UTF-8 throws
        /// gilsafe::utf8_error naming the text.
        bool check_utf8 = true;
        /// The two-thread run submits to one ThreadPoolExecutor(max_workers=2) kept for
        /// every call (the guide's benchmark); otherwise each call makes its own pool and
        /// shuts it down, inside the call (the guide's `with` block).
        bool keep_pool = false;
    };

    /// `contents` must outlive the runner; `name` is what error messages call it.
    variant_runner(std::string_view contents, std::string name, std::string_view needle,
                   options opts);
    variant_runner(const variant_runner&) = delete;
    variant_runner& operator=(const variant_runner&) = delete;
    ~variant_runner();

    /// Everything `v` needs before a timed call: oneTBB's workers started, the Python
    /// str, the two-thread pool, a stop signal that turns on at the next Ctrl-C.
    void prepare(variant v);
    /// One call of `v` (prepared first): its count. The two-thread run throws
    /// std::runtime_error if its threads disagree; Ctrl-C throws gilsafe::interrupted or
    /// KeyboardInterrupt (pybind11::error_already_set).
    std::size_t run(variant v);
    /// Shuts the kept pool down (Ctrl-C while it waits raises KeyboardInterrupt); the
    /// destructor does the same, quietly, when close() was not called.
    void close();

private:
    void check_utf8_once();
    /// The count of a checked pass, or gilsafe::utf8_error naming the text.
    std::size_t valid(const gilsafe::checked_count& c);

    std::string_view contents_;
    std::string name_;
    std::string_view needle_;
    options opts_;
    bool checked_ = false;
    bool warm_ = false;
    gilsafe::stop_signal stop_;
    pybind11::object module_;
    pybind11::object py_contents_;
    pybind11::object py_needle_;
    pybind11::object executor_;
    pybind11::object search_twice_;
    pybind11::object allow_threads_;
    pybind11::object search_py_;
};

} // namespace gil_demo
