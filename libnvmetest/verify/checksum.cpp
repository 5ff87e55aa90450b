// SPDX-License-Identifier: BSD-3-Clause
#include "nvmetest/verify_checksum.h"

#include <array>
#include <atomic>
#include <chrono>
#include <cstring>
#include <vector>

namespace nvmetest::verify {
namespace {

constexpr std::uint32_t kPoly = 0x82f63b78u; // CRC-32C, reflected

using Tables = std::array<std::array<std::uint32_t, 256>, 8>;

constexpr Tables make_tables() {
    Tables t{};
    for (std::uint32_t i = 0; i < 256; i++) {
        std::uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? (c >> 1) ^ kPoly : c >> 1;
        t[0][i] = c;
    }
    for (std::uint32_t i = 0; i < 256; i++)
        for (std::size_t s = 1; s < 8; s++)
            t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xff];
    return t;
}

constexpr Tables kTables = make_tables();

std::uint64_t load64(const std::uint8_t* p) noexcept {
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    return v; // little-endian hosts only (x86-64, arm64 LE)
}

using Crc32cFn = std::uint32_t (*)(std::span<const std::uint8_t>) noexcept;

// Times fn over a 4 KiB block; the smallest of a few rounds.
template <class Fn>
std::int64_t time_4k(Fn fn) {
    std::vector<std::uint8_t> block(4096, 0x5a);
    std::int64_t best = INT64_MAX;
    volatile std::uint32_t sink = 0;
    for (int round = 0; round < 5; round++) {
        const auto t0 = std::chrono::steady_clock::now();
        for (int i = 0; i < 8; i++)
            sink = sink + fn(block);
        const auto t1 = std::chrono::steady_clock::now();
        best = std::min<std::int64_t>(
            best, std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
    }
    return best;
}

struct Choice {
    Crc32cFn fn;
    std::string_view name;
};

// Where the CPU has the CRC32 instruction, it is normally the fastest; under
// an emulator (QEMU TCG) each instruction becomes a helper call and the table
// version can win, so the choice is measured once rather than assumed.
Choice choose() noexcept {
    if (!crc32c_sse42_available())
        return {crc32c_slice8, "slice8"};
    try {
        if (time_4k(crc32c_sse42) <= time_4k(crc32c_slice8))
            return {crc32c_sse42, "sse4.2"};
        return {crc32c_slice8, "slice8"};
    } catch (...) {
        return {crc32c_sse42, "sse4.2"};
    }
}

const Choice& chosen() noexcept {
    static const Choice c = choose();
    return c;
}

} // namespace

std::uint32_t crc32c_slice8(std::span<const std::uint8_t> data) noexcept {
    std::uint32_t crc = ~0u;
    const std::uint8_t* p = data.data();
    std::size_t n = data.size();
    while (n >= 8) {
        const std::uint64_t w = load64(p) ^ crc;
        crc = kTables[7][w & 0xff] ^ kTables[6][(w >> 8) & 0xff] ^ kTables[5][(w >> 16) & 0xff] ^
              kTables[4][(w >> 24) & 0xff] ^ kTables[3][(w >> 32) & 0xff] ^
              kTables[2][(w >> 40) & 0xff] ^ kTables[1][(w >> 48) & 0xff] ^ kTables[0][w >> 56];
        p += 8;
        n -= 8;
    }
    while (n--)
        crc = (crc >> 8) ^ kTables[0][(crc ^ *p++) & 0xff];
    return ~crc;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) std::uint32_t
crc32c_sse42(std::span<const std::uint8_t> data) noexcept {
    std::uint64_t crc = ~0u;
    const std::uint8_t* p = data.data();
    std::size_t n = data.size();
    while (n >= 8) {
        crc = __builtin_ia32_crc32di(crc, load64(p));
        p += 8;
        n -= 8;
    }
    std::uint32_t c = static_cast<std::uint32_t>(crc);
    while (n--)
        c = __builtin_ia32_crc32qi(c, *p++);
    return ~c;
}

bool crc32c_sse42_available() noexcept {
    return __builtin_cpu_supports("sse4.2");
}
#else
std::uint32_t crc32c_sse42(std::span<const std::uint8_t> data) noexcept {
    return crc32c_slice8(data);
}
bool crc32c_sse42_available() noexcept {
    return false;
}
#endif

std::uint32_t crc32c(std::span<const std::uint8_t> data) noexcept {
    return chosen().fn(data);
}

std::string_view check_algorithm_name(CheckAlgorithm a) noexcept {
    switch (a) {
    case CheckAlgorithm::MulFold:
        return "mulfold64x4";
    case CheckAlgorithm::Crc32c:
        return "crc32c";
    default:
        return "auto";
    }
}

CheckAlgorithm fastest_check_algorithm() noexcept {
    static const CheckAlgorithm best = [] {
        try {
            const auto fold = time_4k([](std::span<const std::uint8_t> d) {
                return static_cast<std::uint32_t>(mulfold64x4(d));
            });
            const auto crc = time_4k(chosen().fn);
            return crc < fold ? CheckAlgorithm::Crc32c : CheckAlgorithm::MulFold;
        } catch (...) {
            return CheckAlgorithm::MulFold;
        }
    }();
    return best;
}

std::string_view crc32c_implementation() noexcept {
    return chosen().name;
}

namespace {

// mulfold64x4, and with Parity the XOR of every word read, in the same pass:
// under TCG a second pass for the parity costs as much as the fold itself.
// Scalar on purpose: vectorized, the 64-bit multiplies become SSE sequences
// that QEMU's TCG emulates about 8 times slower (docs/perf.md).
template <bool Parity>
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("no-tree-vectorize")))
#endif
inline std::uint64_t
mulfold_lanes(std::span<const std::uint8_t> data, std::uint64_t* xor_out) noexcept {
    // Four independent lanes over 32-byte strides, so that the multiplies of
    // a superscalar CPU overlap; under TCG the instruction count is the same.
    constexpr std::uint64_t kMul = 0x9e3779b97f4a7c15ull;
    std::uint64_t a = data.size() * kMul, b = 1, c = 2, d = 3, x = 0;
    const std::uint8_t* p = data.data();
    std::size_t n = data.size();
    for (; n >= 32; p += 32, n -= 32) {
        const std::uint64_t w0 = load64(p), w1 = load64(p + 8);
        const std::uint64_t w2 = load64(p + 16), w3 = load64(p + 24);
        if constexpr (Parity)
            x ^= w0 ^ w1 ^ w2 ^ w3;
        a = (a ^ w0) * kMul;
        b = (b ^ w1) * kMul;
        c = (c ^ w2) * kMul;
        d = (d ^ w3) * kMul;
        a ^= a >> 29;
        b ^= b >> 29;
        c ^= c >> 29;
        d ^= d >> 29;
    }
    std::uint64_t r = a ^ (b * 3) ^ (c * 5) ^ (d * 7);
    for (; n; n--) {
        if constexpr (Parity)
            x ^= *p;
        r = (r ^ *p++) * kMul;
    }
    r = (r ^ (r >> 31)) * kMul;
    if constexpr (Parity)
        *xor_out = x;
    return r ^ (r >> 32);
}

} // namespace

std::uint64_t mulfold64x4(std::span<const std::uint8_t> data) noexcept {
    return mulfold_lanes<false>(data, nullptr);
}

std::uint32_t check32_mulfold(std::span<const std::uint8_t> data) noexcept {
    std::uint64_t x;
    const std::uint64_t m = mulfold_lanes<true>(data, &x);
    return (static_cast<std::uint32_t>(m ^ (m >> 32)) & ~1u) |
           static_cast<std::uint32_t>(__builtin_parityll(x));
}

bool bit_parity(std::span<const std::uint8_t> data) noexcept {
    // XOR of the 64-bit words, two accumulators so the loads overlap.
    std::uint64_t x = 0, y = 0;
    const std::uint8_t* p = data.data();
    std::size_t n = data.size();
    for (; n >= 16; p += 16, n -= 16) {
        x ^= load64(p);
        y ^= load64(p + 8);
    }
    x ^= y;
    for (; n; n--)
        x ^= *p++;
    return __builtin_parityll(x);
}

std::uint64_t mulfold64(std::span<const std::uint8_t> data) noexcept {
    constexpr std::uint64_t kMul = 0x9e3779b97f4a7c15ull;
    std::uint64_t h = data.size() * kMul;
    const std::uint8_t* p = data.data();
    std::size_t n = data.size();
    while (n >= 8) {
        h = (h ^ load64(p)) * kMul;
        h ^= h >> 29;
        p += 8;
        n -= 8;
    }
    while (n--)
        h = (h ^ *p++) * kMul;
    return h ^ (h >> 32);
}

} // namespace nvmetest::verify
