// app/corpus.hpp: the guide's benchmark corpus (the Zen of Python, repeated)
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace gil_demo {

/// The Zen of Python as `import this` prints it, without the final newline.
std::string_view zen_of_python();

/// The guide's benchmark corpus: a newline and the Zen of Python, `scale` times.
std::string zen_corpus(std::size_t scale = 1000);

} // namespace gil_demo
