// SPDX-License-Identifier: BSD-3-Clause
//
// The check-value map of data verification: one value per LBA of a namespace,
// in host memory (docs/verification.md).  1 byte per LBA by default, as
// PyNVMe3 (a 4 TB namespace of 512-byte LBAs needs about 8 GB); 2 or 4 bytes
// for stronger detection (a random corruption goes unnoticed with probability
// about 1/250, 1/65000, 1/2^31; a flip of an odd number of bits, never: bit 0
// of every checksum value is the data's bit parity).
//
// Three values of each width are reserved:
//   kUnknown        0       never written, or content undefined (failed write,
//                           deallocated without DLFEAT zeros, after sanitize)
//   zeros()         max - 1 known to read as zeros (Write Zeroes, deallocate
//                           on a namespace that guarantees zeros)
//   uncorrectable() max     Write Uncorrectable: a read must fail
// Every other value is a checksum (value_of(check32() of the LBA's data)).
//
// Thread safety: each element is read and written with relaxed atomic
// accesses; ordering between I/Os on one LBA comes from the LBA locks
// (verify_locks.h).  No lock, allocation or system call per access.
#ifndef NVMETEST_VERIFY_MAP_H
#define NVMETEST_VERIFY_MAP_H

#include "nvmetest/cxx20.h"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>

namespace nvmetest::verify {

// Anonymous, lazily committed, zero-filled memory (mmap): untouched pages of a
// large map cost nothing.  Move-only.
class LazyMemory {
public:
    LazyMemory() = default;
    explicit LazyMemory(std::size_t bytes); // throws std::bad_alloc
    LazyMemory(LazyMemory&& o) noexcept;
    LazyMemory& operator=(LazyMemory&& o) noexcept;
    LazyMemory(const LazyMemory&) = delete;
    LazyMemory& operator=(const LazyMemory&) = delete;
    ~LazyMemory();

    std::uint8_t* data() const noexcept { return p_; }
    std::size_t size() const noexcept { return n_; }
    // Gives the pages back: the memory reads as zeros again.
    void zero() noexcept;

private:
    std::uint8_t* p_ = nullptr;
    std::size_t n_ = 0;
};

class CheckMap {
public:
    static constexpr std::uint32_t kUnknown = 0;

    // count values of width bytes (1, 2 or 4; UsageError otherwise), all kUnknown.
    CheckMap(std::uint64_t count, unsigned width);

    std::uint64_t count() const noexcept { return count_; }
    unsigned width() const noexcept { return width_; }
    std::uint32_t uncorrectable() const noexcept { return max_; }
    std::uint32_t zeros() const noexcept { return max_ - 1; }
    bool is_checksum(std::uint32_t v) const noexcept { return v != kUnknown && v < max_ - 1; }

    // The check value of data whose check32() is c: bit 0 (the data's bit
    // parity) kept, bits 1..31 folded into the rest of the width, and moved
    // off the reserved values by flipping the top bit (bit 0 unchanged).
    std::uint32_t value_of(std::uint32_t c) const noexcept {
        const std::uint32_t h = c >> 1;
        std::uint32_t v = c;
        if (width_ == 1)
            v = ((h ^ h >> 7 ^ h >> 14 ^ h >> 21 ^ h >> 28) & 0x7f) << 1 | (c & 1);
        else if (width_ == 2)
            v = ((h ^ h >> 15 ^ h >> 30) & 0x7fff) << 1 | (c & 1);
        if (v == kUnknown || v >= max_ - 1)
            v ^= (max_ >> 1) + 1; // 0 -> top bit only; max-1, max -> below it
        return v;
    }

    // lba < count(); not checked here (hot path): callers clamp.
    std::uint32_t get(std::uint64_t lba) const noexcept {
        switch (width_) {
        case 1:
            return std::atomic_ref<std::uint8_t>(mem_.data()[lba]).load(std::memory_order_relaxed);
        case 2:
            return std::atomic_ref<std::uint16_t>(
                       reinterpret_cast<std::uint16_t*>(mem_.data())[lba])
                .load(std::memory_order_relaxed);
        default:
            return std::atomic_ref<std::uint32_t>(
                       reinterpret_cast<std::uint32_t*>(mem_.data())[lba])
                .load(std::memory_order_relaxed);
        }
    }
    void set(std::uint64_t lba, std::uint32_t v) noexcept {
        switch (width_) {
        case 1:
            std::atomic_ref<std::uint8_t>(mem_.data()[lba])
                .store(static_cast<std::uint8_t>(v), std::memory_order_relaxed);
            break;
        case 2:
            std::atomic_ref<std::uint16_t>(reinterpret_cast<std::uint16_t*>(mem_.data())[lba])
                .store(static_cast<std::uint16_t>(v), std::memory_order_relaxed);
            break;
        default:
            std::atomic_ref<std::uint32_t>(reinterpret_cast<std::uint32_t*>(mem_.data())[lba])
                .store(v, std::memory_order_relaxed);
        }
    }
    // Values [lba, lba + n) within the map; the rest is ignored.
    void fill(std::uint64_t lba, std::uint64_t n, std::uint32_t v) noexcept;
    // Every value kUnknown (format, sanitize).  No I/O may be in flight.
    void reset() noexcept { mem_.zero(); }

    // The raw values, little-endian (save_crc / load_crc).
    std::span<std::uint8_t> bytes() noexcept { return {mem_.data(), mem_.size()}; }
    std::span<const std::uint8_t> bytes() const noexcept { return {mem_.data(), mem_.size()}; }

private:
    std::uint64_t count_;
    unsigned width_;
    std::uint32_t max_;
    LazyMemory mem_;
};

} // namespace nvmetest::verify

#endif // NVMETEST_VERIFY_MAP_H
