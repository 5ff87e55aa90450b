// SPDX-License-Identifier: BSD-3-Clause
// Group "registers": the controller registers (NVMe Base Specification 2.0,
// section 3.1.3): the fields of CAP and VS, read-only registers, reserved
// bits, and the registers of optional features the controller says it lacks.
#include <vector>

#include "cases_util.h"

namespace nvmetest::conf {
namespace {

constexpr Level M = Level::kMandatory;
constexpr Level O = Level::kOptional;
namespace reg = nvme::reg;

std::string sec(const char* s) { return std::string(kBase) + s; }

// Disables the controller (CC.EN 0) and waits for CSTS.RDY 0 within CAP.TO.
void disable(Context& c)
{
    auto& n = c.nvme();
    n[reg::kCc] = n[reg::kCc] & ~nvme::cc::kEnable;
    n.wait_csts({.rdy = false});
}

void cap_cases(std::vector<Case>& out)
{
    out.push_back(make_case("registers.cap.mqes", "CAP.MQES allows queues of at least 2 entries", sec("3.1.3"), M,
        [](Context& c) {
            const auto v = nvme::cap::mqes(cap(c));
            c.expect_true("CAP.MQES (0-based) >= 1", v >= 1, ">= 1", hex(v));
        }));
    out.push_back(make_case("registers.cap.css",
        "CAP.CSS names a command set: NVM (bit 0), I/O command sets (bit 6) or none (bit 7)", sec("3.1.3"), M,
        [](Context& c) {
            const auto v = nvme::cap::css(cap(c));
            c.expect_true("CAP.CSS bit 0, 6 or 7", bit(v, 0) || bit(v, 6) || bit(v, 7), "bit 0, 6 or 7 set", hex(v));
            c.expect_eq("CAP.CSS reserved bits 5:1", 0, (v >> 1) & 0x1f);
        }));
    out.push_back(make_case("registers.cap.to", "CAP.TO is not zero", sec("3.1.3"), M, [](Context& c) {
        c.expect_true("CAP.TO", nvme::cap::to(cap(c)) != 0, ">= 1", hex(nvme::cap::to(cap(c))));
    }));
    out.push_back(make_case("registers.cap.mps", "CAP.MPSMIN <= CAP.MPSMAX", sec("3.1.3"), M, [](Context& c) {
        const auto v = cap(c);
        c.expect_true("MPSMIN <= MPSMAX", nvme::cap::mpsmin(v) <= nvme::cap::mpsmax(v),
                      "<= " + hex(nvme::cap::mpsmax(v)), hex(nvme::cap::mpsmin(v)));
    }));
    out.push_back(make_case("registers.cap.reserved", "CAP reserved bits (23:19, 63:61) are zero", sec("3.1.3"), M,
        [](Context& c) {
            const auto v = cap(c);
            c.expect_eq("CAP bits 23:19", 0, nvme::bits(v, 19, 5));
            c.expect_eq("CAP bits 63:61", 0, nvme::bits(v, 61, 3));
        }));
    out.push_back(make_case("registers.cap.read-only", "Writes to CAP and VS do not change them", sec("3.1.3"), M,
        [](Context& c) {
            auto& n = c.nvme();
            const std::uint32_t lo = n[reg::kCap], hi = n[reg::kCap + 4], v = n[reg::kVs];
            n[reg::kCap] = ~lo;
            n[reg::kCap + 4] = ~hi;
            n[reg::kVs] = ~v;
            c.expect_eq("CAP bits 31:0 after writing their complement", lo, n[reg::kCap]);
            c.expect_eq("CAP bits 63:32 after writing their complement", hi, n[reg::kCap + 4]);
            c.expect_eq("VS after writing its complement", v, n[reg::kVs]);
        }));
    out.push_back(make_case("registers.vs.version", "VS reports version 1.0 or later", sec("3.1.3"), M,
        [](Context& c) {
            const auto v = vs(c);
            c.expect_true("VS.MJR >= 1", nvme::vs::mjr(v) >= 1, ">= 1", nvme::vs::to_string(v));
        }));
}

void cc_cases(std::vector<Case>& out)
{
    out.push_back(make_case("registers.cc.fields-after-init",
        "CC after enabling holds the values written: IOSQES 6, IOCQES 4, MPS within CAP", sec("3.1.3"), M,
        [](Context& c) {
            const std::uint32_t cc = c.nvme()[reg::kCc];
            c.expect_eq("CC.EN", 1, nvme::cc::en(cc));
            c.expect_eq("CC.IOSQES", 6, nvme::cc::iosqes(cc));
            c.expect_eq("CC.IOCQES", 4, nvme::cc::iocqes(cc));
            const auto mps = nvme::cc::mps(cc);
            const auto v = cap(c);
            c.expect_true("CC.MPS within CAP.MPSMIN..MPSMAX", mps >= nvme::cap::mpsmin(v) && mps <= nvme::cap::mpsmax(v),
                          hex(nvme::cap::mpsmin(v)) + ".." + hex(nvme::cap::mpsmax(v)), hex(mps));
        }));
    out.push_back(make_case("registers.csts.ready", "CSTS after enabling: RDY 1, CFS 0, SHST 00b", sec("3.1.3"), M,
        [](Context& c) {
            const std::uint32_t v = c.nvme()[reg::kCsts];
            c.expect_eq("CSTS.RDY", 1, nvme::csts::rdy(v));
            c.expect_eq("CSTS.CFS", 0, nvme::csts::cfs(v));
            c.expect_eq("CSTS.SHST", 0, nvme::csts::shst(v));
        }));
    out.push_back(make_case("registers.cc.reserved",
        "CC reserved bits (3:1, 31:25) read 0 after writing ones with the controller disabled", sec("3.1.3"), M,
        [](Context& c) {
            disable(c);
            auto& n = c.nvme();
            n[reg::kCc] = 0xfe00000eu;  // reserved bits only; EN stays 0
            c.expect_eq("CC bits 31:25 and 3:1", 0, n[reg::kCc] & 0xfe00000eu);
            c.renew_controller();
        }));
    out.push_back(make_case("registers.csts.read-only",
        "Writing CSTS does not change RDY, CFS or SHST", sec("3.1.3"), M, [](Context& c) {
            auto& n = c.nvme();
            const std::uint32_t before = n[reg::kCsts];
            n[reg::kCsts] = ~before & ~(1u << 4);  // NSSRO (bit 4) is write-1-to-clear: leave it
            const std::uint32_t after = n[reg::kCsts];
            c.expect_eq("CSTS bits 3:0 (RDY, CFS, SHST)", before & 0xf, after & 0xf);
        }));
    out.push_back(make_case("registers.aqa.reserved", "AQA reserved bits (31:28, 15:12) read 0 after writing ones",
        sec("3.1.3"), M, [](Context& c) {
            disable(c);
            auto& n = c.nvme();
            n[reg::kAqa] = 0xffffffffu;
            const std::uint32_t v = n[reg::kAqa];
            c.expect_eq("AQA bits 31:28 and 15:12", 0, v & 0xf000f000u);
            c.renew_controller();
        }));
    out.push_back(make_case("registers.asq.alignment", "ASQ and ACQ bits 11:0 are reserved and read 0",
        sec("3.1.3"), M, [](Context& c) {
            disable(c);
            auto& n = c.nvme();
            n[reg::kAsq] = 0x12345fffu;
            n[reg::kAcq] = 0x12345fffu;
            c.expect_eq("ASQ bits 11:0", 0, n[reg::kAsq] & 0xfffu);
            c.expect_eq("ACQ bits 11:0", 0, n[reg::kAcq] & 0xfffu);
            c.renew_controller();
        }));
    out.push_back(make_case("registers.cmb.absent", "Without CAP.CMBS, CMBLOC and CMBSZ read 0", sec("3.1.3"), M,
        [](Context& c) {
            c.require(!nvme::cap::cmbs(cap(c)), "CAP.CMBS is 1: a Controller Memory Buffer is supported");
            c.expect_eq("CMBLOC", 0, c.nvme()[reg::kCmbloc]);
            c.expect_eq("CMBSZ", 0, c.nvme()[reg::kCmbsz]);
        }));
    out.push_back(make_case("registers.pmr.absent", "Without CAP.PMRS, PMRCAP reads 0", sec("3.1.3"), M,
        [](Context& c) {
            c.require(!nvme::cap::pmrs(cap(c)), "CAP.PMRS is 1: a Persistent Memory Region is supported");
            c.expect_eq("PMRCAP", 0, c.nvme()[reg::kPmrcap]);
        }));
    out.push_back(make_case("registers.bp.absent", "Without CAP.BPS, BPINFO reads 0", sec("3.1.3"), M,
        [](Context& c) {
            c.require(!nvme::cap::bps(cap(c)), "CAP.BPS is 1: boot partitions are supported");
            c.expect_eq("BPINFO", 0, c.nvme()[reg::kBpinfo]);
        }));
    out.push_back(make_case("registers.nssr.unsupported",
        "Without CAP.NSSRS, writing \"NVMe\" to NSSR leaves the controller ready", sec("3.1.3"), M, [](Context& c) {
            c.require(!nvme::cap::nssrs(cap(c)), "CAP.NSSRS is 1: NVM Subsystem Reset is supported");
            auto& n = c.nvme();
            n[reg::kNssr] = reg::kNssrReset;
            const std::uint32_t v = n[reg::kCsts];
            c.expect_eq("CSTS.RDY", 1, nvme::csts::rdy(v));
            c.expect_eq("CSTS.NSSRO", 0, nvme::csts::nssro(v));
            c.expect_success(getfeatures(c, fid::kArbitration), "an admin command afterwards");
        }));
    out.push_back(make_case("registers.cmb.size", "With a CMB enabled, CMBSZ reports a nonzero size and a valid unit",
        sec("3.1.3"), O, [](Context& c) {
            c.require(nvme::cap::cmbs(cap(c)), "CAP.CMBS is 0: no Controller Memory Buffer");
            Buffer b(4096, {.nvme = &c.nvme()});  // enables the CMB
            const std::uint32_t sz = c.nvme()[reg::kCmbsz];
            c.expect_true("CMBSZ.SZ", (sz >> 12) != 0, "nonzero", hex(sz >> 12));
            c.expect_true("CMBSZ.SZU <= 6 (64 GiB)", ((sz >> 8) & 0xf) <= 6, "<= 6", hex((sz >> 8) & 0xf));
        }));
    out.push_back(make_case("registers.crto", "CRTO.CRWMT >= CAP.TO (controllers of version 2.0 and later)",
        sec("3.1.3"), M, [](Context& c) {
            c.require(vs(c) >= nvme::vs::make(2, 0), "VS is " + nvme::vs::to_string(vs(c)) + ": CRTO is a 2.0 register");
            const std::uint32_t v = c.nvme()[reg::kCrto];
            c.expect_true("CRTO.CRWMT (bits 15:0) >= CAP.TO", (v & 0xffff) >= nvme::cap::to(cap(c)),
                          ">= " + hex(nvme::cap::to(cap(c))), hex(v & 0xffff));
        }));
}

}  // namespace

void add_registers_cases(std::vector<Case>& out)
{
    cap_cases(out);
    cc_cases(out);
}

}  // namespace nvmetest::conf
