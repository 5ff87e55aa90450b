// SPDX-License-Identifier: BSD-3-Clause
// Metadata LBA formats (profile multi-ns): namespace 1 512 B, 2 4096 B,
// 3 512+8 extended LBA, 4 4096+16 in a separate buffer with protection
// information type 1 (PI in the last 8 bytes of the metadata).
#include <nvmetest/fixtures.h>

namespace {

using nvmetest::Buffer;
using nvmetest::Namespace;
using nvmetest::Qpair;
using nvmetest::nvme::Cqe;
using nvmetest::testing::Nvme0Test;

constexpr std::uint16_t kPract = 1u << 13;        // io_flags = dword 12 bits 31:16
constexpr std::uint16_t kPrchkGuard = 1u << 12;

class MetaTest : public Nvme0Test {
protected:
    Qpair qpair{nvme0, 16};
};

TEST_F(MetaTest, LbaFormats)
{
    Namespace ns1(nvme0, 1), ns2(nvme0, 2), ns3(nvme0, 3), ns4(nvme0, 4);
    EXPECT_EQ(ns1.sector_size(), 512u);
    EXPECT_EQ(ns1.meta_size(), 0u);
    EXPECT_EQ(ns2.sector_size(), 4096u);
    EXPECT_EQ(ns3.sector_size(), 512u);
    EXPECT_EQ(ns3.meta_size(), 8u);
    EXPECT_TRUE(ns3.extended_lba());
    EXPECT_EQ(ns4.sector_size(), 4096u);
    EXPECT_EQ(ns4.meta_size(), 16u);
    EXPECT_FALSE(ns4.extended_lba());
    EXPECT_EQ(ns4.id_data(29) & 7u, 1u);  // DPS: PI type 1
    // QEMU's eight formats: 512 and 4096 bytes with 0, 8, 16, 64 bytes of metadata.
    const int expect[2][4] = {{0, 1, 2, 3}, {4, 5, 6, 7}};
    const std::uint32_t ms[4] = {0, 8, 16, 64};
    for (int d = 0; d < 2; d++)
        for (int m = 0; m < 4; m++) {
            EXPECT_EQ(ns1.get_lba_format(d ? 4096 : 512, ms[m]), expect[d][m]);
            EXPECT_EQ(nvme0.get_lba_format(d ? 4096 : 512, ms[m], 4), expect[d][m]);
        }
    EXPECT_EQ(ns1.get_lba_format(4096, 32), -1);
    EXPECT_EQ(nvme0.get_lba_format(512, 8, 3), 1);
}

TEST_F(MetaTest, ExtendedLbaRoundTrip)
{
    Namespace ns3(nvme0, 3);
    Buffer w(8 * 520, {.pvalue = 100, .ptype = 0xbeef});
    Buffer r(8 * 520);
    ns3.write(qpair, w, 16, 8).waitdone();
    ns3.read(qpair, r, 16, 8).waitdone();
    EXPECT_TRUE(r == w);
    // 8 * 512 bytes is too small once the metadata travels with the data.
    Buffer small(8 * 512);
    EXPECT_THROW(ns3.read(qpair, small, 16, 8), nvmetest::UsageError);
    Buffer meta(64);
    EXPECT_THROW(ns3.read(qpair, r, 16, 8, {.meta = &meta}), nvmetest::UsageError);
}

TEST_F(MetaTest, SeparateMetadataRoundTrip)
{
    Namespace ns4(nvme0, 4);
    Buffer w(2 * 4096, {.pvalue = 100, .ptype = 0xbeef});
    Buffer wm(2 * 16, {.pvalue = 100, .ptype = 0xbeef});
    wm.set(6, {0x12, 0x34});  // an application tag other than 0xffff
    wm.set(16 + 6, {0x12, 0x34});
    ns4.write(qpair, w, 0, 2, {.meta = &wm}).waitdone();
    EXPECT_EQ(qpair.cmdlog(1)[0].sqe.mptr(), wm.phys_addr());
    Buffer r(2 * 4096), rm(2 * 16);
    ns4.read(qpair, r, 0, 2, {.meta = &rm}).waitdone();
    EXPECT_TRUE(r == w);
    EXPECT_TRUE(rm == wm);
    // Without a metadata buffer the device would use MPTR 0: refused.
    EXPECT_THROW(ns4.read(qpair, r, 0, 2), nvmetest::UsageError);
    Buffer tiny(16);
    EXPECT_THROW(ns4.read(qpair, r, 0, 2, {.meta = &tiny}), nvmetest::UsageError);
}

TEST_F(MetaTest, ProtectionInformationGuard)
{
    Namespace ns4(nvme0, 4);
    Buffer w(4096, {.pvalue = 50, .ptype = 0xbeef});
    Buffer m(16), r(4096), rm(16);
    // PRACT: the controller generates the PI; a guard-checked read passes.
    ns4.write(qpair, w, 10, 1, {.io_flags = kPract, .dword14 = 10, .meta = &m}).waitdone();
    ns4.read(qpair, r, 10, 1, {.io_flags = kPrchkGuard, .dword14 = 10, .meta = &rm}).waitdone();
    EXPECT_TRUE(r == w);
    EXPECT_NE(rm.data(9, 8), 0u) << rm.dump();  // the guard, a CRC-16 of the data
    // A wrong guard written as is (PRACT 0, no checks), then a checked read:
    // End-to-end Guard Check Error (SCT 2, SC 0x82).
    Buffer bad(16, {.pvalue = 0x11111111, .ptype = 32});
    ns4.write(qpair, w, 11, 1, {.meta = &bad}).waitdone();
    std::uint16_t status = 0;
    ns4.read(qpair, r, 11, 1,
             {.io_flags = kPrchkGuard, .dword14 = 11, .meta = &rm,
              .cb = [&](const Cqe& c) { status = c.status(); }})
        .waitdone();
    EXPECT_EQ(status & 0x7ff, 0x282u);
}

TEST_F(MetaTest, FormatToMetadataAndBack)
{
    Namespace ns1(nvme0, 1);
    ASSERT_EQ(ns1.format(512, 8), 0u);
    EXPECT_EQ(ns1.meta_size(), 8u);
    EXPECT_FALSE(ns1.extended_lba());  // MSET 0: separate buffer
    EXPECT_EQ(ns1.id_data(26) & 0xfu, 1u);
    Buffer w(4 * 512, {.pvalue = 100, .ptype = 0xbeef});
    Buffer wm(4 * 8, {.pvalue = 0xa5a5a5a5, .ptype = 32});
    ns1.write(qpair, w, 0, 4, {.meta = &wm}).waitdone();
    Buffer r(4 * 512), rm(4 * 8);
    ns1.read(qpair, r, 0, 4, {.meta = &rm}).waitdone();
    EXPECT_TRUE(r == w);
    EXPECT_TRUE(rm == wm);
    ASSERT_EQ(ns1.format(512, 0), 0u);
    EXPECT_EQ(ns1.meta_size(), 0u);
    EXPECT_EQ(ns1.id_data(26) & 0xfu, 0u);
    ns1.read(qpair, r, 0, 4).waitdone();
    // A size without a format is refused before the device.
    EXPECT_THROW(ns1.format(512, 32), nvmetest::UsageError);
}

}  // namespace
