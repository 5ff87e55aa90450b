// SPDX-License-Identifier: BSD-3-Clause
//
// What the kernel module reports about a bound function, in C++ types, and the
// vocabulary (reset methods, interrupt types) of the device-access layer.
#ifndef NVMETEST_DEVICE_INFO_H
#define NVMETEST_DEVICE_INFO_H

#include "nvmetest/cxx20.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "nvmetest/bdf.h"

namespace nvmetest {

// Values equal the UAPI's enum nvmetest_reset_method.
enum class ResetMethod : std::uint32_t {
    Flr = 0,   // PCIe function level reset
    Hot = 1,   // secondary bus reset of the upstream bridge
    Link = 2,  // Link Disable then enable on the upstream port
    Pm = 3,    // D0 -> D3hot -> D0
};

// Values equal the UAPI's enum nvmetest_irq_type.
enum class IrqType : std::uint32_t {
    None = 0,
    Intx = 1,
    Msi = 2,
    Msix = 3,
};

std::string_view to_string(ResetMethod m) noexcept;                  // "flr", "hot", ...
std::optional<ResetMethod> parse_reset_method(std::string_view s) noexcept;
std::string_view to_string(IrqType t) noexcept;                      // "intx", "msi", ...
std::optional<IrqType> parse_irq_type(std::string_view s) noexcept;

struct BarInfo {
    std::uint64_t size = 0;  // 0: not implemented
    std::uint32_t flags = 0;  // NVMETEST_BAR_* bits

    static constexpr std::uint32_t kMem = 1u << 0;
    static constexpr std::uint32_t kIo = 1u << 1;
    static constexpr std::uint32_t k64Bit = 1u << 2;
    static constexpr std::uint32_t kPrefetch = 1u << 3;
    static constexpr std::uint32_t kMmap = 1u << 4;

    bool implemented() const noexcept { return size != 0; }
    bool memory() const noexcept { return flags & kMem; }
    bool io() const noexcept { return flags & kIo; }
    bool is_64bit() const noexcept { return flags & k64Bit; }
    bool prefetchable() const noexcept { return flags & kPrefetch; }
    bool mappable() const noexcept { return flags & kMmap; }
};

struct DeviceInfo {
    static constexpr unsigned kNumBars = 6;

    std::uint32_t abi_version = 0;
    Bdf bdf;
    std::uint16_t vendor_id = 0;
    std::uint16_t device_id = 0;
    std::uint16_t subsystem_vendor_id = 0;
    std::uint16_t subsystem_device_id = 0;
    std::uint8_t revision = 0;
    std::uint32_t class_code = 0;  // 24 bits: base, sub, programming interface
    std::uint32_t cfg_size = 0;    // 256 or 4096
    std::uint32_t reset_methods = 0;  // bit (1 << ResetMethod)
    bool iommu = false;            // an IOMMU translates DMA addresses
    bool pcie = false;             // has a PCI Express capability
    bool intx = false;             // an INTx pin is wired
    std::uint32_t msi_vectors = 0;
    std::uint32_t msix_vectors = 0;
    std::uint32_t irq_counts_size = 0;  // bytes of the mmapped counter region
    std::uint64_t dma_max_alloc = 0;    // largest single DMA allocation
    std::uint64_t dma_limit_file = 0;   // DMA bytes one open file may hold
    std::uint64_t dma_limit_device = 0; // DMA bytes all open files may hold
    std::array<BarInfo, kNumBars> bars{};

    bool supports(ResetMethod m) const noexcept
    {
        return reset_methods & (1u << static_cast<std::uint32_t>(m));
    }
    // Vectors of that type the function has (1 for INTx when wired).
    std::uint32_t vectors(IrqType t) const noexcept;
    // "1b36:0010 rev 02 class 010802 (NVMe)": one line for logs.
    std::string summary() const;
};

// "Non-Volatile memory controller / NVM Express" style names for a class code.
std::string class_name(std::uint32_t class_code);

}  // namespace nvmetest

#endif  // NVMETEST_DEVICE_INFO_H
