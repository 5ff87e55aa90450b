// SPDX-License-Identifier: BSD-3-Clause
// Group "arch": controller architecture (NVMe Base Specification 2.0,
// section 3): enabling and disabling, shutdown, resets and what they keep,
// completion queue entries, asynchronous events, and the command fields
// (FUSE, PSDT) every command has.
#include <memory>
#include <utility>
#include <vector>

#include "cases_util.h"
#include "nvmetest/errors.h"

namespace nvmetest::conf {
namespace {

constexpr Level M = Level::kMandatory;
constexpr Level O = Level::kOptional;
namespace reg = nvme::reg;

std::string sec(const char* s) { return std::string(kBase) + s; }

// Waits for CSTS; false (and no exception) when it does not come in time.
bool csts_within(Context& c, CstsWait want)
{
    try {
        c.nvme().wait_csts(want);
        return true;
    } catch (const TimeoutError&) {
        return false;
    }
}

std::string csts_now(Context& c) { return "CSTS " + hex(c.nvme()[reg::kCsts]); }

void enable_cases(std::vector<Case>& out)
{
    out.push_back(make_case("arch.cc.disable", "CC.EN 1 to 0 clears CSTS.RDY within CAP.TO", sec("3.5"), M,
        [](Context& c) {
            auto& n = c.nvme();
            n[reg::kCc] = n[reg::kCc] & ~nvme::cc::kEnable;
            const bool ok = csts_within(c, {.rdy = false});
            c.expect_true("CSTS.RDY 0 within CAP.TO", ok, "0", csts_now(c));
            c.renew_controller();
        }));
    out.push_back(make_case("arch.cc.enable",
        "CC.EN 0 to 1 sets CSTS.RDY within CAP.TO; the admin queue registers are kept across the disable",
        sec("3.5"), M, [](Context& c) {
            auto& n = c.nvme();
            const std::uint32_t cc = n[reg::kCc], aqa = n[reg::kAqa];
            const std::uint64_t asq = n[reg::kAsq] | std::uint64_t{n[reg::kAsq + 4]} << 32;
            n[reg::kCc] = cc & ~nvme::cc::kEnable;
            c.expect_true("CSTS.RDY 0", csts_within(c, {.rdy = false}), "0", csts_now(c));
            c.expect_eq("AQA kept by the Controller Reset", aqa, n[reg::kAqa]);
            c.expect_eq("ASQ kept by the Controller Reset", asq, n[reg::kAsq] | std::uint64_t{n[reg::kAsq + 4]} << 32);
            n[reg::kCc] = cc;
            c.expect_true("CSTS.RDY 1 within CAP.TO", csts_within(c, {.rdy = true}), "1", csts_now(c));
            c.renew_controller();
        }));
    out.push_back(make_case("arch.shutdown.normal",
        "CC.SHN 01b (normal) reaches CSTS.SHST 10b; the controller enables again afterwards", sec("3.6"), M,
        [](Context& c) {
            auto& n = c.nvme();
            n[reg::kCc] = (n[reg::kCc] & ~(3u << 14)) | 1u << 14;
            const auto rtd3e = idctrl(c, 91, 88);
            const std::uint32_t ms = std::max<std::uint32_t>(static_cast<std::uint32_t>(rtd3e / 1000), 10000);
            c.expect_true("CSTS.SHST 10b", csts_within(c, {.shst = 2, .timeout_ms = ms}), "10b", csts_now(c));
            c.renew_controller();
            c.expect_success(getfeatures(c, fid::kArbitration), "an admin command after a new initialization");
        }));
    out.push_back(make_case("arch.shutdown.abrupt", "CC.SHN 10b (abrupt) reaches CSTS.SHST 10b", sec("3.6"), M,
        [](Context& c) {
            auto& n = c.nvme();
            n[reg::kCc] = (n[reg::kCc] & ~(3u << 14)) | 2u << 14;
            c.expect_true("CSTS.SHST 10b", csts_within(c, {.shst = 2, .timeout_ms = 10000}), "10b", csts_now(c));
            c.renew_controller();
            c.expect_success(getfeatures(c, fid::kArbitration), "an admin command after a new initialization");
        }));
}

void arbitration_cases(std::vector<Case>& out)
{
    out.push_back(make_case("arch.arbitration.wrr",
        "With CAP.AMS bit 0, the controller becomes ready under Weighted Round Robin with Urgent Priority (CC.AMS 001b)",
        sec("3.1.3 (CAP.AMS, CC.AMS)"), O, [](Context& c) {
            const auto ams = nvme::cap::ams(cap(c));
            c.require(bit(ams, 0), "CAP.AMS is " + hex(ams) + ": bit 0 (Weighted Round Robin) is 0");
            auto& n = c.nvme();
            const std::uint32_t cc = n[reg::kCc];
            n[reg::kCc] = cc & ~nvme::cc::kEnable;
            c.expect_true("CSTS.RDY 0", csts_within(c, {.rdy = false}), "0", csts_now(c));
            n[reg::kCc] = (cc & ~(7u << 11)) | 1u << 11;
            c.expect_true("CSTS.RDY 1 with CC.AMS 001b", csts_within(c, {.rdy = true}), "1", csts_now(c));
            c.expect_eq("CC.AMS read back", 1, nvme::cc::ams(n[reg::kCc]));
            c.renew_controller();
        }));
}

void reset_cases(std::vector<Case>& out)
{
    out.push_back(make_case("arch.reset.controller-keeps-data",
        "Data written before a Controller Reset (CC.EN 1-0-1) reads back after it", sec("3.7"), M, [](Context& c) {
            const auto lba = c.ns().capacity() - 16;
            Buffer w(4096), r(4096);
            w.fill_pattern(0x3e5e7001, 32);
            const auto n = static_cast<std::uint32_t>(4096 / lba_bytes(c));
            c.expect_success(write(c, w, lba, n), "Write 4 KiB");
            c.nvme().reset();
            c.expect_success(read(c, r, lba, n), "Read 4 KiB after the reset");
            c.expect_true("data kept", r == w, "equal", r == w ? "equal" : "different");
        }));
    out.push_back(make_case("arch.reset.queues-deleted",
        "A Controller Reset deletes the I/O queues: an SQ on the old CQ is refused with Completion Queue Invalid",
        sec("3.7"), M, [](Context& c) {
            Buffer cqm(4096), sqm(4096);
            const auto q = static_cast<std::uint16_t>(granted_cqs(c));
            c.expect_success(create_cq(c, cqm, q, 16), "Create I/O CQ");
            c.nvme().reset();
            c.expect_status(create_sq(c, sqm, static_cast<std::uint16_t>(granted_sqs(c)), 16, q),
                            st::kCompletionQueueInvalid, "Create I/O SQ on the CQ made before the reset");
        }));
    out.push_back(make_case("arch.reset.flr-registers",
        "A Function Level Reset returns CC, CSTS.RDY, AQA, ASQ and ACQ to their reset values (0)", sec("3.7"), O,
        [](Context& c) {
            require_flr(c);
            auto& n = c.nvme();
            c.pcie().flr();
            c.expect_eq("CC", 0, n[reg::kCc]);
            c.expect_eq("CSTS.RDY", 0, nvme::csts::rdy(n[reg::kCsts]));
            c.expect_eq("AQA", 0, n[reg::kAqa]);
            c.expect_eq("ASQ", 0, n[reg::kAsq] | std::uint64_t{n[reg::kAsq + 4]} << 32);
            c.expect_eq("ACQ", 0, n[reg::kAcq] | std::uint64_t{n[reg::kAcq + 4]} << 32);
            c.renew_controller();
        }));
    out.push_back(make_case("arch.reset.flr-keeps-data",
        "Data written before a Function Level Reset reads back after it", sec("3.7"), O, [](Context& c) {
            require_flr(c);
            const auto lba = c.ns().capacity() - 24;
            Buffer w(4096), r(4096);
            w.fill_pattern(0x3e5e7002, 32);
            const auto n = static_cast<std::uint32_t>(4096 / lba_bytes(c));
            c.expect_success(write(c, w, lba, n), "Write 4 KiB");
            c.pcie().flr();
            c.renew_controller();
            c.expect_success(read(c, r, lba, n), "Read 4 KiB after the FLR and a new initialization");
            c.expect_true("data kept", r == w, "equal", r == w ? "equal" : "different");
        }));
}

void entry_cases(std::vector<Case>& out)
{
    out.push_back(make_case("arch.cqe.identifiers",
        "A completion names its SQ (SQID), its command (CID) and a valid SQ head", sec("4.2"), M, [](Context& c) {
            auto& q = c.qpair();
            Buffer b(lba_bytes(c));
            const auto cqe = read(c, b, 0, 1);
            c.expect_success(cqe, "Read");
            c.expect_eq("CQE SQID", q.sqid(), cqe.sqid());
            c.expect_eq("CQE CID", q.latest_cid(), cqe.cid());
            c.expect_true("CQE SQHD < queue size", cqe.sqhd() < q.depth(), "< " + std::to_string(q.depth()),
                          std::to_string(cqe.sqhd()));
            const auto a = getfeatures(c, fid::kArbitration);
            c.expect_eq("admin CQE SQID", 0, a.sqid());
            c.expect_eq("admin CQE CID", c.nvme().latest_cid(), a.cid());
        }));
    out.push_back(make_case("arch.cmd.fuse-reserved",
        "A command with the reserved FUSE value 11b is aborted with Invalid Field in Command", sec("4.1"), M,
        [](Context& c) {
            c.expect_status(admin(c, 3u << 8 | op::kGetFeatures, {.cdw10 = fid::kArbitration}), st::kInvalidField,
                            "Get Features with FUSE 11b");
        }));
    out.push_back(make_case("arch.cmd.psdt-reserved",
        "An I/O command with the reserved PSDT value 11b is aborted with Invalid Field in Command", sec("4.1"), M,
        [](Context& c) {
            Buffer b(lba_bytes(c));
            c.expect_status(io(c, 3u << 14 | iop::kRead, {.buf = &b}), st::kInvalidField, "Read with PSDT 11b");
        }));
    out.push_back(make_case("arch.cmd.sgl-admin",
        "An admin command with PSDT 01b (SGL) is aborted with Invalid Field in Command: admin commands use PRPs",
        sec("4.1"), M, [](Context& c) {
            Buffer b(4096);
            c.expect_status(admin(c, 1u << 14 | op::kIdentify, {.buf = &b, .cdw10 = nvme::cns::kController}),
                            st::kInvalidField, "Identify with PSDT 01b");
        }));
    out.push_back(make_case("arch.fused.unsupported",
        "A fused command on a controller without fused operations is aborted with Invalid Field in Command",
        sec("4.1"), M, [](Context& c) {
            const auto fuses = idctrl(c, 523, 522);
            c.require(!bit(fuses, 0), "FUSES is " + hex(fuses) + ": Compare and Write is supported");
            Buffer b(lba_bytes(c));
            c.expect_status(io(c, 1u << 8 | iop::kCompare, {.buf = &b}), st::kInvalidField,
                            "Compare as first fused command");
        }));
    out.push_back(make_case("arch.fused.compare-write",
        "A fused Compare and Write pair with matching data writes the new data", std::string(kNvm) + "3.2.1", O,
        [](Context& c) {
            const auto fuses = idctrl(c, 523, 522);
            c.require(bit(fuses, 0), field_says("FUSES", fuses, 0, "Compare and Write"));
            const auto lba = c.ns().capacity() - 32;
            Buffer old(lba_bytes(c)), neu(lba_bytes(c)), r(lba_bytes(c));
            old.fill_pattern(0xf05e0001, 32);
            neu.fill_pattern(0xf05e0002, 32);
            c.expect_success(write(c, old, lba, 1), "Write the old data");
            Cqe first{}, second{};
            auto& q = c.qpair();
            const auto slba = static_cast<std::uint32_t>(lba);
            const auto hi = static_cast<std::uint32_t>(lba >> 32);
            c.ns().send_cmd(1u << 8 | iop::kCompare, q, {.buf = &old, .cdw10 = slba, .cdw11 = hi, .cb = [&](const Cqe& e) { first = e; }});
            c.ns().send_cmd(2u << 8 | iop::kWrite, q, {.buf = &neu, .cdw10 = slba, .cdw11 = hi, .cb = [&](const Cqe& e) { second = e; }});
            q.waitdone(2);
            c.expect_success(first, "Compare (fused, first)");
            c.expect_success(second, "Write (fused, second)");
            c.expect_success(read(c, r, lba, 1), "Read back");
            c.expect_true("new data", r == neu, "the Write's data", r == neu ? "so" : "other");
        }));
    out.push_back(make_case("arch.sgl.unsupported",
        "An I/O command with an SGL on a controller without SGL support is aborted with Invalid Field in Command",
        sec("4.1"), M, [](Context& c) {
            c.require((sgls(c) & 3) == 0, "SGLS is " + hex(sgls(c)) + ": SGLs are supported");
            Buffer b(lba_bytes(c));
            c.expect_status(read(c, b, 0, 1, {.sgl = true}), st::kInvalidField, "Read with PSDT 01b");
        }));
}

void aer_cases(std::vector<Case>& out)
{
    struct D { const char* id; const char* title; bool valid_queue; std::uint32_t aei; };
    for (const D d : {D{"arch.aer.invalid-doorbell-value",
                        "A doorbell value beyond the queue size raises an Error event: Invalid Doorbell Write Value", true, 1},
                      D{"arch.aer.invalid-doorbell-register",
                        "A doorbell write to a queue that does not exist raises an Error event: Write to Invalid Doorbell Register",
                        false, 0}}) {
        out.push_back(make_case(d.id, d.title, sec("5.2"), M, [d](Context& c) {
            // Shared with the callback, which may outlive this body if the case fails.
            auto seen = std::make_shared<std::pair<bool, Cqe>>();
            auto& n = c.nvme();
            n.register_aer_cb([seen](const Cqe& e) { *seen = {true, e}; });
            auto& q = c.qpair();
            const auto dstrd = nvme::cap::dstrd(cap(c));
            if (d.valid_queue)
                n[reg::sq_tail_doorbell(q.sqid(), dstrd)] = q.depth() + 5;
            else
                n[reg::sq_tail_doorbell(static_cast<std::uint16_t>(granted_sqs(c)), dstrd)] = 1;
            const bool came = wait_admin_until(c, [&] { return seen->first; }, 2000);
            const Cqe event = seen->second;
            c.expect_true("an AER completes", came, "within 2 s", came ? "completed" : "none");
            c.expect_eq("Asynchronous Event Type (bits 2:0): Error status", 0, event.dw[0] & 7);
            c.expect_eq("Asynchronous Event Information (bits 15:8)", d.aei, (event.dw[0] >> 8) & 0xff);
            c.expect_eq("Log Page Identifier (bits 23:16): Error Information", 1, (event.dw[0] >> 16) & 0xff);
            c.renew_controller();  // the queue is broken now
        }));
    }
}

}  // namespace

void add_arch_cases(std::vector<Case>& out)
{
    enable_cases(out);
    arbitration_cases(out);
    reset_cases(out);
    entry_cases(out);
    aer_cases(out);
}

}  // namespace nvmetest::conf
