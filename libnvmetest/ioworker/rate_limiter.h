// SPDX-License-Identifier: BSD-3-Clause
//
// Internal: IOWorkerArgs::iops, a ceiling.  Pure arithmetic on times the
// loop passes in, so that it is unit-tested with a made-up clock
// (tests/unit/ioworker_rate.cpp).
//
// "At most iops commands per second" is judged the way the worker reports
// it: output_io_per_second counts completions in the seconds of the run
// (aligned on its start).  Two rules keep every such second at or below iops:
//  - a budget: a command may go only while the completions counted in the
//    current second plus the commands in flight are fewer than iops.  A
//    command in flight completes in this second or a later one, and a later
//    second's budget counts it as in flight when that second begins, so no
//    second can count more than iops, however late completions come;
//  - pacing: commands are spread evenly, one each 1/iops seconds.  A worker
//    that fell behind its schedule makes up at most kCatchUpNs of it: late
//    wake-ups of a loaded host (a few milliseconds each) cost no commands,
//    while a stall (the scheduler, a debugger, SIGSTOP, a slow device) is
//    time lost, not a debt paid back in a burst.
#ifndef NVMETEST_LIB_IOWORKER_RATE_LIMITER_H
#define NVMETEST_LIB_IOWORKER_RATE_LIMITER_H

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace nvmetest::ioworker {

class RateLimiter {
public:
    static constexpr std::int64_t kSecondNs = 1'000'000'000;
    // The most of its schedule a late worker makes up (at most iops / 10
    // commands sent back to back).
    static constexpr std::int64_t kCatchUpNs = 100'000'000;

    // iops 0: no limit (may_issue() always true, next_ns() never later).
    RateLimiter(std::uint32_t iops, std::int64_t start_ns) noexcept
        : iops_(iops),
          interval_ns_(iops ? kSecondNs / iops : 0),
          next_ns_(start_ns),
          second_end_ns_(start_ns + kSecondNs)
    {
    }

    bool limited() const noexcept { return iops_ != 0; }

    // Whether a command may be sent at now with outstanding in flight.  When
    // not, next_ns() says when to look again (the budget comes back only with
    // the next second: a completion moves a command from in flight to
    // counted, it frees nothing).
    bool may_issue(std::int64_t now, std::size_t outstanding) noexcept
    {
        if (!iops_)
            return true;
        roll(now);
        if (now < next_ns_)
            return false;
        if (second_count_ + outstanding < iops_)
            return true;
        next_ns_ = std::max(next_ns_, second_end_ns_);
        return false;
    }

    // A command went at now.
    void issued(std::int64_t now) noexcept
    {
        if (iops_)
            next_ns_ = std::max(next_ns_, now - kCatchUpNs) + interval_ns_;
    }

    // A command completed at now.
    void completed(std::int64_t now) noexcept
    {
        if (!iops_)
            return;
        roll(now);
        second_count_++;
    }

    // The earliest time a command may go (the loop sleeps until then).
    std::int64_t next_ns() const noexcept { return next_ns_; }

private:
    void roll(std::int64_t now) noexcept
    {
        if (now < second_end_ns_)
            return;
        // Whole seconds without a look (a stall) are skipped at once.
        second_end_ns_ += (now - second_end_ns_) / kSecondNs * kSecondNs + kSecondNs;
        second_count_ = 0;
    }

    std::uint32_t iops_;
    std::int64_t interval_ns_;
    std::int64_t next_ns_;
    std::int64_t second_end_ns_;
    std::uint64_t second_count_ = 0;
};

}  // namespace nvmetest::ioworker

#endif  // NVMETEST_LIB_IOWORKER_RATE_LIMITER_H
