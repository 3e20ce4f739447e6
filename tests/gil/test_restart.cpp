// tests/gil/test_restart.cpp: daemon threads inside parallel regions while the host finalizes the
// interpreter and starts a new one, 100 times over
//
// Each round starts an interpreter and three Python daemon threads that call parallel_map in a
// loop (the host's binding, map_forever); the main thread waits until each is inside a region,
// then finalizes the interpreter under them and starts the next round at once. One daemon runs
// its regions in an arena of its own without oneTBB workers, so its first chunk waits out the
// spread meeting (1 s) and is still inside its region when one or several later interpreters
// are running: the case that woke a daemon with its dead thread state in a new interpreter (the
// host hung). A thread whose region began in a finalized interpreter must never run Python in
// a later one: map_forever checks, after every parallel_map, that the interpreter it began in
// is still the host's, and ends the process with a message otherwise.
//
// A fourth daemon counts a FIFO with word_count.search_file (the GIL released while it waits
// for data, as in every count): the host holds the FIFO's writing end through the
// finalization and writes to it, then closes it, in the next interpreter, so that count ends
// in a later interpreter every round. The daemon's Python loop checks the same way.
#include "embedded_python.hpp"
#include "gilsafe/gil.hpp"

#include <oneapi/tbb/task_arena.h>
#include <pybind11/embed.h>
#include <pybind11/stl.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace py = pybind11;

namespace {

constexpr int rounds = 100;
constexpr int daemons = 3;              // in parallel_map; the FIFO's reader besides
constexpr long multiples_of_three = 22; // in 0..63

// The host's interpreter now: changed after each Py_FinalizeEx, before the next starts.
std::atomic<int> interpreter_number{0};
// Daemons of this round that have begun a region.
std::atomic<int> daemons_inside{0};

[[noreturn]] void fail(const char* what, int began, int now) {
    std::fprintf(stderr, "FAILED: %s (a daemon of interpreter %d, the host at interpreter %d)\n",
                 what, began, now);
    std::fflush(stderr);
    std::_Exit(1);
}

long count_multiples(const std::vector<py::object>& objects, const py::function& predicate,
                     const gilsafe::gil_options& options, tbb::task_arena* arena) {
    std::vector<char> answers;
    auto run = [&] {
        answers = gilsafe::parallel_map(
            objects, [&](py::handle x) { return predicate(x).cast<bool>(); }, options);
    };
    if (arena != nullptr) {
        arena->execute(run);
    } else {
        run();
    }
    long allowed = 0;
    for (const char a : answers) {
        allowed += a != 0 ? 1 : 0;
    }
    return allowed;
}

// A daemon thread's target: parallel_map for ever (until the interpreter's shutdown parks the
// thread inside it). Called with the GIL; the objects and predicate stay alive in the caller's
// frame, which a parked thread never leaves.
void map_forever(const std::vector<py::object>& objects, const py::function& predicate,
                 bool own_arena) {
    const int began = interpreter_number.load();
    gilsafe::gil_options options;
    // Two slots, both for application threads: no oneTBB worker ever joins, so the first
    // chunk waits the whole spread timeout for a second thread.
    tbb::task_arena arena(2, 2);
    if (own_arena) {
        options.spread_timeout = std::chrono::milliseconds(1000);
    }
    bool first = true;
    for (;;) {
        if (first) {
            ++daemons_inside;
            first = false;
        }
        long allowed = -1;
        try {
            allowed = count_multiples(objects, predicate, options, own_arena ? &arena : nullptr);
        } catch (const gilsafe::interpreter_shutdown&) {
            // Only with the GIL back in the interpreter it began in.
        }
        if (interpreter_number.load() != began) {
            fail("a region begun in a finalized interpreter came back in a later one", began,
                 interpreter_number.load());
        }
        if (allowed != multiples_of_three) {
            fail("a region stopped or counted wrong in a running interpreter", began, began);
        }
    }
}

// The FIFO daemon's check after each count (with the GIL, in Python).
void still_in(int began) {
    if (interpreter_number.load() != began) {
        fail("a count begun in a finalized interpreter came back in a later one", began,
             interpreter_number.load());
    }
}

// The writing end of `path`, once a reader has it open.
int open_writer(const std::string& path) {
    for (;;) {
        const int fd = ::open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd >= 0) {
            return fd;
        }
        if (errno != ENXIO) { // ENXIO: no reader yet
            std::perror("open FIFO");
            std::_Exit(2);
        }
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
}

} // namespace

PYBIND11_EMBEDDED_MODULE(restart_host, m) {
    m.def("map_forever", &map_forever);
    m.def("interpreter_number", [] { return interpreter_number.load(); });
    m.def("still_in", &still_in);
}

int main() {
    gilsafe::reserve_python_stack();
    char dir_template[] = "/tmp/gilsafe_restart_XXXXXX";
    const char* dir = ::mkdtemp(dir_template);
    if (dir == nullptr) {
        std::perror("mkdtemp");
        return 2;
    }
    std::vector<std::string> fifos;
    int last_writer = -1; // the previous interpreter's FIFO
    for (int round = 0; round < rounds; ++round) {
        interpreter_number.store(round);
        daemons_inside.store(0);
        fifos.push_back(std::string(dir) + "/fifo" + std::to_string(round));
        if (::mkfifo(fifos.back().c_str(), 0600) != 0) {
            std::perror("mkfifo");
            return 2;
        }
        const gil_demo::embedded_python python(false);
        if (last_writer >= 0) {
            // The last interpreter's FIFO daemon gets its data and the end: its count ends
            // now, in this interpreter.
            if (::write(last_writer, "x y x\n", 6) != 6) {
                std::perror("write FIFO");
                return 2;
            }
            ::close(last_writer);
        }
        // The new interpreter works at once (and opens its generation), whatever earlier
        // interpreters' daemons are doing.
        std::vector<py::object> objects;
        for (int i = 0; i < 64; ++i) {
            objects.push_back(py::int_(i));
        }
        const py::function predicate = py::eval("lambda x: x % 3 == 0");
        if (count_multiples(objects, predicate, {}, nullptr) != multiples_of_three) {
            fail("the new interpreter counted wrong", round, round);
        }
        py::globals()["fifo"] = fifos.back();
        py::exec(R"(
import threading, restart_host
objects = list(range(64))
for own_arena in (True, False, False):
    threading.Thread(target=restart_host.map_forever, daemon=True,
                     args=(objects, lambda x: x % 3 == 0, own_arena)).start()

def read_forever(path):
    import word_count
    began = restart_host.interpreter_number()
    while True:
        word_count.search_file(path, "x")
        restart_host.still_in(began)

threading.Thread(target=read_forever, args=(fifo,), daemon=True).start()
)");
        const py::gil_scoped_release released;
        while (daemons_inside.load() < daemons) {
            std::this_thread::sleep_for(std::chrono::microseconds(200));
        }
        last_writer = open_writer(fifos.back()); // its reader waits for data, GIL released
    } // Py_FinalizeEx under the daemons, then the next round's interpreter
    std::printf("%d interpreters finalized and restarted under daemon threads in parallel_map "
                "and search_file: no region or count came back in a later interpreter\n",
                rounds);
    std::fflush(stdout);
    for (const std::string& fifo : fifos) {
        ::unlink(fifo.c_str());
    }
    ::rmdir(dir);
    // Daemons of the last interpreters still wait in their regions, or are parked for ever in
    // gilsafe: end here, as a host ends with CPython's daemon threads, without static
    // destructors (oneTBB's among them) running under them.
    std::_Exit(0);
}
