// SPDX-License-Identifier: BSD-3-Clause
//
// The Identify Controller data structure (CNS 01h, NVMe Base Specification
// 2.0, figure 275) as a fixed layout, little-endian like the device writes it.
#ifndef NVMETEST_NVME_IDENTIFY_H
#define NVMETEST_NVME_IDENTIFY_H

#include "nvmetest/cxx20.h"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nvmetest::nvme {

// Power State Descriptor (32 bytes).
struct PowerStateDescriptor {
    std::uint16_t mp;      // maximum power (centiwatts, or 0.0001 W with MXPS)
    std::uint8_t rsvd2;
    std::uint8_t flags;    // bit 0 MXPS, bit 1 NOPS
    std::uint32_t enlat;   // entry latency, us
    std::uint32_t exlat;   // exit latency, us
    std::uint8_t rrt, rrl, rwt, rwl;
    std::uint16_t idlp;
    std::uint8_t ips;      // bits 7:6
    std::uint8_t rsvd19;
    std::uint16_t actp;
    std::uint8_t apw_aps;
    std::uint8_t rsvd23[9];

    bool mxps() const noexcept { return flags & 1; }  // MP in 0.0001 W instead of 0.01 W
    bool nops() const noexcept { return (flags >> 1) & 1; }  // non-operational state
    // Maximum power in microwatts, whatever the scale MXPS selects.
    std::uint64_t max_power_uw() const noexcept { return std::uint64_t{mp} * (mxps() ? 100 : 10000); }
    std::uint8_t relative_read_throughput() const noexcept { return rrt & 0x1f; }
    std::uint8_t relative_read_latency() const noexcept { return rrl & 0x1f; }
    std::uint8_t relative_write_throughput() const noexcept { return rwt & 0x1f; }
    std::uint8_t relative_write_latency() const noexcept { return rwl & 0x1f; }
    std::uint8_t idle_power_scale() const noexcept { return ips >> 6; }
    std::uint8_t active_power_scale() const noexcept { return apw_aps >> 6; }
    std::uint8_t active_power_workload() const noexcept { return apw_aps & 0x7; }
};
static_assert(sizeof(PowerStateDescriptor) == 32);
static_assert(offsetof(PowerStateDescriptor, mp) == 0);
static_assert(offsetof(PowerStateDescriptor, flags) == 3);
static_assert(offsetof(PowerStateDescriptor, enlat) == 4);
static_assert(offsetof(PowerStateDescriptor, exlat) == 8);
static_assert(offsetof(PowerStateDescriptor, rrt) == 12);
static_assert(offsetof(PowerStateDescriptor, rrl) == 13);
static_assert(offsetof(PowerStateDescriptor, rwt) == 14);
static_assert(offsetof(PowerStateDescriptor, rwl) == 15);
static_assert(offsetof(PowerStateDescriptor, idlp) == 16);
static_assert(offsetof(PowerStateDescriptor, ips) == 18);
static_assert(offsetof(PowerStateDescriptor, actp) == 20);
static_assert(offsetof(PowerStateDescriptor, apw_aps) == 22);

// Optional Admin Command Support (OACS) bits.
namespace oacs {
inline constexpr std::uint16_t kSecurity = 1u << 0;
inline constexpr std::uint16_t kFormatNvm = 1u << 1;
inline constexpr std::uint16_t kFirmware = 1u << 2;
inline constexpr std::uint16_t kNamespaceManagement = 1u << 3;
inline constexpr std::uint16_t kDeviceSelfTest = 1u << 4;
inline constexpr std::uint16_t kDirectives = 1u << 5;
inline constexpr std::uint16_t kNvmeMi = 1u << 6;
inline constexpr std::uint16_t kVirtualizationManagement = 1u << 7;
inline constexpr std::uint16_t kDoorbellBufferConfig = 1u << 8;
inline constexpr std::uint16_t kGetLbaStatus = 1u << 9;
inline constexpr std::uint16_t kLockdown = 1u << 10;
}  // namespace oacs

// Optional NVM Command Support (ONCS) bits.
namespace oncs {
inline constexpr std::uint16_t kCompare = 1u << 0;
inline constexpr std::uint16_t kWriteUncorrectable = 1u << 1;
inline constexpr std::uint16_t kDatasetManagement = 1u << 2;
inline constexpr std::uint16_t kWriteZeroes = 1u << 3;
inline constexpr std::uint16_t kSaveSelect = 1u << 4;
inline constexpr std::uint16_t kReservations = 1u << 5;
inline constexpr std::uint16_t kTimestamp = 1u << 6;
inline constexpr std::uint16_t kVerify = 1u << 7;
inline constexpr std::uint16_t kCopy = 1u << 8;
}  // namespace oncs

struct IdentifyController {
    std::uint16_t vid;          // 0
    std::uint16_t ssvid;        // 2
    char sn[20];                // 4
    char mn[40];                // 24
    char fr[8];                 // 64
    std::uint8_t rab;           // 72
    std::uint8_t ieee[3];       // 73
    std::uint8_t cmic;          // 76
    std::uint8_t mdts;          // 77
    std::uint16_t cntlid;       // 78
    std::uint32_t ver;          // 80
    std::uint32_t rtd3r;        // 84
    std::uint32_t rtd3e;        // 88
    std::uint32_t oaes;         // 92
    std::uint32_t ctratt;       // 96
    std::uint16_t rrls;         // 100
    std::uint8_t rsvd102[9];
    std::uint8_t cntrltype;     // 111
    std::uint8_t fguid[16];     // 112
    std::uint16_t crdt[3];      // 128
    std::uint8_t rsvd134[119];
    std::uint8_t nvmsr;         // 253
    std::uint8_t vwci;          // 254
    std::uint8_t mec;           // 255
    std::uint16_t oacs;         // 256
    std::uint8_t acl;           // 258
    std::uint8_t aerl;          // 259
    std::uint8_t frmw;          // 260
    std::uint8_t lpa;           // 261
    std::uint8_t elpe;          // 262
    std::uint8_t npss;          // 263
    std::uint8_t avscc;         // 264
    std::uint8_t apsta;         // 265
    std::uint16_t wctemp;       // 266
    std::uint16_t cctemp;       // 268
    std::uint16_t mtfa;         // 270
    std::uint32_t hmpre;        // 272
    std::uint32_t hmmin;        // 276
    std::uint8_t tnvmcap[16];   // 280
    std::uint8_t unvmcap[16];   // 296
    std::uint32_t rpmbs;        // 312
    std::uint16_t edstt;        // 316
    std::uint8_t dsto;          // 318
    std::uint8_t fwug;          // 319
    std::uint16_t kas;          // 320
    std::uint16_t hctma;        // 322
    std::uint16_t mntmt;        // 324
    std::uint16_t mxtmt;        // 326
    std::uint32_t sanicap;      // 328
    std::uint32_t hmminds;      // 332
    std::uint16_t hmmaxd;       // 336
    std::uint16_t nsetidmax;    // 338
    std::uint16_t endgidmax;    // 340
    std::uint8_t anatt;         // 342
    std::uint8_t anacap;        // 343
    std::uint32_t anagrpmax;    // 344
    std::uint32_t nanagrpid;    // 348
    std::uint32_t pels;         // 352
    std::uint16_t domainid;     // 356
    std::uint8_t rsvd358[10];
    std::uint8_t megcap[16];    // 368
    std::uint8_t rsvd384[128];
    std::uint8_t sqes;          // 512
    std::uint8_t cqes;          // 513
    std::uint16_t maxcmd;       // 514
    std::uint32_t nn;           // 516
    std::uint16_t oncs;         // 520
    std::uint16_t fuses;        // 522
    std::uint8_t fna;           // 524
    std::uint8_t vwc;           // 525
    std::uint16_t awun;         // 526
    std::uint16_t awupf;        // 528
    std::uint8_t icsvscc;       // 530
    std::uint8_t nwpc;          // 531
    std::uint16_t acwu;         // 532
    std::uint16_t ocfs;         // 534
    std::uint32_t sgls;         // 536
    std::uint32_t mnan;         // 540
    std::uint8_t maxdna[16];    // 544
    std::uint32_t maxcna;       // 560
    std::uint8_t rsvd564[204];
    char subnqn[256];           // 768
    std::uint8_t rsvd1024[768];
    std::uint32_t ioccsz;       // 1792
    std::uint32_t iorcsz;       // 1796
    std::uint16_t icdoff;       // 1800
    std::uint8_t fcatt;         // 1802
    std::uint8_t msdbd;         // 1803
    std::uint16_t ofcs;         // 1804
    std::uint8_t rsvd1806[242];
    PowerStateDescriptor psd[32];  // 2048
    std::uint8_t vs[1024];      // 3072

    // Copies a 4096-byte buffer; throws UsageError when data is shorter.
    static IdentifyController from_bytes(std::span<const std::uint8_t> data);

    // ASCII fields without their space padding.
    std::string serial() const;
    std::string model() const;
    std::string firmware() const;
    std::string subsystem_nqn() const;
    // MDTS in bytes for a memory page size; 0: no limit.
    std::uint64_t max_transfer_bytes(std::uint64_t page_size) const noexcept;
    // "1.4.0", or "not reported" when VER is 0 (NVMe 1.0/1.1 controllers).
    std::string version() const;
    // TNVMCAP/UNVMCAP low 64 bits (the high half is zero on any real device).
    std::uint64_t total_capacity() const noexcept;
    std::uint64_t unallocated_capacity() const noexcept;

    // (name, value) pairs in spec order for printing; values already formatted.
    std::vector<std::pair<std::string, std::string>> fields() const;

    // Bit fields, decoded.
    // SQES/CQES: required and maximum entry sizes in bytes (2^n).
    std::uint32_t sq_entry_min() const noexcept { return 1u << (sqes & 0xf); }
    std::uint32_t sq_entry_max() const noexcept { return 1u << (sqes >> 4); }
    std::uint32_t cq_entry_min() const noexcept { return 1u << (cqes & 0xf); }
    std::uint32_t cq_entry_max() const noexcept { return 1u << (cqes >> 4); }
    // FRMW: slot 1 read-only, number of slots, activation without reset.
    bool fw_slot1_read_only() const noexcept { return frmw & 1; }
    unsigned fw_slot_count() const noexcept { return (frmw >> 1) & 7; }
    bool fw_activate_without_reset() const noexcept { return (frmw >> 4) & 1; }
    // VWC bit 0: a volatile write cache is present.
    bool volatile_write_cache() const noexcept { return vwc & 1; }
    // SGLS bits 1:0: 0 no SGL support, 1 any alignment, 2 dword alignment required.
    unsigned sgl_support() const noexcept { return sgls & 3; }
    bool sgl_bit_bucket() const noexcept { return (sgls >> 16) & 1; }
    bool sgl_keyed() const noexcept { return (sgls >> 2) & 1; }
    // CMIC bit 1: more than one controller may attach to the subsystem.
    bool multi_controller() const noexcept { return (cmic >> 1) & 1; }
    // FUSES bit 0: Compare and Write fused operation.
    bool fused_compare_write() const noexcept { return fuses & 1; }
    // LPA bit 0: SMART log per namespace; bit 1: Commands Supported and Effects log.
    bool smart_per_namespace() const noexcept { return lpa & 1; }
    bool effects_log() const noexcept { return (lpa >> 1) & 1; }
    bool supports_admin(std::uint16_t oacs_bit) const noexcept { return oacs & oacs_bit; }
    bool supports_nvm(std::uint16_t oncs_bit) const noexcept { return oncs & oncs_bit; }
};
static_assert(sizeof(IdentifyController) == 4096);
static_assert(offsetof(IdentifyController, vid) == 0);
static_assert(offsetof(IdentifyController, ssvid) == 2);
static_assert(offsetof(IdentifyController, rab) == 72);
static_assert(offsetof(IdentifyController, ieee) == 73);
static_assert(offsetof(IdentifyController, cmic) == 76);
static_assert(offsetof(IdentifyController, rtd3r) == 84);
static_assert(offsetof(IdentifyController, rtd3e) == 88);
static_assert(offsetof(IdentifyController, oaes) == 92);
static_assert(offsetof(IdentifyController, ctratt) == 96);
static_assert(offsetof(IdentifyController, rrls) == 100);
static_assert(offsetof(IdentifyController, fguid) == 112);
static_assert(offsetof(IdentifyController, nvmsr) == 253);
static_assert(offsetof(IdentifyController, vwci) == 254);
static_assert(offsetof(IdentifyController, mec) == 255);
static_assert(offsetof(IdentifyController, acl) == 258);
static_assert(offsetof(IdentifyController, aerl) == 259);
static_assert(offsetof(IdentifyController, frmw) == 260);
static_assert(offsetof(IdentifyController, lpa) == 261);
static_assert(offsetof(IdentifyController, elpe) == 262);
static_assert(offsetof(IdentifyController, npss) == 263);
static_assert(offsetof(IdentifyController, avscc) == 264);
static_assert(offsetof(IdentifyController, apsta) == 265);
static_assert(offsetof(IdentifyController, cctemp) == 268);
static_assert(offsetof(IdentifyController, mtfa) == 270);
static_assert(offsetof(IdentifyController, hmpre) == 272);
static_assert(offsetof(IdentifyController, hmmin) == 276);
static_assert(offsetof(IdentifyController, unvmcap) == 296);
static_assert(offsetof(IdentifyController, rpmbs) == 312);
static_assert(offsetof(IdentifyController, edstt) == 316);
static_assert(offsetof(IdentifyController, dsto) == 318);
static_assert(offsetof(IdentifyController, fwug) == 319);
static_assert(offsetof(IdentifyController, kas) == 320);
static_assert(offsetof(IdentifyController, hctma) == 322);
static_assert(offsetof(IdentifyController, mntmt) == 324);
static_assert(offsetof(IdentifyController, mxtmt) == 326);
static_assert(offsetof(IdentifyController, hmminds) == 332);
static_assert(offsetof(IdentifyController, hmmaxd) == 336);
static_assert(offsetof(IdentifyController, nsetidmax) == 338);
static_assert(offsetof(IdentifyController, endgidmax) == 340);
static_assert(offsetof(IdentifyController, anatt) == 342);
static_assert(offsetof(IdentifyController, anacap) == 343);
static_assert(offsetof(IdentifyController, anagrpmax) == 344);
static_assert(offsetof(IdentifyController, nanagrpid) == 348);
static_assert(offsetof(IdentifyController, domainid) == 356);
static_assert(offsetof(IdentifyController, cqes) == 513);
static_assert(offsetof(IdentifyController, maxcmd) == 514);
static_assert(offsetof(IdentifyController, fuses) == 522);
static_assert(offsetof(IdentifyController, fna) == 524);
static_assert(offsetof(IdentifyController, awun) == 526);
static_assert(offsetof(IdentifyController, awupf) == 528);
static_assert(offsetof(IdentifyController, icsvscc) == 530);
static_assert(offsetof(IdentifyController, nwpc) == 531);
static_assert(offsetof(IdentifyController, acwu) == 532);
static_assert(offsetof(IdentifyController, ocfs) == 534);
static_assert(offsetof(IdentifyController, mnan) == 540);
static_assert(offsetof(IdentifyController, maxdna) == 544);
static_assert(offsetof(IdentifyController, iorcsz) == 1796);
static_assert(offsetof(IdentifyController, icdoff) == 1800);
static_assert(offsetof(IdentifyController, fcatt) == 1802);
static_assert(offsetof(IdentifyController, ofcs) == 1804);
static_assert(offsetof(IdentifyController, sn) == 4);
static_assert(offsetof(IdentifyController, mn) == 24);
static_assert(offsetof(IdentifyController, fr) == 64);
static_assert(offsetof(IdentifyController, mdts) == 77);
static_assert(offsetof(IdentifyController, cntlid) == 78);
static_assert(offsetof(IdentifyController, ver) == 80);
static_assert(offsetof(IdentifyController, cntrltype) == 111);
static_assert(offsetof(IdentifyController, crdt) == 128);
static_assert(offsetof(IdentifyController, oacs) == 256);
static_assert(offsetof(IdentifyController, wctemp) == 266);
static_assert(offsetof(IdentifyController, tnvmcap) == 280);
static_assert(offsetof(IdentifyController, sanicap) == 328);
static_assert(offsetof(IdentifyController, pels) == 352);
static_assert(offsetof(IdentifyController, megcap) == 368);
static_assert(offsetof(IdentifyController, sqes) == 512);
static_assert(offsetof(IdentifyController, nn) == 516);
static_assert(offsetof(IdentifyController, oncs) == 520);
static_assert(offsetof(IdentifyController, vwc) == 525);
static_assert(offsetof(IdentifyController, sgls) == 536);
static_assert(offsetof(IdentifyController, maxcna) == 560);
static_assert(offsetof(IdentifyController, subnqn) == 768);
static_assert(offsetof(IdentifyController, ioccsz) == 1792);
static_assert(offsetof(IdentifyController, msdbd) == 1803);
static_assert(offsetof(IdentifyController, psd) == 2048);
static_assert(offsetof(IdentifyController, vs) == 3072);

// Trims trailing spaces and NULs of a fixed-width ASCII field.
std::string trim_ascii(std::string_view field);

}  // namespace nvmetest::nvme

#endif  // NVMETEST_NVME_IDENTIFY_H
