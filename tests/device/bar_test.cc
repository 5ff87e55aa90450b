// SPDX-License-Identifier: GPL-2.0
// NVMETEST_BAR_RW and the BAR0 mapping: both read QEMU's controller registers
// and agree with each other.
#include "support/device.h"
#include "support/nvme.h"

namespace devtest {
namespace {

class BarTest : public DeviceTest {};

void expect_qemu_cap(uint64_t cap) {
    EXPECT_EQ(nvme::cap_mqes(cap), 0x7ffu) << "MQES 2047";
    EXPECT_EQ(nvme::cap_cqr(cap), 1u) << "CQR";
    EXPECT_EQ(nvme::cap_to(cap), 0xfu) << "TO";
    EXPECT_EQ(nvme::cap_dstrd(cap), 0u) << "DSTRD";
}

TEST_F(BarTest, CapAndVsThroughIoctl) {
    int fd = fd_.get();
    uint64_t cap = bar_rd(fd, 0, nvme::kCap, 8);
    expect_qemu_cap(cap);
    EXPECT_EQ(bar_rd(fd, 0, nvme::kCap, 4), cap & 0xffffffff);
    EXPECT_EQ(bar_rd(fd, 0, nvme::kCap + 4, 4), cap >> 32);
    EXPECT_EQ(bar_rd(fd, 0, nvme::kVs, 4), 0x00010400u);
    EXPECT_EQ(bar_rd(fd, 0, nvme::kVs + 2, 2), 0x0001u);
    EXPECT_EQ(bar_rd(fd, 0, nvme::kVs + 1, 1), 0x04u);
}

TEST_F(BarTest, CapAndVsThroughMmap) {
    Mapping bar0 = Mapping::map(fd_.get(), info_.bars[0].size, NVMETEST_MMAP_BAR(0));
    ASSERT_TRUE(bar0) << strerror(errno);
    nvme::Regs regs(bar0.get());
    uint64_t cap = regs.read64(nvme::kCap);
    expect_qemu_cap(cap);
    EXPECT_EQ(regs.read32(nvme::kVs), 0x00010400u);
    EXPECT_EQ(cap, bar_rd(fd_.get(), 0, nvme::kCap, 8));
}

// AQA is read/write at any time (it is latched only when CC.EN goes to 1).
TEST_F(BarTest, WriteReadsBackThroughIoctlAndMmap) {
    int fd = fd_.get();
    uint64_t saved = bar_rd(fd, 0, nvme::kAqa, 4);
    ASSERT_EQ(bar_write(fd, 0, nvme::kAqa, 4, 0x001f000f), 0);
    EXPECT_EQ(bar_rd(fd, 0, nvme::kAqa, 4), 0x001f000fu);

    Mapping bar0 = Mapping::map(fd, 4096, NVMETEST_MMAP_BAR(0));
    ASSERT_TRUE(bar0) << strerror(errno);
    nvme::Regs regs(bar0.get());
    EXPECT_EQ(regs.read32(nvme::kAqa), 0x001f000fu);
    regs.write32(nvme::kAqa, 0x000f001f);
    EXPECT_EQ(bar_rd(fd, 0, nvme::kAqa, 4), 0x000f001fu);

    ASSERT_EQ(bar_write(fd, 0, nvme::kAqa, 4, saved), 0);
    EXPECT_EQ(regs.read32(nvme::kAqa), saved);
}

// ASQ is a 64-bit register: an 8-byte write lands in both halves.
TEST_F(BarTest, EightByteWrite) {
    int fd = fd_.get();
    uint64_t saved = bar_rd(fd, 0, nvme::kAsq, 8);
    ASSERT_EQ(bar_write(fd, 0, nvme::kAsq, 8, 0x0000001234567000ull), 0);
    EXPECT_EQ(bar_rd(fd, 0, nvme::kAsq, 4), 0x34567000u);
    EXPECT_EQ(bar_rd(fd, 0, nvme::kAsq + 4, 4), 0x12u);
    ASSERT_EQ(bar_write(fd, 0, nvme::kAsq, 8, saved), 0);
    EXPECT_EQ(bar_rd(fd, 0, nvme::kAsq, 8), saved);
}

TEST_F(BarTest, LastDwordOfBarReadable) {
    uint64_t v = 0;
    EXPECT_EQ(bar_read(fd_.get(), 0, info_.bars[0].size - 4, 4, &v), 0);
    EXPECT_EQ(bar_read(fd_.get(), 0, info_.bars[0].size - 8, 8, &v), 0);
    EXPECT_EQ(bar_read(fd_.get(), 0, info_.bars[0].size - 1, 1, &v), 0);
}

} // namespace
} // namespace devtest
