// SPDX-License-Identifier: BSD-3-Clause
// Data verification on other LBA formats (profile multi-ns): 4096-byte LBAs
// (namespace 2) and 512 + 8 bytes of metadata transferred with the data
// (namespace 3, extended LBA): the header and token go into each LBA's data,
// the metadata after it is left alone, and a corruption planted in the
// namespace's backing file is reported at its LBA.
#include <cstdlib>
#include <fcntl.h>
#include <nvmetest/fixtures.h>
#include <nvmetest/verify.h>
#include <string>
#include <unistd.h>

namespace {

using nvmetest::Buffer;
using nvmetest::Namespace;
using nvmetest::Qpair;
using nvmetest::WarningCapture;
using nvmetest::testing::Nvme0Test;
using nvmetest::testing::Verify;
using nvmetest::verify::header_of;

std::uint64_t le64(const Buffer& b, std::size_t at) {
    return b.data(at + 7, at);
}

// Flips one bit of byte `at` of the backing file of namespace nsid.
void flip_image_bit(std::uint32_t nsid, std::uint64_t at) {
    const char* dir = std::getenv("NVMETEST_VM_DIR");
    ASSERT_NE(dir, nullptr) << "run under tests/vm/nvmetest-vm";
    const std::string path = std::string(dir) + "/dut0-ns" + std::to_string(nsid) + ".img";
    const int fd = ::open(path.c_str(), O_RDWR);
    ASSERT_GE(fd, 0) << path;
    std::uint8_t b = 0;
    ASSERT_EQ(::pread(fd, &b, 1, static_cast<off_t>(at)), 1);
    b ^= 0x02;
    ASSERT_EQ(::pwrite(fd, &b, 1, static_cast<off_t>(at)), 1);
    ::fsync(fd);
    ::close(fd);
}

TEST_F(Nvme0Test, VerifyFourKibLbas) {
    Namespace ns2(nvme0, 2);
    ASSERT_EQ(ns2.sector_size(), 4096u);
    Qpair q(nvme0, 16);
    Verify on{ns2};
    ASSERT_TRUE(on);
    Buffer w(2 * 4096, {.pvalue = 7, .ptype = 0xbeef});
    ns2.write(q, w, 100, 2).waitdone();
    EXPECT_EQ(le64(w, 4096), header_of(2, 101));
    EXPECT_NE(le64(w, 4096 + 4088), 0u); // the token, in the LBA's last 8 bytes
    Buffer r(2 * 4096);
    {
        WarningCapture cap;
        ns2.read(q, r, 100, 2).waitdone();
        EXPECT_TRUE(cap.warnings().empty());
    }
    flip_image_bit(2, 101 * 4096 + 2000);
    EXPECT_WARNS(ns2.read(q, r, 100, 2).waitdone(), "namespace 2 LBA 101: checksum mismatch");
}

TEST_F(Nvme0Test, VerifyExtendedLbaLeavesTheMetadataAlone) {
    Namespace ns3(nvme0, 3);
    ASSERT_TRUE(ns3.extended_lba());
    ASSERT_EQ(ns3.meta_size(), 8u);
    constexpr std::size_t kBlock = 512 + 8;
    Qpair q(nvme0, 16);
    Verify on{ns3};
    ASSERT_TRUE(on);
    Buffer w(4 * kBlock, {.pvalue = 0x5a5a5a5a, .ptype = 32});
    ns3.write(q, w, 200, 4).waitdone();
    for (std::size_t i = 0; i < 4; i++) {
        EXPECT_EQ(le64(w, i * kBlock), header_of(3, 200 + i));
        EXPECT_EQ(le64(w, i * kBlock + 512), 0x5a5a5a5a5a5a5a5aull) << "metadata of " << i;
    }
    Buffer r(4 * kBlock);
    {
        WarningCapture cap;
        ns3.read(q, r, 200, 4).waitdone();
        EXPECT_TRUE(cap.warnings().empty());
    }
    EXPECT_TRUE(r == w);
    // QEMU keeps the data of an extended-LBA namespace first in its file
    // (LBA l at l * 512), the metadata after it.
    flip_image_bit(3, 202 * 512 + 77);
    EXPECT_WARNS(ns3.read(q, r, 200, 4).waitdone(), "namespace 3 LBA 202: checksum mismatch");
}

} // namespace
