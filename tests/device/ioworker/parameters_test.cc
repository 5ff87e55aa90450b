// SPDX-License-Identifier: BSD-3-Clause
// IOWorker parameters that are refused before anything reaches the device,
// and the lifecycle (start, close, scope guard).
#include <nvmetest/fixtures.h>
#include <nvmetest/ioworker.h>

namespace {

using nvmetest::IOWorkerArgs;
using nvmetest::UsageError;
using nvmetest::testing::Nvme0n1Test;

// The message of the UsageError that ioworker(a) throws, or "" if none.
std::string refusal(nvmetest::Namespace& ns, IOWorkerArgs a)
{
    try {
        ns.ioworker(std::move(a));
    } catch (const UsageError& e) {
        return e.what();
    }
    return "";
}

TEST_F(Nvme0n1Test, IoWorkerRefusesContradictoryArguments)
{
    EXPECT_NE(refusal(nvme0n1, {}).find("neither io_count"), std::string::npos);
    EXPECT_NE(refusal(nvme0n1, {.time = 1, .region_end = nvme0n1.capacity() + 1})
                  .find("beyond the namespace"),
              std::string::npos);
    EXPECT_NE(refusal(nvme0n1, {.time = 1, .op_percentage = {{2, 40}, {1, 30}, {9, 20}}})
                  .find("not 100.00"),
              std::string::npos);
    EXPECT_NE(refusal(nvme0n1, {.time = 1, .qdepth = 0}).find("qdepth"), std::string::npos);
    const auto mqes = (nvme0.cap() & 0xffff) + 1;
    EXPECT_NE(refusal(nvme0n1, {.time = 1, .qdepth = static_cast<unsigned>(mqes)}).find("MQES"),
              std::string::npos);
    EXPECT_NE(refusal(nvme0n1, {.time = 1, .qprio = 4}).find("qprio"), std::string::npos);
    EXPECT_NE(refusal(nvme0n1, {.time = 1, .pvalue = 101}).find("101"), std::string::npos);
    EXPECT_NE(refusal(nvme0n1, {.time = 1, .cpu_id = 4096}).find("cpu_id"), std::string::npos);
    std::vector<nvmetest::IOWorkerCmdlogRecord> none;
    EXPECT_NE(refusal(nvme0n1, {.time = 1, .output_cmdlog_list = &none}).find("output_cmdlog_list"),
              std::string::npos);
}

TEST_F(Nvme0n1Test, IoWorkerLifecycle)
{
    auto w = nvme0n1.ioworker({.io_count = 10});
    EXPECT_THROW(w.close(), UsageError);  // not started
    w.start();
    EXPECT_THROW(w.start(), UsageError);
    const auto r = w.close();
    EXPECT_EQ(r.io_count_read, 10u);
    const auto again = w.close();  // the same result
    EXPECT_EQ(again.io_count_read, 10u);
    EXPECT_FALSE(w.running());
}

TEST_F(Nvme0n1Test, IoWorkerScopeGuardWaitsAndDeletesItsQpair)
{
    const std::size_t before = nvme0.cmdlog(0).size();
    {
        auto w = nvme0n1.ioworker({.io_count = 2000, .qdepth = 8}).start();
        EXPECT_TRUE(w.running());
    }  // Python's with: waits for the end, then deletes the queues
    const auto log = nvme0.cmdlog(0);
    ASSERT_GE(log.size(), before + 4);
    // Create CQ, create SQ, then delete SQ and delete CQ of the same queue ID.
    const auto& del_cq = log[log.size() - 1].sqe;
    const auto& del_sq = log[log.size() - 2].sqe;
    EXPECT_EQ(del_sq.opcode(), 0x00);
    EXPECT_EQ(del_cq.opcode(), 0x04);
    EXPECT_EQ(del_sq.cdw[10], del_cq.cdw[10]);
    EXPECT_TRUE(log[log.size() - 1].cqe.ok());
    EXPECT_TRUE(log[log.size() - 2].cqe.ok());
}

TEST_F(Nvme0n1Test, IoWorkerIoSizeBeyondMdtsIsErrorMinus2)
{
    const std::uint32_t over = static_cast<std::uint32_t>(nvme0.mdts() / nvme0n1.sector_size()) + 1;
    nvmetest::IOWorkerResult r;
    EXPECT_WARNS(r = nvme0n1.ioworker({.io_size = over, .io_count = 1}).start().close(), "MDTS");
    EXPECT_EQ(r.error, nvmetest::kIOWorkerIoSizeOverMdts);
    EXPECT_EQ(r.io_count_read, 0u);
}

TEST_F(Nvme0n1Test, IoWorkerQprioReachesCreateIoSq)
{
    nvme0n1.ioworker({.io_count = 10, .qprio = 2}).start().close();
    bool seen = false;
    for (const auto& e : nvme0.cmdlog(0))
        if (e.sqe.opcode() == 0x01) {  // Create I/O Submission Queue
            seen = true;
            EXPECT_EQ((e.sqe.cdw[11] >> 1) & 3, 2u);  // QPRIO
        }
    EXPECT_TRUE(seen);
}

}  // namespace
