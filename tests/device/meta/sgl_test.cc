// SPDX-License-Identifier: BSD-3-Clause
// Metamode SGLs (seed 002 section 2, "various SGLs"): data block in SGL1,
// segment and last segment chains, bit bucket, and descriptors QEMU refuses.
#include "meta_fixture.h"

namespace {

namespace meta = nvmetest::meta;
namespace nvme = nvmetest::nvme;
using nvme::SglDescriptor;
using nvmetest::Buffer;
using nvmetest::testing::MetaQueueTest;

class MetaSglTest : public MetaQueueTest {
protected:
    // A read (or write) of count blocks at lba whose data is described by sgl1.
    static meta::SQE sgl_cmd(std::uint8_t opcode, std::uint64_t lba, std::uint32_t count,
                             const SglDescriptor& sgl1)
    {
        meta::SQE cmd(opcode, 1);
        cmd.set_psdt(nvme::psdt::kSglContiguousMeta);
        cmd.set_sgl1(sgl1);
        cmd.set_slba(lba);
        cmd.set_nlb(count);
        return cmd;
    }
};

// SGL1 as one data block: a read lands in the block, a write takes from it.
TEST_F(MetaSglTest, DataBlockInSgl1)
{
    Buffer data = random_data(1);
    write_lbas(data, 0, 1);
    meta::PRP a(4096);
    EXPECT_EQ(run(sgl_cmd(2, 0, 1, SglDescriptor::data_block(a.phys_addr(), 512))).status(), 0);
    EXPECT_TRUE(same_bytes(a.slice(0, 512), data.slice(0, 512)));

    meta::PRP w(4096, {.pvalue = 100, .ptype = 0xbeef});
    EXPECT_EQ(run(sgl_cmd(1, 40, 1, SglDescriptor::data_block(w.phys_addr(), 512))).status(), 0);
    meta::PRP back(4096);
    EXPECT_EQ(run(sgl_cmd(2, 40, 1, SglDescriptor::data_block(back.phys_addr(), 512))).status(),
              0);
    EXPECT_TRUE(same_bytes(back.slice(0, 512), w.slice(0, 512)));

    // A block shorter than the transfer: Data SGL Length Invalid (00/0F, DNR).
    EXPECT_EQ(run(sgl_cmd(2, 0, 2, SglDescriptor::data_block(a.phys_addr(), 512))).status(),
              nvme::make_status(0, 0x0f, true));
}

// SGL1 -> segment [block a, last segment ->] -> last segment [block b]; and
// SGL1 -> last segment [block c, block d, block e]: the blocks are filled in order.
TEST_F(MetaSglTest, SegmentAndLastSegmentScatterTheData)
{
    Buffer data = random_data(3);
    write_lbas(data, 0, 3);
    meta::PRP a(4096), b(4096);
    meta::SGLSegment last(4);
    last[0] = SglDescriptor::data_block(b.phys_addr(), 512);
    meta::SGLSegment first(4);
    first[0] = SglDescriptor::data_block(a.phys_addr(), 512);
    first[1] = last.last_segment(1);
    EXPECT_EQ(SglDescriptor(first[1]).type(), nvme::sgl_type::kLastSegment);
    EXPECT_EQ(run(sgl_cmd(2, 0, 2, first.segment(2))).status(), 0);
    EXPECT_TRUE(same_bytes(a.slice(0, 512), data.slice(0, 512)));
    EXPECT_TRUE(same_bytes(b.slice(0, 512), data.slice(512, 1024)));

    meta::PRP c(4096), d(4096), e(4096);
    meta::SGLSegment seg;
    seg[0] = SglDescriptor::data_block(c.phys_addr() + 100, 512);
    seg[1] = SglDescriptor::data_block(d.phys_addr(), 256);
    seg[2] = SglDescriptor::data_block(e.phys_addr(), 768);
    EXPECT_EQ(run(sgl_cmd(2, 0, 3, seg.last_segment(3))).status(), 0);
    EXPECT_TRUE(same_bytes(c.slice(100, 612), data.slice(0, 512)));
    EXPECT_TRUE(same_bytes(d.slice(0, 256), data.slice(512, 768)));
    EXPECT_TRUE(same_bytes(e.slice(0, 768), data.slice(768, 1536)));
}

// A bit bucket: QEMU 7.2 supports SGLs but not bit buckets (Identify SGLS
// bit 16 is 0) and refuses one in a segment with SGL Descriptor Type Invalid
// (00/11, DNR) and as SGL1 with Invalid SGL Segment Descriptor (00/0D, DNR);
// no data moves.
TEST_F(MetaSglTest, BitBucketIsRefused)
{
    const std::uint64_t sgls = nvme0.id_data(539, 536);
    EXPECT_NE(sgls & 3, 0u) << "Identify SGLS: SGLs supported";
    EXPECT_EQ((sgls >> 16) & 1, 0u) << "Identify SGLS: bit bucket not advertised";
    Buffer data = random_data(3);
    write_lbas(data, 0, 3);
    meta::PRP a(4096, {.pvalue = 0xffffffff, .ptype = 32});
    meta::PRP b(4096, {.pvalue = 0xffffffff, .ptype = 32});
    meta::SGLSegment seg;
    seg[0] = SglDescriptor::data_block(a.phys_addr(), 512);
    seg[1] = SglDescriptor::bit_bucket(512);
    seg[2] = SglDescriptor::data_block(b.phys_addr(), 512);
    EXPECT_EQ(SglDescriptor(seg[1]).type(), nvme::sgl_type::kBitBucket);
    EXPECT_EQ(run(sgl_cmd(2, 0, 3, seg.last_segment(3))).status(),
              nvme::make_status(0, 0x11, true));
    EXPECT_EQ(run(sgl_cmd(2, 0, 1, SglDescriptor::bit_bucket(512))).status(),
              nvme::make_status(0, 0x0d, true));
    EXPECT_EQ(a.data(3, 0), 0xffffffffu) << "data moved for a refused command";
    EXPECT_EQ(b.data(3, 0), 0xffffffffu);
}

// Descriptors QEMU refuses, built from raw bytes and from the builders.
TEST_F(MetaSglTest, InvalidDescriptorsAreRefused)
{
    meta::PRP a(4096);
    const std::uint16_t invalid_segment = nvme::make_status(0, 0x0d, true);

    // Type 6 (reserved), written as bytes: length 512 in bytes 8..11, id in byte 15.
    std::array<std::uint8_t, 16> raw{};
    raw[9] = 0x02;
    raw[15] = 0x60;
    const SglDescriptor reserved = meta::sgl_from_bytes(raw);
    EXPECT_EQ(reserved.type(), 6);
    EXPECT_EQ(reserved.length(), 512u);
    EXPECT_EQ(run(sgl_cmd(2, 0, 1, reserved)).status(), invalid_segment);

    // Keyed data block (RDMA only).
    EXPECT_EQ(
        run(sgl_cmd(2, 0, 1, SglDescriptor::keyed_data_block(a.phys_addr(), 512, 7))).status(),
        invalid_segment);

    // A segment whose length is not a multiple of 16 bytes.
    meta::SGLSegment seg(4);
    seg[0] = SglDescriptor::data_block(a.phys_addr(), 512);
    EXPECT_EQ(run(sgl_cmd(2, 0, 1, SglDescriptor::last_segment(seg.phys_addr(), 20))).status(),
              invalid_segment);

    // A last segment that points on to another segment.
    meta::SGLSegment next(4);
    next[0] = SglDescriptor::data_block(a.phys_addr(), 512);
    seg[1] = next.last_segment(1);
    EXPECT_EQ(run(sgl_cmd(2, 0, 2, seg.last_segment(2))).status(), invalid_segment);

    // PSDT 3 is reserved: Invalid Field in Command (00/02, DNR).
    meta::SQE psdt3 = sgl_cmd(2, 0, 1, SglDescriptor::data_block(a.phys_addr(), 512));
    psdt3.set_psdt(3);
    EXPECT_EQ(run(psdt3).status(), nvme::make_status(0, 0x02, true));
}

}  // namespace
