// app/corpus.hpp: the benchmark corpora: the guide's Zen of Python, and generated non-ASCII text
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gil_demo {

/// The Zen of Python as `import this` prints it, without the final newline.
std::string_view zen_of_python();

/// The guide's benchmark corpus: a newline and the Zen of Python, `scale` times.
std::string zen_corpus(std::size_t scale = 1000);

/// The texts `bench` and `wordcount` can count: the guide's, and three generated ones.
enum class corpus_kind { zen, cyrillic, cjk, mixed };

/// "zen", "cyrillic", "cjk", "mixed": the --corpus choices, in this order.
std::vector<std::string> corpus_names();

/// The corpus called `name` (one of corpus_names()), or nothing.
std::optional<corpus_kind> parse_corpus(std::string_view name);

/// Its name in corpus_names().
const char* corpus_name(corpus_kind kind);

/// How a report names it: "Zen of Python", "Cyrillic words", ...
const char* corpus_title(corpus_kind kind);

/// The corpus at `scale`, exactly as long as zen_corpus(scale) (858 bytes a repetition).
/// The generated ones are deterministic, valid UTF-8 words from a fixed list for each
/// script, separated by spaces and broken into lines, with the ASCII word "is" among them
/// (the first word, and about one word in 32): Russian (two-byte letters), Chinese
/// (three-byte), or a mix of English, Russian, Greek, Chinese, accented Latin and emoji
/// (four-byte) with \n, \r\n and U+2028 line breaks and a no-break space inside words.
std::string make_corpus(corpus_kind kind, std::size_t scale = 1000);

} // namespace gil_demo
