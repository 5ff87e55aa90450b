// SPDX-License-Identifier: BSD-3-Clause
// Persistent Memory Region (profile cmb-pmr: QEMU's pmrdev, a 16 MiB
// memory-backend-file shared with the host, in BAR4).  PyNVMe3 has no PMR API:
// a test reaches it through the controller registers (nvme0[0xe00..]) and the
// BAR (Pcie::bar_read/bar_write), as here.
#include <nvmetest/fixtures.h>
#include <nvmetest/nvme/registers.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace {

using nvmetest::testing::Nvme0Test;
namespace reg = nvmetest::nvme::reg;

constexpr unsigned kPmrBar = 4;
constexpr std::uint32_t kPmrctlEnable = 1;
constexpr std::uint32_t kPmrstsNotReady = 1u << 8;

class PmrTest : public Nvme0Test {
protected:
    void TearDown() override { nvme0[reg::kPmrctl] = 0; }
};

// The host file behind the PMR ($NVMETEST_VM_DIR/dut0-pmr.img, over 9p).
std::uint64_t backing_file_qword(std::uint64_t offset)
{
    const char* dir = std::getenv("NVMETEST_VM_DIR");
    if (!dir)
        throw std::runtime_error("NVMETEST_VM_DIR is not set: run under tests/vm/nvmetest-vm");
    const std::string path = std::string(dir) + "/dut0-pmr.img";
    const int fd = ::open(path.c_str(), O_RDONLY);
    if (fd < 0)
        throw std::runtime_error("cannot open " + path);
    std::uint64_t v = 0;
    const auto n = ::pread(fd, &v, sizeof(v), static_cast<off_t>(offset));
    ::close(fd);
    if (n != sizeof(v))
        throw std::runtime_error("short read of " + path);
    return v;
}

TEST_F(PmrTest, RegistersDescribeThePmrInBar4)
{
    EXPECT_TRUE(nvmetest::nvme::cap::pmrs(nvme0.cap()));
    const std::uint32_t pmrcap = nvme0[reg::kPmrcap];
    EXPECT_TRUE(pmrcap & (1u << 3)) << "RDS";
    EXPECT_TRUE(pmrcap & (1u << 4)) << "WDS";
    EXPECT_EQ((pmrcap >> 5) & 7u, kPmrBar) << "BIR";
    EXPECT_EQ((pmrcap >> 10) & 0xfu, 2u) << "PMRWBM: a PMRSTS read completes prior writes";
    EXPECT_EQ(nvme0[reg::kPmrctl] & kPmrctlEnable, 0u) << "disabled after reset";
    // 16 MiB BAR4, the size of the backend.
    EXPECT_EQ(pcie.cfg_dword_read(0x20) & 0xf, 0xcu) << "BAR4: 64-bit prefetchable memory";
}

TEST_F(PmrTest, EnableWriteReadAndPersistToTheBackingFile)
{
    nvme0[reg::kPmrctl] = kPmrctlEnable;
    EXPECT_EQ(nvme0[reg::kPmrctl] & kPmrctlEnable, kPmrctlEnable);
    EXPECT_EQ(nvme0[reg::kPmrsts] & kPmrstsNotReady, 0u) << "ready once enabled";

    const std::uint64_t a = 0x0123456789abcdefull ^ nvmetest::rand64();
    const std::uint64_t b = 0xfedcba9876543210ull ^ nvmetest::rand64();
    pcie.bar_write(kPmrBar, 0, 8, a);
    pcie.bar_write(kPmrBar, (16u << 20) - 8, 8, b);
    pcie.bar_write(kPmrBar, 64, 4, 0x11223344u);
    pcie.bar_write(kPmrBar, 68, 1, 0x55u);
    EXPECT_EQ(pcie.bar_read(kPmrBar, 0, 8), a);
    EXPECT_EQ(pcie.bar_read(kPmrBar, (16u << 20) - 8, 8), b);
    EXPECT_EQ(pcie.bar_read(kPmrBar, 64, 4), 0x11223344u);
    EXPECT_EQ(pcie.bar_read(kPmrBar, 64, 2), 0x3344u);
    EXPECT_EQ(pcie.bar_read(kPmrBar, 68, 1), 0x55u);
    (void)static_cast<std::uint32_t>(nvme0[reg::kPmrsts]);  // the write barrier (PMRWBM bit 1)
    EXPECT_EQ(backing_file_qword(0), a);
    EXPECT_EQ(backing_file_qword((16u << 20) - 8), b);

    nvme0[reg::kPmrctl] = 0;
    EXPECT_EQ(nvme0[reg::kPmrsts] & kPmrstsNotReady, kPmrstsNotReady) << "not ready once disabled";
    nvme0[reg::kPmrctl] = kPmrctlEnable;
    EXPECT_EQ(pcie.bar_read(kPmrBar, 0, 8), a) << "the data persists across disable/enable";
}

TEST_F(PmrTest, BarAccessWidthIsChecked)
{
    EXPECT_THROW(pcie.bar_read(kPmrBar, 0, 3), nvmetest::UsageError);
    EXPECT_THROW(pcie.bar_write(kPmrBar, 0, 16, 0), nvmetest::UsageError);
}

}  // namespace
