// tests/sanitizers/sanitizer_defaults.cpp: the repo's sanitizer settings, compiled into sanitized
// programs
//
// Sanitizer runtimes ask these functions before reading ASAN_OPTIONS and friends, so the
// suppression files (tests/sanitizers/*.supp) apply to every run of every program: ctest's
// test discovery, gil_demo started by pytest, a developer's shell.
#include <string_view>

namespace gilsafe::embedded {
extern const std::string_view lsan_supp;
extern const std::string_view tsan_supp;
} // namespace gilsafe::embedded

extern "C" {

const char* __lsan_default_suppressions();
const char* __tsan_default_suppressions();
const char* __asan_default_options();
const char* __ubsan_default_options();
const char* __lsan_default_options();
const char* __tsan_default_options();

// The embedded texts end with a NUL byte (cmake/EmbedTextScript.cmake).
const char* __lsan_default_suppressions() {
    return gilsafe::embedded::lsan_supp.data();
}
const char* __tsan_default_suppressions() {
    return gilsafe::embedded::tsan_supp.data();
}
// A finding fails the program; stack traces stay readable.
const char* __asan_default_options() {
    return "detect_leaks=1:halt_on_error=1:detect_stack_use_after_return=1";
}
const char* __ubsan_default_options() {
    return "halt_on_error=1:print_stacktrace=1";
}
// Silent about the suppressions it used: the one left (pybind11's) fires in every program
// that embeds Python, and gil_demo's stderr is part of what the CLI tests check (one line).
const char* __lsan_default_options() {
    return "print_suppressions=0";
}
// Says which suppressions fired ("ThreadSanitizer: Matched N suppressions") at exit: the
// TSan run checks engine programs only, whose stderr no test reads.
const char* __tsan_default_options() {
    return "print_suppressions=1";
}
}
