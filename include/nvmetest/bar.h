// SPDX-License-Identifier: BSD-3-Clause
//
// A memory BAR mapped uncached into this process (KmodDevice::map_bar()).
#ifndef NVMETEST_BAR_H
#define NVMETEST_BAR_H

#include "nvmetest/cxx20.h"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace nvmetest {

namespace detail {
struct DeviceFile;
[[noreturn]] void throw_bar_range(unsigned bar, std::uint64_t offset, unsigned width,
                                  std::uint64_t size);
}

// Orders stores to DMA memory before a following MMIO store (a doorbell), and
// an MMIO or DMA load before the loads that depend on it.  On x86 both are
// compiler barriers; the fences keep the code correct on weaker architectures.
inline void dma_wmb() noexcept { std::atomic_thread_fence(std::memory_order_release); }
inline void dma_rmb() noexcept { std::atomic_thread_fence(std::memory_order_acquire); }

// Move-only.  Accesses are single volatile loads and stores of the given width
// at naturally aligned offsets; the range check is one compare.  After a reset
// or removal the kernel zaps the mapping: an access during the reset raises
// SIGBUS, and one after removal too.
class BarMapping {
public:
    BarMapping() noexcept = default;
    BarMapping(BarMapping&& other) noexcept;
    BarMapping& operator=(BarMapping&& other) noexcept;
    BarMapping(const BarMapping&) = delete;
    BarMapping& operator=(const BarMapping&) = delete;
    ~BarMapping();

    explicit operator bool() const noexcept { return addr_ != nullptr; }
    unsigned bar() const noexcept { return bar_; }
    std::uint64_t size() const noexcept { return size_; }
    volatile std::uint8_t* data() const noexcept { return static_cast<volatile std::uint8_t*>(addr_); }

    template <class T>
    T read(std::uint64_t offset) const
    {
        check(offset, sizeof(T));
        return *reinterpret_cast<const volatile T*>(data() + offset);
    }
    template <class T>
    void write(std::uint64_t offset, T value) const
    {
        check(offset, sizeof(T));
        *reinterpret_cast<volatile T*>(data() + offset) = value;
    }

    std::uint8_t read8(std::uint64_t off) const { return read<std::uint8_t>(off); }
    std::uint16_t read16(std::uint64_t off) const { return read<std::uint16_t>(off); }
    std::uint32_t read32(std::uint64_t off) const { return read<std::uint32_t>(off); }
    std::uint64_t read64(std::uint64_t off) const { return read<std::uint64_t>(off); }
    void write8(std::uint64_t off, std::uint8_t v) const { write(off, v); }
    void write16(std::uint64_t off, std::uint16_t v) const { write(off, v); }
    void write32(std::uint64_t off, std::uint32_t v) const { write(off, v); }
    void write64(std::uint64_t off, std::uint64_t v) const { write(off, v); }

    // Width-dispatching forms for tools: width 1, 2, 4 or 8.
    std::uint64_t read(std::uint64_t offset, unsigned width) const;
    void write(std::uint64_t offset, unsigned width, std::uint64_t value) const;

    void unmap() noexcept;

private:
    friend class KmodDevice;
    BarMapping(std::shared_ptr<detail::DeviceFile> file, unsigned bar, void* addr,
               std::size_t map_len, std::uint64_t size) noexcept;

    void check(std::uint64_t offset, unsigned width) const
    {
        if (offset + width > size_ || (offset & (width - 1)) || offset + width < offset)
            detail::throw_bar_range(bar_, offset, width, size_);
    }

    std::shared_ptr<detail::DeviceFile> file_;
    unsigned bar_ = 0;
    void* addr_ = nullptr;
    std::size_t map_len_ = 0;
    std::uint64_t size_ = 0;
};

}  // namespace nvmetest

#endif  // NVMETEST_BAR_H
