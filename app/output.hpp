// app/output.hpp: output that is never lost: standard output checked at exit, the JSON file
#pragma once

#include <string>
#include <string_view>

namespace gil_demo {

/// Called first in main: ignores SIGPIPE (a closed pipe is a write error, reported, not a
/// signal death) and, when descriptor 1 or 2 is closed, puts a read-only /dev/null there,
/// so that no file gil_demo opens later takes its place and every write to it fails.
void protect_standard_streams();

/// Called last in main, as GNU coreutils' close_stdout: flushes standard output and, if
/// any write to it failed, prints "gil_demo: write error: REASON" and returns exit_failure
/// (or `code` if that is already a failure). Otherwise returns `code`.
int close_stdout(int code);

/// fflush(stdout), remembering why it failed for close_stdout. Called wherever gil_demo
/// flushes, and before the embedded interpreter ends (Py_FinalizeEx flushes stdout too, and
/// would meet the error first, losing its reason).
void flush_stdout();

/// fwrite to stdout, remembering why it failed (a large write flushes on the way) for
/// close_stdout.
void write_stdout(std::string_view data);

/// "write error: REASON" for errno `err` (REASON left out when `err` is 0).
std::string write_error_message(int err);

/// A file written in one go at the end of a command (`bench --json PATH`), checked at the
/// start: the constructor fails if PATH cannot be written, leaving nothing behind, so a
/// bad path is reported before the work. "-" is standard output.
class output_file {
public:
    /// Throws std::runtime_error "cannot write 'PATH': REASON". `path` must not be empty.
    explicit output_file(std::string path);

    bool is_stdout() const { return path_ == "-"; }
    const std::string& path() const { return path_; }

    /// Replaces the file's contents with `data` (creating it), every write and the close
    /// checked; throws std::runtime_error "cannot write 'PATH': REASON". For standard
    /// output, writes to stdout (checked by close_stdout).
    void write(std::string_view data) const;

private:
    std::string path_;
};

} // namespace gil_demo
