// SPDX-License-Identifier: BSD-3-Clause
//
// Data verification (PyNVMe3 API section 4.4; docs/verification.md): the
// engine one Namespace owns and every I/O path (single commands now, the
// IOWorker's threads later) shares.
//
//   written LBA:  [ header: nsid, LBA | data pattern ... | token ]
//                   first 8 bytes                         last 8 bytes
//
// header = (nsid & 0xffff) << 48 | (LBA & 0xffff'ffff'ffff), little-endian;
// token  = a process-wide counter, never the same twice (take_tokens()).
//
// On a successful write the check value of each LBA (its data's checksum,
// verify_checksum.h, folded by CheckMap::value_of) is stored; a successful read checks, per LBA,
// the header (data of this namespace found at another LBA) and the check value. Mismatches come
// back as data (Mismatch); the caller reports them: a warning for single commands, an error code in
// an IOWorker.
//
// Concurrency: every member used per I/O (lock/unlock, inject, written,
// mark, check_read, expect_*) is safe from any number of threads at once as
// long as each I/O holds the LBA locks of its range, and takes no lock,
// allocates nothing and makes no system call.  reset(), save(), load() need
// no I/O in flight.
#ifndef NVMETEST_VERIFY_H
#define NVMETEST_VERIFY_H

#include "nvmetest/cxx20.h"

#include "nvmetest/verify_checksum.h"
#include "nvmetest/verify_locks.h"
#include "nvmetest/verify_map.h"

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

namespace nvmetest::verify {

// What save_crc records and load_crc compares: a map belongs to one namespace.
struct NamespaceIdentity {
    std::uint32_t nsid = 0;
    std::uint64_t nsze = 0;                // LBAs
    std::uint32_t lba_bytes = 0;           // data bytes per LBA
    std::uint32_t meta_bytes = 0;          // metadata bytes per LBA
    std::array<std::uint8_t, 20> serial{}; // Identify Controller SN
    std::array<std::uint8_t, 40> model{};  // Identify Controller MN
    std::array<std::uint8_t, 16> nguid{};  // Identify Namespace NGUID
    std::array<std::uint8_t, 8> eui64{};   // Identify Namespace EUI64

    // "" when equal; else which fields differ, "nsid 1 (file) vs 2 (namespace)".
    std::string differences(const NamespaceIdentity& other) const;
};

struct VerifyConfig {
    NamespaceIdentity id;
    // Verify only LBAs [0, nlba_verify); 0: the whole namespace.
    std::uint64_t nlba_verify = 0;
    // Bytes per check value: 1 (default), 2 or 4.
    unsigned width = 1;
    // Bytes from one LBA to the next in data buffers: lba_bytes, plus
    // meta_bytes on an extended-LBA format.  0: lba_bytes.
    std::uint32_t stride = 0;
    // The check algorithm; Auto: the fastest on this CPU.  load() may change
    // it to the saved map's.
    CheckAlgorithm algorithm = CheckAlgorithm::Auto;
    // Host memory the map may use; 0: MemAvailable of /proc/meminfo.
    std::uint64_t available_memory = 0;
};

enum class MismatchKind : std::uint8_t {
    Checksum,      // check value of the data read differs from the map's
    Misdirected,   // header names another LBA of this namespace
    Uncorrectable, // read succeeded where Write Uncorrectable was done
    NotZero,       // LBA known to be zeros read non-zero data
    Compare,       // Compare status contradicts the map
    Verify,        // Verify status contradicts the map
};
std::string_view mismatch_kind_name(MismatchKind k) noexcept;

struct Mismatch {
    std::uint32_t nsid = 0;
    std::uint64_t lba = 0;
    MismatchKind kind = MismatchKind::Checksum;
    std::uint64_t expected = 0; // check value, header, or status expected
    std::uint64_t found = 0;
    std::uint64_t token = 0; // the token of the data read (0: none)

    // "namespace 1 LBA 100: checksum mismatch: expected 0x5c, found 0x13 (token 0x2a)"
    std::string to_string() const;
};

// The statuses (SCT << 8 | SC) the map predicts: Compare Failure (02/85h)
// where the data differs, Unrecovered Read Error (02/81h) where an LBA is
// uncorrectable.
inline constexpr std::uint16_t kCompareFailureStatus = 0x285;
inline constexpr std::uint16_t kUnrecoveredReadStatus = 0x281;

// Tokens [first, first + n) for this caller alone, first returned; any thread.
std::uint64_t take_tokens(std::uint32_t n) noexcept;

// MemAvailable of /proc/meminfo in bytes (0 when unreadable).
std::uint64_t available_memory() noexcept;

// Host memory a map of count LBAs needs: check values and lock bits.
std::uint64_t memory_needed(std::uint64_t count, unsigned width) noexcept;

// Header of LBA lba of namespace nsid.
constexpr std::uint64_t header_of(std::uint32_t nsid, std::uint64_t lba) noexcept {
    return std::uint64_t{nsid & 0xffffu} << 48 | (lba & 0xffff'ffff'ffffull);
}

class Verifier {
public:
    // Checks memory first: when memory_needed() exceeds the available memory,
    // the verifier covers no LBA (coverage() 0) and *warning says how much was
    // needed and what to do.
    explicit Verifier(const VerifyConfig& config, std::string* warning = nullptr);

    const NamespaceIdentity& identity() const noexcept { return id_; }
    // LBAs [0, coverage()) are verified and locked; others pass unchecked.
    std::uint64_t coverage() const noexcept { return map_.count(); }
    std::uint32_t stride() const noexcept { return stride_; }
    CheckAlgorithm algorithm() const noexcept { return algo_; }
    // The check value data would have (one LBA's data bytes).
    std::uint32_t value_of(std::span<const std::uint8_t> data) const noexcept {
        return map_.value_of(check32(algo_, data));
    }
    CheckMap& map() noexcept { return map_; }
    const CheckMap& map() const noexcept { return map_; }
    LbaLocks& locks() noexcept { return locks_; }

    // Range [lba, lba + n) clamped to coverage(): first LBA and count.
    std::uint64_t clamp(std::uint64_t lba, std::uint64_t n) const noexcept {
        const std::uint64_t c = coverage();
        return lba >= c ? 0 : (n > c - lba ? c - lba : n);
    }

    // ---------------------------------------------------- per I/O
    // Header and token into each of n LBAs of data (stride() apart).
    void inject(std::uint8_t* data, std::uint64_t lba, std::uint32_t n) noexcept;
    // A write of data to [lba, lba + n) completed successfully.
    void written(const std::uint8_t* data, std::uint64_t lba, std::uint32_t n) noexcept;
    // Zone Append: like written(), but the headers name the zone's first LBA,
    // not where the data landed; the header check skips these LBAs.
    void appended(const std::uint8_t* data, std::uint64_t lba, std::uint32_t n) noexcept;
    // The LBAs take value v (kUnknown, zeros(), uncorrectable()).
    void mark(std::uint64_t lba, std::uint64_t n, std::uint32_t v) noexcept;
    // Copy: [dst, dst + n) take the values of [src, src + n); LBAs outside
    // the coverage on either side become or stay unknown.
    void copied(std::uint64_t src, std::uint64_t dst, std::uint64_t n) noexcept;

    // Checks n LBAs read into data: returns how many mismatch; the first
    // max_out of them go to out.  check_header: the data was written with
    // injection (inject_write_buffer_disable() not called).  checked, when
    // given, gets how many of the n LBAs the map knew (checked against a
    // value: not unknown, within the coverage).
    std::uint32_t check_read(const std::uint8_t* data, std::uint64_t lba, std::uint32_t n,
                             bool check_header, Mismatch* out, std::uint32_t max_out,
                             std::uint32_t* checked = nullptr) const noexcept;

    // What a Compare of data against [lba, lba + n) must return, per the map:
    // 1 success, 0 Compare Failure, -1 unknown (an LBA unknown or beyond the
    // coverage), -2 a media error (an LBA uncorrectable).  check_header: the
    // media was written with injection, so data without an LBA's header
    // (not a copy destination's) differs from it whatever its check value:
    // a check value alone equals another data's with probability 1/250 at
    // width 1, and would predict success then.
    int expect_compare(const std::uint8_t* data, std::uint64_t lba, std::uint32_t n,
                       bool check_header) const noexcept;
    // What a Verify of [lba, lba + n) must return: 1 success, -2 media error,
    // -1 unknown (some LBA unknown or beyond coverage and none uncorrectable).
    int expect_verify(std::uint64_t lba, std::uint32_t n) const noexcept;
    // Whether status (a CQE's; SCT and SC compared) of a Compare (compare)
    // or a Verify of [lba, ...) contradicts want, what expect_compare or
    // expect_verify said of it; out gets the mismatch then.
    bool status_contradicts(bool compare, std::uint64_t lba, int want, std::uint16_t status,
                            Mismatch& out) const noexcept;

    // Waits for the locks of [lba, lba + n) (clamped): tries, and between
    // tries calls poll(ctx) (a single command reaps its own queue there, since
    // the conflicting command may be its own).  Gives up after timeout_ms:
    // false.  poll may be null.
    bool lock(std::uint64_t lba, std::uint64_t n, std::uint32_t timeout_ms, void (*poll)(void*),
              void* ctx);
    void unlock(std::uint64_t lba, std::uint64_t n) noexcept { locks_.unlock(lba, n); }

    // ---------------------------------------------------- whole map
    // Every LBA unknown (format, sanitize, namespace size change).
    void reset() noexcept;
    // save_crc / load_crc: a header (format version, identity, width, count,
    // CRC-32C of the values) then the values.  load() refuses a file of
    // another namespace, width or coverage, or a damaged one, with
    // UsageError saying why, and leaves the map unchanged then.
    void save(const std::string& path) const;
    void load(const std::string& path);

private:
    bool foreign(std::uint64_t lba) const noexcept;
    bool same_data(const std::uint8_t* d, std::uint64_t lba, std::uint32_t v,
                   bool check_header) const noexcept;
    void set_foreign(std::uint64_t lba, std::uint64_t n, bool on) noexcept;

    NamespaceIdentity id_;
    std::uint32_t stride_;
    CheckAlgorithm algo_;
    CheckMap map_;
    LbaLocks locks_;
    // LBAs whose data carries another LBA's header by design (copy
    // destinations, zone appends): one bit each, touched only when used.
    LazyMemory foreign_;
    std::atomic<bool> any_foreign_{false};
};

} // namespace nvmetest::verify

#endif // NVMETEST_VERIFY_H
