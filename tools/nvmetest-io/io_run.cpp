// SPDX-License-Identifier: BSD-3-Clause
#include "io_run.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <thread>

#include "nvmetest/controller.h"
#include "nvmetest/errors.h"
#include "nvmetest/namespace.h"
#include "nvmetest/pcie.h"
#include "nvmetest/random.h"

namespace nvmetest::io {
namespace {

using Clock = std::chrono::steady_clock;

// Jobs [begin, end) run together: a group ends before a --stonewall job.
std::vector<std::pair<std::size_t, std::size_t>> groups_of(const std::vector<JobSpec>& jobs)
{
    std::vector<std::pair<std::size_t, std::size_t>> groups;
    for (std::size_t i = 0; i < jobs.size(); i++)
        if (i == 0 || jobs[i].stonewall)
            groups.emplace_back(i, i + 1);
        else
            groups.back().second = i + 1;
    return groups;
}

// The live line: which jobs run, elapsed and remaining time of the group
// (remaining from the longest --time; unknown without one).
void show_progress(std::FILE* out, const RunReport& run, std::size_t begin, std::size_t end,
                   const std::vector<IOWorker>& workers, double elapsed)
{
    std::string names;
    double limit = 0;
    bool unlimited = false;
    unsigned running = 0;
    for (std::size_t i = begin; i < end; i++) {
        if (!workers[i].running())
            continue;
        running++;
        names += (names.empty() ? "" : ",") + run.jobs[i].spec.name;
        const double t = run.jobs[i].spec.args.time;
        unlimited |= t == 0;
        limit = std::max(limit, t);
    }
    char remaining[32] = "?";
    if (!unlimited)
        std::snprintf(remaining, sizeof remaining, "%.0fs", std::max(0.0, limit - elapsed));
    std::fprintf(out, "\r\033[K[%s] %u/%zu jobs running, elapsed %.0fs, remaining %s", names.c_str(),
                 running, end - begin, elapsed, remaining);
    std::fflush(out);
}

}  // namespace

RunReport run_jobs(const ToolConfig& cfg, std::FILE* progress)
{
    if (cfg.seed_given)
        nvmetest::srand(cfg.seed);
    RunReport run{.pciaddr = cfg.pciaddr, .seed = nvmetest::seed(), .verify = cfg.verify, .jobs = {}};

    Pcie pcie(cfg.pciaddr);
    Controller nvme0(pcie);
    std::map<std::uint32_t, std::unique_ptr<Namespace>> namespaces;
    for (const auto& spec : cfg.jobs) {
        auto& ns = namespaces[spec.nsid];
        if (ns)
            continue;
        ns = std::make_unique<Namespace>(nvme0, spec.nsid);
        if (cfg.verify && !ns->verify_enable(true))
            throw Error("data verification of namespace " + std::to_string(spec.nsid) +
                        " is unavailable (not enough memory for its check values): run with "
                        "--verify off");
    }

    // Every job's worker is made (and so validated) before the first starts.
    run.jobs.resize(cfg.jobs.size());
    std::vector<IOWorker> workers;
    for (std::size_t i = 0; i < cfg.jobs.size(); i++) {
        JobReport& job = run.jobs[i];
        job.spec = cfg.jobs[i];
        const Namespace& ns = *namespaces.at(job.spec.nsid);
        job.sector_size = ns.sector_size();
        for (double p : job.spec.percentiles)
            job.percentile_latency[p] = 0;
        job.cmdlog.resize(job.spec.cmdlog_size);
        IOWorkerArgs args = job.spec.args;
        args.output_io_per_second = &job.io_per_second;
        args.output_percentile_latency = &job.percentile_latency;
        args.output_cmdlog_list = job.cmdlog.empty() ? nullptr : &job.cmdlog;
        try {
            workers.push_back(ns.ioworker(std::move(args)));
        } catch (const UsageError& e) {
            throw UsageError("job '" + job.spec.name + "': " + e.what());
        }
    }

    for (const auto& [begin, end] : groups_of(cfg.jobs)) {
        const auto t0 = Clock::now();
        for (std::size_t i = begin; i < end; i++)
            workers[i].start();
        for (;;) {
            bool any = false;
            for (std::size_t i = begin; i < end; i++)
                any |= workers[i].running();
            if (!any)
                break;
            if (progress)
                show_progress(progress, run, begin, end, workers,
                              std::chrono::duration<double>(Clock::now() - t0).count());
            std::this_thread::sleep_for(std::chrono::milliseconds(250));
        }
        if (progress)
            std::fprintf(progress, "\r\033[K");
        for (std::size_t i = begin; i < end; i++)
            run.jobs[i].result = workers[i].close();
    }
    return run;
}

int main_entry(int argc, char** argv)
{
    // The library's log (seed, warnings) goes to stderr: stdout is the
    // summary or, with --output-format json, a JSON document.
    static const auto to_stderr = spdlog::stderr_color_mt("nvmetest-io");
    spdlog::set_default_logger(to_stderr);
    const std::vector<std::string> args(argv + 1, argv + argc);
    auto env = [](const char* name) {
        const char* v = std::getenv(name);
        return std::string(v ? v : "");
    };
    ToolConfig cfg;
    try {
        cfg = parse(args, env("NVMETEST_PCIADDR"), env("NVMETEST_DUT"));
        if (cfg.help) {
            std::cout << usage();
            return kExitOk;
        }
        // A bad report path costs no run: checked before any I/O, without
        // truncating the file (an earlier report survives a failed start).
        for (const std::string* path : {&cfg.json_path, &cfg.html_path})
            if (!path->empty() && !std::ofstream(*path, std::ios::app))
                throw UsageError("cannot write '" + *path + "'");
    } catch (const UsageError& e) {
        std::cerr << "nvmetest-io: " << e.what() << "\n";
        return kExitUsage;
    }

    const bool json_stdout = cfg.format == OutputFormat::kJson;
    std::FILE* progress = !cfg.quiet && !json_stdout && isatty(STDOUT_FILENO) ? stdout : nullptr;
    RunReport run;
    try {
        run = run_jobs(cfg, progress);
    } catch (const UsageError& e) {
        std::cerr << "nvmetest-io: " << e.what() << "\n";
        return kExitUsage;
    } catch (const std::exception& e) {
        std::cerr << "nvmetest-io: " << e.what() << "\n";
        return kExitFailure;
    }

    if (json_stdout)
        write_json(std::cout, run);
    else
        write_summary(std::cout, run);
    bool ok = true;
    auto save = [&](const std::string& path, void (*write)(std::ostream&, const RunReport&)) {
        if (path.empty())
            return;
        std::ofstream out(path, std::ios::trunc);
        write(out, run);
        if (!out.flush()) {
            std::cerr << "nvmetest-io: writing '" << path << "' failed\n";
            ok = false;
        }
    };
    save(cfg.json_path, write_json);
    save(cfg.html_path, write_html);
    if (!ok)
        return kExitFailure;
    return std::all_of(run.jobs.begin(), run.jobs.end(), [](const JobReport& j) { return j.result.error == 0; })
               ? kExitOk
               : kExitJobFailed;
}

}  // namespace nvmetest::io
