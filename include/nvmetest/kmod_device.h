// SPDX-License-Identifier: BSD-3-Clause
//
// The kmod transport: one PCI function bound to nvmetest.ko, reached through
// its char device /dev/nvmetest/<bdf>.
//
// This layer knows PCI (config space, BARs, DMA, interrupts, resets) and
// nothing about NVMe; the controller logic sits above it, and other transports
// (NVMe/TCP, io_uring passthrough) will sit beside it.
#ifndef NVMETEST_KMOD_DEVICE_H
#define NVMETEST_KMOD_DEVICE_H

#include "nvmetest/cxx20.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nvmetest/bar.h"
#include "nvmetest/bdf.h"
#include "nvmetest/device_info.h"
#include "nvmetest/dma.h"
#include "nvmetest/errors.h"
#include "nvmetest/irq.h"
#include "nvmetest/pci_caps.h"

namespace nvmetest {

namespace detail {
struct DeviceFile;
}

// Move-only handle on an open device node.  Every method throws a subclass of
// nvmetest::Error whose message says what to do; DeviceGoneError after the
// function left the bus.  Objects it hands out (DmaMemory, BarMapping, IrqSet)
// share the open file and may outlive the KmodDevice.
class KmodDevice {
public:
    // "/dev/nvmetest/0000:01:00.0"; the directory is $NVMETEST_DEV_DIR when set.
    static std::string node_path(const Bdf& bdf);

    // Opens the node and checks the module's ABI version (AbiMismatchError).
    explicit KmodDevice(const Bdf& bdf);
    explicit KmodDevice(std::string_view bdf);  // "0000:01:00.0" or "01:00.0"
    KmodDevice(KmodDevice&&) noexcept;
    KmodDevice& operator=(KmodDevice&&) noexcept;
    KmodDevice(const KmodDevice&) = delete;
    KmodDevice& operator=(const KmodDevice&) = delete;
    ~KmodDevice();

    const Bdf& bdf() const noexcept;
    int fd() const noexcept;

    // The information read at open time, and a fresh query.
    const DeviceInfo& info() const noexcept;
    DeviceInfo query_info();

    // Config space: width 1, 2 or 4 at a naturally aligned offset.
    std::uint32_t cfg_read(std::uint32_t offset, unsigned width);
    void cfg_write(std::uint32_t offset, unsigned width, std::uint32_t value);
    std::uint8_t cfg_read8(std::uint32_t off) { return static_cast<std::uint8_t>(cfg_read(off, 1)); }
    std::uint16_t cfg_read16(std::uint32_t off) { return static_cast<std::uint16_t>(cfg_read(off, 2)); }
    std::uint32_t cfg_read32(std::uint32_t off) { return cfg_read(off, 4); }
    void cfg_write8(std::uint32_t off, std::uint8_t v) { cfg_write(off, 1, v); }
    void cfg_write16(std::uint32_t off, std::uint16_t v) { cfg_write(off, 2, v); }
    void cfg_write32(std::uint32_t off, std::uint32_t v) { cfg_write(off, 4, v); }

    // The whole config space (info().cfg_size bytes), read dword by dword.
    std::vector<std::uint8_t> read_config();
    pci::CapabilityList capabilities();
    // Offset of a capability (extended: an extended capability ID); nullopt if absent.
    std::optional<std::uint16_t> cap_offset(std::uint16_t id, bool extended = false);

    // BAR access through the ioctl (no mapping): width 1, 2, 4 or 8.
    std::uint64_t bar_read(unsigned bar, std::uint64_t offset, unsigned width);
    void bar_write(unsigned bar, std::uint64_t offset, unsigned width, std::uint64_t value);

    // Maps a whole memory BAR uncached.
    BarMapping map_bar(unsigned bar);

    // Allocates size bytes (rounded up to pages) of zeroed DMA memory and maps it.
    DmaMemory alloc_dma(std::size_t size);

    // Sets up count vectors of one type, each with its own eventfd; replaces any
    // earlier setup of this open file.  IrqType::None is refused: destroy or
    // teardown() the IrqSet instead.
    IrqSet setup_irq(IrqType type, unsigned count = 1);

    // Resets the function; config space is saved and restored around it, and
    // BAR mappings are zapped (fault back in afterwards).  hold_ms 0: the
    // method's minimum.
    void reset(ResetMethod method, std::uint32_t hold_ms = 0);

    // Removes the function from the bus; every later call fails with
    // DeviceGoneError.  With rescan, the parent bus is rescanned delay_ms later
    // and the function returns as a new node of the same name: open it again.
    void remove(bool rescan = false, std::uint32_t delay_ms = 0);

private:
    std::shared_ptr<detail::DeviceFile> file_;
};

}  // namespace nvmetest

#endif  // NVMETEST_KMOD_DEVICE_H
