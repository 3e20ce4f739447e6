// src/engine/text.cpp: inputs, memory-mapped files guarded against shrinking, stream buffers
#include "gilsafe/text.hpp"

#include "gilsafe/errors.hpp"

#include "io.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <mutex>
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

std::int64_t modified_ns(const struct stat& st) {
    return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

// ---- The SIGBUS guard --------------------------------------------------------------
//
// A read of a mapped file past its end (the file shrank after it was mapped) raises
// SIGBUS. Every map gilsafe makes has a slot here; the handler, on a fault inside one,
// maps zero pages over the rest of that map (the read is retried and sees zeros), marks
// the slot, and returns; text::throw_if_changed() then reports the change. A fault
// anywhere else goes to the handler that was there before (by default: the process ends,
// as without gilsafe). Slots are atomics: the handler may run on any thread.

constexpr std::size_t guard_slots = 1024;

struct guard_slot {
    std::atomic<std::uintptr_t> begin{0};
    std::atomic<std::uintptr_t> end{0};
    std::atomic<bool> faulted{false};
    std::atomic<bool> used{false};
};

guard_slot slots[guard_slots];
std::atomic<std::uintptr_t> page_size{4096};
struct sigaction previous_sigbus {};
std::mutex guard_mutex;

void on_sigbus(int sig, siginfo_t* info, void* context) {
    const auto addr = reinterpret_cast<std::uintptr_t>(info->si_addr);
    for (guard_slot& slot : slots) {
        if (!slot.used.load(std::memory_order_acquire)) {
            continue;
        }
        const std::uintptr_t begin = slot.begin.load();
        const std::uintptr_t end = slot.end.load();
        if (addr < begin || addr >= end) {
            continue;
        }
        const std::uintptr_t page = addr & ~(page_size.load() - 1);
        void* zeros = ::mmap(reinterpret_cast<void*>(page), end - page, PROT_READ,
                             MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
        if (zeros != MAP_FAILED) {
            slot.faulted.store(true);
            return; // the faulting read runs again, on zeros
        }
        break;
    }
    // Not ours: whoever handled SIGBUS before gilsafe does.
    if ((previous_sigbus.sa_flags & SA_SIGINFO) != 0) {
        previous_sigbus.sa_sigaction(sig, info, context);
    } else if (previous_sigbus.sa_handler != SIG_DFL && previous_sigbus.sa_handler != SIG_IGN) {
        previous_sigbus.sa_handler(sig);
    } else {
        ::signal(SIGBUS, SIG_DFL); // the fault repeats and ends the process, as by default
    }
}

// Puts on_sigbus in front (again, if someone replaced it since).
void install_sigbus_guard() {
    struct sigaction current {};
    if (::sigaction(SIGBUS, nullptr, &current) != 0) {
        return;
    }
    if ((current.sa_flags & SA_SIGINFO) != 0 && current.sa_sigaction == &on_sigbus) {
        return;
    }
    page_size.store(static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE)));
    previous_sigbus = current;
    struct sigaction ours {};
    ours.sa_sigaction = &on_sigbus;
    ours.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&ours.sa_mask);
    ::sigaction(SIGBUS, &ours, nullptr);
}

// A slot for the map [begin, begin + size), or -1 when all are taken (the map is then
// unguarded, as any program's).
int guard_map(const void* begin, std::size_t size) {
    const std::lock_guard<std::mutex> lock(guard_mutex);
    install_sigbus_guard();
    const std::uintptr_t page = page_size.load();
    for (std::size_t i = 0; i < guard_slots; ++i) {
        guard_slot& slot = slots[i];
        if (slot.used.load()) {
            continue;
        }
        const auto b = reinterpret_cast<std::uintptr_t>(begin);
        slot.begin.store(b);
        slot.end.store(b + (size + page - 1) / page * page);
        slot.faulted.store(false);
        slot.used.store(true, std::memory_order_release);
        return static_cast<int>(i);
    }
    return -1;
}

void unguard_map(int index) {
    if (index < 0) {
        return;
    }
    const std::lock_guard<std::mutex> lock(guard_mutex);
    slots[index].used.store(false, std::memory_order_release);
}

// Waits until `fd` has data (or its end), polling `stop` and `cancel` every 100 ms; with
// neither, it just waits.
void wait_readable(int fd, const stop_signal& stop, const std::atomic<bool>* cancel,
                   const std::string& name) {
    const int timeout_ms = stop.counter != nullptr || cancel != nullptr ? 100 : -1;
    for (;;) {
        stop.throw_if_requested();
        if (cancel != nullptr && cancel->load()) {
            throw interrupted();
        }
        struct pollfd p {
            fd, POLLIN, 0
        };
        const int ready = ::poll(&p, 1, timeout_ms);
        if (ready > 0) {
            return;
        }
        if (ready < 0 && errno != EINTR) {
            if (errno == EINVAL || errno == EPERM) {
                return; // not pollable: a plain read will do
            }
            const int err = errno;
            system_input_error(err, "cannot read " + quoted(name));
        }
    }
}

constexpr std::size_t read_step = std::size_t{1} << 20;

std::string read_all(input& in, std::size_t limit) {
    std::string buffer;
    std::size_t used = 0;
    for (;;) {
        if (buffer.size() - used < read_step) {
            buffer.resize(std::max(buffer.size() * 2, used + read_step));
        }
        const std::size_t got = in.read_some(buffer.data() + used, buffer.size() - used);
        if (got == 0) {
            break;
        }
        used += got;
        if (used > limit) {
            throw input_error(quoted(in.name()) + " holds more than " + std::to_string(limit) +
                                  " bytes, the most it may hold to be read whole",
                              EFBIG);
        }
    }
    buffer.resize(used);
    return buffer;
}

} // namespace

// ---- input ----------------------------------------------------------------------------

input input::open(const std::string& path, const stop_signal& stop) {
    input in;
    in.stop_ = stop;
    in.name_ = path;
    struct stat st {};
    if (path == "-") {
        in.fd_ = STDIN_FILENO;
        if (::fstat(STDIN_FILENO, &st) != 0) {
            const int err = errno;
            system_input_error(err, "cannot read standard input");
        }
        // A regular file read from elsewhere than its start is a stream from there on.
        in.mappable_ =
            S_ISREG(st.st_mode) && st.st_size > 0 && ::lseek(STDIN_FILENO, 0, SEEK_CUR) == 0;
    } else {
        // O_NONBLOCK: a FIFO with no writer yet opens at once (reads wait, polling stop).
        int fd = -1;
        for (;;) {
            stop.throw_if_requested();
            fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
            if (fd >= 0 || errno != EINTR) {
                break;
            }
        }
        if (fd < 0) {
            const int err = errno;
            system_input_error(err, "cannot open " + quoted(path));
        }
        in.fd_ = fd;
        in.owned_ = true;
        if (::fstat(fd, &st) != 0) {
            const int err = errno;
            system_input_error(err, "cannot read " + quoted(path));
        }
        const int flags = ::fcntl(fd, F_GETFL);
        if (flags >= 0) {
            ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
        }
        in.mappable_ = S_ISREG(st.st_mode) && st.st_size > 0;
    }
    if (S_ISDIR(st.st_mode)) {
        throw input_error("cannot read " + quoted(path) + ": is a directory", EISDIR);
    }
    in.size_ = in.mappable_ ? static_cast<std::size_t>(st.st_size) : 0;
    in.mtime_ns_ = modified_ns(st);
    if (!in.mappable_ && S_ISFIFO(st.st_mode)) {
        ::fcntl(in.fd_, F_SETPIPE_SZ, 1 << 20); // fewer, larger reads; advice only
    }
    return in;
}

std::size_t input::read_some(char* buffer, std::size_t size) {
    return detail::read_some(*this, buffer, size, stop_, nullptr);
}

namespace detail {

std::size_t read_some(input& in, char* buffer, std::size_t size, const stop_signal& stop,
                      const std::atomic<bool>* cancel) {
    // A sysctl of /proc/sys allocates a kernel buffer the size of the read and fails one of
    // 4 MiB or more with ENOMEM (cat reads 128 KiB): the reads start at first_read and grow
    // only while they come back full, and one that fails with ENOMEM is tried again small.
    constexpr std::size_t first_read = std::size_t{64} << 10;
    for (;;) {
        wait_readable(in.fd(), stop, cancel, in.name());
        const std::size_t asked = std::min(size, in.read_limit_);
        const ssize_t got = ::read(in.fd(), buffer, asked);
        if (got >= 0) {
            const auto n = static_cast<std::size_t>(got);
            if (n == in.read_limit_ && !in.read_limit_fixed_ && n <= (std::size_t{1} << 30)) {
                in.read_limit_ = 2 * n;
            }
            return n;
        }
        if (errno == ENOMEM && asked > first_read) {
            in.read_limit_ = first_read;
            in.read_limit_fixed_ = true;
            continue;
        }
        if (errno != EINTR && errno != EAGAIN) {
            const int err = errno;
            system_input_error(err, in.name() == "-" ? std::string("cannot read standard input")
                                                     : "cannot read " + quoted(in.name()));
        }
    }
}

bool readable_now(const input& in) {
    struct pollfd p {
        in.fd(), POLLIN, 0
    };
    return ::poll(&p, 1, 0) != 0;
}

} // namespace detail

input::input(input&& other) noexcept {
    *this = std::move(other);
}

input& input::operator=(input&& other) noexcept {
    if (this != &other) {
        close();
        fd_ = std::exchange(other.fd_, -1);
        owned_ = std::exchange(other.owned_, false);
        mappable_ = other.mappable_;
        size_ = other.size_;
        mtime_ns_ = other.mtime_ns_;
        read_limit_ = other.read_limit_;
        read_limit_fixed_ = other.read_limit_fixed_;
        name_ = std::move(other.name_);
        stop_ = other.stop_;
    }
    return *this;
}

input::~input() {
    close();
}

void input::close() noexcept {
    if (owned_ && fd_ >= 0) {
        ::close(fd_);
    }
    fd_ = -1;
    owned_ = false;
}

// ---- text -----------------------------------------------------------------------------

text text::open(const std::string& path, const stop_signal& stop, std::size_t limit) {
    return from_input(input::open(path, stop), limit);
}

text text::from_input(input&& in, std::size_t limit) {
    if (!in.mappable()) {
        std::string contents = read_all(in, limit);
        return from_string(std::move(contents), in.name());
    }
    text t;
    t.name_ = in.name();
    t.size_ = in.size();
    t.mtime_ns_ = in.mtime_ns();
    t.fd_ = ::fcntl(in.fd(), F_DUPFD_CLOEXEC, 3);
    void* map = ::mmap(nullptr, t.size_, PROT_READ, MAP_PRIVATE, in.fd(), 0);
    if (map == MAP_FAILED) {
        const int err = errno;
        if (err == ENODEV || err == EINVAL || err == EACCES) {
            // A file that cannot be mapped (sysfs says 4096 bytes and maps nothing): read it.
            ::close(std::exchange(t.fd_, -1));
            std::string contents = read_all(in, limit);
            return from_string(std::move(contents), in.name());
        }
        system_input_error(err, "cannot map " + quoted(t.name_));
    }
    ::madvise(map, t.size_, MADV_SEQUENTIAL); // advice only: failure changes nothing
    ::madvise(map, t.size_, MADV_WILLNEED);
    t.data_ = static_cast<const char*>(map);
    t.mapped_ = true;
    t.guard_ = guard_map(map, t.size_);
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
        // Older kernels (or a file that shrank): touch one byte per page.
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
        fd_ = std::exchange(other.fd_, -1);
        guard_ = std::exchange(other.guard_, -1);
        mtime_ns_ = other.mtime_ns_;
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
        unguard_map(guard_);
        ::munmap(const_cast<char*>(data_), size_);
        mapped_ = false;
    }
    if (fd_ >= 0) {
        ::close(fd_);
    }
    fd_ = -1;
    guard_ = -1;
    data_ = nullptr;
    size_ = 0;
}

void text::throw_if_changed() const {
    if (!mapped_) {
        return;
    }
    if (guard_ >= 0 && slots[guard_].faulted.load()) {
        throw input_changed(name_);
    }
    // After the count, so that a change during it, growth included, is seen: the map
    // holds the size of the open, and a file that grew would be counted short.
    struct stat st {};
    if (fd_ >= 0 && ::fstat(fd_, &st) == 0 &&
        (static_cast<std::size_t>(st.st_size) != size_ || modified_ns(st) != mtime_ns_)) {
        throw input_changed(name_);
    }
}

utf8_error invalid_utf8(const std::string& name, std::size_t offset, std::string_view from_offset) {
    return utf8_error(quoted(name) + ": invalid UTF-8 at byte " + std::to_string(offset), offset,
                      std::string(from_offset.substr(0, 4)));
}

void require_utf8(const text& t, const stop_signal& stop) {
    const std::size_t bad = find_invalid_utf8(t.view(), stop);
    if (bad != std::string_view::npos) {
        throw invalid_utf8(t.name(), bad);
    }
}
} // namespace gilsafe
