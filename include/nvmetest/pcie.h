// SPDX-License-Identifier: BSD-3-Clause
//
// Pcie: one PCI function under test, as PyNVMe3's Pcie class (API section 2).
// Config space and BAR0 access, capability lookup, resets, link and power
// attributes.  Works on any PCI function bound to nvmetest.ko, NVMe or not.
//
//   nvmetest::Pcie pcie("0000:01:00.0");
//   std::uint16_t vid = pcie.cfg_word_read(0);
//   auto exp = pcie.cap_offset(0x10);          // PCI Express capability
//   std::uint64_t cap = pcie.mem_qword_read(0);
//   pcie.flr();
#ifndef NVMETEST_PCIE_H
#define NVMETEST_PCIE_H

#include "nvmetest/cxx20.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "nvmetest/device_info.h"

namespace nvmetest {

namespace core {
class Transport;
}

// Keyword arguments of the constructor: Pcie(addr, {.vf = 1, .msi_only = true}).
struct PcieOptions {
    // SR-IOV virtual function of addr to open (0: addr itself), found through
    // the PF's SR-IOV capability (First VF Offset, VF Stride).  The VF must be
    // enabled (sysfs sriov_numvfs of the PF, which nvmetest.ko implements; an
    // NVMe secondary controller also needs resources and Secondary Online via
    // Controller::virt_mgmt) and bound to nvmetest.ko.  A vf beyond NumVFs, or
    // on a function without SR-IOV, throws UsageError.
    unsigned vf = 0;
    // Controllers on this function use MSI instead of MSI-X for their queues
    // (up to 32 vectors, which Qpair::msix_* then address).  A
    // function without an MSI capability is refused with UsageError at
    // construction; QEMU 7.2's NVMe controller has none (MSI-X only).
    //
    // Qpair interrupts never use INTx: a shared level-triggered line cannot
    // tell the queues apart.  While MSI or MSI-X is enabled the device must not
    // assert INTx (the kernel sets Command.Interrupt Disable); on a function
    // with neither, the Controller sets Interrupt Disable itself and queues
    // are only polled (Qpair::msix_* throw UsageError).
    bool msi_only = false;
};

// Move-only.  The most recently opened Pcie is the process default device from
// which Buffers take their DMA memory (see buffer.h).
class Pcie {
public:
    // addr: "0000:01:00.0" or "01:00.0".  Throws nvmetest::Error subclasses
    // (unknown address, function not bound to nvmetest.ko, no permission).
    explicit Pcie(std::string_view addr, PcieOptions options = {});
    Pcie(Pcie&&) noexcept;
    Pcie& operator=(Pcie&&) noexcept;
    Pcie(const Pcie&) = delete;
    Pcie& operator=(const Pcie&) = delete;
    ~Pcie();

    // Releases the device: later calls throw UsageError.  Objects made from it
    // (Controller, Buffer) keep the device open until they go.  Idempotent.
    void close() noexcept;

    const std::string& addr() const;
    bool msi_only() const noexcept { return options_.msi_only; }
    const DeviceInfo& info() const;

    // ------------------------------------------------------- config space
    std::uint8_t cfg_byte_read(std::uint32_t addr);
    std::uint16_t cfg_word_read(std::uint32_t addr);
    std::uint32_t cfg_dword_read(std::uint32_t addr);
    void cfg_byte_write(std::uint32_t addr, std::uint8_t value);
    void cfg_word_write(std::uint32_t addr, std::uint16_t value);
    void cfg_dword_write(std::uint32_t addr, std::uint32_t value);

    // Python's pcie[i] and pcie[i] = v: one config byte.
    class ByteRef {
    public:
        operator std::uint8_t() const { return pcie_->cfg_byte_read(addr_); }
        ByteRef& operator=(std::uint8_t v)
        {
            pcie_->cfg_byte_write(addr_, v);
            return *this;
        }

    private:
        friend class Pcie;
        ByteRef(Pcie* p, std::uint32_t a) : pcie_(p), addr_(a) {}
        Pcie* pcie_;
        std::uint32_t addr_;
    };
    ByteRef operator[](std::uint32_t addr) { return ByteRef(this, addr); }
    // Python's pcie[begin:end] as an integer: bytes [begin, end) little-endian,
    // at most 8 of them.  hex(pcie[0:4]) is pcie(0, 4).
    std::uint64_t operator()(std::uint32_t begin, std::uint32_t end);
    // pynvme's register(offset, byte_count): the same as (offset, offset + byte_count).
    std::uint64_t register_value(std::uint32_t offset, unsigned byte_count)
    {
        return (*this)(offset, offset + byte_count);
    }

    // Offset of a capability; nullopt when the function has none.  extend:
    // cap_id is an extended capability ID (list at 0x100).
    std::optional<std::uint16_t> cap_offset(std::uint16_t cap_id, bool extend = false);

    // ---------------------------------------------------------- BAR0 space
    std::uint8_t mem_byte_read(std::uint64_t addr);
    std::uint16_t mem_word_read(std::uint64_t addr);
    std::uint32_t mem_dword_read(std::uint64_t addr);
    std::uint64_t mem_qword_read(std::uint64_t addr);
    void mem_byte_write(std::uint64_t addr, std::uint8_t value);
    void mem_word_write(std::uint64_t addr, std::uint16_t value);
    void mem_dword_write(std::uint64_t addr, std::uint32_t value);
    void mem_qword_write(std::uint64_t addr, std::uint64_t value);

    // ------------------------------------------------------ any BAR (nvmetest)
    // PyNVMe3 reaches BAR0 only; these reach the other BARs too (QEMU: CMB in
    // BAR2, PMR in BAR4) at width 1, 2, 4 or 8 bytes.  addr is the offset in
    // the BAR; another width, a BAR the function lacks or an access beyond it
    // throws nvmetest::Error (UsageError for the width).
    std::uint64_t bar_read(unsigned bar, std::uint64_t addr, unsigned width);
    void bar_write(unsigned bar, std::uint64_t addr, unsigned width, std::uint64_t value);

    // -------------------------------------------------------------- resets
    // Each leaves the NVMe controller disabled: call Controller::reset() after.
    void reset();                // hot reset (secondary bus reset of the upstream bridge)
    void flr();                  // function level reset
    void link_disable_enable();  // Link Disable then enable on the upstream port

    // ---------------------------------------------------------- attributes
    // Current link speed from Link Status (1 = 2.5 GT/s Gen1 ... 5 = Gen5).
    unsigned speed();
    // Writes Target Link Speed (Link Control 2) of this function.  The link
    // retrains to it only when the upstream port retrains.
    void set_speed(unsigned gen);
    // ASPM Control of Link Control (0 off, 1 L0s, 2 L1, 3 L0s and L1).
    unsigned aspm();
    void set_aspm(unsigned control);
    // PowerState of the PM capability's PMCSR (0 = D0, 3 = D3hot).
    unsigned power_state();
    void set_power_state(unsigned state);

    // Internal: the transport for Controller and Buffer.
    const std::shared_ptr<core::Transport>& transport() const;

private:
    std::uint16_t required_cap(std::uint16_t id, const char* what);

    std::shared_ptr<core::Transport> transport_;
    PcieOptions options_;
};

}  // namespace nvmetest

#endif  // NVMETEST_PCIE_H
