// SPDX-License-Identifier: BSD-3-Clause
//
// Scatter Gather List descriptors (NVMe Base Specification 2.0, section 4.1.2,
// figures 116-123): 16 bytes each, kept as raw dwords so that a test can forge
// an invalid type, subtype or length and watch the controller reject it.
#ifndef NVMETEST_NVME_SGL_H
#define NVMETEST_NVME_SGL_H

#include "nvmetest/cxx20.h"

#include <cstddef>
#include <cstdint>

namespace nvmetest::nvme {

// Descriptor type (byte 15, bits 7:4).
namespace sgl_type {
inline constexpr std::uint8_t kDataBlock = 0x0;
inline constexpr std::uint8_t kBitBucket = 0x1;
inline constexpr std::uint8_t kSegment = 0x2;
inline constexpr std::uint8_t kLastSegment = 0x3;
inline constexpr std::uint8_t kKeyedDataBlock = 0x4;
inline constexpr std::uint8_t kTransportDataBlock = 0x5;
inline constexpr std::uint8_t kVendorSpecific = 0xf;
} // namespace sgl_type

// Descriptor subtype (byte 15, bits 3:0).
namespace sgl_subtype {
inline constexpr std::uint8_t kAddress = 0x0;
inline constexpr std::uint8_t kOffset = 0x1;
inline constexpr std::uint8_t kTransportSpecific = 0xa;
} // namespace sgl_subtype

struct SglDescriptor {
    std::uint32_t dw[4];

    // Byte offsets of the fields inside the descriptor.
    static constexpr std::size_t kOffAddress = 0, kOffLength = 8, kOffKey = 11, kOffId = 15;

    std::uint64_t address() const noexcept {
        return dw[0] | static_cast<std::uint64_t>(dw[1]) << 32;
    }
    // Length of data block, bit bucket, segment and last segment descriptors.
    std::uint32_t length() const noexcept { return dw[2]; }
    // Keyed data block: 24-bit length in bytes 10:8, key in bytes 14:11.
    std::uint32_t keyed_length() const noexcept { return dw[2] & 0xffffff; }
    std::uint32_t key() const noexcept { return dw[2] >> 24 | (dw[3] & 0xffffff) << 8; }
    std::uint8_t id() const noexcept { return static_cast<std::uint8_t>(dw[3] >> 24); }
    std::uint8_t type() const noexcept { return id() >> 4; }
    std::uint8_t subtype() const noexcept { return id() & 0xf; }

    void set_address(std::uint64_t a) noexcept {
        dw[0] = static_cast<std::uint32_t>(a);
        dw[1] = static_cast<std::uint32_t>(a >> 32);
    }
    void set_length(std::uint32_t len) noexcept { dw[2] = len; }
    void set_id(std::uint8_t type, std::uint8_t subtype) noexcept {
        dw[3] = (dw[3] & 0x00ffffffu) | ((type & 0xfu) << 4 | (subtype & 0xfu)) << 24;
    }

    // Builders for each descriptor type; subtype defaults to "address".
    static SglDescriptor data_block(std::uint64_t addr, std::uint32_t len,
                                    std::uint8_t subtype = sgl_subtype::kAddress) noexcept {
        return make(addr, len, sgl_type::kDataBlock, subtype);
    }
    // Discards len bytes of a read (no address).
    static SglDescriptor bit_bucket(std::uint32_t len) noexcept {
        return make(0, len, sgl_type::kBitBucket, sgl_subtype::kAddress);
    }
    // Points to the next SGL segment of len bytes (a multiple of 16).
    static SglDescriptor segment(std::uint64_t addr, std::uint32_t len) noexcept {
        return make(addr, len, sgl_type::kSegment, sgl_subtype::kAddress);
    }
    static SglDescriptor last_segment(std::uint64_t addr, std::uint32_t len) noexcept {
        return make(addr, len, sgl_type::kLastSegment, sgl_subtype::kAddress);
    }
    // RDMA-style keyed descriptor; len is truncated to 24 bits as on the wire.
    static SglDescriptor keyed_data_block(std::uint64_t addr, std::uint32_t len,
                                          std::uint32_t key) noexcept {
        SglDescriptor d{};
        d.set_address(addr);
        d.dw[2] = (len & 0xffffff) | key << 24;
        d.dw[3] = key >> 8;
        d.set_id(sgl_type::kKeyedDataBlock, sgl_subtype::kAddress);
        return d;
    }

private:
    static SglDescriptor make(std::uint64_t addr, std::uint32_t len, std::uint8_t type,
                              std::uint8_t subtype) noexcept {
        SglDescriptor d{};
        d.set_address(addr);
        d.set_length(len);
        d.set_id(type, subtype);
        return d;
    }
};
static_assert(sizeof(SglDescriptor) == 16);
static_assert(SglDescriptor::kOffLength == 2 * sizeof(std::uint32_t));
static_assert(SglDescriptor::kOffId == 3 * sizeof(std::uint32_t) + 3);

} // namespace nvmetest::nvme

#endif // NVMETEST_NVME_SGL_H
