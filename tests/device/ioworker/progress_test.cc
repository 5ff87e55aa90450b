// SPDX-License-Identifier: BSD-3-Clause
// IOWorker::progress(): a live snapshot while the worker runs, growing, and
// the result's figures once it has ended.
#include <nvmetest/fixtures.h>
#include <nvmetest/ioworker.h>

#include <chrono>
#include <set>
#include <thread>
#include <vector>

namespace {

using nvmetest::IOWorkerProgress;
using nvmetest::testing::Nvme0n1Test;

// Every field of b at least a's.
::testing::AssertionResult no_field_went_back(const IOWorkerProgress& a, const IOWorkerProgress& b)
{
    const bool ok = b.io_count_read >= a.io_count_read && b.io_count_nonread >= a.io_count_nonread &&
                    b.io_count_write >= a.io_count_write && b.lba_count_read >= a.lba_count_read &&
                    b.lba_count_nonread >= a.lba_count_nonread &&
                    b.lba_count_write >= a.lba_count_write && b.mseconds >= a.mseconds &&
                    b.latency_sum_us >= a.latency_sum_us && b.latency_max_us >= a.latency_max_us;
    if (ok)
        return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << "went back: ios " << a.io_count() << " -> " << b.io_count() << ", ms " << a.mseconds
           << " -> " << b.mseconds << ", latency sum " << a.latency_sum_us << " -> " << b.latency_sum_us;
}

TEST_F(Nvme0n1Test, IoWorkerProgressGrowsWhileItRunsAndEndsAtTheResult)
{
    auto w = nvme0n1.ioworker({.io_size = 8, .lba_align = 8, .time = 2, .read_percentage = 50,
                               .qdepth = 16, .region_end = 65536});
    EXPECT_EQ(w.progress().io_count(), 0u);  // not started
    w.start();
    std::vector<IOWorkerProgress> samples;
    while (w.running()) {
        samples.push_back(w.progress());
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    const IOWorkerProgress last = w.progress();
    const auto r = w.close();
    ASSERT_EQ(r.error, 0);
    ASSERT_GT(samples.size(), 20u);

    std::set<std::uint64_t> counts_seen_while_running;
    for (std::size_t i = 0; i < samples.size(); i++) {
        const IOWorkerProgress& s = samples[i];
        ASSERT_TRUE(no_field_went_back(i ? samples[i - 1] : IOWorkerProgress{}, s)) << "sample " << i;
        ASSERT_TRUE(no_field_went_back(s, last)) << "sample " << i << " beyond the end";
        // One consistent publication: the counts add up.
        EXPECT_EQ(s.io_count_nonread, s.io_count_write);
        EXPECT_EQ(s.lba_count_read, 8 * s.io_count_read);
        EXPECT_EQ(s.lba_count_write, 8 * s.io_count_write);
        if (s.io_count() && s.io_count() < r.io_count_read + r.io_count_nonread)
            counts_seen_while_running.insert(s.io_count());
    }
    // Live, not only at the end: over 2 s the snapshots kept moving.
    EXPECT_GT(counts_seen_while_running.size(), 10u);
    const IOWorkerProgress& mid = samples[samples.size() / 2];
    EXPECT_GT(mid.mseconds, 500u);
    EXPECT_LT(mid.mseconds, 1600u);
    ASSERT_GT(mid.io_count(), 0u);
    EXPECT_GT(mid.latency_sum_us, 0u);

    // Ended: the snapshot is the result, and stays it after close().
    const IOWorkerProgress of_result{.io_count_read = r.io_count_read,
                                     .io_count_nonread = r.io_count_nonread,
                                     .io_count_write = r.io_count_write,
                                     .lba_count_read = r.lba_count_read,
                                     .lba_count_nonread = r.lba_count_nonread,
                                     .lba_count_write = r.lba_count_write,
                                     .mseconds = r.mseconds,
                                     .latency_sum_us = last.latency_sum_us,
                                     .latency_max_us = r.latency_max_us};
    EXPECT_TRUE(last == of_result) << "ios " << last.io_count() << ", ms " << last.mseconds;
    EXPECT_TRUE(w.progress() == last);
    // The average from the sum, to the microsecond rounding of each.
    EXPECT_NEAR(static_cast<double>(last.latency_sum_us) / static_cast<double>(last.io_count()),
                static_cast<double>(r.latency_average_us), 1.0);
}

}  // namespace
