// app/wordcount.cpp: `gil_demo wordcount [FILE [NEEDLE]]`
#include "commands.hpp"
#include "progress.hpp"

#include "gilsafe/text.hpp"
#include "gilsafe/wordcount_job.hpp"


#include <cstdio>
#include <memory>
#include <optional>
#include <string>

namespace gil_demo {
namespace {

struct wordcount_options {
    std::string file;
    std::string needle = "is";
    std::string variant = "parallel";
    int threads = 0;
    std::size_t scale = 1000;
    bool json = false;
    bool scale_given = false;
};

int run_wordcount(const wordcount_options& o, bool file_given) {
    if (file_given && o.scale_given) {
        throw usage_error("--scale applies to the built-in corpus only, not to FILE");
    }
    if (gilsafe::find_invalid_utf8(o.needle) != std::string_view::npos) {
        throw usage_error("NEEDLE is not valid UTF-8");
    }
    std::vector<gilsafe::variant> variants;
    if (o.variant == "all") {
        variants = gilsafe::all_variants();
    } else {
        variants.push_back(*gilsafe::parse_variant(o.variant));
    }
    const auto cap = cap_threads(o.threads);
    gilsafe::text t = file_given ? gilsafe::text::open(o.file)
                                 : gilsafe::text::from_string(
                                       gilsafe::zen_corpus(o.scale),
                                       "(built-in: Zen of Python x" + std::to_string(o.scale) + ")");
    // Everything that may take long runs with the interpreter up: its SIGINT handler is
    // installed first, ours in front of it (see with_interpreter).
    return with_interpreter([&] {
        const std::string what = "'" + t.name() + "' (" + std::to_string(t.view().size()) + " bytes)";
        gilsafe::wordcount_report report;
        {
            progress shown("mapping " + what);
            t.prefault(gilsafe::stop_on_sigint());
            report = gilsafe::run_wordcount(t, o.needle, variants, [&](gilsafe::variant v) {
                shown.set_label(std::string("counting ") + what + ", variant " +
                                gilsafe::variant_name(v));
            });
        }
        const std::string out =
            o.json ? gilsafe::to_json(report) + "\n" : gilsafe::to_table(report);
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
        ->check(CLI::IsMember({"parallel", "sequential", "sequential-threads", "python", "all"}))
        ->capture_default_str();
    sub->add_option("--threads", o->threads, "cap oneTBB at N threads (default: all cores)")
        ->check(CLI::Range(1, 4096));
    auto* scale = sub->add_option("--scale", o->scale,
                    "repetitions of the built-in corpus (only without FILE)")
        ->check(CLI::Range(std::size_t{1}, std::size_t{1000000}))
        ->capture_default_str();
    sub->add_flag("--json", o->json, "print one JSON object instead of the table");
    commands.add(sub, [o, file, scale] {
        o->scale_given = scale->count() > 0;
        return run_wordcount(*o, file->count() > 0);
    });
}

} // namespace gil_demo
