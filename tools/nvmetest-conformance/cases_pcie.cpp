// SPDX-License-Identifier: BSD-3-Clause
// Group "pcie": the PCI Express function of the controller (PCI Express Base
// Specification 5.0, section 7; the class code is NVMe's, from the NVMe over
// PCIe Transport Specification 1.0): configuration header, capability list,
// PM and PCI Express capabilities, MSI-X.
#include <algorithm>
#include <vector>

#include "cases_util.h"

namespace nvmetest::conf {
namespace {

constexpr Level M = Level::kMandatory;
constexpr Level O = Level::kOptional;

std::string sec(const char* s) { return std::string(kPcie) + s; }

std::uint16_t need_cap(Context& c, std::uint8_t id, const char* name)
{
    const auto at = c.pcie().cap_offset(id);
    c.expect_true(std::string(name) + " capability present", at.has_value(), "present", at ? hex(*at) : "absent");
    return *at;
}

void header_cases(std::vector<Case>& out)
{
    out.push_back(make_case("pcie.header.class-code",
        "Class Code is 010802h (mass storage, non-volatile memory, NVM Express I/O controller)",
        sec("7.5.1.1.6") + "; NVMe PCIe Transport 1.0", M, [](Context& c) {
            c.expect_eq("Class Code (bytes 0Bh:09h)", 0x010802, c.pcie()(0x09, 0x0c));
        }));
    out.push_back(make_case("pcie.header.vendor", "Vendor ID is assigned (not FFFFh or 0000h)", sec("7.5.1.1.1"), M,
        [](Context& c) {
            const auto vid = c.pcie().cfg_word_read(0);
            c.expect_true("Vendor ID", vid != 0xffff && vid != 0, "neither FFFFh nor 0000h", hex(vid));
        }));
    out.push_back(make_case("pcie.header.type", "Header Type is 0 (a function, not a bridge)", sec("7.5.1.1.9"), M,
        [](Context& c) { c.expect_eq("Header Type bits 6:0", 0, c.pcie().cfg_byte_read(0x0e) & 0x7f); }));
    out.push_back(make_case("pcie.header.bar0",
        "BAR0 is a 64-bit memory BAR holding the doorbells of every granted queue", sec("7.5.1.2.1") + "; NVMe PCIe Transport 1.0", M,
        [](Context& c) {
            const auto bar = c.pcie().cfg_dword_read(0x10);
            c.expect_eq("BAR0 bit 0 (memory space)", 0, bar & 1);
            c.expect_eq("BAR0 bits 2:1 (64-bit)", 2, (bar >> 1) & 3);
            const auto queues = std::max(granted_sqs(c), granted_cqs(c));
            const std::uint64_t need = nvme::reg::cq_head_doorbell(static_cast<std::uint16_t>(queues),
                                                                   nvme::cap::dstrd(cap(c))) + 4;
            const auto size = c.pcie().info().bars[0].size;
            c.expect_true("BAR0 size", size >= need, ">= " + hex(need), hex(size));
        }));
    out.push_back(make_case("pcie.header.capability-list",
        "Status.Capabilities List is 1 and the Capabilities Pointer is dword aligned above 3Fh", sec("7.5.1.1.4"), M,
        [](Context& c) {
            c.expect_eq("Status bit 4 (Capabilities List)", 1, (c.pcie().cfg_word_read(0x06) >> 4) & 1);
            const auto p = c.pcie().cfg_byte_read(0x34);
            c.expect_true("Capabilities Pointer", p >= 0x40 && (p & 3) == 0, ">= 40h, dword aligned", hex(p));
        }));
    out.push_back(make_case("pcie.header.bus-master",
        "Command: Memory Space and Bus Master Enable are set while the controller works", sec("7.5.1.1.3"), M,
        [](Context& c) {
            c.nvme();
            const auto cmd = c.pcie().cfg_word_read(0x04);
            c.expect_eq("Command bit 1 (Memory Space Enable)", 1, (cmd >> 1) & 1);
            c.expect_eq("Command bit 2 (Bus Master Enable)", 1, (cmd >> 2) & 1);
        }));
}

void capability_cases(std::vector<Case>& out)
{
    out.push_back(make_case("pcie.pm.version", "The Power Management capability is present, version 011b",
        sec("7.5.2.1"), M, [](Context& c) {
            const auto at = need_cap(c, 0x01, "Power Management");
            c.expect_eq("PMC bits 2:0 (Version)", 3, c.pcie().cfg_word_read(at + 2) & 7);
        }));
    out.push_back(make_case("pcie.express.version",
        "The PCI Express capability is present, version 2h, an endpoint", sec("7.5.3.2"), M, [](Context& c) {
            const auto at = need_cap(c, 0x10, "PCI Express");
            const auto v = c.pcie().cfg_word_read(at + 2);
            c.expect_eq("Capability Version (bits 3:0)", 2, v & 0xf);
            const auto type = (v >> 4) & 0xf;
            c.expect_true("Device/Port Type", type == 0 || type == 1 || type == 9,
                          "0h (endpoint), 1h (legacy endpoint) or 9h (RC integrated endpoint)", hex(type));
        }));
    out.push_back(make_case("pcie.express.mps", "Device Control Max_Payload_Size is no larger than supported",
        sec("7.5.3.3, 7.5.3.4"), M, [](Context& c) {
            const auto at = need_cap(c, 0x10, "PCI Express");
            const auto cap_mps = c.pcie().cfg_dword_read(at + 4) & 7;
            const std::uint32_t ctl_mps = (c.pcie().cfg_word_read(at + 8) >> 5) & 7;
            c.expect_true("Max_Payload_Size Supported <= 101b", cap_mps <= 5, "<= 5", hex(cap_mps));
            c.expect_true("Device Control MPS <= Max_Payload_Size Supported", ctl_mps <= cap_mps, "<= " + hex(cap_mps),
                          hex(ctl_mps));
        }));
    out.push_back(make_case("pcie.express.link",
        "Link Status: negotiated width not 0 and no wider than Link Capabilities, speed no faster", sec("7.5.3.6, 7.5.3.8"),
        M, [](Context& c) {
            const auto at = need_cap(c, 0x10, "PCI Express");
            const auto lcap = c.pcie().cfg_dword_read(at + 0x0c);
            const std::uint32_t lsta = c.pcie().cfg_word_read(at + 0x12);
            const std::uint32_t w = (lsta >> 4) & 0x3f, maxw = (lcap >> 4) & 0x3f;
            const std::uint32_t s = lsta & 0xf, maxs = lcap & 0xf;
            c.expect_true("Negotiated Link Width", w != 0 && w <= maxw, "1.." + std::to_string(maxw), std::to_string(w));
            c.expect_true("Current Link Speed", s != 0 && s <= maxs, "1.." + std::to_string(maxs), std::to_string(s));
        }));
    out.push_back(make_case("pcie.msix.present",
        "The MSI-X capability is present and its table lies in a BAR of the function",
        sec("7.7.2"), M, [](Context& c) {
            const auto at = need_cap(c, 0x11, "MSI-X");
            const auto ctl = c.pcie().cfg_word_read(at + 2);
            c.note("MSI-X Table Size", std::to_string((ctl & 0x7ff) + 1));
            const auto bir = c.pcie().cfg_dword_read(at + 4) & 7;
            c.expect_true("Table BIR names a BAR (0-5)", bir <= 5, "0..5", hex(bir));
        }));
    out.push_back(make_case("pcie.msix.enabled", "MSI-X Enable is set while the controller works with interrupts",
        sec("7.7.2.2"), M, [](Context& c) {
            c.nvme();
            const auto at = need_cap(c, 0x11, "MSI-X");
            c.expect_eq("Message Control bit 15 (MSI-X Enable)", 1, c.pcie().cfg_word_read(at + 2) >> 15);
        }));
    out.push_back(make_case("pcie.flr.resets-controller",
        "A Function Level Reset disables the NVMe controller (CSTS.RDY 0)", sec("6.6.2"), O, [](Context& c) {
            require_flr(c);
            auto& n = c.nvme();
            c.pcie().flr();
            c.expect_eq("CSTS.RDY after FLR", 0, nvme::csts::rdy(n[nvme::reg::kCsts]));
            c.renew_controller();
            c.expect_success(getfeatures(c, fid::kArbitration), "an admin command after a new initialization");
        }));
}

}  // namespace

void add_pcie_cases(std::vector<Case>& out)
{
    header_cases(out);
    capability_cases(out);
}

}  // namespace nvmetest::conf
