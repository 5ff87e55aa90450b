// SPDX-License-Identifier: BSD-3-Clause
// Data verification (API section 4.4, issue 4) on single commands against
// QEMU's controller: written data is injected and verified on read, and
// corruption planted in the backing image behind the controller's back
// ($NVMETEST_DUT_IMAGE, tests/vm/README.md) is reported at the right LBA.
#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <nvmetest/fixtures.h>
#include <nvmetest/verify.h>
#include "support/dut_image.h"
#include <regex>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

using nvmetest::Buffer;
using nvmetest::Namespace;
using nvmetest::Qpair;
using nvmetest::UsageError;
using nvmetest::Warning;
using nvmetest::WarningCapture;
using nvmetest::nvme::Cqe;
using nvmetest::testing::VerifyTest;
using nvmetest::verify::CheckMap;
using nvmetest::verify::header_of;

constexpr std::uint32_t kLba = 512;

// The namespace's raw backing file, written behind the controller's back.
using Image = devtest::DutImage;

std::uint64_t le64(const Buffer& b, std::size_t at) {
    return b.data(at + 7, at);
}

// The warnings of the data verification among those captured.
std::vector<std::string> verify_reports(const std::vector<Warning>& ws) {
    std::vector<std::string> out;
    for (const auto& w : ws)
        if (w.message.rfind("data verification:", 0) == 0)
            out.push_back(w.message);
    return out;
}

class Verify : public VerifyTest {
protected:
    void SetUp() override {
        ASSERT_TRUE(verify) << "verification refused by the memory check";
        ASSERT_NE(nvme0n1.verifier(), nullptr);
    }
    std::uint32_t value(std::uint64_t lba) const { return nvme0n1.verifier()->map().get(lba); }
    const CheckMap& map() const { return nvme0n1.verifier()->map(); }

    // Reads n LBAs at lba and expects no warning at all.
    void expect_clean_read(std::uint64_t lba, std::uint32_t n) {
        Buffer r(n * kLba);
        WarningCapture cap;
        nvme0n1.read(qpair, r, lba, n).waitdone();
        EXPECT_TRUE(cap.warnings().empty()) << cap.warnings()[0].message;
    }

    // Writes n LBAs of a random pattern at lba and waits.
    void write_random(std::uint64_t lba, std::uint32_t n, Buffer& b) {
        b.fill_pattern(100, 0xbeef);
        nvme0n1.write(qpair, b, lba, n).waitdone();
    }
};

TEST_F(Verify, WriteInjectsHeaderAndTokenAndReadIsChecked) {
    Buffer w(8 * kLba, {.pvalue = 100, .ptype = 0xbeef});
    WarningCapture cap;
    nvme0n1.write(qpair, w, 10000, 8).waitdone();
    for (std::uint32_t i = 0; i < 8; i++) {
        EXPECT_EQ(le64(w, i * kLba), header_of(1, 10000 + i));
        if (i) {
            EXPECT_GT(le64(w, i * kLba + kLba - 8), le64(w, (i - 1) * kLba + kLba - 8));
        }
        EXPECT_TRUE(map().is_checksum(value(10000 + i))) << i;
    }
    EXPECT_EQ(value(10008), CheckMap::kUnknown);
    Buffer r(8 * kLba);
    nvme0n1.read(qpair, r, 10000, 8).waitdone();
    EXPECT_TRUE(r == w);
    EXPECT_TRUE(cap.warnings().empty()) << cap.warnings()[0].message;
}

TEST_F(Verify, InjectionDisabledKeepsTheCallersBytes) {
    nvme0n1.inject_write_buffer_disable();
    Buffer w(kLba, {.pvalue = 0x5a5a5a5a, .ptype = 32});
    nvme0n1.write(qpair, w, 10100, 1).waitdone();
    EXPECT_EQ(le64(w, 0), 0x5a5a5a5a5a5a5a5aull);
    EXPECT_TRUE(map().is_checksum(value(10100)));
    Image img;
    img.flip_bit(10100, 300, 0);
    Buffer r(kLba);
    EXPECT_WARNS(nvme0n1.read(qpair, r, 10100, 1).waitdone(),
                 "data verification: namespace 1 LBA 10100: checksum mismatch");
}

TEST_F(Verify, BitFlipBehindTheControllerIsReportedAtItsLba) {
    Buffer w(16 * kLba);
    write_random(20000, 16, w);
    Image img;
    img.flip_bit(20005, 100, 3);
    Buffer r(16 * kLba);
    WarningCapture cap;
    nvme0n1.read(qpair, r, 20000, 16).waitdone();
    const auto reports = verify_reports(cap.take());
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_NE(reports[0].find("namespace 1 LBA 20005: checksum mismatch: expected 0x"),
              std::string::npos)
        << reports[0];
    EXPECT_NE(reports[0].find("command: "), std::string::npos) << reports[0];
    EXPECT_TRUE(std::regex_search(reports[0], std::regex("[Rr]ead"))) << reports[0];

    // Reading the other LBAs alone reports nothing.
    WarningCapture clean;
    nvme0n1.read(qpair, r, 20006, 10).waitdone();
    nvme0n1.read(qpair, r, 20000, 5).waitdone();
    EXPECT_TRUE(clean.warnings().empty());
}

// Stale content differs from the current data in many bits, as often an even
// number as an odd one, so at the default width (1 byte) it escapes with
// probability about 1/250 (docs/verification.md).  A Namespace with 4-byte
// check values lets 2^-31 escape: this test cannot pass by luck or fail by it.
TEST_F(Verify, StaleContentReplayedIsReported) {
    Namespace ns4(nvme0, 1, 0, 4);
    ASSERT_TRUE(ns4.verify_enable(true));
    ASSERT_EQ(ns4.verifier()->map().width(), 4u);
    ASSERT_NE(ns4.verifier(), nvme0n1.verifier()); // its own engine: another width
    Buffer w(kLba);
    w.fill_pattern(100, 0xbeef);
    ns4.write(qpair, w, 30000, 1).waitdone();
    Image img;
    const auto old_data = img.read(30000);
    std::uint64_t old_token;
    std::memcpy(&old_token, old_data.data() + kLba - 8, 8);
    w.fill_pattern(100, 0xbeef);
    ns4.write(qpair, w, 30000, 1).waitdone(); // a newer version
    img.write(30000, old_data);               // the older one put back
    Buffer r(kLba);
    char token[32];
    std::snprintf(token, sizeof(token), "token 0x%llx", static_cast<unsigned long long>(old_token));
    EXPECT_WARNS(ns4.read(qpair, r, 30000, 1).waitdone(),
                 std::string("namespace 1 LBA 30000: checksum mismatch.*") + token);
}

TEST_F(Verify, CheckValueWidthIsOneTwoOrFourBytes) {
    EXPECT_EQ(map().width(), 1u); // PyNVMe3's default
    EXPECT_EQ(Namespace(nvme0, 1, 0, 2).verifier()->map().width(), 2u);
    for (unsigned bad : {0u, 3u, 8u}) {
        try {
            Namespace ns(nvme0, 1, 0, bad);
            ADD_FAILURE() << "verify_width " << bad << " accepted";
        } catch (const UsageError& e) {
            EXPECT_NE(std::string(e.what()).find("use 1, 2 or 4"), std::string::npos) << e.what();
        }
    }
}

TEST_F(Verify, MisdirectedDataIsReportedAtTheLbaThatGotIt) {
    Buffer w(2 * kLba);
    write_random(30100, 2, w);
    Image img;
    img.write(30101, img.read(30100)); // LBA 30100's content also at 30101
    Buffer r(2 * kLba);
    WarningCapture cap;
    nvme0n1.read(qpair, r, 30100, 2).waitdone();
    const auto reports = verify_reports(cap.take());
    ASSERT_EQ(reports.size(), 1u);
    char want[160];
    std::snprintf(want, sizeof(want),
                  "LBA 30101: data of another LBA (header mismatch): expected 0x%llx, found 0x%llx",
                  static_cast<unsigned long long>(header_of(1, 30101)),
                  static_cast<unsigned long long>(header_of(1, 30100)));
    EXPECT_NE(reports[0].find(want), std::string::npos) << reports[0];
}

TEST_F(Verify, CleanMixedWorkloadReportsNothing) {
    WarningCapture cap;
    Buffer w(16 * kLba), r(16 * kLba);
    std::uint64_t x = 12345;
    for (int i = 0; i < 400; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        const std::uint64_t lba = 31000 + x % 256;
        const std::uint32_t n = 1 + (x >> 16) % 16;
        switch ((x >> 8) % 4) {
        case 0:
        case 1:
            write_random(lba, n, w);
            break;
        case 2:
            nvme0n1.read(qpair, r, lba, n).waitdone();
            break;
        default:
            nvme0n1.write_zeroes(qpair, lba, n).waitdone();
        }
    }
    for (std::uint64_t lba = 31000; lba < 31272; lba += 16)
        nvme0n1.read(qpair, r, lba, 16).waitdone();
    EXPECT_TRUE(cap.warnings().empty()) << cap.warnings()[0].message;
}

TEST_F(Verify, WriteZeroesMakesKnownZeros) {
    Buffer w(4 * kLba);
    write_random(32000, 4, w);
    nvme0n1.write_zeroes(qpair, 32001, 2).waitdone();
    EXPECT_TRUE(map().is_checksum(value(32000)));
    EXPECT_EQ(value(32001), map().zeros());
    EXPECT_EQ(value(32002), map().zeros());
    EXPECT_TRUE(map().is_checksum(value(32003)));
    Buffer r(4 * kLba);
    {
        WarningCapture cap;
        nvme0n1.read(qpair, r, 32000, 4).waitdone();
        EXPECT_TRUE(cap.warnings().empty());
    }
    Image img;
    img.flip_bit(32002, 7, 1);
    EXPECT_WARNS(nvme0n1.read(qpair, r, 32000, 4).waitdone(),
                 "LBA 32002: non-zero data where zeros were written");
}

TEST_F(Verify, DeallocatedLbasBecomeUnknownEvenUnderDlfeatZeros) {
    Buffer w(8 * kLba);
    write_random(33000, 8, w);
    Buffer ranges(4096);
    ranges.set_dsm_range(0, 33002, 2);
    ranges.set_dsm_range(1, 33006, 1);
    nvme0n1.dsm(qpair, ranges, 2).waitdone();
    EXPECT_TRUE(map().is_checksum(value(33001)));
    EXPECT_EQ(value(33002), CheckMap::kUnknown);
    EXPECT_EQ(value(33003), CheckMap::kUnknown);
    EXPECT_TRUE(map().is_checksum(value(33004)));
    EXPECT_EQ(value(33006), CheckMap::kUnknown);
    // Why not "zeros": QEMU's namespace says deallocated LBAs read as zeros
    // (DLFEAT 001b), yet deallocation is advisory and QEMU does not deallocate
    // ranges smaller than its discard granularity: the old data stays.
    EXPECT_EQ(nvme0n1.id_data(33) & 7u, 1u);
    expect_clean_read(33000, 8);
    Buffer r(kLba);
    nvme0n1.read(qpair, r, 33002, 1).waitdone();
    EXPECT_EQ(le64(r, 0), header_of(1, 33002)); // not zeros
}

TEST_F(Verify, WriteUncorrectableUnsupportedLeavesTheMap) {
    Buffer w(2 * kLba);
    write_random(34000, 2, w);
    const std::uint32_t before = value(34000);
    // QEMU 7.2 has no Write Uncorrectable: Invalid Command Opcode.
    EXPECT_WARNS(nvme0n1.write_uncor(qpair, 34000, 2).waitdone(), "ERROR status: 00/01");
    EXPECT_EQ(value(34000), before);
    EXPECT_NE(value(34001), map().uncorrectable());
    Buffer r(2 * kLba);
    WarningCapture cap;
    nvme0n1.read(qpair, r, 34000, 2).waitdone();
    EXPECT_TRUE(cap.warnings().empty());
}

TEST_F(Verify, CopyDestinationTakesTheSourceValues) {
    Buffer w(4 * kLba);
    write_random(35000, 4, w);
    Buffer ranges(4096);
    ranges.set_copy_range(0, 35000, 4);
    nvme0n1.copy(qpair, ranges, 35100, 1).waitdone();
    for (int i = 0; i < 4; i++)
        EXPECT_EQ(value(35100 + i), value(35000 + i));
    Buffer r(4 * kLba);
    {
        WarningCapture cap; // the copies carry their source's headers legally
        nvme0n1.read(qpair, r, 35100, 4).waitdone();
        EXPECT_TRUE(cap.warnings().empty()) << cap.warnings()[0].message;
    }
    EXPECT_TRUE(r == w);
    Image img;
    img.flip_bit(35102, 200, 5);
    EXPECT_WARNS(nvme0n1.read(qpair, r, 35100, 4).waitdone(), "LBA 35102: checksum mismatch");
}

TEST_F(Verify, CompareAndVerifyAgreeWithTheMap) {
    Buffer w(2 * kLba);
    write_random(36000, 2, w);
    WarningCapture cap;
    Cqe got{};
    nvme0n1.compare(qpair, w, 36000, 2, {.cb = [&](const Cqe& c) { got = c; }}).waitdone();
    EXPECT_TRUE(got.ok());
    Buffer other(2 * kLba, {.pvalue = 1, .ptype = 32});
    nvme0n1.compare(qpair, other, 36000, 2, {.cb = [&](const Cqe& c) { got = c; }}).waitdone();
    EXPECT_EQ(got.status(), nvmetest::nvme::make_status(2, 0x85)); // Compare Failure
    nvme0n1.verify(qpair, 36000, 2).waitdone();
    EXPECT_TRUE(cap.warnings().empty()) << cap.warnings()[0].message;

    // Media changed behind the controller: its Compare Failure contradicts
    // the map, which still expects the written data.
    Image img;
    img.flip_bit(36001, 50, 2);
    EXPECT_WARNS(
        nvme0n1.compare(qpair, w, 36000, 2, {.cb = [&](const Cqe& c) { got = c; }}).waitdone(),
        "LBA 36000: Compare status contradicts the written data");
}

TEST_F(Verify, FormatResetsTheMap) {
    Buffer w(kLba);
    write_random(37000, 1, w);
    ASSERT_TRUE(map().is_checksum(value(37000)));
    ASSERT_EQ(nvme0n1.format(512), 0);
    EXPECT_EQ(value(37000), CheckMap::kUnknown);
    expect_clean_read(37000, 1);
}

TEST_F(Verify, ControllerFormatResetsAndUnsupportedSanitizeLeavesTheMap) {
    Buffer w(kLba);
    write_random(37100, 1, w);
    const std::uint32_t before = value(37100);
    ASSERT_TRUE(map().is_checksum(before));
    // QEMU 7.2 has no Sanitize (SANICAP 0): Invalid Command Opcode, nothing erased.
    EXPECT_WARNS(nvme0.sanitize().waitdone(), "ERROR status: 00/01");
    EXPECT_EQ(value(37100), before);
    nvme0.format({.lbaf = 0}).waitdone();
    EXPECT_EQ(value(37100), CheckMap::kUnknown);
    nvme0n1.refresh();
    expect_clean_read(37100, 1);
}

TEST_F(Verify, SaveLoadRoundTripAndMismatchedNamespaceRefused) {
    const std::string path = "/tmp/nvmetest-verify-" + std::to_string(::getpid()) + ".crc";
    Buffer w(8 * kLba);
    write_random(38000, 8, w);
    nvme0n1.save_crc(path);

    // A later session starts with an empty map; load_crc fills it.
    nvme0n1.verifier()->reset();
    EXPECT_EQ(value(38000), CheckMap::kUnknown);
    nvme0n1.load_crc(path);
    for (int i = 0; i < 8; i++)
        EXPECT_TRUE(map().is_checksum(value(38000 + i))) << i;
    Image img;
    img.flip_bit(38003, 64, 7);
    Buffer r(8 * kLba);
    EXPECT_WARNS(nvme0n1.read(qpair, r, 38000, 8).waitdone(), "LBA 38003: checksum mismatch");

    // Another coverage (nlba_verify) and another LBA format are refused.
    Namespace limited(nvme0, 1, 1000);
    try {
        limited.load_crc(path);
        ADD_FAILURE() << "a map of another coverage was loaded";
    } catch (const UsageError& e) {
        EXPECT_NE(std::string(e.what()).find("nlba_verify"), std::string::npos) << e.what();
    }
    ASSERT_GE(nvme0n1.get_lba_format(4096, 0), 0);
    ASSERT_EQ(nvme0n1.format(4096), 0);
    try {
        nvme0n1.load_crc(path);
        ADD_FAILURE() << "a map of a 512-byte format was loaded into a 4096-byte one";
    } catch (const UsageError& e) {
        EXPECT_NE(std::string(e.what()).find("LBA size 512 (file) vs 4096 (namespace)"),
                  std::string::npos)
            << e.what();
    }
    EXPECT_EQ(nvme0n1.format(512), 0);
    ::unlink(path.c_str());
}

TEST_F(Verify, ConflictingCommandOnTheSameQpairWaitsForItsOwnWrite) {
    Buffer w(8 * kLba), r(8 * kLba);
    w.fill_pattern(7, 0xbeef);
    WarningCapture cap;
    nvme0n1.write(qpair, w, 39000, 8);
    // Overlaps the write in flight: waits for it (reaping it) before going out.
    nvme0n1.read(qpair, r, 39004, 4);
    qpair.waitdone(2);
    EXPECT_TRUE(cap.warnings().empty()) << cap.warnings()[0].message;
    EXPECT_EQ(le64(r, 0), header_of(1, 39004));
    EXPECT_FALSE(nvme0n1.verifier()->locks().locked(39004));
}

TEST_F(Verify, RawCommandsAreTrackedAndUnreadableDataBecomesUnknown) {
    Buffer w(2 * kLba, {.pvalue = 3, .ptype = 0xbeef});
    nvme0n1.send_cmd(0x01, qpair, {.buf = &w, .cdw10 = 42000, .cdw12 = 1}).waitdone();
    EXPECT_EQ(le64(w, kLba), header_of(1, 42001));
    EXPECT_TRUE(map().is_checksum(value(42001)));
    Image img;
    img.flip_bit(42001, 99, 4);
    Buffer r(2 * kLba);
    EXPECT_WARNS(nvme0n1.send_cmd(0x02, qpair, {.buf = &r, .cdw10 = 42000, .cdw12 = 1}).waitdone(),
                 "LBA 42001: checksum mismatch");

    // A write whose transfer is shorter than its NLB: the host cannot know
    // what the second LBA got, so both become unknown.
    Buffer big(4096);
    nvme0n1.send_cmd(0x01, qpair, {.buf = &big, .cdw10 = 42000, .cdw12 = 1, .size = kLba})
        .waitdone();
    EXPECT_EQ(value(42000), CheckMap::kUnknown);
    EXPECT_EQ(value(42001), CheckMap::kUnknown);
    WarningCapture cap;
    nvme0n1.read(qpair, r, 42000, 2).waitdone();
    EXPECT_TRUE(cap.warnings().empty());
}

TEST_F(Verify, ControllerResetReleasesTheLocksOfLostCommands) {
    Buffer w(kLba);
    write_random(43000, 1, w);
    ASSERT_TRUE(map().is_checksum(value(43000)));
    nvme0n1.write(qpair, w, 43000, 1); // never reaped: lost by the reset
    EXPECT_TRUE(nvme0n1.verifier()->locks().locked(43000));
    EXPECT_WARNS(nvme0.reset(), "1 commands pending on qpair .* lost");
    EXPECT_FALSE(nvme0n1.verifier()->locks().locked(43000));
    EXPECT_EQ(value(43000), CheckMap::kUnknown); // it may or may not have been written
    expect_clean_read(43000, 1);
}

TEST_F(Verify, NamespaceObjectsOfOneNamespaceShareMapAndLocks) {
    Namespace again(nvme0);
    EXPECT_EQ(again.verifier(), nvme0n1.verifier());
    Namespace limited(nvme0, 1, 1000); // another coverage: its own map
    EXPECT_NE(limited.verifier(), nvme0n1.verifier());
    Buffer w(kLba), r(kLba);
    w.fill_pattern(9, 0xbeef);
    WarningCapture cap;
    nvme0n1.write(qpair, w, 39050, 1);
    again.read(qpair, r, 39050, 1); // waits for the write through the other object
    qpair.waitdone(2);
    EXPECT_TRUE(r == w);
    EXPECT_TRUE(cap.warnings().empty());
}

TEST_F(Verify, ConflictOnAnotherQpairOfTheSameThreadIsAClearError) {
    Qpair q2(nvme0, 16);
    Buffer w(kLba), r(kLba);
    nvme0n1.set_timeout_ms(0x02, 300);
    nvme0n1.write(qpair, w, 39100, 1);
    try {
        // Nobody reaps the write (its qpair is not polled): the lock stays.
        nvme0n1.read(q2, r, 39100, 1);
        ADD_FAILURE() << "the read went out while the write held the LBA";
        q2.waitdone();
    } catch (const UsageError& e) {
        EXPECT_NE(std::string(e.what()).find("stayed locked"), std::string::npos) << e.what();
    }
    qpair.waitdone();
    nvme0n1.set_timeout_ms(0x02, 10000);
    nvme0n1.read(q2, r, 39100, 1).waitdone(); // free again
}

TEST_F(Verify, ThreadsOnOverlappingLbasNeverReportFalseMismatches) {
    WarningCapture cap;
    std::atomic<int> errors{0};
    // Qpairs are created here: admin commands belong to one thread.
    std::vector<Qpair> qs;
    for (int i = 0; i < 3; i++)
        qs.emplace_back(nvme0, 16);
    auto worker = [&](unsigned seed) {
        try {
            Qpair& q = qs[seed - 1];
            Buffer w(8 * kLba), r(8 * kLba);
            std::uint64_t x = seed;
            for (int i = 0; i < 150; i++) {
                x ^= x << 13, x ^= x >> 7, x ^= x << 17;
                const std::uint64_t lba = 40000 + x % 32;
                const std::uint32_t n = 1 + (x >> 12) % 8;
                if ((x >> 20) % 2) {
                    w.fill_pattern(x & 0xffffffffu, 32);
                    nvme0n1.write(q, w, lba, n).waitdone();
                } else {
                    nvme0n1.read(q, r, lba, n).waitdone();
                }
            }
        } catch (const std::exception& e) {
            ADD_FAILURE() << e.what();
            errors++;
        }
    };
    std::thread a(worker, 1), b(worker, 2), c(worker, 3);
    a.join();
    b.join();
    c.join();
    EXPECT_EQ(errors.load(), 0);
    EXPECT_TRUE(verify_reports(cap.warnings()).empty()) << verify_reports(cap.warnings())[0];
    Buffer r(32 * kLba);
    nvme0n1.read(qpair, r, 40000, 32).waitdone();
    EXPECT_TRUE(cap.warnings().empty());
}

} // namespace

namespace {

using nvmetest::testing::SubsystemTest;

// Persistence across a power cycle through QMP: save, power off and on (the
// controller is new), load into a new Namespace, read back verified.
TEST_F(SubsystemTest, VerifyMapSurvivesPowerCycleThroughSaveAndLoad) {
    const std::string path = "/tmp/nvmetest-verify-power-" + std::to_string(::getpid()) + ".crc";
    std::vector<std::uint8_t> written; // Buffers belong to the device that goes away
    {
        Buffer w(16 * kLba, {.pvalue = 100, .ptype = 0xbeef});
        Namespace ns(nvme0);
        Qpair q(nvme0, 16);
        nvmetest::testing::Verify on{ns};
        ASSERT_TRUE(on);
        ns.write(q, w, 41000, 16).waitdone();
        written.assign(w.bytes().begin(), w.bytes().end());
        ns.save_crc(path);
    }
    subsystem.power_cycle(1);
    Namespace ns(nvme0);
    Qpair q(nvme0, 16);
    nvmetest::testing::Verify on{ns};
    ASSERT_TRUE(on);
    ns.load_crc(path);
    Buffer r(16 * kLba);
    {
        WarningCapture cap;
        ns.read(q, r, 41000, 16).waitdone();
        EXPECT_TRUE(cap.warnings().empty()) << cap.warnings()[0].message;
    }
    EXPECT_TRUE(std::equal(written.begin(), written.end(), r.bytes().begin()));
    // The loaded values are in force: corruption after the power cycle is caught.
    Image img;
    img.flip_bit(41007, 10, 1);
    EXPECT_WARNS(ns.read(q, r, 41000, 16).waitdone(), "LBA 41007: checksum mismatch");
    ::unlink(path.c_str());
}

} // namespace
