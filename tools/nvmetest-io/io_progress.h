// SPDX-License-Identifier: BSD-3-Clause
//
// nvmetest-io: the live progress line, from IOWorker::progress() snapshots of
// the jobs of a group, aggregated over the jobs and over the last interval
// (a second): IOPS, MB/s (10^6 bytes of reads and other commands, as the
// summary counts them), average latency, elapsed and remaining time.  No
// device needed: tests/unit feeds it made-up snapshots.
#ifndef NVMETEST_IO_PROGRESS_H
#define NVMETEST_IO_PROGRESS_H

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "nvmetest/ioworker.h"

namespace nvmetest::io {

// One job of the group at a sampling instant.
struct JobSample {
    std::string name;
    bool running = false;
    double time_limit = 0;         // its --time; 0: none
    std::uint32_t sector_size = 512;
    IOWorkerProgress progress{};
};

// What one line says.
struct ProgressFigures {
    std::string running_names;     // "a,b": the jobs still running
    unsigned running = 0, jobs = 0;
    double elapsed = 0;            // seconds since the group started
    double remaining = -1;         // seconds to the longest --time; < 0: unknown
    double iops = 0;               // over the interval, all jobs
    double mbytes_per_second = 0;
    double latency_average_us = -1;  // over the interval; < 0: nothing completed
};

class ProgressMeter {
public:
    // The figures from the previous sample (or the group's start) to this
    // one, taken at elapsed seconds since the group started.
    ProgressFigures sample(const std::vector<JobSample>& jobs, double elapsed);

private:
    double last_elapsed_ = 0;
    std::uint64_t last_ios_ = 0;
    double last_bytes_ = 0;
    std::uint64_t last_latency_us_ = 0;
};

// "[a,b] 2/2 jobs running, elapsed 3s, remaining 7s, 1234 IOPS, 5.05 MB/s,
// lat avg 812 us" (remaining ?, lat avg - when unknown).
std::string format_progress(const ProgressFigures& f);

// How long the thread waiting for a group of jobs sleeps before it looks
// again: kGroupPoll (the group's end is seen that soon), or less when the
// next progress line (line_due: whether there is one) comes sooner.  Never
// zero without a line due: the waiting thread must not take a CPU from the
// workers it waits for.
inline constexpr std::chrono::milliseconds kGroupPoll{100};
constexpr std::chrono::nanoseconds group_nap(bool line_due, std::chrono::nanoseconds until_line) noexcept
{
    if (!line_due)
        return kGroupPoll;
    return std::clamp<std::chrono::nanoseconds>(until_line, std::chrono::nanoseconds::zero(), kGroupPoll);
}

}  // namespace nvmetest::io

#endif  // NVMETEST_IO_PROGRESS_H
