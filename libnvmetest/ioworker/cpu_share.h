// SPDX-License-Identifier: BSD-3-Clause
//
// Internal: IOWorkerResult::cpu_usage, the worker thread's CPU time over its
// wall time.  The two come from different clocks (the scheduler's
// accounting behind CLOCK_THREAD_CPUTIME_ID, the clocksource behind
// CLOCK_MONOTONIC) that need not agree to the last percent: in a TCG guest
// a worker that polled all the time reported up to 1.056 over short runs.
// One thread cannot use more than its wall time, so the share is clamped to
// [0, 1]: 1 means busy all the time, as PyNVMe3's IO models document reads
// it (section 1.6, Performance: close to or above 0.9, the host is the
// bottleneck).
#ifndef NVMETEST_LIB_IOWORKER_CPU_SHARE_H
#define NVMETEST_LIB_IOWORKER_CPU_SHARE_H

#include <algorithm>
#include <cstdint>

namespace nvmetest::ioworker {

constexpr double cpu_share(std::int64_t cpu_ns, std::int64_t wall_ns) noexcept
{
    if (wall_ns <= 0 || cpu_ns <= 0)
        return 0;
    return std::min(1.0, static_cast<double>(cpu_ns) / static_cast<double>(wall_ns));
}

}  // namespace nvmetest::ioworker

#endif  // NVMETEST_LIB_IOWORKER_CPU_SHARE_H
