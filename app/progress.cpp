// app/progress.cpp: the progress line's thread
#include "progress.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace gil_demo {
namespace {

bool stderr_is_terminal() {
    const char* term = std::getenv("TERM");
    return ::isatty(STDERR_FILENO) == 1 && (term == nullptr || std::strcmp(term, "dumb") != 0);
}

} // namespace

progress::progress(std::string label)
    : label_(std::move(label)), start_(std::chrono::steady_clock::now()) {
    if (stderr_is_terminal()) {
        thread_ = std::thread([this] { run(); });
    }
}

progress::~progress() {
    done_.store(true);
    if (thread_.joinable()) {
        thread_.join();
    }
    if (shown_) {
        std::fputs("\r\033[K", stderr); // erase the line: the result is what stays
        std::fflush(stderr);
    }
}

void progress::set_label(std::string label) {
    const std::lock_guard<std::mutex> lock(mutex_);
    label_ = std::move(label);
}

void progress::run() {
    using namespace std::chrono_literals;
    while (!done_.load()) {
        std::this_thread::sleep_for(50ms);
        const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start_;
        if (elapsed < 300ms || done_.load()) {
            continue;
        }
        {
            const std::lock_guard<std::mutex> lock(mutex_);
            std::fprintf(stderr, "\r\033[Kgil_demo: %s... %.1f s", label_.c_str(), elapsed.count());
        }
        std::fflush(stderr);
        shown_ = true;
        std::this_thread::sleep_for(50ms);
    }
}

} // namespace gil_demo
