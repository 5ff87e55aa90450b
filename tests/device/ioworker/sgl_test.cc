// SPDX-License-Identifier: BSD-3-Clause
// sgl_percentage (seed 002, 1.1): the share of data transfers described by an
// SGL instead of PRPs, seen in each command's PSDT (output_cmdlog_list), and
// the data still where it belongs.  QEMU 7.2 takes SGL Data Blocks for I/O.
#include <nvmetest/fixtures.h>
#include <nvmetest/ioworker.h>
#include <nvmetest/nvme/command.h>

namespace {

using nvmetest::Buffer;
using nvmetest::IOWorkerCmdlogRecord;
using nvmetest::testing::QpairTest;
using Cmdlog = std::vector<IOWorkerCmdlogRecord>;
namespace psdt = nvmetest::nvme::psdt;

TEST_F(QpairTest, IoWorkerSglPercentage100WritesAndReadsThroughSgls)
{
    // Writes of several sizes (one page and several) through SGLs, read back through PRPs.
    Cmdlog log(64);
    const auto w = nvme0n1.ioworker({.io_size = {8, 16, 64}, .lba_random = false,
                                     .read_percentage = 0, .sgl_percentage = 100,
                                     .region_start = 0, .region_end = 512,
                                     .pvalue = 0xa5c3e10f, .ptype = 32,
                                     .output_cmdlog_list = &log})
                       .start()
                       .close();
    ASSERT_EQ(w.error, 0);
    EXPECT_EQ(w.lba_count_write, 512u);
    ASSERT_FALSE(log.empty());
    for (const auto& c : log) {
        EXPECT_EQ(c.psdt, psdt::kSglContiguousMeta) << c.slba;
        EXPECT_EQ(c.status, 0) << c.slba;
    }
    Buffer data(512 * 512);
    nvme0n1.read(qpair, data, 0, 512).waitdone();
    for (std::size_t off = 0; off < data.size(); off += 4)
        ASSERT_EQ(data.data(off + 3, off), 0xa5c3e10fu) << off;

    // Reads into the worker's buffers through SGLs complete without error.
    Cmdlog reads(500);
    const auto r = nvme0n1.ioworker({.io_size = {8, 64}, .io_count = 500, .sgl_percentage = 100,
                                     .region_end = 512, .output_cmdlog_list = &reads})
                       .start()
                       .close();
    ASSERT_EQ(r.error, 0);
    EXPECT_EQ(r.io_count_read, 500u);
    for (const auto& c : reads)
        ASSERT_EQ(c.psdt, psdt::kSglContiguousMeta) << c.slba;
}

TEST_F(QpairTest, IoWorkerSglPercentageZeroIsPrpsOnly)
{
    Cmdlog log(500);
    const auto r = nvme0n1.ioworker({.io_size = {8, 64}, .io_count = 500, .read_percentage = 50,
                                     .output_cmdlog_list = &log})
                       .start()
                       .close();
    ASSERT_EQ(r.error, 0);
    for (const auto& c : log)
        ASSERT_EQ(c.psdt, psdt::kPrp) << c.slba;
}

TEST_F(QpairTest, IoWorkerSglPercentageMixesInProportion)
{
    Cmdlog log(2000);
    const auto r = nvme0n1.ioworker({.io_count = 2000, .read_percentage = 50,
                                     .sgl_percentage = 30, .output_cmdlog_list = &log})
                       .start()
                       .close();
    ASSERT_EQ(r.error, 0);
    ASSERT_EQ(log.size(), 2000u);
    int sgl = 0;
    for (const auto& c : log) {
        EXPECT_EQ(c.status, 0);
        sgl += c.psdt == psdt::kSglContiguousMeta;
    }
    EXPECT_NEAR(sgl, 600, 100);  // binomial: sigma ~20
}

}  // namespace
