// SPDX-License-Identifier: BSD-3-Clause
// The IOWorker's latency histogram (libnvmetest/ioworker/latency_histogram.h):
// log-linear buckets no wider than 1% of their values, percentiles from them.
#include <gtest/gtest.h>

#include <numeric>

#include "ioworker/latency_histogram.h"

namespace {

using nvmetest::ioworker::LatencyHistogram;

TEST(IoWorkerHistogram, EveryValueFallsInABucketAtMostOnePercentWide)
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

TEST(IoWorkerHistogram, PercentilesWithinOnePercent)
{
    LatencyHistogram h;
    for (std::uint64_t ns = 1000; ns <= 1'000'000; ns += 1)  // 1 us .. 1 ms, uniform
        h.add(ns);
    for (double p : {10.0, 50.0, 90.0, 99.0, 99.9}) {
        const double exact = 1000 + (1'000'000 - 1000) * p / 100;
        EXPECT_NEAR(h.percentile(p), exact, exact * 0.01) << p;
    }
    EXPECT_EQ(LatencyHistogram().percentile(50), 0);
}

TEST(IoWorkerHistogram, ByMicrosecondKeepsEveryCount)
{
    LatencyHistogram h;
    h.add(500);            // 0 us
    h.add(25'000);         // 25 us
    h.add(25'400);
    h.add(5'000'000'000);  // 5 s: the last entry
    const auto d = h.by_microsecond(1'000'000);
    ASSERT_EQ(d.size(), 1'000'001u);
    EXPECT_EQ(d[0], 1u);
    EXPECT_EQ(d[25], 2u);
    EXPECT_EQ(d.back(), 1u);
    EXPECT_EQ(std::accumulate(d.begin(), d.end(), std::uint64_t{0}), 4u);
}

}  // namespace
