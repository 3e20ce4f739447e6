// app/userids.cpp: `gil_demo userids`: the guide's UserID example with real threads
#include "commands.hpp"
#include "options.hpp"
#include "output.hpp"
#include "progress.hpp"

#include "userids_job.hpp"

#include "gilsafe/gil.hpp"

#include <cstdio>
#include <limits>
#include <memory>

namespace gil_demo {
namespace {

struct userids_options {
    std::int64_t count = 10;
    std::int64_t threshold = 5;
    std::string predicate;
    std::string strategy = "per-chunk";
    std::string thread_state = "persistent";
    int threads = 0;
    bool json = false;
    bool has_predicate = false;
};

int run_userids(const userids_options& o) {
    userids_request request;
    request.count = o.count;
    request.threshold = o.threshold;
    if (o.has_predicate) {
        request.predicate = o.predicate;
    }
    request.options.strategy = o.strategy == "per-item" ? gilsafe::acquire_strategy::per_item
                                                        : gilsafe::acquire_strategy::per_chunk;
    request.options.thread_state = o.thread_state == "per-acquire"
                                       ? gilsafe::thread_state_policy::per_acquire
                                       : gilsafe::thread_state_policy::persistent;
    const auto cap = cap_threads(o.threads);
    return with_interpreter([&] {
        userids_report report;
        try {
            const progress shown("evaluating " + std::to_string(request.count) + " predicates");
            report = gil_demo::run_userids(request);
        } catch (const predicate_syntax_error& e) {
            throw usage_error(e.what());
        } catch (const pybind11::error_already_set& e) {
            if (e.matches(PyExc_KeyboardInterrupt)) {
                throw; // Ctrl-C, not the predicate's fault: with_interpreter exits with 130
            }
            throw std::runtime_error("predicate raised " + gilsafe::python_error_message(e));
        }
        const std::string out = o.json ? to_json(report) + "\n" : to_text(report);
        write_stdout(out);
        return exit_success;
    });
}

} // namespace

void add_userids(CLI::App& app, command_table& commands) {
    auto o = std::make_shared<userids_options>();
    CLI::App* sub = app.add_subcommand(
        "userids", "Evaluate a predicate over UserID objects on oneTBB's threads, each taking "
                   "the GIL back, after the caller released it (the guide's no-deadlock pattern).");
    add_integer_option(sub, "--count", o->count, std::int64_t{0}, max_userids,
                       "number of UserID objects (ids 0..N-1)")
        ->capture_default_str();
    add_integer_option(sub, "--threshold", o->threshold, std::numeric_limits<std::int64_t>::min(),
                       std::numeric_limits<std::int64_t>::max(),
                       "the guide's predicate is id > THRESHOLD")
        ->capture_default_str();
    auto* predicate = sub->add_option(
        "--predicate", o->predicate,
        "a Python expression over u instead, e.g. 'u.id % 7 == 3'; must give a bool");
    sub->add_option("--strategy", o->strategy,
                    "per-item: one GIL acquire per object (the guide's); per-chunk: one per chunk")
        ->check(CLI::IsMember({"per-item", "per-chunk"}))
        ->capture_default_str();
    sub->add_option("--thread-state", o->thread_state,
                    "per-acquire: a Python thread state created and deleted on every acquire "
                    "(pybind11's default); persistent: one kept per worker")
        ->check(CLI::IsMember({"per-acquire", "persistent"}))
        ->capture_default_str();
    add_threads_option(sub, o->threads);
    sub->add_flag("--json", o->json,
                  "print {total, allowed, allowed_ids, threads_used, strategy, thread_state, "
                  "seconds}");
    commands.add(sub, [o, predicate] {
        o->has_predicate = predicate->count() > 0;
        return run_userids(*o);
    });
}

} // namespace gil_demo
