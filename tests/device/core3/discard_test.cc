// SPDX-License-Identifier: BSD-3-Clause
// Deallocation observed (profile discard, whose image honours it): after a
// Dataset Management deallocate, or a write of zeroes, the LBAs read as
// zeroes, as DLFEAT 001b promises, and the image file gives the blocks back.
// Under QEMU's default discard=ignore (every other profile) the data stays and
// both checks fail.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>

#include <nvmetest/fixtures.h>

#include "support/dut_image.h"

namespace {

using nvmetest::Buffer;
using nvmetest::nvme::Cqe;
using nvmetest::testing::QpairTest;

// 1 MiB of 512-byte LBAs at 32 MiB: whole host filesystem blocks, so the
// holes punched are exactly the range.  Two commands each (MDTS 512 KiB).
constexpr std::uint64_t kLba = 0x10000;
constexpr std::uint32_t kLbas = 2048;
constexpr std::uint32_t kChunk = 1024;
constexpr std::uint64_t kBytes = std::uint64_t{kLbas} * 512;

class Discard : public QpairTest {
protected:
    // Writes buffer b over the range, two commands, checking each status.
    void write_range(Buffer& b)
    {
        for (std::uint32_t i = 0; i < kLbas; i += kChunk) {
            Buffer part(std::size_t{kChunk} * 512);
            std::copy_n(b.bytes().begin() + std::ptrdiff_t{i} * 512, part.size(), part.bytes().begin());
            nvme0n1.write(qpair, part, kLba + i, kChunk, {.cb = expect_ok("write")}).waitdone();
        }
    }
    // True when the whole range reads as zeroes.
    bool range_reads_zeroes()
    {
        bool zero = true;
        for (std::uint32_t i = 0; i < kLbas; i += kChunk) {
            Buffer part(std::size_t{kChunk} * 512, {.pvalue = 0xffffffff, .ptype = 32});
            nvme0n1.read(qpair, part, kLba + i, kChunk, {.cb = expect_ok("read")}).waitdone();
            zero = zero && std::all_of(part.bytes().begin(), part.bytes().end(),
                                       [](std::uint8_t v) { return v == 0; });
        }
        return zero;
    }
    static nvmetest::Callback expect_ok(const char* what)
    {
        return [what](const Cqe& c) { EXPECT_TRUE(c.ok()) << what << ": status " << c.status(); };
    }

    devtest::DutImage image;
};

TEST_F(Discard, DeallocatedLbasReadAsZeroesAndLeaveTheImage)
{
    ASSERT_EQ(nvme0n1.id_data(33) & 7u, 1u) << "DLFEAT: deallocated LBAs read as zeroes";
    Buffer data(kBytes, {.pvalue = 0x5a5a5a5a, .ptype = 32});
    write_range(data);
    ASSERT_FALSE(range_reads_zeroes());
    const std::uint64_t written = image.allocated_bytes();

    Buffer ranges(4096);
    ranges.set_dsm_range(0, kLba, kLbas);
    nvme0n1.dsm(qpair, ranges, 1, {.cb = expect_ok("dsm")}).waitdone();
    EXPECT_TRUE(range_reads_zeroes()) << "the deallocated LBAs still hold data";
    const std::uint64_t after = image.allocated_bytes();
    EXPECT_GE(written - std::min(written, after), kBytes)
        << "the image kept its blocks: " << written << " bytes allocated before, " << after
        << " after";
}

// detect-zeroes=unmap: a write whose data is all zeroes deallocates too.
TEST_F(Discard, WriteOfZeroesReleasesTheBlocks)
{
    Buffer data(kBytes, {.pvalue = 0xa5a5a5a5, .ptype = 32});
    write_range(data);
    const std::uint64_t written = image.allocated_bytes();
    Buffer zeroes(kBytes);
    write_range(zeroes);
    EXPECT_TRUE(range_reads_zeroes());
    const std::uint64_t after = image.allocated_bytes();
    EXPECT_GE(written - std::min(written, after), kBytes)
        << "the image kept its blocks: " << written << " bytes allocated before, " << after
        << " after";
}

}  // namespace
