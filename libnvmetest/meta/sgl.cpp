// SPDX-License-Identifier: BSD-3-Clause
#include "nvmetest/meta/sgl.h"

#include <cstring>
#include <string>
#include <utility>

#include "meta/ring_access.h"
#include "nvmetest/errors.h"

namespace nvmetest::meta {
namespace {

constexpr std::size_t kDescBytes = sizeof(nvme::SglDescriptor);
constexpr std::size_t kDescDwords = kDescBytes / 4;

BufferOptions named(BufferOptions o)
{
    if (o.name == BufferOptions{}.name)
        o.name = "SGLSegment";
    return o;
}

nvme::SglDescriptor pointing_at(std::uint64_t addr, std::size_t count, std::uint8_t type) noexcept
{
    nvme::SglDescriptor d{};
    d.set_address(addr);
    d.set_length(static_cast<std::uint32_t>(count * kDescBytes));
    d.set_id(type, nvme::sgl_subtype::kAddress);
    return d;
}

}  // namespace

nvme::SglDescriptor sgl_from_bytes(const std::array<std::uint8_t, 16>& bytes) noexcept
{
    nvme::SglDescriptor d{};
    std::memcpy(d.dw, bytes.data(), kDescBytes);
    return d;
}

std::array<std::uint8_t, 16> sgl_bytes(const nvme::SglDescriptor& d) noexcept
{
    std::array<std::uint8_t, 16> b{};
    std::memcpy(b.data(), d.dw, kDescBytes);
    return b;
}

SGLSegment::SGLSegment(std::size_t count, BufferOptions options)
    : mem_(count * kDescBytes, named(std::move(options)))
{
    mem_.fill_pattern(0);
}

void SGLSegment::check_index(std::size_t index) const
{
    if (index >= capacity())
        throw UsageError("SGL descriptor " + std::to_string(index) + " lies beyond the segment's " +
                         std::to_string(capacity()) + " descriptors: create a larger SGLSegment");
}

std::uint8_t* SGLSegment::at(std::size_t index) const noexcept
{
    // The memory is the device's to read; this object only hands out its address.
    return const_cast<std::uint8_t*>(mem_.bytes().data()) + mem_.offset() + index * kDescBytes;
}

SGLSegment::Entry SGLSegment::operator[](std::size_t index)
{
    check_index(index);
    return Entry(*this, index);
}

nvme::SglDescriptor SGLSegment::operator[](std::size_t index) const
{
    check_index(index);
    nvme::SglDescriptor d{};
    detail::load_dwords(at(index), d.dw, kDescDwords);
    return d;
}

SGLSegment::Entry& SGLSegment::Entry::operator=(const nvme::SglDescriptor& d)
{
    detail::store_dwords(seg_.at(index_), d.dw, kDescDwords);
    return *this;
}

SGLSegment::Entry::operator nvme::SglDescriptor() const
{
    return std::as_const(seg_)[index_];
}

nvme::SglDescriptor SGLSegment::segment(std::size_t count) const noexcept
{
    return pointing_at(phys_addr(), count, nvme::sgl_type::kSegment);
}

nvme::SglDescriptor SGLSegment::last_segment(std::size_t count) const noexcept
{
    return pointing_at(phys_addr(), count, nvme::sgl_type::kLastSegment);
}

}  // namespace nvmetest::meta
