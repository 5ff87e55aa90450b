// SPDX-License-Identifier: BSD-3-Clause
//
// The Identify Controller data structure (CNS 01h, NVMe Base Specification
// 2.0, figure 275) as a fixed layout, little-endian like the device writes it.
#ifndef NVMETEST_NVME_IDENTIFY_H
#define NVMETEST_NVME_IDENTIFY_H

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
};
static_assert(sizeof(PowerStateDescriptor) == 32);

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
};
static_assert(sizeof(IdentifyController) == 4096);
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
