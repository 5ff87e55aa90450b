// SPDX-License-Identifier: GPL-2.0
// mmap() of the three kinds of region: BARs, the interrupt counters, DMA memory.
#include "support/device.h"
#include "support/nvme.h"

#include <sys/mman.h>

namespace devtest {
namespace {

class MmapTest : public DeviceTest {};

TEST_F(MmapTest, BarPartialAndOffsetMappings) {
    ASSERT_GE(info_.bars[0].size, 0x2000u);
    // The second page alone: the doorbells (0x1000) are at its start.
    Mapping page1 = Mapping::map(fd_.get(), 4096, NVMETEST_MMAP_BAR(0) + 4096);
    ASSERT_TRUE(page1) << strerror(errno);
    Mapping page0 = Mapping::map(fd_.get(), 4096, NVMETEST_MMAP_BAR(0));
    ASSERT_TRUE(page0) << strerror(errno);
    EXPECT_EQ(nvme::Regs(page0.get()).read32(nvme::kVs), 0x00010400u);
    // Two mappings of the same registers see the same thing.
    Mapping again = Mapping::map(fd_.get(), 4096, NVMETEST_MMAP_BAR(0));
    ASSERT_TRUE(again);
    EXPECT_EQ(nvme::Regs(again.get()).read64(nvme::kCap),
              nvme::Regs(page0.get()).read64(nvme::kCap));
}

TEST_F(MmapTest, WholeBarMapping) {
    Mapping bar0 = Mapping::map(fd_.get(), info_.bars[0].size, NVMETEST_MMAP_BAR(0));
    ASSERT_TRUE(bar0) << strerror(errno);
    // Touch the last page (MSI-X table/PBA area on QEMU): it must not fault.
    volatile uint32_t* last =
        reinterpret_cast<volatile uint32_t*>(bar0.as<unsigned char>() + bar0.size() - 4);
    (void)*last;
}

TEST_F(MmapTest, IrqCountersReadOnly) {
    ASSERT_GT(info_.irq_counts_size, 0u);
    Mapping ro =
        Mapping::map(fd_.get(), info_.irq_counts_size, NVMETEST_MMAP_IRQ_COUNTS, PROT_READ);
    ASSERT_TRUE(ro) << strerror(errno);
    errno = 0;
    Mapping rw = Mapping::map(fd_.get(), info_.irq_counts_size, NVMETEST_MMAP_IRQ_COUNTS,
                              PROT_READ | PROT_WRITE);
    EXPECT_FALSE(rw);
    EXPECT_EQ(errno, EACCES) << "uapi.md: a writable mapping of the counters is EACCES";
    // Nor can a read-only mapping be made writable later.
    EXPECT_NE(::mprotect(ro.get(), ro.size(), PROT_READ | PROT_WRITE), 0);
}

TEST_F(MmapTest, DmaMappingsShareMemory) {
    DmaBuffer buf;
    ASSERT_EQ(buf.allocate(fd_.get(), 8192), 0);
    Mapping second = Mapping::map(fd_.get(), buf.size(), buf.mmap_offset());
    ASSERT_TRUE(second) << strerror(errno);
    std::memset(buf.data(), 0x3c, buf.size());
    for (size_t i = 0; i < buf.size(); i += 512)
        ASSERT_EQ(second.as<unsigned char>()[i], 0x3c);
    // A mapping of the second page alone.
    Mapping page = Mapping::map(fd_.get(), 4096, buf.mmap_offset() + 4096);
    ASSERT_TRUE(page) << strerror(errno);
    page.as<unsigned char>()[0] = 0x77;
    EXPECT_EQ(buf.data()[4096], 0x77);
}

TEST_F(MmapTest, PrivateMappingRefused) {
    void* p = ::mmap(nullptr, 4096, PROT_READ, MAP_PRIVATE, fd_.get(), NVMETEST_MMAP_BAR(0));
    EXPECT_EQ(p, MAP_FAILED);
    EXPECT_EQ(errno, EINVAL);
    if (p != MAP_FAILED)
        ::munmap(p, 4096);
}

} // namespace
} // namespace devtest
