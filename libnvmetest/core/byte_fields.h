// SPDX-License-Identifier: BSD-3-Clause
//
// Fields addressed PyNVMe3's way, bytes [begin, end] with both ends included,
// as Buffer::data() and the id_data() of Controller and Namespace read them.
// Callers check the range against their own size first: the messages differ.
#ifndef NVMETEST_CORE_BYTE_FIELDS_H
#define NVMETEST_CORE_BYTE_FIELDS_H

#include <cstddef>
#include <cstdint>
#include <string>

namespace nvmetest::core {

// The little-endian integer in bytes [begin, end]; at most 8 bytes.
inline std::uint64_t le_field(const std::uint8_t* base, std::size_t end, std::size_t begin) noexcept
{
    std::uint64_t v = 0;
    for (std::size_t i = end + 1; i > begin; i--)
        v = v << 8 | base[i - 1];
    return v;
}

// The text in bytes [begin, end] without the trailing spaces and NULs that pad
// NVMe's ASCII fields (serial, model, firmware revision).
inline std::string text_field(const std::uint8_t* base, std::size_t end, std::size_t begin)
{
    std::string s(reinterpret_cast<const char*>(base) + begin, end + 1 - begin);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\0'))
        s.pop_back();
    return s;
}

}  // namespace nvmetest::core

#endif  // NVMETEST_CORE_BYTE_FIELDS_H
