// SPDX-License-Identifier: BSD-3-Clause
//
// Data patterns of PyNVMe3 buffers (API document, section 1.2), selected by
// ptype with a pvalue whose meaning depends on it:
//
//   ptype    pvalue
//   0        0: all zeros; any other value: all ones (0xff bytes)
//   32       32-bit value repeated, little-endian
//   0xbeef   random data; pvalue = percentage of incompressible bytes, 0..100
//   0xf17e   file contents; use fill_pattern_file(), which takes the path
//   0x1234   16-bit little-endian words counting up from pvalue (wrapping)
//   0x4321   16-bit little-endian words counting down from pvalue (wrapping)
//
// Random data (0xbeef): every 4 KiB chunk starts with pvalue percent random
// bytes and ends with zeros, so the compressibility a drive sees is the same in
// every LBA of 4 KiB or more, whatever part of the buffer one transfer takes.
// (pynvme put the random bytes at the start of the whole buffer instead, which
// makes a large buffer fully random at its head and all zero at its tail.)  The
// random bytes come from nvmetest::rand64(), so srand() reproduces them.
//
// Lengths that are not a multiple of the pattern's width end with the leading
// bytes of the next pattern element, so no byte is left stale.
#ifndef NVMETEST_PATTERN_H
#define NVMETEST_PATTERN_H

#include "nvmetest/cxx20.h"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace nvmetest {

inline constexpr std::uint32_t kPtypeConst = 0, kPtype32 = 32, kPtypeRandom = 0xbeef,
                               kPtypeFile = 0xf17e, kPtypeInc16 = 0x1234, kPtypeDec16 = 0x4321;

// Chunk over which a random pattern keeps its compressibility percentage.
inline constexpr std::size_t kPatternChunk = 4096;

// Fills data per ptype/pvalue.  Throws UsageError for an unknown ptype (the
// message lists the valid ones), for ptype 0xf17e (it needs a path), and for a
// pvalue out of range: above 100 for 0xbeef, above 32 bits for 32, above 16
// bits for 0x1234/0x4321.
void fill_pattern(std::span<std::uint8_t> data, std::uint32_t ptype, std::uint64_t pvalue);

// Fills data with the contents of the file at path, repeated when the file is
// shorter than data.  Throws nvmetest::Error when the file cannot be read, and
// UsageError when it is empty.
void fill_pattern_file(std::span<std::uint8_t> data, const std::string& path);

// CRC-8 of data with polynomial x^8 + x^2 + x + 1 (0x07), initial value 0, no
// reflection and no final XOR (the CRC-8/SMBUS parameters; "123456789" gives
// 0xf4).  Neither PyNVMe3's documents nor pynvme's driver name the polynomial of
// Buffer.crc8(), so this picks the most common CRC-8; it is a quick content
// fingerprint, not a value to compare with PyNVMe3 logs.
std::uint8_t crc8(std::span<const std::uint8_t> data);

} // namespace nvmetest

#endif // NVMETEST_PATTERN_H
