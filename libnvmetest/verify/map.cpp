// SPDX-License-Identifier: BSD-3-Clause
#include "nvmetest/errors.h"
#include "nvmetest/verify_locks.h"
#include "nvmetest/verify_map.h"

#include <new>
#include <sys/mman.h>
#include <utility>

namespace nvmetest::verify {

LazyMemory::LazyMemory(std::size_t bytes) : n_(bytes) {
    if (!bytes)
        return;
    void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        throw std::bad_alloc();
    p_ = static_cast<std::uint8_t*>(p);
}

LazyMemory::LazyMemory(LazyMemory&& o) noexcept
    : p_(std::exchange(o.p_, nullptr)), n_(std::exchange(o.n_, 0)) {}

LazyMemory& LazyMemory::operator=(LazyMemory&& o) noexcept {
    if (this != &o) {
        this->~LazyMemory();
        p_ = std::exchange(o.p_, nullptr);
        n_ = std::exchange(o.n_, 0);
    }
    return *this;
}

LazyMemory::~LazyMemory() {
    if (p_)
        ::munmap(p_, n_);
}

void LazyMemory::zero() noexcept {
    // Private anonymous pages read as zeros again after MADV_DONTNEED, and
    // their memory goes back to the system.
    if (p_)
        ::madvise(p_, n_, MADV_DONTNEED);
}

namespace {
unsigned checked_width(unsigned width) {
    if (width != 1 && width != 2 && width != 4)
        throw UsageError("a check value is 1, 2 or 4 bytes wide, not " + std::to_string(width));
    return width;
}
} // namespace

CheckMap::CheckMap(std::uint64_t count, unsigned width)
    : count_(count), width_(checked_width(width)),
      max_(width == 4 ? 0xffff'ffffu : (1u << (8 * width)) - 1), mem_(count * width) {}

void CheckMap::fill(std::uint64_t lba, std::uint64_t n, std::uint32_t v) noexcept {
    if (lba >= count_)
        return;
    const std::uint64_t end = n > count_ - lba ? count_ : lba + n;
    for (std::uint64_t i = lba; i < end; i++)
        set(i, v);
}

// ------------------------------------------------------------ LbaLocks

LbaLocks::LbaLocks(std::uint64_t count) : count_(count), words_((count + 63) / 64 * 8) {}

namespace {
using Word = std::atomic_ref<std::uint64_t>;

std::uint64_t mask_of(std::uint64_t first_bit, std::uint64_t end_bit) noexcept {
    const std::uint64_t hi = end_bit >= 64 ? ~0ull : (1ull << end_bit) - 1;
    return hi & ~((1ull << first_bit) - 1);
}

// Calls fn(word index, mask) for each word of bits [lba, end).
template <class Fn>
bool for_words(std::uint64_t lba, std::uint64_t end, Fn fn) noexcept {
    for (std::uint64_t bit = lba; bit < end;) {
        const std::uint64_t w = bit / 64;
        const std::uint64_t word_end = (w + 1) * 64;
        const std::uint64_t stop = end < word_end ? end : word_end;
        if (!fn(w, mask_of(bit - w * 64, stop - w * 64)))
            return false;
        bit = stop;
    }
    return true;
}
} // namespace

bool LbaLocks::try_lock(std::uint64_t lba, std::uint64_t n) noexcept {
    if (lba >= count_ || n == 0)
        return true;
    const std::uint64_t end = n > count_ - lba ? count_ : lba + n;
    auto* words = reinterpret_cast<std::uint64_t*>(words_.data());
    std::uint64_t taken_end = lba; // bits [lba, taken_end) are ours
    const bool ok = for_words(lba, end, [&](std::uint64_t w, std::uint64_t mask) {
        Word word(words[w]);
        std::uint64_t old = word.load(std::memory_order_relaxed);
        do {
            if (old & mask)
                return false;
        } while (!word.compare_exchange_weak(old, old | mask, std::memory_order_acquire,
                                             std::memory_order_relaxed));
        taken_end = std::min(end, (w + 1) * 64);
        return true;
    });
    if (!ok && taken_end > lba)
        unlock(lba, taken_end - lba);
    return ok;
}

void LbaLocks::unlock(std::uint64_t lba, std::uint64_t n) noexcept {
    if (lba >= count_ || n == 0)
        return;
    const std::uint64_t end = n > count_ - lba ? count_ : lba + n;
    auto* words = reinterpret_cast<std::uint64_t*>(words_.data());
    for_words(lba, end, [&](std::uint64_t w, std::uint64_t mask) {
        Word(words[w]).fetch_and(~mask, std::memory_order_release);
        return true;
    });
}

bool LbaLocks::locked(std::uint64_t lba) const noexcept {
    if (lba >= count_)
        return false;
    auto* words = reinterpret_cast<std::uint64_t*>(words_.data());
    return Word(words[lba / 64]).load(std::memory_order_acquire) >> (lba % 64) & 1;
}

} // namespace nvmetest::verify
