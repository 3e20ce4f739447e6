// app/bench.cpp: `gil_demo bench`, the guide's benchmark table from the embedded host
#include "commands.hpp"
#include "options.hpp"
#include "output.hpp"
#include "progress.hpp"

#include "bench_run.hpp"
#include "corpus.hpp"

#include "gilsafe/text.hpp"

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace gil_demo {
namespace {

struct bench_options {
    std::string corpus = corpus_name(corpus_kind::zen);
    std::size_t scale = 1000;
    std::string save_corpus;
    std::string needle = "is";
    std::size_t rounds = 0;
    std::vector<std::string> variants;
    int threads = 0;
    std::string json;
};

int run_bench(const bench_options& o) {
    if (gilsafe::find_invalid_utf8(o.needle) != std::string_view::npos) {
        throw usage_error("--needle is not valid UTF-8");
    }
    bench_request request;
    request.corpus = *parse_corpus(o.corpus);
    request.scale = o.scale;
    request.save_corpus = o.save_corpus;
    request.needle = o.needle;
    request.policy.rounds = o.rounds;
    for (const std::string& name : o.variants) {
        request.variants.push_back(*parse_variant(name));
    }
    // The JSON file's path is checked before the first round (nothing is left there if
    // the run fails); with "-" the JSON alone goes to standard output, the table to stderr.
    std::optional<output_file> json_out;
    if (!o.json.empty()) {
        json_out.emplace(o.json);
    }
    FILE* const table = json_out && json_out->is_stdout() ? stderr : stdout;
    const auto cap = cap_threads(o.threads);
    return with_interpreter([&] {
        bench_report report;
        {
            progress shown("benchmarking");
            report = gil_demo::run_bench(request, [&](variant v) {
                shown.set_label(std::string("benchmarking ") + info(v).bench_name);
            });
        }
        std::fprintf(table, "corpus: %s x%zu, %zu bytes; needle \"%s\": %zu per call\n",
                     corpus_title(report.corpus), report.scale, report.bytes, report.needle.c_str(),
                     report.count);
        std::fputs(bench_table(report.results).c_str(), table);
        if (json_out) {
            json_out->write(
                to_bench_json(report, request.policy, static_cast<std::size_t>(o.threads)));
            if (!json_out->is_stdout()) {
                std::printf("wrote %s\n", o.json.c_str());
            }
        }
        return exit_success;
    });
}

} // namespace

void add_bench(CLI::App& app, command_table& commands) {
    auto o = std::make_shared<bench_options>();
    CLI::App* sub = app.add_subcommand(
        "bench",
        "Time the guide's four word counts on its corpus; print pytest-benchmark's table.");
    sub->add_option("--corpus", o->corpus,
                    "the text: the guide's (zen) or generated Russian, Chinese or mixed-script "
                    "words with emoji, as long as zen at the same --scale")
        ->check(CLI::IsMember(corpus_names()))
        ->capture_default_str();
    add_integer_option(sub, "--scale", o->scale, std::size_t{1}, std::size_t{100000},
                       "repetitions of the corpus (a newline + the Zen of Python: 858 bytes)")
        ->capture_default_str();
    sub->add_option("--needle", o->needle, "the word to count")->capture_default_str();
    add_integer_option(sub, "--rounds", o->rounds, std::size_t{1}, std::size_t{1000000},
                       "timed rounds per row (default: about 1 s per row, at least 5 rounds)");
    sub->add_option("--variant", o->variants, "a row to measure (repeatable; default: all four)")
        ->check(CLI::IsMember(variant_names()));
    add_threads_option(sub, o->threads);
    sub->add_option("--json", o->json,
                    "also write the results in pytest-benchmark's JSON layout to FILE ('-': "
                    "standard output, the table then going to stderr)")
        ->check(
            [](const std::string& path) {
                return path.empty() ? std::string("empty path (use - for standard output)")
                                    : std::string();
            },
            "FILE");
    sub->add_option("--save-corpus", o->save_corpus,
                    "also write the corpus to FILE (for `gil_demo wordcount FILE`)");
    commands.add(sub, [o] { return run_bench(*o); });
}

} // namespace gil_demo
