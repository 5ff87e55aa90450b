// SPDX-License-Identifier: BSD-3-Clause
// Shadow doorbells with EventIdx (Doorbell Buffer Config) against QEMU 7.2
// (default profile).  Once the controller took the buffers, QEMU reads every
// queue's SQ tail and CQ head from the shadow buffer (BAR0 writes only wake it
// up) and leaves in the EventIdx buffer the tail (head) it last saw.  What QEMU
// guarantees, and these tests assert: a doorbell update to an idle queue always
// passes EventIdx (so it is also a BAR0 write), and I/O works on queues created
// before and after the command, across reset(), with lazy doorbells.
#include <nvmetest/fixtures.h>
#include <nvmetest/gtest_warnings.h>
#include <nvmetest/nvme/opcodes.h>
#include <nvmetest/nvme/status.h>

#include <algorithm>
#include <cstdio>
#include <optional>

namespace {

using nvmetest::Buffer;
using nvmetest::Controller;
using nvmetest::DoorbellStats;
using nvmetest::Namespace;
using nvmetest::Qpair;
using nvmetest::nvme::Cqe;
using nvmetest::testing::Nvme0Test;
using nvmetest::testing::Nvme0n1Test;
using nvmetest::testing::PcieTest;
using nvmetest::testing::QpairTest;
namespace status = nvmetest::nvme::status;

constexpr std::uint16_t sc_of(std::uint16_t st) { return st & 0x7ff; }

// QEMU's CAP.DSTRD is 0: 4-byte doorbells, SQ tail of queue q at 8q, CQ head at 8q + 4.
std::uint32_t sq_slot(const Buffer& b, std::uint16_t qid)
{
    return static_cast<std::uint32_t>(b.data(8u * qid + 3, 8u * qid));
}
std::uint32_t cq_slot(const Buffer& b, std::uint16_t qid)
{
    return static_cast<std::uint32_t>(b.data(8u * qid + 7, 8u * qid + 4));
}

Cqe config(Controller& nvme0, Buffer& shadow, Buffer& eventidx)
{
    Cqe c{};
    nvme0.dbbuf_config(shadow, eventidx, {.cb = [&](const Cqe& e) { c = e; }}).waitdone();
    return c;
}

// Writes lba with a pattern through q, reads it back and compares.
void write_read(Namespace& ns, Qpair& q, std::uint64_t lba, std::uint32_t pattern)
{
    Buffer w(4096), r(4096);
    w.fill_pattern(pattern, 32);
    Cqe wc{}, rc{};
    ns.write(q, w, lba, 8, {.cb = [&](const Cqe& c) { wc = c; }}).waitdone();
    ns.read(q, r, lba, 8, {.cb = [&](const Cqe& c) { rc = c; }}).waitdone();
    EXPECT_EQ(sc_of(wc.status()), status::kSuccess);
    EXPECT_EQ(sc_of(rc.status()), status::kSuccess);
    EXPECT_TRUE(w == r) << "lba " << lba << " did not read back";
}

DoorbellStats delta(const DoorbellStats& now, const DoorbellStats& then)
{
    return DoorbellStats{now.sq_updates - then.sq_updates, now.sq_mmio - then.sq_mmio,
                         now.cq_updates - then.cq_updates, now.cq_mmio - then.cq_mmio,
                         now.shadow};
}

TEST_F(QpairTest, ShadowDoorbellsOnQueuesBeforeAndAfterTheConfig)
{
    EXPECT_FALSE(nvme0.shadow_doorbell());
    write_read(nvme0n1, qpair, 0, 0xdb000001);
    const DoorbellStats plain = nvme0.doorbell_stats(qpair.sqid());
    EXPECT_FALSE(plain.shadow);
    EXPECT_EQ(plain.sq_mmio, plain.sq_updates);  // BAR0 only
    EXPECT_EQ(plain.cq_mmio, plain.cq_updates);

    std::optional<Buffer> shadow(std::in_place, 4096, "shadow");
    std::optional<Buffer> eventidx(std::in_place, 4096, "eventidx");
    shadow->fill_pattern(0xdeadbeef, 32);  // stale values the library must not leave
    eventidx->fill_pattern(0xdeadbeef, 32);
    EXPECT_EQ(sc_of(config(nvme0, *shadow, *eventidx).status()), status::kSuccess);
    EXPECT_TRUE(nvme0.shadow_doorbell());
    EXPECT_TRUE(nvme0.doorbell_stats(0).shadow);  // the admin queue too (QEMU reads it)
    EXPECT_TRUE(nvme0.doorbell_stats(qpair.sqid()).shadow);

    // The qpair from before: 2 commands so far (depth 64), 2 more now.
    const std::uint16_t q1 = qpair.sqid();
    write_read(nvme0n1, qpair, 8, 0xdb000002);
    EXPECT_EQ(sq_slot(*shadow, q1), 4u);
    EXPECT_EQ(cq_slot(*shadow, q1), 4u);
    // QEMU's EventIdx: the SQ tail it last saw, and a CQ head it knew.
    EXPECT_EQ(sq_slot(*eventidx, q1), 4u);

    // A qpair created after the command: its slots start at 0 whatever they held.
    Qpair after(nvme0, 16);
    const std::uint16_t q2 = after.sqid();
    ASSERT_NE(q2, q1);
    EXPECT_TRUE(nvme0.doorbell_stats(q2).shadow);
    EXPECT_EQ(sq_slot(*shadow, q2), 0u);
    EXPECT_EQ(cq_slot(*shadow, q2), 0u);
    for (unsigned i = 0; i < 9; i++)  // 18 commands: the 16-entry ring wraps
        write_read(nvme0n1, after, 16 + 8 * i, 0xdb000100 + i);
    EXPECT_EQ(sq_slot(*shadow, q2), 18u % 16);
    EXPECT_EQ(cq_slot(*shadow, q2), 18u % 16);

    // The Buffers may go: the controller keeps their memory while it uses it.
    shadow.reset();
    eventidx.reset();
    write_read(nvme0n1, qpair, 200, 0xdb000003);
    write_read(nvme0n1, after, 208, 0xdb000004);
    EXPECT_EQ((nvme0.getfeatures(7).waitdone() & 0xffff) + 1, 64u);  // admin queue too
}

TEST_F(QpairTest, QueueDepthOneRingsBar0EveryTime)
{
    nvme0.dbbuf_config().waitdone();  // library memory
    ASSERT_TRUE(nvme0.shadow_doorbell());
    const DoorbellStats before = nvme0.doorbell_stats(qpair.sqid());
    constexpr unsigned kCommands = 200;
    for (unsigned i = 0; i < kCommands; i++)
        nvme0n1.read(qpair, buf, (i % 64) * 8, 8).waitdone();
    const DoorbellStats d = delta(nvme0.doorbell_stats(qpair.sqid()), before);
    // One command at a time: QEMU has seen every tail and head before the next
    // update, so each update passes its EventIdx.
    EXPECT_EQ(d.sq_updates, kCommands);
    EXPECT_EQ(d.sq_mmio, kCommands);
    EXPECT_EQ(d.cq_updates, kCommands);
    EXPECT_EQ(d.cq_mmio, kCommands);
}

TEST_F(QpairTest, BatchesSaveBar0WritesOnlyWhatEventIdxAllows)
{
    nvme0.dbbuf_config().waitdone();
    constexpr unsigned kBatches = 40, kBatch = 32;
    const DoorbellStats before = nvme0.doorbell_stats(qpair.sqid());
    for (unsigned b = 0; b < kBatches; b++) {
        for (unsigned i = 0; i < kBatch; i++)
            nvme0n1.read(qpair, buf, ((b * kBatch + i) % 512) * 8, 8);  // one update each
        qpair.waitdone(kBatch);
    }
    const DoorbellStats d = delta(nvme0.doorbell_stats(qpair.sqid()), before);
    EXPECT_EQ(d.sq_updates, kBatches * kBatch);
    // Each batch starts on an idle queue: its first update rings BAR0.  Later
    // ones do only when QEMU caught up meanwhile, which is timing.
    EXPECT_GE(d.sq_mmio, kBatches);
    EXPECT_LE(d.sq_mmio, d.sq_updates);
    EXPECT_GE(d.cq_mmio, 1u);
    EXPECT_LE(d.cq_mmio, d.cq_updates);
    std::printf("[ doorbell ] %u commands in batches of %u: SQ %llu updates, %llu BAR0 writes; "
                "CQ %llu updates, %llu BAR0 writes\n",
                kBatches * kBatch, kBatch, static_cast<unsigned long long>(d.sq_updates),
                static_cast<unsigned long long>(d.sq_mmio),
                static_cast<unsigned long long>(d.cq_updates),
                static_cast<unsigned long long>(d.cq_mmio));
    RecordProperty("sq_mmio", static_cast<int>(d.sq_mmio));
    RecordProperty("cq_mmio", static_cast<int>(d.cq_mmio));
    write_read(nvme0n1, qpair, 4096, 0xdb000200);
}

TEST_F(Nvme0n1Test, LazyDoorbellPublishesOnlyInWaitdone)
{
    Buffer shadow(4096), eventidx(4096);
    ASSERT_EQ(sc_of(config(nvme0, shadow, eventidx).status()), status::kSuccess);
    Qpair lazy(nvme0, 16, {.lazy_doorbell = true});
    const std::uint16_t q = lazy.sqid();
    Buffer w(4096);
    w.fill_pattern(0xdb000300, 32);
    const DoorbellStats before = nvme0.doorbell_stats(q);
    for (unsigned i = 0; i < 3; i++)
        nvme0n1.write(lazy, w, 8 * i, 8);
    // Nothing published: the shadow tail still says 0, so QEMU sees no command.
    EXPECT_EQ(sq_slot(shadow, q), 0u);
    EXPECT_EQ(nvme0.doorbell_stats(q).sq_updates, before.sq_updates);
    for (const auto& e : lazy.cmdlog(3))
        EXPECT_FALSE(e.completed);
    lazy.waitdone(3);
    const DoorbellStats d = delta(nvme0.doorbell_stats(q), before);
    EXPECT_EQ(d.sq_updates, 1u);  // one update for three commands
    EXPECT_EQ(d.sq_mmio, 1u);     // to an idle queue: passes EventIdx
    EXPECT_EQ(sq_slot(shadow, q), 3u);
    EXPECT_EQ(sq_slot(eventidx, q), 3u);
    Buffer r(4096 * 3);
    nvme0n1.read(lazy, r, 0, 24).waitdone();
    for (unsigned i = 0; i < 3; i++)
        EXPECT_TRUE(std::equal(w.bytes().begin(), w.bytes().end(), r.bytes().begin() + 4096 * i));
}

TEST_F(QpairTest, ResetSendsTheBuffersAgain)
{
    Buffer shadow(4096), eventidx(4096);
    ASSERT_EQ(sc_of(config(nvme0, shadow, eventidx).status()), status::kSuccess);
    write_read(nvme0n1, qpair, 0, 0xdb000400);
    EXPECT_EQ(sq_slot(shadow, qpair.sqid()), 2u);

    nvme0.reset();
    // Disabling dropped the configuration; reset() configured the same buffers
    // again before creating the qpair again, which starts from 0.
    EXPECT_TRUE(nvme0.shadow_doorbell());
    EXPECT_TRUE(nvme0.doorbell_stats(0).shadow);
    EXPECT_TRUE(nvme0.doorbell_stats(qpair.sqid()).shadow);
    EXPECT_EQ(sq_slot(shadow, qpair.sqid()), 0u);
    const auto last = nvme0.cmdlog(0);
    bool sent = false;
    for (const auto& e : last)
        sent |= e.sqe.opcode() == nvmetest::nvme::admin::kDoorbellBufferConfig &&
                e.sqe.prp1() == shadow.phys_addr() && e.sqe.prp2() == eventidx.phys_addr();
    EXPECT_TRUE(sent) << "reset() did not send Doorbell Buffer Config again";
    write_read(nvme0n1, qpair, 8, 0xdb000401);
    EXPECT_EQ(sq_slot(shadow, qpair.sqid()), 2u);
    EXPECT_EQ(cq_slot(shadow, qpair.sqid()), 2u);
    Qpair more(nvme0, 8);
    write_read(nvme0n1, more, 16, 0xdb000402);
    EXPECT_EQ(sq_slot(shadow, more.sqid()), 2u);
}

TEST_F(Nvme0n1Test, SameBufferForBothIsAcceptedWithBar0Writes)
{
    // PyNVMe3 scripts pass one buffer twice: EventIdx then overlaps the doorbells.
    Buffer buf(4096);
    Cqe c{};
    EXPECT_WARNS(c = config(nvme0, buf, buf), "overlap: EventIdx is ignored");
    EXPECT_EQ(sc_of(c.status()), status::kSuccess);
    Qpair q(nvme0, 16);
    const DoorbellStats before = nvme0.doorbell_stats(q.sqid());
    write_read(nvme0n1, q, 0, 0xdb000500);
    const DoorbellStats d = delta(nvme0.doorbell_stats(q.sqid()), before);
    EXPECT_EQ(d.sq_mmio, d.sq_updates);
    EXPECT_EQ(d.cq_mmio, d.cq_updates);
}

TEST_F(Nvme0Test, TooSmallOrFailedConfigChangesNothing)
{
    Buffer small(256), page(4096);  // 64 queues granted: 520 bytes needed
    EXPECT_THROW(nvme0.dbbuf_config(small, page), nvmetest::UsageError);
    EXPECT_FALSE(nvme0.shadow_doorbell());
    Buffer unaligned(8192);
    unaligned.set_offset(8);
    EXPECT_EQ(sc_of(config(nvme0, unaligned, page).status()), status::kInvalidField);
    EXPECT_FALSE(nvme0.shadow_doorbell());
    EXPECT_FALSE(nvme0.doorbell_stats(0).shadow);
    EXPECT_THROW(nvme0.doorbell_stats(9), nvmetest::UsageError);  // no such queue
}

TEST_F(PcieTest, InitOptionTurnsShadowDoorbellsOn)
{
    Controller shadowed(pcie, {.shadow_doorbell = true});
    EXPECT_TRUE(shadowed.shadow_doorbell());
    Namespace ns(shadowed, 1);
    Qpair q(shadowed, 16);
    write_read(ns, q, 0, 0xdb000600);
    EXPECT_TRUE(shadowed.doorbell_stats(q.sqid()).shadow);
}

}  // namespace
