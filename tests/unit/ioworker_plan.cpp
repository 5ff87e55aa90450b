// SPDX-License-Identifier: BSD-3-Clause
// The IOWorker's workload plan (libnvmetest/ioworker/io_plan.h): sizes,
// opcodes and LBAs as the seed 002 parameters define them, and the refusals.
#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "ioworker/io_plan.h"
#include "nvmetest/errors.h"

namespace {

using nvmetest::IOWorkerArgs;
using nvmetest::UsageError;
using nvmetest::Xoshiro256ss;
using nvmetest::ioworker::Geometry;
using nvmetest::ioworker::IoPlan;
using nvmetest::ioworker::PlannedIo;

constexpr Geometry kNs{.capacity = 524288, .sector_size = 512};

std::vector<PlannedIo> draw(IoPlan& plan, std::size_t n, std::uint64_t seed = 1)
{
    Xoshiro256ss rng(seed);
    std::vector<PlannedIo> out;
    for (std::size_t i = 0; i < n; i++)
        out.push_back(plan.next(rng));
    return out;
}

TEST(IoWorkerPlan, SequentialIsContiguousAndOnePassEndsAtRegionEnd)
{
    IoPlan plan({.io_size = 8, .lba_random = false, .region_start = 0x10, .region_end = 0x40},
                kNs);
    EXPECT_TRUE(plan.one_pass());
    const auto ios = draw(plan, 6);
    const std::uint64_t want[] = {0x10, 0x18, 0x20, 0x28, 0x30, 0x38};
    for (std::size_t i = 0; i < 6; i++) {
        EXPECT_EQ(ios[i].slba, want[i]) << i;
        EXPECT_EQ(ios[i].nlb, 8u);
        EXPECT_EQ(ios[i].opcode, 2);  // read_percentage 100
    }
    EXPECT_TRUE(plan.pass_complete());
}

TEST(IoWorkerPlan, SequentialCutsTheLastCommandToTheRegion)
{
    IoPlan plan({.io_size = 8, .lba_random = false, .region_start = 0, .region_end = 12}, kNs);
    const auto ios = draw(plan, 2);
    EXPECT_EQ(ios[1].slba, 8u);
    EXPECT_EQ(ios[1].nlb, 4u);
    EXPECT_TRUE(plan.pass_complete());
}

TEST(IoWorkerPlan, NegativeStepReadsBackwards)
{
    // Seed 002: lba_start=10, lba_step=-1, io_size=1, io_count=10 reads 10, 9, ..., 1.
    IoPlan plan({.io_size = 1, .io_count = 10, .lba_random = false, .lba_start = 10, .lba_step = -1},
                kNs);
    const auto ios = draw(plan, 10);
    for (std::size_t i = 0; i < 10; i++)
        EXPECT_EQ(ios[i].slba, 10 - i);
}

TEST(IoWorkerPlan, ZeroStepRepeatsTheLba)
{
    IoPlan plan({.time = 1, .lba_random = false, .lba_start = 100, .lba_step = 0}, kNs);
    for (const auto& io : draw(plan, 50))
        EXPECT_EQ(io.slba, 100u);
}

TEST(IoWorkerPlan, StepLeavesGaps)
{
    IoPlan plan({.io_size = 8, .time = 1, .lba_random = false, .lba_step = 16}, kNs);
    const auto ios = draw(plan, 4);
    for (std::size_t i = 0; i < 4; i++)
        EXPECT_EQ(ios[i].slba, 16 * i);
}

// Seed 002, lba_align: every slba is a multiple of lba_align.  A sequential
// size that is not one moves on to the next multiple (a gap), with a note to
// warn, instead of being aligned back onto the same LBA for ever.
TEST(IoWorkerPlan, SequentialSizeNotAMultipleOfAlignMovesOnWithGaps)
{
    IoPlan plan({.io_size = 3, .lba_align = 8, .io_count = 5, .lba_random = false}, kNs);
    const auto ios = draw(plan, 5);
    for (std::size_t i = 0; i < 5; i++) {
        EXPECT_EQ(ios[i].slba, 8 * i) << i;
        EXPECT_EQ(ios[i].nlb, 3u);
    }
    EXPECT_NE(plan.sequential_gap().find("io_size 3 is not a multiple of lba_align 8"),
              std::string::npos)
        << plan.sequential_gap();
}

TEST(IoWorkerPlan, SequentialAlignedStepsAndUnalignedRegionStart)
{
    // A step below the alignment rounds up to it; so does a region's start.
    IoPlan step({.io_size = 8, .lba_align = 8, .io_count = 3, .lba_random = false, .lba_step = 4},
                kNs);
    const auto a = draw(step, 3);
    EXPECT_EQ(a[0].slba, 0u);
    EXPECT_EQ(a[1].slba, 8u);
    EXPECT_EQ(a[2].slba, 16u);
    EXPECT_NE(step.sequential_gap().find("lba_step 4"), std::string::npos);

    IoPlan region({.io_size = 8, .lba_align = 8, .lba_random = false, .region_start = 3,
                   .region_end = 40},
                  kNs);
    const auto b = draw(region, 4);
    EXPECT_EQ(b[0].slba, 8u);
    EXPECT_EQ(b[3].slba, 32u);
    EXPECT_TRUE(region.pass_complete());
    EXPECT_TRUE(region.sequential_gap().empty());  // io_size 8 is a multiple of 8

    IoPlan random({.io_size = 3, .lba_align = 8, .io_count = 3}, kNs);
    EXPECT_TRUE(random.sequential_gap().empty());  // random I/O has no sequence to gap
}

TEST(IoWorkerPlan, LbaRandomPercentageMixesSequentialAndRandom)
{
    // lba_random=50: half the commands continue the sequential stream, half
    // land at random (which hits the stream's next LBA almost never).
    IoPlan plan({.io_size = 8, .time = 1, .lba_random = 50}, kNs);
    std::uint64_t next = 0;
    int sequential = 0;
    for (const auto& io : draw(plan, 10000))
        if (io.slba == next) {
            sequential++;
            next += io.nlb;
        }
    EXPECT_NEAR(sequential, 5000, 250);
}

TEST(IoWorkerPlan, RandomLbasAreAlignedAndInsideTheRegions)
{
    IoPlan plan({.io_size = 8, .lba_align = 8, .time = 1,
                 .region_start = {0x10, 0x1010}, .region_end = {0x100, 0x1100}},
                kNs);
    std::map<int, int> hits;
    for (const auto& io : draw(plan, 20000)) {
        EXPECT_EQ(io.slba % 8, 0u);
        const bool first = io.slba >= 0x10 && io.slba + 8 <= 0x100;
        const bool second = io.slba >= 0x1010 && io.slba + 8 <= 0x1100;
        ASSERT_TRUE(first || second) << std::hex << io.slba;
        hits[first ? 0 : 1]++;
    }
    // The regions are 0xf0 LBAs each: chosen by length, about half each.
    EXPECT_NEAR(hits[0], 10000, 500);
}

TEST(IoWorkerPlan, WeightedSizesFollowTheirWeights)
{
    IoPlan plan({.io_size = {{8, 50}, {16, 25}, {256, 25}}, .time = 1}, kNs);
    std::map<std::uint32_t, int> n;
    for (const auto& io : draw(plan, 100000))
        n[io.nlb]++;
    EXPECT_NEAR(n[8], 50000, 1000);
    EXPECT_NEAR(n[16], 25000, 1000);
    EXPECT_NEAR(n[256], 25000, 1000);
    EXPECT_EQ(plan.max_io_size(), 256u);
}

TEST(IoWorkerPlan, ListAndRangeSizesAreEquallyLikely)
{
    IoPlan list({.io_size = {8, 16, 256}, .time = 1}, kNs);
    std::map<std::uint32_t, int> n;
    for (const auto& io : draw(list, 30000))
        n[io.nlb]++;
    ASSERT_EQ(n.size(), 3u);
    for (const auto& [size, count] : n)
        EXPECT_NEAR(count, 10000, 500) << size;
    IoPlan range({.io_size = nvmetest::IoSize::range(1, 8), .time = 1}, kNs);
    std::map<std::uint32_t, int> r;
    for (const auto& io : draw(range, 7000))
        r[io.nlb]++;
    EXPECT_EQ(r.size(), 7u);
    EXPECT_EQ(r.begin()->first, 1u);
    EXPECT_EQ(r.rbegin()->first, 7u);
}

TEST(IoWorkerPlan, ReadPercentageAndOpPercentage)
{
    IoPlan rw({.time = 1, .read_percentage = 30}, kNs);
    int reads = 0;
    for (const auto& io : draw(rw, 100000))
        reads += io.opcode == 2;
    EXPECT_NEAR(reads, 30000, 1000);

    IoPlan ops({.time = 1, .op_percentage = {{2, 33.34}, {1, 33.33}, {9, 33.33}}}, kNs);
    std::map<int, int> n;
    for (const auto& io : draw(ops, 90000))
        n[io.opcode]++;
    EXPECT_EQ(n.size(), 3u);
    EXPECT_NEAR(n[9], 30000, 1000);
    EXPECT_TRUE(ops.uses_dsm());
    EXPECT_TRUE(ops.reads_data());
    EXPECT_TRUE(ops.writes_data());

    IoPlan flush({.time = 1, .op_percentage = {{0, 100}}}, kNs);
    EXPECT_EQ(draw(flush, 1)[0].nlb, 0u);  // no LBA range
    EXPECT_FALSE(flush.reads_data());
}

TEST(IoWorkerPlan, JedecDistributionPutsHalfTheIoInTheFirstFivePercent)
{
    std::vector<std::uint32_t> d(5, 1000);
    d.insert(d.end(), 15, 200);
    d.insert(d.end(), 80, 25);
    IoPlan plan({.io_size = 8, .time = 1, .distribution = d}, kNs);
    int first5 = 0, next15 = 0;
    for (const auto& io : draw(plan, 100000)) {
        first5 += io.slba < kNs.capacity * 5 / 100;
        next15 += io.slba >= kNs.capacity * 5 / 100 && io.slba < kNs.capacity * 20 / 100;
    }
    EXPECT_NEAR(first5, 50000, 1000);
    EXPECT_NEAR(next15, 30000, 1000);
}

TEST(IoWorkerPlan, SameSeedSameWorkload)
{
    IoPlan a({.io_size = {1, 8, 64}, .time = 1, .read_percentage = 50}, kNs);
    IoPlan b({.io_size = {1, 8, 64}, .time = 1, .read_percentage = 50}, kNs);
    const auto x = draw(a, 1000, 42), y = draw(b, 1000, 42), z = draw(b, 1000, 43);
    for (std::size_t i = 0; i < x.size(); i++) {
        EXPECT_EQ(x[i].slba, y[i].slba);
        EXPECT_EQ(x[i].opcode, y[i].opcode);
        EXPECT_EQ(x[i].nlb, y[i].nlb);
    }
    std::size_t same = 0;
    for (std::size_t i = 0; i < x.size(); i++)
        same += x[i].slba == z[i].slba;
    EXPECT_LT(same, 10u);
}

TEST(IoWorkerPlan, RefusesContradictions)
{
    auto refused = [](IOWorkerArgs a) {
        try {
            IoPlan plan(a, kNs);
        } catch (const UsageError& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    EXPECT_NE(refused({}).find("neither io_count"), std::string::npos);
    EXPECT_NE(refused({.time = 1, .region_end = kNs.capacity + 1}).find("beyond the namespace"),
              std::string::npos);
    EXPECT_NE(refused({.time = 1, .region_start = 8, .region_end = 8}).find("empty"),
              std::string::npos);
    EXPECT_NE(refused({.time = 1, .lba_step = 4}).find("sequential"), std::string::npos);
    EXPECT_NE(refused({.time = 1, .lba_random = 101}).find("lba_random"), std::string::npos);
    EXPECT_NE(refused({.time = 1, .read_percentage = -1}).find("read_percentage"),
              std::string::npos);
    EXPECT_NE(refused({.time = 1, .sgl_percentage = 101}).find("sgl_percentage"),
              std::string::npos);
    EXPECT_NE(refused({.time = 1, .op_percentage = {{2, 50}, {1, 49.99}}}).find("99.99"),
              std::string::npos);
    EXPECT_NE(refused({.time = 1, .op_percentage = {{2, 50.005}, {1, 49.995}}}).find("two decimals"),
              std::string::npos);
    EXPECT_NE(refused({.time = 1, .op_percentage = {{0x83, 100}}}).find("both ways"),
              std::string::npos);
    EXPECT_NE(refused({.io_size = 0, .time = 1}).find("io_size"), std::string::npos);
    EXPECT_NE(refused({.io_size = 70000, .time = 1}).find("io_size"), std::string::npos);
    EXPECT_NE(refused({.lba_align = 0, .time = 1}).find("lba_align"), std::string::npos);
    EXPECT_NE(refused({.time = 1, .distribution = std::vector<std::uint32_t>(100, 99)}).find("10000"),
              std::string::npos);
    EXPECT_NE(refused({.time = 1, .region_start = {0, 100}}).find("region_end"), std::string::npos);
    EXPECT_NE(refused({.io_size = 16, .time = 1, .region_start = 0, .region_end = 8}).find("cannot hold"),
              std::string::npos);
    EXPECT_NE(refused({.time = 1, .lba_start = kNs.capacity}).find("lba_start"), std::string::npos);
    EXPECT_NE(refused({.io_sequence = {{.slba = 0, .nlb = 1, .opcode = 2, .time_sent_us = 5},
                                       {.slba = 0, .nlb = 1, .opcode = 1, .time_sent_us = 4}}})
                  .find("decrease"),
              std::string::npos);
    EXPECT_EQ(refused({.io_sequence = {{.slba = 0, .nlb = 1, .opcode = 2, .time_sent_us = 0}}}), "");
    EXPECT_EQ(refused({.io_count = 1}), "");
}

}  // namespace
