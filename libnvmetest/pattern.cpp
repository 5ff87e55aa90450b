// SPDX-License-Identifier: BSD-3-Clause
#include "nvmetest/pattern.h"

#include "nvmetest/errors.h"
#include "nvmetest/random.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

namespace nvmetest {
namespace {

[[noreturn]] void bad_ptype(std::uint32_t ptype) {
    char hex[16];
    std::snprintf(hex, sizeof(hex), "%#x", ptype);
    throw UsageError(std::string("unknown data pattern type ") + hex +
                     ": valid ptypes are 0 (pvalue 0: all zeros, 1: all ones), 32 (repeating "
                     "32-bit pvalue), 0xbeef (random, pvalue = compressibility percentage "
                     "0..100), 0xf17e (file contents, through fill_pattern_file), 0x1234 "
                     "(incrementing 16-bit words from pvalue) and 0x4321 (decrementing)");
}

void check_range(std::uint64_t pvalue, std::uint64_t max, const char* what) {
    if (pvalue > max)
        throw UsageError(std::string("pvalue ") + std::to_string(pvalue) + " is out of range for " +
                         what + ": the largest is " + std::to_string(max));
}

// Repeats the little-endian bytes of value (width bytes) over data.
void fill_repeating(std::span<std::uint8_t> data, std::uint32_t value, std::size_t width) {
    std::uint8_t bytes[4];
    std::memcpy(bytes, &value, sizeof(bytes));
    for (std::size_t i = 0; i < data.size(); ++i)
        data[i] = bytes[i % width];
}

// 16-bit words pvalue, pvalue + step, ... (mod 2^16), little-endian.
void fill_sequence16(std::span<std::uint8_t> data, std::uint16_t start, int step) {
    std::uint16_t v = start;
    std::size_t i = 0;
    for (; i + 2 <= data.size(); i += 2) {
        data[i] = static_cast<std::uint8_t>(v);
        data[i + 1] = static_cast<std::uint8_t>(v >> 8);
        v = static_cast<std::uint16_t>(v + step);
    }
    if (i < data.size())
        data[i] = static_cast<std::uint8_t>(v);
}

void fill_random_percent(std::span<std::uint8_t> data, unsigned percent) {
    for (std::size_t off = 0; off < data.size(); off += kPatternChunk) {
        const auto chunk = data.subspan(off, std::min(kPatternChunk, data.size() - off));
        const std::size_t n = chunk.size() * percent / 100;
        fill_random(chunk.first(n));
        std::fill(chunk.begin() + static_cast<std::ptrdiff_t>(n), chunk.end(), 0);
    }
}

constexpr std::array<std::uint8_t, 256> make_crc8_table() {
    std::array<std::uint8_t, 256> t{};
    for (unsigned i = 0; i < 256; ++i) {
        unsigned c = i;
        for (int b = 0; b < 8; ++b)
            c = (c & 0x80) ? (c << 1) ^ 0x07 : c << 1;
        t[i] = static_cast<std::uint8_t>(c);
    }
    return t;
}
constexpr auto kCrc8Table = make_crc8_table();

} // namespace

void fill_pattern(std::span<std::uint8_t> data, std::uint32_t ptype, std::uint64_t pvalue) {
    switch (ptype) {
    case kPtypeConst:
        // pynvme: any non-zero pvalue means all ones.
        std::fill(data.begin(), data.end(), pvalue ? 0xff : 0x00);
        return;
    case kPtype32:
        check_range(pvalue, 0xffffffffu, "ptype 32 (a 32-bit value)");
        fill_repeating(data, static_cast<std::uint32_t>(pvalue), 4);
        return;
    case kPtypeRandom:
        check_range(pvalue, 100, "ptype 0xbeef (a percentage)");
        fill_random_percent(data, static_cast<unsigned>(pvalue));
        return;
    case kPtypeInc16:
        check_range(pvalue, 0xffff, "ptype 0x1234 (a 16-bit start)");
        fill_sequence16(data, static_cast<std::uint16_t>(pvalue), 1);
        return;
    case kPtypeDec16:
        check_range(pvalue, 0xffff, "ptype 0x4321 (a 16-bit start)");
        fill_sequence16(data, static_cast<std::uint16_t>(pvalue), -1);
        return;
    case kPtypeFile:
        throw UsageError("ptype 0xf17e fills from a file: call fill_pattern_file(data, path)");
    default:
        bad_ptype(ptype);
    }
}

void fill_pattern_file(std::span<std::uint8_t> data, const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw Error("cannot open pattern file '" + path + "': " + std::strerror(errno) +
                    ": check the path and its permissions");
    std::vector<std::uint8_t> content;
    content.reserve(data.size());
    // Only as many bytes as the buffer holds: a huge file costs nothing extra.
    std::istreambuf_iterator<char> it(in), end;
    for (std::size_t i = 0; i < data.size() && it != end; ++i, ++it)
        content.push_back(static_cast<std::uint8_t>(*it));
    if (in.bad())
        throw Error("cannot read pattern file '" + path + "': " + std::strerror(errno));
    if (content.empty()) {
        if (data.empty())
            return;
        throw UsageError("pattern file '" + path + "' is empty: give a file with data");
    }
    for (std::size_t i = 0; i < data.size(); ++i)
        data[i] = content[i % content.size()];
}

std::uint8_t crc8(std::span<const std::uint8_t> data) {
    std::uint8_t crc = 0;
    for (const std::uint8_t b : data)
        crc = kCrc8Table[crc ^ b];
    return crc;
}

} // namespace nvmetest
