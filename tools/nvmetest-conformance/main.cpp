// SPDX-License-Identifier: BSD-3-Clause
// nvmetest-conformance: opens the device, runs the selected cases with a
// progress line, prints the summary and writes the reports.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>

#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include "conf_cli.h"
#include "conf_device.h"
#include "conf_registry.h"
#include "conf_report.h"
#include "conf_runner.h"
#include "nvmetest/errors.h"
#include "nvmetest/nvme/registers.h"

using namespace nvmetest;
using namespace nvmetest::conf;

namespace {

std::string read_file(const std::string& path)
{
    std::ifstream in(path);
    if (!in)
        throw UsageError("cannot read the expected-failure list '" + path + "'");
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

void write_report(const std::string& path, const std::string& text)
{
    if (path.empty())
        return;
    if (path == "-") {
        std::cout << text << std::flush;
        return;
    }
    std::ofstream out(path, std::ios::trunc);
    out << text;
    if (!out)
        std::cerr << "nvmetest-conformance: cannot write '" << path << "'\n";
}

std::string utc_now()
{
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char b[32];
    std::strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return b;
}

// Model, serial, firmware and version for the reports' heading; a DUT that
// cannot be initialized still gets a report (every case will say why).
void describe_device(Pcie& pcie, RunInfo& run)
{
    try {
        Controller nvme0(pcie);
        run.model = nvme0.id_data<std::string>(63, 24);
        run.serial = nvme0.id_data<std::string>(23, 4);
        run.firmware = nvme0.id_data<std::string>(71, 64);
        run.version = nvme::vs::to_string(nvme0[nvme::reg::kVs]);
    } catch (const std::exception& e) {
        run.model = std::string("(could not initialize the controller: ") + e.what() + ")";
    }
}

void list_cases(const std::vector<Case>& cases, const std::vector<std::string>& filters)
{
    for (const Case* c : select_cases(cases, filters))
        std::printf("%-46s %-9s %s: %s%s\n", c->info.id.c_str(), std::string(to_string(c->info.level)).c_str(),
                    c->info.section.c_str(), c->info.title.c_str(), c->info.destructive ? " [destructive]" : "");
}

}  // namespace

int main(int argc, char** argv)
{
    // Library warnings are part of each case's result; they do not go to the terminal.
    spdlog::set_default_logger(spdlog::null_logger_mt("nvmetest-conformance"));
    const std::vector<std::string> args(argv + 1, argv + argc);
    auto env = [](const char* name) {
        const char* v = std::getenv(name);
        return std::string(v ? v : "");
    };
    Config cfg;
    std::vector<Case> cases;
    ExpectedFailures expected;
    try {
        cfg = parse(args, env("NVMETEST_PCIADDR"), env("NVMETEST_DUT"));
        if (cfg.help) {
            std::cout << usage();
            return kExitOk;
        }
        cases = all_cases();
        if (!cfg.expected_failures_path.empty()) {
            expected = parse_expected_failures(read_file(cfg.expected_failures_path));
            check_expected_failures(expected, cases);
        }
        if (cfg.list) {
            list_cases(cases, cfg.filters);
            return kExitOk;
        }
        if (select_cases(cases, cfg.filters).empty())
            throw UsageError("--filter selects no case (nvmetest-conformance --list shows them)");
        for (const std::string* path : {&cfg.junit_path, &cfg.html_path, &cfg.json_path})
            if (!path->empty() && *path != "-" && !std::ofstream(*path, std::ios::app))
                throw UsageError("cannot write '" + *path + "'");
    } catch (const UsageError& e) {
        std::cerr << "nvmetest-conformance: " << e.what() << "\n";
        return kExitUsage;
    }

    const bool report_on_stdout = cfg.junit_path == "-" || cfg.html_path == "-" || cfg.json_path == "-";
    FILE* text = report_on_stdout ? stderr : stdout;
    const bool in_place = !cfg.quiet && isatty(fileno(text));

    RunInfo run;
    run.device = cfg.pciaddr;
    run.started = utc_now();
    run.destructive = cfg.destructive;
    run.expected_failures_file = cfg.expected_failures_path;
    for (int i = 0; i < argc; ++i)
        run.command_line += (i ? " " : "") + std::string(argv[i]);

    std::unique_ptr<Pcie> pcie;
    try {
        pcie = std::make_unique<Pcie>(cfg.pciaddr);
    } catch (const std::exception& e) {
        std::cerr << "nvmetest-conformance: " << e.what() << "\n";
        return kExitDevice;
    }
    describe_device(*pcie, run);
    std::fprintf(text, "nvmetest-conformance: %s %s (FR %s, NVMe %s)\n", cfg.pciaddr.c_str(),
                 run.model.c_str(), run.firmware.c_str(), run.version.c_str());

    GroupSummary so_far;
    RunOptions options{
        .filters = cfg.filters,
        .destructive = cfg.destructive,
        .expected = expected.empty() ? nullptr : &expected,
        .make_context = [&] { return std::make_unique<DeviceContext>(*pcie, cfg.destructive); },
        .on_start =
            [&](std::size_t i, std::size_t n, const CaseInfo& info) {
                if (in_place) {
                    std::fprintf(text, "\r%s\033[K", progress_line(i, n, info.id, so_far).c_str());
                    std::fflush(text);
                }
            },
        .on_done =
            [&](std::size_t, std::size_t, const CaseResult& r) {
                const auto one = totals({r});
                so_far.passed += one.passed;
                so_far.failed += one.failed;
                so_far.not_applicable += one.not_applicable;
                so_far.expected_failures += one.expected_failures;
                so_far.unexpected_passes += one.unexpected_passes;
                so_far.skipped += one.skipped;
                const bool bad = is_failure(r.outcome);
                if (!bad && !cfg.verbose)
                    return;
                if (in_place)
                    std::fprintf(text, "\r\033[K");
                if (bad)
                    std::fprintf(text, "%s\n", failure_line(r).c_str());
                else
                    std::fprintf(text, "%-16s %s%s%s\n", std::string(to_string(r.outcome)).c_str(),
                                 r.info.id.c_str(), r.message.empty() ? "" : ": ", r.message.c_str());
                std::fflush(text);
            },
    };
    const auto t0 = std::chrono::steady_clock::now();
    const auto results = conf::run(cases, options);
    run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (in_place)
        std::fprintf(text, "\r\033[K");
    std::fprintf(text, "%s", summary_text(results).c_str());
    std::fprintf(text, "%zu cases in %.1f s\n", results.size(), run.seconds);
    std::fflush(text);

    write_report(cfg.junit_path, report_junit(results, run));
    write_report(cfg.html_path, report_html(results, run));
    write_report(cfg.json_path, report_json(results, run));
    return exit_status(results) == 0 ? kExitOk : kExitFailed;
}
