// app/wordcount.cpp: `gil_demo wordcount [FILE [NEEDLE]]`
#include "commands.hpp"
#include "options.hpp"
#include "output.hpp"
#include "progress.hpp"

#include "corpus.hpp"
#include "wordcount_job.hpp"

#include "gilsafe/stream.hpp"
#include "gilsafe/text.hpp"

#include <chrono>
#include <system_error>

#include <cstdio>
#include <memory>
#include <optional>
#include <string>

namespace gil_demo {
namespace {

// --variant: one of the table's names, or all of them.
std::vector<std::string> variant_choices() {
    std::vector<std::string> names = variant_names();
    names.emplace_back("all");
    return names;
}

struct wordcount_options {
    std::string file;
    std::string needle = "is";
    std::string variant = info(gil_demo::variant::parallel).name;
    int threads = 0;
    std::string corpus = corpus_name(corpus_kind::zen);
    std::size_t scale = 1000;
    bool json = false;
    bool scale_given = false;
    bool corpus_given = false;
};

// Prints the report; exit_failure when the variants disagree.
int print_report(const wordcount_report& report, bool json) {
    const std::string out = json ? to_json(report) + "\n" : to_table(report);
    write_stdout(out);
    if (!report.agree) {
        std::fprintf(stderr, "gil_demo: the variants disagree on '%s'\n", report.file.c_str());
        return exit_failure;
    }
    return exit_success;
}

// The most a stream may hold when a variant needs the whole text (a Python str of it).
constexpr std::size_t stream_limit = std::size_t{1} << 30;

// Variants that count a stream as it arrives; the others need the whole text at once.
bool counts_streams(variant v) {
    return v == variant::parallel || v == variant::sequential;
}

// The report of `variants` (run with the interpreter up) over the whole text `t`.
int report_whole_text(const gilsafe::text& t, const wordcount_options& o,
                      const std::vector<variant>& variants) {
    // Everything that may take long runs with the interpreter up: its SIGINT handler is
    // installed first, ours in front of it (see with_interpreter).
    return with_interpreter([&] {
        const std::string what =
            "'" + t.name() + "' (" + std::to_string(t.view().size()) + " bytes)";
        wordcount_report report;
        try {
            progress shown("mapping " + what);
            t.prefault(gilsafe::stop_on_sigint());
            report = run_wordcount(t, o.needle, variants, [&](variant v) {
                shown.set_label(std::string("counting ") + what + ", variant " + info(v).name);
            });
        } catch (...) {
            // Zeros where a shrunk file's bytes were: any failure (invalid UTF-8 in our
            // check or in Python's decoder) is the change's, not the file's.
            t.throw_if_changed();
            throw;
        }
        t.throw_if_changed();
        return print_report(report, o.json);
    });
}

// A stream counted block by block as it arrives, in constant memory (no interpreter).
int report_stream(gilsafe::input& in, const wordcount_options& o, variant v) {
    wordcount_report report{in.name(), o.needle, 0, {}, true};
    gilsafe::stream_options options;
    options.parallel = v == variant::parallel;
    options.stop = in.stop();
    const auto start = std::chrono::steady_clock::now();
    gilsafe::stream_count counted;
    {
        progress shown("counting '" + in.name() + "' (a stream), variant " + info(v).name);
        counted = gilsafe::count_stream(in, o.needle, options);
    }
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    report.bytes = static_cast<std::size_t>(counted.bytes);
    report.results.push_back({v, counted.count, took.count()});
    return print_report(report, o.json);
}

// A stream read whole for the variants that need all of it at once, its UTF-8 checked as
// it arrives (invalid bytes fail at once, not after a gigabyte), at most stream_limit.
gilsafe::text read_stream_whole(gilsafe::input& in, const wordcount_options& o) {
    gilsafe::stream_options check;
    check.parallel = false;
    check.stop = in.stop();
    gilsafe::stream_counter checker(o.needle, in.name(), check);
    std::string all;
    std::string piece(std::size_t{1} << 20, '\0');
    for (;;) {
        const std::size_t got = in.read_some(piece.data(), piece.size());
        if (got == 0) {
            break;
        }
        checker.feed({piece.data(), got});
        if (all.size() + got > stream_limit) {
            throw gilsafe::input_error(
                "'" + o.file + "' is a stream of more than 1 GiB: --variant " + o.variant +
                    " needs it whole in memory (the parallel and "
                    "sequential variants count streams of any size)",
                EFBIG);
        }
        all.append(piece.data(), got);
    }
    (void)checker.finish();
    return gilsafe::text::from_string(std::move(all), in.name());
}

int run_wordcount(const wordcount_options& o, bool file_given) {
    if (file_given && o.scale_given) {
        throw usage_error("--scale applies to the built-in corpus only, not to FILE");
    }
    if (file_given && o.corpus_given) {
        throw usage_error("--corpus applies to the built-in corpus only, not to FILE");
    }
    if (gilsafe::find_invalid_utf8(o.needle) != std::string_view::npos) {
        throw usage_error("NEEDLE is not valid UTF-8");
    }
    std::vector<variant> variants;
    if (o.variant == "all") {
        variants = all_variants();
    } else {
        variants.push_back(*parse_variant(o.variant));
    }
    const auto cap = cap_threads(o.threads);
    if (!file_given) {
        const corpus_kind corpus = *parse_corpus(o.corpus);
        const gilsafe::text t = gilsafe::text::from_string(
            make_corpus(corpus, o.scale), std::string("(built-in: ") + corpus_title(corpus) + " x" +
                                              std::to_string(o.scale) + ")");
        return report_whole_text(t, o, variants);
    }
    // Ctrl-C is watched from here on: opening a FIFO and waiting for stdin stop at once.
    gilsafe::input in = gilsafe::input::open(o.file, gilsafe::stop_on_sigint());
    if (in.mappable()) {
        return report_whole_text(gilsafe::text::from_input(std::move(in)), o, variants);
    }
    if (variants.size() == 1 && counts_streams(variants.front())) {
        return report_stream(in, o, variants.front());
    }
    return report_whole_text(read_stream_whole(in, o), o, variants);
}

} // namespace

void add_wordcount(CLI::App& app, command_table& commands) {
    auto o = std::make_shared<wordcount_options>();
    CLI::App* sub = app.add_subcommand(
        "wordcount", "Count the words of FILE equal to NEEDLE, as the guide's search_py does.");
    auto* file = sub->add_option("FILE", o->file,
                                 "UTF-8 text file, memory-mapped; '-' reads standard input. "
                                 "Without it: the built-in corpus (the guide's benchmark text)");
    sub->add_option("NEEDLE", o->needle, "the word to count")->capture_default_str();
    sub->add_option("--variant", o->variant, "which counter to run")
        ->check(CLI::IsMember(variant_choices()))
        ->capture_default_str();
    add_threads_option(sub, o->threads);
    auto* scale = add_integer_option(sub, "--scale", o->scale, std::size_t{1}, std::size_t{1000000},
                                     "repetitions of the built-in corpus (only without FILE)")
                      ->capture_default_str();
    auto* corpus = sub->add_option("--corpus", o->corpus,
                                   "which built-in corpus (only without FILE; see `bench`)")
                       ->check(CLI::IsMember(corpus_names()))
                       ->capture_default_str();
    sub->add_flag("--json", o->json, "print one JSON object instead of the table");
    commands.add(sub, [o, file, scale, corpus] {
        o->scale_given = scale->count() > 0;
        o->corpus_given = corpus->count() > 0;
        return run_wordcount(*o, file->count() > 0);
    });
}

} // namespace gil_demo
