// SPDX-License-Identifier: BSD-3-Clause
// Group "power": power management (NVMe Base Specification 2.0: the power
// state descriptors of Identify Controller and the Power Management feature
// of section 5.27.1) and the PCI power
// states of the function (PCI Express Base Specification 5.0, section 7.5.2).
#include <vector>

#include "cases_util.h"

namespace nvmetest::conf {
namespace {

constexpr Level M = Level::kMandatory;
constexpr Level O = Level::kOptional;

std::string sec(const char* s) { return std::string(kBase) + s; }

// Bytes of power state descriptor ps in Identify Controller.
std::size_t psd(unsigned ps) { return 2048 + 32 * ps; }

void nvme_cases(std::vector<Case>& out)
{
    out.push_back(make_case("power.ps.current-valid", "The current power state is at most NPSS", sec("5.27.1 (Power Management)"), M,
        [](Context& c) {
            const auto cqe = getfeatures(c, fid::kPowerManagement);
            c.expect_success(cqe, "Get Features Power Management");
            c.expect_true("PS <= NPSS", (cqe.dw[0] & 0x1f) <= idctrl(c, 263), "<= " + hex(idctrl(c, 263)),
                          hex(cqe.dw[0] & 0x1f));
        }));
    out.push_back(make_case("power.ps.each-operational",
        "Each operational power state can be set and is read back", sec("5.27.1 (Power Management)"), M, [](Context& c) {
            const auto npss = static_cast<unsigned>(idctrl(c, 263));
            const auto old = getfeatures(c, fid::kPowerManagement).dw[0] & 0x1f;
            for (unsigned ps = 0; ps <= npss; ++ps) {
                if (bit(idctrl(c, psd(ps) + 3), 1))  // NOPS: non-operational
                    continue;
                c.expect_success(setfeatures(c, fid::kPowerManagement, {.cdw11 = ps}), "Set PS " + std::to_string(ps));
                c.expect_eq("PS read back", ps, getfeatures(c, fid::kPowerManagement).dw[0] & 0x1f);
            }
            setfeatures(c, fid::kPowerManagement, {.cdw11 = old});
        }));
    out.push_back(make_case("power.ps.beyond-npss",
        "Set Features Power Management with PS above NPSS is aborted with Invalid Field in Command", sec("5.27.1"), M,
        [](Context& c) {
            const auto npss = static_cast<std::uint32_t>(idctrl(c, 263));
            c.require(npss < 31, "NPSS is 31: every PS value is valid");
            c.expect_status(setfeatures(c, fid::kPowerManagement, {.cdw11 = npss + 1}), st::kInvalidField,
                            "Set PS NPSS+1");
        }));
    out.push_back(make_case("power.ps0.operational",
        "Power state 0 is operational and its descriptor gives a nonzero maximum power", sec("5.17.2 (PSD0)"), M,
        [](Context& c) {
            c.expect_eq("PSD0 NOPS (byte 3 bit 1)", 0, (idctrl(c, psd(0) + 3) >> 1) & 1);
            c.expect_true("PSD0 MP (bytes 1:0)", idctrl(c, psd(0) + 1, psd(0)) != 0, "nonzero",
                          hex(idctrl(c, psd(0) + 1, psd(0))));
        }));
    out.push_back(make_case("power.apst.round-trip",
        "Autonomous Power State Transition enable written is read back", sec("5.27.1 (Autonomous Power State Transition)"), O, [](Context& c) {
            const auto apsta = idctrl(c, 265);
            c.require(bit(apsta, 0), field_says("APSTA", apsta, 0, "APST"));
            Buffer b(256);
            c.expect_success(setfeatures(c, fid::kAutonomousPowerStateTransition, {.buf = &b, .cdw11 = 1}),
                             "Set APST enable, empty table");
            c.expect_eq("APSTE", 1, getfeatures(c, fid::kAutonomousPowerStateTransition, {.buf = &b}).dw[0] & 1);
            setfeatures(c, fid::kAutonomousPowerStateTransition, {.buf = &b, .cdw11 = 0});
        }));
}

void pci_cases(std::vector<Case>& out)
{
    out.push_back(make_case("power.pci.d3hot",
        "PMCSR PowerState takes D3hot and D0 as written", std::string(kPcie) + "7.5.2.2", M, [](Context& c) {
            const auto at = c.pcie().cap_offset(0x01);
            c.require(at.has_value(), "the function has no Power Management capability");
            c.nvme();
            c.pcie().set_power_state(3);
            const auto d3 = c.pcie().power_state();
            c.pcie().set_power_state(0);
            const auto d0 = c.pcie().power_state();
            c.expect_eq("PowerState after writing D3hot", 3, d3);
            c.expect_eq("PowerState after writing D0", 0, d0);
        }));
    out.push_back(make_case("power.pci.no-soft-reset",
        "With No_Soft_Reset, D3hot to D0 keeps the controller ready", std::string(kPcie) + "7.5.2.2", O,
        [](Context& c) {
            const auto at = c.pcie().cap_offset(0x01);
            c.require(at.has_value(), "the function has no Power Management capability");
            const auto pmcsr = c.pcie().cfg_word_read(*at + 4);
            c.require(bit(pmcsr, 3), "PMCSR bit 3 (No_Soft_Reset) is 0: D3hot to D0 resets the function");
            auto& n = c.nvme();
            c.pcie().set_power_state(3);
            c.pcie().set_power_state(0);
            c.expect_eq("CSTS.RDY", 1, nvme::csts::rdy(n[nvme::reg::kCsts]));
            c.expect_success(getfeatures(c, fid::kArbitration), "an admin command afterwards");
        }));
}

}  // namespace

void add_power_cases(std::vector<Case>& out)
{
    nvme_cases(out);
    pci_cases(out);
}

}  // namespace nvmetest::conf
