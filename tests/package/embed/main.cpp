// tests/package/embed/main.cpp: a consumer's embedding program: the engine, then the GIL toolkit
// in an embedded interpreter; exits 1 on any wrong answer
//
// The lines between the [readme] markers are the README's embedding example (package.readme
// checks it); the checks after them make every answer count.
// [readme]
#include <gilsafe/gil.hpp>
#include <gilsafe/word_count.hpp>

#include <pybind11/embed.h>

#include <cstddef>
#include <cstdio>
#include <string>
#include <vector>

namespace py = pybind11;
// [/readme]

#include <gilsafe/stream.hpp>
#include <gilsafe/text.hpp>

#include <unistd.h>

#include <string_view>
#include <utility>

// [readme]
// Any input: a file is mapped (and guarded against shrinking while it is read); a pipe,
// a device or a file of /proc is counted as it arrives, in constant memory.
std::size_t count_words_in(const std::string& path, const std::string& word) {
    gilsafe::input in = gilsafe::input::open(path, gilsafe::stop_on_sigint()); // never blocks
    if (in.mappable()) { // a regular file with a size
        const gilsafe::text t = gilsafe::text::from_input(std::move(in));
        const gilsafe::checked_count c = gilsafe::count_parallel_checked(t.view(), word);
        t.throw_if_changed(); // gilsafe::input_changed if it shrank while counted
        if (c.first_invalid != std::string_view::npos) {
            throw gilsafe::invalid_utf8(t.name(), c.first_invalid);
        }
        return c.count;
    }
    return gilsafe::count_stream(in, word).count; // checks the UTF-8 as it reads
}
// [/readme]

namespace {

int failures = 0;

void check(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "count_words: FAILED: %s\n", what);
        ++failures;
    }
}

} // namespace

int main() {
    // [readme]
    // The engine: bytes in, a count out, on oneTBB's threads; no Python involved.
    const std::string text = "the cat is on the mat\nis it? it is\n";
    const std::size_t count = gilsafe::count_parallel(text, "is"); // 3

    py::scoped_interpreter python; // this thread holds the GIL from here on
    std::vector<py::object> numbers;
    for (int i = 0; i < 100; ++i) {
        numbers.push_back(py::int_(i));
    }
    const py::object is_multiple_of_7 = py::eval("lambda x: x % 7 == 0");
    // Called with the GIL held: parallel_map releases it, oneTBB's threads take it back to
    // call the predicate, and this thread holds it again when the answers come back.
    const std::vector<char> answers = gilsafe::parallel_map(
        numbers, [&](py::handle x) { return is_multiple_of_7(x).cast<bool>(); });

    // Entering a parallel region whose workers need the GIL while holding it would
    // deadlock; require_gil_released turns that into an exception.
    try {
        gilsafe::require_gil_released("my parallel region");
    } catch (const gilsafe::gil_held_error& e) {
        std::printf("refused: %s\n", e.what());
    }
    // [/readme]

    // --- the checks ------------------------------------------------------------------
    {
        char path[] = "/tmp/gilsafe_consumer_XXXXXX";
        const int fd = ::mkstemp(path);
        const bool written =
            fd >= 0 && ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
        ::close(fd);
        check(written && count_words_in(path, "is") == 3, "count_words_in(a file)");
        ::unlink(path);
        int fds[2];
        const bool piped = ::pipe(fds) == 0 && ::write(fds[1], text.data(), text.size()) ==
                                                   static_cast<ssize_t>(text.size());
        ::close(fds[1]);
        check(piped && count_words_in("/dev/fd/" + std::to_string(fds[0]), "is") == 3,
              "count_words_in(a pipe)");
        ::close(fds[0]);
    }
    check(count == 3, "count_parallel(text, \"is\") == 3");
    check(gilsafe::count_sequential(text, "is") == 3, "count_sequential(text, \"is\") == 3");
    // A text long enough to be cut into many ranges, with \r\n and U+2028 line breaks.
    std::string long_text;
    for (int i = 0; i < 20000; ++i) {
        long_text += "is a cat\r\nnot is\xE2\x80\xA8is is  is\n";
    }
    gilsafe::parallel_options small_ranges;
    small_ranges.grain = 1024;
    small_ranges.min_parallel_size = 1;
    check(gilsafe::count_sequential(long_text, "is") == 100000, "count_sequential, long text");
    check(gilsafe::count_parallel(long_text, "is", small_ranges) == 100000,
          "count_parallel, long text, small ranges");
    check(gilsafe::count_parallel(long_text, "") == 20000, "count_parallel of the empty word");

    check(answers.size() == numbers.size(), "parallel_map returns one answer per object");
    for (std::size_t i = 0; i < answers.size(); ++i) {
        if ((answers[i] != 0) != (i % 7 == 0)) {
            check(false, "parallel_map answers x % 7 == 0");
            break;
        }
    }
    check(PyGILState_Check() == 1, "the GIL is held again after parallel_map");

    bool refused = false;
    try {
        gilsafe::require_gil_released("main");
    } catch (const gilsafe::gil_held_error&) {
        refused = true;
    }
    check(refused, "require_gil_released throws gil_held_error while the GIL is held");
    {
        const py::gil_scoped_release released;
        bool allowed = true;
        try {
            gilsafe::require_gil_released("main");
        } catch (const gilsafe::gil_held_error&) {
            allowed = false;
        }
        check(allowed, "require_gil_released passes once the GIL is released");
    }

    // A Python exception raised on a worker reaches the caller with its type.
    const py::object inverse = py::eval("lambda x: 1 // x");
    std::string error;
    try {
        gilsafe::parallel_map(numbers, [&](py::handle x) { return inverse(x).cast<int>() > 0; });
    } catch (const py::error_already_set& e) {
        error = gilsafe::python_error_message(e);
    }
    check(error.rfind("ZeroDivisionError", 0) == 0, "a worker's ZeroDivisionError reaches main");

    if (failures != 0) {
        std::fprintf(stderr, "count_words: %d check(s) failed\n", failures);
        return 1;
    }
    std::printf("count_words: all checks passed\n");
    return 0;
}
