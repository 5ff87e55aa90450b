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

#include "io_progress.h"
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

// One line of the live progress of jobs [begin, end), elapsed seconds into the group.
void show_progress(ProgressOutput out, ProgressMeter& meter, const RunReport& run, std::size_t begin,
                   std::size_t end, const std::vector<IOWorker>& workers, double elapsed)
{
    std::vector<JobSample> jobs;
    for (std::size_t i = begin; i < end; i++) {
        const JobReport& job = run.jobs[i];
        // running() first: once it is false, progress() holds the final counts.
        const bool running = workers[i].running();
        jobs.push_back({.name = job.spec.name,
                        .running = running,
                        .time_limit = job.spec.args.time,
                        .sector_size = job.sector_size,
                        .progress = workers[i].progress()});
    }
    const std::string line = format_progress(meter.sample(jobs, elapsed));
    if (out.in_place)
        std::fprintf(out.out, "\r\033[K%s", line.c_str());
    else
        std::fprintf(out.out, "%s\n", line.c_str());
    std::fflush(out.out);
}

}  // namespace

RunReport run_jobs(const ToolConfig& cfg, ProgressOutput progress)
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
        ProgressMeter meter;
        auto next_line = t0 + std::chrono::seconds(1);
        for (;;) {
            bool any = false;
            for (std::size_t i = begin; i < end; i++)
                any |= workers[i].running();
            if (!any)
                break;
            const auto now = Clock::now();
            if (progress.out && now >= next_line) {
                show_progress(progress, meter, run, begin, end, workers,
                              std::chrono::duration<double>(now - t0).count());
                while (next_line <= now)  // a late wake-up skips the seconds it missed
                    next_line += std::chrono::seconds(1);
            }
            std::this_thread::sleep_for(group_nap(progress.out != nullptr, next_line - now));
        }
        if (progress.out && progress.in_place)
            std::fprintf(progress.out, "\r\033[K");
        for (std::size_t i = begin; i < end; i++) {
            run.jobs[i].result = workers[i].close();
            if (cfg.cmdlog_in_submission_order)
                std::sort(run.jobs[i].cmdlog.begin(), run.jobs[i].cmdlog.end(),
                          [](const IOWorkerCmdlogRecord& a, const IOWorkerCmdlogRecord& b) {
                              return a.sent_index < b.sent_index;
                          });
        }
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

    // The live line goes where the summary goes, to stderr when stdout is
    // the JSON; auto shows it on a terminal only (never beside JSON on stdout).
    const bool json_stdout = cfg.format == OutputFormat::kJson;
    ProgressOutput progress{.out = json_stdout ? stderr : stdout, .in_place = true};
    progress.in_place = isatty(fileno(progress.out)) != 0;
    if (cfg.progress == ProgressMode::kNever ||
        (cfg.progress == ProgressMode::kAuto && (json_stdout || !progress.in_place)))
        progress.out = nullptr;
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
