// tests/gil/test_finalize.cpp: interpreters finalized while a non-Python thread runs parallel
// regions over Python objects
//
// Each round starts an interpreter; a std::thread runs gilsafe::parallel_for with a Python
// predicate in a loop (the policies alternate by round; every third round the callback
// runs a nested region, as a predicate calling word_count.search does), and the main
// thread finalizes the interpreter under it. The thread must stop with
// gilsafe::interpreter_shutdown, the process must not abort or crash (CPython 3.11 ends any thread
// that takes the GIL during finalization; on a oneTBB worker that is std::terminate), and the next
// interpreter must work, kept thread states included.
#include "embedded_python.hpp"
#include "gilsafe/gil.hpp"

#include <pybind11/embed.h>

#include <atomic>
#include <cstdio>
#include <exception>
#include <thread>
#include <vector>

namespace py = pybind11;

int main() {
    gilsafe::reserve_python_stack();
    constexpr int rounds = 100;
    int stopped_by_shutdown = 0;
    for (int round = 0; round < rounds; ++round) {
        std::atomic<long> regions{0};
        std::atomic<bool> saw_shutdown{false};
        std::exception_ptr unexpected;
        std::thread runner;
        std::vector<py::handle>* objects_of_round = nullptr;
        {
            const gil_demo::embedded_python python(false);
            // Owned by the interpreter's heap; the runner only ever borrows them, and
            // never uses them once it has seen the shutdown.
            auto* objects = new std::vector<py::handle>();
            objects_of_round = objects;
            for (int i = 0; i < 3000; ++i) {
                objects->push_back(py::int_(i).release());
            }
            const py::handle predicate = py::eval("lambda x: x % 3 == 0").release();
            // Their references go in an atexit callback registered before gilsafe's hook,
            // so it runs after the hook has stopped the runner's workers (atexit is LIFO).
            py::module_::import("atexit").attr("register")(py::cpp_function([objects, predicate] {
                for (const py::handle h : *objects) {
                    h.dec_ref();
                }
                predicate.dec_ref();
            }));
            gilsafe::gil_options options;
            options.thread_state = round % 2 == 0 ? gilsafe::thread_state_policy::persistent
                                                  : gilsafe::thread_state_policy::per_acquire;
            options.grain = 16;
            if (round % 3 == 2) {
                options.grain = 1; // many outer chunks, each running its own inner region
                options.spread = false;
            }
            const bool nested = round % 3 == 2;
            runner = std::thread([&, objects, predicate, options, nested] {
                try {
                    for (;;) {
                        std::atomic<std::size_t> allowed{0};
                        gilsafe::parallel_for(
                            nested ? 30 : objects->size(),
                            [&](std::size_t i) {
                                if (!nested) {
                                    allowed += predicate((*objects)[i]).cast<bool>() ? 1U : 0U;
                                    return;
                                }
                                // With the GIL held: the inner region releases it.
                                gilsafe::parallel_for(
                                    100,
                                    [&](std::size_t j) {
                                        allowed += predicate((*objects)[i * 100 + j]).cast<bool>()
                                                       ? 1U
                                                       : 0U;
                                    },
                                    options);
                            },
                            options);
                        if (allowed.load() != 1000) {
                            throw std::runtime_error("wrong count");
                        }
                        ++regions;
                    }
                } catch (const gilsafe::interpreter_shutdown&) {
                    saw_shutdown = true;
                } catch (...) {
                    unexpected = std::current_exception();
                }
            });
            const py::gil_scoped_release released; // let the runner's workers take the GIL
            while (regions.load() < 1 + round % 3 && !unexpected && !saw_shutdown) {
                std::this_thread::yield();
            }
        } // Py_Finalize with the runner still going
        runner.join();
        delete objects_of_round;
        if (unexpected) {
            try {
                std::rethrow_exception(unexpected);
            } catch (const std::exception& e) {
                std::fprintf(stderr, "round %d: %s\n", round, e.what());
            }
            return 1;
        }
        stopped_by_shutdown += saw_shutdown ? 1 : 0;
    }
    if (stopped_by_shutdown != rounds) {
        std::fprintf(stderr, "only %d of %d rounds stopped by the shutdown\n", stopped_by_shutdown,
                     rounds);
        return 1;
    }
    std::printf("%d interpreters finalized under running regions: every region stopped cleanly\n",
                rounds);
    return 0;
}
