// SPDX-License-Identifier: BSD-3-Clause
#include "ioworker/latency_histogram.h"

#include <bit>
#include <cmath>

namespace nvmetest::ioworker {
namespace {
constexpr std::uint64_t kLinear = std::uint64_t{1} << LatencyHistogram::kBits;
}

// Slow bucket layout: group 0 holds 0 .. 2^kBits - 1 one by one; group g >= 1
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

double LatencyHistogram::percentile_us(double percent) const noexcept
{
    if (total_ == 0)
        return 0;
    const double want = std::clamp(percent, 0.0, 100.0) / 100.0 * static_cast<double>(total_);
    // Nearest rank; the epsilon keeps 99.9% of 1000 at rank 999, not 1000
    // by the rounding of 99.9 / 100.
    const std::uint64_t rank = std::clamp<std::uint64_t>(
        static_cast<std::uint64_t>(std::ceil(want - 1e-9)), 1, total_);
    const std::uint64_t min_us = min_ns_ / 1000, max_us = max_ns_ / 1000;
    std::uint64_t seen = 0;
    for (std::size_t us = 0; us < by_us_.size(); us++) {
        seen += by_us_[us];
        if (seen >= rank)
            return static_cast<double>(us);  // a value some command had
    }
    for (std::size_t i = 0; i < slow_.size(); i++) {
        seen += slow_[i];
        if (seen >= rank) {
            // The bucket's midpoint, inside what was seen.
            const std::uint64_t mid = bucket_low(i) + (bucket_high(i) - 1 - bucket_low(i)) / 2;
            return static_cast<double>(std::clamp(mid / 1000, min_us, max_us));
        }
    }
    return static_cast<double>(max_us);
}

std::vector<std::uint64_t> LatencyHistogram::by_microsecond() const
{
    if (!enabled())
        return {};
    std::vector<std::uint64_t> out(kExactUs + 1);
    std::copy(by_us_.begin(), by_us_.end(), out.begin());
    std::uint64_t slower = 0;
    for (std::uint64_t c : slow_)
        slower += c;
    out[kExactUs] = slower;
    return out;
}

}  // namespace nvmetest::ioworker
