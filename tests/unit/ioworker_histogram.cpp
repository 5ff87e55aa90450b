// SPDX-License-Identifier: BSD-3-Clause
// The IOWorker's latency histogram (libnvmetest/ioworker/latency_histogram.h):
// PyNVMe3's latency_distribution, a count per microsecond up to one second,
// slower commands in log-linear buckets, percentiles never outside the values.
#include <gtest/gtest.h>

#include <numeric>

#include "ioworker/latency_histogram.h"

namespace {

using nvmetest::ioworker::LatencyHistogram;

LatencyHistogram enabled()
{
    LatencyHistogram h;
    h.enable();
    return h;
}

TEST(IoWorkerHistogram, SlowBucketsAreAtMostOnePercentWide)
{
    for (std::uint64_t v = 1; v < (std::uint64_t{1} << 43); v = v * 1.37 + 1) {
        const std::size_t i = LatencyHistogram::index(v);
        ASSERT_LT(i, LatencyHistogram::kBuckets);
        const std::uint64_t lo = LatencyHistogram::bucket_low(i), hi = LatencyHistogram::bucket_high(i);
        ASSERT_LE(lo, v) << v;
        ASSERT_LT(v, hi) << v;
        if (v < 128)
            ASSERT_EQ(hi - lo, 1u) << v;  // exact
        else
            ASSERT_LE(static_cast<double>(hi - lo) / static_cast<double>(lo), 0.01) << v;
    }
    // Consecutive buckets tile the axis without gaps.
    for (std::size_t i = 0; i + 1 < LatencyHistogram::kBuckets; i++)
        ASSERT_EQ(LatencyHistogram::bucket_high(i), LatencyHistogram::bucket_low(i + 1)) << i;
}

// Seed 002, 1.3: "latency count at each time point up to 1,000,000
// microseconds": every microsecond has its own count, near 660 us and near
// 6 ms as near 1 us.
TEST(IoWorkerHistogram, CountsEachMicrosecondUpToOneSecond)
{
    LatencyHistogram h = enabled();
    for (std::uint64_t us : {0u, 1u, 659u, 660u, 661u, 6000u, 6001u, 999'999u})
        h.add(us * 1000 + 999);  // truncated to the microsecond, as latency_max_us
    h.add(660'000);
    h.add(1'000'000'000);    // 1 s: beyond
    h.add(5'000'000'000);    // 5 s: beyond
    const auto d = h.by_microsecond();
    ASSERT_EQ(d.size(), 1'000'001u);
    EXPECT_EQ(d[0], 1u);
    EXPECT_EQ(d[1], 1u);
    EXPECT_EQ(d[659], 1u);
    EXPECT_EQ(d[660], 2u);
    EXPECT_EQ(d[661], 1u);
    EXPECT_EQ(d[662], 0u);
    EXPECT_EQ(d[6000], 1u);
    EXPECT_EQ(d[6001], 1u);
    EXPECT_EQ(d[999'999], 1u);
    EXPECT_EQ(d.back(), 2u);  // everything slower than 999'999 us
    EXPECT_EQ(std::accumulate(d.begin(), d.end(), std::uint64_t{0}), h.total());
    EXPECT_TRUE(LatencyHistogram().by_microsecond().empty());
}

TEST(IoWorkerHistogram, PercentilesAreExactBelowOneSecond)
{
    LatencyHistogram h = enabled();
    for (std::uint64_t us = 1; us <= 1000; us++)  // 1 us .. 1 ms, one each
        h.add(us * 1000 + 300);
    EXPECT_EQ(h.percentile_us(50), 500);
    EXPECT_EQ(h.percentile_us(99), 990);
    EXPECT_EQ(h.percentile_us(99.9), 999);
    EXPECT_EQ(h.percentile_us(100), 1000);
    EXPECT_EQ(h.percentile_us(0), 1);
    EXPECT_EQ(LatencyHistogram().percentile_us(50), 0);
}

// Ten commands of about 2.75 ms (qdepth 2047, io_count 10): no percentile
// above the largest latency nor below the smallest.
TEST(IoWorkerHistogram, PercentilesStayWithinMinAndMax)
{
    LatencyHistogram h = enabled();
    for (std::uint64_t i = 0; i < 10; i++)
        h.add(2'740'000 + i * 1'800);  // 2740.0 .. 2756.2 us
    const double max_us = 2756, min_us = 2740;
    for (double p : {0.0, 1.0, 25.0, 50.0, 75.0, 90.0, 99.0, 99.99, 100.0}) {
        EXPECT_LE(h.percentile_us(p), max_us) << p;
        EXPECT_GE(h.percentile_us(p), min_us) << p;
    }
    // Slow commands only: the log-linear bucket is clamped to what was seen.
    LatencyHistogram slow = enabled();
    slow.add(3'000'000'017);
    slow.add(3'000'000'018);
    for (double p : {1.0, 50.0, 100.0})
        EXPECT_EQ(slow.percentile_us(p), 3'000'000) << p;
}

TEST(IoWorkerHistogram, PercentilesBeyondOneSecondWithinOnePercent)
{
    LatencyHistogram h = enabled();
    for (std::uint64_t ms = 1001; ms <= 2000; ms++)
        h.add(ms * 1'000'000);
    for (double p : {10.0, 50.0, 90.0}) {
        const double exact = (1000 + 1000 * p / 100) * 1000;  // us
        EXPECT_NEAR(h.percentile_us(p), exact, exact * 0.01) << p;
    }
}

}  // namespace
