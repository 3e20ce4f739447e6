// include/gilsafe/interrupt.hpp: Ctrl-C as a stop request that long parallel work polls
#pragma once

#include "gilsafe/errors.hpp"

#include <atomic>
#include <cstdint>

namespace gilsafe {

/// A request to stop, polled between ranges of work: it is on once `counter` has moved
/// past the value it had when the work began. Default-constructed: never on.
struct stop_signal {
    const std::atomic<std::uint64_t>* counter = nullptr;
    std::uint64_t seen = 0;

    bool requested() const noexcept {
        return counter != nullptr && counter->load(std::memory_order_relaxed) != seen;
    }
    /// Throws `interrupted` when requested().
    void throw_if_requested() const {
        if (requested()) {
            throw interrupted();
        }
    }
};

/// Puts a SIGINT handler in front of the current one (Python's, when an interpreter
/// with signal handlers runs): it counts the signal, then calls the handler it replaced,
/// so Python still raises KeyboardInterrupt. Idempotent, and it installs itself again if
/// someone replaced it since. Leaves an ignored SIGINT ignored. With no handler before
/// it, a second Ctrl-C ends the process the default way.
void watch_sigint();

/// A stop_signal that turns on at the next SIGINT (calls watch_sigint first).
stop_signal stop_on_sigint();

} // namespace gilsafe
