// SPDX-License-Identifier: BSD-3-Clause
#include "nvmetest/verify.h"

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>

namespace nvmetest::verify {
namespace {

std::atomic<std::uint64_t> g_next_token{1};

std::uint64_t load64(const std::uint8_t* p) noexcept {
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
}

void store64(std::uint8_t* p, std::uint64_t v) noexcept {
    std::memcpy(p, &v, 8);
}

bool all_zero(const std::uint8_t* p, std::size_t n) noexcept {
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8)
        if (load64(p + i))
            return false;
    for (; i < n; i++)
        if (p[i])
            return false;
    return true;
}

std::string hex(std::uint64_t v) {
    char s[24];
    std::snprintf(s, sizeof(s), "0x%llx", static_cast<unsigned long long>(v));
    return s;
}

std::string human_bytes(std::uint64_t b) {
    char s[48];
    if (b >= (1ull << 30))
        std::snprintf(s, sizeof(s), "%llu bytes (%.1f GiB)", static_cast<unsigned long long>(b),
                      static_cast<double>(b) / (1ull << 30));
    else
        std::snprintf(s, sizeof(s), "%llu bytes (%.1f MiB)", static_cast<unsigned long long>(b),
                      static_cast<double>(b) / (1ull << 20));
    return s;
}

// LBAs to verify, after the memory check.
std::uint64_t plan_coverage(const VerifyConfig& c, std::string* warning) {
    const std::uint64_t want =
        c.nlba_verify && c.nlba_verify < c.id.nsze ? c.nlba_verify : c.id.nsze;
    const std::uint64_t need = memory_needed(want, c.width);
    const std::uint64_t have = c.available_memory ? c.available_memory : available_memory();
    if (need <= have)
        return want;
    if (warning)
        *warning = "data verification of namespace " + std::to_string(c.id.nsid) + " needs " +
                   human_bytes(need) + " of host memory for " + std::to_string(want) + " LBAs (" +
                   std::to_string(c.width) + " byte(s) per LBA plus lock bits), but only " +
                   human_bytes(have) +
                   " are available: verification is disabled on this namespace; add memory, "
                   "or verify fewer LBAs with nlba_verify";
    return 0;
}

} // namespace

std::string_view mismatch_kind_name(MismatchKind k) noexcept {
    switch (k) {
    case MismatchKind::Checksum:
        return "checksum mismatch";
    case MismatchKind::Misdirected:
        return "data of another LBA (header mismatch)";
    case MismatchKind::Uncorrectable:
        return "read succeeded on an uncorrectable LBA";
    case MismatchKind::NotZero:
        return "non-zero data where zeros were written";
    case MismatchKind::Compare:
        return "Compare status contradicts the written data";
    case MismatchKind::Verify:
        return "Verify status contradicts the written data";
    }
    return "mismatch";
}

std::string Mismatch::to_string() const {
    std::string s = "namespace " + std::to_string(nsid) + " LBA " + std::to_string(lba) + ": " +
                    std::string(mismatch_kind_name(kind)) + ": expected " + hex(expected) +
                    ", found " + hex(found);
    if (token)
        s += " (token " + hex(token) + ")";
    return s;
}

std::uint64_t take_tokens(std::uint32_t n) noexcept {
    return g_next_token.fetch_add(n, std::memory_order_relaxed);
}

std::uint64_t available_memory() noexcept {
    std::FILE* f = std::fopen("/proc/meminfo", "r");
    if (!f)
        return 0;
    char line[128];
    unsigned long long kb = 0;
    while (std::fgets(line, sizeof(line), f))
        if (std::sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
            break;
    std::fclose(f);
    return kb * 1024;
}

std::uint64_t memory_needed(std::uint64_t count, unsigned width) noexcept {
    return count * width + (count + 63) / 64 * 8;
}

Verifier::Verifier(const VerifyConfig& c, std::string* warning)
    : id_(c.id), stride_(c.stride ? c.stride : c.id.lba_bytes),
      algo_(c.algorithm == CheckAlgorithm::Auto ? fastest_check_algorithm() : c.algorithm),
      map_(plan_coverage(c, warning), c.width), locks_(map_.count()),
      foreign_((map_.count() + 63) / 64 * 8) {}

void Verifier::inject(std::uint8_t* data, std::uint64_t lba, std::uint32_t n) noexcept {
    const std::uint32_t bytes = id_.lba_bytes;
    if (bytes < 16)
        return;
    std::uint64_t token = take_tokens(n);
    for (std::uint32_t i = 0; i < n; i++) {
        std::uint8_t* d = data + std::size_t{i} * stride_;
        store64(d, header_of(id_.nsid, lba + i));
        store64(d + bytes - 8, token++);
    }
}

void Verifier::written(const std::uint8_t* data, std::uint64_t lba, std::uint32_t n) noexcept {
    const std::uint64_t count = clamp(lba, n);
    for (std::uint64_t i = 0; i < count; i++)
        map_.set(lba + i, value_of({data + i * stride_, id_.lba_bytes}));
    set_foreign(lba, count, false);
}

void Verifier::appended(const std::uint8_t* data, std::uint64_t lba, std::uint32_t n) noexcept {
    written(data, lba, n);
    set_foreign(lba, clamp(lba, n), true);
}

void Verifier::mark(std::uint64_t lba, std::uint64_t n, std::uint32_t v) noexcept {
    const std::uint64_t count = clamp(lba, n);
    map_.fill(lba, count, v);
    set_foreign(lba, count, false);
}

void Verifier::copied(std::uint64_t src, std::uint64_t dst, std::uint64_t n) noexcept {
    const std::uint64_t count = clamp(dst, n);
    for (std::uint64_t i = 0; i < count; i++) {
        const bool known = src + i < coverage();
        map_.set(dst + i, known ? map_.get(src + i) : CheckMap::kUnknown);
    }
    set_foreign(dst, count, true);
}

bool Verifier::foreign(std::uint64_t lba) const noexcept {
    if (!any_foreign_.load(std::memory_order_relaxed))
        return false;
    auto* w = reinterpret_cast<std::uint64_t*>(foreign_.data());
    return std::atomic_ref<std::uint64_t>(w[lba / 64]).load(std::memory_order_relaxed) >>
               (lba % 64) &
           1;
}

void Verifier::set_foreign(std::uint64_t lba, std::uint64_t n, bool on) noexcept {
    if (!on && !any_foreign_.load(std::memory_order_relaxed))
        return; // the common case: no copy or append ever; touch nothing
    if (on)
        any_foreign_.store(true, std::memory_order_relaxed);
    auto* w = reinterpret_cast<std::uint64_t*>(foreign_.data());
    for (std::uint64_t i = lba; i < lba + n; i++) {
        std::atomic_ref<std::uint64_t> word(w[i / 64]);
        const std::uint64_t bit = 1ull << (i % 64);
        if (on)
            word.fetch_or(bit, std::memory_order_relaxed);
        else if (word.load(std::memory_order_relaxed) & bit)
            word.fetch_and(~bit, std::memory_order_relaxed);
    }
}

std::uint32_t Verifier::check_read(const std::uint8_t* data, std::uint64_t lba, std::uint32_t n,
                                   bool check_header, Mismatch* out, std::uint32_t max_out,
                                   std::uint32_t* checked) const noexcept {
    const std::uint64_t count = clamp(lba, n);
    const std::uint32_t bytes = id_.lba_bytes;
    std::uint32_t bad = 0, known = 0;
    struct Tell { // every return path reports the count
        std::uint32_t* to;
        const std::uint32_t& n;
        ~Tell() {
            if (to)
                *to = n;
        }
    } tell{checked, known};
    for (std::uint64_t i = 0; i < count; i++) {
        const std::uint64_t at = lba + i;
        const std::uint32_t v = map_.get(at);
        if (v == CheckMap::kUnknown)
            continue;
        known++;
        const std::uint8_t* d = data + i * stride_;
        Mismatch m{id_.nsid, at, MismatchKind::Checksum,
                   v,        0,  bytes >= 16 ? load64(d + bytes - 8) : 0};
        if (v == map_.zeros()) {
            if (all_zero(d, bytes))
                continue;
            m.kind = MismatchKind::NotZero;
            m.expected = 0;
            m.found = load64(d);
        } else {
            const std::uint32_t found = value_of({d, bytes});
            const std::uint64_t h = bytes >= 16 ? load64(d) : 0;
            const std::uint64_t want_h = header_of(id_.nsid, at);
            if (v == map_.uncorrectable()) {
                m.kind = MismatchKind::Uncorrectable;
                m.found = found;
            } else if (check_header && bytes >= 16 && h != want_h && h >> 48 == want_h >> 48 &&
                       !foreign(at)) {
                m.kind = MismatchKind::Misdirected;
                m.expected = want_h;
                m.found = h;
            } else if (found != v) {
                m.found = found;
            } else {
                continue;
            }
        }
        if (bad < max_out)
            out[bad] = m;
        bad++;
    }
    return bad;
}

// Whether data d may be what LBA lba holds, whose check value is v: the
// value matches, and with check_header the header too.
bool Verifier::same_data(const std::uint8_t* d, std::uint64_t lba, std::uint32_t v,
                         bool check_header) const noexcept {
    const std::uint32_t bytes = id_.lba_bytes;
    if (check_header && bytes >= 16 && !foreign(lba) && load64(d) != header_of(id_.nsid, lba))
        return false;
    return value_of({d, bytes}) == v;
}

int Verifier::expect_compare(const std::uint8_t* data, std::uint64_t lba, std::uint32_t n,
                             bool check_header) const noexcept {
    if (clamp(lba, n) != n)
        return -1;
    int result = 1;
    for (std::uint32_t i = 0; i < n; i++) {
        const std::uint32_t v = map_.get(lba + i);
        const std::uint8_t* d = data + std::size_t{i} * stride_;
        if (v == map_.uncorrectable())
            return -2;
        if (v == CheckMap::kUnknown)
            result = -1;
        else if (result == 1 && (v == map_.zeros() ? !all_zero(d, id_.lba_bytes)
                                                   : !same_data(d, lba + i, v, check_header)))
            result = 0;
    }
    return result;
}

int Verifier::expect_verify(std::uint64_t lba, std::uint32_t n) const noexcept {
    const std::uint64_t count = clamp(lba, n);
    int result = count == n ? 1 : -1;
    for (std::uint64_t i = 0; i < count; i++) {
        const std::uint32_t v = map_.get(lba + i);
        if (v == map_.uncorrectable())
            return -2;
        if (v == CheckMap::kUnknown)
            result = -1;
    }
    return result;
}

bool Verifier::status_contradicts(bool compare, std::uint64_t lba, int want,
                                  std::uint16_t status, Mismatch& out) const noexcept {
    const std::uint16_t sc = status & 0x7ff;
    const bool contradicts = (want == 1 && sc == (compare ? kCompareFailureStatus
                                                          : kUnrecoveredReadStatus)) ||
                             ((want == 0 || want == -2) && sc == 0);
    if (contradicts)
        out = {id_.nsid,
               lba,
               compare ? MismatchKind::Compare : MismatchKind::Verify,
               want == 1   ? 0u
               : want == 0 ? kCompareFailureStatus
                           : kUnrecoveredReadStatus,
               sc,
               0};
    return contradicts;
}

bool Verifier::lock(std::uint64_t lba, std::uint64_t n, std::uint32_t timeout_ms,
                    void (*poll)(void*), void* ctx) {
    if (locks_.try_lock(lba, n))
        return true;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (unsigned spins = 0;; spins++) {
        if (poll)
            poll(ctx);
        if (locks_.try_lock(lba, n))
            return true;
        if (spins % 64 == 63) {
            if (std::chrono::steady_clock::now() >= deadline)
                return false;
            std::this_thread::yield();
        }
    }
}

void Verifier::reset() noexcept {
    map_.reset();
    foreign_.zero();
    any_foreign_.store(false, std::memory_order_relaxed);
}

} // namespace nvmetest::verify
