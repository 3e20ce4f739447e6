// tests/gil/test_shutdown.cpp: the interpreter shut down right after parallel calls, then oneTBB
// used again and a new interpreter started with nothing of the last one's
#include "embedded_python.hpp"
#include "userids_job.hpp"

#include <oneapi/tbb/parallel_for.h>
#include <pybind11/embed.h>

#include <atomic>
#include <cstdio>

namespace {

// The thread states of the running interpreter.
int thread_states() {
    int n = 0;
    for (PyThreadState* t = PyInterpreterState_ThreadHead(PyInterpreterState_Main()); t != nullptr;
         t = PyThreadState_Next(t)) {
        ++n;
    }
    return n;
}

// Both strategies count right; false (and a message) otherwise.
bool regions_count_right() {
    for (const auto strategy :
         {gilsafe::acquire_strategy::per_item, gilsafe::acquire_strategy::per_chunk}) {
        gil_demo::userids_request request;
        request.count = 20000;
        request.predicate = "u.id % 2 == 0";
        request.options.strategy = strategy;
        if (gil_demo::run_userids(request).allowed != 10000) {
            std::fprintf(stderr, "wrong count\n");
            return false;
        }
    }
    return true;
}

} // namespace

int main() {
    {
        const gil_demo::embedded_python interpreter(false);
        if (!regions_count_right()) {
            return 1;
        }
    } // Py_Finalize, right after the parallel calls: no task or thread state may remain
    std::atomic<long> sum{0};
    tbb::parallel_for(0, 100000, [&](int i) { sum += i; });
    if (sum.load() != 4999950000L) {
        std::fprintf(stderr, "oneTBB broken after finalization\n");
        return 1;
    }
    {
        // The next interpreter has its main thread's state only (a worker's kept state of
        // the last one would be listed here), and the regions work in it.
        const gil_demo::embedded_python interpreter(false);
        if (const int states = thread_states(); states != 1) {
            std::fprintf(stderr, "%d thread states in the next interpreter, not 1\n", states);
            return 1;
        }
        if (!regions_count_right()) {
            return 1;
        }
    }
    std::puts("interpreter finalized cleanly right after parallel calls");
    return 0;
}
