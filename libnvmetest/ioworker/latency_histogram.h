// SPDX-License-Identifier: BSD-3-Clause
//
// Internal: command latencies as PyNVMe3's IO models document describes
// latency_distribution (section 1.3, Return Values: "latency count at each
// time point up to 1,000,000 microseconds"): one counter per microsecond
// below one second, indexed directly (8 MB, allocated by enable() when the
// worker reports latencies).  Slower commands, rare, go to log-linear
// buckets as fio counts them (stat.h, "plat" buckets: each power of two
// split into 2^kBits equal buckets, at most 0.78% of their values wide), so
// that percentiles beyond a second stay close too.  Adding is a division by
// a constant, a compare and an increment: no allocation.
//
// Latencies are truncated to whole microseconds as latency_max_us is, and a
// percentile is a latency some command had (its microsecond), so percentiles
// lie within [min, max] of the values added, in the units the result uses.
#ifndef NVMETEST_LIB_IOWORKER_LATENCY_HISTOGRAM_H
#define NVMETEST_LIB_IOWORKER_LATENCY_HISTOGRAM_H

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace nvmetest::ioworker {

class LatencyHistogram {
public:
    static constexpr std::uint64_t kExactUs = 1'000'000;  // per-microsecond counts below this
    static constexpr unsigned kBits = 7;                   // 128 slow buckets per power of two
    static constexpr unsigned kMaxLog2 = 44;               // 2^44 ns = 4.9 hours; more saturates
    static constexpr std::size_t kBuckets = (kMaxLog2 - kBits + 1) * (std::size_t{1} << kBits);

    // Allocates the counters; add() must not be called before.
    void enable() { by_us_.assign(kExactUs, 0), slow_.assign(kBuckets, 0); }
    bool enabled() const noexcept { return !by_us_.empty(); }

    void add(std::uint64_t ns) noexcept
    {
        const std::uint64_t us = ns / 1000;
        if (us < kExactUs) [[likely]]
            by_us_[us]++;
        else
            slow_[index(ns)]++;
        total_++;
        min_ns_ = std::min(min_ns_, ns);
        max_ns_ = std::max(max_ns_, ns);
    }
    std::uint64_t total() const noexcept { return total_; }

    // The slow buckets (nanoseconds, log-linear).
    static std::size_t index(std::uint64_t ns) noexcept;
    // The smallest and one past the largest value of bucket i.
    static std::uint64_t bucket_low(std::size_t i) noexcept;
    static std::uint64_t bucket_high(std::size_t i) noexcept;

    // The latency in whole microseconds below or at which percent of the
    // values lie (nearest rank); 0 without values.  Never below the smallest
    // value added nor above the largest (both truncated to microseconds).
    double percentile_us(double percent) const noexcept;
    // Counts by microsecond 0 .. kExactUs - 1, then one count of everything
    // slower (kExactUs + 1 entries); empty when not enabled.
    std::vector<std::uint64_t> by_microsecond() const;

private:
    std::vector<std::uint64_t> by_us_;
    std::vector<std::uint64_t> slow_;
    std::uint64_t total_ = 0;
    std::uint64_t min_ns_ = std::numeric_limits<std::uint64_t>::max();
    std::uint64_t max_ns_ = 0;
};

}  // namespace nvmetest::ioworker

#endif  // NVMETEST_LIB_IOWORKER_LATENCY_HISTOGRAM_H
