// src/engine/io.hpp: the reads behind input::read_some, with a second way to stop them
#pragma once

#include "gilsafe/text.hpp"

#include <atomic>
#include <cstddef>

namespace gilsafe::detail {

/// input::read_some that polls `stop` instead of in.stop() (a default stop_signal: none)
/// and also gives up, throwing `interrupted`, once `cancel` turns true (checked every
/// 100 ms while it waits). Declared in text.hpp, as input's friend.
std::size_t read_some(input& in, char* buffer, std::size_t size, const stop_signal& stop,
                      const std::atomic<bool>* cancel);

/// True when a read of `in` would return at once (data, its end, or an error).
bool readable_now(const input& in);

} // namespace gilsafe::detail
