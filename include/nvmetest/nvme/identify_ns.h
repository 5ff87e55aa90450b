// SPDX-License-Identifier: BSD-3-Clause
//
// The Identify Namespace data structure of the NVM command set (CNS 00h; NVM
// Command Set Specification 1.0, figure 97) as a fixed little-endian layout.
#ifndef NVMETEST_NVME_IDENTIFY_NS_H
#define NVMETEST_NVME_IDENTIFY_NS_H

#include "nvmetest/cxx20.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace nvmetest::nvme {

// LBA Format data structure (4 bytes): MS 15:0, LBADS 23:16, RP 25:24.
struct LbaFormat {
    std::uint16_t ms;    // metadata bytes per LBA
    std::uint8_t lbads;  // LBA data size as a power of two; 0: format not available
    std::uint8_t rp_raw; // relative performance in bits 1:0

    std::uint32_t data_size() const noexcept { return lbads ? 1u << lbads : 0; }
    std::uint8_t rp() const noexcept { return rp_raw & 3; }
};
static_assert(sizeof(LbaFormat) == 4);
static_assert(offsetof(LbaFormat, ms) == 0);
static_assert(offsetof(LbaFormat, lbads) == 2);
static_assert(offsetof(LbaFormat, rp_raw) == 3);

// NSFEAT bits.
namespace nsfeat {
inline constexpr std::uint8_t kThinProvisioning = 1u << 0;
inline constexpr std::uint8_t kNsAtomicParameters = 1u << 1;
inline constexpr std::uint8_t kDeallocatedErrors = 1u << 2;
inline constexpr std::uint8_t kUidReuse = 1u << 3;
inline constexpr std::uint8_t kOptimalPerformance = 1u << 4;
} // namespace nsfeat

struct IdentifyNamespace {
    std::uint64_t nsze;      // 0: namespace size, LBAs
    std::uint64_t ncap;      // 8: namespace capacity, LBAs
    std::uint64_t nuse;      // 16: namespace utilization, LBAs
    std::uint8_t nsfeat;     // 24
    std::uint8_t nlbaf;      // 25: number of LBA formats, 0-based
    std::uint8_t flbas;      // 26: formatted LBA size
    std::uint8_t mc;         // 27: metadata capabilities
    std::uint8_t dpc;        // 28: end-to-end data protection capabilities
    std::uint8_t dps;        // 29: end-to-end data protection type settings
    std::uint8_t nmic;       // 30
    std::uint8_t rescap;     // 31
    std::uint8_t fpi;        // 32: format progress indicator
    std::uint8_t dlfeat;     // 33
    std::uint16_t nawun;     // 34
    std::uint16_t nawupf;    // 36
    std::uint16_t nacwu;     // 38
    std::uint16_t nabsn;     // 40
    std::uint16_t nabo;      // 42
    std::uint16_t nabspf;    // 44
    std::uint16_t noiob;     // 46
    std::uint8_t nvmcap[16]; // 48
    std::uint16_t npwg;      // 64
    std::uint16_t npwa;      // 66
    std::uint16_t npdg;      // 68
    std::uint16_t npda;      // 70
    std::uint16_t nows;      // 72
    std::uint16_t mssrl;     // 74: maximum single source range length (copy)
    std::uint32_t mcl;       // 76: maximum copy length
    std::uint8_t msrc;       // 80: maximum source range count, 0-based
    std::uint8_t kpios;      // 81
    std::uint8_t nulbaf;     // 82: number of unique capability LBA formats
    std::uint8_t rsvd83;
    std::uint32_t kpiodaag; // 84
    std::uint8_t rsvd88[4];
    std::uint32_t anagrpid; // 92
    std::uint8_t rsvd96[3];
    std::uint8_t nsattr;    // 99
    std::uint16_t nvmsetid; // 100
    std::uint16_t endgid;   // 102
    std::uint8_t nguid[16]; // 104
    std::uint8_t eui64[8];  // 120
    LbaFormat lbaf[64];     // 128
    std::uint8_t rsvd384[2688];
    std::uint8_t vs[1024]; // 3072

    // Copies a 4096-byte buffer; throws UsageError when data is shorter.
    static IdentifyNamespace from_bytes(std::span<const std::uint8_t> data);

    // Index of the LBA format in use: FLBAS bits 3:0, extended by bits 6:5 when
    // more than 16 formats exist.
    unsigned lba_format_index() const noexcept {
        const unsigned low = flbas & 0xf;
        return nlbaf >= 16 ? low | ((flbas >> 5) & 3u) << 4 : low;
    }
    const LbaFormat& lba_format() const noexcept { return lbaf[lba_format_index()]; }
    // Data bytes per LBA of the formatted LBA format (the sector size).
    std::uint32_t lba_size() const noexcept { return lba_format().data_size(); }
    // Metadata bytes per LBA of the formatted LBA format.
    std::uint16_t meta_size() const noexcept { return lba_format().ms; }
    // FLBAS bit 4: metadata travels at the end of each LBA (extended LBA).
    bool extended_lba() const noexcept { return (flbas >> 4) & 1; }
    unsigned lba_format_count() const noexcept { return nlbaf + 1u; }
    // DPS bits 2:0: protection information type 0 (none) to 3.
    unsigned pi_type() const noexcept { return dps & 7; }
    bool pi_first() const noexcept { return (dps >> 3) & 1; }
    bool thin_provisioning() const noexcept { return nsfeat & nsfeat::kThinProvisioning; }
    // Index of the first LBA format with these sizes, as PyNVMe3's get_lba_format.
    std::optional<unsigned> find_lba_format(std::uint32_t data_size,
                                            std::uint16_t meta_size) const noexcept;
};
static_assert(sizeof(IdentifyNamespace) == 4096);
static_assert(offsetof(IdentifyNamespace, nsze) == 0);
static_assert(offsetof(IdentifyNamespace, ncap) == 8);
static_assert(offsetof(IdentifyNamespace, nuse) == 16);
static_assert(offsetof(IdentifyNamespace, nsfeat) == 24);
static_assert(offsetof(IdentifyNamespace, nlbaf) == 25);
static_assert(offsetof(IdentifyNamespace, flbas) == 26);
static_assert(offsetof(IdentifyNamespace, mc) == 27);
static_assert(offsetof(IdentifyNamespace, dpc) == 28);
static_assert(offsetof(IdentifyNamespace, dps) == 29);
static_assert(offsetof(IdentifyNamespace, nmic) == 30);
static_assert(offsetof(IdentifyNamespace, rescap) == 31);
static_assert(offsetof(IdentifyNamespace, fpi) == 32);
static_assert(offsetof(IdentifyNamespace, dlfeat) == 33);
static_assert(offsetof(IdentifyNamespace, nawun) == 34);
static_assert(offsetof(IdentifyNamespace, nawupf) == 36);
static_assert(offsetof(IdentifyNamespace, nacwu) == 38);
static_assert(offsetof(IdentifyNamespace, nabsn) == 40);
static_assert(offsetof(IdentifyNamespace, nabo) == 42);
static_assert(offsetof(IdentifyNamespace, nabspf) == 44);
static_assert(offsetof(IdentifyNamespace, noiob) == 46);
static_assert(offsetof(IdentifyNamespace, nvmcap) == 48);
static_assert(offsetof(IdentifyNamespace, npwg) == 64);
static_assert(offsetof(IdentifyNamespace, npwa) == 66);
static_assert(offsetof(IdentifyNamespace, npdg) == 68);
static_assert(offsetof(IdentifyNamespace, npda) == 70);
static_assert(offsetof(IdentifyNamespace, nows) == 72);
static_assert(offsetof(IdentifyNamespace, mssrl) == 74);
static_assert(offsetof(IdentifyNamespace, mcl) == 76);
static_assert(offsetof(IdentifyNamespace, msrc) == 80);
static_assert(offsetof(IdentifyNamespace, kpios) == 81);
static_assert(offsetof(IdentifyNamespace, nulbaf) == 82);
static_assert(offsetof(IdentifyNamespace, kpiodaag) == 84);
static_assert(offsetof(IdentifyNamespace, anagrpid) == 92);
static_assert(offsetof(IdentifyNamespace, nsattr) == 99);
static_assert(offsetof(IdentifyNamespace, nvmsetid) == 100);
static_assert(offsetof(IdentifyNamespace, endgid) == 102);
static_assert(offsetof(IdentifyNamespace, nguid) == 104);
static_assert(offsetof(IdentifyNamespace, eui64) == 120);
static_assert(offsetof(IdentifyNamespace, lbaf) == 128);
static_assert(offsetof(IdentifyNamespace, vs) == 3072);

} // namespace nvmetest::nvme

#endif // NVMETEST_NVME_IDENTIFY_NS_H
