// app/main.cpp: gil_demo's command line; parsing and printing only, the work is in the library
#include "commands.hpp"
#include "output.hpp"

#include "gilsafe/gil.hpp"
#include "gilsafe/interrupt.hpp"
#include "gilsafe/version.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>

namespace {

int parse_and_run(int argc, char** argv) {
    CLI::App app{"gil_demo: Python and C++ in parallel without the GIL getting in the way.\n"
                 "Exit codes: 0 success, 1 runtime error (a failed write to the output included), "
                 "2 usage error, 130 Ctrl-C."};
    app.set_version_flag("-V,--version", std::string("gil_demo ") + gilsafe::version_string());
    app.require_subcommand(1);
    gil_demo::command_table commands;
    gil_demo::add_wordcount(app, commands);
    gil_demo::add_userids(app, commands);
    gil_demo::add_deadlock(app, commands);
    gil_demo::add_bench(app, commands);

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        if (argc > 1 && argv[1][0] != '-' && app.get_subcommands().empty()) {
            std::fprintf(stderr, "gil_demo: unknown subcommand '%s' (see gil_demo --help)\n",
                         argv[1]);
            return gil_demo::exit_usage;
        }
        std::fprintf(stderr, "gil_demo: %s (see gil_demo --help)\n", e.what());
        return gil_demo::exit_usage;
    }
    try {
        return commands.run();
    } catch (const gilsafe::interrupted&) {
        gil_demo::exit_interrupted();
    } catch (const gil_demo::usage_error& e) {
        std::fprintf(stderr, "gil_demo: %s\n", e.what());
        return gil_demo::exit_usage;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "gil_demo: %s\n", gil_demo::one_line(e.what()).c_str());
        return gil_demo::exit_failure;
    } catch (...) {
        std::fprintf(stderr, "gil_demo: unknown error\n");
        return gil_demo::exit_failure;
    }
}

} // namespace

int main(int argc, char** argv) {
    gil_demo::protect_standard_streams();
    // oneTBB's workers run Python predicates: give them a Python thread's stack, before
    // anything starts them.
    gilsafe::reserve_python_stack();
    return gil_demo::close_stdout(parse_and_run(argc, argv));
}
