// SPDX-License-Identifier: BSD-3-Clause
// Controller behaviour seen from the host (issue 3, "Tests against the emulated
// DUT"): an AER raised by an invalid doorbell write, and lazy doorbell batching
// visible in the command log.
#include <nvmetest/fixtures.h>

#include <chrono>
#include <thread>

namespace {

using nvmetest::Buffer;
using nvmetest::Qpair;
using nvmetest::nvme::Cqe;
using nvmetest::testing::Nvme0Test;
using nvmetest::testing::QpairTest;

// A write to the SQ tail doorbell of a queue that does not exist: QEMU ignores it
// and, with an AER outstanding, posts an Error event: type 0, information 00h
// "Write to Invalid Doorbell Register", log page 01h Error Information
// (dword 0 = 0x00010000).
TEST_F(Nvme0Test, AerOnInvalidDoorbellWrite)
{
    // The highest I/O SQ ID granted: inside the doorbell region, and no queue
    // of this fixture has it (Nvme0Test creates none).
    const std::uint32_t nq = nvme0.getfeatures(7).waitdone();
    const std::uint32_t qid = (nq & 0xffff) + 1;
    const std::uint32_t dstrd = static_cast<std::uint32_t>(nvme0.cap() >> 32) & 0xf;
    const std::uint32_t sq_tail_db = 0x1000 + (2 * qid) * (4u << dstrd);

    std::uint32_t aer_dw0 = 0xffffffff;
    nvme0.register_aer_cb([&](const Cqe& c) { aer_dw0 = c.dw[0]; });
    nvme0[sq_tail_db] = 1;
    EXPECT_WARNS(
        {
            std::this_thread::sleep_for(std::chrono::milliseconds(300));
            nvme0.getfeatures(7).waitdone();
        },
        "AER notification is triggered");
    EXPECT_EQ(aer_dw0 & 0x7, 0u) << std::hex << aer_dw0;            // Error status
    EXPECT_EQ((aer_dw0 >> 8) & 0xff, 0u) << std::hex << aer_dw0;    // Invalid Doorbell Register
    EXPECT_EQ((aer_dw0 >> 16) & 0xff, 1u) << std::hex << aer_dw0;   // Error Information log

    // Reading the Error Information log (RAE = 0) unmasks the event type again,
    // and the controller still works.
    Buffer errlog(4096);
    nvme0.getlogpage(1, errlog, 64).waitdone();
    nvme0.getfeatures(7).waitdone();
}

// One doorbell for a batch: on a lazy qpair the SQ tail doorbell is written only by
// waitdone(), so the controller fetches the whole batch at once. The command log
// shows it in the completions' SQ Head Pointer: every CQE of the batch carries
// the same SQHD (QEMU posts completions only after fetching all the doorbell
// announced), while on an ordinary qpair, one doorbell per command, the SQHDs
// step by one.
TEST_F(QpairTest, LazyDoorbellBatchingInTheCommandLog)
{
    constexpr unsigned kBatch = 3;
    using namespace std::chrono_literals;

    Qpair eager(nvme0, 16);
    for (unsigned i = 0; i < kBatch; i++) {
        eager.msix_clear();
        nvme0n1.read(eager, buf, 8 * i, 8);
        ASSERT_TRUE(eager.wait_msix(5000)) << "command " << i << " not completed by the device";
    }
    eager.waitdone(kBatch);
    const auto elog = eager.cmdlog(kBatch);
    ASSERT_EQ(elog.size(), kBatch);
    for (unsigned i = 1; i < kBatch; i++)
        EXPECT_EQ(elog[i].cqe.sqhd(), (elog[i - 1].cqe.sqhd() + 1) % 16)
            << "ordinary qpair, command " << i;

    Qpair lazy(nvme0, 16, {.lazy_doorbell = true});
    lazy.msix_clear();
    for (unsigned i = 0; i < kBatch; i++) {
        nvme0n1.read(lazy, buf, 8 * i, 8);
        std::this_thread::sleep_for(100ms);
    }
    // Submitted, in order, yet the device has seen none of them.
    auto log = lazy.cmdlog(kBatch);
    ASSERT_EQ(log.size(), kBatch);
    for (unsigned i = 0; i < kBatch; i++) {
        EXPECT_FALSE(log[i].completed) << "command " << i;
        EXPECT_EQ(log[i].sqe.opcode(), 0x02);
        EXPECT_EQ(log[i].sqe.cdw10(), 8 * i);  // SLBA: submission order kept
        if (i) {
            EXPECT_GE(log[i].submitted - log[i - 1].submitted, 100ms);
        }
    }
    EXPECT_FALSE(lazy.msix_isset()) << "the device completed a command before any doorbell";

    const auto wait_start = std::chrono::system_clock::now();
    lazy.waitdone(kBatch);
    log = lazy.cmdlog(kBatch);
    ASSERT_EQ(log.size(), kBatch);
    for (unsigned i = 0; i < kBatch; i++) {
        EXPECT_TRUE(log[i].completed) << "command " << i;
        EXPECT_TRUE(log[i].cqe.ok()) << "command " << i;
        EXPECT_GE(log[i].completed_at, wait_start) << "command " << i;
        EXPECT_EQ(log[i].cqe.sqhd(), kBatch) << "command " << i << ": fetched alone";
    }
}

}  // namespace
