// SPDX-License-Identifier: BSD-3-Clause
// Metamode queues and lists in the Controller Memory Buffer (profile cmb-pmr:
// QEMU's cmb_size_mb=16 in BAR2; CMBSZ has SQS, LISTS, RDS, WDS, not CQS).
#include "meta_fixture.h"

#include <nvmetest/nvme/registers.h>

namespace {

namespace meta = nvmetest::meta;
namespace nvme = nvmetest::nvme;
using nvmetest::Buffer;
using nvmetest::testing::MetaTest;

// An SQ in the CMB, a CQ in host memory: the SQEs the test writes into the BAR
// are fetched by the controller from its own memory.
TEST_F(MetaTest, SqInTheCmb)
{
    Buffer data = random_data(2);
    write_lbas(data, 0, 2);
    meta::IOCQ cq(nvme0, 1, 10, meta::PRP(10 * 16));
    meta::IOSQ sq(nvme0, 1, 10, meta::PRP(10 * 64, {.name = "cmb sq", .nvme = &nvme0}), cq);
    ASSERT_TRUE(sq.created());

    meta::PRP buf(4096);
    sq.read({.cid = 9, .lba = 1, .prp1 = buf});
    EXPECT_EQ(meta::SQE(sq[0]).cid(), 9) << "the SQE did not reach the CMB";
    sq.set_tail(1);
    const meta::CQE c = cq.waitdone(1);
    cq.set_head(1);
    EXPECT_EQ(c.status(), 0);
    EXPECT_EQ(c.cid(), 9);
    EXPECT_EQ(c.sqid(), 1);
    EXPECT_TRUE(same_bytes(buf.slice(0, 512), data.slice(512, 1024)));
}

// A PRP list and its data pages in the CMB, the SQ in the CMB too: the whole
// command lives in the controller's memory, only the CQ in the host's.
TEST_F(MetaTest, PrpListAndDataInTheCmb)
{
    Buffer data = random_data(24);
    write_lbas(data, 0, 24);
    meta::IOCQ cq(nvme0, 1, 10, meta::PRP(10 * 16));
    meta::IOSQ sq(nvme0, 1, 10, meta::PRP(10 * 64, {.nvme = &nvme0}), cq);

    meta::PRP first(4096, {.name = "cmb data", .nvme = &nvme0});
    meta::PRPList list(4096, {.name = "cmb list", .nvme = &nvme0});
    list[0] = meta::PRP(4096, {.nvme = &nvme0});
    list[1] = meta::PRP(4096, {.nvme = &nvme0});
    EXPECT_TRUE(list.memory().in_cmb());
    EXPECT_EQ(list[1], list.prp(1)->phys_addr()) << "the entry read back from the BAR";

    meta::SQE cmd(2, 1);
    cmd.set_prp1(first);
    cmd.set_prp2(list);
    cmd.set_nlb(24);
    sq[0] = cmd;
    sq.set_tail(1);
    EXPECT_EQ(cq.waitdone(1).status(), 0);
    cq.set_head(1);
    EXPECT_TRUE(same_bytes(first.slice(0, 4096), data.slice(0, 4096)));
    EXPECT_TRUE(same_bytes(list.prp(0)->slice(0, 4096), data.slice(4096, 8192)));
    EXPECT_TRUE(same_bytes(list.prp(1)->slice(0, 4096), data.slice(8192, 12288)));
}

// A CQ in the CMB, which CMBSZ.CQS = 0 does not allow: QEMU 7.2 creates it
// anyway and then posts no completion into it (the read times out), while the
// command itself ran (its data arrived).
TEST_F(MetaTest, CqInTheCmbGetsNoCompletions)
{
    EXPECT_EQ(nvme0[nvme::reg::kCmbsz] & 2u, 0u) << "CMBSZ.CQS";
    Buffer data = random_data(1);
    write_lbas(data, 0, 1);
    meta::IOCQ cq(nvme0, 1, 10, meta::PRP(10 * 16, {.name = "cmb cq", .nvme = &nvme0}));
    EXPECT_TRUE(cq.created()) << cq.create_cqe().status();
    meta::IOSQ sq(nvme0, 1, 10, meta::PRP(10 * 64), cq);
    meta::PRP buf(4096);
    sq.read({.cid = 3, .prp1 = buf});
    sq.set_tail(1);
    EXPECT_THROW(cq.wait_pbit(0, 1, 500), nvmetest::TimeoutError);
    EXPECT_TRUE(same_bytes(buf.slice(0, 512), data.slice(0, 512)));
    EXPECT_EQ(cq[0].dw[3], 0u) << "something was posted into the CMB CQ";
}

}  // namespace
