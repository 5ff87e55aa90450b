// SPDX-License-Identifier: BSD-3-Clause
//
// Internal: when the IOWorker's loop stops polling its completion queue and
// blocks, and until when (worker_loop.cpp).  Pure arithmetic on the loop's
// state, so that it is unit-tested without a device
// (tests/unit/ioworker_idle.cpp).
//
// The loop polls while there is something to do.  Once it has polled for its
// spin budget (IOWorkerArgs::idle_spin_us) with no completion and nothing due
// to submit, it blocks on its CQ's interrupt (IdleWait), but never past the
// first time the clock itself must end the wait: the next command the rate
// limit or io_sequence lets go, the end of the time limit, the next look at
// the controller while commands are in flight (CSTS and command timeouts,
// every kControllerCheckNs), the next try of an I/O waiting for LBA locks
// another worker holds.  A stop request (Controller::reset(), the release of
// the controller) wakes it at once.
#ifndef NVMETEST_LIB_IOWORKER_IDLE_POLICY_H
#define NVMETEST_LIB_IOWORKER_IDLE_POLICY_H

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace nvmetest::ioworker {

// While commands are in flight and none completes, the loop looks at the
// controller (CSTS: disabled behind the library's back?) and at the
// commands' timeouts at least this often.
inline constexpr std::int64_t kControllerCheckNs = 1'000'000;
// An I/O waiting for LBA locks held by another worker (data verification) is
// tried again this often: no interrupt of this worker's queue announces the
// release.
inline constexpr std::int64_t kLockRetryNs = 100'000;
// The longest a blocked loop goes without reading the clock, whatever it
// waits for (a safety net: a stop request wakes it anyway).
inline constexpr std::int64_t kMaxBlockNs = 100'000'000;
// A wait shorter than this is polled: blocking and waking cost about as much.
inline constexpr std::int64_t kMinBlockNs = 20'000;

// IOWorkerArgs::idle_spin_us when unset: a worker of queue depth
// kLatencyQdepth or less polls (-1), a deeper one spins kDefaultSpinUs.
inline constexpr unsigned kLatencyQdepth = 2;
inline constexpr std::int64_t kDefaultSpinUs = 10;
constexpr std::int64_t idle_spin_us_for(std::optional<std::int64_t> idle_spin_us,
                                        unsigned qdepth) noexcept
{
    return idle_spin_us ? *idle_spin_us : qdepth <= kLatencyQdepth ? -1 : kDefaultSpinUs;
}

// The spin budget of IOWorkerArgs::idle_spin_us: negative values (never
// block with commands in flight, IdleState::block_in_flight) spin for no time
// before a sleep for the rate limit; huge ones are capped at an hour.
constexpr std::int64_t spin_budget_ns(std::int64_t idle_spin_us) noexcept
{
    constexpr std::int64_t kMaxUs = 3'600'000'000;
    return idle_spin_us <= 0 ? 0 : std::min(idle_spin_us, kMaxUs) * 1000;
}

// What the loop knows when it has nothing to do.
struct IdleState {
    std::int64_t now = 0;
    std::int64_t idle_since = 0;    // the last completion or submission
    std::size_t outstanding = 0;    // commands in flight
    bool can_issue = false;         // a command may go once next_issue_ns comes
    std::int64_t next_issue_ns = 0; // rate limit or io_sequence time
    std::int64_t deadline_ns = 0;   // the time limit (issuing ends there)
    bool lock_pending = false;      // an I/O waits for another worker's LBA locks
    // It may block with commands in flight: its CQ interrupts
    // (IdleWait::has_interrupt) and idle_spin_us is not negative.
    bool block_in_flight = false;
    std::int64_t spin_ns = 0;       // the spin budget
};

// The time by which a blocked loop must be awake again.  Returns s.now when
// the loop must keep polling instead: its spin budget is not used up, a
// command is in flight and the loop may not block on its completion, or the
// wake-up would come within kMinBlockNs anyway.
constexpr std::int64_t block_until(const IdleState& s) noexcept
{
    if (s.now - s.idle_since < s.spin_ns)
        return s.now;
    if (s.outstanding && !s.block_in_flight)
        return s.now;
    std::int64_t t = s.now + kMaxBlockNs;
    if (s.outstanding)
        t = std::min(t, s.now + kControllerCheckNs);
    if (s.can_issue)
        t = std::min({t, s.next_issue_ns, s.deadline_ns});
    if (s.lock_pending)
        t = std::min(t, s.now + kLockRetryNs);
    return t - s.now < kMinBlockNs ? s.now : t;
}

}  // namespace nvmetest::ioworker

#endif  // NVMETEST_LIB_IOWORKER_IDLE_POLICY_H
