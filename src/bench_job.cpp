// src/bench_job.cpp: the guide's four word-count measurements, driven from the embedded host
#include "gilsafe/bench_job.hpp"

#include "gilsafe/interrupt.hpp"
#include "gilsafe/json.hpp"
#include "gilsafe/text.hpp"
#include "gilsafe/word_count.hpp"

#include <pybind11/pybind11.h>

#include <fstream>
#include <stdexcept>
#include <thread>

namespace py = pybind11;

namespace gilsafe {
namespace {

void check_count(variant v, std::size_t got, std::size_t expected) {
    if (got != expected) {
        throw std::runtime_error(std::string(bench_name(v)) + " counted " + std::to_string(got) +
                                 ", expected " + std::to_string(expected));
    }
}

// "vendor_id" and "model name" of the first processor in /proc/cpuinfo (what py-cpuinfo
// reports as vendor_id and brand, without its second of probing).
std::pair<std::string, std::string> cpu_vendor_and_brand() {
    std::ifstream in("/proc/cpuinfo");
    std::string line;
    std::string vendor = "unknown";
    std::string brand = "unknown";
    const auto value = [](const std::string& l) {
        const std::size_t colon = l.find(':');
        std::string v = colon == std::string::npos ? std::string() : l.substr(colon + 1);
        const std::size_t first = v.find_first_not_of(" \t");
        return first == std::string::npos ? std::string() : v.substr(first);
    };
    while (std::getline(in, line) && !line.empty()) {
        if (line.rfind("vendor_id", 0) == 0) {
            vendor = value(line);
        } else if (line.rfind("model name", 0) == 0) {
            brand = value(line);
        }
    }
    return {vendor, brand};
}

} // namespace

const char* bench_name(variant v) {
    switch (v) {
    case variant::parallel:
        return "test_word_count_cpp_parallel";
    case variant::sequential:
        return "test_word_count_cpp_sequential";
    case variant::sequential_threads:
        return "test_word_count_cpp_sequential_twice_with_threads";
    case variant::python:
        return "test_word_count_python_sequential";
    }
    return "?";
}

bench_report run_bench(const bench_request& request, const std::function<void(variant)>& on_start) {
    if (find_invalid_utf8(request.needle) != std::string_view::npos) {
        throw std::invalid_argument("the needle is not valid UTF-8");
    }
    const std::string contents = zen_corpus(request.scale);
    const std::string_view needle = request.needle;
    bench_report report;
    report.scale = request.scale;
    report.needle = request.needle;
    report.bytes = contents.size();
    {
        const py::gil_scoped_release no_gil;
        report.count = count_sequential(contents, needle, stop_on_sigint());
    }
    const std::vector<variant> variants =
        request.variants.empty() ? all_variants() : request.variants;

    const py::module_ word_count = py::module_::import("word_count");
    const py::str py_contents(contents);
    const py::str py_needle(request.needle);
    const auto bytes = static_cast<double>(contents.size());

    for (const variant v : variants) {
        if (on_start) {
            on_start(v);
        }
        bench_result r;
        r.name = bench_name(v);
        r.bytes_per_round = bytes;
        switch (v) {
        // The C++ rows: the engine itself, as the bindings call it, without the GIL.
        case variant::parallel: {
            parallel_options options;
            options.stop = stop_on_sigint();
            const py::gil_scoped_release no_gil;
            r.seconds = time_rounds(
                [&] {
                    options.stop.throw_if_requested(); // a small text is never polled
                    check_count(v, count_parallel(contents, needle, options), report.count);
                },
                request.policy);
            break;
        }
        case variant::sequential: {
            const stop_signal stop = stop_on_sigint();
            const py::gil_scoped_release no_gil;
            r.seconds = time_rounds(
                [&] {
                    stop.throw_if_requested();
                    check_count(v, count_sequential(contents, needle, stop), report.count);
                },
                request.policy);
            break;
        }
        // The guide's snippet, from C++: one pool of two threads, two submits per round.
        case variant::sequential_threads: {
            r.bytes_per_round = 2 * bytes;
            const py::object fn = word_count.attr("search_sequential_allow_threads");
            const py::object executor = py::module_::import("concurrent.futures")
                                            .attr("ThreadPoolExecutor")(py::arg("max_workers") = 2);
            try {
                r.seconds = time_rounds(
                    [&] {
                        const py::object future_1 =
                            executor.attr("submit")(fn, py_contents, py_needle);
                        const py::object future_2 =
                            executor.attr("submit")(fn, py_contents, py_needle);
                        check_count(v, future_1.attr("result")().cast<std::size_t>(), report.count);
                        check_count(v, future_2.attr("result")().cast<std::size_t>(), report.count);
                    },
                    request.policy);
            } catch (...) {
                executor.attr("shutdown")();
                throw;
            }
            executor.attr("shutdown")();
            break;
        }
        case variant::python: {
            const py::object search_py = word_count.attr("search_py");
            r.seconds = time_rounds(
                [&] {
                    check_count(v, search_py(py_contents, py_needle).cast<std::size_t>(),
                                report.count);
                },
                request.policy);
            break;
        }
        }
        r.stats = compute_bench_stats(r.seconds);
        report.results.push_back(std::move(r));
    }
    return report;
}

std::string machine_info_json() {
    const py::module_ platform = py::module_::import("platform");
    const auto [vendor, brand] = cpu_vendor_and_brand();
    py::dict cpu;
    cpu["vendor_id"] = vendor;
    cpu["hardware"] = "unknown";
    cpu["brand"] = brand;
    cpu["count"] = std::thread::hardware_concurrency();
    py::dict info;
    for (const char* key : {"node", "processor", "machine", "python_compiler",
                            "python_implementation", "python_version", "release", "system"}) {
        info[key] = platform.attr(key)();
    }
    info["python_implementation_version"] = platform.attr("python_version")();
    info["python_build"] = py::list(platform.attr("python_build")());
    info["cpu"] = cpu;
    return py::str(py::module_::import("json").attr("dumps")(info, py::arg("sort_keys") = true));
}

std::string to_bench_json(const bench_report& report, const round_policy& policy,
                          std::size_t threads) {
    bench_json_context ctx;
    ctx.machine_info_json = machine_info_json();
    ctx.commit_info_json = "{\"id\": \"unknown\", \"project\": \"gilsafe\", \"dirty\": false}";
    ctx.extra_info_json = "{\"needle\": " + json_string(report.needle) +
                          ", \"scale\": " + std::to_string(report.scale) +
                          ", \"bytes\": " + std::to_string(report.bytes) +
                          ", \"count\": " + std::to_string(report.count) +
                          ", \"threads\": " + std::to_string(threads) + ", \"host\": \"gil_demo\"}";
    ctx.policy = policy;
    return bench_json(report.results, ctx);
}

} // namespace gilsafe
