// app/output.cpp: protect_standard_streams, close_stdout and output_file
#include "output.hpp"

#include "commands.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
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

// errno of the first failed flush_stdout: stdio keeps only a flag, and the reason is lost
// once anyone else (Py_FinalizeEx flushes stdout) meets the failure first.
int first_stdout_errno = 0;

// Why a write to `fd` fails, asked without writing any data; 0 if it cannot be told.
int probe_write_error(int fd) {
    // A zero-length write reports a closed descriptor (EBADF) or /dev/full (ENOSPC).
    if (::write(fd, "", 0) < 0) {
        return errno;
    }
    // But not a pipe or socket whose reader is gone: Linux returns 0 before looking.
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !(S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))) {
        return 0;
    }
    if (S_ISSOCK(st.st_mode)) {
        int pending = 0;
        socklen_t size = sizeof pending;
        if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &pending, &size) == 0 && pending != 0) {
            return pending;
        }
    }
    pollfd p{fd, POLLOUT, 0};
    if (::poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLHUP)) != 0) {
        return EPIPE; // no reader left: what the failed write got (SIGPIPE is ignored)
    }
    return 0;
}

} // namespace

void flush_stdout() {
    errno = 0;
    if (std::fflush(stdout) != 0 && first_stdout_errno == 0) {
        first_stdout_errno = errno;
    }
}

void write_stdout(std::string_view data) {
    errno = 0;
    if (std::fwrite(data.data(), 1, data.size(), stdout) != data.size() &&
        first_stdout_errno == 0) {
        first_stdout_errno = errno;
    }
}

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
    int err = first_stdout_errno;
    bool failed = failed_before;
    if (std::fflush(stdout) != 0) {
        failed = true;
        err = err != 0 ? err : errno;
    } else {
        // A delayed error (NFS, say) shows only at close: close a duplicate, keeping
        // descriptor 1 open for whatever runs after main (static destructors).
        const int copy = ::dup(STDOUT_FILENO);
        if (copy >= 0 && ::close(copy) != 0 && errno != EINTR) {
            failed = true;
            err = err != 0 ? err : errno;
        }
    }
    if (!failed) {
        return code;
    }
    if (err == 0) {
        // An earlier write failed (inside a large fputs, say) and its data is gone: ask
        // the descriptor for the reason.
        err = probe_write_error(STDOUT_FILENO);
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
        write_stdout(data);
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
