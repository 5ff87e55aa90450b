// SPDX-License-Identifier: BSD-3-Clause
#include "ioworker/latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace nvmetest::ioworker {
namespace {
constexpr std::uint64_t kLinear = std::uint64_t{1} << LatencyHistogram::kBits;
}

// Bucket layout: group 0 holds 0 .. 2^kBits - 1 one by one; group g >= 1
// holds [2^(kBits+g-1), 2^(kBits+g)) in 2^kBits buckets of 2^(g-1) each.
std::size_t LatencyHistogram::index(std::uint64_t ns) noexcept
{
    if (ns < kLinear)
        return static_cast<std::size_t>(ns);
    const unsigned msb = 63u - static_cast<unsigned>(std::countl_zero(ns));
    if (msb >= kMaxLog2)
        return kBuckets - 1;
    const unsigned shift = msb - kBits;
    const std::uint64_t group = shift + 1;
    return static_cast<std::size_t>(group * kLinear + ((ns >> shift) - kLinear));
}

std::uint64_t LatencyHistogram::bucket_low(std::size_t i) noexcept
{
    if (i < kLinear)
        return i;
    const std::uint64_t group = i / kLinear;
    const std::uint64_t shift = group - 1;
    return (kLinear + i % kLinear) << shift;
}

std::uint64_t LatencyHistogram::bucket_high(std::size_t i) noexcept
{
    if (i < kLinear)
        return i + 1;
    const std::uint64_t shift = i / kLinear - 1;
    return bucket_low(i) + (std::uint64_t{1} << shift);
}

double LatencyHistogram::percentile(double percent) const noexcept
{
    if (total_ == 0)
        return 0;
    const double want = std::clamp(percent, 0.0, 100.0) / 100.0 * static_cast<double>(total_);
    const std::uint64_t rank = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::ceil(want)));
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < kBuckets; i++) {
        seen += counts_[i];
        if (seen >= rank)
            return (static_cast<double>(bucket_low(i)) + static_cast<double>(bucket_high(i) - 1)) / 2;
    }
    return static_cast<double>(bucket_low(kBuckets - 1));
}

std::vector<std::uint64_t> LatencyHistogram::by_microsecond(std::size_t max_us) const
{
    std::vector<std::uint64_t> out(max_us + 1, 0);
    for (std::size_t i = 0; i < kBuckets; i++) {
        if (!counts_[i])
            continue;
        const std::uint64_t mid = (bucket_low(i) + bucket_high(i) - 1) / 2;
        out[std::min<std::uint64_t>(mid / 1000, max_us)] += counts_[i];
    }
    return out;
}

}  // namespace nvmetest::ioworker
