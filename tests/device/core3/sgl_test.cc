// SPDX-License-Identifier: BSD-3-Clause
// Scatter Gather Lists on the normal I/O path (IoArgs::sgl, PSDT in send_cmd):
// QEMU 7.2 takes SGL Data Block descriptors for I/O commands and refuses any
// SGL on an admin command with Invalid Field in Command (DNR).
#include <nvmetest/fixtures.h>

namespace {

using nvmetest::Buffer;
using nvmetest::nvme::Cqe;
using nvmetest::nvme::SglDescriptor;
using nvmetest::testing::QpairTest;
namespace sgl_type = nvmetest::nvme::sgl_type;
namespace psdt = nvmetest::nvme::psdt;

// The SQE went out with PSDT 01b and one Data Block descriptor for buf.
void expect_sgl_data_block(const nvmetest::nvme::Sqe& sqe, const Buffer& buf, std::size_t bytes)
{
    EXPECT_EQ(sqe.psdt(), psdt::kSglContiguousMeta);
    const SglDescriptor d = sqe.sgl1();
    EXPECT_EQ(d.type(), sgl_type::kDataBlock);
    EXPECT_EQ(d.subtype(), 0u);
    EXPECT_EQ(d.address(), buf.phys_addr());
    EXPECT_EQ(d.length(), bytes);
}

TEST_F(QpairTest, ControllerAdvertisesSglsForIo)
{
    // SGLS bits 1:0 = 01b: SGLs supported with no alignment requirement.
    EXPECT_EQ(nvme0.id_data(539, 536) & 3u, 1u);
}

TEST_F(QpairTest, WriteAndReadThroughSglKeepData)
{
    // 64 KiB from offset 512 in each direction, checked across the PRP path too.
    Buffer w(64 * 1024 + 512, {.pvalue = 0x1111, .ptype = 0x1234});
    w.set_offset(512);
    w.set_size(64 * 1024);
    nvme0n1.write(qpair, w, 2000, 128, {.sgl = true}).waitdone();
    expect_sgl_data_block(qpair.cmdlog(1)[0].sqe, w, 64 * 1024);

    Buffer r_sgl(64 * 1024 + 4096);
    r_sgl.set_offset(4096 - 8);
    r_sgl.set_size(64 * 1024);
    nvme0n1.read(qpair, r_sgl, 2000, 128, {.sgl = true}).waitdone();
    expect_sgl_data_block(qpair.cmdlog(1)[0].sqe, r_sgl, 64 * 1024);

    Buffer r_prp(64 * 1024);
    nvme0n1.read(qpair, r_prp, 2000, 128).waitdone();
    EXPECT_EQ(qpair.cmdlog(1)[0].sqe.psdt(), psdt::kPrp);
    for (std::size_t i = 0; i < 64 * 1024; i += 509) {
        ASSERT_EQ(r_sgl[4096 - 8 + i], w[512 + i]) << "byte " << i;
        ASSERT_EQ(r_prp[i], w[512 + i]) << "byte " << i;
    }
}

// PRPs must be dword aligned; an SGL Data Block may start on any byte (SGLS 01b).
TEST_F(QpairTest, SglReadToAnOddAddress)
{
    Buffer w(512, {.pvalue = 100, .ptype = 0xbeef});
    nvme0n1.write(qpair, w, 3000, 1).waitdone();
    Buffer r(1024);
    r.set_offset(3);
    r.set_size(512);
    nvme0n1.read(qpair, r, 3000, 1, {.sgl = true}).waitdone();
    for (std::size_t i = 0; i < 512; i++)
        ASSERT_EQ(r[3 + i], w[i]) << "byte " << i;
}

TEST_F(QpairTest, CompareThroughSgl)
{
    Buffer w(4096, {.pvalue = 0x12345678, .ptype = 32});
    nvme0n1.write(qpair, w, 4000, 8, {.sgl = true}).waitdone();
    nvme0n1.compare(qpair, w, 4000, 8, {.sgl = true}).waitdone();
    std::uint16_t status = 0xffff;
    w[100] = static_cast<std::uint8_t>(w[100] ^ 0xff);
    nvme0n1.compare(qpair, w, 4000, 8, {.sgl = true, .cb = [&](const Cqe& c) { status = c.status(); }});
    qpair.waitdone();
    EXPECT_EQ(status & 0x7ff, 0x285);  // Media and Data Integrity Errors / Compare Failure
}

// The range lists of Copy and Dataset Management through an SGL.
TEST_F(QpairTest, CopyAndDsmRangesThroughSgl)
{
    Buffer w(4096, {.pvalue = 0xa5a5a5a5, .ptype = 32});
    nvme0n1.write(qpair, w, 5000, 8).waitdone();
    Buffer ranges(4096);
    ranges.set_copy_range(0, 5000, 8);
    nvme0n1.copy(qpair, ranges, 5100, 1, {.sgl = true}).waitdone();
    expect_sgl_data_block(qpair.cmdlog(1)[0].sqe, ranges, 32);
    Buffer r(4096);
    nvme0n1.read(qpair, r, 5100, 8, {.sgl = true}).waitdone();
    EXPECT_TRUE(r == w);

    Buffer dsm(4096);
    dsm.set_dsm_range(0, 5100, 8);
    nvme0n1.dsm(qpair, dsm, 1, {.sgl = true}).waitdone();
    expect_sgl_data_block(qpair.cmdlog(1)[0].sqe, dsm, 16);
    EXPECT_TRUE(qpair.cmdlog(1)[0].cqe.ok());
}

TEST_F(QpairTest, SendCmdPsdtBitsSelectSgl)
{
    Buffer w(4096, {.pvalue = 0x55aa55aa, .ptype = 32});
    nvme0n1.write(qpair, w, 6000, 8).waitdone();
    Buffer r(4096);
    nvme0n1.send_cmd(0x4000 | 0x02, qpair, {.buf = &r, .cdw10 = 6000, .cdw12 = 7}).waitdone();
    expect_sgl_data_block(qpair.cmdlog(1)[0].sqe, r, 4096);
    EXPECT_TRUE(r == w);
}

// QEMU 7.2 (nvme_admin_cmd): "SGLs shall not be used for Admin commands in
// NVMe over PCIe" - Invalid Field in Command with Do Not Retry.
TEST_F(QpairTest, AdminCommandWithSglIsRefused)
{
    Buffer id(4096);
    EXPECT_WARNS(nvme0.send_cmd(0x4000 | 0x06, {.buf = &id, .cdw10 = 1}).waitdone(),
                 "ERROR status: 00/02");
    const Cqe cqe = nvme0.cmdlog(1)[0].cqe;
    EXPECT_EQ(cqe.sct(), 0u);
    EXPECT_EQ(cqe.sc(), 0x02u);
    EXPECT_TRUE(cqe.dnr());
    EXPECT_EQ(nvme0.cmdlog(1)[0].sqe.psdt(), psdt::kSglContiguousMeta);
    EXPECT_EQ(id.data(3, 0), 0u) << "nothing was transferred";
    // The same command through PRPs is fine.
    nvme0.send_cmd(0x06, {.buf = &id, .cdw10 = 1}).waitdone();
    EXPECT_EQ(id.data(1, 0), 0x1b36u);
}

}  // namespace
