// SPDX-License-Identifier: GPL-2.0
// NVMETEST_CONFIG_RW: reads at every width agree with each other and with the
// kernel's view of config space; writes reach writable registers.
#include "support/device.h"

namespace devtest {
namespace {

class ConfigTest : public DeviceTest {
protected:
    // The kernel's copy of config space, through sysfs (root reads all of it).
    std::string sysfs_config() { return read_file(pci_dir(bdf_) + "/config").value_or(""); }
};

TEST_F(ConfigTest, IdsAtEveryWidth) {
    int fd = fd_.get();
    uint64_t d = cfg_rd(fd, 0, 4);
    EXPECT_EQ(d, static_cast<uint64_t>(info_.device_id) << 16 | info_.vendor_id);
    EXPECT_EQ(cfg_rd(fd, 0, 2), info_.vendor_id);
    EXPECT_EQ(cfg_rd(fd, 2, 2), info_.device_id);
    for (uint32_t i = 0; i < 4; i++)
        EXPECT_EQ(cfg_rd(fd, i, 1), (d >> (8 * i)) & 0xff) << "byte " << i;
    // Class code and revision in the dword at 0x08.
    uint64_t cls = cfg_rd(fd, 8, 4);
    EXPECT_EQ(cls >> 8, info_.class_code);
    EXPECT_EQ(cls & 0xff, info_.revision);
}

TEST_F(ConfigTest, StandardHeaderMatchesSysfs) {
    std::string cfg = sysfs_config();
    ASSERT_GE(cfg.size(), 256u);
    for (uint32_t off = 0; off < 256; off += 4) {
        uint32_t want;
        std::memcpy(&want, cfg.data() + off, 4);
        EXPECT_EQ(cfg_rd(fd_.get(), off, 4), want) << "dword at 0x" << std::hex << off;
    }
}

TEST_F(ConfigTest, ExtendedSpaceReadable) {
    ASSERT_EQ(info_.cfg_size, 4096u);
    std::string cfg = sysfs_config();
    ASSERT_EQ(cfg.size(), 4096u);
    for (uint32_t off : {0x100u, 0x104u, 0x800u, 0xffcu}) {
        uint32_t want;
        std::memcpy(&want, cfg.data() + off, 4);
        EXPECT_EQ(cfg_rd(fd_.get(), off, 4), want) << "dword at 0x" << std::hex << off;
    }
    EXPECT_EQ(cfg_rd(fd_.get(), 0xfff, 1), static_cast<unsigned char>(cfg[0xfff]));
    EXPECT_EQ(cfg_rd(fd_.get(), 0xffe, 2),
              static_cast<unsigned char>(cfg[0xffe]) |
                  static_cast<unsigned>(static_cast<unsigned char>(cfg[0xfff])) << 8);
}

// Interrupt Line (0x3c) is a read/write scratch register for software.
TEST_F(ConfigTest, InterruptLineWriteReadsBack) {
    int fd = fd_.get();
    uint64_t saved = cfg_rd(fd, 0x3c, 1);
    uint64_t pin = cfg_rd(fd, 0x3d, 1);
    for (uint64_t v : {0x5aull, 0xa5ull}) {
        ASSERT_EQ(cfg_write(fd, 0x3c, 1, v), 0);
        EXPECT_EQ(cfg_rd(fd, 0x3c, 1), v);
        EXPECT_EQ(static_cast<unsigned char>(sysfs_config()[0x3c]), v)
            << "the write reached the device, not a cache of the module's";
    }
    // A dword write: the read-only Interrupt Pin beside it is unchanged.
    uint64_t dword = cfg_rd(fd, 0x3c, 4);
    ASSERT_EQ(cfg_write(fd, 0x3c, 4, (dword & ~0xffull) | 0x33), 0);
    EXPECT_EQ(cfg_rd(fd, 0x3c, 1), 0x33u);
    EXPECT_EQ(cfg_rd(fd, 0x3d, 1), pin);
    ASSERT_EQ(cfg_write(fd, 0x3c, 1, saved), 0);
    EXPECT_EQ(cfg_rd(fd, 0x3c, 1), saved);
}

// The command register's INTx Disable bit (10) toggles and restores at width 2.
TEST_F(ConfigTest, CommandRegisterBitToggles) {
    int fd = fd_.get();
    uint64_t cmd = cfg_rd(fd, 0x04, 2);
    EXPECT_TRUE(cmd & 0x2) << "memory space enabled while bound";
    uint64_t toggled = cmd ^ (1u << 10);
    ASSERT_EQ(cfg_write(fd, 0x04, 2, toggled), 0);
    EXPECT_EQ(cfg_rd(fd, 0x04, 2), toggled);
    ASSERT_EQ(cfg_write(fd, 0x04, 2, cmd), 0);
    EXPECT_EQ(cfg_rd(fd, 0x04, 2), cmd);
}

// Read-only fields ignore writes: writing the vendor ID changes nothing.
TEST_F(ConfigTest, ReadOnlyIdIgnoresWrite) {
    int fd = fd_.get();
    ASSERT_EQ(cfg_write(fd, 0x00, 2, 0x1234), 0);
    EXPECT_EQ(cfg_rd(fd, 0x00, 2), info_.vendor_id);
}

TEST_F(ConfigTest, CapabilityListWalks) {
    // PM at 0x60, PCIe at 0x80 and MSI-X on QEMU's NVMe controller.
    EXPECT_NE(find_capability(fd_.get(), 0x01), 0u);
    EXPECT_NE(find_capability(fd_.get(), 0x10), 0u);
    EXPECT_NE(find_capability(fd_.get(), 0x11), 0u);
}

} // namespace
} // namespace devtest
