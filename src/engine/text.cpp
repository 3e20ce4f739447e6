// src/engine/text.cpp: memory-mapped files and stdin buffers
#include "gilsafe/text.hpp"

#include "gilsafe/errors.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

namespace gilsafe {
namespace {

std::string quoted(const std::string& name) {
    return "'" + name + "'";
}

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

// input_error "WHAT: REASON" for `err`, the errno of the failed call (read by the caller
// before anything, building the message included, can change errno).
[[noreturn]] void system_input_error(int err, const std::string& what) {
    throw input_error(what + ": " + reason(err), err);
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
            const int err = errno;
            system_input_error(err, "cannot read " + quoted(name));
        }
        used += static_cast<std::size_t>(got);
    }
    buffer.resize(used);
    return buffer;
}

} // namespace

text text::open(const std::string& path) {
    if (path == "-") {
        struct stat st {};
        if (::fstat(STDIN_FILENO, &st) != 0) {
            const int err = errno;
            system_input_error(err, "cannot read standard input");
        }
        if (S_ISREG(st.st_mode)) {
            return map_fd(STDIN_FILENO, "-");
        }
        return from_string(read_all(STDIN_FILENO, "-"), "-");
    }
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        const int err = errno;
        system_input_error(err, "cannot open " + quoted(path));
    }
    const fd_guard guard(fd);
    return map_fd(fd, path);
}

text text::map_fd(int fd, std::string name) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        const int err = errno;
        system_input_error(err, "cannot read " + quoted(name));
    }
    if (S_ISDIR(st.st_mode)) {
        throw input_error("cannot read " + quoted(name) + ": is a directory", EISDIR);
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
        const int err = errno;
        system_input_error(err, "cannot map " + quoted(t.name_));
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

text::text(text&& other) noexcept {
    *this = std::move(other);
}

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

text::~text() {
    release();
}

void text::release() noexcept {
    if (mapped_) {
        ::munmap(const_cast<char*>(data_), size_);
        mapped_ = false;
    }
    data_ = nullptr;
    size_ = 0;
}

void text::throw_if_changed() const {
    // TODO(issue 12): the SIGBUS guard; for now only the size check.
    if (!mapped_) {
        return;
    }
    struct stat st {};
    if (::stat(name_.c_str(), &st) == 0 && static_cast<std::size_t>(st.st_size) < size_) {
        throw input_changed(name_);
    }
}

utf8_error invalid_utf8(const std::string& name, std::size_t offset) {
    return utf8_error(quoted(name) + ": invalid UTF-8 at byte " + std::to_string(offset), offset);
}

void require_utf8(const text& t, const stop_signal& stop) {
    const std::size_t bad = find_invalid_utf8(t.view(), stop);
    if (bad != std::string_view::npos) {
        throw invalid_utf8(t.name(), bad);
    }
}
} // namespace gilsafe
