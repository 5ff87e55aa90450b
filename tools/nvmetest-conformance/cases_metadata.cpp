// SPDX-License-Identifier: BSD-3-Clause
// Group "metadata": metadata and end-to-end data protection (NVM Command Set
// Specification 1.0, section 5.2, and the Identify Namespace fields of
// 4.1.5): on the first active namespace formatted with metadata (or with
// protection information), the format fields, the transfers and the checks.
#include <vector>

#include "cases_util.h"

namespace nvmetest::conf {
namespace {

constexpr Level M = Level::kMandatory;
constexpr Level O = Level::kOptional;

std::string sec(const char* s) { return std::string(kNvm) + s; }

struct Format {
    std::uint32_t ms = 0;     // metadata bytes per LBA
    std::uint32_t lbads = 9;  // log2 of the data size
    bool extended = false;    // FLBAS bit 4
    std::uint32_t pi = 0;     // DPS bits 2:0
    bool pi_first = false;    // DPS bit 3
};

// The format in use, from an Identify Namespace structure.
Format format_of(const Buffer& id)
{
    Format f;
    const auto flbas = id.data(26);
    const auto index = (flbas & 0xf) | ((flbas >> 5) & 3) << 4;
    f.ms = static_cast<std::uint32_t>(id.data(128 + 4 * index + 1, 128 + 4 * index));
    f.lbads = static_cast<std::uint32_t>(id.data(128 + 4 * index + 2));
    f.extended = bit(flbas, 4);
    f.pi = static_cast<std::uint32_t>(id.data(29) & 7);
    f.pi_first = bit(id.data(29), 3);
    return f;
}

// The first active namespace whose format `want` accepts: its NSID, format
// and Identify Namespace bytes.  Not applicable (why_not) when there is none.
struct Found {
    std::uint32_t nsid = 0;
    Format f;
    std::uint64_t nsze = 0;
    std::uint8_t mc = 0, dpc = 0;
};

Found find_ns(Context& c, bool (*want)(const Format&), const char* why_not)
{
    Buffer list(4096), id(4096);
    identify(c, list, nvme::cns::kActiveNsList, 0);
    for (std::size_t i = 0; i < 1024 && list.data(4 * i + 3, 4 * i); ++i) {
        const auto nsid = static_cast<std::uint32_t>(list.data(4 * i + 3, 4 * i));
        if (!identify(c, id, nvme::cns::kNamespace, nsid).ok())
            continue;
        const auto f = format_of(id);
        if (want(f))
            return {nsid, f, id.data(7, 0), static_cast<std::uint8_t>(id.data(27)), static_cast<std::uint8_t>(id.data(28))};
    }
    c.not_applicable(why_not);
}

bool has_metadata(const Format& f) { return f.ms != 0; }
bool metadata_no_pi(const Format& f) { return f.ms != 0 && f.pi == 0; }
bool has_pi(const Format& f) { return f.pi != 0; }
bool has_pi_type12(const Format& f) { return f.pi == 1 || f.pi == 2; }

constexpr const char* kNoMetadata = "no active namespace is formatted with metadata";
constexpr const char* kNoPi = "no active namespace is formatted with protection information (DPS bits 2:0 are 0)";

Cqe ns_write(Context& c, Namespace& ns, Buffer& d, std::uint64_t lba, IoArgs a)
{
    Cqe got{};
    a.cb = [&](const Cqe& e) { got = e; };
    ns.write(c.qpair(), d, lba, 1, std::move(a)).waitdone();
    return got;
}

Cqe ns_read(Context& c, Namespace& ns, Buffer& d, std::uint64_t lba, IoArgs a)
{
    Cqe got{};
    a.cb = [&](const Cqe& e) { got = e; };
    ns.read(c.qpair(), d, lba, 1, std::move(a)).waitdone();
    return got;
}

// One LBA with its protection information: guard (CRC-16 T10-DIF), application
// tag, reference tag; the 8 bytes at the end (or the start, DPS bit 3) of the metadata.
std::uint16_t crc16_t10dif(const std::uint8_t* p, std::size_t n)
{
    std::uint16_t crc = 0;
    for (std::size_t i = 0; i < n; ++i) {
        crc ^= static_cast<std::uint16_t>(p[i] << 8);
        for (int b = 0; b < 8; ++b)
            crc = static_cast<std::uint16_t>(crc & 0x8000 ? (crc << 1) ^ 0x8bb7 : crc << 1);
    }
    return crc;
}

void put_pi(std::uint8_t* pi, std::uint16_t guard, std::uint16_t app, std::uint32_t ref)
{
    pi[0] = static_cast<std::uint8_t>(guard >> 8), pi[1] = static_cast<std::uint8_t>(guard);
    pi[2] = static_cast<std::uint8_t>(app >> 8), pi[3] = static_cast<std::uint8_t>(app);
    for (int i = 0; i < 4; ++i)
        pi[4 + i] = static_cast<std::uint8_t>(ref >> (24 - 8 * i));
}

// Writes one LBA with PRACT 0 and the PI given; returns the completion.
// guard_ok / ref_ok: whether those fields are right; prchk: PRCHK bits (2 guard, 1 app, 0 ref).
Cqe write_pi(Context& c, const Found& at_ns, std::uint64_t back, bool guard_ok, bool app_ok, bool ref_ok,
             std::uint16_t prchk, std::uint16_t elbat = 0x1234)
{
    const Format& f = at_ns.f;
    const std::uint64_t lba = at_ns.nsze - back;
    Namespace ns(c.nvme(), at_ns.nsid, kNoVerifyMap);
    const auto data = 1u << f.lbads;
    Buffer d(f.extended ? data + f.ms : data), meta(f.ms ? f.ms : 8);
    d.fill_pattern(0x9c9c0001, 32);
    std::uint8_t* m = f.extended ? &d[data] : &meta[0];
    const std::size_t at = f.pi_first ? 0 : f.ms - 8;
    const auto guard = crc16_t10dif(&d[0], data);
    put_pi(m + at, guard_ok ? guard : static_cast<std::uint16_t>(~guard), app_ok ? elbat : static_cast<std::uint16_t>(~elbat),
           ref_ok ? static_cast<std::uint32_t>(lba) : static_cast<std::uint32_t>(lba) + 1);
    IoArgs a{.io_flags = static_cast<std::uint16_t>(prchk << 10), .dword14 = 0,
             .dword15 = std::uint32_t{0xffff} << 16 | elbat, .meta = f.extended ? nullptr : &meta};
    a.dword14 = static_cast<std::uint32_t>(lba);  // Expected Initial Logical Block Reference Tag
    return ns_write(c, ns, d, lba, std::move(a));
}

void format_cases(std::vector<Case>& out)
{
    out.push_back(make_case("metadata.format.pi-needs-metadata",
        "A namespace with protection information has at least 8 bytes of metadata per LBA", sec("4.1.5"), M,
        [](Context& c) {
            const auto n = find_ns(c, has_pi, kNoPi);
            c.expect_true("MS of the format in use on NSID " + std::to_string(n.nsid), n.f.ms >= 8, ">= 8",
                          std::to_string(n.f.ms));
        }));
    out.push_back(make_case("metadata.format.dps-in-dpc",
        "The protection type in use (DPS) is one DPC says the namespace supports", sec("4.1.5"), M, [](Context& c) {
            const auto n = find_ns(c, has_pi, kNoPi);
            c.expect_eq("NSID " + std::to_string(n.nsid) + " DPC bit for PI Type " + std::to_string(n.f.pi), 1,
                        (n.dpc >> (n.f.pi - 1)) & 1);
            if (n.f.pi_first)
                c.expect_eq("DPC bit 3 (PI in the first 8 bytes)", 1, (n.dpc >> 3) & 1);
        }));
    out.push_back(make_case("metadata.format.mc-consistent",
        "A format with metadata uses a transfer (extended or separate) that MC says is supported", sec("4.1.5"), M,
        [](Context& c) {
            const auto n = find_ns(c, has_metadata, kNoMetadata);
            c.expect_eq("NSID " + std::to_string(n.nsid) + (n.f.extended ? " MC bit 0 (extended LBA)" : " MC bit 1 (separate buffer)"),
                        1, (n.mc >> (n.f.extended ? 0 : 1)) & 1);
        }));
}

void transfer_cases(std::vector<Case>& out)
{
    out.push_back(make_case("metadata.roundtrip",
        "Data and metadata written are read back unchanged", sec("5.2"), O, [](Context& c) {
            const auto n = find_ns(c, metadata_no_pi, "no active namespace has metadata without protection information");
            const auto& f = n.f;
            Namespace ns(c.nvme(), n.nsid, kNoVerifyMap);
            const auto data = 1u << f.lbads;
            const auto lba = n.nsze - 8;
            Buffer w(f.extended ? data + f.ms : data), r(w.size()), mw(f.ms), mr(f.ms);
            w.fill_pattern(0x3e7a0001, 32);
            mw.fill_pattern(0x3e7a0002, 32);
            c.expect_success(ns_write(c, ns, w, lba, {.meta = f.extended ? nullptr : &mw}),
                             "Write 1 LBA with metadata, NSID " + std::to_string(n.nsid));
            c.expect_success(ns_read(c, ns, r, lba, {.meta = f.extended ? nullptr : &mr}), "Read it back");
            c.expect_true("data (and extended metadata)", r == w, "equal", r == w ? "equal" : "different");
            if (!f.extended)
                c.expect_true("separate metadata", mr == mw, "equal", mr == mw ? "equal" : "different");
        }));
    out.push_back(make_case("metadata.pi.pract",
        "Write and Read with PRACT 1 (the controller inserts and strips PI) succeed", sec("5.2"), O,
        [](Context& c) {
            const auto n = find_ns(c, has_pi, kNoPi);
            const auto& f = n.f;
            Namespace ns(c.nvme(), n.nsid, kNoVerifyMap);
            const auto data = 1u << f.lbads;
            const auto lba = n.nsze - 9;
            // With more metadata than the PI, the rest still travels: a buffer for it.
            Buffer w(f.extended ? data + f.ms : data), r(w.size()), mw(f.ms), mr(f.ms);
            w.fill_pattern(0x3e7a0003, 32);
            const std::uint16_t pract = 1u << 13;
            Buffer* meta_w = f.extended || f.ms == 8 ? nullptr : &mw;
            Buffer* meta_r = f.extended || f.ms == 8 ? nullptr : &mr;
            c.expect_success(ns_write(c, ns, w, lba, {.io_flags = pract, .dword14 = static_cast<std::uint32_t>(lba),
                                                      .meta = meta_w}),
                             "Write PRACT 1, NSID " + std::to_string(n.nsid));
            c.expect_success(ns_read(c, ns, r, lba, {.io_flags = static_cast<std::uint16_t>(pract | 7u << 10),
                                                     .dword14 = static_cast<std::uint32_t>(lba), .meta = meta_r}),
                             "Read PRACT 1, PRCHK all");
            bool same = true;
            for (std::size_t i = 0; i < data && same; ++i)
                same = r[i] == w[i];
            c.expect_true("data", same, "equal", same ? "equal" : "different");
        }));
    out.push_back(make_case("metadata.pi.guard-error",
        "A Write whose guard is wrong, with guard checking, is aborted with End-to-end Guard Check Error",
        sec("5.2"), O, [](Context& c) {
            const auto n = find_ns(c, has_pi, kNoPi);
            c.expect_status(write_pi(c, n, 10, false, true, true, 4),
                            st::kEndToEndGuardCheckError, "Write, bad guard, PRCHK guard");
        }));
    out.push_back(make_case("metadata.pi.apptag-error",
        "A Write whose application tag differs, with its checking, is aborted with End-to-end Application Tag Check Error",
        sec("5.2"), O, [](Context& c) {
            const auto n = find_ns(c, has_pi, kNoPi);
            c.expect_status(write_pi(c, n, 11, true, false, true, 2),
                            st::kEndToEndApplicationTagCheckError, "Write, other application tag, PRCHK app");
        }));
    out.push_back(make_case("metadata.pi.reftag-error",
        "A Write whose reference tag is not the LBA (Type 1) is aborted with End-to-end Reference Tag Check Error",
        sec("5.2"), O, [](Context& c) {
            const auto n = find_ns(c, has_pi_type12, "no active namespace has protection information of Type 1 or 2");
            c.expect_status(write_pi(c, n, 12, true, true, false, 1),
                            st::kEndToEndReferenceTagCheckError, "Write, reference tag LBA+1, PRCHK ref");
        }));
    out.push_back(make_case("metadata.pi.valid",
        "A Write with correct protection information and every check succeeds", sec("5.2"), O, [](Context& c) {
            const auto n = find_ns(c, has_pi, kNoPi);
            // The guard covers the data alone when the PI is all the metadata or comes first.
            const bool guard_known = n.f.ms == 8 || n.f.pi_first;
            c.expect_success(write_pi(c, n, 13, true, true, true, guard_known ? 7 : 3),
                             guard_known ? "Write, PI right, PRCHK all" : "Write, PI right, PRCHK app and ref");
        }));
}

}  // namespace

void add_metadata_cases(std::vector<Case>& out)
{
    format_cases(out);
    transfer_cases(out);
}

}  // namespace nvmetest::conf
