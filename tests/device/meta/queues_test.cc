// SPDX-License-Identifier: BSD-3-Clause
// Metamode queue examples of seed 002 section 2 (2.2 asymmetric SQ and CQ,
// 2.3 conflicting CIDs, 2.4 invalid doorbell) and seed 003 (the Python Space
// Driver's two SQs on one CQ), plus what the controller says to queue
// deletion out of order and to queue IDs it does not allow.
#include "meta_fixture.h"

#include <chrono>
#include <optional>
#include <thread>

namespace {

namespace meta = nvmetest::meta;
namespace nvme = nvmetest::nvme;
using nvmetest::Buffer;
using nvmetest::Qpair;
using nvmetest::testing::AerRecorder;
using nvmetest::testing::MetaTest;
using namespace std::chrono_literals;

// 2.2: three SQs post to one CQ; each doorbell is rung after the previous
// completion, so the CQ holds them in that order.
TEST_F(MetaTest, ThreeSqsShareOneCqInDoorbellOrder)
{
    meta::IOCQ cq(nvme0, 1, 10, meta::PRP(10 * 16));
    meta::IOSQ sq1(nvme0, 1, 10, meta::PRP(10 * 64), cq);
    meta::IOSQ sq2(nvme0, 2, 10, meta::PRP(10 * 64), cq);
    meta::IOSQ sq3(nvme0, 3, 10, meta::PRP(10 * 64), cq);

    meta::SQE cmd_write(1, 1);
    cmd_write.set_cid(1);
    cmd_write[12] = 1u << 30;  // FUA, one block
    meta::PRP buf2(4096);
    buf2.set(10, "hello world");
    cmd_write.set_prp1(buf2);

    meta::SQE cmd_read1(2, 1);
    meta::PRP buf1(4096);
    cmd_read1.set_prp1(buf1);
    cmd_read1.set_cid(2);
    meta::SQE cmd_read2(2, 1);
    meta::PRP buf3(4096);
    cmd_read2.set_prp1(buf3);
    cmd_read2.set_cid(3);

    sq1[0] = cmd_write;
    sq2[0] = cmd_read1;
    sq3[0] = cmd_read2;

    sq1.set_tail(1);
    cq.wait_pbit(cq.head(), 1);
    cq.set_head(1);
    sq2.set_tail(1);
    cq.wait_pbit(cq.head(), 1);
    cq.set_head(2);
    sq3.set_tail(1);
    cq.wait_pbit(cq.head(), 1);
    cq.set_head(3);

    const std::uint16_t sqids[] = {1, 2, 3}, cids[] = {1, 2, 3};
    for (unsigned i = 0; i < 3; i++) {
        EXPECT_EQ(cq[i].status(), 0) << "entry " << i;
        EXPECT_EQ(cq[i].sqid(), sqids[i]) << "entry " << i;
        EXPECT_EQ(cq[i].cid(), cids[i]) << "entry " << i;
        EXPECT_EQ(cq[i].sqhd(), 1) << "entry " << i;
    }
    // The reads ran after the write: both see "hello world" at byte 10.
    EXPECT_EQ(buf1.data<std::string>(20, 10), "hello world");
    EXPECT_EQ(buf3.data<std::string>(20, 10), "hello world");
}

// Seed 003: two SQs on one CQ, a 16 KiB write through a PRP list in each; SQ 2
// is rung first, so its completion comes first.
TEST_F(MetaTest, PsdTwoSqsOneCqReportSqidSqhdCid)
{
    meta::IOCQ cq(nvme0, 1, 10, meta::PRP());
    meta::IOSQ sq1(nvme0, 1, 10, meta::PRP(), 1);
    meta::IOSQ sq2(nvme0, 2, 16, meta::PRP(), 1);

    meta::SQE write_cmd(1, 1);
    meta::PRP first(4096, {.pvalue = 100, .ptype = 0xbeef});
    write_cmd.set_prp1(first);
    meta::PRPList prp_list;
    for (int i = 0; i < 3; i++)
        prp_list[i] = meta::PRP(4096, {.pvalue = 100, .ptype = 0xbeef});
    write_cmd.set_prp2(prp_list);
    write_cmd[10] = 0;   // starting LBA
    write_cmd[12] = 31;  // 32 blocks: 16 KiB, 4 pages
    write_cmd.set_cid(123);
    sq1[0] = write_cmd;
    write_cmd.set_cid(567);
    sq2[0] = write_cmd;

    sq2.set_tail(1);
    // The seed sleeps 100 ms here; waiting for SQ 2's completion is the same
    // delay without depending on the load of the machine.
    cq.wait_pbit(0, 1);
    sq1.set_tail(1);
    cq.wait_pbit(1, 1);

    const meta::CQE c0 = cq[0];
    EXPECT_EQ(c0.status(), 0);
    EXPECT_EQ(c0.sqid(), 2);
    EXPECT_EQ(c0.sqhd(), 1);
    EXPECT_EQ(c0.cid(), 567);
    const meta::CQE c1 = cq[1];
    EXPECT_EQ(c1.status(), 0);
    EXPECT_EQ(c1.sqid(), 1);
    EXPECT_EQ(c1.sqhd(), 1);
    EXPECT_EQ(c1.cid(), 123);
    cq.set_head(2);

    // The four pages went to LBAs 0..31 in list order.
    Qpair q(nvme0, 16, {.sqid = kLibraryQid});
    Buffer back(16384);
    nvme0n1.read(q, back, 0, 32).waitdone();
    EXPECT_TRUE(same_bytes(back.slice(0, 4096), first.slice(0, 4096)));
    for (int i = 0; i < 3; i++)
        EXPECT_TRUE(same_bytes(back.slice(4096 * (i + 1), 4096 * (i + 2)),
                               prp_list.prp(i)->slice(0, 4096)))
            << "page " << i + 1;

    EXPECT_TRUE(sq1.del().ok());
    EXPECT_TRUE(sq2.del().ok());
    EXPECT_TRUE(cq.del().ok());
}

// 2.3: two commands with the same CID. QEMU does not check CIDs: both
// complete successfully and both completions carry CID 1.
TEST_F(MetaTest, SameCidTwiceCompletesBoth)
{
    meta::IOCQ cq(nvme0, 1, 10, meta::PRP(10 * 16));
    meta::IOSQ sq(nvme0, 1, 10, meta::PRP(10 * 64), cq);
    meta::SQE cmd_read1(2, 1);
    meta::PRP buf1(4096);
    cmd_read1.set_prp1(buf1);
    cmd_read1.set_cid(1);
    meta::SQE cmd_read2(2, 1);
    meta::PRP buf2(4096);
    cmd_read2.set_prp1(buf2);
    cmd_read2.set_cid(1);
    sq[0] = cmd_read1;
    sq[1] = cmd_read2;
    sq.set_tail(2);
    cq.wait_pbit(1, 1);
    cq.set_head(2);

    EXPECT_EQ(cq[0].status(), 0);
    EXPECT_EQ(cq[0].cid(), 1);
    EXPECT_EQ(cq[1].status(), 0);
    EXPECT_EQ(cq[1].cid(), 1);
    EXPECT_EQ(cq[1].sqhd(), 2);
    EXPECT_FALSE(cq[2].p());
}

// 2.4: an SQ tail beyond the SQ's depth. QEMU ignores the write and posts an
// Error event: type 0, information 01h "Invalid Doorbell Write Value", log
// page 01h: dword 0 = 0x00010100 (PyNVMe3: "AER notification is triggered:
// 0x10100"). The queues still delete cleanly.
TEST_F(MetaTest, SqTailOutOfRangeRaisesTheInvalidDoorbellValueAer)
{
    AerRecorder aer(nvme0);  // the controller keeps an AER outstanding from its init
    meta::IOCQ cq(nvme0, 4, 16, meta::PRP(16 * 16));
    meta::IOSQ sq(nvme0, 4, 16, meta::PRP(16 * 64), cq.id());

    sq.set_tail(20);
    EXPECT_WARNS(
        poll_admin_until_aer(aer),
        "AER notification is triggered: dword0 0x00010100");
    ASSERT_EQ(aer.count(), 1u);
    EXPECT_EQ(aer.dword0()[0], 0x00010100u);
    EXPECT_FALSE(cq[0].p()) << "the device fetched commands after an invalid tail";

    // Reading the Error Information log clears the event.
    Buffer buf(4096);
    nvme0.getlogpage(1, buf, 512).waitdone();

    EXPECT_TRUE(sq.del().ok());
    EXPECT_TRUE(cq.del().ok());
}

// A CQ head beyond the CQ's depth: the same Error event (Invalid Doorbell
// Write Value, dword 0 0x00010100).
TEST_F(MetaTest, CqHeadOutOfRangeRaisesTheInvalidDoorbellValueAer)
{
    AerRecorder aer(nvme0);
    meta::IOCQ cq(nvme0, 4, 16, meta::PRP(16 * 16));
    meta::IOSQ sq(nvme0, 4, 16, meta::PRP(16 * 64), cq);
    cq.set_head(20);
    EXPECT_EQ(cq.head(), 20u);
    EXPECT_WARNS(
        poll_admin_until_aer(aer),
        "AER notification is triggered: dword0 0x00010100");
    ASSERT_EQ(aer.count(), 1u);
    EXPECT_EQ(aer.dword0()[0], 0x00010100u);
    Buffer buf(4096);
    nvme0.getlogpage(1, buf, 512).waitdone();
}

// A CQ with an SQ still attached: Invalid Queue Deletion (01/0Ch). Deleted in
// order, both go; a CQ deleted twice is "Completion Queue Invalid".
TEST_F(MetaTest, DeletingACqBeforeItsSqIsRefused)
{
    meta::IOCQ cq(nvme0, 1, 10, meta::PRP(10 * 16));
    meta::IOSQ sq(nvme0, 1, 10, meta::PRP(10 * 64), cq);
    meta::CQE c;
    EXPECT_WARNS(c = cq.del(), "ERROR status: 01/0c");
    EXPECT_EQ(c.status(), nvme::make_status(1, 0x0c)) << "QEMU sets no DNR here";
    EXPECT_TRUE(cq.created()) << "the refused CQ is still on the device";
    EXPECT_TRUE(sq.del().ok());
    EXPECT_TRUE(cq.del().ok());
    EXPECT_FALSE(cq.created());
    // Deleting again: QEMU answers Completion Queue Invalid (01/00) with DNR.
    EXPECT_WARNS(c = cq.del(), "ERROR status: 01/00");
    EXPECT_EQ(c.status(), nvme::make_status(1, 0x00, true));
}

// The destructor of a CQ whose SQ is still there: the device refuses the
// deletion, so the ring is kept (the device may still write it) and the ID
// stays held, as the device still has the queue.
TEST_F(MetaTest, DestroyingACqWithItsSqAttachedKeepsItsRingAndId)
{
    std::optional<meta::IOCQ> cq;
    cq.emplace(nvme0, 1, 10, meta::PRP(10 * 16));
    meta::IOSQ sq(nvme0, 1, 10, meta::PRP(10 * 64), *cq);
    cq.reset();
    try {
        meta::IOCQ again(nvme0, 1, 10, meta::PRP(10 * 16));
        FAIL() << "CQ 1 created again while the device still has it";
    } catch (const nvmetest::UsageError& e) {
        EXPECT_NE(std::string(e.what()).find("in use by a metamode IOCQ"), std::string::npos)
            << e.what();
    }
    EXPECT_TRUE(sq.del().ok());
}

// The create commands as the admin queue's command log saw them: QID and QSIZE
// (0-based) in CDW10, the ring's address in PRP1, PC, IEN and IV (CQ), PC,
// QPRIO and CQID (SQ) in CDW11.
TEST_F(MetaTest, CreateCommandsCarryTheQueueParameters)
{
    meta::PRP cq_ring(16 * 16), sq_ring(16 * 64);
    const std::uint64_t cq_addr = cq_ring.phys_addr(), sq_addr = sq_ring.phys_addr();
    meta::IOCQ cq(nvme0, 3, 16, std::move(cq_ring), {.iv = 3, .ien = true});
    meta::IOSQ sq(nvme0, 5, 12, std::move(sq_ring), cq, {.qprio = 2});
    ASSERT_TRUE(cq.created() && sq.created());

    const auto log = nvme0.cmdlog(2);
    ASSERT_EQ(log.size(), 2u);
    const nvme::Sqe& c = log[0].sqe;
    EXPECT_EQ(c.opcode(), nvme::admin::kCreateIoCq);
    EXPECT_EQ(c.cdw10(), 15u << 16 | 3u);
    EXPECT_EQ(c.cdw11(), 3u << 16 | 2u | 1u);
    EXPECT_EQ(c.prp1(), cq_addr);
    const nvme::Sqe& q = log[1].sqe;
    EXPECT_EQ(q.opcode(), nvme::admin::kCreateIoSq);
    EXPECT_EQ(q.cdw10(), 11u << 16 | 5u);
    EXPECT_EQ(q.cdw11(), 3u << 16 | 2u << 1 | 1u);
    EXPECT_EQ(q.prp1(), sq_addr);
    EXPECT_EQ(sq.cqid(), 3);
    EXPECT_EQ(sq.depth(), 12u);
    EXPECT_EQ(cq.depth(), 16u);
}

// Any queue ID the controller grants: the highest one (Number of Queues,
// 0-based) carries a read.
TEST_F(MetaTest, HighestGrantedQueueIdWorks)
{
    const std::uint32_t nq = nvme0.getfeatures(7).waitdone();
    const auto top_cq = static_cast<std::uint16_t>((nq >> 16) + 1);
    const auto top_sq = static_cast<std::uint16_t>((nq & 0xffff) + 1);
    meta::IOCQ cq(nvme0, top_cq, 4, meta::PRP(4 * 16));
    meta::IOSQ sq(nvme0, top_sq, 4, meta::PRP(4 * 64), cq);
    ASSERT_TRUE(cq.created() && sq.created());
    meta::PRP buf(4096);
    sq.read({.cid = 77, .prp1 = buf});
    sq.set_tail(1);
    const meta::CQE c = cq.waitdone(1);
    cq.set_head(1);
    EXPECT_EQ(c.status(), 0);
    EXPECT_EQ(c.sqid(), top_sq);
    EXPECT_EQ(c.cid(), 77);
}

// Queue IDs and creation parameters the controller refuses, with its statuses.
TEST_F(MetaTest, CreateRefusalsCarryTheControllerStatus)
{
    // Queue ID 0 is the admin queue's: Invalid Queue Identifier.
    std::optional<meta::IOCQ> cq0;
    EXPECT_WARNS(cq0.emplace(nvme0, 0, 10, meta::PRP(10 * 16)), "ERROR status: 01/01");
    EXPECT_FALSE(cq0->created());
    EXPECT_EQ(cq0->create_cqe().sct(), 1);
    EXPECT_EQ(cq0->create_cqe().sc(), 0x01);
    EXPECT_THROW(cq0->set_head(1), nvmetest::UsageError) << "the admin CQ's head doorbell";

    // Beyond the granted queues (max_ioqpairs 64 on the VM): Invalid Queue Identifier.
    const std::uint32_t nq = nvme0.getfeatures(7).waitdone();
    const std::uint16_t beyond = static_cast<std::uint16_t>((nq & 0xffff) + 2);
    std::optional<meta::IOCQ> far;
    EXPECT_WARNS(far.emplace(nvme0, beyond, 10, meta::PRP(10 * 16)), "ERROR status: 01/01");
    EXPECT_FALSE(far->created());

    // An SQ on a CQ that does not exist: Completion Queue Invalid (01/00).
    std::optional<meta::IOSQ> orphan;
    EXPECT_WARNS(orphan.emplace(nvme0, 5, 10, meta::PRP(10 * 64), 6), "ERROR status: 01/00");
    EXPECT_EQ(orphan->create_cqe().sc(), 0x00);
    EXPECT_EQ(orphan->create_cqe().sct(), 1);

    // Depth beyond CAP.MQES + 1: Invalid Queue Size (01/02).
    const std::uint32_t mqes = static_cast<std::uint32_t>(nvme0.cap() & 0xffff);
    std::optional<meta::IOCQ> huge;
    EXPECT_WARNS(huge.emplace(nvme0, 7, mqes + 2, meta::PRP((mqes + 2) * 16)),
                 "ERROR status: 01/02");
    EXPECT_FALSE(huge->created());

    // The refused IDs were never held: a library Qpair takes 7 at once.
    Qpair q(nvme0, 16, {.sqid = 7});
    EXPECT_EQ(q.sqid(), 7);
}

}  // namespace
