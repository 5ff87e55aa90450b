// SPDX-License-Identifier: BSD-3-Clause
// What an IOWorker sends: sizes, LBAs, opcodes, data, timing, as its
// parameters say (seed 002, 1.1).  Checked through output_cmdlog_list and the
// data on the device.
#include <nvmetest/fixtures.h>
#include <nvmetest/ioworker.h>

#include <chrono>
#include <map>

namespace {

using nvmetest::Buffer;
using nvmetest::IOWorkerCmdlogRecord;
using nvmetest::testing::QpairTest;
using Cmdlog = std::vector<IOWorkerCmdlogRecord>;

TEST_F(QpairTest, IoWorkerWeightedIoSizesAndAlignment)
{
    Cmdlog log(2000);
    const auto r = nvme0n1.ioworker({.io_size = {{8, 50}, {16, 25}, {256, 25}},
                                     .lba_align = 8,
                                     .io_count = 2000,
                                     .output_cmdlog_list = &log})
                       .start()
                       .close();
    ASSERT_EQ(r.error, 0);
    ASSERT_EQ(log.size(), 2000u);
    std::map<std::uint32_t, int> n;
    std::uint64_t lbas = 0;
    for (const auto& c : log) {
        n[c.nlb]++;
        lbas += c.nlb;
        EXPECT_EQ(c.slba % 8, 0u);
        EXPECT_LE(c.slba + c.nlb, nvme0n1.capacity());
        EXPECT_EQ(c.opcode, 2);
        EXPECT_EQ(c.status, 0);
    }
    EXPECT_EQ(n.size(), 3u);
    EXPECT_NEAR(n[8], 1000, 120);
    EXPECT_NEAR(n[16], 500, 100);
    EXPECT_NEAR(n[256], 500, 100);
    EXPECT_EQ(r.lba_count_read, lbas);
}

TEST_F(QpairTest, IoWorkerLbaCountStopsAtExactlyThatManyLbas)
{
    const auto r = nvme0n1.ioworker({.io_size = {{8, 60}, {128, 40}}, .lba_align = 8,
                                     .time = 30, .lba_count = 10000, .read_percentage = 70})
                       .start()
                       .close();
    EXPECT_EQ(r.error, 0);
    EXPECT_EQ(r.lba_count_read + r.lba_count_nonread, 10000u);
    EXPECT_EQ(r.lba_count_write, r.lba_count_nonread);
    EXPECT_LT(r.mseconds, 30000u);
}

TEST_F(QpairTest, IoWorkerSequentialRegionIsOnePass)
{
    // Seed 002: sequential I/O without time or io_count is one pass from
    // region_start to region_end (excluded).
    Cmdlog log(100);
    const auto r = nvme0n1.ioworker({.io_size = 8, .lba_random = false, .qdepth = 1,
                                     .region_start = 0x10, .region_end = 0x100,
                                     .output_cmdlog_list = &log})
                       .start()
                       .close();
    EXPECT_EQ(r.error, 0);
    EXPECT_EQ(r.io_count_read, 30u);
    ASSERT_EQ(log.size(), 30u);
    for (std::size_t i = 0; i < log.size(); i++)
        EXPECT_EQ(log[i].slba, 0x10 + 8 * i);
}

TEST_F(QpairTest, IoWorkerNegativeAndZeroLbaStep)
{
    Cmdlog log(10);
    nvme0n1.ioworker({.io_size = 1, .io_count = 10, .lba_random = false, .lba_start = 10,
                      .lba_step = -1, .qdepth = 1, .output_cmdlog_list = &log})
        .start()
        .close();
    ASSERT_EQ(log.size(), 10u);
    for (std::size_t i = 0; i < 10; i++)
        EXPECT_EQ(log[i].slba, 10 - i);

    nvme0n1.ioworker({.io_count = 10, .lba_random = false, .lba_start = 100, .lba_step = 0,
                      .output_cmdlog_list = &log})
        .start()
        .close();
    for (const auto& c : log)
        EXPECT_EQ(c.slba, 100u);
}

TEST_F(QpairTest, IoWorkerRandomLbasStayInTheirRegions)
{
    Cmdlog log(1000);
    nvme0n1.ioworker({.io_count = 1000, .region_start = {0x10, 0x1010},
                      .region_end = {0x100, 0x1100}, .output_cmdlog_list = &log})
        .start()
        .close();
    int first = 0;
    for (const auto& c : log) {
        const bool a = c.slba >= 0x10 && c.slba + c.nlb <= 0x100;
        const bool b = c.slba >= 0x1010 && c.slba + c.nlb <= 0x1100;
        EXPECT_TRUE(a || b) << c.slba;
        first += a;
    }
    EXPECT_GT(first, 350);
    EXPECT_LT(first, 650);
}

TEST_F(QpairTest, IoWorkerJedecDistribution)
{
    std::vector<std::uint32_t> d(5, 1000);
    d.insert(d.end(), 15, 200);
    d.insert(d.end(), 80, 25);
    Cmdlog log(2000);
    nvme0n1.ioworker({.io_size = 8, .io_count = 2000, .qdepth = 32, .distribution = d,
                      .output_cmdlog_list = &log})
        .start()
        .close();
    const std::uint64_t five = nvme0n1.capacity() * 5 / 100;
    int in_first = 0;
    for (const auto& c : log)
        in_first += c.slba < five;
    EXPECT_NEAR(in_first, 1000, 120);
}

TEST_F(QpairTest, IoWorkerWritesItsPattern)
{
    const auto r = nvme0n1.ioworker({.io_size = 8, .lba_random = false, .read_percentage = 0,
                                     .region_start = 0, .region_end = 64,
                                     .pvalue = 0x5a5a5a5a, .ptype = 32})
                       .start()
                       .close();
    EXPECT_EQ(r.error, 0);
    EXPECT_EQ(r.io_count_write, 8u);
    EXPECT_EQ(r.lba_count_write, 64u);
    Buffer data(64 * 512);
    nvme0n1.read(qpair, data, 0, 64).waitdone();
    for (std::size_t off = 0; off < data.size(); off += 4)
        ASSERT_EQ(data.data(off + 3, off), 0x5a5a5a5au) << off;

    // The default: random data, not compressible (most bytes differ from their neighbours).
    nvme0n1.ioworker({.io_size = 8, .lba_random = false, .read_percentage = 0,
                      .region_start = 0, .region_end = 8})
        .start()
        .close();
    nvme0n1.read(qpair, data, 0, 8).waitdone();
    int repeats = 0;
    for (std::size_t i = 1; i < 4096; i++)
        repeats += data[i] == data[i - 1];
    EXPECT_LT(repeats, 100);
}

TEST_F(QpairTest, IoWorkerOpPercentageSendsEveryOpcode)
{
    Cmdlog log(1000);
    const auto r = nvme0n1.ioworker({.io_count = 1000, .op_percentage = {{2, 40}, {1, 30}, {9, 30}},
                                     .output_cmdlog_list = &log})
                       .start()
                       .close();
    EXPECT_EQ(r.error, 0);
    std::map<int, int> n;
    for (const auto& c : log) {
        n[c.opcode]++;
        EXPECT_EQ(c.status, 0);
    }
    EXPECT_NEAR(n[2], 400, 70);
    EXPECT_NEAR(n[1], 300, 70);
    EXPECT_NEAR(n[9], 300, 70);
    EXPECT_EQ(r.io_count_read, static_cast<std::uint64_t>(n[2]));
    EXPECT_EQ(r.io_count_write, static_cast<std::uint64_t>(n[1]));
    EXPECT_EQ(r.io_count_nonread, static_cast<std::uint64_t>(n[1] + n[9]));

    const auto f = nvme0n1.ioworker({.io_count = 20, .op_percentage = {{0, 100}}}).start().close();
    EXPECT_EQ(f.error, 0);
    EXPECT_EQ(f.io_count_nonread, 20u);
    EXPECT_EQ(f.lba_count_nonread, 0u);
}

TEST_F(QpairTest, IoWorkerIoSequenceAtItsTimes)
{
    Cmdlog log(2);
    const auto r = nvme0n1.ioworker({.pvalue = 0, .ptype = 0,
                                     .io_sequence = {{.slba = 0, .nlb = 1, .opcode = 2, .time_sent_us = 0},
                                                     {.slba = 0, .nlb = 1, .opcode = 1, .time_sent_us = 300000}},
                                     .output_cmdlog_list = &log})
                       .start()
                       .close();
    EXPECT_EQ(r.error, 0);
    EXPECT_EQ(r.io_count_read, 1u);
    EXPECT_EQ(r.io_count_write, 1u);
    ASSERT_EQ(log.size(), 2u);
    EXPECT_EQ(log[0].opcode, 2);
    EXPECT_EQ(log[1].opcode, 1);
    EXPECT_GE(log[1].time_sent_us, 300000u);
    EXPECT_LT(log[1].time_sent_us, 1000000u);  // a sleep: late on a busy host, never early
    EXPECT_GE(r.mseconds, 300u);
}

TEST_F(QpairTest, IoWorkerSrandReproducesTheWorkload)
{
    auto run = [&](std::uint64_t seed) {
        nvmetest::srand(seed);
        Cmdlog log(300);
        nvme0n1.ioworker({.io_size = {1, 8, 64}, .io_count = 300, .read_percentage = 50,
                          .qdepth = 1, .output_cmdlog_list = &log})
            .start()
            .close();
        return log;
    };
    const Cmdlog a = run(0x58e7f337), b = run(0x58e7f337), c = run(7);
    ASSERT_EQ(a.size(), 300u);
    ASSERT_EQ(b.size(), 300u);
    int same_as_other_seed = 0;
    for (std::size_t i = 0; i < a.size(); i++) {
        EXPECT_EQ(a[i].slba, b[i].slba);
        EXPECT_EQ(a[i].nlb, b[i].nlb);
        EXPECT_EQ(a[i].opcode, b[i].opcode);
        same_as_other_seed += a[i].slba == c[i].slba;
    }
    EXPECT_LT(same_as_other_seed, 10);
}

TEST_F(QpairTest, IoWorkerStartTimeDelaysTheFirstCommand)
{
    const double at = std::chrono::duration<double>(
                          std::chrono::system_clock::now().time_since_epoch()).count() + 1.0;
    const auto r = nvme0n1.ioworker({.io_count = 10, .start_time = at}).start().close();
    EXPECT_EQ(r.error, 0);
    const double started = static_cast<double>(r.test_start_sec) + r.test_start_nsec / 1e9;
    EXPECT_GE(started, at);
    EXPECT_LT(started, at + 0.5);
}

}  // namespace
