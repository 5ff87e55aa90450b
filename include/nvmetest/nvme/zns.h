// SPDX-License-Identifier: BSD-3-Clause
//
// Zoned Namespace command set structures (NVMe ZNS Command Set Specification
// 1.1): identify namespace and controller (CNS 05h/06h with CSI 02h), the zone
// descriptor and report header of Zone Management Receive, and the actions of
// Zone Management Send/Receive.
#ifndef NVMETEST_NVME_ZNS_H
#define NVMETEST_NVME_ZNS_H

#include "nvmetest/cxx20.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace nvmetest::nvme {

// LBA Format Extension (16 bytes): zone size and descriptor extension size.
struct ZnsLbaFormatExtension {
    std::uint64_t zsze; // zone size in LBAs
    std::uint8_t zdes;  // zone descriptor extension size in 64-byte units
    std::uint8_t rsvd9[7];
};
static_assert(sizeof(ZnsLbaFormatExtension) == 16);
static_assert(offsetof(ZnsLbaFormatExtension, zdes) == 8);

struct ZnsIdentifyNamespace {
    std::uint16_t zoc;  // 0: zone operation characteristics
    std::uint16_t ozcs; // 2: optional zoned command support
    std::uint32_t mar;  // 4: maximum active resources, 0-based (FFFFFFFFh: no limit)
    std::uint32_t mor;  // 8: maximum open resources, 0-based
    std::uint32_t rrl;  // 12: reset recommended limit, seconds
    std::uint32_t frl;  // 16: finish recommended limit, seconds
    std::uint8_t rsvd20[2796];
    ZnsLbaFormatExtension lbafe[64]; // 2816
    std::uint8_t vs[256];            // 3840

    // MAR/MOR are 0-based; the all-ones value means "no limit", returned as 0.
    std::uint32_t max_active_zones() const noexcept { return mar == 0xffffffffu ? 0 : mar + 1; }
    std::uint32_t max_open_zones() const noexcept { return mor == 0xffffffffu ? 0 : mor + 1; }
    bool variable_zone_capacity() const noexcept { return zoc & 1; }
    bool read_across_zone_boundaries() const noexcept { return ozcs & 1; }
};
static_assert(sizeof(ZnsIdentifyNamespace) == 4096);
static_assert(offsetof(ZnsIdentifyNamespace, zoc) == 0);
static_assert(offsetof(ZnsIdentifyNamespace, ozcs) == 2);
static_assert(offsetof(ZnsIdentifyNamespace, mar) == 4);
static_assert(offsetof(ZnsIdentifyNamespace, mor) == 8);
static_assert(offsetof(ZnsIdentifyNamespace, rrl) == 12);
static_assert(offsetof(ZnsIdentifyNamespace, frl) == 16);
static_assert(offsetof(ZnsIdentifyNamespace, lbafe) == 2816);
static_assert(offsetof(ZnsIdentifyNamespace, vs) == 3840);

struct ZnsIdentifyController {
    std::uint8_t zasl; // 0: zone append size limit, power of two in CAP.MPSMIN units; 0: MDTS
    std::uint8_t rsvd1[4095];
};
static_assert(sizeof(ZnsIdentifyController) == 4096);
static_assert(offsetof(ZnsIdentifyController, zasl) == 0);

namespace zone_type {
inline constexpr std::uint8_t kSequentialWriteRequired = 0x2;
}

namespace zone_state {
inline constexpr std::uint8_t kEmpty = 0x1;
inline constexpr std::uint8_t kImplicitlyOpened = 0x2;
inline constexpr std::uint8_t kExplicitlyOpened = 0x3;
inline constexpr std::uint8_t kClosed = 0x4;
inline constexpr std::uint8_t kReadOnly = 0xd;
inline constexpr std::uint8_t kFull = 0xe;
inline constexpr std::uint8_t kOffline = 0xf;
} // namespace zone_state

// "Empty", "Full", ...; "Reserved" for other values.
std::string_view zone_state_name(std::uint8_t state) noexcept;

// Zone Management Send actions (CDW13 bits 7:0).
namespace zone_send_action {
inline constexpr std::uint8_t kClose = 0x01;
inline constexpr std::uint8_t kFinish = 0x02;
inline constexpr std::uint8_t kOpen = 0x03;
inline constexpr std::uint8_t kReset = 0x04;
inline constexpr std::uint8_t kOffline = 0x05;
inline constexpr std::uint8_t kSetDescriptorExtension = 0x10;
inline constexpr std::uint8_t kFlushExplicitZrwa = 0x11;
} // namespace zone_send_action

// Zone Management Receive actions (CDW13 bits 7:0) and report filters (bits 15:8).
namespace zone_receive_action {
inline constexpr std::uint8_t kReportZones = 0x00;
inline constexpr std::uint8_t kExtendedReportZones = 0x01;
} // namespace zone_receive_action

// Zone descriptor (64 bytes) of a zone report.
struct ZoneDescriptor {
    std::uint8_t zt;  // 0: zone type in bits 3:0
    std::uint8_t zs;  // 1: zone state in bits 7:4
    std::uint8_t za;  // 2: zone attributes
    std::uint8_t zai; // 3: zone attributes information
    std::uint8_t rsvd4[4];
    std::uint64_t zcap;  // 8: zone capacity, LBAs
    std::uint64_t zslba; // 16: zone start LBA
    std::uint64_t wp;    // 24: write pointer
    std::uint8_t rsvd32[32];

    std::uint8_t type() const noexcept { return zt & 0xf; }
    std::uint8_t state() const noexcept { return zs >> 4; }
    bool finished_by_controller() const noexcept { return za & 1; }
    bool finish_recommended() const noexcept { return (za >> 1) & 1; }
    bool reset_recommended() const noexcept { return (za >> 2) & 1; }
    bool descriptor_extension_valid() const noexcept { return (za >> 7) & 1; }
};
static_assert(sizeof(ZoneDescriptor) == 64);
static_assert(offsetof(ZoneDescriptor, zt) == 0);
static_assert(offsetof(ZoneDescriptor, zs) == 1);
static_assert(offsetof(ZoneDescriptor, za) == 2);
static_assert(offsetof(ZoneDescriptor, zai) == 3);
static_assert(offsetof(ZoneDescriptor, zcap) == 8);
static_assert(offsetof(ZoneDescriptor, zslba) == 16);
static_assert(offsetof(ZoneDescriptor, wp) == 24);

// Header of a zone report; the descriptors follow at byte 64.
struct ZoneReportHeader {
    std::uint64_t nr_zones; // 0
    std::uint8_t rsvd8[56];
};
static_assert(sizeof(ZoneReportHeader) == 64);
static_assert(offsetof(ZoneReportHeader, nr_zones) == 0);

} // namespace nvmetest::nvme

#endif // NVMETEST_NVME_ZNS_H
