// SPDX-License-Identifier: BSD-3-Clause
// nvmetest-io's live progress line (tools/nvmetest-io/io_progress.h) and its
// --progress option.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "io_cli.h"
#include "io_progress.h"
#include "nvmetest/errors.h"

using namespace nvmetest::io;

namespace {

nvmetest::IOWorkerProgress done(std::uint64_t reads, std::uint64_t writes, std::uint64_t lbas_each,
                                std::uint64_t latency_sum_us)
{
    return {.io_count_read = reads,
            .io_count_nonread = writes,
            .io_count_write = writes,
            .lba_count_read = reads * lbas_each,
            .lba_count_nonread = writes * lbas_each,
            .lba_count_write = writes * lbas_each,
            .mseconds = 0,
            .latency_sum_us = latency_sum_us,
            .latency_max_us = 0};
}

TEST(IoProgress, FiguresAreOverTheLastIntervalAndAllJobs)
{
    ProgressMeter meter;
    // Second 1: job a read 1000 x 8 LBAs of 512 B in 100 ms of summed latency,
    // job b wrote 500 x 8 LBAs of 4096 B.
    std::vector<JobSample> jobs{
        {.name = "a", .running = true, .time_limit = 10, .sector_size = 512, .progress = done(1000, 0, 8, 100'000)},
        {.name = "b", .running = true, .time_limit = 4, .sector_size = 4096, .progress = done(0, 500, 8, 50'000)}};
    ProgressFigures f = meter.sample(jobs, 1.0);
    EXPECT_EQ(f.running, 2u);
    EXPECT_EQ(f.jobs, 2u);
    EXPECT_EQ(f.running_names, "a,b");
    EXPECT_DOUBLE_EQ(f.iops, 1500);
    EXPECT_DOUBLE_EQ(f.mbytes_per_second, (1000 * 8 * 512 + 500 * 8 * 4096) / 1e6);
    EXPECT_DOUBLE_EQ(f.latency_average_us, 150'000.0 / 1500);
    EXPECT_DOUBLE_EQ(f.remaining, 9);  // the longest --time

    // Half a second later b has ended; only the increments count.
    jobs[0].progress = done(1300, 0, 8, 100'000 + 300 * 40);
    jobs[1].running = false;
    f = meter.sample(jobs, 1.5);
    EXPECT_EQ(f.running, 1u);
    EXPECT_EQ(f.running_names, "a");
    EXPECT_DOUBLE_EQ(f.iops, 600);
    EXPECT_DOUBLE_EQ(f.mbytes_per_second, 300 * 8 * 512 / 1e6 / 0.5);
    EXPECT_DOUBLE_EQ(f.latency_average_us, 40);
    EXPECT_EQ(format_progress(f),
              "[a] 1/2 jobs running, elapsed 2s, remaining 8s, 600 IOPS, 2.46 MB/s, lat avg 40 us");

    // Nothing completed: no latency; a job without --time: remaining unknown.
    jobs[0].time_limit = 0;
    f = meter.sample(jobs, 2.5);
    EXPECT_DOUBLE_EQ(f.iops, 0);
    EXPECT_LT(f.latency_average_us, 0);
    EXPECT_LT(f.remaining, 0);
    EXPECT_EQ(format_progress(f),
              "[a] 1/2 jobs running, elapsed 2s, remaining ?, 0 IOPS, 0.00 MB/s, lat avg - us");
}

ToolConfig P(std::vector<std::string> v) { return parse(v, {}, "0000:01:00.0"); }

TEST(IoProgress, ProgressOption)
{
    EXPECT_EQ(P({"--time", "1"}).progress, ProgressMode::kAuto);
    EXPECT_EQ(P({"--progress", "always", "--time", "1"}).progress, ProgressMode::kAlways);
    EXPECT_EQ(P({"--progress=never", "--time", "1"}).progress, ProgressMode::kNever);
    EXPECT_EQ(P({"--quiet", "--time", "1"}).progress, ProgressMode::kNever);
    EXPECT_THROW(P({"--progress", "sometimes", "--time", "1"}), nvmetest::UsageError);
    EXPECT_THROW(P({"--quiet", "--progress", "always", "--time", "1"}), nvmetest::UsageError);
    EXPECT_NE(usage().find("--progress auto|always|never"), std::string::npos);
}

}  // namespace

// The thread waiting for a group naps between looks.  Without a progress line
// it used to sleep until the first line's time, then not at all, taking a
// whole CPU from the workers (and from the emulated device) after the first
// second of every --quiet or JSON run.
TEST(IoGroupNap, WithoutProgressLinesTheWaitNeverSpins)
{
    using std::chrono::milliseconds;
    EXPECT_EQ(group_nap(false, milliseconds(-5000)), kGroupPoll);
    EXPECT_EQ(group_nap(false, milliseconds(0)), kGroupPoll);
    EXPECT_EQ(group_nap(false, milliseconds(700)), kGroupPoll);
}

TEST(IoGroupNap, AProgressLineDueSoonShortensTheNap)
{
    using std::chrono::milliseconds;
    EXPECT_EQ(group_nap(true, milliseconds(30)), milliseconds(30));
    EXPECT_EQ(group_nap(true, milliseconds(900)), kGroupPoll);
    EXPECT_EQ(group_nap(true, milliseconds(-2)), milliseconds(0));  // late: print at once
}
