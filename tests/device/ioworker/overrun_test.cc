// SPDX-License-Identifier: BSD-3-Clause
// Error -4 (kIOWorkerTimeout): a worker whose drain after its time limit
// lasts longer than kIOWorkerTimeoutGraceSec gives up and ends with the
// counts so far.  QEMU's own I/O throttling (QMP block_set_io_throttle on
// the DUT's namespace) makes the device slow but alive: every read
// completes, one a second, each within its (lengthened) timeout.
#include <nvmetest/fixtures.h>
#include <nvmetest/ioworker.h>

#include <chrono>
#include <string>
#include <thread>

#include "qemu_throttle.h"

namespace {

using devtest::namespace_qdev_id;
using devtest::QemuThrottle;
using nvmetest::testing::Nvme0n1Test;

TEST_F(Nvme0n1Test, IoWorkerWhoseDrainOutlivesItsTimeByTheGraceIsErrorMinus4)
{
    const std::string ns_id = namespace_qdev_id(1);
    ASSERT_FALSE(ns_id.empty()) << "QEMU's query-pci does not list " << nvmetest::testing::pciaddr();
    // 63 reads queued at one a second: the last waits about a minute in QEMU,
    // so no read may time out before, and none counts as slow.
    nvme0n1.set_timeout_ms(0x02, 180'000);
    constexpr double kTime = 1;
    nvmetest::IOWorkerResult r;
    double ended_after = 0;
    {
        auto w = nvme0n1.ioworker({.io_size = 8, .time = kTime, .qdepth = 63,
                                   .slow_latency = 600'000'000});
        QemuThrottle throttle(ns_id, 1);
        ASSERT_TRUE(throttle.on()) << throttle.error();
        const auto t0 = std::chrono::steady_clock::now();
        w.start();
        while (w.running() && std::chrono::steady_clock::now() - t0 < std::chrono::seconds(90))
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        ended_after = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        EXPECT_FALSE(w.running());
        // Unthrottled before close(): deleting the queue makes QEMU cancel the
        // reads it still holds, and it waits for each.
        throttle.off();
        ASSERT_FALSE(throttle.on()) << throttle.error();
        EXPECT_WARNS(r = w.close(), "timeout \\(-4\\): [0-9]+ commands still in flight");
    }
    nvme0n1.set_timeout_ms(0x02, nvme0.timeout());

    EXPECT_EQ(r.error, nvmetest::kIOWorkerTimeout);
    const double limit = kTime + nvmetest::kIOWorkerTimeoutGraceSec;
    EXPECT_GE(r.mseconds, limit * 1000);
    EXPECT_LT(r.mseconds, limit * 1000 + 2000);
    EXPECT_GE(ended_after, limit);
    // The results so far: about one read a second completed, and fewer than
    // were sent (the queue was full at the end of the time).
    EXPECT_GE(r.io_count_read, 15u);
    EXPECT_LT(r.io_count_read, 60u);
    EXPECT_EQ(r.lba_count_read, 8 * r.io_count_read);

    // The namespace serves a new worker at full speed.
    const auto again = nvme0n1.ioworker({.io_count = 500}).start().close();
    EXPECT_EQ(again.error, 0);
    EXPECT_EQ(again.io_count_read, 500u);
}

}  // namespace
