// SPDX-License-Identifier: BSD-3-Clause
// Metamode command flow (seed 002 section 2): the raw read command step by
// step (test_metamode_read_command), the same through the read helper
// (test_metamode_example), and metamode queues next to the library's Qpairs.
#include "meta_fixture.h"

namespace {

namespace meta = nvmetest::meta;
using nvmetest::Buffer;
using nvmetest::Qpair;
using nvmetest::UsageError;
using nvmetest::testing::MetaTest;

TEST_F(MetaTest, ReadCommandStepByStep)
{
    Buffer data = random_data(1);
    write_lbas(data, 0, 1);

    // Create an IOCQ and IOSQ
    meta::IOCQ cq(nvme0, 1, 10, meta::PRP(10 * 16));
    meta::IOSQ sq(nvme0, 1, 10, meta::PRP(10 * 64), cq);
    ASSERT_TRUE(cq.created()) << cq.create_cqe().status();
    ASSERT_TRUE(sq.created()) << sq.create_cqe().status();

    // Step 1: host writes the command into SQ entry 0
    meta::SQE cmd_read(2, 1);
    cmd_read.set_cid(0);
    meta::PRP buf(4096);
    cmd_read.set_prp1(buf);
    sq[0] = cmd_read;
    const meta::SQE back = sq[0];
    EXPECT_EQ(back.opcode(), 2);
    EXPECT_EQ(back.nsid(), 1u);
    EXPECT_EQ(back.prp1(), buf.phys_addr());

    // Step 2: host writes the SQ tail doorbell
    sq.set_tail(1);
    EXPECT_EQ(sq.tail(), 1u);

    // Steps 3-6 are the device's. Step 7: host sees the phase tag flip.
    const meta::CQE cqe = cq.wait_pbit(cq.head(), 1);
    // Step 8: host writes the CQ head doorbell
    cq.set_head(1);

    EXPECT_EQ(cqe.status(), 0) << "status " << std::hex << cqe.status();
    EXPECT_TRUE(cqe.p());
    EXPECT_EQ(cqe.cid(), 0);
    EXPECT_EQ(cqe.sqid(), 1);
    EXPECT_EQ(cqe.sqhd(), 1) << "the device fetched one entry";
    EXPECT_EQ(cq[0].status(), cqe.status());
    EXPECT_FALSE(cq[1].p()) << "only one completion was posted";
    EXPECT_TRUE(same_bytes(buf.slice(0, 512), data.slice(0, 512))) << "LBA 0 read back differs";

    EXPECT_TRUE(sq.del().ok());
    EXPECT_TRUE(cq.del().ok());
}

TEST_F(MetaTest, ReadHelperFillsTheEntryAtTheTail)
{
    Buffer data = random_data(2);
    write_lbas(data, 8, 2);

    meta::IOCQ cq(nvme0, 1, 10, meta::PRP(10 * 16));
    meta::IOSQ sq(nvme0, 1, 10, meta::PRP(10 * 64), cq);
    meta::PRP buf(4096);
    EXPECT_EQ(sq.read({.cid = 0, .nsid = 1, .lba = 8, .lba_count = 2, .prp1 = buf}), 0u);
    const meta::SQE cmd = sq[0];
    EXPECT_EQ(cmd.opcode(), 2);
    EXPECT_EQ(cmd.slba(), 8u);
    EXPECT_EQ(cmd.nlb(), 2u);
    sq.set_tail(1);
    const meta::CQE cqe = cq.waitdone(1);
    cq.set_head(1);
    EXPECT_EQ(cqe.status(), 0);
    EXPECT_EQ(cq[0].cid(), 0);
    EXPECT_TRUE(same_bytes(buf.slice(0, 1024), data.slice(0, 1024)));

    // The write helper at the next tail: LBA 8 gets new data, read back by the library.
    meta::PRP wbuf(4096, {.pvalue = 0x5a5a5a5a, .ptype = 32});
    EXPECT_EQ(sq.write({.cid = 7, .nsid = 1, .lba = 8, .lba_count = 1, .prp1 = wbuf}), 1u);
    sq.set_tail(2);
    EXPECT_EQ(cq.waitdone(1).cid(), 7);
    cq.set_head(2);
    EXPECT_EQ(cq[1].status(), 0);
    EXPECT_EQ(cq[1].sqhd(), 2);

    Qpair q(nvme0, 16, {.sqid = kLibraryQid});
    Buffer check(512);
    nvme0n1.read(q, check, 8, 1).waitdone();
    EXPECT_TRUE(same_bytes(check.slice(0, 512), wbuf.slice(0, 512)));
}

// The wrap of the ring: waitdone() expects the phase tag of the next pass once
// the head went round.
TEST_F(MetaTest, WaitdoneFollowsThePhaseAcrossTheWrap)
{
    constexpr unsigned kDepth = 4;
    meta::IOCQ cq(nvme0, 2, kDepth, meta::PRP(kDepth * 16));
    meta::IOSQ sq(nvme0, 2, kDepth, meta::PRP(kDepth * 64), cq);
    meta::PRP buf(4096);
    for (unsigned i = 0; i < 2 * kDepth; i++) {
        const std::uint32_t slot = i % kDepth;
        sq.read({.cid = static_cast<std::uint16_t>(i), .lba = i, .prp1 = buf});
        sq.set_tail((slot + 1) % kDepth);
        const meta::CQE c = cq.waitdone(1);
        EXPECT_EQ(c.cid(), i);
        EXPECT_EQ(c.p(), i < kDepth) << "pass " << i / kDepth;
        EXPECT_EQ(c.status(), 0);
        cq.set_head((slot + 1) % kDepth);
    }
}

// Metamode queues and the library's Qpairs on one controller: IDs never clash.
TEST_F(MetaTest, QueueIdsNeverClashWithQpairs)
{
    Qpair qpair(nvme0, 16);  // the lowest free ID: 1
    ASSERT_EQ(qpair.sqid(), 1);
    try {
        meta::IOCQ cq(nvme0, 1, 10, meta::PRP(10 * 16));
        FAIL() << "IOCQ 1 was created over the Qpair's CQ 1";
    } catch (const UsageError& e) {
        EXPECT_NE(std::string(e.what()).find("in use by a Qpair"), std::string::npos) << e.what();
    }

    meta::IOCQ cq(nvme0, 2, 10, meta::PRP(10 * 16));
    meta::IOSQ sq(nvme0, 3, 10, meta::PRP(10 * 64), cq);
    EXPECT_THROW(meta::IOCQ(nvme0, 2, 10, meta::PRP(10 * 16)), UsageError);
    EXPECT_THROW(meta::IOSQ(nvme0, 3, 10, meta::PRP(10 * 64), cq), UsageError);

    // A Qpair asking for an ID a metamode queue holds is told who holds it.
    try {
        Qpair clash(nvme0, 16, {.sqid = 3});
        FAIL() << "a Qpair took SQ ID 3 of a metamode IOSQ";
    } catch (const UsageError& e) {
        EXPECT_NE(std::string(e.what()).find("in use by a metamode IOSQ"), std::string::npos)
            << e.what();
    }
    // And a Qpair choosing its own ID skips them: 1 is the Qpair's, 2 and 3 metamode's.
    Qpair next(nvme0, 16);
    EXPECT_EQ(next.sqid(), 4);

    // Both drivers work side by side.
    Buffer lib_buf(512);
    nvme0n1.read(qpair, lib_buf, 0, 1).waitdone();
    meta::PRP meta_buf(4096);
    sq.read({.cid = 5, .prp1 = meta_buf});
    sq.set_tail(1);
    EXPECT_EQ(cq.waitdone(1).sqid(), 3);
    cq.set_head(1);
    EXPECT_TRUE(same_bytes(meta_buf.slice(0, 512), lib_buf.slice(0, 512)));

    // Deleting a metamode queue frees its ID for the library.
    EXPECT_TRUE(sq.del().ok());
    Qpair freed(nvme0, 16, {.sqid = 3});
    EXPECT_EQ(freed.sqid(), 3);
}

// A controller reset removes metamode queues from the device: deleting them is
// answered "no such queue", which frees their IDs for the library again.
TEST_F(MetaTest, ResetForgetsMetamodeQueues)
{
    meta::IOCQ cq(nvme0, 1, 10, meta::PRP(10 * 16));
    meta::IOSQ sq(nvme0, 1, 10, meta::PRP(10 * 64), cq);
    nvme0.reset();
    EXPECT_THROW(Qpair(nvme0, 16, {.sqid = 1}), UsageError) << "the IDs are still held";
    meta::CQE c;
    EXPECT_WARNS(c = sq.del(), "ERROR status: 01/01");
    EXPECT_FALSE(sq.created());
    EXPECT_WARNS(c = cq.del(), "ERROR status: 01/00");
    EXPECT_FALSE(cq.created());
    Qpair q(nvme0, 16, {.sqid = 1});
    Buffer b(512);
    nvme0n1.read(q, b, 0, 1).waitdone();
}

TEST_F(MetaTest, MisuseIsRefusedBeforeTheDeviceSeesIt)
{
    // A ring too small for its depth: the device would write past it.
    EXPECT_THROW(meta::IOCQ(nvme0, 1, 10, meta::PRP(9 * 16)), UsageError);
    EXPECT_THROW(meta::IOSQ(nvme0, 1, 10, meta::PRP(10 * 64 - 1), 1), UsageError);
    meta::IOCQ cq(nvme0, 1, 10, meta::PRP(10 * 16));
    meta::IOSQ sq(nvme0, 1, 10, meta::PRP(10 * 64), cq);
    EXPECT_THROW(sq[10] = meta::SQE(2, 1), UsageError);
    EXPECT_THROW(cq[10], UsageError);
    meta::SQE cmd;
    EXPECT_THROW(cmd[16] = 0, UsageError);
    EXPECT_THROW(cq.waitdone(10), UsageError);
    // Nothing was sent: no completion is there.
    EXPECT_THROW(cq.wait_pbit(0, 1, 100), nvmetest::TimeoutError);
}

}  // namespace
