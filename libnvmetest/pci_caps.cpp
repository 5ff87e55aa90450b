// SPDX-License-Identifier: BSD-3-Clause
#include "nvmetest/pci_caps.h"

#include <array>
#include <cstdio>
#include <set>

namespace nvmetest::pci {
namespace {

struct Names {
    std::string_view full;
    std::string_view abbrev;
};

// Index = capability ID.
constexpr std::array<Names, 0x16> kCapNames{{
    {"", ""},
    {"Power Management", "PM"},
    {"AGP", "AGP"},
    {"Vital Product Data", "VPD"},
    {"Slot Identification", "SlotID"},
    {"Message Signaled Interrupts", "MSI"},
    {"CompactPCI Hot Swap", "CHSWP"},
    {"PCI-X", "PCI-X"},
    {"HyperTransport", "HT"},
    {"Vendor Specific", "Vendor"},
    {"Debug Port", "DbgPort"},
    {"CompactPCI Central Resource Control", "CCRC"},
    {"PCI Hot-Plug", "HotPlug"},
    {"PCI Bridge Subsystem Vendor ID", "SSVID"},
    {"AGP 8x", "AGP8x"},
    {"Secure Device", "Secure"},
    {"PCI Express", "PCIe"},
    {"MSI-X", "MSI-X"},
    {"Serial ATA Data/Index Configuration", "SATA"},
    {"Advanced Features", "AF"},
    {"Enhanced Allocation", "EA"},
    {"Flattening Portal Bridge", "FPB"},
}};

constexpr std::array<Names, 0x35> kExtCapNames{{
    {"", ""},
    {"Advanced Error Reporting", "AER"},
    {"Virtual Channel", "VC"},
    {"Device Serial Number", "DSN"},
    {"Power Budgeting", "PwrBudget"},
    {"Root Complex Link Declaration", "RCLD"},
    {"Root Complex Internal Link Control", "RCILC"},
    {"Root Complex Event Collector Endpoint Association", "RCEC"},
    {"Multi-Function Virtual Channel", "MFVC"},
    {"Virtual Channel (MFVC present)", "VC9"},
    {"Root Complex Register Block Header", "RCRB"},
    {"Vendor-Specific Extended", "VSEC"},
    {"Configuration Access Correlation", "CAC"},
    {"Access Control Services", "ACS"},
    {"Alternative Routing-ID Interpretation", "ARI"},
    {"Address Translation Services", "ATS"},
    {"Single Root I/O Virtualization", "SR-IOV"},
    {"Multi-Root I/O Virtualization", "MR-IOV"},
    {"Multicast", "MCAST"},
    {"Page Request Interface", "PRI"},
    {"Reserved for AMD", "AMD"},
    {"Resizable BAR", "ReBAR"},
    {"Dynamic Power Allocation", "DPA"},
    {"TPH Requester", "TPH"},
    {"Latency Tolerance Reporting", "LTR"},
    {"Secondary PCI Express", "SecPCIe"},
    {"Protocol Multiplexing", "PMUX"},
    {"Process Address Space ID", "PASID"},
    {"LN Requester", "LNR"},
    {"Downstream Port Containment", "DPC"},
    {"L1 PM Substates", "L1SS"},
    {"Precision Time Measurement", "PTM"},
    {"PCI Express over M-PHY", "M-PCIe"},
    {"FRS Queueing", "FRS"},
    {"Readiness Time Reporting", "RTR"},
    {"Designated Vendor-Specific Extended", "DVSEC"},
    {"VF Resizable BAR", "VFReBAR"},
    {"Data Link Feature", "DLF"},
    {"Physical Layer 16.0 GT/s", "PL16GT"},
    {"Lane Margining at the Receiver", "LMR"},
    {"Hierarchy ID", "HID"},
    {"Native PCIe Enclosure Management", "NPEM"},
    {"Physical Layer 32.0 GT/s", "PL32GT"},
    {"Alternate Protocol", "AltProt"},
    {"System Firmware Intermediary", "SFI"},
    {"Shadow Functions", "SFunc"},
    {"Data Object Exchange", "DOE"},
    {"Device 3", "Dev3"},
    {"Integrity and Data Encryption", "IDE"},
    {"Physical Layer 64.0 GT/s", "PL64GT"},
    {"Flit Logging", "FlitLog"},
    {"Flit Performance Measurement", "FlitPerf"},
    {"Flit Error Injection", "FlitErrInj"},
}};

std::string hex(unsigned v, int width = 0)
{
    char buf[24];
    std::snprintf(buf, sizeof(buf), "0x%0*x", width, v);
    return buf;
}

std::string_view link_speed(unsigned code)
{
    switch (code) {
    case 1: return "2.5GT/s";
    case 2: return "5GT/s";
    case 3: return "8GT/s";
    case 4: return "16GT/s";
    case 5: return "32GT/s";
    case 6: return "64GT/s";
    default: return "unknown speed";
    }
}

std::string_view port_type(unsigned t)
{
    switch (t) {
    case 0: return "Endpoint";
    case 1: return "Legacy Endpoint";
    case 4: return "Root Port";
    case 5: return "Upstream Port";
    case 6: return "Downstream Port";
    case 7: return "PCIe-to-PCI Bridge";
    case 8: return "PCI-to-PCIe Bridge";
    case 9: return "Root Complex Integrated Endpoint";
    case 10: return "Root Complex Event Collector";
    default: return "Reserved port type";
    }
}

const char* pm(bool b) { return b ? "+" : "-"; }

}  // namespace

std::uint8_t cfg8(std::span<const std::uint8_t> config, std::size_t off) noexcept
{
    return off < config.size() ? config[off] : 0xff;
}

std::uint16_t cfg16(std::span<const std::uint8_t> config, std::size_t off) noexcept
{
    return static_cast<std::uint16_t>(cfg8(config, off) | cfg8(config, off + 1) << 8);
}

std::uint32_t cfg32(std::span<const std::uint8_t> config, std::size_t off) noexcept
{
    return static_cast<std::uint32_t>(cfg16(config, off)) |
           static_cast<std::uint32_t>(cfg16(config, off + 2)) << 16;
}

std::string_view cap_name(std::uint8_t id) noexcept
{
    return id < kCapNames.size() ? kCapNames[id].full : std::string_view();
}

std::string_view cap_abbrev(std::uint8_t id) noexcept
{
    return id < kCapNames.size() ? kCapNames[id].abbrev : std::string_view();
}

std::string_view ext_cap_name(std::uint16_t id) noexcept
{
    return id < kExtCapNames.size() ? kExtCapNames[id].full : std::string_view();
}

std::string_view ext_cap_abbrev(std::uint16_t id) noexcept
{
    return id < kExtCapNames.size() ? kExtCapNames[id].abbrev : std::string_view();
}

std::string Capability::name() const
{
    std::string_view n = extended ? ext_cap_name(id) : cap_name(static_cast<std::uint8_t>(id));
    if (!n.empty())
        return std::string(n);
    return std::string(extended ? "Unknown extended capability " : "Unknown capability ") +
           hex(id, extended ? 4 : 2);
}

std::string Capability::abbrev() const
{
    std::string_view n =
        extended ? ext_cap_abbrev(id) : cap_abbrev(static_cast<std::uint8_t>(id));
    return n.empty() ? hex(id, extended ? 4 : 2) : std::string(n);
}

CapabilityList walk_capabilities(std::span<const std::uint8_t> config)
{
    CapabilityList out;
    if (config.size() < 64) {
        out.problems.push_back("config space image shorter than the 64-byte header");
        return out;
    }
    if (cfg16(config, kVendorId) == 0xffff) {
        out.problems.push_back("vendor ID reads 0xffff: the function does not respond");
        return out;
    }

    if (cfg16(config, kStatus) & kStatusCapList) {
        const unsigned header = cfg8(config, kHeaderType) & 0x7f;
        std::size_t ptr = cfg8(config, header == 2 ? kCapPtrCardbus : kCapPtr);
        std::set<std::size_t> seen;
        const std::size_t std_end = std::min<std::size_t>(config.size(), 256);
        while (ptr != 0) {
            if (ptr & 3) {
                out.problems.push_back("capability pointer " + hex(static_cast<unsigned>(ptr), 2) +
                                       " is not dword aligned; the low bits are ignored");
                ptr &= ~std::size_t{3};
            }
            if (ptr < 0x40 || ptr + 2 > std_end) {
                out.problems.push_back("capability pointer " + hex(static_cast<unsigned>(ptr), 2) +
                                       " points outside 0x40..0xff; list ends there");
                break;
            }
            if (!seen.insert(ptr).second) {
                out.problems.push_back("capability list loops back to " +
                                       hex(static_cast<unsigned>(ptr), 2) + "; list ends there");
                break;
            }
            Capability c;
            c.id = cfg8(config, ptr);
            c.offset = static_cast<std::uint16_t>(ptr);
            out.caps.push_back(c);
            ptr = cfg8(config, ptr + 1);
        }
    }

    if (config.size() > 256) {
        std::size_t ptr = kExtCapStart;
        std::set<std::size_t> seen;
        while (true) {
            if (ptr & 3) {
                out.problems.push_back("extended capability pointer " +
                                       hex(static_cast<unsigned>(ptr), 3) +
                                       " is not dword aligned; the low bits are ignored");
                ptr &= ~std::size_t{3};
            }
            if (ptr < kExtCapStart || ptr + 4 > config.size()) {
                out.problems.push_back("extended capability pointer " +
                                       hex(static_cast<unsigned>(ptr), 3) +
                                       " points outside 0x100..0xfff; list ends there");
                break;
            }
            const std::uint32_t h = cfg32(config, ptr);
            // An empty list is a zero (or all-ones, on some bridges) header at 0x100.
            if (h == 0 || h == 0xffffffff)
                break;
            if (!seen.insert(ptr).second) {
                out.problems.push_back("extended capability list loops back to " +
                                       hex(static_cast<unsigned>(ptr), 3) + "; list ends there");
                break;
            }
            Capability c;
            c.extended = true;
            c.id = static_cast<std::uint16_t>(h & 0xffff);
            c.version = static_cast<std::uint8_t>((h >> 16) & 0xf);
            c.offset = static_cast<std::uint16_t>(ptr);
            out.caps.push_back(c);
            ptr = h >> 20;
            if (ptr == 0)
                break;
        }
    }
    return out;
}

std::optional<std::uint16_t> find_capability(std::span<const std::uint8_t> config, std::uint8_t id)
{
    for (const auto& c : walk_capabilities(config).caps)
        if (!c.extended && c.id == id)
            return c.offset;
    return std::nullopt;
}

std::optional<std::uint16_t> find_ext_capability(std::span<const std::uint8_t> config,
                                                 std::uint16_t id)
{
    for (const auto& c : walk_capabilities(config).caps)
        if (c.extended && c.id == id)
            return c.offset;
    return std::nullopt;
}

std::string describe_capability(std::span<const std::uint8_t> config, const Capability& cap)
{
    const std::size_t o = cap.offset;
    char buf[256];
    if (!cap.extended) {
        switch (cap.id) {
        case kCapPm: {
            const unsigned pmc = cfg16(config, o + 2);
            const unsigned pmcsr = cfg16(config, o + 4);
            std::snprintf(buf, sizeof(buf), "version %u, D1%s D2%s, PME from %s, now D%u, "
                          "No_Soft_Reset%s",
                          pmc & 7, pm(pmc & (1u << 9)), pm(pmc & (1u << 10)),
                          (pmc >> 11) ? hex(pmc >> 11, 2).c_str() : "none", pmcsr & 3,
                          pm(pmcsr & (1u << 3)));
            return buf;
        }
        case kCapMsi: {
            const unsigned ctl = cfg16(config, o + 2);
            std::snprintf(buf, sizeof(buf), "%u vectors capable, %u enabled, %s, "
                          "per-vector masking%s, %s",
                          1u << ((ctl >> 1) & 7), 1u << ((ctl >> 4) & 7),
                          (ctl & (1u << 7)) ? "64-bit" : "32-bit", pm(ctl & (1u << 8)),
                          (ctl & 1) ? "enabled" : "disabled");
            return buf;
        }
        case kCapPcie: {
            const unsigned caps = cfg16(config, o + 2);
            const std::uint32_t devcap = cfg32(config, o + 4);
            const std::uint32_t lnkcap = cfg32(config, o + 0x0c);
            const unsigned lnksta = cfg16(config, o + 0x12);
            std::snprintf(buf, sizeof(buf), "version %u, %s, MPS %u, FLR%s, link %s x%u "
                          "(max %s x%u)",
                          caps & 0xf, std::string(port_type((caps >> 4) & 0xf)).c_str(),
                          128u << (devcap & 7), pm(devcap & (1u << 28)),
                          std::string(link_speed(lnksta & 0xf)).c_str(), (lnksta >> 4) & 0x3f,
                          std::string(link_speed(lnkcap & 0xf)).c_str(), (lnkcap >> 4) & 0x3f);
            return buf;
        }
        case kCapMsix: {
            const unsigned ctl = cfg16(config, o + 2);
            const std::uint32_t table = cfg32(config, o + 4);
            const std::uint32_t pba = cfg32(config, o + 8);
            std::snprintf(buf, sizeof(buf), "%u vectors, table BAR%u+0x%x, PBA BAR%u+0x%x, "
                          "%s%s",
                          (ctl & 0x7ff) + 1, table & 7, table & ~7u, pba & 7, pba & ~7u,
                          (ctl & (1u << 15)) ? "enabled" : "disabled",
                          (ctl & (1u << 14)) ? ", function masked" : "");
            return buf;
        }
        case kCapVendor:
            std::snprintf(buf, sizeof(buf), "length %u", cfg8(config, o + 2));
            return buf;
        case kCapAf: {
            const unsigned afcap = cfg8(config, o + 3);
            std::snprintf(buf, sizeof(buf), "TP%s FLR%s", pm(afcap & 1), pm(afcap & 2));
            return buf;
        }
        default:
            return {};
        }
    }
    switch (cap.id) {
    case kExtCapDsn: {
        const std::uint32_t lo = cfg32(config, o + 4);
        const std::uint32_t hi = cfg32(config, o + 8);
        std::snprintf(buf, sizeof(buf), "serial %02x-%02x-%02x-%02x-%02x-%02x-%02x-%02x",
                      hi >> 24, (hi >> 16) & 0xff, (hi >> 8) & 0xff, hi & 0xff, lo >> 24,
                      (lo >> 16) & 0xff, (lo >> 8) & 0xff, lo & 0xff);
        return buf;
    }
    case kExtCapSriov: {
        std::snprintf(buf, sizeof(buf), "TotalVFs %u, InitialVFs %u, NumVFs %u, VF offset %u "
                      "stride %u, VF device ID 0x%04x",
                      cfg16(config, o + 0x0e), cfg16(config, o + 0x0c), cfg16(config, o + 0x10),
                      cfg16(config, o + 0x14), cfg16(config, o + 0x16), cfg16(config, o + 0x1a));
        return buf;
    }
    case kExtCapVendor: {
        const std::uint32_t h = cfg32(config, o + 4);
        std::snprintf(buf, sizeof(buf), "ID 0x%04x rev %u length %u", h & 0xffff,
                      (h >> 16) & 0xf, h >> 20);
        return buf;
    }
    case kExtCapAri: {
        const unsigned c = cfg16(config, o + 4);
        std::snprintf(buf, sizeof(buf), "next function %u", c >> 8);
        return buf;
    }
    default:
        return {};
    }
}

}  // namespace nvmetest::pci
