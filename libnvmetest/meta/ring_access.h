// SPDX-License-Identifier: BSD-3-Clause
//
// Internal: loads and stores of memory the device reads or writes at any time
// (rings, PRP lists, SGL segments), possibly a Controller Memory Buffer in a
// BAR: naturally aligned volatile dword accesses only, so that the compiler
// neither caches nor merges them.
#ifndef NVMETEST_LIB_META_RING_ACCESS_H
#define NVMETEST_LIB_META_RING_ACCESS_H

#include <cstddef>
#include <cstdint>

namespace nvmetest::meta::detail {

inline std::uint32_t load_dword(const std::uint8_t* p) noexcept
{
    return *reinterpret_cast<const volatile std::uint32_t*>(p);
}

inline void store_dword(std::uint8_t* p, std::uint32_t v) noexcept
{
    *reinterpret_cast<volatile std::uint32_t*>(p) = v;
}

// Copies count dwords; p must be 4-byte aligned.
inline void load_dwords(const std::uint8_t* p, std::uint32_t* out, std::size_t count) noexcept
{
    for (std::size_t i = 0; i < count; i++)
        out[i] = load_dword(p + 4 * i);
}

inline void store_dwords(std::uint8_t* p, const std::uint32_t* in, std::size_t count) noexcept
{
    for (std::size_t i = 0; i < count; i++)
        store_dword(p + 4 * i, in[i]);
}

}  // namespace nvmetest::meta::detail

#endif  // NVMETEST_LIB_META_RING_ACCESS_H
