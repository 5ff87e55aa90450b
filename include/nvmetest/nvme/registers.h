// SPDX-License-Identifier: BSD-3-Clause
//
// NVMe controller registers (NVMe Base Specification 2.0, section 3.1):
// offsets, field accessors, and a decoding table for tools.  Pure data and
// logic: it reads values that some transport fetched.
#ifndef NVMETEST_NVME_REGISTERS_H
#define NVMETEST_NVME_REGISTERS_H

#include "nvmetest/cxx20.h"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace nvmetest::nvme {

namespace reg {
inline constexpr std::uint32_t kCap = 0x00;      // 64-bit
inline constexpr std::uint32_t kVs = 0x08;
inline constexpr std::uint32_t kIntms = 0x0c;
inline constexpr std::uint32_t kIntmc = 0x10;
inline constexpr std::uint32_t kCc = 0x14;
inline constexpr std::uint32_t kCsts = 0x1c;
inline constexpr std::uint32_t kNssr = 0x20;
inline constexpr std::uint32_t kAqa = 0x24;
inline constexpr std::uint32_t kAsq = 0x28;      // 64-bit
inline constexpr std::uint32_t kAcq = 0x30;      // 64-bit
inline constexpr std::uint32_t kCmbloc = 0x38;
inline constexpr std::uint32_t kCmbsz = 0x3c;
inline constexpr std::uint32_t kBpinfo = 0x40;
inline constexpr std::uint32_t kBprsel = 0x44;
inline constexpr std::uint32_t kBpmbl = 0x48;    // 64-bit
inline constexpr std::uint32_t kCmbmsc = 0x50;   // 64-bit
inline constexpr std::uint32_t kCmbsts = 0x58;
inline constexpr std::uint32_t kCmbebs = 0x5c;
inline constexpr std::uint32_t kCmbswtp = 0x60;
inline constexpr std::uint32_t kNssd = 0x64;
inline constexpr std::uint32_t kCrto = 0x68;
inline constexpr std::uint32_t kPmrcap = 0xe00;
inline constexpr std::uint32_t kPmrctl = 0xe04;
inline constexpr std::uint32_t kPmrsts = 0xe08;
inline constexpr std::uint32_t kPmrebs = 0xe0c;
inline constexpr std::uint32_t kPmrswtp = 0xe10;
inline constexpr std::uint32_t kPmrmscl = 0xe14;
inline constexpr std::uint32_t kPmrmscu = 0xe18;
inline constexpr std::uint32_t kDoorbellBase = 0x1000;

// NSSR value that starts an NVM subsystem reset ("NVMe").
inline constexpr std::uint32_t kNssrReset = 0x4e564d65;

// Offset of SQ y's tail doorbell and CQ y's head doorbell.
constexpr std::uint32_t sq_tail_doorbell(std::uint16_t qid, unsigned dstrd) noexcept
{
    return kDoorbellBase + (2u * qid) * (4u << dstrd);
}
constexpr std::uint32_t cq_head_doorbell(std::uint16_t qid, unsigned dstrd) noexcept
{
    return kDoorbellBase + (2u * qid + 1u) * (4u << dstrd);
}
}  // namespace reg

constexpr std::uint64_t bits(std::uint64_t v, unsigned lsb, unsigned width) noexcept
{
    return (v >> lsb) & (width >= 64 ? ~0ull : ((1ull << width) - 1));
}

// CAP fields.
namespace cap {
constexpr std::uint32_t mqes(std::uint64_t v) noexcept { return static_cast<std::uint32_t>(bits(v, 0, 16)); }
constexpr bool cqr(std::uint64_t v) noexcept { return bits(v, 16, 1); }
constexpr std::uint32_t ams(std::uint64_t v) noexcept { return static_cast<std::uint32_t>(bits(v, 17, 2)); }
constexpr std::uint32_t to(std::uint64_t v) noexcept { return static_cast<std::uint32_t>(bits(v, 24, 8)); }
// Worst-case time for CSTS.RDY to follow CC.EN, in milliseconds (TO is in 500 ms units).
constexpr std::uint32_t timeout_ms(std::uint64_t v) noexcept { return to(v) * 500u; }
constexpr std::uint32_t dstrd(std::uint64_t v) noexcept { return static_cast<std::uint32_t>(bits(v, 32, 4)); }
constexpr bool nssrs(std::uint64_t v) noexcept { return bits(v, 36, 1); }
constexpr std::uint32_t css(std::uint64_t v) noexcept { return static_cast<std::uint32_t>(bits(v, 37, 8)); }
constexpr bool bps(std::uint64_t v) noexcept { return bits(v, 45, 1); }
constexpr std::uint32_t cps(std::uint64_t v) noexcept { return static_cast<std::uint32_t>(bits(v, 46, 2)); }
constexpr std::uint32_t mpsmin(std::uint64_t v) noexcept { return static_cast<std::uint32_t>(bits(v, 48, 4)); }
constexpr std::uint32_t mpsmax(std::uint64_t v) noexcept { return static_cast<std::uint32_t>(bits(v, 52, 4)); }
constexpr bool pmrs(std::uint64_t v) noexcept { return bits(v, 56, 1); }
constexpr bool cmbs(std::uint64_t v) noexcept { return bits(v, 57, 1); }
constexpr bool nsss(std::uint64_t v) noexcept { return bits(v, 58, 1); }
constexpr std::uint32_t crms(std::uint64_t v) noexcept { return static_cast<std::uint32_t>(bits(v, 59, 2)); }
// Memory page sizes in bytes.
constexpr std::uint64_t page_size_min(std::uint64_t v) noexcept { return 4096ull << mpsmin(v); }
constexpr std::uint64_t page_size_max(std::uint64_t v) noexcept { return 4096ull << mpsmax(v); }
}  // namespace cap

// VS fields.
namespace vs {
constexpr std::uint32_t mjr(std::uint32_t v) noexcept { return v >> 16; }
constexpr std::uint32_t mnr(std::uint32_t v) noexcept { return (v >> 8) & 0xff; }
constexpr std::uint32_t ter(std::uint32_t v) noexcept { return v & 0xff; }
constexpr std::uint32_t make(std::uint32_t mjr, std::uint32_t mnr, std::uint32_t ter = 0) noexcept
{
    return mjr << 16 | mnr << 8 | ter;
}
std::string to_string(std::uint32_t v);  // "1.4.0"
}  // namespace vs

// CC fields and construction.
namespace cc {
inline constexpr std::uint32_t kEnable = 1u << 0;
constexpr bool en(std::uint32_t v) noexcept { return v & kEnable; }
constexpr std::uint32_t css(std::uint32_t v) noexcept { return (v >> 4) & 7; }
constexpr std::uint32_t mps(std::uint32_t v) noexcept { return (v >> 7) & 0xf; }
constexpr std::uint32_t ams(std::uint32_t v) noexcept { return (v >> 11) & 7; }
constexpr std::uint32_t shn(std::uint32_t v) noexcept { return (v >> 14) & 3; }
constexpr std::uint32_t iosqes(std::uint32_t v) noexcept { return (v >> 16) & 0xf; }
constexpr std::uint32_t iocqes(std::uint32_t v) noexcept { return (v >> 20) & 0xf; }
constexpr bool crime(std::uint32_t v) noexcept { return (v >> 24) & 1; }
// A CC value: mps = log2(page size) - 12, entry sizes as log2 bytes (6 and 4 for NVM).
constexpr std::uint32_t make(bool enable, std::uint32_t css, std::uint32_t mps, std::uint32_t ams,
                             std::uint32_t shn, std::uint32_t iosqes, std::uint32_t iocqes) noexcept
{
    return (enable ? kEnable : 0) | (css & 7) << 4 | (mps & 0xf) << 7 | (ams & 7) << 11 |
           (shn & 3) << 14 | (iosqes & 0xf) << 16 | (iocqes & 0xf) << 20;
}
}  // namespace cc

// CSTS fields.
namespace csts {
constexpr bool rdy(std::uint32_t v) noexcept { return v & 1; }
constexpr bool cfs(std::uint32_t v) noexcept { return (v >> 1) & 1; }
constexpr std::uint32_t shst(std::uint32_t v) noexcept { return (v >> 2) & 3; }
constexpr bool nssro(std::uint32_t v) noexcept { return (v >> 4) & 1; }
constexpr bool pp(std::uint32_t v) noexcept { return (v >> 5) & 1; }
constexpr bool st(std::uint32_t v) noexcept { return (v >> 6) & 1; }
}  // namespace csts

// AQA construction: queue sizes in entries (2..4096).
namespace aqa {
constexpr std::uint32_t make(std::uint32_t sq_entries, std::uint32_t cq_entries) noexcept
{
    return ((sq_entries - 1) & 0xfff) | ((cq_entries - 1) & 0xfff) << 16;
}
}  // namespace aqa

// ---------------------------------------------------------- decoding table

struct FieldDesc {
    std::string_view name;
    unsigned lsb;
    unsigned width;  // bits
    std::string_view description;
};

struct RegisterDesc {
    std::string_view name;
    std::uint32_t offset;
    unsigned width;  // bytes: 4 or 8
    std::string_view description;
    std::span<const FieldDesc> fields;
};

// Every controller register of NVMe 2.0 below the doorbells, in offset order.
std::span<const RegisterDesc> registers() noexcept;
// By name, case-insensitive ("cap", "CSTS"); nullptr when unknown.
const RegisterDesc* find_register(std::string_view name) noexcept;

struct DecodedField {
    const FieldDesc* field;
    std::uint64_t value;
    std::string meaning;  // "7500 ms", "4096 bytes", "normal operation"; may be empty
};

std::vector<DecodedField> decode(const RegisterDesc& reg, std::uint64_t value);

// Multi-line text: "CAP     0x0000_00ff_0f01_07ff  Controller Capabilities" then one
// indented line per field.
std::string format_register(const RegisterDesc& reg, std::uint64_t value);

}  // namespace nvmetest::nvme

#endif  // NVMETEST_NVME_REGISTERS_H
