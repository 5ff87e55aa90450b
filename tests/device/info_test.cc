// SPDX-License-Identifier: GPL-2.0
// NVMETEST_GET_INFO: every field against sysfs, config space and what QEMU emulates.
#include "support/device.h"

#include <cstdio>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace devtest {
namespace {

class InfoTest : public DeviceTest {};

// /sys/bus/pci/devices/<bdf>/resource: "start end flags" per resource.
struct SysfsResource {
    uint64_t start = 0, end = 0, flags = 0;
    uint64_t size() const { return start == 0 && end == 0 ? 0 : end - start + 1; }
};

std::vector<SysfsResource> sysfs_resources(const std::string& bdf) {
    std::vector<SysfsResource> out;
    std::ifstream in(pci_dir(bdf) + "/resource");
    std::string line;
    while (std::getline(in, line)) {
        SysfsResource r;
        std::sscanf(line.c_str(), "%lx %lx %lx", &r.start, &r.end, &r.flags);
        out.push_back(r);
    }
    return out;
}

uint64_t sysfs_hex(const std::string& bdf, const char* attr) {
    auto v = read_u64(pci_dir(bdf) + "/" + attr);
    EXPECT_TRUE(v.has_value()) << "cannot read " << pci_dir(bdf) << "/" << attr;
    return v.value_or(~0ull);
}

TEST_F(InfoTest, IdentityMatchesSysfs) {
    EXPECT_EQ(info_.vendor_id, sysfs_hex(bdf_, "vendor"));
    EXPECT_EQ(info_.device_id, sysfs_hex(bdf_, "device"));
    EXPECT_EQ(info_.subsystem_vendor_id, sysfs_hex(bdf_, "subsystem_vendor"));
    EXPECT_EQ(info_.subsystem_device_id, sysfs_hex(bdf_, "subsystem_device"));
    EXPECT_EQ(info_.class_code, sysfs_hex(bdf_, "class"));
    EXPECT_EQ(info_.revision, sysfs_hex(bdf_, "revision"));

    char addr[32];
    std::snprintf(addr, sizeof(addr), "%04x:%02x:%02x.%x", info_.domain, info_.bus, info_.slot,
                  info_.function);
    EXPECT_EQ(bdf_, addr);
    EXPECT_EQ(read_file(class_dir(bdf_) + "/bdf").value_or("?").substr(0, bdf_.size()), bdf_)
        << class_dir(bdf_) << "/bdf must name the function";
}

TEST_F(InfoTest, IsQemuNvmeController) {
    EXPECT_EQ(info_.abi_version, static_cast<uint32_t>(NVMETEST_ABI_VERSION));
    EXPECT_EQ(info_.vendor_id, 0x1b36);
    EXPECT_EQ(info_.device_id, 0x0010);
    EXPECT_EQ(info_.class_code, 0x010802u);
    EXPECT_EQ(info_.subsystem_vendor_id, 0x1af4);
    EXPECT_GT(info_.msix_vectors, 0u) << "QEMU's NVMe controller has MSI-X (msix_qsize 65)";
    EXPECT_EQ(info_.msix_vectors, 65u) << "QEMU 7.2 default msix_qsize";
    EXPECT_EQ(info_.msi_vectors, 0u) << "QEMU's NVMe controller has no MSI capability";
    EXPECT_EQ(info_.intx, 1u);
    EXPECT_TRUE(info_.flags & NVMETEST_INFO_PCIE);
    EXPECT_EQ(info_.cfg_size, 4096u);
    EXPECT_GE(info_.irq_counts_size, info_.msix_vectors * sizeof(uint64_t));
    EXPECT_EQ(info_.irq_counts_size % 4096, 0u) << "the counter region is mmapped in pages";
}

TEST_F(InfoTest, ConfigSizeMatchesSysfs) {
    struct stat st;
    ASSERT_EQ(::stat((pci_dir(bdf_) + "/config").c_str(), &st), 0);
    EXPECT_EQ(info_.cfg_size, static_cast<uint64_t>(st.st_size));
}

TEST_F(InfoTest, BarsMatchSysfsResources) {
    auto res = sysfs_resources(bdf_);
    ASSERT_GE(res.size(), 6u);
    constexpr uint64_t kIoresourceIo = 0x100, kIoresourceMem = 0x200, kIoresourcePrefetch = 0x2000,
                       kIoresourceMem64 = 0x100000;
    for (int i = 0; i < NVMETEST_NUM_BARS; i++) {
        SCOPED_TRACE("BAR" + std::to_string(i));
        const auto& bar = info_.bars[i];
        EXPECT_EQ(bar.size, res[i].size());
        EXPECT_EQ(bar.reserved, 0u);
        if (bar.size == 0) {
            EXPECT_EQ(bar.flags, 0u);
            continue;
        }
        EXPECT_EQ(!!(bar.flags & NVMETEST_BAR_MEM), !!(res[i].flags & kIoresourceMem));
        EXPECT_EQ(!!(bar.flags & NVMETEST_BAR_IO), !!(res[i].flags & kIoresourceIo));
        EXPECT_EQ(!!(bar.flags & NVMETEST_BAR_64BIT), !!(res[i].flags & kIoresourceMem64));
        EXPECT_EQ(!!(bar.flags & NVMETEST_BAR_PREFETCH), !!(res[i].flags & kIoresourcePrefetch));
        EXPECT_EQ(!!(bar.flags & NVMETEST_BAR_MMAP), !!(bar.flags & NVMETEST_BAR_MEM))
            << "every memory BAR can be mmapped, no I/O BAR can";
    }
    // QEMU's NVMe controller: BAR0 is 64-bit memory (BAR1 its upper half).
    EXPECT_TRUE(info_.bars[0].flags & NVMETEST_BAR_MEM);
    EXPECT_TRUE(info_.bars[0].flags & NVMETEST_BAR_64BIT);
    EXPECT_GE(info_.bars[0].size, 0x2000u) << "registers and doorbells";
    EXPECT_EQ(info_.bars[1].size, 0u);
}

TEST_F(InfoTest, IommuFlagMatchesProfile) {
    bool iommu = info_.flags & NVMETEST_INFO_IOMMU;
    EXPECT_EQ(iommu, profile() == "iommu") << "profile " << profile();
    // The kernel's own view: a translated device sits in an IOMMU group.
    EXPECT_EQ(iommu, path_exists(pci_dir(bdf_) + "/iommu_group"));
}

TEST_F(InfoTest, DmaLimitsAreConsistent) {
    EXPECT_GT(info_.dma_max_alloc, 0u);
    EXPECT_EQ(info_.dma_max_alloc % 4096, 0u);
    EXPECT_LE(info_.dma_max_alloc, info_.dma_limit_file);
    EXPECT_LE(info_.dma_limit_file, info_.dma_limit_device);
    if (!(info_.flags & NVMETEST_INFO_IOMMU)) {
        EXPECT_EQ(info_.dma_max_alloc, 4u << 20)
            << "Debian 6.1 without an IOMMU: PAGE_SIZE << (MAX_ORDER - 1)";
    }
    if (auto v = read_u64("/sys/module/nvmetest/parameters/dma_limit_file")) {
        EXPECT_EQ(info_.dma_limit_file, *v);
    }
    if (auto v = read_u64("/sys/module/nvmetest/parameters/dma_limit_device")) {
        EXPECT_EQ(info_.dma_limit_device, *v);
    }
}

// Which resets the topology supports, from config space: the DUT is a PCIe
// endpoint with FLR and a PM capability behind a pcie-root-port.
TEST_F(InfoTest, ResetMethodsMatchTopology) {
    uint32_t pcie = find_capability(fd_.get(), 0x10);
    ASSERT_NE(pcie, 0u);
    bool flr = cfg_rd(fd_.get(), pcie + 4, 4) & (1u << 28);
    // D3hot -> D0 resets only a function without No_Soft_Reset (PMCSR bit 3);
    // QEMU's NVMe controller sets it, so PM is not a reset there.
    uint32_t pm_cap = find_capability(fd_.get(), 0x01);
    bool pm = pm_cap != 0 && !(cfg_rd(fd_.get(), pm_cap + 4, 2) & 0x8);
    EXPECT_TRUE(flr) << "QEMU's NVMe controller advertises FLR";
    EXPECT_EQ(!!(info_.reset_methods & (1u << NVMETEST_RESET_FLR)), flr);
    EXPECT_EQ(!!(info_.reset_methods & (1u << NVMETEST_RESET_PM)), pm);
    // Behind a root port: secondary bus reset and link disable are reachable.
    EXPECT_TRUE(info_.reset_methods & (1u << NVMETEST_RESET_HOT));
    EXPECT_TRUE(info_.reset_methods & (1u << NVMETEST_RESET_LINK));
    EXPECT_EQ(info_.reset_methods & ~((1u << NVMETEST_RESET_NR) - 1), 0u);
}

TEST_F(InfoTest, ReservedFieldsReadZero) {
    for (auto r : info_.reserved)
        EXPECT_EQ(r, 0u);
    EXPECT_EQ(info_.flags & ~(NVMETEST_INFO_IOMMU | NVMETEST_INFO_PCIE), 0u);
}

TEST_F(InfoTest, InterruptCapabilitiesMatchConfigSpace) {
    uint32_t msix = find_capability(fd_.get(), 0x11);
    ASSERT_NE(msix, 0u);
    uint32_t table_size = (cfg_rd(fd_.get(), msix + 2, 2) & 0x7ff) + 1;
    EXPECT_EQ(info_.msix_vectors, table_size);
    EXPECT_EQ(find_capability(fd_.get(), 0x05), 0u);
    EXPECT_EQ(info_.intx, cfg_rd(fd_.get(), 0x3d, 1) != 0 ? 1u : 0u);
}

TEST_F(InfoTest, SecondOpenSeesSameInfo) {
    UniqueFd other(::open(dev_path(bdf_).c_str(), O_RDWR | O_CLOEXEC));
    ASSERT_TRUE(other);
    nvmetest_info again;
    ASSERT_EQ(get_info(other.get(), &again), 0);
    EXPECT_EQ(std::memcmp(&again, &info_, sizeof(info_)), 0);
}

TEST_F(InfoTest, OpenersCountsOpenFiles) {
    auto base = read_u64(class_dir(bdf_) + "/openers");
    ASSERT_TRUE(base.has_value()) << class_dir(bdf_) << "/openers";
    EXPECT_GE(*base, 1u);
    {
        UniqueFd other(::open(dev_path(bdf_).c_str(), O_RDWR | O_CLOEXEC));
        ASSERT_TRUE(other);
        EXPECT_EQ(read_u64(class_dir(bdf_) + "/openers"), *base + 1);
    }
    EXPECT_EQ(read_u64(class_dir(bdf_) + "/openers"), *base);
}

} // namespace
} // namespace devtest
