// tests/bench/bench_gil.cpp: one GIL acquire + release on a oneTBB worker, per thread-state policy
//
// Each benchmark round runs a batch of acquire/release pairs inside a task enqueued to an
// arena whose one slot for workers only a oneTBB worker can take, and reports the batch's
// own time (manual timing): the cost on the kind of thread parallel_for's workers are.
// Order matters: the per-acquire rows run first, while the worker has no kept state (a
// thread that has one uses it under either policy).
#include "embedded_python.hpp"
#include "gil/thread_state.hpp"
#include "gilsafe/gil.hpp"

#include <benchmark/benchmark.h>
#include <oneapi/tbb/task_arena.h>
#include <pybind11/embed.h>

#include <chrono>
#include <future>

namespace py = pybind11;

namespace {

constexpr int batch = 10000;

// Seconds for `batch` calls of `op`, timed on a oneTBB worker, with the caller's GIL
// released.
template <class Op> double batch_on_a_worker(Op op) {
    static tbb::task_arena arena(2, 1); // the caller keeps one slot: the task goes to a worker
    std::promise<double> seconds;
    const py::gil_scoped_release released;
    arena.enqueue([&] {
        const auto start = std::chrono::steady_clock::now();
        for (int i = 0; i < batch; ++i) {
            op();
        }
        const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
        seconds.set_value(took.count());
    });
    return seconds.get_future().get();
}

// One iteration is one batch; the ns_per_pair counter is what one acquire+release costs.
template <class Op> void run(benchmark::State& state, Op op) {
    double total = 0;
    for (auto _ : state) {
        const double seconds = batch_on_a_worker(op);
        state.SetIterationTime(seconds);
        total += seconds;
    }
    state.counters["ns_per_pair"] = total * 1e9 / (static_cast<double>(state.iterations()) * batch);
}

// pybind11's gil_scoped_acquire on a thread with no Python thread state: create, delete.
void pybind11_gil_scoped_acquire(benchmark::State& state) {
    run(state, [] { const py::gil_scoped_acquire gil; });
}

void gilsafe_per_acquire(benchmark::State& state) {
    const auto region = gilsafe::detail::begin_region(gilsafe::thread_state_policy::per_acquire);
    run(state, [&] { const gilsafe::detail::gil_hold gil(region); });
}

void gilsafe_persistent(benchmark::State& state) {
    const auto region = gilsafe::detail::begin_region(gilsafe::thread_state_policy::persistent);
    run(state, [&] { const gilsafe::detail::gil_hold gil(region); });
}

// The floor: the two calls CPython needs on a thread state that already exists (the
// worker's kept one, made by the row above).
void plain_restore_save_pair(benchmark::State& state) {
    run(state, [] {
        // The worker's kept state; made here the first time if this worker has none.
        thread_local PyThreadState* kept = nullptr;
        if (kept == nullptr) {
            kept = PyGILState_GetThisThreadState();
            if (kept == nullptr) {
                kept = PyThreadState_New(PyInterpreterState_Main());
            }
        }
        PyEval_RestoreThread(kept);
        PyEval_SaveThread();
    });
}

BENCHMARK(pybind11_gil_scoped_acquire)->UseManualTime();
BENCHMARK(gilsafe_per_acquire)->UseManualTime();
BENCHMARK(gilsafe_persistent)->UseManualTime();
BENCHMARK(plain_restore_save_pair)->UseManualTime();

} // namespace

int main(int argc, char** argv) {
    gilsafe::reserve_python_stack();
    benchmark::Initialize(&argc, argv);
    const gil_demo::embedded_python python(false);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
