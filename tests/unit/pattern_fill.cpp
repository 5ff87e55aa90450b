// SPDX-License-Identifier: BSD-3-Clause
// PyNVMe3 data patterns, the file pattern and crc8.
#include "nvmetest/errors.h"
#include "nvmetest/pattern.h"
#include "nvmetest/random.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <fstream>
#include <gtest/gtest.h>
#include <string>
#include <unistd.h>
#include <vector>

using nvmetest::fill_pattern;

namespace {

std::size_t count_zero(std::span<const std::uint8_t> d) {
    return static_cast<std::size_t>(std::count(d.begin(), d.end(), 0));
}

} // namespace

TEST(PatternFill, ZerosAndOnes) {
    std::vector<std::uint8_t> b(513, 0x5a);
    fill_pattern(b, nvmetest::kPtypeConst, 0);
    EXPECT_EQ(count_zero(b), b.size());
    fill_pattern(b, nvmetest::kPtypeConst, 1);
    EXPECT_TRUE(std::all_of(b.begin(), b.end(), [](std::uint8_t x) { return x == 0xff; }));
}

TEST(PatternFill, Repeating32BitLittleEndian) {
    std::vector<std::uint8_t> b(10, 0);
    fill_pattern(b, nvmetest::kPtype32, 0x11223344);
    const std::vector<std::uint8_t> want{0x44, 0x33, 0x22, 0x11, 0x44,
                                         0x33, 0x22, 0x11, 0x44, 0x33};
    EXPECT_EQ(b, want);
    EXPECT_THROW(fill_pattern(b, nvmetest::kPtype32, 0x1'0000'0000ull), nvmetest::UsageError);
}

TEST(PatternFill, Incrementing16Bit) {
    std::vector<std::uint8_t> b(7, 0);
    fill_pattern(b, nvmetest::kPtypeInc16, 0xfffe);
    // 0xfffe, 0xffff, 0x0000 (wraps), then the low byte of 0x0001
    const std::vector<std::uint8_t> want{0xfe, 0xff, 0xff, 0xff, 0x00, 0x00, 0x01};
    EXPECT_EQ(b, want);
}

TEST(PatternFill, Decrementing16Bit) {
    std::vector<std::uint8_t> b(6, 0);
    fill_pattern(b, nvmetest::kPtypeDec16, 1);
    const std::vector<std::uint8_t> want{0x01, 0x00, 0x00, 0x00, 0xff, 0xff};
    EXPECT_EQ(b, want);
    EXPECT_THROW(fill_pattern(b, nvmetest::kPtypeDec16, 0x10000), nvmetest::UsageError);
}

TEST(PatternFill, SameArgumentsSameBuffer) {
    // PyNVMe3 example: Buffer(512, ptype=0x1234, pvalue=1) == Buffer(512, ptype=0x1234, pvalue=1)
    std::vector<std::uint8_t> a(512), b(512);
    fill_pattern(a, nvmetest::kPtypeInc16, 1);
    fill_pattern(b, nvmetest::kPtypeInc16, 1);
    EXPECT_EQ(a, b);
    EXPECT_EQ(a[2], 2);
}

class PatternRandomPercent : public ::testing::TestWithParam<unsigned> {};

TEST_P(PatternRandomPercent, IncompressibleFractionMatchesPvalue) {
    const unsigned pct = GetParam();
    nvmetest::srand(1);
    std::vector<std::uint8_t> b(64 * 1024 + 1000, 0x77);
    fill_pattern(b, nvmetest::kPtypeRandom, pct);
    for (std::size_t off = 0; off < b.size(); off += nvmetest::kPatternChunk) {
        const std::size_t len = std::min(nvmetest::kPatternChunk, b.size() - off);
        const std::span<const std::uint8_t> chunk(b.data() + off, len);
        const std::size_t random_len = len * pct / 100;
        // The tail of every chunk is zero: that part compresses to nothing.
        EXPECT_EQ(count_zero(chunk.subspan(random_len)), len - random_len) << "chunk at " << off;
        // The head is random: about 1/256 zeros, and every byte value shows up.
        const auto head = chunk.first(random_len);
        // Random right up to the boundary: 16 zero bytes in a row would be 2^-128.
        if (random_len >= 16) {
            EXPECT_LT(count_zero(head.last(16)), 16u) << "chunk at " << off;
        }
        if (random_len >= 4000) {
            EXPECT_LT(count_zero(head), random_len / 256 * 3);
            std::array<bool, 256> seen{};
            for (auto x : head)
                seen[x] = true;
            EXPECT_EQ(std::count(seen.begin(), seen.end(), true), 256);
        }
    }
    // Measured over the whole buffer: the non-zero share is pct% (less the
    // random bytes that happen to be 0).
    const double nonzero = 1.0 - static_cast<double>(count_zero(b)) / static_cast<double>(b.size());
    EXPECT_NEAR(nonzero, pct / 100.0 * 255.0 / 256.0, 0.01);
}

INSTANTIATE_TEST_SUITE_P(Percentages, PatternRandomPercent,
                         ::testing::Values(0u, 1u, 25u, 50u, 90u, 100u));

TEST(PatternFill, RandomFollowsSeed) {
    std::vector<std::uint8_t> a(4096), b(4096), c(4096);
    nvmetest::srand(1234);
    fill_pattern(a, nvmetest::kPtypeRandom, 100);
    nvmetest::srand(1234);
    fill_pattern(b, nvmetest::kPtypeRandom, 100);
    nvmetest::srand(1235);
    fill_pattern(c, nvmetest::kPtypeRandom, 100);
    EXPECT_EQ(a, b);
    EXPECT_NE(a, c);
    EXPECT_THROW(fill_pattern(a, nvmetest::kPtypeRandom, 101), nvmetest::UsageError);
}

TEST(PatternFill, UnknownPtypeListsValidOnes) {
    std::vector<std::uint8_t> b(16);
    try {
        fill_pattern(b, 0x55, 0);
        FAIL() << "expected UsageError";
    } catch (const nvmetest::UsageError& e) {
        const std::string msg = e.what();
        EXPECT_NE(msg.find("0x55"), std::string::npos) << msg;
        for (const char* p : {"0 (", "32 (", "0xbeef", "0xf17e", "0x1234", "0x4321"})
            EXPECT_NE(msg.find(p), std::string::npos) << p << " missing from: " << msg;
    }
    EXPECT_THROW(fill_pattern(b, nvmetest::kPtypeFile, 0), nvmetest::UsageError);
}

class PatternFile : public ::testing::Test {
protected:
    void SetUp() override {
        path_ = ::testing::TempDir() + "nvmetest_pattern_" + std::to_string(getpid());
    }
    void TearDown() override { std::remove(path_.c_str()); }
    void write(const std::string& content) { std::ofstream(path_, std::ios::binary) << content; }
    std::string path_;
};

TEST_F(PatternFile, RepeatsShortFile) {
    write("abc");
    std::vector<std::uint8_t> b(8);
    nvmetest::fill_pattern_file(b, path_);
    EXPECT_EQ(std::string(b.begin(), b.end()), "abcabcab");
}

TEST_F(PatternFile, TruncatesLongFile) {
    write("0123456789");
    std::vector<std::uint8_t> b(4);
    nvmetest::fill_pattern_file(b, path_);
    EXPECT_EQ(std::string(b.begin(), b.end()), "0123");
}

TEST_F(PatternFile, EmptyAndMissingFilesAreErrors) {
    write("");
    std::vector<std::uint8_t> b(4);
    EXPECT_THROW(nvmetest::fill_pattern_file(b, path_), nvmetest::UsageError);
    EXPECT_THROW(nvmetest::fill_pattern_file(b, path_ + ".missing"), nvmetest::Error);
}

TEST(PatternCrc8, KnownVectors) {
    const std::string check = "123456789";
    const std::span<const std::uint8_t> s(reinterpret_cast<const std::uint8_t*>(check.data()),
                                          check.size());
    EXPECT_EQ(nvmetest::crc8(s), 0xf4); // CRC-8/SMBUS check value
    EXPECT_EQ(nvmetest::crc8({}), 0x00);
    const std::uint8_t one[] = {0x01};
    EXPECT_EQ(nvmetest::crc8(one), 0x07); // the polynomial itself
    std::vector<std::uint8_t> a(512), b(512);
    fill_pattern(a, nvmetest::kPtypeInc16, 1);
    b = a;
    EXPECT_EQ(nvmetest::crc8(a), nvmetest::crc8(b));
    b[100] ^= 0x10; // one flipped bit changes the CRC
    EXPECT_NE(nvmetest::crc8(a), nvmetest::crc8(b));
}
