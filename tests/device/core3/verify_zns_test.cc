// SPDX-License-Identifier: BSD-3-Clause
// Data verification on a zoned namespace (profile zns: 4 KiB LBAs, zones of
// 4096 LBAs): Zone Append stores check values at the LBA the controller
// chose, and zone resets make their zone's LBAs unknown.
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <nvmetest/fixtures.h>
#include <nvmetest/nvme/zns.h>
#include <nvmetest/verify.h>
#include <unistd.h>
#include <vector>

namespace {

using nvmetest::Buffer;
using nvmetest::Namespace;
using nvmetest::WarningCapture;
using nvmetest::nvme::Cqe;
using nvmetest::testing::VerifyTest;
using nvmetest::verify::CheckMap;
namespace act = nvmetest::nvme::zone_send_action;

constexpr std::uint32_t kLba = 4096;
constexpr std::uint64_t kZone = 4096; // LBAs per zone

class VerifyZns : public VerifyTest {
protected:
    void SetUp() override {
        ASSERT_TRUE(verify);
        ASSERT_EQ(nvme0n1.sector_size(), kLba);
        nvme0n1.zone_mgmt_send(qpair, 0, act::kReset, {.select_all = true}).waitdone();
    }
    std::uint32_t value(std::uint64_t lba) const { return nvme0n1.verifier()->map().get(lba); }
    const CheckMap& map() const { return nvme0n1.verifier()->map(); }

    std::uint64_t append(std::uint64_t zslba, std::uint32_t n, Buffer& w) {
        std::uint64_t lba = ~0ull;
        nvme0n1
            .zone_append(qpair, w, zslba, n,
                         {.cb =
                              [&](const Cqe& c) {
                                  ASSERT_TRUE(c.ok());
                                  lba = Namespace::zone_append_lba(c);
                              }})
            .waitdone();
        return lba;
    }
};

void flip_image_bit(std::uint64_t lba, std::size_t byte) {
    const char* path = std::getenv("NVMETEST_DUT_IMAGE");
    ASSERT_NE(path, nullptr) << "run under tests/vm/nvmetest-vm";
    const int fd = ::open(path, O_RDWR);
    ASSERT_GE(fd, 0);
    std::uint8_t b = 0;
    const off_t at = static_cast<off_t>(lba * kLba + byte);
    ASSERT_EQ(::pread(fd, &b, 1, at), 1);
    b ^= 0x40;
    ASSERT_EQ(::pwrite(fd, &b, 1, at), 1);
    ::fsync(fd);
    ::close(fd);
}

TEST_F(VerifyZns, ZoneAppendIsVerifiedWhereItLanded) {
    Buffer w(2 * kLba, {.pvalue = 50, .ptype = 0xbeef});
    const std::uint64_t z = 2 * kZone;
    Buffer first(kLba);
    const std::uint64_t at0 = append(z, 1, first);
    const std::uint64_t at = append(z, 2, w);
    EXPECT_EQ(at0, z);
    EXPECT_EQ(at, z + 1);
    EXPECT_TRUE(map().is_checksum(value(at)));
    EXPECT_TRUE(map().is_checksum(value(at + 1)));
    Buffer r(2 * kLba);
    {
        WarningCapture cap; // the headers name the zone, yet no report
        nvme0n1.read(qpair, r, at, 2).waitdone();
        EXPECT_TRUE(cap.warnings().empty()) << cap.warnings()[0].message;
    }
    EXPECT_TRUE(r == w);
    flip_image_bit(at + 1, 1000);
    EXPECT_WARNS(nvme0n1.read(qpair, r, at, 2).waitdone(),
                 "LBA " + std::to_string(at + 1) + ": checksum mismatch");
}

TEST_F(VerifyZns, ZoneResetMakesOnlyItsZoneUnknown) {
    Buffer w(kLba);
    const std::uint64_t a = append(3 * kZone, 1, w);
    const std::uint64_t b = append(4 * kZone, 1, w);
    ASSERT_TRUE(map().is_checksum(value(a)));
    nvme0n1.zone_mgmt_send(qpair, 3 * kZone, act::kReset).waitdone();
    EXPECT_EQ(value(a), CheckMap::kUnknown);
    EXPECT_TRUE(map().is_checksum(value(b)));
    nvme0n1.zone_mgmt_send(qpair, 0, act::kReset, {.select_all = true}).waitdone();
    EXPECT_EQ(value(b), CheckMap::kUnknown);
    Buffer r(kLba);
    WarningCapture cap;
    nvme0n1.read(qpair, r, b, 1).waitdone();
    EXPECT_TRUE(cap.warnings().empty());
}

} // namespace
