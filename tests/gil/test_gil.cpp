// tests/gil/test_gil.cpp: deadlock regressions for the GIL helpers and the UserID pattern (one
// interpreter)
#include "corpus.hpp"
#include "userids_job.hpp"

#include "gilsafe/detail/threads.hpp"
#include "gilsafe/gil.hpp"
#include "gilsafe/text.hpp"
#include "gilsafe/userid.hpp"

#include <gtest/gtest.h>
#include <oneapi/tbb/task_arena.h>
#include <pybind11/embed.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace py = pybind11;

namespace {

using gilsafe::acquire_strategy;

const acquire_strategy strategies[] = {acquire_strategy::per_item, acquire_strategy::per_chunk};

std::vector<py::object> make_users(std::int64_t n) {
    py::module_::import("gilsafe"); // registers the UserID class
    std::vector<py::object> users;
    for (std::int64_t i = 0; i < n; ++i) {
        users.push_back(py::cast(gilsafe::UserID{i}));
    }
    return users;
}

// A Python function compiled from a one-line lambda in a fresh namespace.
py::object python_function(const std::string& lambda_source, py::dict ns = py::dict()) {
    ns["__builtins__"] = py::module_::import("builtins");
    return py::eval(lambda_source, ns);
}

TEST(UserIds, TheGuidesExampleIsFourOfTenOnTwoThreadsEveryTime) {
    if (gilsafe::detail::usable_threads() < 2) {
        GTEST_SKIP() << "needs 2 or more cores";
    }
    for (const acquire_strategy strategy : strategies) {
        for (int run = 0; run < 300; ++run) {
            gil_demo::userids_request request;
            request.options.strategy = strategy;
            const gil_demo::userids_report report = gil_demo::run_userids(request);
            ASSERT_EQ(report.total, 10U);
            ASSERT_EQ(report.allowed, 4U);
            ASSERT_EQ(report.allowed_ids, (std::vector<std::int64_t>{6, 7, 8, 9}));
            ASSERT_GE(report.threads_used, 2U)
                << "run " << run << ", " << gilsafe::strategy_name(strategy);
        }
    }
}

TEST(UserIds, PythonPredicateIsEvaluatedByTheWorkers) {
    gil_demo::userids_request request;
    request.count = 1000;
    request.predicate = "u.id % 7 == 3";
    const gil_demo::userids_report report = gil_demo::run_userids(request);
    std::size_t expected = 0;
    for (int i = 0; i < 1000; ++i) {
        expected += i % 7 == 3 ? 1U : 0U;
    }
    EXPECT_EQ(report.allowed, expected);
    EXPECT_EQ(report.allowed_ids.front(), 3);
}

TEST(UserIds, PredicateSyntaxErrorIsRefusedBeforeAnyWork) {
    gil_demo::userids_request request;
    request.predicate = "u.id >";
    EXPECT_THROW(gil_demo::run_userids(request), gil_demo::predicate_syntax_error);
    request.predicate = "1) or (1";
    EXPECT_THROW(gil_demo::run_userids(request), gil_demo::predicate_syntax_error);
}

TEST(UserIds, PredicateReturningANonBoolIsATypeError) {
    gil_demo::userids_request request;
    request.predicate = "u.id";
    EXPECT_THROW(gil_demo::run_userids(request), py::type_error);
}

TEST(UserIds, AbsurdCountIsRefusedBeforeAllocating) {
    gil_demo::userids_request request;
    request.count = -1;
    EXPECT_THROW(gil_demo::run_userids(request), std::invalid_argument);
    request.count = gil_demo::max_userids + 1;
    EXPECT_THROW(gil_demo::run_userids(request), std::invalid_argument);
}

TEST(UserIds, UserIdIsAPythonClassWithIdAndRepr) {
    const py::object cls = py::module_::import("gilsafe").attr("UserID");
    const py::object u = cls(7);
    EXPECT_EQ(u.attr("id").cast<std::int64_t>(), 7);
    EXPECT_EQ(py::repr(u).cast<std::string>(), "UserID(7)");
}

TEST(Guard, EnteringTheParallelRegionWithTheGilHeldThrowsAtOnce) {
    ASSERT_TRUE(gilsafe::gil_held_by_this_thread());
    std::vector<char> out;
    try {
        gilsafe::evaluate_with_gil(
            10, [](std::size_t) { return true; }, out);
        FAIL() << "no exception";
    } catch (const gilsafe::gil_held_error& e) {
        EXPECT_NE(std::string(e.what()).find("GIL held"), std::string::npos);
    }
}

// The test builds turn every refcount change made without the GIL into an exception: a
// py::object copied by a oneTBB body (the trap) would fail loudly, not race silently.
TEST(Guard, CopyingAPythonObjectWithoutTheGilThrowsInTestBuilds) {
#ifdef PYBIND11_ASSERT_GIL_HELD_INCREF_DECREF
    const py::object value = py::int_(12345);
    const py::gil_scoped_release released;
    EXPECT_THROW({ const py::object copy = value; }, std::runtime_error);
#else
    GTEST_SKIP() << "built without PYBIND11_ASSERT_GIL_HELD_INCREF_DECREF";
#endif
}

TEST(Guard, ReleasedGilIsSeenAsReleased) {
    const py::gil_scoped_release released;
    EXPECT_FALSE(gilsafe::gil_held_by_this_thread());
}

TEST(Errors, PythonExceptionReachesTheCallerWithItsTypeAndMessage) {
    const std::vector<py::object> users = make_users(20000);
    py::dict ns;
    ns["calls"] = py::list();
    const py::object predicate =
        python_function("lambda u: calls.append(1) is None and (u.id < 17 or (_ for _ in ()).throw("
                        "ValueError('boom at %d' % u.id)))",
                        ns);
    for (const acquire_strategy strategy : strategies) {
        ns["calls"] = py::list();
        gilsafe::gil_options options;
        options.strategy = strategy;
        options.grain = 64;
        try {
            gilsafe::parallel_map(
                users, [&](py::handle u) { return predicate(u).cast<bool>(); }, options);
            FAIL() << "no exception";
        } catch (py::error_already_set& e) {
            EXPECT_TRUE(e.matches(PyExc_ValueError));
            EXPECT_EQ(py::str(e.value()).cast<std::string>().rfind("boom at ", 0), 0U);
        }
        // The error cancelled the rest: far fewer calls than objects.
        EXPECT_LT(py::len(ns["calls"]), users.size() / 2) << gilsafe::strategy_name(strategy);
        // Nothing leaked: each object is referenced by the vector alone again.
        for (const py::object& u : users) {
            ASSERT_EQ(Py_REFCNT(u.ptr()), 1);
        }
    }
}

TEST(Errors, CppExceptionReachesTheCallerUnchanged) {
    const std::vector<py::object> users = make_users(1000);
    for (const acquire_strategy strategy : strategies) {
        gilsafe::gil_options options;
        options.strategy = strategy;
        EXPECT_THROW(
            {
                try {
                    gilsafe::parallel_map(
                        users,
                        [](py::handle u) -> bool {
                            if (u.cast<const gilsafe::UserID&>().id == 500) {
                                throw std::out_of_range("id 500 is out of range");
                            }
                            return true;
                        },
                        options);
                } catch (const std::out_of_range& e) {
                    EXPECT_STREQ(e.what(), "id 500 is out of range");
                    throw;
                }
            },
            std::out_of_range);
    }
}

// A predicate that runs a parallel algorithm itself: word_count.search releases the GIL
// and runs a oneTBB reduction. A thread waiting in that reduction must not pick up
// another outer chunk: the predicate would re-enter itself on the same thread, and any
// lock the predicate holds (here a threading.Lock) would then deadlock it. Isolation
// rules it out; the test records every re-entry instead of waiting for the hang.
TEST(Nesting, PredicateCallingTheParallelWordCountNeverReentersItsThread) {
    const std::vector<py::object> users = make_users(256);
    py::dict ns;
    ns["word_count"] = py::module_::import("word_count");
    ns["threading"] = py::module_::import("threading");
    ns["text"] = py::str(gil_demo::zen_corpus(4000));
    py::exec("local = threading.local()\n"
             "reentries = []\n"
             "def predicate(u):\n"
             "    if getattr(local, 'inside', False):\n"
             "        reentries.append(u.id)\n"
             "    local.inside = True\n"
             "    try:\n"
             "        return word_count.search(text, 'is') == 40000 and u.id % 2 == 0\n"
             "    finally:\n"
             "        local.inside = False\n",
             ns);
    const py::object predicate = ns["predicate"];
    for (const int threads : {2, 4, 8}) {
        tbb::task_arena arena(threads);
        for (const acquire_strategy strategy : strategies) {
            gilsafe::gil_options options;
            options.strategy = strategy;
            options.grain = 1;
            const std::vector<char> out = [&] {
                const py::gil_scoped_release released;
                return arena.execute([&] {
                    const py::gil_scoped_acquire gil;
                    return gilsafe::parallel_map(
                        users, [&](py::handle u) { return predicate(u).cast<bool>(); }, options);
                });
            }();
            std::size_t allowed = 0;
            for (const char c : out) {
                allowed += c != 0 ? 1U : 0U;
            }
            EXPECT_EQ(allowed, 128U);
            EXPECT_EQ(py::len(ns["reentries"]), 0U)
                << threads << " threads, " << gilsafe::strategy_name(strategy);
        }
    }
}

// The same property for the helper itself: a predicate that runs a nested
// evaluate_with_gil (GIL released around it) never sees its thread pick up outer chunks.
TEST(Nesting, NestedEvaluationNeverRunsOuterChunksOnTheWaitingThread) {
    thread_local int depth = 0;
    std::atomic<int> reentries{0};
    gilsafe::gil_options options;
    options.grain = 1;
    options.spread = false;
    tbb::task_arena arena(8);
    std::vector<char> out;
    const py::gil_scoped_release released;
    arena.execute([&] {
        gilsafe::evaluate_with_gil(
            64,
            [&](std::size_t) {
                if (depth++ != 0) {
                    ++reentries;
                }
                std::vector<char> inner;
                {
                    const py::gil_scoped_release inner_released;
                    gilsafe::evaluate_with_gil(
                        64,
                        [](std::size_t) {
                            const py::gil_scoped_release sleeping; // let other chunks run
                            std::this_thread::sleep_for(std::chrono::microseconds(20));
                            return true;
                        },
                        inner, options);
                }
                --depth;
                return inner.size() == 64;
            },
            out, options);
    });
    EXPECT_EQ(reentries.load(), 0);
    EXPECT_EQ(std::count(out.begin(), out.end(), 1), 64);
}

TEST(Nesting, PythonThreadsCountWordsWhileWorkersEvaluatePredicates) {
    py::dict ns;
    ns["word_count"] = py::module_::import("word_count");
    ns["text"] = py::str(gil_demo::zen_corpus(300));
    py::exec("import threading\n"
             "results = []\n"
             "def count_many():\n"
             "    for _ in range(20):\n"
             "        results.append(word_count.search(text, 'is'))\n"
             "        results.append(word_count.search_sequential_allow_threads(text, 'is'))\n"
             "threads = [threading.Thread(target=count_many) for _ in range(4)]\n"
             "for t in threads: t.start()\n",
             ns);
    const std::vector<py::object> users = make_users(50000);
    const py::object predicate = python_function("lambda u: u.id % 3 == 0");
    for (const acquire_strategy strategy : strategies) {
        gilsafe::gil_options options;
        options.strategy = strategy;
        const std::vector<char> out = gilsafe::parallel_map(
            users, [&](py::handle u) { return predicate(u).cast<bool>(); }, options);
        for (std::size_t i = 0; i < out.size(); ++i) {
            ASSERT_EQ(out[i] != 0, i % 3 == 0) << i;
        }
    }
    py::exec("for t in threads: t.join()\n", ns);
    const auto results = ns["results"].cast<std::vector<std::size_t>>();
    EXPECT_EQ(results.size(), 160U);
    for (const std::size_t r : results) {
        EXPECT_EQ(r, 3000U);
    }
}

// Stress: 8 Python threads calling the parallel and the sequential word count over and
// over while oneTBB's workers evaluate Python predicates that call it too. A fixed number
// of iterations; the ctest TIMEOUT turns a hang into a failure.
TEST(Stress, EightPythonThreadsAndWorkersShareThePoolAndTheGil) {
    py::dict ns;
    ns["word_count"] = py::module_::import("word_count");
    ns["text"] = py::str(gil_demo::zen_corpus(400));
    py::exec("import threading\n"
             "results = []\n"
             "def hammer():\n"
             "    for i in range(25):\n"
             "        fn = word_count.search if i % 2 else word_count.search_sequential\n"
             "        results.append(fn(text, 'is'))\n"
             "threads = [threading.Thread(target=hammer) for _ in range(8)]\n"
             "for t in threads: t.start()\n",
             ns);
    const std::vector<py::object> users = make_users(3000);
    const py::object predicate = python_function(
        "lambda u: word_count.search(text, 'is') == 4000 if u.id % 100 == 0 else u.id % 2 == 0",
        ns);
    for (int round = 0; round < 6; ++round) {
        gilsafe::gil_options options;
        options.strategy =
            round % 2 == 0 ? acquire_strategy::per_chunk : acquire_strategy::per_item;
        const std::vector<char> out = gilsafe::parallel_map(
            users, [&](py::handle u) { return predicate(u).cast<bool>(); }, options);
        for (std::size_t i = 0; i < out.size(); ++i) {
            ASSERT_EQ(out[i] != 0, i % 100 == 0 || i % 2 == 0) << i;
        }
    }
    py::exec("for t in threads: t.join()\n", ns);
    const auto results = ns["results"].cast<std::vector<std::size_t>>();
    ASSERT_EQ(results.size(), 200U);
    for (const std::size_t r : results) {
        ASSERT_EQ(r, 4000U);
    }
}

TEST(Scale, AMillionObjectsUnderEachStrategy) {
    for (const acquire_strategy strategy : strategies) {
        gil_demo::userids_request request;
        request.count = 1000000;
        request.threshold = 999;
        request.options.strategy = strategy;
        const gil_demo::userids_report report = gil_demo::run_userids(request);
        EXPECT_EQ(report.total, 1000000U);
        EXPECT_EQ(report.allowed, 1000000U - 1000U);
        EXPECT_EQ(report.allowed_ids.front(), 1000);
        EXPECT_EQ(report.allowed_ids.back(), 999999);
    }
}

TEST(Scale, EmptyInputEvaluatesNothing) {
    const std::vector<py::object> none;
    gilsafe::gil_stats stats;
    const auto out = gilsafe::parallel_map(
        none, [](py::handle) { return true; }, {}, &stats);
    EXPECT_TRUE(out.empty());
    EXPECT_EQ(stats.threads_used, 0U);
}

} // namespace
