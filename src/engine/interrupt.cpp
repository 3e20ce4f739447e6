// src/engine/interrupt.cpp: the chained SIGINT handler behind stop_on_sigint
#include "gilsafe/interrupt.hpp"

#include <signal.h>

#include <mutex>

namespace gilsafe {
namespace {

std::atomic<std::uint64_t> sigints{0};
// The handler we replaced; only plain (non-SA_SIGINFO) handlers are chained, which is
// what CPython installs. Atomics, because the signal handler reads them.
std::atomic<void (*)(int)> previous_handler{nullptr};
std::atomic<void (*)(int, siginfo_t*, void*)> previous_action{nullptr};
std::atomic<bool> previous_is_default{false};
std::mutex install_mutex;

void on_sigint(int sig) {
    const std::uint64_t count = sigints.fetch_add(1, std::memory_order_relaxed) + 1;
    if (auto* handler = previous_handler.load()) {
        handler(sig);
    } else if (auto* action = previous_action.load()) {
        siginfo_t info{};
        info.si_signo = sig;
        action(sig, &info, nullptr);
    } else if (previous_is_default.load() && count >= 2) {
        // Nobody else listens and the first request was not enough: die as by default.
        ::signal(SIGINT, SIG_DFL);
        ::raise(SIGINT);
    }
}

} // namespace

void watch_sigint() {
    const std::lock_guard<std::mutex> lock(install_mutex);
    struct sigaction current {};
    if (::sigaction(SIGINT, nullptr, &current) != 0) {
        return;
    }
    const bool siginfo = (current.sa_flags & SA_SIGINFO) != 0;
    if (!siginfo && current.sa_handler == &on_sigint) {
        return; // already in front
    }
    if (!siginfo && current.sa_handler == SIG_IGN) {
        return; // Ctrl-C is meant to be ignored
    }
    previous_is_default.store(!siginfo && current.sa_handler == SIG_DFL);
    previous_handler.store(!siginfo && current.sa_handler != SIG_DFL ? current.sa_handler
                                                                     : nullptr);
    previous_action.store(siginfo ? current.sa_sigaction : nullptr);
    struct sigaction ours {};
    ours.sa_handler = &on_sigint;
    ours.sa_flags = SA_ONSTACK; // as CPython's own handler
    sigemptyset(&ours.sa_mask);
    ::sigaction(SIGINT, &ours, nullptr);
}

stop_signal stop_on_sigint() {
    watch_sigint();
    return stop_signal{&sigints, sigints.load()};
}

} // namespace gilsafe
