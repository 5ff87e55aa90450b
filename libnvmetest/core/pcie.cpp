// SPDX-License-Identifier: BSD-3-Clause
#include "nvmetest/pcie.h"

#include "core/transport.h"
#include "nvmetest/bdf.h"
#include "nvmetest/errors.h"
#include "nvmetest/pci_caps.h"

namespace nvmetest {
namespace {

// PCI Express capability registers (offsets from the capability).
constexpr std::uint32_t kLinkControl = 0x10;
constexpr std::uint32_t kLinkStatus = 0x12;
constexpr std::uint32_t kLinkControl2 = 0x30;
// PM capability: PMCSR.
constexpr std::uint32_t kPmcsr = 0x04;
// SR-IOV capability: First VF Offset, VF Stride, NumVFs.
constexpr std::uint32_t kSriovNumVfs = 0x10;
constexpr std::uint32_t kSriovFirstVfOffset = 0x14;
constexpr std::uint32_t kSriovVfStride = 0x16;

// The address of virtual function vf (1-based) of the physical function pf.
std::string vf_address(std::string_view pf_addr, unsigned vf)
{
    auto pf = core::open_kmod_transport(std::string(pf_addr));
    auto sriov = pf->cap_offset(pci::kExtCapSriov, true);
    if (!sriov)
        throw UsageError(pf->address() + " has no SR-IOV capability, so it has no virtual function " +
                         std::to_string(vf) + ": open it with vf = 0");
    const unsigned num_vfs = pf->cfg_read(*sriov + kSriovNumVfs, 2);
    if (vf > num_vfs)
        throw UsageError("virtual function " + std::to_string(vf) + " of " + pf->address() +
                         " is not enabled (NumVFs is " + std::to_string(num_vfs) +
                         "): write sriov_numvfs in sysfs first and bind the VF to nvmetest.ko");
    const unsigned first = pf->cfg_read(*sriov + kSriovFirstVfOffset, 2);
    const unsigned stride = pf->cfg_read(*sriov + kSriovVfStride, 2);
    const Bdf pfb = Bdf::from_string(pf->address());
    const unsigned rid = (unsigned{pfb.bus} << 8 | unsigned{pfb.device} << 3 | pfb.function) +
                         first + stride * (vf - 1);
    Bdf b;
    b.domain = pfb.domain;
    b.bus = static_cast<std::uint8_t>(rid >> 8);
    b.device = static_cast<std::uint8_t>((rid >> 3) & 0x1f);
    b.function = static_cast<std::uint8_t>(rid & 7);
    return b.to_string();
}

}  // namespace

Pcie::Pcie(std::string_view addr, PcieOptions options) : options_(options)
{
    const std::string target = options.vf ? vf_address(addr, options.vf) : std::string(addr);
    auto t = core::open_kmod_transport(target);
    const DeviceInfo& info = t->info();
    if (options.msi_only && info.msi_vectors == 0)
        throw UsageError(t->address() + " has no MSI capability, so msi_only cannot be honoured: " +
                         (info.msix_vectors
                              ? "open it without msi_only and its queues use MSI-X (" +
                                    std::to_string(info.msix_vectors) + " vectors)"
                              : std::string("it has no MSI-X either, so its queues can only be "
                                            "polled: open it without msi_only")));
    transport_ = std::move(t);
    core::push_default_transport(transport_);
}

Pcie::Pcie(Pcie&&) noexcept = default;
Pcie& Pcie::operator=(Pcie&&) noexcept = default;
Pcie::~Pcie() = default;

void Pcie::close() noexcept { transport_.reset(); }

const std::shared_ptr<core::Transport>& Pcie::transport() const
{
    if (!transport_)
        throw UsageError("this Pcie was closed: open a new Pcie to reach the device again");
    return transport_;
}

const std::string& Pcie::addr() const { return transport()->address(); }
const DeviceInfo& Pcie::info() const { return transport()->info(); }

std::uint8_t Pcie::cfg_byte_read(std::uint32_t a)
{
    return static_cast<std::uint8_t>(transport()->cfg_read(a, 1));
}
std::uint16_t Pcie::cfg_word_read(std::uint32_t a)
{
    return static_cast<std::uint16_t>(transport()->cfg_read(a, 2));
}
std::uint32_t Pcie::cfg_dword_read(std::uint32_t a) { return transport()->cfg_read(a, 4); }
void Pcie::cfg_byte_write(std::uint32_t a, std::uint8_t v) { transport()->cfg_write(a, 1, v); }
void Pcie::cfg_word_write(std::uint32_t a, std::uint16_t v) { transport()->cfg_write(a, 2, v); }
void Pcie::cfg_dword_write(std::uint32_t a, std::uint32_t v) { transport()->cfg_write(a, 4, v); }

std::uint64_t Pcie::operator()(std::uint32_t begin, std::uint32_t end)
{
    if (end <= begin || end - begin > 8)
        throw UsageError("pcie(" + std::to_string(begin) + ", " + std::to_string(end) +
                         ") must name 1 to 8 bytes [begin, end): read wider ranges with "
                         "cfg_dword_read()");
    std::uint64_t v = 0;
    for (std::uint32_t i = end; i > begin; i--)
        v = v << 8 | cfg_byte_read(i - 1);
    return v;
}

std::optional<std::uint16_t> Pcie::cap_offset(std::uint16_t cap_id, bool extend)
{
    return transport()->cap_offset(cap_id, extend);
}

std::uint8_t Pcie::mem_byte_read(std::uint64_t a)
{
    return static_cast<std::uint8_t>(transport()->bar_read(0, a, 1));
}
std::uint16_t Pcie::mem_word_read(std::uint64_t a)
{
    return static_cast<std::uint16_t>(transport()->bar_read(0, a, 2));
}
std::uint32_t Pcie::mem_dword_read(std::uint64_t a)
{
    return static_cast<std::uint32_t>(transport()->bar_read(0, a, 4));
}
std::uint64_t Pcie::mem_qword_read(std::uint64_t a) { return transport()->bar_read(0, a, 8); }
void Pcie::mem_byte_write(std::uint64_t a, std::uint8_t v) { transport()->bar_write(0, a, 1, v); }
void Pcie::mem_word_write(std::uint64_t a, std::uint16_t v) { transport()->bar_write(0, a, 2, v); }
void Pcie::mem_dword_write(std::uint64_t a, std::uint32_t v) { transport()->bar_write(0, a, 4, v); }
void Pcie::mem_qword_write(std::uint64_t a, std::uint64_t v) { transport()->bar_write(0, a, 8, v); }

std::uint64_t Pcie::bar_read(unsigned bar, std::uint64_t a, unsigned width)
{
    return transport()->bar_read(bar, a, width);
}

void Pcie::bar_write(unsigned bar, std::uint64_t a, unsigned width, std::uint64_t v)
{
    transport()->bar_write(bar, a, width, v);
}

namespace {
void reset_function(core::Transport& t, ResetMethod method)
{
    t.stop_drivers();  // IOWorkers stop before the BARs go away for the reset
    t.reset(method);
}
}  // namespace

void Pcie::reset() { reset_function(*transport(), ResetMethod::Hot); }
void Pcie::flr() { reset_function(*transport(), ResetMethod::Flr); }
void Pcie::link_disable_enable() { reset_function(*transport(), ResetMethod::Link); }

std::uint16_t Pcie::required_cap(std::uint16_t id, const char* what)
{
    auto off = cap_offset(id);
    if (!off)
        throw UsageError(addr() + " has no " + what + " capability, so this attribute does not exist");
    return *off;
}

unsigned Pcie::speed()
{
    const auto exp = required_cap(pci::kCapPcie, "PCI Express");
    return cfg_word_read(exp + kLinkStatus) & 0xf;
}

void Pcie::set_speed(unsigned gen)
{
    if (gen < 1 || gen > 6)
        throw UsageError("link speed " + std::to_string(gen) +
                         " is not a PCIe generation: use 1 (2.5 GT/s) to 6 (64 GT/s)");
    const auto exp = required_cap(pci::kCapPcie, "PCI Express");
    const std::uint16_t lc2 = cfg_word_read(exp + kLinkControl2);
    cfg_word_write(exp + kLinkControl2, static_cast<std::uint16_t>((lc2 & ~0xfu) | gen));
}

unsigned Pcie::aspm()
{
    const auto exp = required_cap(pci::kCapPcie, "PCI Express");
    return cfg_word_read(exp + kLinkControl) & 3;
}

void Pcie::set_aspm(unsigned control)
{
    if (control > 3)
        throw UsageError("ASPM control " + std::to_string(control) +
                         " is invalid: use 0 (disabled), 1 (L0s), 2 (L1) or 3 (L0s and L1)");
    const auto exp = required_cap(pci::kCapPcie, "PCI Express");
    const std::uint16_t lc = cfg_word_read(exp + kLinkControl);
    cfg_word_write(exp + kLinkControl, static_cast<std::uint16_t>((lc & ~3u) | control));
}

unsigned Pcie::power_state()
{
    const auto pm = required_cap(pci::kCapPm, "Power Management");
    return cfg_word_read(pm + kPmcsr) & 3;
}

void Pcie::set_power_state(unsigned state)
{
    if (state > 3)
        throw UsageError("power state " + std::to_string(state) +
                         " is invalid: use 0 (D0), 1 (D1), 2 (D2) or 3 (D3hot)");
    const auto pm = required_cap(pci::kCapPm, "Power Management");
    const std::uint16_t csr = cfg_word_read(pm + kPmcsr);
    // Keep PME_En and Data_Select; never write 1 to PME_Status (RW1C).
    cfg_word_write(pm + kPmcsr, static_cast<std::uint16_t>((csr & 0x1f00u) | state));
}

}  // namespace nvmetest
