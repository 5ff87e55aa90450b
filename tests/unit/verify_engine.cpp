// SPDX-License-Identifier: BSD-3-Clause
// Data verification engine without a device: checksums, the check-value map
// and its reserved values, injection and tokens, LBA locks under threads,
// the read check, save_crc / load_crc.
#include "nvmetest/errors.h"
#include "nvmetest/verify.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <fstream>
#include <random>
#include <gtest/gtest.h>
#include <set>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace nvmetest::verify;

namespace {

constexpr std::uint32_t kLba = 512;

VerifyConfig config(std::uint64_t nsze, unsigned width = 1, std::uint32_t nsid = 1) {
    VerifyConfig c;
    c.id.nsid = nsid;
    c.id.nsze = nsze;
    c.id.lba_bytes = kLba;
    std::memcpy(c.id.serial.data(), "SERIAL-0001", 11);
    c.width = width;
    c.available_memory = 1ull << 30;
    return c;
}

std::vector<std::uint8_t> pattern(std::uint32_t lbas, std::uint8_t seed) {
    std::vector<std::uint8_t> d(std::size_t{lbas} * kLba);
    for (std::size_t i = 0; i < d.size(); i++)
        d[i] = static_cast<std::uint8_t>(seed + i * 7);
    return d;
}

std::uint64_t load64(const std::uint8_t* p) {
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
}

std::string temp_path(const char* name) {
    return ::testing::TempDir() + "nvmetest-" + std::to_string(::getpid()) + "-" + name;
}

} // namespace

// ------------------------------------------------------------- checksums

TEST(VerifyChecksum, Crc32cKnownAnswer) {
    const char* s = "123456789";
    const std::span<const std::uint8_t> d(reinterpret_cast<const std::uint8_t*>(s), 9);
    EXPECT_EQ(crc32c_slice8(d), 0xe3069283u);
    EXPECT_EQ(crc32c(d), 0xe3069283u);
    if (crc32c_sse42_available()) {
        EXPECT_EQ(crc32c_sse42(d), 0xe3069283u);
    }
    // 32 bytes of zeros (RFC 3720 B.4 test vector).
    const std::vector<std::uint8_t> zeros(32, 0);
    EXPECT_EQ(crc32c_slice8(zeros), 0x8a9136aau);
}

TEST(VerifyChecksum, ImplementationsAgreeOnEveryLengthAndAlignment) {
    std::vector<std::uint8_t> d(4096 + 64);
    for (std::size_t i = 0; i < d.size(); i++)
        d[i] = static_cast<std::uint8_t>(i * 131 + 17);
    ASSERT_TRUE(crc32c_implementation() == "sse4.2" || crc32c_implementation() == "slice8");
    for (std::size_t off = 0; off < 9; off++)
        for (std::size_t len : {0u, 1u, 7u, 8u, 9u, 63u, 512u, 520u, 4096u}) {
            const std::span<const std::uint8_t> s(d.data() + off, len);
            const std::uint32_t ref = crc32c_slice8(s);
            EXPECT_EQ(crc32c(s), ref) << off << "+" << len;
            if (crc32c_sse42_available()) {
                EXPECT_EQ(crc32c_sse42(s), ref) << off << "+" << len;
            }
        }
}

TEST(VerifyChecksum, CheckAlgorithmsAreDeterministicAndSensitive) {
    std::vector<std::uint8_t> d(4096);
    for (std::size_t i = 0; i < d.size(); i++)
        d[i] = static_cast<std::uint8_t>(i * 29 + 1);
    const auto auto_pick = fastest_check_algorithm();
    EXPECT_TRUE(auto_pick == CheckAlgorithm::MulFold || auto_pick == CheckAlgorithm::Crc32c);
    // CRC-32C above bit 0, the data's bit parity in it.
    EXPECT_EQ(check32(CheckAlgorithm::Crc32c, d) >> 1, crc32c_slice8(d) >> 1);
    EXPECT_EQ(check32(CheckAlgorithm::Crc32c, d) & 1, bit_parity(d) ? 1u : 0u);
    EXPECT_EQ(check32(CheckAlgorithm::MulFold, d) & 1, bit_parity(d) ? 1u : 0u);
    const std::uint64_t m = mulfold64x4(d); // the one-pass fold is the same hash
    EXPECT_EQ(check32(CheckAlgorithm::MulFold, d) >> 1, static_cast<std::uint32_t>(m ^ m >> 32) >> 1);
    EXPECT_EQ(check32(CheckAlgorithm::MulFold, {d.data(), 77}) & 1,
              bit_parity({d.data(), 77}) ? 1u : 0u); // a tail byte by byte
    const std::uint32_t fold = check32(CheckAlgorithm::MulFold, d);
    EXPECT_EQ(fold, check32(CheckAlgorithm::MulFold, d));
    EXPECT_NE(fold, check32(CheckAlgorithm::Crc32c, d));
    // Every single-bit flip of a 512-byte LBA changes the 32-bit value.
    for (const auto algo : {CheckAlgorithm::MulFold, CheckAlgorithm::Crc32c})
        for (std::size_t bit = 0; bit < 512 * 8; bit++) {
            auto f = d;
            f[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
            ASSERT_NE(check32(algo, {f.data(), 512}), check32(algo, {d.data(), 512}))
                << check_algorithm_name(algo) << " bit " << bit;
        }
    // ... and the check value at every width: bit 0 is the bit parity, which a
    // hash folded to 8 bits could not promise (about 1 flip in 250 would escape).
    std::mt19937_64 rng(7);
    for (auto& b : d)
        b = static_cast<std::uint8_t>(rng());
    for (unsigned width : {1u, 2u, 4u}) {
        const CheckMap m(1, width);
        for (const auto algo : {CheckAlgorithm::MulFold, CheckAlgorithm::Crc32c}) {
            const std::uint32_t v = m.value_of(check32(algo, {d.data(), 512}));
            for (std::size_t bit = 0; bit < 512 * 8; bit++) {
                auto f = d;
                f[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
                ASSERT_NE(m.value_of(check32(algo, {f.data(), 512})), v)
                    << "width " << width << " " << check_algorithm_name(algo) << " bit " << bit;
            }
        }
    }
    // The lane structure: swapping two 8-byte words changes the value.
    auto swapped = d;
    std::swap_ranges(swapped.begin(), swapped.begin() + 8, swapped.begin() + 8);
    EXPECT_NE(check32(CheckAlgorithm::MulFold, swapped), fold);
}

// ------------------------------------------------------------ the map

TEST(VerifyChecksum, BitParityCountsOnesOfEveryByte) {
    std::vector<std::uint8_t> d(77); // a tail after the 16-byte strides
    EXPECT_FALSE(bit_parity(d));
    for (std::size_t i = 0; i < d.size(); i++) {
        d[i] = 0x80;
        EXPECT_TRUE(bit_parity(d)) << i;
        d[i] = 0x11;
        EXPECT_FALSE(bit_parity(d)) << i;
        d[i] = 0;
    }
}

TEST(VerifyMap, ReservedValuesAreNeverChecksums) {
    for (unsigned width : {1u, 2u, 4u}) {
        CheckMap m(16, width);
        EXPECT_EQ(m.get(3), CheckMap::kUnknown);
        EXPECT_NE(m.zeros(), m.uncorrectable());
        for (std::uint32_t crc : {0u, 0xffu, 0xfeu, 0xffffu, 0xfffeu, 0xffffffffu, 0xfffffffeu,
                                  0x01010101u, 0x12345678u}) {
            const std::uint32_t v = m.value_of(crc);
            EXPECT_TRUE(m.is_checksum(v)) << width << " " << crc;
            EXPECT_NE(v, CheckMap::kUnknown);
            EXPECT_NE(v, m.zeros());
            EXPECT_NE(v, m.uncorrectable());
        }
        m.set(5, m.uncorrectable());
        EXPECT_EQ(m.get(5), m.uncorrectable());
        m.fill(14, 10, m.zeros()); // clamped at the end
        EXPECT_EQ(m.get(15), m.zeros());
        m.reset();
        EXPECT_EQ(m.get(5), CheckMap::kUnknown);
        EXPECT_EQ(m.get(15), CheckMap::kUnknown);
    }
    EXPECT_THROW(CheckMap(1, 3), nvmetest::UsageError);
}

TEST(VerifyMap, MemoryCheckWarnsAndDisables) {
    VerifyConfig c = config(1ull << 33); // 8 Gi LBAs = 4 TiB of 512-byte LBAs
    c.available_memory = 1ull << 30;
    std::string warning;
    Verifier v(c, &warning);
    EXPECT_EQ(v.coverage(), 0u);
    const std::string need = std::to_string(memory_needed(1ull << 33, 1));
    EXPECT_NE(warning.find(need + " bytes"), std::string::npos) << warning;
    EXPECT_NE(warning.find("nlba_verify"), std::string::npos) << warning;
    EXPECT_EQ(memory_needed(1ull << 33, 1), (1ull << 33) + (1ull << 30)); // ~8 GB + lock bits

    // nlba_verify limits what is needed, and then it fits.
    c.nlba_verify = 1 << 20;
    warning.clear();
    Verifier limited(c, &warning);
    EXPECT_EQ(limited.coverage(), 1u << 20);
    EXPECT_TRUE(warning.empty()) << warning;
    // Beyond the coverage nothing is checked or locked.
    auto d = pattern(1, 1);
    Mismatch m[1];
    limited.mark(1 << 20, 1, limited.map().uncorrectable());
    EXPECT_EQ(limited.check_read(d.data(), 1 << 20, 1, true, m, 1), 0u);
    EXPECT_TRUE(limited.locks().try_lock(1 << 20, 8));
}

// ------------------------------------------------- injection and tokens

TEST(VerifyInject, HeaderAndTokenInEveryLba) {
    Verifier v(config(1000, 1, 3));
    auto d = pattern(4, 9);
    v.inject(d.data(), 100, 4);
    std::uint64_t prev = 0;
    for (std::uint32_t i = 0; i < 4; i++) {
        const std::uint8_t* b = d.data() + i * kLba;
        EXPECT_EQ(load64(b), header_of(3, 100 + i));
        EXPECT_EQ(load64(b), (3ull << 48) | (100 + i));
        const std::uint64_t token = load64(b + kLba - 8);
        EXPECT_GT(token, prev);
        prev = token;
        EXPECT_EQ(b[8], static_cast<std::uint8_t>(9 + (i * kLba + 8) * 7)); // pattern kept
    }
}

TEST(VerifyInject, ExtendedLbaStrideSkipsMetadata) {
    VerifyConfig c = config(100);
    c.id.meta_bytes = 8;
    c.stride = kLba + 8;
    Verifier v(c);
    std::vector<std::uint8_t> d(2 * (kLba + 8), 0xee);
    v.inject(d.data(), 7, 2);
    EXPECT_EQ(load64(d.data() + kLba + 8), header_of(1, 8));
    EXPECT_EQ(load64(d.data() + kLba), 0xeeeeeeeeeeeeeeeeull); // metadata untouched
    v.written(d.data(), 7, 2);
    Mismatch m[2];
    EXPECT_EQ(v.check_read(d.data(), 7, 2, true, m, 2), 0u);
}

TEST(VerifyInject, TokensUniqueAcrossThreads) {
    constexpr int kThreads = 8, kTakes = 20000;
    std::vector<std::vector<std::uint64_t>> got(kThreads);
    std::vector<std::thread> ts;
    for (int t = 0; t < kThreads; t++)
        ts.emplace_back([&, t] {
            for (int i = 0; i < kTakes; i++) {
                const std::uint32_t n = 1 + i % 8;
                const std::uint64_t first = take_tokens(n);
                for (std::uint32_t k = 0; k < n; k++)
                    got[t].push_back(first + k);
            }
        });
    for (auto& t : ts)
        t.join();
    std::vector<std::uint64_t> all;
    for (auto& g : got) {
        EXPECT_TRUE(std::is_sorted(g.begin(), g.end())); // monotonic per thread
        all.insert(all.end(), g.begin(), g.end());
    }
    std::sort(all.begin(), all.end());
    EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end()); // never twice
    EXPECT_NE(all.front(), 0u);
}

// ------------------------------------------------------- read checks

TEST(VerifyRead, CleanDataPassesAndCorruptionIsFoundAtItsLba) {
    Verifier v(config(1000));
    auto d = pattern(8, 3);
    v.inject(d.data(), 200, 8);
    v.written(d.data(), 200, 8);
    Mismatch m[8];
    EXPECT_EQ(v.check_read(d.data(), 200, 8, true, m, 8), 0u);

    // A single bit flipped in LBA 203.
    auto flipped = d;
    flipped[3 * kLba + 100] ^= 0x10;
    ASSERT_EQ(v.check_read(flipped.data(), 200, 8, true, m, 8), 1u);
    EXPECT_EQ(m[0].lba, 203u);
    EXPECT_EQ(m[0].kind, MismatchKind::Checksum);
    EXPECT_EQ(m[0].expected, v.map().get(203));
    EXPECT_NE(m[0].found, m[0].expected);
    EXPECT_NE(m[0].to_string().find("namespace 1 LBA 203: checksum mismatch"), std::string::npos)
        << m[0].to_string();

    // Stale data: an older write of LBA 201 comes back.
    auto older = pattern(1, 3);
    v.inject(older.data(), 201, 1);
    auto stale = d;
    std::memcpy(stale.data() + kLba, older.data(), kLba);
    ASSERT_EQ(v.check_read(stale.data(), 200, 8, true, m, 8), 1u);
    EXPECT_EQ(m[0].lba, 201u);
    EXPECT_EQ(m[0].token, load64(older.data() + kLba - 8));

    // Misdirected: LBA 205's content found at LBA 206.
    auto mis = d;
    std::memcpy(mis.data() + 6 * kLba, d.data() + 5 * kLba, kLba);
    ASSERT_EQ(v.check_read(mis.data(), 200, 8, true, m, 8), 1u);
    EXPECT_EQ(m[0].lba, 206u);
    EXPECT_EQ(m[0].kind, MismatchKind::Misdirected);
    EXPECT_EQ(m[0].found, header_of(1, 205));
    EXPECT_EQ(m[0].expected, header_of(1, 206));
}

TEST(VerifyRead, ReservedValuesAndUnknown) {
    Verifier v(config(64));
    std::vector<std::uint8_t> zeros(4 * kLba, 0);
    Mismatch m[4];
    EXPECT_EQ(v.check_read(zeros.data(), 0, 4, true, m, 4), 0u); // unknown: nothing checked
    v.mark(0, 4, v.map().zeros());
    EXPECT_EQ(v.check_read(zeros.data(), 0, 4, true, m, 4), 0u);
    zeros[2 * kLba + 511] = 1;
    ASSERT_EQ(v.check_read(zeros.data(), 0, 4, true, m, 4), 1u);
    EXPECT_EQ(m[0].kind, MismatchKind::NotZero);
    EXPECT_EQ(m[0].lba, 2u);
    v.mark(1, 1, v.map().uncorrectable());
    ASSERT_EQ(v.check_read(zeros.data(), 0, 4, true, m, 4), 2u);
    EXPECT_EQ(m[0].kind, MismatchKind::Uncorrectable);
    EXPECT_EQ(m[0].lba, 1u);
    // max_out bounds what is written, not the count.
    EXPECT_EQ(v.check_read(zeros.data(), 0, 4, true, m, 1), 2u);
}

TEST(VerifyRead, CountsTheLbasItChecked) {
    Verifier v(config(64));
    std::vector<std::uint8_t> zeros(8 * kLba, 0);
    Mismatch m[8];
    std::uint32_t checked = 99;
    EXPECT_EQ(v.check_read(zeros.data(), 0, 8, true, m, 8, &checked), 0u);
    EXPECT_EQ(checked, 0u); // all unknown: nothing checked
    v.mark(2, 3, v.map().zeros());
    EXPECT_EQ(v.check_read(zeros.data(), 0, 8, true, m, 8, &checked), 0u);
    EXPECT_EQ(checked, 3u);
    zeros[3 * kLba] = 1; // a mismatch is checked too
    EXPECT_EQ(v.check_read(zeros.data(), 0, 8, true, m, 8, &checked), 1u);
    EXPECT_EQ(checked, 3u);
    // Beyond the coverage nothing is checked.
    EXPECT_EQ(v.check_read(zeros.data(), 60, 8, true, m, 8, &checked), 0u);
    EXPECT_EQ(checked, 0u);
}

TEST(VerifyRead, InjectionOffStillChecksumsAndCopiesKeepForeignHeaders) {
    Verifier v(config(64));
    auto d = pattern(2, 5);
    v.written(d.data(), 10, 2); // no injection
    Mismatch m[2];
    EXPECT_EQ(v.check_read(d.data(), 10, 2, false, m, 2), 0u);
    d[700] ^= 1;
    EXPECT_EQ(v.check_read(d.data(), 10, 2, false, m, 2), 1u);

    // Copy 20..21 -> 30..31: the destination carries LBA 20's header legally.
    auto src = pattern(2, 6);
    v.inject(src.data(), 20, 2);
    v.written(src.data(), 20, 2);
    v.copied(20, 30, 2);
    EXPECT_EQ(v.map().get(30), v.map().get(20));
    EXPECT_EQ(v.check_read(src.data(), 30, 2, true, m, 2), 0u);
    // A write to the destination makes its own header required again.
    auto w = pattern(1, 7);
    v.inject(w.data(), 30, 1);
    v.written(w.data(), 30, 1);
    std::memcpy(w.data(), src.data(), kLba); // LBA 20's data at 30 again: misdirected
    ASSERT_EQ(v.check_read(w.data(), 30, 1, true, m, 1), 1u);
    EXPECT_EQ(m[0].kind, MismatchKind::Misdirected);
    // Copy from beyond the coverage: unknown.
    v.copied(63, 40, 2);
    EXPECT_EQ(v.map().get(41), CheckMap::kUnknown);
}

TEST(VerifyRead, CompareAndVerifyExpectations) {
    Verifier v(config(64));
    auto d = pattern(2, 8);
    EXPECT_EQ(v.expect_compare(d.data(), 0, 2, false), -1);
    v.written(d.data(), 0, 2);
    EXPECT_EQ(v.expect_compare(d.data(), 0, 2, false), 1);
    EXPECT_EQ(v.expect_verify(0, 2), 1);
    auto other = d;
    other[3] ^= 0x80;
    EXPECT_EQ(v.expect_compare(other.data(), 0, 2, false), 0);
    v.mark(1, 1, v.map().uncorrectable());
    EXPECT_EQ(v.expect_compare(d.data(), 0, 2, false), -2);
    EXPECT_EQ(v.expect_verify(0, 2), -2);
    EXPECT_EQ(v.expect_verify(2, 2), -1);
    EXPECT_EQ(v.expect_verify(63, 2), -1); // beyond the coverage
}

TEST(VerifyRead, StatusesThatContradictTheMap) {
    Verifier v(config(64));
    Mismatch m;
    using nvmetest::verify::kCompareFailureStatus;
    using nvmetest::verify::kUnrecoveredReadStatus;
    const std::uint16_t dnr = 1u << 14; // SCT and SC are compared, not DNR
    EXPECT_TRUE(v.status_contradicts(true, 7, 1, kCompareFailureStatus | dnr, m));
    EXPECT_EQ(m.kind, MismatchKind::Compare);
    EXPECT_EQ(m.lba, 7u);
    EXPECT_EQ(m.expected, 0u);
    EXPECT_EQ(m.found, kCompareFailureStatus);
    EXPECT_TRUE(v.status_contradicts(true, 7, 0, 0, m)); // equal where the map knows better
    EXPECT_EQ(m.expected, kCompareFailureStatus);
    EXPECT_TRUE(v.status_contradicts(false, 7, -2, 0, m)); // uncorrectable read fine
    EXPECT_EQ(m.kind, MismatchKind::Verify);
    EXPECT_EQ(m.expected, kUnrecoveredReadStatus);
    EXPECT_TRUE(v.status_contradicts(false, 7, 1, kUnrecoveredReadStatus, m));
    EXPECT_FALSE(v.status_contradicts(true, 7, 0, kCompareFailureStatus, m));
    EXPECT_FALSE(v.status_contradicts(true, 7, -1, kCompareFailureStatus, m)); // unknown
    EXPECT_FALSE(v.status_contradicts(true, 7, -1, 0, m));
    EXPECT_FALSE(v.status_contradicts(false, 7, 1, 0, m));
    EXPECT_FALSE(v.status_contradicts(false, 7, 1, kCompareFailureStatus, m)); // not a Verify's
}

// A Compare of other data predicted equal by a 1-byte check value alone
// (1 in about 250 do) is still predicted to fail when the media carries
// headers and the data does not have the LBA's.
TEST(VerifyRead, CompareWithoutTheHeaderOfInjectedMediaIsPredictedToFail) {
    Verifier v(config(64));
    ASSERT_EQ(v.map().width(), 1u);
    auto d = pattern(1, 9);
    v.inject(d.data(), 5, 1);
    v.written(d.data(), 5, 1);
    EXPECT_EQ(v.expect_compare(d.data(), 5, 1, true), 1);
    // Data without the header whose check value collides with the map's.
    std::vector<std::uint8_t> other(kLba);
    std::mt19937_64 rng(3);
    for (int tries = 0;; tries++) {
        for (auto& b : other)
            b = static_cast<std::uint8_t>(rng());
        if (v.value_of({other.data(), kLba}) == v.map().get(5))
            break;
        ASSERT_LT(tries, 100000) << "no collision found";
    }
    EXPECT_EQ(v.expect_compare(other.data(), 5, 1, false), 1); // the value alone is fooled
    EXPECT_EQ(v.expect_compare(other.data(), 5, 1, true), 0);
    // A copy destination carries its source's header: not required there.
    v.copied(5, 6, 1);
    EXPECT_EQ(v.expect_compare(d.data(), 6, 1, true), 1);
}

// ------------------------------------------------------------- locks

TEST(VerifyLocks, RangesAreAllOrNothing) {
    LbaLocks l(1000);
    EXPECT_TRUE(l.try_lock(60, 10)); // spans two words
    EXPECT_FALSE(l.try_lock(0, 61)); // overlaps LBA 60
    EXPECT_FALSE(l.locked(0));       // rolled back
    EXPECT_FALSE(l.try_lock(69, 100));
    EXPECT_FALSE(l.locked(100));
    EXPECT_TRUE(l.try_lock(70, 200));
    EXPECT_TRUE(l.try_lock(0, 60));
    l.unlock(60, 10);
    EXPECT_FALSE(l.locked(65));
    EXPECT_TRUE(l.locked(70));
    EXPECT_TRUE(l.try_lock(990, 100)); // clamped to the end
    EXPECT_TRUE(l.locked(999));
}

TEST(VerifyLocks, ThreadsNeverOverlapOnSharedLbas) {
    // Threads lock random overlapping ranges of a small space; each LBA has an
    // owner counter that must be zero when taken and is checked while held.
    constexpr std::uint64_t kSpace = 256;
    Verifier v(config(kSpace));
    std::vector<std::atomic<int>> owners(kSpace);
    std::atomic<int> violations{0};
    std::atomic<long> taken{0};
    std::vector<std::thread> ts;
    for (int t = 0; t < 6; t++)
        ts.emplace_back([&, t] {
            std::uint64_t r = 0x9e3779b97f4a7c15ull * (t + 1);
            for (int i = 0; i < 20000; i++) {
                r ^= r << 13, r ^= r >> 7, r ^= r << 17;
                const std::uint64_t lba = r % kSpace, n = 1 + (r >> 20) % 16;
                ASSERT_TRUE(v.lock(lba, n, 10000, nullptr, nullptr));
                const std::uint64_t end = std::min(kSpace, lba + n);
                for (std::uint64_t k = lba; k < end; k++)
                    if (owners[k].fetch_add(1) != 0)
                        violations++;
                for (std::uint64_t k = lba; k < end; k++)
                    owners[k].fetch_sub(1);
                v.unlock(lba, n);
                taken++;
            }
        });
    for (auto& t : ts)
        t.join();
    EXPECT_EQ(violations.load(), 0);
    EXPECT_EQ(taken.load(), 6 * 20000);
    for (std::uint64_t k = 0; k < kSpace; k++)
        EXPECT_FALSE(v.locks().locked(k));
}

TEST(VerifyLocks, WaitPollsAndTimesOut) {
    Verifier v(config(100));
    ASSERT_TRUE(v.lock(10, 5, 1000, nullptr, nullptr));
    // The poll callback releases the conflict, as reaping one's own queue does.
    struct Ctx {
        Verifier* v;
        int calls = 0;
    } ctx{&v};
    auto poll = [](void* p) {
        auto* c = static_cast<Ctx*>(p);
        if (++c->calls == 3)
            c->v->unlock(10, 5);
    };
    EXPECT_TRUE(v.lock(12, 1, 1000, poll, &ctx));
    EXPECT_EQ(ctx.calls, 3);
    // Nobody releases: false after the timeout.
    const auto t0 = std::chrono::steady_clock::now();
    EXPECT_FALSE(v.lock(12, 1, 50, nullptr, nullptr));
    EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(50));
}

// ------------------------------------------------------- persistence

TEST(VerifyPersist, SaveLoadRoundTrip) {
    const std::string path = temp_path("roundtrip.crc");
    Verifier a(config(5000, 2));
    auto d = pattern(16, 4);
    a.inject(d.data(), 100, 16);
    a.written(d.data(), 100, 16);
    a.mark(4000, 3, a.map().uncorrectable());
    a.copied(100, 2000, 2);
    a.save(path);

    Verifier b(config(5000, 2));
    b.load(path);
    for (std::uint64_t l : {99u, 100u, 115u, 116u, 2000u, 4000u, 4002u, 4003u})
        EXPECT_EQ(b.map().get(l), a.map().get(l)) << l;
    Mismatch m[16];
    EXPECT_EQ(b.check_read(d.data(), 100, 16, true, m, 16), 0u);
    EXPECT_EQ(b.check_read(d.data(), 2000, 2, true, m, 2), 0u); // copy kept its exemption
    std::remove(path.c_str());
}

TEST(VerifyPersist, LoadAdoptsTheSavedAlgorithm) {
    const std::string path = temp_path("algorithm.crc");
    VerifyConfig crc = config(100);
    crc.algorithm = CheckAlgorithm::Crc32c;
    Verifier a(crc);
    EXPECT_EQ(a.algorithm(), CheckAlgorithm::Crc32c);
    auto d = pattern(4, 2);
    a.written(d.data(), 10, 4);
    a.save(path);
    VerifyConfig fold = config(100);
    fold.algorithm = CheckAlgorithm::MulFold;
    Verifier b(fold);
    b.load(path);
    EXPECT_EQ(b.algorithm(), CheckAlgorithm::Crc32c);
    Mismatch m[4];
    EXPECT_EQ(b.check_read(d.data(), 10, 4, true, m, 4), 0u);
    std::remove(path.c_str());
}

TEST(VerifyPersist, LoadRefusesAnotherNamespaceAndDamagedFiles) {
    const std::string path = temp_path("refuse.crc");
    Verifier a(config(5000));
    auto d = pattern(1, 4);
    a.written(d.data(), 7, 1);
    a.save(path);

    auto refused = [&](const VerifyConfig& c, const char* why) {
        Verifier b(c);
        b.mark(7, 1, b.map().zeros());
        try {
            b.load(path);
            ADD_FAILURE() << "load accepted: expected " << why;
        } catch (const nvmetest::UsageError& e) {
            EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << e.what();
        }
        EXPECT_EQ(b.map().get(7), b.map().zeros()); // nothing loaded
    };
    refused(config(5000, 1, 2), "nsid 1 (file) vs 2 (namespace)");
    refused(config(6000), "size 5000 LBAs (file) vs 6000 LBAs");
    VerifyConfig other_lba = config(5000);
    other_lba.id.lba_bytes = 4096;
    refused(other_lba, "LBA size 512 (file) vs 4096");
    VerifyConfig other_serial = config(5000);
    other_serial.id.serial[0] = 'X';
    refused(other_serial, "serial");
    refused(config(5000, 4), "byte(s)");
    VerifyConfig limited = config(5000);
    limited.nlba_verify = 100;
    refused(limited, "nlba_verify");

    // A damaged value, a truncated file, not a crc file at all.
    {
        std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(160 + 7);
        f.put(0x55);
    }
    refused(config(5000), "damaged");
    ::truncate(path.c_str(), 200);
    refused(config(5000), "truncated");
    {
        std::ofstream f(path, std::ios::binary | std::ios::trunc);
        f << "hello";
    }
    refused(config(5000), "not a file written by save_crc");
    std::remove(path.c_str());
    Verifier c(config(10));
    EXPECT_THROW(c.load(path), nvmetest::UsageError); // missing
}
