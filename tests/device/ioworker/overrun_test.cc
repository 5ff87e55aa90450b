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

#include "support/qmp.h"

namespace {

using nvmetest::testing::Nvme0n1Test;

// QEMU throttles the block device of the namespace device ns_qdev_id to
// iops commands a second while it lives.  QMP is opened per call: the port
// admits one client at a time.
class QemuThrottle {
public:
    QemuThrottle(std::string ns_qdev_id, int iops) : id_(std::move(ns_qdev_id)) { on_ = set(iops); }
    ~QemuThrottle() { off(); }
    QemuThrottle(const QemuThrottle&) = delete;
    QemuThrottle& operator=(const QemuThrottle&) = delete;

    bool on() const { return on_; }
    const std::string& error() const { return error_; }
    void off()
    {
        if (on_)
            on_ = !set(0);
    }

private:
    bool set(int iops)
    {
        devtest::Qmp qmp;
        if (!qmp.open()) {
            error_ = qmp.error();
            return false;
        }
        const std::string args = "{\"id\":\"" + id_ +
                                 "\",\"bps\":0,\"bps_rd\":0,\"bps_wr\":0,\"iops\":" +
                                 std::to_string(iops) + ",\"iops_rd\":0,\"iops_wr\":0}";
        if (!qmp.execute("block_set_io_throttle", args)) {
            error_ = qmp.error();
            return false;
        }
        return true;
    }

    std::string id_;
    bool on_ = false;
    std::string error_;
};

// The qdev id of the DUT's namespace nsid: "<controller id>-ns<nsid>"
// (tests/vm/nvmetest-vm), the controller's id from QEMU's query-pci.
std::string namespace_qdev_id(std::uint32_t nsid)
{
    devtest::Qmp qmp;
    if (!qmp.open())
        return "";
    const auto dev = devtest::qmp_find_pci(qmp, nvmetest::testing::pciaddr());
    return dev && !dev->qdev_id.empty() ? dev->qdev_id + "-ns" + std::to_string(nsid) : "";
}

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
