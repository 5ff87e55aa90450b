// SPDX-License-Identifier: BSD-3-Clause
//
// LBA locks of data verification: an I/O never overlaps another in-flight I/O
// on the same LBAs within the process, on any qpair and any thread.  One bit
// per LBA in lazily committed memory; a range is taken all at once or not at
// all with compare-and-swap on 64-bit words, so there is no mutex, no
// allocation and no system call, and a caller that finds a conflict decides
// how to wait (Verifier::lock reaps its own queue meanwhile).
#ifndef NVMETEST_VERIFY_LOCKS_H
#define NVMETEST_VERIFY_LOCKS_H

#include "nvmetest/cxx20.h"

#include "nvmetest/verify_map.h"

#include <cstdint>

namespace nvmetest::verify {

class LbaLocks {
public:
    explicit LbaLocks(std::uint64_t count);

    std::uint64_t count() const noexcept { return count_; }
    // Locks [lba, lba + n) (clamped to count()) when none of it is locked;
    // otherwise changes nothing and returns false.
    bool try_lock(std::uint64_t lba, std::uint64_t n) noexcept;
    // Unlocks a range this caller locked.
    void unlock(std::uint64_t lba, std::uint64_t n) noexcept;
    bool locked(std::uint64_t lba) const noexcept;

private:
    std::uint64_t count_;
    LazyMemory words_;
};

} // namespace nvmetest::verify

#endif // NVMETEST_VERIFY_LOCKS_H
