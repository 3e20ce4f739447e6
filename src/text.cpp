// src/text.cpp: memory-mapped files, stdin buffers, UTF-8 validation, the Zen corpus
#include "gilsafe/text.hpp"

#include "embedded_text.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <algorithm>
#include <cstring>
#include <utility>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace gilsafe {
namespace {

std::string quoted(const std::string& name) { return "'" + name + "'"; }

std::string reason(int err) {
    switch (err) {
    case ENOENT:
        return "no such file";
    case EACCES:
        return "permission denied";
    case EISDIR:
        return "is a directory";
    default:
        return std::strerror(err);
    }
}

// Closes a file descriptor on every path out of text::open.
class fd_guard {
public:
    explicit fd_guard(int fd) : fd_(fd) {}
    fd_guard(const fd_guard&) = delete;
    fd_guard& operator=(const fd_guard&) = delete;
    ~fd_guard() {
        if (fd_ > 2) {
            ::close(fd_);
        }
    }

private:
    int fd_;
};

std::string read_all(int fd, const std::string& name) {
    std::string buffer;
    std::size_t used = 0;
    buffer.resize(std::size_t{1} << 16);
    for (;;) {
        if (used == buffer.size()) {
            buffer.resize(buffer.size() * 2);
        }
        const ssize_t got = ::read(fd, buffer.data() + used, buffer.size() - used);
        if (got == 0) {
            break;
        }
        if (got < 0) {
            if (errno == EINTR) {
                continue;
            }
            throw input_error("cannot read " + quoted(name) + ": " + reason(errno));
        }
        used += static_cast<std::size_t>(got);
    }
    buffer.resize(used);
    return buffer;
}

// Length of the well-formed UTF-8 sequence at p, or 0 (Unicode Table 3-7).
std::size_t utf8_sequence_length(const unsigned char* s, std::size_t n, std::size_t p) {
    const unsigned char c = s[p];
    auto cont = [&](std::size_t i, unsigned char lo, unsigned char hi) {
        return p + i < n && s[p + i] >= lo && s[p + i] <= hi;
    };
    if (c < 0x80) {
        return 1;
    }
    if (c >= 0xc2 && c <= 0xdf) {
        return cont(1, 0x80, 0xbf) ? 2 : 0;
    }
    if (c >= 0xe0 && c <= 0xef) {
        const unsigned char lo = c == 0xe0 ? 0xa0 : 0x80;
        const unsigned char hi = c == 0xed ? 0x9f : 0xbf; // no surrogates
        return cont(1, lo, hi) && cont(2, 0x80, 0xbf) ? 3 : 0;
    }
    if (c >= 0xf0 && c <= 0xf4) {
        const unsigned char lo = c == 0xf0 ? 0x90 : 0x80;
        const unsigned char hi = c == 0xf4 ? 0x8f : 0xbf;
        return cont(1, lo, hi) && cont(2, 0x80, 0xbf) && cont(3, 0x80, 0xbf) ? 4 : 0;
    }
    return 0;
}

// Length of the all-ASCII prefix of [p, n), checked 64 bytes at a time.
std::size_t ascii_run(const unsigned char* s, std::size_t n, std::size_t p) {
    const std::size_t start = p;
#if defined(__SSE2__)
    while (p + 64 <= n) {
        const auto* v = reinterpret_cast<const __m128i*>(s + p);
        const __m128i any = _mm_or_si128(_mm_or_si128(_mm_loadu_si128(v), _mm_loadu_si128(v + 1)),
                                         _mm_or_si128(_mm_loadu_si128(v + 2), _mm_loadu_si128(v + 3)));
        if (_mm_movemask_epi8(any) != 0) {
            break;
        }
        p += 64;
    }
#endif
    while (p < n && s[p] < 0x80) {
        ++p;
    }
    return p - start;
}

} // namespace

text text::open(const std::string& path) {
    if (path == "-") {
        struct stat st {};
        if (::fstat(STDIN_FILENO, &st) != 0) {
            throw input_error("cannot read standard input: " + reason(errno));
        }
        if (S_ISREG(st.st_mode)) {
            return map_fd(STDIN_FILENO, "-");
        }
        return from_string(read_all(STDIN_FILENO, "-"), "-");
    }
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        throw input_error("cannot open " + quoted(path) + ": " + reason(errno));
    }
    const fd_guard guard(fd);
    return map_fd(fd, path);
}

text text::map_fd(int fd, std::string name) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        throw input_error("cannot read " + quoted(name) + ": " + reason(errno));
    }
    if (S_ISDIR(st.st_mode)) {
        throw input_error("cannot read " + quoted(name) + ": is a directory");
    }
    if (!S_ISREG(st.st_mode)) {
        return from_string(read_all(fd, name), std::move(name));
    }
    text t;
    t.name_ = std::move(name);
    t.size_ = static_cast<std::size_t>(st.st_size);
    if (t.size_ == 0) {
        return t;
    }
    void* map = ::mmap(nullptr, t.size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED) {
        throw input_error("cannot map " + quoted(t.name_) + ": " + reason(errno));
    }
    ::madvise(map, t.size_, MADV_SEQUENTIAL); // advice only: failure changes nothing
    ::madvise(map, t.size_, MADV_WILLNEED);
    t.data_ = static_cast<const char*>(map);
    t.mapped_ = true;
    return t;
}

void text::prefault(const stop_signal& stop) const {
    if (!mapped_) {
        return;
    }
    constexpr std::size_t step = std::size_t{64} << 20;
    const long page = ::sysconf(_SC_PAGESIZE);
    auto* base = const_cast<char*>(data_);
    for (std::size_t at = 0; at < size_; at += step) {
        stop.throw_if_requested();
        const std::size_t len = std::min(step, size_ - at);
#ifdef MADV_POPULATE_READ
        if (::madvise(base + at, len, MADV_POPULATE_READ) == 0) {
            continue;
        }
#endif
        // Older kernels: touch one byte per page.
        volatile char sink = 0;
        for (std::size_t i = 0; i < len; i += static_cast<std::size_t>(page)) {
            sink = static_cast<char>(sink + data_[at + i]);
        }
    }
}

text text::from_string(std::string contents, std::string name) {
    text t;
    t.owned_ = std::move(contents);
    t.data_ = t.owned_.data();
    t.size_ = t.owned_.size();
    t.name_ = std::move(name);
    return t;
}

text::text(text&& other) noexcept { *this = std::move(other); }

text& text::operator=(text&& other) noexcept {
    if (this != &other) {
        release();
        mapped_ = std::exchange(other.mapped_, false);
        size_ = std::exchange(other.size_, 0);
        name_ = std::move(other.name_);
        if (mapped_) {
            data_ = std::exchange(other.data_, nullptr);
        } else {
            owned_ = std::move(other.owned_);
            data_ = owned_.data();
            other.data_ = nullptr;
        }
    }
    return *this;
}

text::~text() { release(); }

void text::release() noexcept {
    if (mapped_) {
        ::munmap(const_cast<char*>(data_), size_);
        mapped_ = false;
    }
    data_ = nullptr;
    size_ = 0;
}

std::size_t find_invalid_utf8(std::string_view bytes, const stop_signal& stop) {
    // Slice by slice (ranges compose), polling `stop` in between.
    constexpr std::size_t slice = std::size_t{16} << 20;
    for (std::size_t at = 0; at < bytes.size(); at += slice) {
        stop.throw_if_requested();
        const std::size_t bad = find_invalid_utf8_range(bytes, at, at + slice);
        if (bad != std::string_view::npos) {
            return bad;
        }
    }
    return std::string_view::npos;
}

std::size_t find_invalid_utf8_range(std::string_view bytes, std::size_t begin, std::size_t end) {
    const auto* s = reinterpret_cast<const unsigned char*>(bytes.data());
    const std::size_t n = bytes.size();
    end = std::min(end, n);
    std::size_t p = begin;
    auto continuation = [&](std::size_t i) { return (s[i] & 0xc0) == 0x80; };
    if (p < end && continuation(p)) {
        // The tail of a character that starts before the range is that range's to check;
        // a continuation byte that no valid character covers is an error here.
        std::size_t q = p;
        while (q > 0 && p - q < 3 && continuation(q - 1)) {
            --q;
        }
        if (q == 0 || continuation(q - 1)) {
            return p;
        }
        const std::size_t len = utf8_sequence_length(s, n, q - 1);
        if (len == 0 || q - 1 + len <= p) {
            return p;
        }
        p = q - 1 + len;
    }
    while (p < end) {
        p += ascii_run(s, end, p);
        if (p >= end) {
            break;
        }
        const std::size_t len = utf8_sequence_length(s, n, p);
        if (len == 0) {
            return p;
        }
        p += len;
    }
    return std::string_view::npos;
}

void require_utf8(const text& t, const stop_signal& stop) {
    const std::size_t bad = find_invalid_utf8(t.view(), stop);
    if (bad != std::string_view::npos) {
        throw input_error(quoted(t.name()) + ": invalid UTF-8 at byte " + std::to_string(bad));
    }
}

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

} // namespace gilsafe
