// SPDX-License-Identifier: BSD-3-Clause
// A QMP power off under a running IOWorker.  A program (and VM boot) of its
// own: after controller resets with writes in flight (robustness_test.cc),
// QEMU 7.2 sometimes never completes a later device_del, or crashes; a fresh
// VM keeps this test about the IOWorker.
#include <nvmetest/fixtures.h>
#include <nvmetest/ioworker.h>

#include <chrono>
#include <thread>

namespace {

using nvmetest::Namespace;
using nvmetest::testing::SubsystemTest;

TEST_F(SubsystemTest, IoWorkerEndsOnQmpPowerOff)
{
    // The power goes (QMP device_del) under a running worker: poweroff()
    // releases nvme0, which stops the worker before the function goes.
    // Reads only: with writes in flight when the controller is disabled,
    // QEMU 7.2 then either never reports DEVICE_DELETED or crashes (SIGSEGV),
    // with a plain Qpair as well (63 writes queued, subsystem.poweroff()).
    nvmetest::IOWorkerResult r;
    {
        Namespace ns(nvme0);
        auto w = ns.ioworker({.io_size = 8, .time = 10}).start();
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        subsystem.poweroff();
        EXPECT_FALSE(w.running());
        r = w.close();
    }
    EXPECT_EQ(r.error, nvmetest::kIOWorkerTerminated);
    EXPECT_GT(r.io_count_read, 0u);
    EXPECT_LT(r.mseconds, 5000u);
    subsystem.poweron();
    nvme0.reset();
    Namespace nvme0n1(nvme0);
    const auto again = nvme0n1.ioworker({.io_count = 200}).start().close();
    EXPECT_EQ(again.error, 0);
    EXPECT_EQ(again.io_count_read, 200u);
}

}  // namespace
