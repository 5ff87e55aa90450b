// SPDX-License-Identifier: BSD-3-Clause
//
// NVMe submission and completion queue entries as raw dwords with accessors,
// so that tests can build malformed commands on purpose.
#ifndef NVMETEST_NVME_COMMAND_H
#define NVMETEST_NVME_COMMAND_H

#include <cstddef>
#include <cstdint>

namespace nvmetest::nvme {

// Admin opcodes used by the tools; the full set lives with the Controller.
namespace admin {
inline constexpr std::uint8_t kDeleteIoSq = 0x00;
inline constexpr std::uint8_t kCreateIoSq = 0x01;
inline constexpr std::uint8_t kGetLogPage = 0x02;
inline constexpr std::uint8_t kDeleteIoCq = 0x04;
inline constexpr std::uint8_t kCreateIoCq = 0x05;
inline constexpr std::uint8_t kIdentify = 0x06;
inline constexpr std::uint8_t kAbort = 0x08;
inline constexpr std::uint8_t kSetFeatures = 0x09;
inline constexpr std::uint8_t kGetFeatures = 0x0a;
inline constexpr std::uint8_t kAsyncEventRequest = 0x0c;
}  // namespace admin

// Identify CNS values.
namespace cns {
inline constexpr std::uint8_t kNamespace = 0x00;
inline constexpr std::uint8_t kController = 0x01;
inline constexpr std::uint8_t kActiveNsList = 0x02;
}  // namespace cns

// 64-byte submission queue entry.
struct Sqe {
    std::uint32_t cdw[16];

    std::uint8_t opcode() const noexcept { return cdw[0] & 0xff; }
    std::uint16_t cid() const noexcept { return static_cast<std::uint16_t>(cdw[0] >> 16); }
    std::uint32_t nsid() const noexcept { return cdw[1]; }
    std::uint64_t prp1() const noexcept { return cdw[6] | static_cast<std::uint64_t>(cdw[7]) << 32; }
    std::uint64_t prp2() const noexcept { return cdw[8] | static_cast<std::uint64_t>(cdw[9]) << 32; }

    void set_opcode(std::uint8_t op) noexcept { cdw[0] = (cdw[0] & ~0xffu) | op; }
    void set_cid(std::uint16_t cid) noexcept { cdw[0] = (cdw[0] & 0xffffu) | std::uint32_t{cid} << 16; }
    void set_nsid(std::uint32_t nsid) noexcept { cdw[1] = nsid; }
    void set_prp1(std::uint64_t a) noexcept
    {
        cdw[6] = static_cast<std::uint32_t>(a);
        cdw[7] = static_cast<std::uint32_t>(a >> 32);
    }
    void set_prp2(std::uint64_t a) noexcept
    {
        cdw[8] = static_cast<std::uint32_t>(a);
        cdw[9] = static_cast<std::uint32_t>(a >> 32);
    }
};
static_assert(sizeof(Sqe) == 64);

// 16-byte completion queue entry.
struct Cqe {
    std::uint32_t dw[4];

    std::uint32_t result() const noexcept { return dw[0]; }
    std::uint16_t sqhd() const noexcept { return static_cast<std::uint16_t>(dw[2]); }
    std::uint16_t sqid() const noexcept { return static_cast<std::uint16_t>(dw[2] >> 16); }
    std::uint16_t cid() const noexcept { return static_cast<std::uint16_t>(dw[3]); }
    bool phase() const noexcept { return (dw[3] >> 16) & 1; }
    // Status field without the phase bit: SC in 7:0, SCT in 10:8, CRD 12:11, M 13, DNR 14.
    std::uint16_t status() const noexcept { return static_cast<std::uint16_t>(dw[3] >> 17); }
    std::uint8_t sc() const noexcept { return status() & 0xff; }
    std::uint8_t sct() const noexcept { return (status() >> 8) & 7; }
    bool more() const noexcept { return (status() >> 13) & 1; }
    bool dnr() const noexcept { return (status() >> 14) & 1; }
    bool ok() const noexcept { return (status() & 0x7ff) == 0; }
};
static_assert(sizeof(Cqe) == 16);

}  // namespace nvmetest::nvme

#endif  // NVMETEST_NVME_COMMAND_H
