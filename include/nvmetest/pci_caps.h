// SPDX-License-Identifier: BSD-3-Clause
//
// PCI capability lists: IDs, names, and a walker over a config space image.
//
// Pure logic with no device access, so it works on a snapshot read through any
// transport (KmodDevice::read_config()) and on synthetic images in unit tests.
#ifndef NVMETEST_PCI_CAPS_H
#define NVMETEST_PCI_CAPS_H

#include "nvmetest/cxx20.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace nvmetest::pci {

// Config space header offsets used by the walker.
inline constexpr std::uint16_t kVendorId = 0x00;
inline constexpr std::uint16_t kCommand = 0x04;
inline constexpr std::uint16_t kStatus = 0x06;
inline constexpr std::uint16_t kStatusCapList = 1u << 4;
inline constexpr std::uint16_t kHeaderType = 0x0e;
inline constexpr std::uint16_t kCapPtr = 0x34;  // type 0 and type 1 headers
inline constexpr std::uint16_t kCapPtrCardbus = 0x14;
inline constexpr std::uint16_t kExtCapStart = 0x100;
inline constexpr std::uint16_t kCommandMemory = 1u << 1;
inline constexpr std::uint16_t kCommandMaster = 1u << 2;
inline constexpr std::uint16_t kCommandIntxDisable = 1u << 10;

// Capability IDs (PCI Code and ID Assignment Specification, 1.x).
enum CapId : std::uint8_t {
    kCapPm = 0x01,
    kCapAgp = 0x02,
    kCapVpd = 0x03,
    kCapSlotId = 0x04,
    kCapMsi = 0x05,
    kCapCompactPciHotSwap = 0x06,
    kCapPcix = 0x07,
    kCapHyperTransport = 0x08,
    kCapVendor = 0x09,
    kCapDebugPort = 0x0a,
    kCapCompactPciCrc = 0x0b,
    kCapHotPlug = 0x0c,
    kCapBridgeSubsysVid = 0x0d,
    kCapAgp8x = 0x0e,
    kCapSecureDevice = 0x0f,
    kCapPcie = 0x10,
    kCapMsix = 0x11,
    kCapSata = 0x12,
    kCapAf = 0x13,
    kCapEa = 0x14,
    kCapFpb = 0x15,
};

// Extended capability IDs.
enum ExtCapId : std::uint16_t {
    kExtCapAer = 0x0001,
    kExtCapVc = 0x0002,
    kExtCapDsn = 0x0003,
    kExtCapPowerBudget = 0x0004,
    kExtCapRcLinkDecl = 0x0005,
    kExtCapRcInternalLink = 0x0006,
    kExtCapRcEcEa = 0x0007,
    kExtCapMfvc = 0x0008,
    kExtCapVc9 = 0x0009,
    kExtCapRcrb = 0x000a,
    kExtCapVendor = 0x000b,
    kExtCapCac = 0x000c,
    kExtCapAcs = 0x000d,
    kExtCapAri = 0x000e,
    kExtCapAts = 0x000f,
    kExtCapSriov = 0x0010,
    kExtCapMriov = 0x0011,
    kExtCapMulticast = 0x0012,
    kExtCapPri = 0x0013,
    kExtCapAmd = 0x0014,
    kExtCapRebar = 0x0015,
    kExtCapDpa = 0x0016,
    kExtCapTph = 0x0017,
    kExtCapLtr = 0x0018,
    kExtCapSecPcie = 0x0019,
    kExtCapPmux = 0x001a,
    kExtCapPasid = 0x001b,
    kExtCapLnr = 0x001c,
    kExtCapDpc = 0x001d,
    kExtCapL1ss = 0x001e,
    kExtCapPtm = 0x001f,
    kExtCapMpcie = 0x0020,
    kExtCapFrs = 0x0021,
    kExtCapRtr = 0x0022,
    kExtCapDvsec = 0x0023,
    kExtCapVfRebar = 0x0024,
    kExtCapDlf = 0x0025,
    kExtCapPl16 = 0x0026,
    kExtCapLmr = 0x0027,
    kExtCapHierarchyId = 0x0028,
    kExtCapNpem = 0x0029,
    kExtCapPl32 = 0x002a,
    kExtCapAltProtocol = 0x002b,
    kExtCapSfi = 0x002c,
    kExtCapShadowFunctions = 0x002d,
    kExtCapDoe = 0x002e,
    kExtCapDevice3 = 0x002f,
    kExtCapIde = 0x0030,
    kExtCapPl64 = 0x0031,
    kExtCapFlitLogging = 0x0032,
    kExtCapFlitPerf = 0x0033,
    kExtCapFlitErrInj = 0x0034,
};

// Full names as the specification tables spell them; empty when the ID is unassigned.
std::string_view cap_name(std::uint8_t id) noexcept;
std::string_view ext_cap_name(std::uint16_t id) noexcept;
// Short names as lspci prints them ("PM", "MSI-X", "AER"); empty when unassigned.
std::string_view cap_abbrev(std::uint8_t id) noexcept;
std::string_view ext_cap_abbrev(std::uint16_t id) noexcept;

struct Capability {
    bool extended = false;
    std::uint16_t id = 0;
    std::uint16_t offset = 0;
    std::uint8_t version = 0;  // extended capabilities only

    // cap_name()/ext_cap_name(), or "Unknown capability 0x.." when unassigned.
    std::string name() const;
    std::string abbrev() const;
};

struct CapabilityList {
    std::vector<Capability> caps;
    // Malformed lists are reported, not thrown: a test tool shows broken devices.
    std::vector<std::string> problems;
};

// Walks the standard list (when Status.CapList is set) and, for images larger
// than 256 bytes, the extended list at 0x100.  Stops at loops, pointers into
// the header or outside the image, and reports each such stop in problems.
CapabilityList walk_capabilities(std::span<const std::uint8_t> config);

// Offset of the first capability with that ID; nullopt when absent.
std::optional<std::uint16_t> find_capability(std::span<const std::uint8_t> config,
                                             std::uint8_t id);
std::optional<std::uint16_t> find_ext_capability(std::span<const std::uint8_t> config,
                                                 std::uint16_t id);

// One line about the capability's main fields ("MSI-X: 65 vectors, table BAR0+0x2000,
// PBA BAR0+0x3000, enabled"); empty when nothing is decoded for that ID.
std::string describe_capability(std::span<const std::uint8_t> config, const Capability& cap);

// Little-endian readers over a config image; out-of-range bytes read as 0xff,
// like a master abort.
std::uint8_t cfg8(std::span<const std::uint8_t> config, std::size_t off) noexcept;
std::uint16_t cfg16(std::span<const std::uint8_t> config, std::size_t off) noexcept;
std::uint32_t cfg32(std::span<const std::uint8_t> config, std::size_t off) noexcept;

}  // namespace nvmetest::pci

#endif  // NVMETEST_PCI_CAPS_H
