// tests/gil/test_toolkit.cpp: parallel_for / parallel_map: results, policies, the caller's GIL,
// kept thread states
#include "gil/thread_state.hpp"
#include "gilsafe/detail/threads.hpp"
#include "gilsafe/gil.hpp"

#include <gtest/gtest.h>
#include <oneapi/tbb/task_arena.h>
#include <pybind11/embed.h>
#include <pybind11/stl.h>

#include <pthread.h>

#include <atomic>
#include <climits>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace py = pybind11;

namespace {

using gilsafe::acquire_strategy;
using gilsafe::thread_state_policy;

const acquire_strategy strategies[] = {acquire_strategy::per_item, acquire_strategy::per_chunk};
const thread_state_policy policies[] = {thread_state_policy::per_acquire,
                                        thread_state_policy::persistent};

std::vector<py::object> python_ints(std::int64_t n) {
    std::vector<py::object> out;
    for (std::int64_t i = 0; i < n; ++i) {
        out.push_back(py::int_(i));
    }
    return out;
}

std::string label(acquire_strategy s, thread_state_policy p) {
    return std::string(gilsafe::strategy_name(s)) + "/" + gilsafe::thread_state_name(p);
}

// Every combination of strategy and policy, small grains so that chunks are many.
template <class F> void for_every_option(F&& f) {
    for (const acquire_strategy s : strategies) {
        for (const thread_state_policy p : policies) {
            gilsafe::gil_options options;
            options.strategy = s;
            options.thread_state = p;
            options.grain = 7;
            f(options, label(s, p));
        }
    }
}

TEST(ParallelMap, Int64ResultsComeBackInTheObjectsOrder) {
    const std::vector<py::object> objects = python_ints(5000);
    const py::object square = py::eval("lambda x: x * x - 3");
    for_every_option([&](const gilsafe::gil_options& options, const std::string& what) {
        gilsafe::gil_stats stats;
        const std::vector<std::int64_t> out = gilsafe::parallel_map(
            objects, [&](py::handle h) { return square(h).cast<std::int64_t>(); }, options, &stats);
        ASSERT_EQ(out.size(), objects.size()) << what;
        for (std::size_t i = 0; i < out.size(); ++i) {
            const auto x = static_cast<std::int64_t>(i);
            ASSERT_EQ(out[i], x * x - 3) << what << " at " << i;
        }
        EXPECT_GE(stats.threads_used, 1U) << what;
        EXPECT_GE(stats.acquisitions, 1U) << what;
    });
}

TEST(ParallelMap, PairResultsKeepBothHalves) {
    const std::vector<py::object> objects = python_ints(1000);
    const py::object text = py::eval("lambda x: 'n' + str(x)");
    for_every_option([&](const gilsafe::gil_options& options, const std::string& what) {
        const std::vector<std::pair<std::int64_t, std::string>> out = gilsafe::parallel_map(
            objects,
            [&](py::handle h) {
                return std::make_pair(h.cast<std::int64_t>(), text(h).cast<std::string>());
            },
            options);
        for (std::size_t i = 0; i < out.size(); ++i) {
            ASSERT_EQ(out[i].first, static_cast<std::int64_t>(i)) << what;
            ASSERT_EQ(out[i].second, "n" + std::to_string(i)) << what;
        }
    });
}

TEST(ParallelMap, BoolResultsAreOneBytePerElement) {
    const std::vector<py::object> objects = python_ints(999);
    const auto out = gilsafe::parallel_map(
        objects, [](py::handle h) { return h.cast<std::int64_t>() % 3 == 0; });
    static_assert(std::is_same_v<std::decay_t<decltype(out)>, std::vector<char>>,
                  "a bool result is a vector of char, never std::vector<bool>");
    for (std::size_t i = 0; i < out.size(); ++i) {
        ASSERT_EQ(out[i] != 0, i % 3 == 0) << i;
    }
}

TEST(ParallelMap, WorksWithTheGilHeldAndWithItReleased) {
    const std::vector<py::object> objects = python_ints(300);
    ASSERT_TRUE(gilsafe::gil_held_by_this_thread());
    const auto held =
        gilsafe::parallel_map(objects, [](py::handle h) { return h.cast<std::int64_t>() + 1; });
    EXPECT_TRUE(gilsafe::gil_held_by_this_thread()); // taken back before returning
    std::vector<std::int64_t> released;
    {
        const py::gil_scoped_release no_gil;
        released =
            gilsafe::parallel_map(objects, [](py::handle h) { return h.cast<std::int64_t>() + 1; });
        EXPECT_FALSE(gilsafe::gil_held_by_this_thread()); // left as it was
    }
    EXPECT_EQ(held, released);
    EXPECT_EQ(held.back(), 300);
}

TEST(ParallelFor, EveryIndexOnceWithTheGilHeldByItsThread) {
    for_every_option([&](const gilsafe::gil_options& options, const std::string& what) {
        std::vector<int> seen(4096, 0);
        std::atomic<int> without_gil{0};
        gilsafe::parallel_for(
            seen.size(),
            [&](std::size_t i) {
                if (PyGILState_Check() == 0) {
                    ++without_gil;
                }
                ++seen[i];
            },
            options);
        EXPECT_EQ(without_gil.load(), 0) << what;
        for (std::size_t i = 0; i < seen.size(); ++i) {
            ASSERT_EQ(seen[i], 1) << what << " at " << i;
        }
    });
}

TEST(ParallelFor, AStopRequestEndsTheWorkWithInterrupted) {
    for_every_option([&](gilsafe::gil_options options, const std::string& what) {
        std::atomic<std::uint64_t> counter{0};
        options.stop = gilsafe::stop_signal{&counter, 0};
        std::atomic<std::size_t> calls{0};
        EXPECT_THROW(gilsafe::parallel_for(
                         100000,
                         [&](std::size_t) {
                             if (++calls == 50) {
                                 counter.store(1); // Ctrl-C, as the SIGINT handler counts it
                             }
                         },
                         options),
                     gilsafe::interrupted)
            << what;
        EXPECT_LT(calls.load(), 100000U) << what;
        EXPECT_TRUE(gilsafe::gil_held_by_this_thread()) << what;
    });
}

TEST(ParallelFor, AStopRequestWhileTheLastElementsRunIsNeverLost) {
    // Ctrl-C in a predicate that then runs to its end: no element is left to poll it,
    // and the region must still end with interrupted, not a normal return.
    for_every_option([&](gilsafe::gil_options options, const std::string& what) {
        for (const std::size_t n : {std::size_t{1}, std::size_t{8}, std::size_t{1000}}) {
            std::atomic<std::uint64_t> counter{0};
            options.stop = gilsafe::stop_signal{&counter, 0};
            std::atomic<std::size_t> calls{0};
            EXPECT_THROW(gilsafe::parallel_for(
                             n,
                             [&](std::size_t) {
                                 if (++calls == n) {
                                     counter.store(1); // the last element to start
                                 }
                             },
                             options),
                         gilsafe::interrupted)
                << what << ", n = " << n;
            EXPECT_EQ(calls.load(), n) << what;
            EXPECT_TRUE(gilsafe::gil_held_by_this_thread()) << what;
        }
    });
}

TEST(ParallelFor, AnExceptionReachesTheCallerWithTheGilTakenBack) {
    for_every_option([&](const gilsafe::gil_options& options, const std::string& what) {
        try {
            gilsafe::parallel_for(
                1000,
                [](std::size_t i) {
                    if (i == 617) {
                        py::eval("1 // 0");
                    }
                },
                options);
            FAIL() << what << ": no exception";
        } catch (py::error_already_set& e) {
            EXPECT_TRUE(e.matches(PyExc_ZeroDivisionError)) << what;
        }
        EXPECT_TRUE(gilsafe::gil_held_by_this_thread()) << what;
    });
}

// Python's per-thread state on a oneTBB worker: a threading.local value set in one call
// is still there in the next call on the same worker when its state is kept, and never
// when a state is created and deleted on every acquire. (A worker that already keeps a
// state uses it under either policy, as pybind11 uses a thread's existing state: the
// per-acquire half needs workers that never kept one, which ctest gives it, running each
// test in a process of its own.)
TEST(ThreadStates, ThreadingLocalSurvivesBetweenCallsOnlyWhenKept) {
    if (gilsafe::detail::usable_threads() < 2) {
        GTEST_SKIP() << "needs a oneTBB worker (2 or more cores)";
    }
    py::dict ns;
    py::exec("import threading\n"
             "local = threading.local()\n"
             "def visit(call):\n"
             "    had = getattr(local, 'call', None)\n"
             "    local.call = call\n"
             "    return threading.get_ident(), had\n",
             ns);
    const py::object visit = ns["visit"];
    const auto main_thread = py::module_::import("threading").attr("get_ident")().cast<long>();
    const bool fresh_workers = gilsafe::detail::kept_states_created() == 0;
    for (const thread_state_policy policy : policies) {
        if (policy == thread_state_policy::per_acquire && !fresh_workers) {
            continue; // run alone (ctest does) for this half
        }
        gilsafe::gil_options options;
        options.thread_state = policy;
        options.grain = 1; // every element its own chunk, spread over the threads
        std::set<long> first_call_workers;
        std::size_t worker_visits = 0;
        std::size_t worker_visits_that_remembered = 0;
        for (int call = 0; call < 2; ++call) {
            const auto out = gilsafe::parallel_map(
                python_ints(64),
                [&](py::handle) {
                    const auto [ident, had] =
                        visit(call).cast<std::pair<long, std::optional<int>>>();
                    return std::make_pair(ident, had.has_value() && *had == 0 ? 1 : 0);
                },
                options);
            for (const auto& [ident, remembered] : out) {
                if (ident == main_thread) {
                    continue; // the caller's own state lives on in both policies
                }
                if (call == 0) {
                    first_call_workers.insert(ident);
                } else if (first_call_workers.count(ident) != 0) {
                    ++worker_visits;
                    worker_visits_that_remembered += static_cast<std::size_t>(remembered);
                }
            }
        }
        ASSERT_GT(worker_visits, 0U) << "no worker ran in both calls";
        if (policy == thread_state_policy::persistent) {
            // The first visit of each worker in the second call saw the first call's
            // value (later visits see the second call's own).
            EXPECT_GE(worker_visits_that_remembered, 1U);
        } else {
            EXPECT_EQ(worker_visits_that_remembered, 0U);
        }
    }
}

TEST(ThreadStates, KeptStatesAreCreatedOncePerWorkerNotPerAcquire) {
    gilsafe::gil_options options;
    options.strategy = acquire_strategy::per_item;
    options.thread_state = thread_state_policy::persistent;
    const std::vector<py::object> objects = python_ints(2000);
    const std::uint64_t before = gilsafe::detail::kept_states_created();
    std::size_t acquisitions = 0;
    for (int call = 0; call < 10; ++call) {
        gilsafe::gil_stats stats;
        gilsafe::parallel_map(
            objects, [](py::handle h) { return h.cast<std::int64_t>(); }, options, &stats);
        acquisitions += stats.acquisitions;
    }
    const std::uint64_t created = gilsafe::detail::kept_states_created() - before;
    EXPECT_EQ(acquisitions, 10U * objects.size());
    // At most one per oneTBB worker (the caller uses its own state).
    EXPECT_LE(created, gilsafe::detail::usable_threads());
}

TEST(ThreadStates, PerAcquireStatesAreNotKept) {
    gilsafe::gil_options options;
    options.strategy = acquire_strategy::per_item;
    options.thread_state = thread_state_policy::per_acquire;
    const std::uint64_t before = gilsafe::detail::kept_states_created();
    gilsafe::parallel_map(
        python_ints(2000), [](py::handle h) { return h.cast<std::int64_t>(); }, options);
    EXPECT_EQ(gilsafe::detail::kept_states_created(), before);
}

// Deep recursion through C frames (map and all call back into Python), as the issue's
// predicate does: on a worker with oneTBB's default 4 MiB stack it overflowed.
TEST(Stack, RecursionThatWorksOnAPythonThreadWorksOnAWorker) {
    py::dict ns;
    py::exec("import sys, threading\n"
             "sys.setrecursionlimit(100000)\n"
             "def deep(n):\n"
             "    step = lambda f, k: k == 0 or all(map(lambda m: f(f, m), [k - 1]))\n"
             "    return step(step, n)\n"
             "on_thread = []\n"
             "t = threading.Thread(target=lambda: on_thread.append(deep(8000)))\n"
             "t.start(); t.join()\n",
             ns);
    ASSERT_EQ(py::len(ns["on_thread"]), 1U);
    const py::object deep = ns["deep"];
    gilsafe::gil_options options;
    options.grain = 1;
    gilsafe::gil_stats stats;
    std::atomic<std::size_t> smallest_stack{SIZE_MAX};
    const pthread_t caller = pthread_self();
    const auto out = gilsafe::parallel_map(
        python_ints(8),
        [&](py::handle) {
            if (pthread_equal(pthread_self(), caller) != 0) {
                return deep(8000).cast<bool>(); // the main thread's stack is not ours to set
            }
            pthread_attr_t attributes;
            std::size_t size = 0;
            if (pthread_getattr_np(pthread_self(), &attributes) == 0) {
                pthread_attr_getstacksize(&attributes, &size);
                pthread_attr_destroy(&attributes);
            }
            std::size_t seen = smallest_stack.load();
            while (size < seen && !smallest_stack.compare_exchange_weak(seen, size)) {
            }
            return deep(8000).cast<bool>();
        },
        options, &stats);
    // A Python thread's stack is RLIMIT_STACK's soft limit (8 MiB here); the workers get
    // as much (a few KiB go to the guard page and TLS).
    if (gilsafe::detail::usable_threads() >= 2) {
        EXPECT_GE(smallest_stack.load(), (std::size_t{8} << 20) - (std::size_t{64} << 10));
    }
    for (const char c : out) {
        EXPECT_EQ(c, 1);
    }
    if (gilsafe::detail::usable_threads() >= 2) {
        EXPECT_GE(stats.threads_used, 2U) << "no worker ran the recursion";
    }
    EXPECT_GE(gilsafe::reserve_python_stack(), std::size_t{8} << 20);
    py::exec("sys.setrecursionlimit(1000)\n", ns);
}

} // namespace
