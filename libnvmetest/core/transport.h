// SPDX-License-Identifier: BSD-3-Clause
//
// Internal: how the object model (Pcie, Controller, Qpair, Buffer) reaches a
// device.  One interface per transport, as SPDK's spdk_nvme_transport_ops and
// libvfn's layers do it; the kmod transport (nvmetest.ko) is the first, NVMe/TCP
// and io_uring passthrough come later.
//
// Only set-up paths are virtual.  The command path never calls through this
// interface: a queue asks once for the address of its doorbells (doorbell())
// and for its DMA memory (alloc_dma()), then stores and polls them directly,
// with no call, system call, lock or allocation per command.
#ifndef NVMETEST_LIB_CORE_TRANSPORT_H
#define NVMETEST_LIB_CORE_TRANSPORT_H

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "nvmetest/bar.h"
#include "nvmetest/device_info.h"
#include "nvmetest/dma.h"
#include "nvmetest/irq.h"

namespace nvmetest::core {

class Transport {
public:
    virtual ~Transport() = default;

    // "0000:01:00.0" for PCIe functions.
    virtual const std::string& address() const noexcept = 0;
    virtual const DeviceInfo& info() const noexcept = 0;

    // PCI config space: width 1, 2 or 4.
    virtual std::uint32_t cfg_read(std::uint32_t offset, unsigned width) = 0;
    virtual void cfg_write(std::uint32_t offset, unsigned width, std::uint32_t value) = 0;
    virtual std::optional<std::uint16_t> cap_offset(std::uint16_t id, bool extended) = 0;

    // Memory BAR access at width 1, 2, 4 or 8 (BAR0 holds the NVMe registers).
    virtual std::uint64_t bar_read(unsigned bar, std::uint64_t offset, unsigned width) = 0;
    virtual void bar_write(unsigned bar, std::uint64_t offset, unsigned width,
                           std::uint64_t value) = 0;
    std::uint32_t reg_read32(std::uint32_t off) { return static_cast<std::uint32_t>(bar_read(0, off, 4)); }
    // 64-bit registers (CAP, ASQ, ACQ) as two dword accesses, low half first,
    // which every controller accepts.
    std::uint64_t reg_read64(std::uint32_t off)
    {
        const std::uint64_t lo = reg_read32(off);
        return lo | std::uint64_t{reg_read32(off + 4)} << 32;
    }
    void reg_write32(std::uint32_t off, std::uint32_t v) { bar_write(0, off, 4, v); }
    void reg_write64(std::uint32_t off, std::uint64_t v)
    {
        reg_write32(off, static_cast<std::uint32_t>(v));
        reg_write32(off + 4, static_cast<std::uint32_t>(v >> 32));
    }

    // A mapping of a whole memory BAR (the Controller Memory Buffer's).
    virtual BarMapping map_bar(unsigned bar) = 0;

    // The address of a 32-bit register in BAR0 (a doorbell) for direct stores.
    // Stays valid for the life of the transport, across resets (the mapping
    // faults back in).
    virtual volatile std::uint32_t* doorbell(std::uint32_t offset) = 0;

    // Bus-contiguous DMA memory of the device, zeroed.
    virtual DmaMemory alloc_dma(std::size_t size) = 0;
    // The largest single allocation alloc_dma() can give.
    virtual std::uint64_t dma_max_alloc() const noexcept = 0;

    // Interrupts: one setup per transport, replaced by each call; nullptr
    // until the first setup succeeded.
    virtual IrqSet* setup_irqs(IrqType type, unsigned count) = 0;
    virtual IrqSet* irqs() noexcept = 0;

    // PCIe resets; config space is restored, BAR mappings fault back in.
    // Callers stop the drivers first (stop_drivers()).
    virtual void reset(ResetMethod method) = 0;

    // Threads that drive queues of this device (IOWorkers) register how to
    // stop them.  Every reset or release of the device calls stop_drivers()
    // first: a BAR access during a PCIe reset, or after removal, faults
    // (SIGBUS), and a controller reset takes their queues.  Test thread only.
    void add_driver(const void* owner, std::function<void()> stop)
    {
        drivers_.emplace_back(owner, std::move(stop));
    }
    void remove_driver(const void* owner) noexcept
    {
        std::erase_if(drivers_, [owner](const auto& d) { return d.first == owner; });
    }
    void stop_drivers() noexcept
    {
        for (auto& d : drivers_)
            d.second();  // noexcept by contract: it stops and joins a thread
    }

private:
    std::vector<std::pair<const void*, std::function<void()>>> drivers_;
};

// Opens a function bound to nvmetest.ko ("0000:01:00.0" or "01:00.0").
std::shared_ptr<Transport> open_kmod_transport(const std::string& address);

// The process default device for Buffer allocations: the most recently opened
// transport that is still alive.  Pcie registers itself here.
void push_default_transport(const std::shared_ptr<Transport>& t);
std::shared_ptr<Transport> default_transport();

}  // namespace nvmetest::core

#endif  // NVMETEST_LIB_CORE_TRANSPORT_H
