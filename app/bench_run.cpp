// app/bench_run.cpp: the guide's four word-count measurements, driven from the embedded host
#include "bench_run.hpp"

#include "corpus.hpp"
#include "json.hpp"

#include "gilsafe/interrupt.hpp"
#include "gilsafe/text.hpp"
#include "gilsafe/word_count.hpp"

#include <pybind11/pybind11.h>

#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>

namespace py = pybind11;

namespace gil_demo {
namespace {

void check_count(variant v, std::size_t got, std::size_t expected) {
    if (got != expected) {
        throw std::runtime_error(std::string(info(v).bench_name) + " counted " +
                                 std::to_string(got) + ", expected " + std::to_string(expected));
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

bench_report run_bench(const bench_request& request, const std::function<void(variant)>& on_start) {
    if (gilsafe::find_invalid_utf8(request.needle) != std::string_view::npos) {
        throw std::invalid_argument("the needle is not valid UTF-8");
    }
    const std::string contents = make_corpus(request.corpus, request.scale);
    if (!request.save_corpus.empty()) {
        std::ofstream out(request.save_corpus, std::ios::binary | std::ios::trunc);
        if (!out || !out.write(contents.data(), static_cast<std::streamsize>(contents.size())) ||
            !out.flush()) {
            throw std::runtime_error("cannot write '" + request.save_corpus + "'");
        }
    }
    bench_report report;
    report.corpus = request.corpus;
    report.scale = request.scale;
    report.needle = request.needle;
    report.bytes = contents.size();
    {
        const py::gil_scoped_release no_gil;
        report.count =
            gilsafe::count_sequential(contents, request.needle, gilsafe::stop_on_sigint());
    }
    const std::vector<variant> variants =
        request.variants.empty() ? all_variants() : request.variants;
    // Every corpus is valid UTF-8 by construction: the C++ rows time the engine as the
    // bindings call it, without a check.
    variant_runner runner(contents, "(built-in corpus)", request.needle,
                          {/*check_utf8=*/false, /*keep_pool=*/true});
    for (const variant v : variants) {
        if (on_start) {
            on_start(v);
        }
        bench_result r;
        r.name = info(v).bench_name;
        r.bytes_per_round = static_cast<double>(contents.size()) * (info(v).reads_twice ? 2 : 1);
        runner.prepare(v);
        r.seconds =
            time_rounds([&] { check_count(v, runner.run(v), report.count); }, request.policy);
        r.stats = compute_bench_stats(r.seconds);
        report.results.push_back(std::move(r));
    }
    runner.close();
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
                          ", \"corpus\": " + json_string(corpus_name(report.corpus)) +
                          ", \"scale\": " + std::to_string(report.scale) +
                          ", \"bytes\": " + std::to_string(report.bytes) +
                          ", \"count\": " + std::to_string(report.count) +
                          ", \"threads\": " + std::to_string(threads) + ", \"host\": \"gil_demo\"}";
    ctx.policy = policy;
    return bench_json(report.results, ctx);
}

} // namespace gil_demo
