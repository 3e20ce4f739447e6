// app/corpus.cpp: the Zen of Python (compiled in from data/zen_of_python.txt) and the generated
// Cyrillic, CJK and mixed corpora
#include "corpus.hpp"

#include "embedded_text.hpp"

#include <array>
#include <cstdint>

namespace gil_demo {
namespace {

// SplitMix64: a fixed sequence on every platform (the standard distributions are not).
class splitmix64 {
public:
    explicit splitmix64(std::uint64_t seed) : state_(seed) {}
    std::size_t below(std::size_t n) {
        state_ += 0x9e3779b97f4a7c15U;
        std::uint64_t z = state_;
        z = (z ^ (z >> 30U)) * 0xbf58476d1ce4e5b9U;
        z = (z ^ (z >> 27U)) * 0x94d049bb133111ebU;
        return static_cast<std::size_t>((z ^ (z >> 31U)) % n);
    }

private:
    std::uint64_t state_;
};

// Most of the Zen of Python in Russian.
constexpr std::array<std::string_view, 48> cyrillic_words = {
    "красивое", "лучше",         "чем",        "уродливое", "явное",      "неявного",
    "простое",  "сложного",      "запутанное", "плоское",   "вложенного", "разреженное",
    "плотного", "читаемость",    "имеет",      "значение",  "особые",     "случаи",
    "не",       "настолько",     "чтобы",      "нарушать",  "правила",    "при",
    "этом",     "практичность",  "важнее",     "чистоты",   "ошибки",     "никогда",
    "должны",   "замалчиваться", "если",       "явно",      "сказано",    "и",
    "в",        "это",           "на",         "один",      "способ",     "сделать",
    "сейчас",   "пространства",  "имён",       "отличная",  "штука",      "Голландец."};

// Most of the Zen of Python in Chinese, a word or a phrase at a time.
constexpr std::array<std::string_view, 40> cjk_words = {
    "优美",   "胜于",   "丑陋。", "明了",   "晦涩，",   "简洁",     "复杂",   "凌乱",
    "扁平",   "嵌套",   "间隔",   "紧凑",   "可读性",   "很重要。", "即便",   "假借",
    "特例",   "实用性", "之名，", "不可",   "违背",     "这些",     "规则。", "不要",
    "包容",   "所有",   "错误，", "除非",   "你确定",   "需要",     "这样做", "尽量",
    "找一种", "最好是", "唯一",   "明显的", "解决方案", "命名空间", "绝妙的", "理念！"};

// English, Russian, Greek, Chinese, accented Latin and emoji side by side; one "word"
// holds a no-break space (U+00A0, not a separator for split(" ")).
constexpr std::array<std::string_view, 40> mixed_words = {
    "Beautiful", "better", "than",    "ugly.",   "Explicit", "implicit.", "Simple",   "complex",
    "лучше",     "явное",  "простое", "правила", "καλύτερο", "ρητό",      "απλό",     "Ζεν",
    "优美",      "胜于",   "丑陋",    "可读性",  "café",     "naïve",     "déjà",     "vu",
    "Straße",    "Zürich", "façade",  "🐍",       "🚀",        "✨",         "👍🏽", "Python🐍",
    "😀",         "日本語", "한국어",  "emoji😀",  "a\u00a0b", "now",       "never",    "namespaces"};

std::string generate(const std::string_view* words, std::size_t count, bool mixed_breaks,
                     std::uint64_t seed, std::size_t size) {
    splitmix64 rng(seed);
    constexpr std::size_t max_break = 3; // U+2028
    std::string out;
    out.reserve(size);
    bool first = true;
    bool full = false;
    while (true) {
        const std::size_t words_in_line = 4 + rng.below(12);
        for (std::size_t i = 0; i < words_in_line; ++i) {
            const std::string_view word =
                first || rng.below(32) == 0 ? std::string_view("is") : words[rng.below(count)];
            first = false;
            if (out.size() + (i != 0 ? 1 : 0) + word.size() + max_break > size) {
                full = true;
                break;
            }
            if (i != 0) {
                out += ' ';
            }
            out += word;
        }
        if (full) {
            break;
        }
        // Mixed: one line in 32 ends with U+2028, three in 32 with \r\n, the rest with \n.
        const std::size_t kind = mixed_breaks ? rng.below(32) : 4;
        out += kind == 0 ? "\u2028" : kind < 4 ? "\r\n" : "\n";
    }
    out.append(size - out.size(), '\n');
    return out;
}

} // namespace

std::string_view zen_of_python() {
    std::string_view zen = embedded::zen_of_python_txt;
    while (!zen.empty() && zen.back() == '\n') {
        zen.remove_suffix(1);
    }
    return zen;
}

std::string zen_corpus(std::size_t scale) {
    const std::string_view zen = zen_of_python();
    std::string unit;
    unit.reserve(zen.size() + 2);
    unit += '\n';
    unit += zen;
    unit += '\n';
    std::string out;
    out.reserve(unit.size() * scale);
    for (std::size_t i = 0; i < scale; ++i) {
        out += unit;
    }
    return out;
}

std::vector<std::string> corpus_names() {
    return {"zen", "cyrillic", "cjk", "mixed"};
}

std::optional<corpus_kind> parse_corpus(std::string_view name) {
    for (const corpus_kind kind :
         {corpus_kind::zen, corpus_kind::cyrillic, corpus_kind::cjk, corpus_kind::mixed}) {
        if (name == corpus_name(kind)) {
            return kind;
        }
    }
    return std::nullopt;
}

const char* corpus_name(corpus_kind kind) {
    switch (kind) {
    case corpus_kind::cyrillic:
        return "cyrillic";
    case corpus_kind::cjk:
        return "cjk";
    case corpus_kind::mixed:
        return "mixed";
    case corpus_kind::zen:
        break;
    }
    return "zen";
}

const char* corpus_title(corpus_kind kind) {
    switch (kind) {
    case corpus_kind::cyrillic:
        return "Cyrillic words";
    case corpus_kind::cjk:
        return "CJK words";
    case corpus_kind::mixed:
        return "mixed scripts and emoji";
    case corpus_kind::zen:
        break;
    }
    return "Zen of Python";
}

std::string make_corpus(corpus_kind kind, std::size_t scale) {
    const std::size_t size = (zen_of_python().size() + 2) * scale; // zen_corpus(scale)'s
    switch (kind) {
    case corpus_kind::cyrillic:
        return generate(cyrillic_words.data(), cyrillic_words.size(), false, 1, size);
    case corpus_kind::cjk:
        return generate(cjk_words.data(), cjk_words.size(), false, 2, size);
    case corpus_kind::mixed:
        return generate(mixed_words.data(), mixed_words.size(), true, 3, size);
    case corpus_kind::zen:
        break;
    }
    return zen_corpus(scale);
}

} // namespace gil_demo
