// SPDX-License-Identifier: BSD-3-Clause
//
// Internal: command latencies in nanoseconds, counted in log-linear buckets as
// fio does (stat.h, "plat" buckets): values below 2^kBits are exact; above,
// each power of two is split into 2^kBits equal buckets, so a bucket is at most
// 1/2^kBits = 0.78% of its values wide.  Adding is a count-leading-zeros and an
// increment: no allocation, no branch on the value's size beyond one compare.
#ifndef NVMETEST_LIB_IOWORKER_LATENCY_HISTOGRAM_H
#define NVMETEST_LIB_IOWORKER_LATENCY_HISTOGRAM_H

#include <cstddef>
#include <cstdint>
#include <vector>

namespace nvmetest::ioworker {

class LatencyHistogram {
public:
    static constexpr unsigned kBits = 7;                 // 128 buckets per power of two
    static constexpr unsigned kMaxLog2 = 44;             // 2^44 ns = 4.9 hours; more saturates
    static constexpr std::size_t kBuckets = (kMaxLog2 - kBits + 1) * (std::size_t{1} << kBits);

    LatencyHistogram() : counts_(kBuckets, 0) {}

    void add(std::uint64_t ns) noexcept { counts_[index(ns)]++; total_++; }
    std::uint64_t total() const noexcept { return total_; }

    static std::size_t index(std::uint64_t ns) noexcept;
    // The smallest and one past the largest value of bucket i.
    static std::uint64_t bucket_low(std::size_t i) noexcept;
    static std::uint64_t bucket_high(std::size_t i) noexcept;

    // The latency (ns, a bucket's midpoint) below or at which percentile
    // percent of the values lie; 0 without values.
    double percentile(double percent) const noexcept;
    // Counts by microsecond 0..max_us (the last also counts everything slower),
    // each bucket's count at its midpoint.
    std::vector<std::uint64_t> by_microsecond(std::size_t max_us) const;

private:
    std::vector<std::uint64_t> counts_;
    std::uint64_t total_ = 0;
};

}  // namespace nvmetest::ioworker

#endif  // NVMETEST_LIB_IOWORKER_LATENCY_HISTOGRAM_H
