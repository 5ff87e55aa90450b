// SPDX-License-Identifier: BSD-3-Clause
//
// Checksums of data verification (docs/verification.md, docs/perf.md).
//
// The check value of an LBA is derived from one of two check algorithms,
// chosen at run time by measuring both on this CPU (once per process):
//   MulFold  four-lane 64-bit multiply-xor fold (mulfold64x4): the fastest
//            measured both natively (~0.4 us per 4 KiB) and under QEMU TCG
//            (~1 us, where the CRC32 instruction costs ~32 us)
//   CRC-32C  Castagnoli CRC, by the SSE4.2 instruction or slicing-by-8,
//            whichever is faster here (both give identical results)
// A map remembers its algorithm; save_crc records it and load_crc adopts it,
// so a file loads anywhere.
//
// The other candidates stay callable for the benchmark
// (tools/nvmetest-bench-checksum) and the unit tests that prove every
// implementation agrees.
#ifndef NVMETEST_VERIFY_CHECKSUM_H
#define NVMETEST_VERIFY_CHECKSUM_H

#include "nvmetest/cxx20.h"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace nvmetest::verify {

// CRC-32C of data (initial value ~0, final xor ~0: crc32c("123456789") is
// 0xe3069283), by the implementation chosen for this CPU.
std::uint32_t crc32c(std::span<const std::uint8_t> data) noexcept;

// The name of the implementation crc32c() uses: "sse4.2" or "slice8".
std::string_view crc32c_implementation() noexcept;

// The implementations themselves.
std::uint32_t crc32c_slice8(std::span<const std::uint8_t> data) noexcept;
// Needs SSE4.2 (crc32c_sse42_available()); calling it without is undefined.
std::uint32_t crc32c_sse42(std::span<const std::uint8_t> data) noexcept;
bool crc32c_sse42_available() noexcept;

// A non-CRC candidate measured by the benchmark: a 64-bit multiply-xor fold
// over 8-byte words.  Not used by the map (see docs/perf.md for why).
std::uint64_t mulfold64(std::span<const std::uint8_t> data) noexcept;
// The same with four independent lanes (32-byte strides).
std::uint64_t mulfold64x4(std::span<const std::uint8_t> data) noexcept;

enum class CheckAlgorithm : std::uint8_t {
    Auto = 0,    // the fastest here: fastest_check_algorithm()
    MulFold = 1, // mulfold64x4
    Crc32c = 2,  // crc32c()
};
std::string_view check_algorithm_name(CheckAlgorithm a) noexcept;
// Measured once per process (a few microseconds of 4 KiB checksums).
CheckAlgorithm fastest_check_algorithm() noexcept;

// The parity of all bits of data (1: an odd number of ones).  Any flip of an
// odd number of bits changes it, whatever the data.
bool bit_parity(std::span<const std::uint8_t> data) noexcept;

// The 32 bits a check value is folded from: bit 0 is bit_parity(data), bits
// 1..31 the algorithm's hash.  CheckMap::value_of keeps bit 0 at every width,
// so a single-bit flip (the commonest media error) always changes the check
// value; the hash alone, folded to one byte, would let 1 in about 250 escape
// depending on the data.
// check32 of MulFold in one pass over the data.
std::uint32_t check32_mulfold(std::span<const std::uint8_t> data) noexcept;
inline std::uint32_t check32(CheckAlgorithm a, std::span<const std::uint8_t> data) noexcept {
    if (a == CheckAlgorithm::Crc32c)
        return (crc32c(data) & ~1u) | static_cast<std::uint32_t>(bit_parity(data));
    return check32_mulfold(data);
}

} // namespace nvmetest::verify

#endif // NVMETEST_VERIFY_CHECKSUM_H
