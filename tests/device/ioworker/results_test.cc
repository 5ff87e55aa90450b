// SPDX-License-Identifier: BSD-3-Clause
// The IOWorker's result (seed 002, 1.2 and 1.3): counts, time, latency,
// per-second counts, percentiles, errors and their commands.
#include <nvmetest/fixtures.h>
#include <nvmetest/ioworker.h>

#include <chrono>
#include <numeric>
#include <string>
#include <thread>
#include <utility>

#include "qemu_throttle.h"

namespace {

using nvmetest::IOWorkerResult;
using nvmetest::testing::Nvme0n1Test;

// Runs a worker under QEMU's throttle until it stops by itself (at most 60 s),
// and lifts the throttle before close(): deleting the queue makes QEMU cancel
// the commands it still holds, and it waits for each.
IOWorkerResult run_throttled(nvmetest::Namespace& ns, nvmetest::IOWorkerArgs a,
                             devtest::QemuThrottle& throttle)
{
    auto w = ns.ioworker(std::move(a));
    w.start();
    const auto t0 = std::chrono::steady_clock::now();
    while (w.running() && std::chrono::steady_clock::now() - t0 < std::chrono::seconds(60))
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    throttle.off();
    return w.close();
}

TEST_F(Nvme0n1Test, IoWorkerIoCountResult)
{
    const auto before = std::chrono::system_clock::now();
    const auto r = nvme0n1.ioworker({.io_size = 8, .io_count = 1000}).start().close();
    EXPECT_EQ(r.error, 0);
    EXPECT_EQ(r.io_count_read, 1000u);
    EXPECT_EQ(r.lba_count_read, 8000u);
    EXPECT_EQ(r.io_count_nonread, 0u);
    EXPECT_EQ(r.io_count_write, 0u);
    EXPECT_EQ(r.lba_count_nonread, 0u);
    EXPECT_GT(r.mseconds, 0u);
    EXPECT_GT(r.latency_average_us, 0u);
    EXPECT_GE(r.latency_max_us, r.latency_average_us);
    EXPECT_LE(r.latency_max_us, r.mseconds * 1000 + 1000);
    EXPECT_GT(r.cpu_usage, 0.0);
    EXPECT_LE(r.cpu_usage, 1.05);
    const auto start = std::chrono::system_clock::time_point(
        std::chrono::seconds(r.test_start_sec) + std::chrono::nanoseconds(r.test_start_nsec));
    EXPECT_GE(start, before);
    EXPECT_LT(start, before + std::chrono::seconds(5));
    EXPECT_TRUE(r.latency_distribution.empty());  // not asked for
    EXPECT_EQ(r.error_cmd, (std::array<std::uint32_t, 16>{}));
    EXPECT_EQ(r.error_cpl, (std::array<std::uint32_t, 4>{}));
}

TEST_F(Nvme0n1Test, IoWorkerTimeLimitAndWrites)
{
    const auto r = nvme0n1.ioworker({.io_size = 8, .lba_align = 8, .time = 1, .read_percentage = 0})
                       .start()
                       .close();
    EXPECT_EQ(r.error, 0);
    EXPECT_GE(r.mseconds, 1000u);
    EXPECT_LT(r.mseconds, 1500u);
    EXPECT_GT(r.io_count_write, 0u);
    EXPECT_EQ(r.io_count_read, 0u);
    EXPECT_EQ(r.io_count_nonread, r.io_count_write);
    EXPECT_EQ(r.lba_count_write, 8 * r.io_count_write);
    EXPECT_EQ(r.lba_count_nonread, r.lba_count_write);
}

TEST_F(Nvme0n1Test, IoWorkerIopsLimitPerSecond)
{
    std::vector<std::uint64_t> per_second;
    const auto r = nvme0n1.ioworker({.time = 2, .qdepth = 16, .iops = 500,
                                     .output_io_per_second = &per_second})
                       .start()
                       .close();
    EXPECT_EQ(r.error, 0);
    // The limiter spreads the commands evenly, at most iops a second: 1000
    // in 2 s, to 2.5% (time lost beyond 100 ms is not made up: rate_test.cc).
    EXPECT_GE(r.io_count_read, 975u);
    EXPECT_LE(r.io_count_read, 1000u);
    // Counted by completion time: a latency spike at a second's end (TCG on a
    // busy host) moves a few into the next second, which then sends fewer:
    // iops is a ceiling (rate_test.cc), hence 5% below it per second.
    ASSERT_EQ(per_second.size(), 2u);
    for (std::uint64_t n : per_second) {
        EXPECT_GE(n, 475u);
        EXPECT_LE(n, 500u);
    }
    EXPECT_EQ(per_second[0] + per_second[1], r.io_count_read);
}

TEST_F(Nvme0n1Test, IoWorkerPercentileLatency)
{
    std::map<double, double> pct{{50, 0}, {99, 0}, {99.9, 0}};
    const auto r = nvme0n1.ioworker({.io_count = 3000, .qdepth = 8,
                                     .output_percentile_latency = &pct})
                       .start()
                       .close();
    EXPECT_EQ(r.error, 0);
    EXPECT_GT(pct[50], 0.0);
    EXPECT_LE(pct[50], pct[99]);
    EXPECT_LE(pct[99], pct[99.9]);
    EXPECT_LE(pct[99.9], static_cast<double>(r.latency_max_us));
    ASSERT_EQ(r.latency_distribution.size(), 1'000'001u);
    EXPECT_EQ(std::accumulate(r.latency_distribution.begin(), r.latency_distribution.end(),
                              std::uint64_t{0}),
              3000u);
    // Counted per microsecond (IO models, section 1.3): the slowest command
    // is in the entry of latency_max_us itself.
    EXPECT_GT(r.latency_distribution[r.latency_max_us], 0u);
    for (std::size_t us = r.latency_max_us + 1; us < r.latency_distribution.size(); us++)
        ASSERT_EQ(r.latency_distribution[us], 0u) << us;
}

// Ten commands all in flight at once (qdepth 2047): every percentile lies
// within the fastest and the slowest command, as latency_distribution has them.
TEST_F(Nvme0n1Test, IoWorkerPercentilesStayWithinMinAndMax)
{
    std::map<double, double> pct{{0, 0}, {1, 0}, {25, 0}, {50, 0}, {75, 0}, {99, 0}, {99.99, 0}, {100, 0}};
    const auto r = nvme0n1.ioworker({.io_count = 10, .qdepth = 2047, .output_percentile_latency = &pct})
                       .start()
                       .close();
    ASSERT_EQ(r.error, 0);
    ASSERT_EQ(r.latency_distribution.size(), 1'000'001u);
    std::size_t min_us = 0;
    while (r.latency_distribution[min_us] == 0)
        min_us++;
    for (const auto& [p, us] : pct) {
        EXPECT_GE(us, static_cast<double>(min_us)) << "p" << p;
        EXPECT_LE(us, static_cast<double>(r.latency_max_us)) << "p" << p;
    }
    EXPECT_EQ(pct[100], static_cast<double>(r.latency_max_us));
    EXPECT_EQ(pct[0], static_cast<double>(min_us));
}

TEST_F(Nvme0n1Test, IoWorkerPercentileLatencyOfOneOpcode)
{
    // Seed 002: only the DSM commands of a read/DSM/write mix.
    std::map<double, double> pct{{50, 0}};
    const auto r = nvme0n1.ioworker({.io_count = 600,
                                     .op_percentage = {{2, 40}, {9, 30}, {1, 30}},
                                     .output_percentile_latency = &pct,
                                     .output_percentile_latency_opcode = 9})
                       .start()
                       .close();
    EXPECT_EQ(r.error, 0);
    const std::uint64_t counted = std::accumulate(r.latency_distribution.begin(),
                                                  r.latency_distribution.end(), std::uint64_t{0});
    EXPECT_GT(counted, 100u);
    EXPECT_EQ(counted, r.io_count_nonread - r.io_count_write);  // the DSM commands only
    EXPECT_GT(pct[50], 0.0);
}

TEST_F(Nvme0n1Test, IoWorkerIoTimeoutIsErrorMinus3)
{
    // Reads time out after 1 ms: QEMU throttled to 20 commands a second
    // keeps every read of a queue of 32 longer than that (unthrottled, a
    // quiet host completed every read within 1 ms in some runs).  Each
    // completes with an all-ones CQE, and the worker stops with -3.
    const std::string ns_id = devtest::namespace_qdev_id(1);
    ASSERT_FALSE(ns_id.empty()) << "QEMU's query-pci does not list " << nvmetest::testing::pciaddr();
    nvme0n1.set_timeout_ms(0x02, 1);
    devtest::QemuThrottle throttle(ns_id, 20);
    ASSERT_TRUE(throttle.on()) << throttle.error();
    nvmetest::IOWorkerResult r;
    EXPECT_WARNS(r = run_throttled(nvme0n1, {.io_size = 256, .io_count = 2000, .qdepth = 32},
                                   throttle),
                 "timeout");
    EXPECT_FALSE(throttle.on()) << throttle.error();
    nvme0n1.set_timeout_ms(0x02, nvme0.timeout());
    EXPECT_EQ(r.error, nvmetest::kIOWorkerIoTimeout);
    EXPECT_EQ(r.error_cpl, (std::array<std::uint32_t, 4>{~0u, ~0u, ~0u, ~0u}));
    EXPECT_EQ(r.error_cmd[0] & 0xff, 0x02u);
    EXPECT_LT(r.io_count_read, 2000u);
    nvme0.reset();  // late completions of the timed-out commands are gone with the queue
}

TEST_F(Nvme0n1Test, IoWorkerCommandErrorStopsItWithTheCommand)
{
    // An opcode QEMU does not know: Invalid Command Opcode (0x0001).  The SQE
    // in error_cmd shows io_flags in dword 12 bits 31:16.
    std::vector<nvmetest::IOWorkerCmdlogRecord> errors(10);
    const auto r = nvme0n1.ioworker({.io_size = 8, .io_count = 1000,
                                     .op_percentage = {{0x7c, 100}}, .qdepth = 4,
                                     .io_flags = 0x4000,
                                     .output_cmdlog_list = &errors, .cmdlog_error_only = true})
                       .start()
                       .close();
    EXPECT_EQ(r.error, 0x0001);
    EXPECT_LT(r.io_count_nonread, 1000u);  // exit_on_error
    EXPECT_EQ(r.error_cmd[0] & 0xff, 0x7cu);
    EXPECT_EQ(r.error_cmd[1], nvme0n1.nsid());
    EXPECT_EQ(r.error_cmd[12], 0x4000u << 16 | 7);
    EXPECT_EQ((r.error_cpl[3] >> 17) & 0x7ff, 0x0001u);
    EXPECT_EQ(r.error_cpl[3] & 0xffff, r.error_cmd[0] >> 16);  // the same cid
    ASSERT_FALSE(errors.empty());
    for (const auto& e : errors)
        EXPECT_EQ(e.status & 0x7ff, 0x0001);

    const auto all = nvme0n1.ioworker({.io_count = 100, .op_percentage = {{0x7c, 100}},
                                       .exit_on_error = false})
                         .start()
                         .close();
    EXPECT_EQ(all.error, 0x0001);
    EXPECT_EQ(all.io_count_nonread, 100u);
}

TEST_F(Nvme0n1Test, IoWorkerFuaWrites)
{
    const auto r = nvme0n1.ioworker({.io_count = 200, .read_percentage = 0, .io_flags = 0x4000})
                       .start()
                       .close();
    EXPECT_EQ(r.error, 0);
    EXPECT_EQ(r.io_count_write, 200u);

    // The bit reached the commands: the SQE the worker reports for its first
    // error (a write timed out in QEMU's throttle, as in the -3 test) has
    // FUA (CDW12 bit 30) set.  QEMU itself shows no sign of FUA.
    const std::string ns_id = devtest::namespace_qdev_id(1);
    ASSERT_FALSE(ns_id.empty()) << "QEMU's query-pci does not list " << nvmetest::testing::pciaddr();
    nvme0n1.set_timeout_ms(0x01, 1);
    devtest::QemuThrottle throttle(ns_id, 20);
    ASSERT_TRUE(throttle.on()) << throttle.error();
    IOWorkerResult t;
    EXPECT_WARNS(t = run_throttled(nvme0n1,
                                   {.io_size = 8, .io_count = 2000, .read_percentage = 0,
                                    .qdepth = 32, .io_flags = 0x4000},
                                   throttle),
                 "timeout");
    EXPECT_FALSE(throttle.on()) << throttle.error();
    nvme0n1.set_timeout_ms(0x01, nvme0.timeout());
    EXPECT_EQ(t.error, nvmetest::kIOWorkerIoTimeout);
    EXPECT_EQ(t.error_cmd[0] & 0xff, 0x01u);
    EXPECT_EQ(t.error_cmd[12] & 0xffff, 7u);          // NLB, 0-based
    EXPECT_EQ(t.error_cmd[12] >> 16, 0x4000u);        // FUA, nothing else
    nvme0.reset();  // late completions of the timed-out commands are gone with the queue
}

TEST_F(Nvme0n1Test, IoWorkerSlowLatencyWarnsAndIsErrorMinus8)
{
    IOWorkerResult r;
    EXPECT_WARNS(r = nvme0n1.ioworker({.io_count = 50, .slow_latency = 1}).start().close(),
                 "slow_latency");
    EXPECT_EQ(r.error, nvmetest::kIOWorkerSlowIo);
    EXPECT_EQ(r.io_count_read, 50u);  // a slow command does not stop the worker
}

}  // namespace
