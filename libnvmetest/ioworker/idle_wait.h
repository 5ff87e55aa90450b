// SPDX-License-Identifier: BSD-3-Clause
//
// Internal: how the IOWorker's thread blocks while it has nothing to do
// (worker_loop.cpp; when: idle_policy.h).  It waits on its CQ's interrupt
// vector (the eventfd the kernel module signals), on a wake-up from the test
// thread (a stop request), or for a time, whichever comes first.
//
// The interrupt's eventfd is a duplicate made at setup: a later interrupt
// setup of the device (which closes the IrqSet's descriptors) cannot turn it
// into someone else's file; it then simply never fires, and the loop still
// wakes by its timeouts.
#ifndef NVMETEST_LIB_IOWORKER_IDLE_WAIT_H
#define NVMETEST_LIB_IOWORKER_IDLE_WAIT_H

#include <cstdint>

namespace nvmetest::ioworker {

class IdleWait {
public:
    IdleWait() noexcept = default;
    // irq_eventfd: the CQ's vector (duplicated here), or -1 when the queue
    // has no interrupt.  Throws Error when no eventfd can be made.
    explicit IdleWait(int irq_eventfd);
    IdleWait(const IdleWait&) = delete;
    IdleWait& operator=(const IdleWait&) = delete;
    ~IdleWait();

    bool has_interrupt() const noexcept { return irq_fd_ >= 0; }
    // Any thread: the worker's current or next block() returns at once, and
    // so does every later one.
    void wake() noexcept;
    // Forgets the interrupts that fired so far.  The loop calls it, then
    // looks at its CQ once more, then blocks: a completion posted after that
    // look fires the vector after arm() and ends the block at once.
    void arm() noexcept;
    // Blocks until the interrupt fired since arm() (when on_interrupt),
    // wake(), or the steady-clock time until_ns (core::now_ns()).
    void block(std::int64_t until_ns, bool on_interrupt) noexcept;

private:
    int irq_fd_ = -1;
    int wake_fd_ = -1;
};

}  // namespace nvmetest::ioworker

#endif  // NVMETEST_LIB_IOWORKER_IDLE_WAIT_H
