// app/json.hpp: the little JSON writing the reports need
#pragma once

#include <string>
#include <string_view>

namespace gil_demo {

/// `s` as a JSON string literal, quotes included. Control characters are escaped and
/// bytes that are not valid UTF-8 become U+FFFD, so the output always parses.
std::string json_string(std::string_view s);

/// A finite double as JSON (shortest round-trip form); NaN and infinities as null.
std::string json_number(double value);

} // namespace gil_demo
