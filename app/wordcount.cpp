// app/wordcount.cpp: `gil_demo wordcount [FILE [NEEDLE]]`
#include "commands.hpp"
#include "progress.hpp"

#include "corpus.hpp"
#include "wordcount_job.hpp"

#include "gilsafe/text.hpp"

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
    const corpus_kind corpus = *parse_corpus(o.corpus);
    gilsafe::text t =
        file_given ? gilsafe::text::open(o.file)
                   : gilsafe::text::from_string(make_corpus(corpus, o.scale),
                                                std::string("(built-in: ") + corpus_title(corpus) +
                                                    " x" + std::to_string(o.scale) + ")");
    // Everything that may take long runs with the interpreter up: its SIGINT handler is
    // installed first, ours in front of it (see with_interpreter).
    return with_interpreter([&] {
        const std::string what =
            "'" + t.name() + "' (" + std::to_string(t.view().size()) + " bytes)";
        wordcount_report report;
        {
            progress shown("mapping " + what);
            t.prefault(gilsafe::stop_on_sigint());
            report = run_wordcount(t, o.needle, variants, [&](variant v) {
                shown.set_label(std::string("counting ") + what + ", variant " + info(v).name);
            });
        }
        const std::string out = o.json ? to_json(report) + "\n" : to_table(report);
        std::fputs(out.c_str(), stdout);
        if (!report.agree) {
            std::fprintf(stderr, "gil_demo: the variants disagree on '%s'\n", t.name().c_str());
            return exit_failure;
        }
        return exit_success;
    });
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
    auto* scale = sub->add_option("--scale", o->scale,
                                  "repetitions of the built-in corpus (only without FILE)")
                      ->check(CLI::Range(std::size_t{1}, std::size_t{1000000}))
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
