// SPDX-License-Identifier: BSD-3-Clause
// Metamode structures that need no device: SQE and CQE packing and indexing,
// the PRP chain slot, SGL descriptors to and from their bytes.
#include "nvmetest/errors.h"
#include "nvmetest/meta/prp.h"
#include "nvmetest/meta/sgl.h"
#include "nvmetest/meta/sqe.h"
#include "nvmetest/nvme/prp.h"

#include <cstring>
#include <type_traits>
#include <gtest/gtest.h>

using namespace nvmetest;
using meta::CQE;
using meta::SQE;
using nvme::SglDescriptor;

TEST(MetaSqe, ConstructorPacksOpcodeNsidCid)
{
    const SQE cmd(0x02, 1, 0x1234);
    EXPECT_EQ(cmd.cdw[0], 0x1234'0002u);  // CID 31:16, PSDT and FUSE 0, opcode 7:0
    EXPECT_EQ(cmd.cdw[1], 1u);
    for (std::size_t i = 2; i < 16; i++)
        EXPECT_EQ(cmd.cdw[i], 0u) << "dword " << i;
    const SQE empty, zero(0, 0, 0);
    EXPECT_EQ(std::memcmp(&empty, &zero, sizeof(SQE)), 0);
}

TEST(MetaSqe, DwordIndexingIsTheRawEntry)
{
    SQE cmd(0x01, 1);
    cmd[12] = 1u << 30;
    cmd[10] = 0x89abcdef;
    cmd[11] = 0x01234567;
    EXPECT_EQ(cmd.cdw12(), 1u << 30);
    EXPECT_EQ(cmd.slba(), 0x01234567'89abcdefull);
    cmd[0] = 0xffffffff;  // every field of dword 0 at once, valid or not
    EXPECT_EQ(cmd.opcode(), 0xff);
    EXPECT_EQ(cmd.fuse(), 3);
    EXPECT_EQ(cmd.psdt(), 3);
    EXPECT_EQ(cmd.cid(), 0xffff);
    EXPECT_THROW(cmd[16] = 0, UsageError);
    const SQE& c = cmd;
    EXPECT_EQ(c[15], 0u);
    EXPECT_THROW((void)c[16], UsageError);
}

TEST(MetaSqe, PrpFieldsTakeRawAddresses)
{
    SQE cmd(2, 1);
    cmd.set_prp1(0x1000);
    cmd.set_prp2(0x1'0000'2008ull);
    cmd.set_mptr(0x3000);
    EXPECT_EQ(cmd.cdw[6], 0x1000u);
    EXPECT_EQ(cmd.cdw[7], 0u);
    EXPECT_EQ(cmd.cdw[8], 0x2008u);
    EXPECT_EQ(cmd.cdw[9], 1u);
    EXPECT_EQ(cmd.mptr(), 0x3000u);
    EXPECT_EQ(meta::Address(0x1234).value(), 0x1234u);
    // Temporaries have no lasting bus address: refused at compile time.
    static_assert(!std::is_constructible_v<meta::Address, Buffer&&>);
    static_assert(!std::is_constructible_v<meta::Address, meta::PRPList&&>);
    static_assert(std::is_constructible_v<meta::Address, const Buffer&>);
}

TEST(MetaSqe, Sgl1OverlaysThePrps)
{
    SQE cmd(2, 1);
    cmd.set_psdt(nvme::psdt::kSglContiguousMeta);
    cmd.set_sgl1(SglDescriptor::data_block(0xabcd'0000ull, 512));
    EXPECT_EQ(cmd.prp1(), 0xabcd'0000ull);
    EXPECT_EQ(cmd.cdw[8], 512u);
    EXPECT_EQ(cmd.cdw[9] >> 24, 0x00u);  // type 0 data block, subtype 0 address
    EXPECT_EQ((cmd.cdw[0] >> 14) & 3, 1u);
}

TEST(MetaCqe, FieldsAndDwords)
{
    CQE c;
    c[0] = 0xdeadbeef;
    c[2] = 0x0003'0007;  // SQID 3, SQHD 7
    c[3] = (std::uint32_t{nvme::make_status(1, 0x0c, true, true, 2)} << 17) | 1u << 16 | 0x55;
    EXPECT_EQ(c.cdw0(), 0xdeadbeefu);
    EXPECT_EQ(c.sqid(), 3);
    EXPECT_EQ(c.sqhd(), 7);
    EXPECT_EQ(c.cid(), 0x55);
    EXPECT_TRUE(c.p());
    EXPECT_EQ(c.sct(), 1);
    EXPECT_EQ(c.sc(), 0x0c);
    EXPECT_TRUE(c.dnr());
    EXPECT_TRUE(c.more());
    EXPECT_EQ(c.crd(), 2);
    EXPECT_THROW(c[4] = 0, UsageError);
}

// The chain slot is the last of the list's memory page; with a list that
// starts 0x20 before the page end, 15 entries take 3 + chain + 12 slots.
TEST(MetaPrp, ChainSlotIsTheLastSlotOfThePage)
{
    EXPECT_EQ(meta::prp_chain_slot(0x10000), 511u);
    EXPECT_EQ(meta::prp_chain_slot(0x10020), 507u);
    EXPECT_EQ(meta::prp_chain_slot(0x10fe0), 3u);
    EXPECT_EQ(meta::prp_chain_slot(0x10ff8), 0u);
    EXPECT_EQ(meta::prp_chain_slot(0x10000, 16384), 2047u);
    EXPECT_EQ(nvme::prp_list_slots(15, 0x10fe0, 4096), 3u + 1u + 12u);
}

TEST(MetaSgl, DescriptorBytesAsTheDeviceReadsThem)
{
    const auto b = meta::sgl_bytes(SglDescriptor::data_block(0x0102030405060708ull, 0x200));
    const std::array<std::uint8_t, 16> want{0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01,
                                            0x00, 0x02, 0x00, 0x00, 0, 0, 0, 0x00};
    EXPECT_EQ(b, want);
    EXPECT_EQ(meta::sgl_bytes(SglDescriptor::bit_bucket(512))[15], 0x10);
    EXPECT_EQ(meta::sgl_bytes(SglDescriptor::segment(0x1000, 32))[15], 0x20);
    EXPECT_EQ(meta::sgl_bytes(SglDescriptor::last_segment(0x1000, 32))[15], 0x30);
    const auto keyed = meta::sgl_bytes(SglDescriptor::keyed_data_block(0x1000, 0x123456, 0xaabbccdd));
    EXPECT_EQ(keyed[8], 0x56);
    EXPECT_EQ(keyed[10], 0x12);
    EXPECT_EQ(keyed[11], 0xdd);  // key in bytes 14:11
    EXPECT_EQ(keyed[14], 0xaa);
    EXPECT_EQ(keyed[15], 0x40);
}

TEST(MetaSgl, RawBytesRoundTrip)
{
    std::array<std::uint8_t, 16> raw{};
    for (std::size_t i = 0; i < raw.size(); i++)
        raw[i] = static_cast<std::uint8_t>(0xf0 + i);
    const SglDescriptor d = meta::sgl_from_bytes(raw);
    EXPECT_EQ(d.address(), 0xf7f6f5f4f3f2f1f0ull);
    EXPECT_EQ(d.length(), 0xfbfaf9f8u);
    EXPECT_EQ(d.type(), 0xf);
    EXPECT_EQ(d.subtype(), 0xf);
    EXPECT_EQ(meta::sgl_bytes(d), raw);
}
