// app/userids_job.hpp: the guide's UserID example, run and measured
#pragma once

#include "gilsafe/gil.hpp"

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace gil_demo {

/// A --predicate that is not a valid Python expression (a usage error in the CLI).
class predicate_syntax_error : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

/// The most UserID objects one run creates; larger counts are refused before allocating.
constexpr std::int64_t max_userids = 50'000'000;

/// What `gil_demo userids` evaluates.
struct userids_request {
    std::int64_t count = 10;
    std::int64_t threshold = 5;
    /// A Python expression over `u`; without one, the guide's `u.id > threshold`,
    /// read from the C++ object under the GIL.
    std::optional<std::string> predicate;
    gilsafe::gil_options options;
};

/// What it found.
struct userids_report {
    std::size_t total = 0;
    std::size_t allowed = 0;
    /// The allowed ids, in order.
    std::vector<std::int64_t> allowed_ids;
    std::size_t threads_used = 0;
    gilsafe::acquire_strategy strategy = gilsafe::acquire_strategy::per_chunk;
    gilsafe::thread_state_policy thread_state = gilsafe::thread_state_policy::persistent;
    /// The parallel evaluation alone, not the creation of the objects.
    double seconds = 0;
};

/// Creates `count` UserID objects (ids 0..count-1) in the embedded `gilsafe` module,
/// releases the GIL and lets oneTBB's threads evaluate the predicate, each taking the GIL
/// as the strategy says. Needs a running interpreter whose GIL the caller holds.
/// Throws std::invalid_argument for a bad count, predicate_syntax_error for a predicate
/// that does not compile, and whatever the predicate raises (py::error_already_set), or
/// pybind11::type_error when it returns something other than a bool.
userids_report run_userids(const userids_request& request);

/// {"total", "allowed", "allowed_ids" (when total <= 1000), "threads_used", "strategy",
/// "thread_state", "seconds"}
std::string to_json(const userids_report& report);
/// A few human-readable lines.
std::string to_text(const userids_report& report);

} // namespace gil_demo
