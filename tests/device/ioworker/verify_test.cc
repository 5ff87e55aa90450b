// SPDX-License-Identifier: BSD-3-Clause
// The IOWorker with data verification on (issue 4, the `verify` fixture):
// its writes inject and store check values, its reads are checked, its I/O
// takes the LBA locks shared with other workers and single commands, and
// corruption planted in the backing image ($NVMETEST_DUT_IMAGE) behind the
// controller's back ends a reading worker with kIOWorkerDataMismatch.
#include <nvmetest/fixtures.h>
#include <nvmetest/ioworker.h>
#include <nvmetest/verify.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "support/dut_image.h"

namespace {

using nvmetest::Buffer;
using nvmetest::IOWorker;
using nvmetest::IOWorkerResult;
using nvmetest::Namespace;
using nvmetest::kIOWorkerDataMismatch;
using nvmetest::Warning;
using nvmetest::WarningCapture;
using nvmetest::testing::VerifyTest;
using nvmetest::verify::header_of;

constexpr std::uint32_t kLba = 512;

std::vector<std::string> verify_reports(const std::vector<Warning>& ws)
{
    std::vector<std::string> out;
    for (const auto& w : ws)
        if (w.message.find("data verification") != std::string::npos)
            out.push_back(w.message);
    return out;
}

std::string first(const std::vector<std::string>& v) { return v.empty() ? "" : v[0]; }

class IoWorkerVerify : public VerifyTest {
protected:
    void SetUp() override
    {
        ASSERT_TRUE(verify) << "verification refused by the memory check";
    }
    std::uint32_t value(std::uint64_t lba) const { return nvme0n1.verifier()->map().get(lba); }

    // One sequential pass of 4 KiB writes over [start, end).
    IOWorkerResult fill(std::uint64_t start, std::uint64_t end)
    {
        return nvme0n1
            .ioworker({.io_size = 8, .lba_random = false, .read_percentage = 0, .qdepth = 16,
                       .region_start = start, .region_end = end})
            .start()
            .close();
    }
    // One sequential pass of 4 KiB reads over [start, end), one at a time.
    IOWorkerResult read_pass(std::uint64_t start, std::uint64_t end, bool verify_disable = false)
    {
        return nvme0n1
            .ioworker({.io_size = 8, .lba_random = false, .read_percentage = 100, .qdepth = 1,
                       .region_start = start, .region_end = end, .exit_on_error = false,
                       .verify_disable = verify_disable})
            .start()
            .close();
    }
};

TEST_F(IoWorkerVerify, WritesInjectAndStoreAndACleanMixedWorkloadReportsNothing)
{
    WarningCapture cap;
    const auto w = fill(0, 2048);
    ASSERT_EQ(w.error, 0);
    EXPECT_EQ(w.lba_count_write, 2048u);
    // Every LBA the worker wrote has its check value, and carries its header.
    for (std::uint64_t lba = 0; lba < 2048; lba++)
        ASSERT_TRUE(nvme0n1.verifier()->map().is_checksum(value(lba))) << lba;
    Buffer r(8 * kLba);
    nvme0n1.read(qpair, r, 1000, 8).waitdone();
    for (std::uint32_t i = 0; i < 8; i++)
        EXPECT_EQ(r.data(i * kLba + 7, i * kLba), header_of(1, 1000 + i)) << i;

    // Mixed reads, writes and deallocations of unaligned sizes: DSM leaves
    // its LBAs unknown, whatever the controller did with them.
    const auto m = nvme0n1
                       .ioworker({.io_size = nvmetest::IoSize{1, 8, 16}, .time = 2,
                                  .op_percentage = {{2, 50}, {1, 40}, {9, 10}}, .qdepth = 16,
                                  .region_start = 0, .region_end = 2048})
                       .start()
                       .close();
    EXPECT_EQ(m.error, 0);
    EXPECT_GT(m.io_count_read, 100u);
    EXPECT_GT(m.io_count_write, 50u);
    // Read back whole by a verifying worker: nothing either.
    const auto back = read_pass(0, 2048);
    EXPECT_EQ(back.error, 0);
    EXPECT_EQ(back.lba_count_read, 2048u);
    EXPECT_TRUE(verify_reports(cap.warnings()).empty()) << first(verify_reports(cap.warnings()));
}

// The "long clean mixed workload": 15 s of two workers on
// overlapping halves of 8192 LBAs, every opcode that changes media or is
// checked (write, read, DSM, Write Zeroes, Compare, Verify), sizes 1-32
// LBAs, random and unaligned; then a verifying read of every LBA.  Nothing may
// be reported, and each opcode must have been sent.
TEST_F(IoWorkerVerify, LongCleanMixedWorkloadReportsNothing)
{
    ASSERT_EQ(fill(80000, 88192).error, 0);
    WarningCapture cap;
    auto mixed = [&](std::uint64_t start, std::uint64_t end) {
        return nvme0n1.ioworker({.io_size = nvmetest::IoSize::range(1, 33), .time = 15,
                                 .op_percentage = {{0x02, 45}, {0x01, 35}, {0x09, 5},
                                                   {0x08, 5}, {0x05, 5}, {0x0c, 5}},
                                 .qdepth = 16, .region_start = start, .region_end = end,
                                 .exit_on_error = false});
    };
    IOWorker a = mixed(80000, 86000), b = mixed(82192, 88192);
    a.start();
    b.start();
    const auto ra = a.close(), rb = b.close();
    for (const auto& r : {ra, rb}) {
        EXPECT_EQ(r.error, 0);
        EXPECT_GT(r.io_count_read, 500u);
        EXPECT_GT(r.io_count_write, 300u);
        EXPECT_GT(r.io_count_nonread - r.io_count_write, 150u);  // DSM, zeroes, compare, verify
    }
    const auto back = read_pass(80000, 88192);
    EXPECT_EQ(back.error, 0);
    EXPECT_EQ(back.lba_count_read, 8192u);
    EXPECT_TRUE(verify_reports(cap.warnings()).empty()) << first(verify_reports(cap.warnings()));
}

TEST_F(IoWorkerVerify, WorkersAndSingleCommandsOnOverlappingLbasNeverReportFalseMismatches)
{
    WarningCapture cap;
    std::vector<IOWorker> workers;
    for (int i = 0; i < 3; i++)
        workers.push_back(nvme0n1
                              .ioworker({.io_size = nvmetest::IoSize::range(1, 9), .time = 3,
                                         .read_percentage = 50, .qdepth = 8,
                                         .region_start = 50000, .region_end = 50064})
                              .start());
    // Meanwhile the test thread writes and reads the same 64 LBAs.
    Buffer w(8 * kLba), r(8 * kLba);
    std::mt19937_64 rng(42);
    std::uniform_int_distribution<std::uint64_t> at(50000, 50059);
    std::uniform_int_distribution<std::uint32_t> count(1, 4);
    int singles = 0;
    while (std::any_of(workers.begin(), workers.end(), [](const IOWorker& k) { return k.running(); })) {
        const std::uint64_t lba = at(rng);
        const std::uint32_t n = count(rng);
        if (singles++ % 2) {
            w.fill_pattern(static_cast<std::uint32_t>(rng()), 32);
            nvme0n1.write(qpair, w, lba, n).waitdone();
        } else {
            nvme0n1.read(qpair, r, lba, n).waitdone();
        }
    }
    std::uint64_t writes = 0, reads = 0;
    for (auto& k : workers) {
        const auto res = k.close();
        EXPECT_EQ(res.error, 0);
        writes += res.io_count_write;
        reads += res.io_count_read;
    }
    EXPECT_GT(singles, 20);
    EXPECT_GT(writes, 100u);
    EXPECT_GT(reads, 100u);
    EXPECT_TRUE(verify_reports(cap.warnings()).empty()) << first(verify_reports(cap.warnings()));
    // The map agrees with the media at the end.
    EXPECT_EQ(read_pass(50000, 50064).error, 0);
    EXPECT_TRUE(cap.warnings().empty()) << cap.warnings()[0].message;
}

TEST_F(IoWorkerVerify, CorruptionBehindTheControllerIsReportedByAReadingWorker)
{
    ASSERT_EQ(fill(60000, 61024).error, 0);
    devtest::DutImage img;
    img.write(60200, img.read(60100));  // misdirected: LBA 60100's content at 60200
    img.flip_bit(60777, 300, 3);        // a bit flip

    WarningCapture cap;
    const auto r = read_pass(60000, 61024);
    EXPECT_EQ(r.error, kIOWorkerDataMismatch);
    EXPECT_EQ(r.lba_count_read, 1024u);  // exit_on_error = false: it read on
    // The failing command is the first mismatching read: 60200..60207.
    EXPECT_EQ(r.error_cmd[0] & 0xff, 0x02u);
    EXPECT_EQ(r.error_cmd[10], 60200u);
    EXPECT_EQ(r.error_cmd[12] & 0xffff, 7u);
    EXPECT_EQ(r.error_cpl[3] >> 17, 0u);  // the read itself succeeded
    const auto reports = verify_reports(cap.warnings());
    ASSERT_EQ(reports.size(), 2u) << first(reports);
    EXPECT_NE(reports[0].find("namespace 1 LBA 60200: data of another LBA"), std::string::npos)
        << reports[0];
    EXPECT_NE(reports[0].find("slba:60200"), std::string::npos) << reports[0];
    EXPECT_NE(reports[1].find("namespace 1 LBA 60777: checksum mismatch: expected 0x"),
              std::string::npos)
        << reports[1];
}

TEST_F(IoWorkerVerify, VerifyDisableLeavesTheSameCorruptionUnreported)
{
    ASSERT_EQ(fill(62000, 62512).error, 0);
    devtest::DutImage img;
    img.flip_bit(62345, 100, 5);
    {
        WarningCapture cap;
        const auto r = read_pass(62000, 62512, true);
        EXPECT_EQ(r.error, 0);
        EXPECT_EQ(r.lba_count_read, 512u);
        EXPECT_TRUE(cap.warnings().empty()) << cap.warnings()[0].message;
    }
    // Still there, and a verifying worker sees it.
    WarningCapture cap;
    EXPECT_EQ(read_pass(62000, 62512).error, kIOWorkerDataMismatch);
    const auto reports = verify_reports(cap.warnings());
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_NE(reports[0].find("LBA 62345: checksum mismatch"), std::string::npos) << reports[0];
}

TEST_F(IoWorkerVerify, VerifyDisableWritesLeaveTheirLbasUnknown)
{
    ASSERT_EQ(fill(64000, 64064).error, 0);
    ASSERT_TRUE(nvme0n1.verifier()->map().is_checksum(value(64010)));
    const auto w = nvme0n1
                       .ioworker({.io_size = 8, .lba_random = false, .read_percentage = 0,
                                  .region_start = 64000, .region_end = 64064,
                                  .verify_disable = true})
                       .start()
                       .close();
    EXPECT_EQ(w.error, 0);
    for (std::uint64_t lba = 64000; lba < 64064; lba++)
        EXPECT_EQ(value(lba), nvmetest::verify::CheckMap::kUnknown) << lba;
    WarningCapture cap;
    EXPECT_EQ(read_pass(64000, 64064).error, 0);
    EXPECT_TRUE(cap.warnings().empty()) << cap.warnings()[0].message;
}

TEST_F(IoWorkerVerify, TimedOutReadsRetireTheirSlotsAndReleaseTheirLocks)
{
    ASSERT_EQ(fill(66000, 66512).error, 0);
    // Reads time out after 1 ms; their data may still arrive later, so each
    // timed-out slot is retired: with every slot retired the worker ends on its
    // own instead of waiting for a free one.  A verifying reader has spare
    // slots (reads waiting for their check while the next batch goes out),
    // but a timed-out command keeps its queue entry: the depth the worker may
    // use still shrinks by one per timeout, and once qdepth slots are retired
    // it ends (before the deferred checks, a verifying reader had qdepth
    // slots; with the spares counted as usable it failed with "queue is
    // full").  How many reads take longer than 1 ms depends on the host
    // (32 KiB reads at queue depth 8 under TCG mostly do, on a quiet host not
    // all), so the outcome is checked against the timeouts that happened.
    constexpr unsigned kDepth = 8;
    nvme0n1.set_timeout_ms(0x02, 1);
    WarningCapture cap;
    const auto r = nvme0n1
                       .ioworker({.io_size = 64, .lba_align = 8, .io_count = 2000,
                                  .read_percentage = 100, .qdepth = kDepth,
                                  .region_start = 66000, .region_end = 66512,
                                  .exit_on_error = false})
                       .start()
                       .close();
    nvme0n1.set_timeout_ms(0x02, nvme0.timeout());
    std::size_t timeouts = 0;
    for (const auto& w : cap.warnings())
        timeouts += w.message.find("did not complete in 1 ms") != std::string::npos;
    ASSERT_GT(timeouts, 0u) << "no read took longer than 1 ms: the test proves nothing";
    EXPECT_EQ(r.error, nvmetest::kIOWorkerIoTimeout);
    if (timeouts >= kDepth)
        EXPECT_LT(r.io_count_read, 2000u) << "every slot retired: the worker must end early";
    else
        EXPECT_EQ(r.io_count_read, 2000u) << timeouts << " slots retired, the others carried on";
    EXPECT_TRUE(verify_reports(cap.warnings()).empty()) << first(verify_reports(cap.warnings()));
    nvme0.reset();  // late completions are gone with the queue
    // The locks were released at the timeouts: single commands get through.
    Buffer b(8 * kLba);
    for (std::uint64_t lba = 66000; lba < 66512; lba += 64)
        nvme0n1.read(qpair, b, lba, 8).waitdone();
    EXPECT_TRUE(verify_reports(cap.warnings()).empty()) << first(verify_reports(cap.warnings()));
}

// The proof, literally: corruption planted in the image while a
// worker reads (a bit flip, stale content put back, misdirected data) is each
// reported, at its LBA, by that same running worker.  4-byte check values, so
// that the stale content (many flipped bits) cannot escape by luck.
TEST_F(IoWorkerVerify, CorruptionPlantedWhileAWorkerReadsIsReportedAtEachLba)
{
    Namespace ns4(nvme0, 1, 0, 4);
    ASSERT_TRUE(ns4.verify_enable(true));
    auto fill4 = [&] {
        return ns4
            .ioworker({.io_size = 8, .lba_random = false, .read_percentage = 0, .qdepth = 16,
                       .region_start = 70000, .region_end = 70256})
            .start()
            .close();
    };
    ASSERT_EQ(fill4().error, 0);
    devtest::DutImage img;
    const auto stale = img.read(70010);
    ASSERT_EQ(fill4().error, 0);  // newer data everywhere: stale is now stale

    WarningCapture cap;
    IOWorker reader = ns4.ioworker({.io_size = 1, .time = 4, .read_percentage = 100, .qdepth = 4,
                                    .region_start = 70000, .region_end = 70256,
                                    .exit_on_error = false});
    reader.start();
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    ASSERT_TRUE(reader.running());
    img.flip_bit(70100, 77, 2);
    img.write(70010, stale);
    img.write(70200, img.read(70150));
    const auto r = reader.close();
    EXPECT_EQ(r.error, kIOWorkerDataMismatch);
    ASSERT_GT(r.io_count_read, 2000u) << "too few reads to have met every planted LBA";
    // One warning per bad LBA however often it was read, then the total.
    const auto reports = verify_reports(cap.warnings());
    auto reported = [&](const std::string& what) {
        return std::count_if(reports.begin(), reports.end(), [&](const std::string& m) {
            return m.find(what) != std::string::npos;
        });
    };
    EXPECT_EQ(reported("LBA 70100: checksum mismatch"), 1) << first(reports);
    EXPECT_EQ(reported("LBA 70010: checksum mismatch"), 1) << first(reports);
    EXPECT_EQ(reported("LBA 70200: data of another LBA"), 1) << first(reports);
    EXPECT_EQ(reported("namespace 1 LBA "), 3) << "a clean LBA reported";
    EXPECT_EQ(reported("mismatching LBA reads in all"), 1) << first(reports);
    ns4.verify_enable(false);
}

// Compare and Verify from a worker are checked against the map (issue 4).
// With injection on, what the worker compares (its pattern) never equals
// what its writes left (the pattern with headers and tokens): the map
// predicts Compare Failure, so those failures are the right answer, not an
// error.  Verify must succeed on LBAs the map knows (QEMU 7.2 has no Write
// Uncorrectable, so the map never expects a media error here).
TEST_F(IoWorkerVerify, PredictedCompareFailuresAreNotErrors)
{
    ASSERT_EQ(fill(68000, 68512).error, 0);
    WarningCapture cap;
    const auto r = nvme0n1
                       .ioworker({.io_size = 8, .lba_random = false,
                                  .op_percentage = {{0x05, 50}, {0x0c, 50}}, .qdepth = 8,
                                  .region_start = 68000, .region_end = 68512})
                       .start()
                       .close();
    EXPECT_EQ(r.error, 0) << "a Compare Failure the map predicted was counted as an error";
    EXPECT_EQ(r.io_count_nonread, 64u);
    EXPECT_TRUE(verify_reports(cap.warnings()).empty()) << first(verify_reports(cap.warnings()));
    // They changed nothing: the data still reads back verified.
    EXPECT_EQ(read_pass(68000, 68512).error, 0);
}

// Without injection the worker's writes leave exactly its pattern, so a
// Compare of the same pattern must succeed; media changed behind the
// controller makes it fail, which contradicts the map: a data mismatch.
TEST_F(IoWorkerVerify, CompareFailureTheMapDidNotExpectIsAMismatch)
{
    nvme0n1.inject_write_buffer_disable();
    constexpr std::uint64_t kPattern = 0x5a5a5a5a;
    ASSERT_EQ(nvme0n1
                  .ioworker({.io_size = 8, .lba_random = false, .read_percentage = 0,
                             .region_start = 68600, .region_end = 68664, .pvalue = kPattern,
                             .ptype = 32})
                  .start()
                  .close()
                  .error,
              0);
    auto compare_pass = [&] {
        return nvme0n1
            .ioworker({.io_size = 8, .lba_random = false, .op_percentage = {{0x05, 100}},
                       .qdepth = 1, .region_start = 68600, .region_end = 68664,
                       .pvalue = kPattern, .ptype = 32, .exit_on_error = false})
            .start()
            .close();
    };
    {
        WarningCapture cap;
        const auto r = compare_pass();
        ASSERT_EQ(r.error, 0) << "the same pattern must compare equal";
        EXPECT_EQ(r.io_count_nonread, 8u);
        EXPECT_TRUE(cap.warnings().empty()) << cap.warnings()[0].message;
    }
    devtest::DutImage img;
    img.flip_bit(68621, 40, 6);
    WarningCapture cap;
    const auto r = compare_pass();
    EXPECT_EQ(r.error, kIOWorkerDataMismatch);
    EXPECT_EQ(r.error_cmd[0] & 0xff, 0x05u);
    EXPECT_EQ(r.error_cmd[10], 68616u);
    EXPECT_EQ((r.error_cpl[3] >> 17) & 0x7ff, 0x285u);  // the device's Compare Failure
    const auto reports = verify_reports(cap.warnings());
    ASSERT_EQ(reports.size(), 1u) << first(reports);
    EXPECT_NE(reports[0].find("LBA 68616: Compare status contradicts the written data"),
              std::string::npos)
        << reports[0];
}

}  // namespace
