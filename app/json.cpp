// app/json.cpp: JSON string and number formatting
#include "json.hpp"

#include "gilsafe/text.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace gil_demo {

std::string json_string(std::string_view s) {
    std::string out = "\"";
    while (!s.empty()) {
        const std::size_t bad = gilsafe::find_invalid_utf8(s);
        const std::string_view good = s.substr(0, bad == std::string_view::npos ? s.size() : bad);
        for (const char ch : good) {
            const auto c = static_cast<unsigned char>(ch);
            if (c == '"' || c == '\\') {
                out += '\\';
                out += ch;
            } else if (c == '\n') {
                out += "\\n";
            } else if (c == '\t') {
                out += "\\t";
            } else if (c == '\r') {
                out += "\\r";
            } else if (c < 0x20 || c == 0x7f) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", c);
                out += buf;
            } else {
                out += ch;
            }
        }
        if (bad == std::string_view::npos) {
            break;
        }
        out += "\\ufffd";
        s.remove_prefix(bad + 1);
    }
    out += '"';
    return out;
}

std::string json_number(double value) {
    if (!std::isfinite(value)) {
        return "null";
    }
    char buf[32];
    for (int precision = 6; precision <= 17; ++precision) {
        std::snprintf(buf, sizeof buf, "%.*g", precision, value);
        if (std::strtod(buf, nullptr) == value) {
            break;
        }
    }
    return buf;
}

} // namespace gil_demo
