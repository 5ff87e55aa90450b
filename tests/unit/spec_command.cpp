// SPDX-License-Identifier: BSD-3-Clause
// Submission/completion entries, SGL descriptors and PRP building.
#include "nvmetest/errors.h"
#include "nvmetest/nvme/command.h"
#include "nvmetest/nvme/prp.h"
#include "nvmetest/nvme/sgl.h"

#include <cstring>
#include <gtest/gtest.h>
#include <vector>

using namespace nvmetest::nvme;

TEST(SpecSqe, Cdw0FieldsAreIndependent) {
    Sqe s{};
    s.set_opcode(0x02);
    s.set_fuse(fuse::kSecond);
    s.set_psdt(psdt::kSglMetaDescriptor);
    s.set_cid(0x1234);
    // opcode 7:0, fuse 9:8, psdt 15:14, cid 31:16 (figure 91)
    EXPECT_EQ(s.cdw[0], 0x1234'0000u | 0x2u << 14 | 0x2u << 8 | 0x02u);
    EXPECT_EQ(s.fuse(), fuse::kSecond);
    EXPECT_EQ(s.psdt(), psdt::kSglMetaDescriptor);
    s.set_fuse(7); // out of range: masked to the field, neighbours intact
    EXPECT_EQ(s.fuse(), 3);
    EXPECT_EQ(s.opcode(), 0x02);
    EXPECT_EQ(s.psdt(), psdt::kSglMetaDescriptor);
}

TEST(SpecSqe, FieldsLandAtSpecByteOffsets) {
    Sqe s{};
    s.set_nsid(0xa1a2a3a4);
    s.set_cdw2(0xb1b2b3b4);
    s.set_cdw3(0xc1c2c3c4);
    s.set_mptr(0x1122334455667788ull);
    s.set_prp1(0x0102030405060708ull);
    s.set_prp2(0x1112131415161718ull);
    s.set_cdw10(10);
    s.set_cdw15(15);
    std::uint8_t raw[64];
    std::memcpy(raw, &s, sizeof(raw));
    auto le32 = [&](std::size_t off) {
        std::uint32_t v;
        std::memcpy(&v, raw + off, 4);
        return v;
    };
    auto le64 = [&](std::size_t off) {
        std::uint64_t v;
        std::memcpy(&v, raw + off, 8);
        return v;
    };
    EXPECT_EQ(le32(0x04), 0xa1a2a3a4u);
    EXPECT_EQ(le32(0x08), 0xb1b2b3b4u);
    EXPECT_EQ(le32(0x0c), 0xc1c2c3c4u);
    EXPECT_EQ(le64(0x10), 0x1122334455667788ull);
    EXPECT_EQ(le64(0x18), 0x0102030405060708ull);
    EXPECT_EQ(le64(0x20), 0x1112131415161718ull);
    EXPECT_EQ(le32(0x28), 10u);
    EXPECT_EQ(le32(0x3c), 15u);
}

TEST(SpecSqe, LbaRangeIsOneBasedCount) {
    Sqe s{};
    s.set_slba(0x1'0000'0002ull);
    s.set_nlb(8);
    s.cdw[12] |= 1u << 31; // LR bit must survive set_nlb
    EXPECT_EQ(s.cdw[10], 2u);
    EXPECT_EQ(s.cdw[11], 1u);
    EXPECT_EQ(s.cdw[12] & 0xffff, 7u);
    s.set_nlb(1);
    EXPECT_EQ(s.nlb(), 1u);
    EXPECT_EQ(s.cdw[12], 1u << 31);
    EXPECT_EQ(s.slba(), 0x1'0000'0002ull);
}

TEST(SpecSqe, Sgl1OverlaysPrpFields) {
    Sqe s{};
    s.set_sgl1(SglDescriptor::data_block(0xdead'beef'0000ull, 4096));
    EXPECT_EQ(s.prp1(), 0xdead'beef'0000ull);
    EXPECT_EQ(s.cdw[8], 4096u);
    EXPECT_EQ(s.cdw[9] >> 24, 0x00u);
    EXPECT_EQ(s.sgl1().address(), 0xdead'beef'0000ull);
    EXPECT_EQ(s.sgl1().length(), 4096u);
    s.set_sgl1(SglDescriptor::last_segment(0x2000, 32));
    EXPECT_EQ(s.cdw[9] >> 24, 0x30u);
}

TEST(SpecCqe, AllFieldsDecode) {
    Cqe c{};
    c.set_cdw0(0xcafe);
    c.dw[1] = 0x77;
    c.set_sqhd(0x0142);
    c.set_sqid(3);
    c.set_cid(95);
    c.set_phase(true);
    c.set_status(make_status(2, 0x81, /*dnr=*/true, /*more=*/true, /*crd=*/2));
    EXPECT_EQ(c.cdw0(), 0xcafeu);
    EXPECT_EQ(c.cdw1(), 0x77u);
    EXPECT_EQ(c.sqhd(), 0x0142);
    EXPECT_EQ(c.sqid(), 3);
    EXPECT_EQ(c.cid(), 95);
    EXPECT_TRUE(c.phase());
    EXPECT_EQ(c.sct(), 2);
    EXPECT_EQ(c.sc(), 0x81);
    EXPECT_EQ(c.crd(), 2);
    EXPECT_TRUE(c.more());
    EXPECT_TRUE(c.dnr());
    EXPECT_FALSE(c.ok());
    // DW3: cid 15:0, P 16, SC 24:17, SCT 27:25, CRD 29:28, M 30, DNR 31 (figure 100)
    EXPECT_EQ(c.dw[3], 95u | 1u << 16 | 0x81u << 17 | 2u << 25 | 2u << 28 | 1u << 30 | 1u << 31);
    EXPECT_EQ(c.status1(), c.dw[3] >> 16);
    c.set_phase(false);
    EXPECT_EQ(c.sc(), 0x81);
    EXPECT_FALSE(c.phase());
}

TEST(SpecSgl, BuildersEncodeTypeAndFields) {
    const auto bb = SglDescriptor::bit_bucket(512);
    EXPECT_EQ(bb.type(), sgl_type::kBitBucket);
    EXPECT_EQ(bb.length(), 512u);
    EXPECT_EQ(bb.address(), 0u);

    const auto seg = SglDescriptor::segment(0x10000, 48);
    EXPECT_EQ(seg.type(), sgl_type::kSegment);
    EXPECT_EQ(seg.subtype(), sgl_subtype::kAddress);
    EXPECT_EQ(seg.id(), 0x20);

    const auto off = SglDescriptor::data_block(0x40, 8, sgl_subtype::kOffset);
    EXPECT_EQ(off.id(), 0x01);

    const auto k = SglDescriptor::keyed_data_block(0x123456789ull, 0xabcdef, 0x11223344);
    EXPECT_EQ(k.type(), sgl_type::kKeyedDataBlock);
    EXPECT_EQ(k.keyed_length(), 0xabcdefu);
    EXPECT_EQ(k.key(), 0x11223344u);
    std::uint8_t raw[16];
    std::memcpy(raw, &k, 16);
    // length in bytes 10:8, key in bytes 14:11, identifier in byte 15
    EXPECT_EQ(raw[8], 0xef);
    EXPECT_EQ(raw[10], 0xab);
    EXPECT_EQ(raw[11], 0x44);
    EXPECT_EQ(raw[14], 0x11);
    EXPECT_EQ(raw[15], 0x40);
}

TEST(SpecSgl, RawDwordsAllowInvalidDescriptors) {
    auto d = SglDescriptor::data_block(0x1000, 16);
    d.set_id(0xe, 0x7); // reserved type: a test of "SGL Descriptor Type Invalid"
    EXPECT_EQ(d.type(), 0xe);
    EXPECT_EQ(d.subtype(), 0x7);
    EXPECT_EQ(d.length(), 16u);
}

TEST(SpecPrp, PageCounts) {
    constexpr std::uint64_t kPage = 4096;
    EXPECT_EQ(prp_page_count(0x1000, 0, kPage), 0u);
    EXPECT_EQ(prp_page_count(0x1000, 512, kPage), 1u);
    EXPECT_EQ(prp_page_count(0x1003, 4096, kPage), 2u); // unaligned spills over
    EXPECT_EQ(prp_page_count(0x1000, 8192, kPage), 2u);
    EXPECT_EQ(prp_list_entry_count(0x1000, 8192, kPage), 0u);
    EXPECT_EQ(prp_list_entry_count(0x1000, 12288, kPage), 2u);
    EXPECT_EQ(prp_list_slots(2, 0x8000, kPage), 2u);
    EXPECT_EQ(prp_list_slots(512, 0x8000, kPage), 512u); // fills one page exactly
    EXPECT_EQ(prp_list_slots(513, 0x8000, kPage), 514u); // needs one chain pointer
    EXPECT_EQ(prp_list_slots(3, 0x8ff0, kPage), 4u);     // 2 slots left in the first page
}

TEST(SpecPrp, OneAndTwoPagesNeedNoList) {
    Sqe s{};
    std::vector<std::uint64_t> list(4);
    EXPECT_EQ(build_prp(s, 0x10200, 512, 4096, list, 0x9000), 0u);
    EXPECT_EQ(s.prp1(), 0x10200u);
    EXPECT_EQ(s.prp2(), 0u);
    EXPECT_EQ(build_prp(s, 0x10200, 4096, 4096, list, 0x9000), 0u);
    EXPECT_EQ(s.prp2(), 0x11000u);
}

TEST(SpecPrp, ListWithChain) {
    constexpr std::uint64_t kPage = 4096;
    Sqe s{};
    // 5 pages from an unaligned start: PRP1 + 4 list entries.  The list starts
    // 2 slots before a page boundary, so it chains once.
    std::vector<std::uint64_t> list(8, ~0ull);
    const std::uint64_t list_addr = 0x20ff0;
    const std::size_t used = build_prp(s, 0x100100, 4 * kPage + 1, kPage, list, list_addr);
    EXPECT_EQ(s.prp1(), 0x100100u);
    EXPECT_EQ(s.prp2(), list_addr);
    ASSERT_EQ(used, 5u);
    EXPECT_EQ(list[0], 0x101000u);
    EXPECT_EQ(list[1], 0x21000u); // chain pointer to the next list page
    EXPECT_EQ(list[2], 0x102000u);
    EXPECT_EQ(list[3], 0x103000u);
    EXPECT_EQ(list[4], 0x104000u);
    EXPECT_EQ(list[5], ~0ull);
}

TEST(SpecPrp, TooSmallListIsRefused) {
    Sqe s{};
    std::vector<std::uint64_t> list(2);
    try {
        build_prp(s, 0, 4 * 4096, 4096, list, 0x9000);
        FAIL() << "expected UsageError";
    } catch (const nvmetest::UsageError& e) {
        EXPECT_NE(std::string(e.what()).find("needs 3 slots"), std::string::npos) << e.what();
    }
}
