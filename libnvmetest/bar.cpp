// SPDX-License-Identifier: BSD-3-Clause
#include "nvmetest/bar.h"

#include <sys/mman.h>

#include <string>
#include <utility>

#include "device_file.h"
#include "nvmetest/errors.h"

namespace nvmetest {

BarMapping::BarMapping(std::shared_ptr<detail::DeviceFile> file, unsigned bar, void* addr,
                       std::size_t map_len, std::uint64_t size) noexcept
    : file_(std::move(file)), bar_(bar), addr_(addr), map_len_(map_len), size_(size)
{
}

BarMapping::BarMapping(BarMapping&& o) noexcept
    : file_(std::move(o.file_)),
      bar_(o.bar_),
      addr_(std::exchange(o.addr_, nullptr)),
      map_len_(std::exchange(o.map_len_, 0)),
      size_(std::exchange(o.size_, 0))
{
}

BarMapping& BarMapping::operator=(BarMapping&& o) noexcept
{
    if (this != &o) {
        unmap();
        file_ = std::move(o.file_);
        bar_ = o.bar_;
        addr_ = std::exchange(o.addr_, nullptr);
        map_len_ = std::exchange(o.map_len_, 0);
        size_ = std::exchange(o.size_, 0);
    }
    return *this;
}

BarMapping::~BarMapping() { unmap(); }

void BarMapping::unmap() noexcept
{
    if (addr_)
        ::munmap(addr_, map_len_);
    addr_ = nullptr;
    map_len_ = 0;
    size_ = 0;
    file_.reset();
}

std::uint64_t BarMapping::read(std::uint64_t offset, unsigned width) const
{
    switch (width) {
    case 1: return read<std::uint8_t>(offset);
    case 2: return read<std::uint16_t>(offset);
    case 4: return read<std::uint32_t>(offset);
    case 8: return read<std::uint64_t>(offset);
    default:
        throw UsageError("BAR access width " + std::to_string(width) +
                         " is not supported: use 1, 2, 4 or 8 bytes");
    }
}

void BarMapping::write(std::uint64_t offset, unsigned width, std::uint64_t value) const
{
    switch (width) {
    case 1: write(offset, static_cast<std::uint8_t>(value)); return;
    case 2: write(offset, static_cast<std::uint16_t>(value)); return;
    case 4: write(offset, static_cast<std::uint32_t>(value)); return;
    case 8: write(offset, value); return;
    default:
        throw UsageError("BAR access width " + std::to_string(width) +
                         " is not supported: use 1, 2, 4 or 8 bytes");
    }
}

}  // namespace nvmetest
