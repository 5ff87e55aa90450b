// SPDX-License-Identifier: BSD-3-Clause
// Namespace and Qpair (API sections 4 and 5): I/O commands end to end.
#include <nvmetest/fixtures.h>

#include <thread>

namespace {

using nvmetest::Buffer;
using nvmetest::Qpair;
using nvmetest::nvme::Cqe;
using nvmetest::testing::Nvme0n1Test;
using nvmetest::testing::QpairTest;

TEST_F(Nvme0n1Test, Properties)
{
    EXPECT_EQ(nvme0n1.nsid(), 1u);
    EXPECT_EQ(nvme0n1.sector_size(), 512u);
    EXPECT_EQ(nvme0n1.capacity(), 256u * 1024 * 1024 / 512);
    EXPECT_EQ(nvme0n1.capacity(), nvme0n1.id_data(7, 0));
    EXPECT_EQ(nvme0n1.get_lba_format(512, 0), 0);
    EXPECT_TRUE(nvme0n1.supports(0x02));   // read
    EXPECT_FALSE(nvme0n1.supports(0x04));  // write uncorrectable: not in QEMU
}

TEST_F(QpairTest, WriteThenReadBack)
{
    Buffer write_buf(512, {.pvalue = 100, .ptype = 0xbeef});
    nvme0n1.write(qpair, write_buf, 0, 1).waitdone();
    Buffer read_buf(512);
    nvme0n1.read(qpair, read_buf, 0, 1).waitdone();
    EXPECT_TRUE(read_buf == write_buf);
    EXPECT_EQ(qpair.latest_cid(), qpair.cmdlog(1)[0].sqe.cid());
}

TEST_F(QpairTest, PrpListTransfer)
{
    // 64 KiB from offset 512: PRP1 mid-page, then a PRP list of 16 entries.
    Buffer w(64 * 1024 + 512, {.pvalue = 0x1111, .ptype = 0x1234});
    w.set_offset(512);
    w.set_size(64 * 1024);
    nvme0n1.write(qpair, w, 1000, 128).waitdone();
    Buffer r(64 * 1024 + 4096);
    r.set_offset(4096 - 8);  // a different misalignment
    r.set_size(64 * 1024);
    nvme0n1.read(qpair, r, 1000, 128).waitdone();
    for (std::size_t i = 0; i < 64 * 1024; i += 511)
        ASSERT_EQ(r[4096 - 8 + i], w[512 + i]) << "byte " << i;
    const auto sqe = qpair.cmdlog(1)[0].sqe;
    EXPECT_EQ(sqe.prp1(), r.phys_addr());
    EXPECT_NE(sqe.prp2(), r.phys_addr_at(4096));  // a list, not the second page
}

TEST_F(QpairTest, BufferTooSmallIsRefusedBeforeTheDevice)
{
    Buffer small(256);
    const auto before = qpair.cmdlog(0).size();
    EXPECT_THROW(nvme0n1.read(qpair, small, 0, 1), nvmetest::UsageError);
    Buffer b(4096);
    b.set_offset(3800);  // 296 bytes left
    EXPECT_THROW(nvme0n1.write(qpair, b, 0, 1), nvmetest::UsageError);
    EXPECT_EQ(qpair.cmdlog(0).size(), before);
    EXPECT_THROW(qpair.waitdone(), nvmetest::UsageError);  // nothing was submitted
}

TEST_F(QpairTest, InvalidIoOpcode)
{
    EXPECT_WARNS(nvme0n1.send_cmd(0xff, qpair).waitdone(), "ERROR status: 00/01");
    std::uint16_t status = 0;
    nvme0n1.write_uncor(qpair, 100, 4, {.cb = [&](const Cqe& c) { status = c.status() & 0x7ff; }})
        .waitdone();
    EXPECT_EQ(status, 0x001u);  // QEMU lacks Write Uncorrectable
}

TEST_F(QpairTest, CallbacksReceiveTheCqe)
{
    Cqe seen{};
    std::uint8_t opcode = 0xff;
    nvme0n1.write(qpair, buf, 0, 8, {.cb = [&](const Cqe& c) {
        seen = c;
        opcode = qpair.get_cmd(c).opcode();
    }}).waitdone();
    EXPECT_TRUE(seen.ok());
    EXPECT_EQ(seen.sqid(), qpair.sqid());
    EXPECT_EQ(opcode, 0x01);
    // A callback may submit; the running waitdone reaps both.
    Buffer r(4096);
    nvme0n1.write(qpair, buf, 0, 1, {.cb = [&](const Cqe&) { nvme0n1.read(qpair, r, 0, 1); }})
        .waitdone(2);
}

TEST_F(QpairTest, OtherIoCommands)
{
    buf.fill_pattern(0xa5a5a5a5, 32);
    nvme0n1.write(qpair, buf, 10, 8).waitdone();
    nvme0n1.compare(qpair, buf, 10, 8).waitdone();
    std::uint16_t status = 0;
    Buffer other(4096, {.pvalue = 1});
    nvme0n1.compare(qpair, other, 10, 8, {.cb = [&](const Cqe& c) { status = c.status() & 0x7ff; }})
        .waitdone();
    EXPECT_EQ(status, 0x285u);  // Compare Failure
    nvme0n1.flush(qpair).waitdone();
    nvme0n1.verify(qpair, 10, 8).waitdone();

    Buffer copy_buf(4096);
    copy_buf.set_copy_range(0, 10, 8);
    nvme0n1.copy(qpair, copy_buf, 200, 1).waitdone();
    Buffer r(4096);
    nvme0n1.read(qpair, r, 200, 8).waitdone();
    EXPECT_TRUE(r == buf);

    nvme0n1.write_zeroes(qpair, 200, 8).waitdone();
    nvme0n1.read(qpair, r, 200, 8).waitdone();
    EXPECT_EQ(r.data(7, 0), 0u);
    EXPECT_EQ(r.data(4095, 4088), 0u);

    Buffer dsm_buf(4096);
    dsm_buf.set_dsm_range(0, 0, 1);
    dsm_buf.set_dsm_range(1, 2, 1);
    nvme0n1.dsm(qpair, dsm_buf, 2).waitdone();
}

TEST_F(QpairTest, LazyDoorbellQpair)
{
    Qpair lazy(nvme0, 16, {.lazy_doorbell = true});
    nvme0n1.read(lazy, buf, 0);
    nvme0n1.read(lazy, buf, 8);
    nvme0n1.read(lazy, buf, 16);
    EXPECT_FALSE(lazy.cmdlog(1)[0].completed);
    lazy.waitdone(3);
    for (const auto& e : lazy.cmdlog(3))
        EXPECT_TRUE(e.completed);
    EXPECT_NE(lazy.sqid(), qpair.sqid());
    EXPECT_EQ(lazy.depth(), 16u);
}

TEST_F(QpairTest, MsixInterrupts)
{
    qpair.msix_clear();
    EXPECT_FALSE(qpair.msix_isset());
    nvme0n1.read(qpair, buf, 0, 8);
    EXPECT_TRUE(qpair.wait_msix(2000));
    qpair.waitdone();

    qpair.msix_clear();
    qpair.msix_mask();
    nvme0n1.read(qpair, buf, 16, 8);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    EXPECT_FALSE(qpair.msix_isset());
    qpair.msix_unmask();
    qpair.waitdone();
    EXPECT_TRUE(qpair.wait_msix(2000));
}

TEST_F(QpairTest, QpairSurvivesControllerReset)
{
    nvme0n1.write(qpair, buf, 0, 8).waitdone();
    nvme0.reset();
    Buffer r(4096);
    nvme0n1.read(qpair, r, 0, 8).waitdone();
    EXPECT_TRUE(r == buf);
}

TEST_F(QpairTest, QpairOutlivingItsControllerIsRefused)
{
    auto q = std::make_unique<Qpair>(nvme0, 8);
    {
        nvmetest::Controller moved(std::move(nvme0));
    }  // the controller goes first
    EXPECT_THROW(q->waitdone(), nvmetest::UsageError);
    q.reset();  // and the qpair goes quietly
}

TEST_F(QpairTest, CmdlogMerged)
{
    nvme0n1.write(qpair, buf, 0, 8).waitdone();
    nvme0.getfeatures(7).waitdone();
    const auto log = nvme0.cmdlog_merged(2);
    ASSERT_EQ(log.size(), 2u);
    EXPECT_EQ(log[0].sqid, qpair.sqid());
    EXPECT_EQ(log[1].sqid, 0u);
}

}  // namespace
