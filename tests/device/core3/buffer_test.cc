// SPDX-License-Identifier: BSD-3-Clause
// Buffer (API section 1): layout, access, patterns, command data helpers.
#include <nvmetest/fixtures.h>
#include <nvmetest/pattern.h>

namespace {

using nvmetest::Buffer;
using nvmetest::testing::PcieTest;

TEST_F(PcieTest, BufferLayout)
{
    Buffer buf(512 + 3);
    EXPECT_EQ(buf.length(), 515u);
    EXPECT_EQ(buf.offset(), 0u);
    EXPECT_EQ(buf.size(), 515u);
    const std::uint64_t base = buf.phys_addr();
    EXPECT_EQ(base % 4096, 0u);  // page-aligned allocation
    buf.set_offset(3);
    buf.set_size(512);
    EXPECT_EQ(buf.phys_addr(), base + 3);
    EXPECT_THROW(buf.set_size(513), nvmetest::UsageError);
    EXPECT_THROW(buf.set_offset(515), nvmetest::UsageError);

    Buffer b2(520, {.offset = 8});
    EXPECT_EQ(b2.offset(), 8u);
    EXPECT_EQ(b2.size(), 512u);
}

TEST_F(PcieTest, BufferAccess)
{
    Buffer b(1024, "example");
    b[0] = 0x5a;
    b.set(1, {1, 2});
    b.set(4, {10, 11, 12, 13});
    b.set(8, "xyc");
    EXPECT_EQ(b.data(2), 2u);
    EXPECT_EQ(b.data(2, 0), 0x02015au);
    EXPECT_EQ(b.slice(8, 11)[2], 'c');
    EXPECT_EQ(b.data<std::string>(10, 8), "xyc");
    const std::string d = b.dump(16);
    EXPECT_EQ(d.rfind("example\n", 0), 0u) << d;
    EXPECT_NE(d.find("5a 01 02 00 0a 0b 0c 0d 78 79 63"), std::string::npos) << d;
    EXPECT_THROW(b[1024], nvmetest::UsageError);
    EXPECT_THROW(b.data(15, 0), nvmetest::UsageError);
}

TEST_F(PcieTest, BufferPatternsAndEquality)
{
    Buffer b1(512, {.pvalue = 1, .ptype = 0x1234});
    Buffer b2(512, {.pvalue = 1, .ptype = 0x1234});
    EXPECT_TRUE(b1 == b2);
    EXPECT_EQ(b1.crc8(), b2.crc8());
    EXPECT_EQ(b1.data(1, 0), 1u);
    EXPECT_EQ(b1.data(3, 2), 2u);
    Buffer ones(64, {.pvalue = 1});
    EXPECT_EQ(ones.data(7, 0), ~0ull);
    b2.fill_pattern(0x55, 32);
    EXPECT_FALSE(b1 == b2);
    EXPECT_EQ(b2.data(3, 0), 0x55u);
}

TEST_F(PcieTest, BufferCommandHelpers)
{
    Buffer b(4096);
    b.set_dsm_range(1, 0x1234567887654321ull, 0xabcdef12);  // pynvme's docstring example
    const std::uint8_t want[16] = {0, 0, 0, 0, 0x12, 0xef, 0xcd, 0xab,
                                   0x21, 0x43, 0x65, 0x87, 0x78, 0x56, 0x34, 0x12};
    for (int i = 0; i < 16; i++)
        EXPECT_EQ(b[16 + i], want[i]) << i;
    Buffer c(4096);
    c.set_copy_range(0, 0x100, 8);
    EXPECT_EQ(c.data(15, 8), 0x100u);
    EXPECT_EQ(c.data(17, 16), 7u);  // NLB is 0-based
    Buffer l(4096);
    l.set_controller_list(1, 2, 3);
    EXPECT_EQ(l.data(1, 0), 3u);
    EXPECT_EQ(l.data(7, 6), 3u);
}

TEST_F(PcieTest, BufferBeyondOneAllocationIsRefused)
{
    const std::uint64_t max = pcie.info().dma_max_alloc;
    ASSERT_GT(max, 0u);
    try {
        Buffer big(max + 4096);
        FAIL() << "a buffer above dma_max_alloc was allocated";
    } catch (const nvmetest::UsageError& e) {
        EXPECT_NE(std::string(e.what()).find("dma_max_alloc"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("split"), std::string::npos) << e.what();
    }
    Buffer fits(max);
    EXPECT_EQ(fits.length(), max);
}

}  // namespace
