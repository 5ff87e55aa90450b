// SPDX-License-Identifier: BSD-3-Clause
//
// DMA memory: zeroed, bus-contiguous memory the device can address, mapped
// into this process.  Allocated by KmodDevice::alloc_dma().
#ifndef NVMETEST_DMA_H
#define NVMETEST_DMA_H

#include "nvmetest/cxx20.h"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>

namespace nvmetest {

namespace detail {
struct DeviceFile;
}

// Move-only owner of one allocation.  The destructor unmaps and frees it and
// never throws; free() does the same and reports failures.  The allocation
// keeps the device file open, so it may outlive the KmodDevice it came from.
class DmaMemory {
public:
    DmaMemory() noexcept = default;
    DmaMemory(DmaMemory&& other) noexcept;
    DmaMemory& operator=(DmaMemory&& other) noexcept;
    DmaMemory(const DmaMemory&) = delete;
    DmaMemory& operator=(const DmaMemory&) = delete;
    ~DmaMemory();

    explicit operator bool() const noexcept { return addr_ != nullptr; }

    std::uint8_t* data() noexcept { return static_cast<std::uint8_t*>(addr_); }
    const std::uint8_t* data() const noexcept { return static_cast<const std::uint8_t*>(addr_); }
    std::span<std::uint8_t> span() noexcept { return {data(), size_}; }
    std::span<const std::uint8_t> span() const noexcept { return {data(), size_}; }

    // Bytes allocated: the requested size rounded up to whole pages.
    std::size_t size() const noexcept { return size_; }
    // The bus address to give the device (an IOVA when an IOMMU translates).
    std::uint64_t iova() const noexcept { return iova_; }
    std::uint64_t iova(std::size_t offset) const noexcept { return iova_ + offset; }
    std::uint32_t handle() const noexcept { return handle_; }

    // Volatile accesses for memory the device writes behind the compiler's back
    // (completion queues).  offset + sizeof(T) <= size() is the caller's duty:
    // these are used on hot paths and do not check.
    template <class T>
    T load(std::size_t offset) const noexcept
    {
        return *reinterpret_cast<const volatile T*>(data() + offset);
    }
    template <class T>
    void store(std::size_t offset, T value) noexcept
    {
        *reinterpret_cast<volatile T*>(data() + offset) = value;
    }

    void fill(std::uint8_t byte) noexcept { std::memset(addr_, byte, size_); }

    // Unmaps and frees now; throws SystemError when the kernel refuses (the
    // memory is unmapped either way).  Does nothing on an empty object.
    void free();

private:
    friend class KmodDevice;
    DmaMemory(std::shared_ptr<detail::DeviceFile> file, void* addr, std::size_t size,
              std::uint64_t iova, std::uint32_t handle) noexcept;
    int release() noexcept;  // 0 or the errno of the free

    std::shared_ptr<detail::DeviceFile> file_;
    void* addr_ = nullptr;
    std::size_t size_ = 0;
    std::uint64_t iova_ = 0;
    std::uint32_t handle_ = 0;
};

}  // namespace nvmetest

#endif  // NVMETEST_DMA_H
