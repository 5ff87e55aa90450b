// SPDX-License-Identifier: BSD-3-Clause
#include "nvmetest/device_info.h"

#include <cstdio>

namespace nvmetest {

std::string_view to_string(ResetMethod m) noexcept
{
    switch (m) {
    case ResetMethod::Flr: return "flr";
    case ResetMethod::Hot: return "hot";
    case ResetMethod::Link: return "link";
    case ResetMethod::Pm: return "pm";
    }
    return "unknown";
}

std::optional<ResetMethod> parse_reset_method(std::string_view s) noexcept
{
    for (auto m : {ResetMethod::Flr, ResetMethod::Hot, ResetMethod::Link, ResetMethod::Pm})
        if (s == to_string(m))
            return m;
    return std::nullopt;
}

std::string_view to_string(IrqType t) noexcept
{
    switch (t) {
    case IrqType::None: return "none";
    case IrqType::Intx: return "intx";
    case IrqType::Msi: return "msi";
    case IrqType::Msix: return "msix";
    }
    return "unknown";
}

std::optional<IrqType> parse_irq_type(std::string_view s) noexcept
{
    for (auto t : {IrqType::None, IrqType::Intx, IrqType::Msi, IrqType::Msix})
        if (s == to_string(t))
            return t;
    if (s == "msi-x")
        return IrqType::Msix;
    return std::nullopt;
}

std::uint32_t DeviceInfo::vectors(IrqType t) const noexcept
{
    switch (t) {
    case IrqType::Intx: return intx ? 1 : 0;
    case IrqType::Msi: return msi_vectors;
    case IrqType::Msix: return msix_vectors;
    case IrqType::None: return 0;
    }
    return 0;
}

std::string class_name(std::uint32_t class_code)
{
    const unsigned base = (class_code >> 16) & 0xff;
    const unsigned sub = (class_code >> 8) & 0xff;
    const unsigned pi = class_code & 0xff;
    switch (base) {
    case 0x00: return "Unclassified device";
    case 0x01:
        switch (sub) {
        case 0x00: return "SCSI storage controller";
        case 0x01: return "IDE interface";
        case 0x04: return "RAID bus controller";
        case 0x06: return pi == 0x01 ? "SATA controller (AHCI)" : "SATA controller";
        case 0x07: return "Serial Attached SCSI controller";
        case 0x08:
            switch (pi) {
            case 0x01: return "Non-Volatile memory controller (NVMHCI)";
            case 0x02: return "Non-Volatile memory controller (NVM Express)";
            case 0x03: return "Non-Volatile memory controller (NVM Express admin-only)";
            default: return "Non-Volatile memory controller";
            }
        default: return "Mass storage controller";
        }
    case 0x02: return "Network controller";
    case 0x03: return "Display controller";
    case 0x04: return "Multimedia controller";
    case 0x05: return "Memory controller";
    case 0x06:
        switch (sub) {
        case 0x00: return "Host bridge";
        case 0x01: return "ISA bridge";
        case 0x04: return "PCI bridge";
        default: return "Bridge";
        }
    case 0x07: return "Communication controller";
    case 0x08: return "Generic system peripheral";
    case 0x0c: return "Serial bus controller";
    case 0xff: return "Unassigned class";
    default: return "Class " + std::to_string(base);
    }
}

std::string DeviceInfo::summary() const
{
    char buf[96];
    std::snprintf(buf, sizeof(buf), "%04x:%04x rev %02x class %06x", vendor_id, device_id,
                  revision, class_code);
    return bdf.to_string() + " " + buf + " (" + class_name(class_code) + ")";
}

}  // namespace nvmetest
