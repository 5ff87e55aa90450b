// SPDX-License-Identifier: BSD-3-Clause
// Group "zns": Zoned Namespaces (NVMe Zoned Namespace Command Set
// Specification 1.1), on the first zoned namespace the controller has:
// zone reports, the write pointer rule, Zone Append, and the zone state
// machine's transitions.  Not applicable on controllers without one.
#include <memory>
#include <vector>

#include "cases_util.h"
#include "nvmetest/nvme/zns.h"

namespace nvmetest::conf {
namespace {

constexpr Level O = Level::kOptional;
constexpr const char* kZns = "ZNS CS 1.1, ";

std::string sec(const char* s) { return std::string(kZns) + s; }

// The first zoned namespace (Identify CNS 07h CSI 02h), as a Namespace and a
// queue pair of its own.
struct Zoned {
    std::unique_ptr<Namespace> ns;
    std::unique_ptr<Qpair> q;
};

Zoned zoned(Context& c)
{
    c.require(bit(nvme::cap::css(cap(c)), 6), "CAP.CSS bit 6 (I/O command sets) is 0: no zoned command set");
    Buffer list(4096);
    const auto cqe = identify(c, list, nvme::cns::kCsActiveNsList, 0, 0, nvme::csi::kZoned);
    c.require(cqe.ok() && list.data(3, 0) != 0, "Identify CNS 07h CSI 02h lists no zoned namespace");
    Zoned z;
    z.ns = std::make_unique<Namespace>(c.nvme(), static_cast<std::uint32_t>(list.data(3, 0)), kNoVerifyMap);
    z.q = std::make_unique<Qpair>(c.nvme(), 16);
    return z;
}

// Zone size in LBAs: ZSZE of the LBA Format Extension of the format in use,
// from the zoned Identify Namespace structure (CNS 05h, CSI 02h).
std::uint64_t zone_size(Zoned& z, const Buffer& zoned_id)
{
    const auto flbas = z.ns->id_data(26) & 0xf;
    return zoned_id.data(2816 + 16 * flbas + 7, 2816 + 16 * flbas);
}

Cqe zsend(Zoned& z, std::uint64_t slba, std::uint8_t action)
{
    Cqe got{};
    z.ns->zone_mgmt_send(*z.q, slba, action, {.cb = [&](const Cqe& e) { got = e; }});
    z.q->waitdone();
    return got;
}

Cqe zwrite(Zoned& z, std::uint64_t lba)
{
    Buffer b(z.ns->sector_size());
    b.fill_pattern(0x20e50001, 32);
    Cqe got{};
    z.ns->write(*z.q, b, lba, 1, {.cb = [&](const Cqe& e) { got = e; }});
    z.q->waitdone();
    return got;
}

// State of the zone at zslba from a report (ZoneDescriptor zs bits 7:4).
std::uint8_t zstate(Zoned& z, std::uint64_t zslba, std::uint64_t* wp = nullptr)
{
    Buffer r(4096);
    Cqe got{};
    z.ns->zone_mgmt_receive(*z.q, r, zslba, {.size = 4096, .cb = [&](const Cqe& e) { got = e; }});
    z.q->waitdone();
    if (wp)
        *wp = r.data(64 + 31, 64 + 24);
    return static_cast<std::uint8_t>(r.data(64 + 1) >> 4);
}

void cases(std::vector<Case>& out)
{
    out.push_back(make_case("zns.report.zones", "Zone Management Receive reports zones; the first starts at LBA 0",
        sec("Zone Management Receive"), O, [](Context& c) {
            auto z = zoned(c);
            Buffer r(4096);
            Cqe got{};
            z.ns->zone_mgmt_receive(*z.q, r, 0, {.size = 4096, .cb = [&](const Cqe& e) { got = e; }});
            z.q->waitdone();
            c.expect_success(got, "Report Zones from LBA 0");
            c.expect_true("Number of Zones", r.data(7, 0) >= 1, ">= 1", hex(r.data(7, 0)));
            c.expect_eq("first ZSLBA", 0, r.data(64 + 23, 64 + 16));
            c.expect_eq("zone type (sequential write required)", 2, r.data(64) & 0xf);
        }));
    out.push_back(make_case("zns.write.not-at-wp",
        "A Write that does not start at the zone's write pointer is aborted with Zone Invalid Write", sec("zone write rules"), O,
        [](Context& c) {
            auto z = zoned(c);
            c.expect_success(zsend(z, 0, nvme::zone_send_action::kReset), "Reset zone 0");
            c.expect_status(zwrite(z, 1), st::kZoneInvalidWrite, "Write at LBA 1 of an empty zone");
        }));
    out.push_back(make_case("zns.write.moves-wp", "A Write at the write pointer opens the zone and moves the pointer",
        sec("zone write rules"), O, [](Context& c) {
            auto z = zoned(c);
            c.expect_success(zsend(z, 0, nvme::zone_send_action::kReset), "Reset zone 0");
            c.expect_success(zwrite(z, 0), "Write at LBA 0");
            std::uint64_t wp = 0;
            const auto s = zstate(z, 0, &wp);
            c.expect_eq("write pointer", 1, wp);
            c.expect_eq("zone state (implicitly opened)", 2, s);
        }));
    out.push_back(make_case("zns.append.lba", "Zone Append returns the LBA the data went to: the write pointer",
        sec("Zone Append"), O, [](Context& c) {
            auto z = zoned(c);
            c.expect_success(zsend(z, 0, nvme::zone_send_action::kReset), "Reset zone 0");
            c.expect_success(zwrite(z, 0), "Write at LBA 0");
            Buffer b(z.ns->sector_size());
            Cqe got{};
            z.ns->zone_append(*z.q, b, 0, 1, {.cb = [&](const Cqe& e) { got = e; }});
            z.q->waitdone();
            c.expect_success(got, "Zone Append to zone 0");
            c.expect_eq("LBA in the completion", 1, Namespace::zone_append_lba(got));
        }));
    out.push_back(make_case("zns.finish.full", "Finish makes the zone Full; a Write to it is aborted with Zone Is Full",
        sec("Zone Management Send"), O, [](Context& c) {
            auto z = zoned(c);
            c.expect_success(zsend(z, 0, nvme::zone_send_action::kReset), "Reset zone 0");
            c.expect_success(zsend(z, 0, nvme::zone_send_action::kFinish), "Finish zone 0");
            c.expect_eq("zone state (full)", 0xe, zstate(z, 0));
            c.expect_status(zwrite(z, 0), st::kZoneIsFull, "Write to the full zone");
            zsend(z, 0, nvme::zone_send_action::kReset);
        }));
    out.push_back(make_case("zns.reset.empty", "Reset makes an opened zone Empty with the write pointer at its start",
        sec("Zone Management Send"), O, [](Context& c) {
            auto z = zoned(c);
            zsend(z, 0, nvme::zone_send_action::kReset);
            c.expect_success(zwrite(z, 0), "Write at LBA 0");
            c.expect_success(zsend(z, 0, nvme::zone_send_action::kReset), "Reset zone 0");
            std::uint64_t wp = 99;
            c.expect_eq("zone state (empty)", 1, zstate(z, 0, &wp));
            c.expect_eq("write pointer", 0, wp);
        }));
    out.push_back(make_case("zns.close.invalid-transition",
        "Close of an Empty zone is aborted with Invalid Zone State Transition", sec("Zone Management Send"), O, [](Context& c) {
            auto z = zoned(c);
            c.expect_success(zsend(z, 0, nvme::zone_send_action::kReset), "Reset zone 0");
            c.expect_status(zsend(z, 0, nvme::zone_send_action::kClose), st::kInvalidZoneStateTransition,
                            "Close an empty zone");
        }));
    out.push_back(make_case("zns.read.crosses-zone",
        "Without Read Across Zone Boundaries, a Read across a zone boundary is aborted with Zone Boundary Error",
        sec("zone write rules"), O, [](Context& c) {
            auto z = zoned(c);
            Buffer id(4096);
            c.expect_success(identify(c, id, nvme::cns::kCsNamespace, z.ns->nsid(), 0, nvme::csi::kZoned),
                             "Identify CNS 05h CSI 02h");
            c.require(!bit(id.data(3, 2), 0), "OZCS bit 0 (Read Across Zone Boundaries) is 1");
            const auto zsze = zone_size(z, id);
            Buffer b(2 * z.ns->sector_size());
            Cqe got{};
            z.ns->read(*z.q, b, zsze - 1, 2, {.cb = [&](const Cqe& e) { got = e; }});
            z.q->waitdone();
            c.expect_status(got, st::kZoneBoundaryError, "Read of 2 LBAs from ZSZE-1");
        }));
}

}  // namespace

void add_zns_cases(std::vector<Case>& out) { cases(out); }

}  // namespace nvmetest::conf
