// SPDX-License-Identifier: BSD-3-Clause
//
// Metamode SGLs (seed 002 section 2: "various SGLs"): descriptors are the spec
// struct nvme::SglDescriptor, built with its data_block(), bit_bucket(),
// segment() and last_segment() builders or from 16 raw bytes; an SGLSegment
// is DMA memory holding descriptors that a segment descriptor points to.
//
//   meta::SQE cmd(2, 1);
//   cmd.set_psdt(nvme::psdt::kSglContiguousMeta);   // SGL for data
//   meta::SGLSegment seg;
//   seg[0] = nvme::SglDescriptor::data_block(a.phys_addr(), 512);
//   seg[1] = nvme::SglDescriptor::data_block(b.phys_addr(), 512);
//   cmd.set_sgl1(seg.last_segment(2));               // SGL1 -> the last segment
#ifndef NVMETEST_META_SGL_H
#define NVMETEST_META_SGL_H

#include "nvmetest/cxx20.h"

#include <array>
#include <cstddef>
#include <cstdint>

#include "nvmetest/buffer.h"
#include "nvmetest/nvme/sgl.h"

namespace nvmetest::meta {

// A descriptor from its 16 bytes as they lie in memory (byte 15: type and
// subtype): for reserved types, subtypes and fields.
nvme::SglDescriptor sgl_from_bytes(const std::array<std::uint8_t, 16>& bytes) noexcept;
// The 16 bytes of d as the device reads them.
std::array<std::uint8_t, 16> sgl_bytes(const nvme::SglDescriptor& d) noexcept;

class SGLSegment {
public:
    // Room for count descriptors (16 bytes each), zeroed.  options as for a Buffer.
    explicit SGLSegment(std::size_t count = 256, BufferOptions options = {});

    std::size_t capacity() const noexcept { return mem_.size() / sizeof(nvme::SglDescriptor); }
    std::uint64_t phys_addr() const noexcept { return mem_.phys_addr(); }

    class Entry {
    public:
        Entry& operator=(const nvme::SglDescriptor& d);
        operator nvme::SglDescriptor() const;

    private:
        friend class SGLSegment;
        Entry(SGLSegment& seg, std::size_t index) noexcept : seg_(seg), index_(index) {}
        SGLSegment& seg_;
        std::size_t index_;
    };
    // Descriptor index (UsageError at or beyond capacity()).
    Entry operator[](std::size_t index);
    nvme::SglDescriptor operator[](std::size_t index) const;

    // A segment (or last segment) descriptor pointing at the first count
    // descriptors of this segment.
    nvme::SglDescriptor segment(std::size_t count) const noexcept;
    nvme::SglDescriptor last_segment(std::size_t count) const noexcept;

    const Buffer& memory() const noexcept { return mem_; }

private:
    void check_index(std::size_t index) const;
    std::uint8_t* at(std::size_t index) const noexcept;
    Buffer mem_;
};

}  // namespace nvmetest::meta

#endif  // NVMETEST_META_SGL_H
