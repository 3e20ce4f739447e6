// app/userids_job.cpp: creates the UserID objects and evaluates the predicate on oneTBB's threads
#include "userids_job.hpp"

#include "json.hpp"

#include "gilsafe/gil.hpp"
#include "gilsafe/userid.hpp"

#include <pybind11/pybind11.h>

#include <chrono>
#include <cstdio>

namespace py = pybind11;

namespace gil_demo {
namespace {

// Compiles EXPR once into `lambda u: (EXPR)`. The expression is compiled alone first, so
// that only a complete expression gets through and its syntax error names it.
py::object compile_predicate(const std::string& expression) {
    const py::module_ builtins = py::module_::import("builtins");
    try {
        builtins.attr("compile")(expression, "<predicate>", "eval");
    } catch (py::error_already_set& e) {
        throw predicate_syntax_error("--predicate " + json_string(expression) + ": " +
                                     gilsafe::python_error_message(e));
    }
    const py::dict globals;
    globals["__builtins__"] = builtins;
    const py::object code =
        builtins.attr("compile")("lambda u: (\n" + expression + "\n)", "<predicate>", "eval");
    return builtins.attr("eval")(code, globals);
}

bool as_bool(const py::object& result) {
    if (!PyBool_Check(result.ptr())) {
        throw py::type_error("predicate returned " + std::string(Py_TYPE(result.ptr())->tp_name) +
                             ", not bool");
    }
    return result.ptr() == Py_True;
}

} // namespace

userids_report run_userids(const userids_request& request) {
    if (request.count < 0 || request.count > max_userids) {
        throw std::invalid_argument("--count must be between 0 and " + std::to_string(max_userids));
    }
    const py::object user_id = py::module_::import("gilsafe").attr("UserID");
    std::optional<py::object> python_predicate;
    if (request.predicate) {
        python_predicate = compile_predicate(*request.predicate);
    }
    std::vector<py::object> users;
    std::vector<const gilsafe::UserID*> views;
    users.reserve(static_cast<std::size_t>(request.count));
    views.reserve(static_cast<std::size_t>(request.count));
    for (std::int64_t id = 0; id < request.count; ++id) {
        users.push_back(py::cast(gilsafe::UserID{id}));
        views.push_back(&users.back().cast<const gilsafe::UserID&>());
    }

    gilsafe::gil_options options = request.options;
    options.stop = gilsafe::stop_on_sigint();
    gilsafe::gil_stats stats;
    std::vector<char> answers;
    const std::int64_t threshold = request.threshold;
    const auto start = std::chrono::steady_clock::now();
    if (python_predicate) {
        const py::object& fn = *python_predicate;
        answers = gilsafe::parallel_map(
            users, [&](py::handle u) { return as_bool(fn(u)); }, options, &stats);
    } else {
        // PyO3's `instance.borrow(py).id > 5`: the C++ struct inside each object, read
        // under the GIL. The pointers are looked up once, while the objects are created
        // and held alive by `users`, so the workers skip pybind11's type lookup per item.
        answers.assign(views.size(), 0);
        stats = gilsafe::parallel_for(
            views.size(), [&](std::size_t i) { answers[i] = views[i]->id > threshold ? 1 : 0; },
            options);
    }
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;

    userids_report report;
    report.total = users.size();
    report.threads_used = stats.threads_used;
    report.strategy = request.options.strategy;
    report.thread_state = request.options.thread_state;
    report.seconds = took.count();
    for (std::size_t i = 0; i < answers.size(); ++i) {
        if (answers[i] != 0) {
            ++report.allowed;
            report.allowed_ids.push_back(static_cast<std::int64_t>(i));
        }
    }
    return report;
}

std::string to_json(const userids_report& report) {
    std::string out = "{\"total\": " + std::to_string(report.total) +
                      ", \"allowed\": " + std::to_string(report.allowed);
    if (report.total <= 1000) {
        out += ", \"allowed_ids\": [";
        for (std::size_t i = 0; i < report.allowed_ids.size(); ++i) {
            out += (i == 0 ? "" : ", ") + std::to_string(report.allowed_ids[i]);
        }
        out += "]";
    }
    out += ", \"threads_used\": " + std::to_string(report.threads_used) +
           ", \"strategy\": " + json_string(gilsafe::strategy_name(report.strategy)) +
           ", \"thread_state\": " + json_string(gilsafe::thread_state_name(report.thread_state)) +
           ", \"seconds\": " + json_number(report.seconds) + "}";
    return out;
}

std::string to_text(const userids_report& report) {
    std::string out =
        std::to_string(report.allowed) + " of " + std::to_string(report.total) + " allowed";
    if (report.total <= 20) {
        out += " (ids";
        for (const std::int64_t id : report.allowed_ids) {
            out += " " + std::to_string(id);
        }
        out += ")";
    }
    char line[200];
    std::snprintf(line, sizeof line,
                  "\nevaluated by %zu threads, strategy %s, thread states %s, in %.3f ms (GIL "
                  "released by the caller, taken back by each worker)\n",
                  report.threads_used, gilsafe::strategy_name(report.strategy),
                  gilsafe::thread_state_name(report.thread_state), report.seconds * 1e3);
    return out + line;
}

} // namespace gil_demo
