// SPDX-License-Identifier: BSD-3-Clause
// IOWorkerArgs::iops as a ceiling (libnvmetest/ioworker/rate_limiter.h),
// with a made-up clock: a simulated worker loop and device.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <functional>
#include <utility>
#include <vector>

#include "ioworker/rate_limiter.h"

namespace {

using nvmetest::ioworker::RateLimiter;

constexpr std::int64_t kUs = 1000;
constexpr std::int64_t kMs = 1000 * kUs;
constexpr std::int64_t kSec = 1000 * kMs;
constexpr std::int64_t kStart = 5 * kSec;  // any origin: seconds are aligned on it

struct Sim {
    std::uint32_t iops = 200;
    std::size_t qdepth = 16;
    std::int64_t run_ns = 6 * kSec;
    // The loop looks every step_ns (its wake-up lateness), except while stalled.
    std::int64_t step_ns = 10 * kUs;
    std::int64_t stall_from = 0, stall_to = 0;  // relative to the start
    // The device's latency of the n-th command.
    std::function<std::int64_t(std::uint64_t n, std::int64_t sent)> latency = [](std::uint64_t,
                                                                                 std::int64_t) {
        return 100 * kUs;
    };

    std::vector<std::uint64_t> per_second;  // completions, as output_io_per_second counts them
    std::vector<std::int64_t> sent;         // submission times, relative to the start

    void run()
    {
        RateLimiter lim(iops, kStart);
        std::deque<std::int64_t> done_at;  // completion times of commands in flight (device)
        std::uint64_t n = 0;
        per_second.assign(static_cast<std::size_t>(run_ns / kSec), 0);
        for (std::int64_t t = kStart; t < kStart + run_ns; t += step_ns) {
            if (t - kStart >= stall_from && t - kStart < stall_to)
                continue;  // stalled: the device works on, nobody looks
            // Reap whatever completed by now; the worker stamps its own time.
            std::sort(done_at.begin(), done_at.end());
            while (!done_at.empty() && done_at.front() <= t) {
                done_at.pop_front();
                lim.completed(t);
                per_second[static_cast<std::size_t>((t - kStart) / kSec)]++;
            }
            while (done_at.size() < qdepth && lim.may_issue(t, done_at.size())) {
                lim.issued(t);
                sent.push_back(t - kStart);
                done_at.push_back(t + latency(n++, t - kStart));
            }
        }
        // The drain: whatever was in flight counts in the last second.
        per_second.back() += done_at.size();
    }

    std::size_t sent_between(std::int64_t from, std::int64_t to) const
    {
        return static_cast<std::size_t>(std::count_if(
            sent.begin(), sent.end(), [&](std::int64_t s) { return s >= from && s < to; }));
    }
};

TEST(IoWorkerRate, SteadyRunSendsIopsEverySecond)
{
    Sim s;
    s.run();
    ASSERT_EQ(s.per_second.size(), 6u);
    for (std::uint64_t c : s.per_second)
        EXPECT_EQ(c, 200u);
}

// The loop wakes up late each time (a loaded host): the schedule makes up
// for it instead of drifting slower.
TEST(IoWorkerRate, LateWakeUpsDoNotSlowTheSchedule)
{
    // The interval is 5 ms.  A second counts what was reaped in it: the
    // commands of a late look near its end count in the next, whose budget
    // they take, so the coarser the looks, the more seconds vary.
    const std::pair<std::int64_t, std::uint64_t> steps[] = {
        {4 * kMs + 321 * kUs, 195}, {17 * kMs, 190}, {60 * kMs, 170}};
    for (const auto& [step, least] : steps) {
        Sim s;
        s.step_ns = step;
        s.run();
        std::uint64_t total = 0;
        for (std::size_t i = 0; i < s.per_second.size(); i++) {
            EXPECT_LE(s.per_second[i], 200u) << "second " << i << ", step " << step;
            EXPECT_GE(s.per_second[i], least) << "second " << i << ", step " << step;
            total += s.per_second[i];
        }
        EXPECT_GE(total, 6 * 200 * 94 / 100) << "step " << step;
    }
}

// The worker stalls 1.5 s (SIGSTOP, a debugger, the scheduler): no second
// counts more than iops, and the lost time is not made up in a burst.
TEST(IoWorkerRate, StallIsLostTimeNotDebt)
{
    Sim s;
    s.stall_from = 2 * kSec + 100 * kMs;
    s.stall_to = 3 * kSec + 600 * kMs;
    s.run();
    for (std::size_t i = 0; i < s.per_second.size(); i++)
        EXPECT_LE(s.per_second[i], 200u) << "second " << i;
    // Right after the stall at most 100 ms of the schedule (20 commands),
    // then one per interval: not the 300 it missed.
    EXPECT_LE(s.sent_between(s.stall_to, s.stall_to + 1 * kMs), 21u);
    EXPECT_LE(s.sent_between(s.stall_to, s.stall_to + 100 * kMs), 41u);
    EXPECT_LE(s.per_second[3], 200u * 4 / 10 + 23);  // 3.6 s .. 4 s, and what the stall held
    // The seconds after it are full again.
    EXPECT_EQ(s.per_second[4], 200u);
    EXPECT_EQ(s.per_second[5], 200u);
}

// Commands sent near a second's end complete in the next one (a latency
// spike): that second still counts at most iops.  The price: commands in
// flight at a second's start take from its budget, so such a second sends
// fewer (here the tenth that was still in flight).
TEST(IoWorkerRate, LateCompletionsCountAgainstTheNextSecond)
{
    Sim s;
    s.iops = 100;
    s.latency = [](std::uint64_t, std::int64_t sent) {
        return sent % kSec > 900 * kMs ? 300 * kMs : 50 * kUs;  // the last 10% are slow
    };
    s.run();
    for (std::size_t i = 0; i < s.per_second.size(); i++) {
        EXPECT_LE(s.per_second[i], 100u) << "second " << i;
        EXPECT_GE(s.per_second[i], 85u) << "second " << i;
    }
}

// A deep queue and a slow device: the budget counts what is in flight, so a
// second never takes more than iops even when many complete at once.
TEST(IoWorkerRate, InFlightCommandsCountInTheBudget)
{
    Sim s;
    s.iops = 1000;
    s.qdepth = 256;
    s.latency = [](std::uint64_t n, std::int64_t) { return (n % 7 == 0 ? 1500 : 20) * kMs; };
    s.stall_from = 1 * kSec + 500 * kMs;
    s.stall_to = 2 * kSec + 900 * kMs;
    s.run();
    for (std::size_t i = 0; i < s.per_second.size(); i++)
        EXPECT_LE(s.per_second[i], 1000u) << "second " << i;
}

TEST(IoWorkerRate, NoLimit)
{
    RateLimiter lim(0, kStart);
    EXPECT_FALSE(lim.limited());
    for (int i = 0; i < 10000; i++) {
        ASSERT_TRUE(lim.may_issue(kStart, static_cast<std::size_t>(i)));
        lim.issued(kStart);
    }
    EXPECT_EQ(lim.next_ns(), kStart);
}

// When the budget of a second is used up, the loop may sleep until the next.
TEST(IoWorkerRate, ExhaustedBudgetWaitsForTheNextSecond)
{
    RateLimiter lim(2, kStart);
    ASSERT_TRUE(lim.may_issue(kStart, 0));
    lim.issued(kStart);
    ASSERT_TRUE(lim.may_issue(kStart + kSec / 2, 1));
    lim.issued(kStart + kSec / 2);
    EXPECT_FALSE(lim.may_issue(kStart + kSec - 1, 2));
    EXPECT_EQ(lim.next_ns(), kStart + kSec);
    lim.completed(kStart + kSec - 1);
    lim.completed(kStart + kSec - 1);
    EXPECT_FALSE(lim.may_issue(kStart + kSec - 1, 0));  // two counted this second
    EXPECT_TRUE(lim.may_issue(kStart + kSec, 0));
}

}  // namespace
