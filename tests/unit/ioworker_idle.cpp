// SPDX-License-Identifier: BSD-3-Clause
// When the IOWorker's loop blocks instead of polling, and until when
// (libnvmetest/ioworker/idle_policy.h).
#include <gtest/gtest.h>

#include <limits>

#include "ioworker/cpu_share.h"
#include "ioworker/idle_policy.h"

namespace {

using namespace nvmetest::ioworker;

constexpr std::int64_t kNow = 10'000'000'000;
constexpr std::int64_t kNoTimeLimit = std::numeric_limits<std::int64_t>::max();

constexpr std::int64_t kSpinNs = 10'000;

// Idle past the spin budget, commands in flight, an interrupt, nothing else.
IdleState in_flight()
{
    return {.now = kNow,
            .idle_since = kNow - kSpinNs,
            .outstanding = 4,
            .can_issue = false,
            .next_issue_ns = kNow,
            .deadline_ns = kNoTimeLimit,
            .lock_pending = false,
            .block_in_flight = true,
            .spin_ns = kSpinNs};
}

TEST(IoWorkerIdle, PollsWhileTheSpinBudgetLasts)
{
    IdleState s = in_flight();
    s.idle_since = kNow - kSpinNs + 1;
    EXPECT_EQ(block_until(s), kNow);
    s.idle_since = kNow - kSpinNs;
    EXPECT_NE(block_until(s), kNow);
    s.spin_ns = 0;  // no budget: blocks at once
    s.idle_since = kNow;
    EXPECT_NE(block_until(s), kNow);
}

TEST(IoWorkerIdle, CommandsInFlightWakeItForTheControllerCheck)
{
    EXPECT_EQ(block_until(in_flight()), kNow + kControllerCheckNs);
}

TEST(IoWorkerIdle, SpinBudgetOfIdleSpinUs)
{
    EXPECT_EQ(spin_budget_ns(10), 10'000);
    EXPECT_EQ(spin_budget_ns(0), 0);
    EXPECT_EQ(spin_budget_ns(-1), 0);  // never blocks in flight; sleeps for the rate limit
    EXPECT_EQ(spin_budget_ns(std::numeric_limits<std::int64_t>::max()), 3'600'000'000'000);
}

TEST(IoWorkerIdle, UnsetIdleSpinUsPollsAtQd1And2AndSpinsBrieflyDeeper)
{
    using nvmetest::ioworker::idle_spin_us_for;
    EXPECT_EQ(idle_spin_us_for(std::nullopt, 1), -1);
    EXPECT_EQ(idle_spin_us_for(std::nullopt, 2), -1);
    EXPECT_EQ(idle_spin_us_for(std::nullopt, 3), 10);
    EXPECT_EQ(idle_spin_us_for(std::nullopt, 63), 10);
    EXPECT_EQ(idle_spin_us_for(25, 1), 25);  // given: as given
    EXPECT_EQ(idle_spin_us_for(-1, 63), -1);
}

TEST(IoWorkerIdle, CommandsInFlightArePolledWhenItMayNotBlockOnThem)
{
    // No interrupt, or idle_spin_us negative.
    IdleState s = in_flight();
    s.block_in_flight = false;
    s.spin_ns = 0;
    EXPECT_EQ(block_until(s), kNow);
    // Nothing in flight: waiting for the rate limit needs no interrupt.
    s.outstanding = 0;
    s.can_issue = true;
    s.next_issue_ns = kNow + 500'000;
    EXPECT_EQ(block_until(s), kNow + 500'000);
}

TEST(IoWorkerIdle, TheRateLimitSlotEndsTheBlockOnlyWhenACommandMayGo)
{
    IdleState s = in_flight();
    s.next_issue_ns = kNow + 300'000;
    EXPECT_EQ(block_until(s), kNow + kControllerCheckNs);  // the queue is full
    s.can_issue = true;
    EXPECT_EQ(block_until(s), kNow + 300'000);
    s.outstanding = 0;
    s.next_issue_ns = kNow + 3 * kControllerCheckNs;  // a long gap: one sleep
    EXPECT_EQ(block_until(s), kNow + 3 * kControllerCheckNs);
}

TEST(IoWorkerIdle, TheTimeLimitEndsTheBlockWhileCommandsMayGo)
{
    IdleState s = in_flight();
    s.outstanding = 0;
    s.can_issue = true;
    s.next_issue_ns = kNow + 50'000'000;
    s.deadline_ns = kNow + 40'000'000;
    EXPECT_EQ(block_until(s), kNow + 40'000'000);
}

TEST(IoWorkerIdle, NoBlockIsLongerThanTheSafetyNet)
{
    IdleState s = in_flight();
    s.outstanding = 0;
    s.can_issue = true;
    s.next_issue_ns = kNow + 10 * kMaxBlockNs;  // iops = 1, say
    EXPECT_EQ(block_until(s), kNow + kMaxBlockNs);
}

TEST(IoWorkerIdle, AnIoWaitingForLbaLocksIsRetried)
{
    IdleState s = in_flight();
    s.lock_pending = true;
    EXPECT_EQ(block_until(s), kNow + kLockRetryNs);
}

TEST(IoWorkerIdle, AShortWaitIsPolled)
{
    IdleState s = in_flight();
    s.outstanding = 0;
    s.can_issue = true;
    s.next_issue_ns = kNow + kMinBlockNs - 1;
    EXPECT_EQ(block_until(s), kNow);
    s.next_issue_ns = kNow + kMinBlockNs;
    EXPECT_EQ(block_until(s), kNow + kMinBlockNs);
    s.next_issue_ns = kNow - 5;  // overdue: issue() sends it on the next pass
    EXPECT_EQ(block_until(s), kNow);
}

// cpu_usage: CPU time over wall time, within [0, 1] even when the CPU clock
// runs ahead of the wall clock.
TEST(IoWorkerIdle, CpuShareIsWithinZeroAndOne)
{
    EXPECT_DOUBLE_EQ(cpu_share(250, 1000), 0.25);
    EXPECT_DOUBLE_EQ(cpu_share(1000, 1000), 1.0);
    EXPECT_DOUBLE_EQ(cpu_share(1056, 1000), 1.0);
    EXPECT_DOUBLE_EQ(cpu_share(5, 0), 0.0);
    EXPECT_DOUBLE_EQ(cpu_share(-1, 1000), 0.0);
}

}  // namespace
