// SPDX-License-Identifier: BSD-3-Clause
//
// Private: the open device node shared by KmodDevice and what it hands out.
#ifndef NVMETEST_LIB_DEVICE_FILE_H
#define NVMETEST_LIB_DEVICE_FILE_H

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "nvmetest/device_info.h"
#include "nvmetest/errors.h"

namespace nvmetest::detail {

struct DeviceFile {
    DeviceFile(int fd_, std::string bdf_) : fd(fd_), bdf(std::move(bdf_)) {}
    DeviceFile(const DeviceFile&) = delete;
    DeviceFile& operator=(const DeviceFile&) = delete;
    ~DeviceFile();

    // ioctl(), retried on EINTR; 0 or the errno.
    int ioctl_errno(unsigned long request, void* arg) const noexcept;
    // ioctl() that throws the SystemError for op with detail as context.
    void ioctl_or_throw(unsigned long request, void* arg, Op op, std::string_view action,
                        std::string_view detail = {}) const;

    ErrorContext context(std::string_view detail = {}) const { return {bdf, detail}; }

    int fd;
    std::string bdf;
    DeviceInfo info;
    // Each interrupt setup takes the next number; an IrqSet tears down only its own.
    std::atomic<std::uint64_t> irq_generation{0};
};

std::size_t page_size() noexcept;
std::size_t page_round_up(std::size_t n) noexcept;

}  // namespace nvmetest::detail

#endif  // NVMETEST_LIB_DEVICE_FILE_H
