// tests/gil/test_shutdown.cpp: the interpreter shut down right after parallel calls, then oneTBB
// used again
#include "embedded_python.hpp"
#include "userids_job.hpp"

#include <oneapi/tbb/parallel_for.h>
#include <pybind11/embed.h>

#include <atomic>
#include <cstdio>

int main() {
    {
        const gil_demo::embedded_python interpreter(false);
        for (const auto strategy :
             {gilsafe::acquire_strategy::per_item, gilsafe::acquire_strategy::per_chunk}) {
            gil_demo::userids_request request;
            request.count = 20000;
            request.predicate = "u.id % 2 == 0";
            request.options.strategy = strategy;
            if (gil_demo::run_userids(request).allowed != 10000) {
                std::fprintf(stderr, "wrong count\n");
                return 1;
            }
        }
    } // Py_Finalize, right after the parallel calls: no task or thread state may remain
    std::atomic<long> sum{0};
    tbb::parallel_for(0, 100000, [&](int i) { sum += i; });
    if (sum.load() != 4999950000L) {
        std::fprintf(stderr, "oneTBB broken after finalization\n");
        return 1;
    }
    std::puts("interpreter finalized cleanly right after parallel calls");
    return 0;
}
