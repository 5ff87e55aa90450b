// SPDX-License-Identifier: BSD-3-Clause
//
// NVMe submission and completion queue entries (NVMe Base Specification 2.0,
// figures 88 and 89) as raw dwords with shift/mask accessors.  The dwords stay
// public and writable so that tests can build malformed commands on purpose:
// no setter validates anything.
#ifndef NVMETEST_NVME_COMMAND_H
#define NVMETEST_NVME_COMMAND_H

#include "nvmetest/cxx20.h"

#include "nvmetest/nvme/opcodes.h"
#include "nvmetest/nvme/sgl.h"

#include <bit>
#include <cstddef>
#include <cstdint>

namespace nvmetest::nvme {

static_assert(std::endian::native == std::endian::little,
              "NVMe structures are little-endian and are read in place");

// Fused operation (CDW0 bits 9:8).
namespace fuse {
inline constexpr std::uint8_t kNormal = 0;
inline constexpr std::uint8_t kFirst = 1;
inline constexpr std::uint8_t kSecond = 2;
} // namespace fuse

// PRP or SGL for data transfer (CDW0 bits 15:14).
namespace psdt {
inline constexpr std::uint8_t kPrp = 0;
inline constexpr std::uint8_t kSglContiguousMeta = 1; // MPTR is a byte-aligned buffer
inline constexpr std::uint8_t kSglMetaDescriptor = 2; // MPTR points to an SGL descriptor
} // namespace psdt

// 64-byte submission queue entry.
struct Sqe {
    std::uint32_t cdw[16];

    // Dword index of each named field; times 4 it is the spec's byte offset.
    static constexpr std::size_t kDwNsid = 1, kDwCdw2 = 2, kDwCdw3 = 3, kDwMptr = 4, kDwPrp1 = 6,
                                 kDwPrp2 = 8, kDwSgl1 = 6, kDwCdw10 = 10;

    // CDW0
    std::uint8_t opcode() const noexcept { return cdw[0] & 0xff; }
    std::uint8_t fuse() const noexcept { return (cdw[0] >> 8) & 0x3; }
    std::uint8_t psdt() const noexcept { return (cdw[0] >> 14) & 0x3; }
    std::uint16_t cid() const noexcept { return static_cast<std::uint16_t>(cdw[0] >> 16); }
    void set_opcode(std::uint8_t op) noexcept { cdw[0] = (cdw[0] & ~0xffu) | op; }
    void set_fuse(std::uint8_t f) noexcept { set_bits(0, 8, 2, f); }
    void set_psdt(std::uint8_t p) noexcept { set_bits(0, 14, 2, p); }
    void set_cid(std::uint16_t cid) noexcept {
        cdw[0] = (cdw[0] & 0xffffu) | std::uint32_t{cid} << 16;
    }

    std::uint32_t nsid() const noexcept { return cdw[kDwNsid]; }
    void set_nsid(std::uint32_t nsid) noexcept { cdw[kDwNsid] = nsid; }
    std::uint32_t cdw2() const noexcept { return cdw[kDwCdw2]; }
    void set_cdw2(std::uint32_t v) noexcept { cdw[kDwCdw2] = v; }
    std::uint32_t cdw3() const noexcept { return cdw[kDwCdw3]; }
    void set_cdw3(std::uint32_t v) noexcept { cdw[kDwCdw3] = v; }

    std::uint64_t mptr() const noexcept { return qword(kDwMptr); }
    void set_mptr(std::uint64_t a) noexcept { set_qword(kDwMptr, a); }
    std::uint64_t prp1() const noexcept { return qword(kDwPrp1); }
    void set_prp1(std::uint64_t a) noexcept { set_qword(kDwPrp1, a); }
    std::uint64_t prp2() const noexcept { return qword(kDwPrp2); }
    void set_prp2(std::uint64_t a) noexcept { set_qword(kDwPrp2, a); }

    // SGL1 overlays PRP1 and PRP2 (bytes 24..39).
    SglDescriptor sgl1() const noexcept {
        return SglDescriptor{{cdw[kDwSgl1], cdw[kDwSgl1 + 1], cdw[kDwSgl1 + 2], cdw[kDwSgl1 + 3]}};
    }
    void set_sgl1(const SglDescriptor& d) noexcept {
        for (std::size_t i = 0; i < 4; ++i)
            cdw[kDwSgl1 + i] = d.dw[i];
    }

    // CDW10..CDW15 (also reachable as cdw[10]..cdw[15]).
    std::uint32_t cdw10() const noexcept { return cdw[10]; }
    std::uint32_t cdw11() const noexcept { return cdw[11]; }
    std::uint32_t cdw12() const noexcept { return cdw[12]; }
    std::uint32_t cdw13() const noexcept { return cdw[13]; }
    std::uint32_t cdw14() const noexcept { return cdw[14]; }
    std::uint32_t cdw15() const noexcept { return cdw[15]; }
    void set_cdw10(std::uint32_t v) noexcept { cdw[10] = v; }
    void set_cdw11(std::uint32_t v) noexcept { cdw[11] = v; }
    void set_cdw12(std::uint32_t v) noexcept { cdw[12] = v; }
    void set_cdw13(std::uint32_t v) noexcept { cdw[13] = v; }
    void set_cdw14(std::uint32_t v) noexcept { cdw[14] = v; }
    void set_cdw15(std::uint32_t v) noexcept { cdw[15] = v; }

    // NVM command set view: SLBA in CDW10-11, NLB (0-based) in CDW12 bits 15:0.
    std::uint64_t slba() const noexcept { return qword(10); }
    void set_slba(std::uint64_t lba) noexcept { set_qword(10, lba); }
    // Number of logical blocks, 1-based like PyNVMe3's lba_count.
    std::uint32_t nlb() const noexcept { return (cdw[12] & 0xffff) + 1; }
    void set_nlb(std::uint32_t count) noexcept { set_bits(12, 0, 16, count - 1); }

private:
    std::uint64_t qword(std::size_t dw) const noexcept {
        return cdw[dw] | static_cast<std::uint64_t>(cdw[dw + 1]) << 32;
    }
    void set_qword(std::size_t dw, std::uint64_t v) noexcept {
        cdw[dw] = static_cast<std::uint32_t>(v);
        cdw[dw + 1] = static_cast<std::uint32_t>(v >> 32);
    }
    void set_bits(std::size_t dw, unsigned shift, unsigned width, std::uint32_t v) noexcept {
        const std::uint32_t mask = ((1u << width) - 1) << shift;
        cdw[dw] = (cdw[dw] & ~mask) | ((v << shift) & mask);
    }
};
static_assert(sizeof(Sqe) == 64);
static_assert(offsetof(Sqe, cdw) == 0);
static_assert(Sqe::kDwNsid * 4 == 0x04 && Sqe::kDwCdw2 * 4 == 0x08 && Sqe::kDwCdw3 * 4 == 0x0c);
static_assert(Sqe::kDwMptr * 4 == 0x10 && Sqe::kDwPrp1 * 4 == 0x18 && Sqe::kDwPrp2 * 4 == 0x20);
static_assert(Sqe::kDwSgl1 * 4 == 0x18 && Sqe::kDwCdw10 * 4 == 0x28);

// 16-byte completion queue entry.
struct Cqe {
    std::uint32_t dw[4];

    std::uint32_t cdw0() const noexcept { return dw[0]; }
    std::uint32_t result() const noexcept { return dw[0]; } // same as cdw0()
    std::uint32_t cdw1() const noexcept { return dw[1]; }
    std::uint16_t sqhd() const noexcept { return static_cast<std::uint16_t>(dw[2]); }
    std::uint16_t sqid() const noexcept { return static_cast<std::uint16_t>(dw[2] >> 16); }
    std::uint16_t cid() const noexcept { return static_cast<std::uint16_t>(dw[3]); }
    bool phase() const noexcept { return (dw[3] >> 16) & 1; }
    // Status field without the phase bit: SC in 7:0, SCT in 10:8, CRD 12:11, M 13, DNR 14.
    std::uint16_t status() const noexcept { return static_cast<std::uint16_t>(dw[3] >> 17); }
    // Phase and status as one 16-bit word (DW3 31:16), what PyNVMe3 callbacks call status1.
    std::uint16_t status1() const noexcept { return static_cast<std::uint16_t>(dw[3] >> 16); }
    std::uint8_t sc() const noexcept { return static_cast<std::uint8_t>(status() & 0xff); }
    std::uint8_t sct() const noexcept { return static_cast<std::uint8_t>((status() >> 8) & 7); }
    std::uint8_t crd() const noexcept { return static_cast<std::uint8_t>((status() >> 11) & 3); }
    bool more() const noexcept { return (status() >> 13) & 1; }
    bool dnr() const noexcept { return (status() >> 14) & 1; }
    bool ok() const noexcept { return (status() & 0x7ff) == 0; }

    // Setters exist so that tests and fake transports can forge completions.
    void set_cdw0(std::uint32_t v) noexcept { dw[0] = v; }
    void set_sqhd(std::uint16_t v) noexcept { dw[2] = (dw[2] & 0xffff0000u) | v; }
    void set_sqid(std::uint16_t v) noexcept { dw[2] = (dw[2] & 0xffffu) | std::uint32_t{v} << 16; }
    void set_cid(std::uint16_t v) noexcept { dw[3] = (dw[3] & 0xffff0000u) | v; }
    void set_phase(bool p) noexcept { dw[3] = (dw[3] & ~(1u << 16)) | std::uint32_t{p} << 16; }
    void set_status(std::uint16_t status) noexcept {
        dw[3] = (dw[3] & 0x1ffffu) | std::uint32_t{status} << 17;
    }
};
static_assert(sizeof(Cqe) == 16);
static_assert(offsetof(Cqe, dw) == 0);

// Builds a status field (as Cqe::status() returns it) from its parts.
constexpr std::uint16_t make_status(std::uint8_t sct, std::uint8_t sc, bool dnr = false,
                                    bool more = false, std::uint8_t crd = 0) noexcept {
    return static_cast<std::uint16_t>(sc | (sct & 7u) << 8 | (crd & 3u) << 11 |
                                      std::uint32_t{more} << 13 | std::uint32_t{dnr} << 14);
}

} // namespace nvmetest::nvme

#endif // NVMETEST_NVME_COMMAND_H
