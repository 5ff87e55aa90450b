// SPDX-License-Identifier: BSD-3-Clause
#include "nvmetest/dma.h"

#include <linux/nvmetest.h>
#include <sys/mman.h>

#include <utility>

#include "device_file.h"

namespace nvmetest {

DmaMemory::DmaMemory(std::shared_ptr<detail::DeviceFile> file, void* addr, std::size_t size,
                     std::uint64_t iova, std::uint32_t handle) noexcept
    : file_(std::move(file)), addr_(addr), size_(size), iova_(iova), handle_(handle)
{
}

DmaMemory::DmaMemory(DmaMemory&& o) noexcept
    : file_(std::move(o.file_)),
      addr_(std::exchange(o.addr_, nullptr)),
      size_(std::exchange(o.size_, 0)),
      iova_(std::exchange(o.iova_, 0)),
      handle_(std::exchange(o.handle_, 0))
{
}

DmaMemory& DmaMemory::operator=(DmaMemory&& o) noexcept
{
    if (this != &o) {
        release();
        file_ = std::move(o.file_);
        addr_ = std::exchange(o.addr_, nullptr);
        size_ = std::exchange(o.size_, 0);
        iova_ = std::exchange(o.iova_, 0);
        handle_ = std::exchange(o.handle_, 0);
    }
    return *this;
}

DmaMemory::~DmaMemory() { release(); }

int DmaMemory::release() noexcept
{
    if (!addr_)
        return 0;
    ::munmap(addr_, size_);
    addr_ = nullptr;
    int err = 0;
    if (file_) {
        nvmetest_dma_free f{};
        f.argsz = sizeof(f);
        f.handle = handle_;
        err = file_->ioctl_errno(NVMETEST_DMA_FREE, &f);
        // After removal the kernel frees everything on close: nothing is lost.
        if (err == ENODEV)
            err = 0;
    }
    file_.reset();
    size_ = 0;
    iova_ = 0;
    return err;
}

void DmaMemory::free()
{
    const std::string bdf = file_ ? file_->bdf : std::string();
    const std::uint32_t handle = handle_;
    if (int err = release())
        throw_system_error(err, Op::DmaFree,
                           "freeing DMA handle " + std::to_string(handle) + " on " + bdf,
                           {bdf, {}});
}

}  // namespace nvmetest
