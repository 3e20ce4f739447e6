// app/output.cpp: protect_standard_streams, close_stdout and output_file
#include "output.hpp"

#include "commands.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <stdexcept>

namespace gil_demo {
namespace {

bool is_closed(int fd) {
    return ::fcntl(fd, F_GETFD) < 0 && errno == EBADF;
}

[[noreturn]] void throw_cannot_write(const std::string& path, int err) {
    throw std::runtime_error("cannot write '" + path + "': " + std::strerror(err));
}

} // namespace

void protect_standard_streams() {
    ::signal(SIGPIPE, SIG_IGN);
    for (const int fd : {STDOUT_FILENO, STDERR_FILENO}) {
        if (!is_closed(fd)) {
            continue;
        }
        // Read-only: a write fails with EBADF, as on the closed descriptor, but the number
        // is taken (else the next open() would get it, and printf would write into that file).
        const int null = ::open("/dev/null", O_RDONLY);
        if (null >= 0 && null != fd) {
            ::dup2(null, fd);
            ::close(null);
        }
    }
}

std::string write_error_message(int err) {
    return err == 0 ? std::string("write error")
                    : std::string("write error: ") + std::strerror(err);
}

int close_stdout(int code) {
    // CLI11 prints help and version through std::cout, synchronized with stdio: its
    // failures show in ferror(stdout) too; bad() is checked in case.
    const bool failed_before = std::ferror(stdout) != 0 || std::cout.bad();
    errno = 0;
    int err = 0;
    bool failed = failed_before;
    if (std::fflush(stdout) != 0) {
        failed = true;
        err = errno;
    } else {
        // A delayed error (NFS, say) shows only at close: close a duplicate, keeping
        // descriptor 1 open for whatever runs after main (static destructors).
        const int copy = ::dup(STDOUT_FILENO);
        if (copy >= 0 && ::close(copy) != 0 && errno != EINTR) {
            failed = true;
            err = errno;
        }
    }
    if (!failed) {
        return code;
    }
    if (err == 0 && failed_before) {
        // An earlier write failed and its data is gone: ask once more, with nothing to
        // lose, for the reason (a zero-length write reports no error on most files).
        err = ::write(STDOUT_FILENO, "", 0) < 0 ? errno : 0;
    }
    std::fprintf(stderr, "gil_demo: %s\n", write_error_message(err).c_str());
    return code == exit_success ? exit_failure : code;
}

output_file::output_file(std::string path) : path_(std::move(path)) {
    if (path_.empty()) {
        throw std::invalid_argument("output_file: empty path");
    }
    if (is_stdout()) {
        return;
    }
    // Created here only to learn that it can be, then removed: the file is written at the
    // end, and a run that fails or is interrupted in between leaves no empty file.
    // O_NONBLOCK: a FIFO without a reader must not block the check (ENXIO is fine).
    constexpr int flags = O_WRONLY | O_NONBLOCK | O_CLOEXEC;
    int fd = ::open(path_.c_str(), flags | O_CREAT | O_EXCL, 0666);
    if (fd >= 0) {
        ::close(fd);
        ::unlink(path_.c_str());
        return;
    }
    if (errno != EEXIST) {
        throw_cannot_write(path_, errno);
    }
    fd = ::open(path_.c_str(), flags); // no O_TRUNC: the old contents stay until the end
    if (fd < 0) {
        if (errno == ENXIO) {
            return;
        }
        throw_cannot_write(path_, errno);
    }
    ::close(fd);
}

void output_file::write(std::string_view data) const {
    if (is_stdout()) {
        std::fwrite(data.data(), 1, data.size(), stdout);
        return;
    }
    const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) {
        throw_cannot_write(path_, errno);
    }
    while (!data.empty()) {
        const ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            const int err = n < 0 ? errno : EIO;
            ::close(fd);
            throw_cannot_write(path_, err);
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    if (::close(fd) != 0 && errno != EINTR) {
        throw_cannot_write(path_, errno);
    }
}

} // namespace gil_demo
