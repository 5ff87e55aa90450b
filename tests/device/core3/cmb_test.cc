// SPDX-License-Identifier: BSD-3-Clause
// Controller Memory Buffer (API section 1.6) on profile cmb-pmr: QEMU's
// cmb_size_mb=16 in BAR2.  Data buffers and SQs in the CMB; CQs are refused.
#include <nvmetest/fixtures.h>
#include <nvmetest/nvme/registers.h>
#include <nvmetest/nvme/status.h>

#include <cstdio>

namespace {

using nvmetest::Buffer;
using nvmetest::Qpair;
using nvmetest::nvme::Cqe;
using nvmetest::testing::Nvme0n1Test;
using nvmetest::testing::Nvme0Test;
using nvmetest::testing::QpairTest;
namespace reg = nvmetest::nvme::reg;

TEST_F(Nvme0Test, CmbRegistersAfterEnable)
{
    EXPECT_TRUE(nvmetest::nvme::cap::cmbs(nvme0.cap()));
    Buffer b(4096, {.name = "cmb", .nvme = &nvme0});
    EXPECT_TRUE(b.in_cmb());
    EXPECT_EQ(b.device(), pcie.addr());
    const std::uint32_t cmbsz = nvme0[reg::kCmbsz];
    const std::uint32_t cmbloc = nvme0[reg::kCmbloc];
    EXPECT_EQ(cmbloc & 7u, 2u);            // BIR: BAR2
    EXPECT_EQ(cmbsz & 1u, 1u);             // SQS
    EXPECT_EQ(cmbsz & 2u, 0u);             // CQS: no CQs in QEMU's CMB
    EXPECT_EQ((cmbsz >> 2) & 7u, 7u);      // LISTS, RDS, WDS
    EXPECT_EQ((cmbsz >> 8) & 0xfu, 2u);    // SZU: MiB
    EXPECT_EQ(cmbsz >> 12, 16u);           // 16 MiB
    // CBA is the bus address of BAR2, where the buffer's address lies.
    const std::uint64_t cba = std::uint64_t{nvme0[reg::kCmbmsc + 4]} << 32 |
                              (nvme0[reg::kCmbmsc] & ~0xfffu);
    EXPECT_EQ(nvme0[reg::kCmbmsc] & 3u, 3u);  // CRE, CMSE
    EXPECT_GE(b.phys_addr(), cba);
    EXPECT_LT(b.phys_addr(), cba + (16u << 20));
    const std::uint64_t bar2 = (pcie.cfg_dword_read(0x18) & ~0xfu) |
                               std::uint64_t{pcie.cfg_dword_read(0x1c)} << 32;
    EXPECT_EQ(cba, bar2);
}

TEST_F(Nvme0Test, CmbBufferBytesAndPatterns)
{
    Buffer b(8192, {.name = "cmb", .pvalue = 0x5a5aa5a5, .ptype = 32, .nvme = &nvme0});
    EXPECT_EQ(b.data(3, 0), 0x5a5aa5a5u);
    EXPECT_EQ(b.data(8191, 8188), 0x5a5aa5a5u);
    b[10] = 0x11;
    EXPECT_EQ(b[10], 0x11);
    Buffer c(8192, {.name = "cmb2", .nvme = &nvme0});
    EXPECT_NE(c.phys_addr(), b.phys_addr());
    EXPECT_EQ(c.data(7, 0), 0u);  // zeroed
    // Too large for the 16 MiB CMB: refused with the sizes.
    EXPECT_THROW(Buffer(32u << 20, {.nvme = &nvme0}), nvmetest::UsageError);
}

TEST_F(Nvme0Test, CmbSpaceIsReusedAfterFree)
{
    std::uint64_t first = 0;
    {
        Buffer a(12u << 20, {.nvme = &nvme0});
        first = a.phys_addr();
        EXPECT_THROW(Buffer(8u << 20, {.nvme = &nvme0}), nvmetest::UsageError);
    }
    Buffer again(8u << 20, {.nvme = &nvme0});
    EXPECT_EQ(again.phys_addr(), first);
}

TEST_F(QpairTest, WriteFromCmbReadBack)
{
    Buffer w(4096, {.name = "cmb write", .pvalue = 100, .ptype = 0xbeef, .nvme = &nvme0});
    nvme0n1.write(qpair, w, 0, 8).waitdone();
    EXPECT_EQ(qpair.cmdlog(1)[0].sqe.prp1(), w.phys_addr());
    Buffer host(4096);
    nvme0n1.read(qpair, host, 0, 8).waitdone();
    for (std::size_t i = 0; i < 4096; i++)
        ASSERT_EQ(host[i], w[i]) << "byte " << i;
    // And read into the CMB.
    Buffer r(4096, {.name = "cmb read", .nvme = &nvme0});
    nvme0n1.read(qpair, r, 0, 8).waitdone();
    EXPECT_TRUE(r == host);
}

TEST_F(QpairTest, CmbBufferWithOffsetAndPrpList)
{
    // 16 KiB from offset 512 of a CMB buffer: PRP1 mid-page and a PRP list
    // (the list in host memory, the data in the CMB).
    Buffer w(20 * 1024, {.pvalue = 0x2222, .ptype = 0x1234, .nvme = &nvme0});
    w.set_offset(512);
    w.set_size(16 * 1024);
    nvme0n1.write(qpair, w, 64, 32).waitdone();
    Buffer r(16 * 1024);
    nvme0n1.read(qpair, r, 64, 32).waitdone();
    for (std::size_t i = 0; i < 16 * 1024; i += 97)
        ASSERT_EQ(r[i], w[512 + i]) << "byte " << i;
}

TEST_F(Nvme0n1Test, SqInCmb)
{
    Qpair q(nvme0, 16, {.sq_in_cmb = true});
    Buffer w(512);
    Buffer r(512);
    // 40 commands through a 16-entry SQ: the tail wraps around twice.
    for (int i = 0; i < 20; i++) {
        w.fill_pattern(static_cast<std::uint64_t>(i) << 8 | 0x11, 32);
        nvme0n1.write(q, w, static_cast<std::uint64_t>(i), 1).waitdone();
        nvme0n1.read(q, r, static_cast<std::uint64_t>(i), 1).waitdone();
        ASSERT_TRUE(r == w) << "LBA " << i;
    }
    EXPECT_EQ(q.cmdlog(1)[0].cqe.status(), 0u);
}

TEST_F(Nvme0n1Test, SqInCmbSurvivesControllerReset)
{
    Qpair q(nvme0, 8, {.sq_in_cmb = true});
    Buffer b(512);
    nvme0n1.read(q, b, 0, 1).waitdone();
    nvme0.reset();
    nvme0n1.read(q, b, 0, 1).waitdone();
    EXPECT_EQ(q.cmdlog(1)[0].cqe.status(), 0u);
}

TEST_F(Nvme0n1Test, CqInCmbIsAcceptedButNeverCompletes)
{
    // PyNVMe3's IOCQ(nvme0, 1, 10, cmb_buf): Create I/O Completion Queue with
    // PRP1 in the CMB.  CMBSZ.CQS is 0 on QEMU (CQs are not supported there),
    // yet QEMU 7.2 does not check it: the command succeeds.
    Buffer cq(4096, {.name = "cq in cmb", .nvme = &nvme0});
    std::uint16_t status = 0xffff;
    nvme0.send_cmd(0x05, {.buf = &cq, .cdw10 = (16u - 1) << 16 | 1u, .cdw11 = 1u,
                          .cb = [&](const Cqe& c) { status = c.status(); }})
        .waitdone();
    EXPECT_EQ(status, 0u) << nvmetest::nvme::status_string(status);
    nvme0.send_cmd(0x04, {.cdw10 = 1}).waitdone();  // Delete I/O CQ

    // A Qpair whose CQ is in the CMB: QEMU never posts its completions there,
    // so the command times out (all-ones CQE, a warning) instead of hanging.
    nvme0.set_timeout(1000);
    Qpair q(nvme0, 16, {.cq_in_cmb = true});
    Buffer b(512);
    std::uint16_t st = 0;
    EXPECT_WARNS(nvme0n1.read(q, b, 0, 1, {.cb = [&](const Cqe& c) { st = c.status(); }})
                     .waitdone(),
                 "did not complete in [0-9]+ ms");
    // The warning prints the time waited, which a loaded machine stretches.
    EXPECT_GE(q.latest_latency(), 1000u * 1000u);
    EXPECT_EQ(st, 0x7fffu);
}

}  // namespace
