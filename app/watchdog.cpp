// app/watchdog.cpp: run_with_watchdog: posix_spawn, a pipe, poll and a deadline
#include "watchdog.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace gil_demo {
namespace {

class pipe_pair {
public:
    pipe_pair() {
        if (::pipe2(fds_, O_CLOEXEC) != 0) {
            throw std::runtime_error(std::string("cannot create a pipe: ") + std::strerror(errno));
        }
    }
    pipe_pair(const pipe_pair&) = delete;
    pipe_pair& operator=(const pipe_pair&) = delete;
    ~pipe_pair() {
        close_read();
        close_write();
    }
    int read_end() const { return fds_[0]; }
    int write_end() const { return fds_[1]; }
    void close_read() { close_fd(fds_[0]); }
    void close_write() { close_fd(fds_[1]); }

private:
    static void close_fd(int& fd) {
        if (fd >= 0) {
            ::close(fd);
            fd = -1;
        }
    }
    int fds_[2] = {-1, -1};
};

// True while a process of group `pgid` is alive. Zombies do not count: an orphaned
// grandchild killed with its group stays a zombie until init reaps it.
bool group_alive(pid_t pgid) {
    DIR* proc = ::opendir("/proc");
    if (proc == nullptr) {
        return ::kill(-pgid, 0) == 0;
    }
    bool alive = false;
    while (const dirent* entry = ::readdir(proc)) {
        if (entry->d_name[0] < '0' || entry->d_name[0] > '9') {
            continue;
        }
        std::ifstream stat(std::string("/proc/") + entry->d_name + "/stat");
        std::string line;
        std::getline(stat, line);
        const std::size_t close = line.rfind(')');
        if (close == std::string::npos) {
            continue;
        }
        std::istringstream rest(line.substr(close + 1));
        char state = 0;
        long ppid = 0;
        long pgrp = 0;
        rest >> state >> ppid >> pgrp;
        if (pgrp == pgid && state != 'Z' && state != 'X') {
            alive = true;
            break;
        }
    }
    ::closedir(proc);
    return alive;
}

void kill_and_reap(pid_t pid, int& status) {
    ::kill(-pid, SIGKILL);
    ::kill(pid, SIGKILL);
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
}

// Whatever else is in the group of `pgid` goes too. Returns true if some of it still runs.
bool end_group(pid_t pgid) {
    ::kill(-pgid, SIGKILL);
    // SIGKILL lands at once, but give it a moment.
    for (int i = 0; i < 200 && group_alive(pgid); ++i) {
        ::usleep(1000);
    }
    return group_alive(pgid);
}

// How long one wait may last before the stop request is looked at again.
constexpr std::chrono::milliseconds stop_poll_interval{20};

} // namespace

child_outcome run_with_watchdog(const std::vector<std::string>& argv,
                                std::chrono::milliseconds timeout, gilsafe::stop_signal stop) {
    if (argv.empty()) {
        throw std::invalid_argument("run_with_watchdog: no program");
    }
    pipe_pair out;
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out.write_end(), STDOUT_FILENO);
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);

    std::vector<char*> args;
    for (const std::string& a : argv) {
        args.push_back(const_cast<char*>(a.c_str()));
    }
    args.push_back(nullptr);
    pid_t pid = -1;
    const auto start = std::chrono::steady_clock::now();
    const int rc = ::posix_spawn(&pid, argv[0].c_str(), &actions, &attr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) {
        throw std::runtime_error("cannot start '" + argv[0] + "': " + std::strerror(rc));
    }
    out.close_write();

    child_outcome outcome;
    outcome.pid = pid;
    const auto deadline = start + timeout;
    int status = 0;
    const auto throw_if_interrupted = [&] {
        if (stop.requested()) {
            kill_and_reap(pid, status);
            end_group(pid);
            throw gilsafe::interrupted();
        }
    };
    char buffer[4096];
    bool open = true;
    while (open) {
        throw_if_interrupted();
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            outcome.timed_out = true;
            break;
        }
        pollfd p{out.read_end(), POLLIN, 0};
        const int ready =
            ::poll(&p, 1, static_cast<int>(std::min(left, stop_poll_interval).count()));
        if (ready < 0 && errno != EINTR) {
            break;
        }
        if (ready > 0) {
            const ssize_t got = ::read(out.read_end(), buffer, sizeof buffer);
            if (got > 0) {
                outcome.output.append(buffer, static_cast<std::size_t>(got));
            } else if (got == 0 || errno != EINTR) {
                open = false; // EOF: the child closed its output (exited, most likely)
            }
        }
    }
    if (!outcome.timed_out) {
        // Output closed; give the exit itself the rest of the deadline.
        while (true) {
            const pid_t done = ::waitpid(pid, &status, WNOHANG);
            if (done == pid) {
                break;
            }
            throw_if_interrupted();
            if (std::chrono::steady_clock::now() >= deadline) {
                outcome.timed_out = true;
                break;
            }
            ::usleep(1000);
        }
    }
    if (outcome.timed_out) {
        kill_and_reap(pid, status);
    }
    outcome.group_left_running = end_group(pid);
    outcome.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (WIFEXITED(status)) {
        outcome.exit_code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        outcome.signal = WTERMSIG(status);
    }
    return outcome;
}

void die_with_parent() {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() == 1) {
        ::_exit(1); // the parent is already gone
    }
}

} // namespace gil_demo
