// app/options.hpp: strict option values: decimal integers and finite seconds, checked in one place
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>

namespace gil_demo {

/// Accepts `[+|-]DIGITS` in base 10 (leading zeros are decimal: `010` is 10) within
/// [lo, hi] and rewrites the value in canonical form, so CLI11 never sees octal, hex,
/// exponents or spaces. Errors: "'1e3' is not a decimal integer", "9 is out of range
/// (1 to 4)".
CLI::Validator decimal_integer(std::int64_t lo, std::int64_t hi);

/// Accepts a finite decimal number of seconds (`2`, `0.5`, `1e1`) within [lo, hi]: no
/// `nan`, `inf`, hex floats or spaces.
CLI::Validator seconds_in(double lo, double hi);

/// Adds an integer option read by decimal_integer(lo, hi): every integer option of
/// gil_demo goes through here.
template <typename T>
CLI::Option* add_integer_option(CLI::App* sub, const std::string& name, T& value, T lo, T hi,
                                const std::string& help) {
    static_assert(std::is_integral_v<T> && !std::is_same_v<T, bool>, "an integer option");
    if constexpr (std::is_unsigned_v<T>) {
        static_assert(sizeof(T) <= sizeof(std::uint64_t));
        // The bounds of unsigned options fit int64 (checked when the option is added).
        if (hi > static_cast<T>(std::numeric_limits<std::int64_t>::max())) {
            throw std::logic_error("add_integer_option: bound beyond int64");
        }
    } else {
        static_assert(sizeof(T) <= sizeof(std::int64_t));
    }
    return sub->add_option(name, value, help)
        ->transform(decimal_integer(static_cast<std::int64_t>(lo), static_cast<std::int64_t>(hi)));
}

} // namespace gil_demo
