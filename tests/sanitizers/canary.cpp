// tests/sanitizers/canary.cpp: a deliberate bug inside a oneTBB task body, for each sanitizer
//
// `canary race|leak|use-after-free` commits that bug in the body of a tbb::parallel_for.
// The sanitizer of the build must report it (tests/sanitizers/expect_report.cmake checks
// the report and the exit code): a suppression that matches libtbb's frames would hide
// every finding inside every task of the engine too, and then the canary test fails.
#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

#include <cstdio>
#include <cstring>

namespace {

constexpr int tasks = 64;

// Shared by the tasks, unsynchronized: the race.
int shared_total = 0;
// Where a task puts what it allocates, so that the optimizer keeps the allocation.
int* volatile last_allocation = nullptr;

int race() {
    tbb::task_arena arena(4);
    arena.execute([] {
        tbb::parallel_for(
            tbb::blocked_range<int>(0, tasks, 1),
            [](const tbb::blocked_range<int>&) { shared_total = shared_total + 1; },
            tbb::simple_partitioner());
    });
    std::printf("%d of %d updates\n", shared_total, tasks);
    return 0;
}

int leak() {
    tbb::parallel_for(
        tbb::blocked_range<int>(0, tasks, 1),
        [](const tbb::blocked_range<int>&) { last_allocation = new int[16](); },
        tbb::simple_partitioner());
    last_allocation = nullptr; // the last pointer to any of them is gone
    return 0;
}

int use_after_free() {
    int total = 0;
    tbb::parallel_for(
        tbb::blocked_range<int>(0, 1, 1),
        [&total](const tbb::blocked_range<int>&) {
            last_allocation = new int[16]();
            delete[] last_allocation;
            total += last_allocation[3];
        },
        tbb::simple_partitioner());
    return total;
}

} // namespace

int main(int argc, char** argv) {
    if (argc == 2 && std::strcmp(argv[1], "race") == 0) {
        return race();
    }
    if (argc == 2 && std::strcmp(argv[1], "leak") == 0) {
        return leak();
    }
    if (argc == 2 && std::strcmp(argv[1], "use-after-free") == 0) {
        return use_after_free();
    }
    std::fprintf(stderr, "usage: canary race|leak|use-after-free\n");
    return 2;
}
