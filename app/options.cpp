// app/options.cpp: the validators behind gil_demo's integer and seconds options
#include "options.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <system_error>

namespace gil_demo {
namespace {

std::string in_quotes(const std::string& s) {
    return "'" + s + "'";
}

bool all_digits(std::string_view s) {
    return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
}

std::string range_text(const std::string& lo, const std::string& hi, const char* unit = "") {
    return "out of range (" + lo + " to " + hi + unit + ")";
}

} // namespace

CLI::Validator decimal_integer(std::int64_t lo, std::int64_t hi) {
    const std::string range = range_text(std::to_string(lo), std::to_string(hi));
    return CLI::Validator(
        [lo, hi, range](std::string& value) -> std::string {
            std::string_view digits = value;
            const bool negative = !digits.empty() && digits.front() == '-';
            if (!digits.empty() && (digits.front() == '+' || negative)) {
                digits.remove_prefix(1);
            }
            if (!all_digits(digits)) {
                return in_quotes(value) + " is not a decimal integer";
            }
            // Magnitude first (from_chars takes no sign of its own but '-'), so that a
            // value beyond int64 is "out of range", not "not a number".
            std::uint64_t magnitude = 0;
            const auto [end, ec] =
                std::from_chars(digits.data(), digits.data() + digits.size(), magnitude, 10);
            const std::uint64_t limit =
                negative ? std::uint64_t{1} << 63
                         : std::uint64_t{std::numeric_limits<std::int64_t>::max()};
            if (ec == std::errc::result_out_of_range || magnitude > limit) {
                return value + " is " + range;
            }
            const std::int64_t parsed =
                negative ? (magnitude == limit ? std::numeric_limits<std::int64_t>::min()
                                               : -static_cast<std::int64_t>(magnitude))
                         : static_cast<std::int64_t>(magnitude);
            if (parsed < lo || parsed > hi) {
                return value + " is " + range;
            }
            value = std::to_string(parsed);
            return {};
        },
        lo == std::numeric_limits<std::int64_t>::min() &&
                hi == std::numeric_limits<std::int64_t>::max()
            ? std::string("decimal, 64-bit")
            : "decimal in [" + std::to_string(lo) + " - " + std::to_string(hi) + "]");
}

CLI::Validator seconds_in(double lo, double hi) {
    const std::string range =
        range_text(CLI::detail::to_string(lo), CLI::detail::to_string(hi), " seconds");
    return CLI::Validator(
        [lo, hi, range](std::string& value) -> std::string {
            // Decimal notation only: strtod alone would take "nan", "inf" and hex floats.
            const bool decimal =
                !value.empty() && value.find_first_not_of("0123456789.eE+-") == std::string::npos;
            char* end = nullptr;
            const double parsed = decimal ? std::strtod(value.c_str(), &end) : 0.0;
            if (!decimal || end != value.c_str() + value.size() || !std::isfinite(parsed)) {
                return in_quotes(value) + " is not a finite decimal number";
            }
            if (!(parsed >= lo && parsed <= hi)) {
                return value + " is " + range;
            }
            return {};
        },
        "seconds in [" + CLI::detail::to_string(lo) + " - " + CLI::detail::to_string(hi) + "]");
}

} // namespace gil_demo
