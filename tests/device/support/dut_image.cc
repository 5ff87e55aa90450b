// SPDX-License-Identifier: GPL-2.0
#include "support/dut_image.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <stdexcept>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

namespace devtest {

DutImage::DutImage()
{
    const char* path = std::getenv("NVMETEST_DUT_IMAGE");
    if (!path)
        throw std::runtime_error("NVMETEST_DUT_IMAGE is not set: run under tests/vm/nvmetest-vm");
    fd_ = ::open(path, O_RDWR);
    if (fd_ < 0)
        throw std::runtime_error(std::string("cannot open NVMETEST_DUT_IMAGE ") + path + ": " +
                                 std::strerror(errno));
}

DutImage::~DutImage() { ::close(fd_); }

std::vector<std::uint8_t> DutImage::read(std::uint64_t lba, std::uint32_t n) const
{
    std::vector<std::uint8_t> d(std::size_t{n} * kLbaBytes);
    if (::pread(fd_, d.data(), d.size(), static_cast<off_t>(lba * kLbaBytes)) !=
        static_cast<ssize_t>(d.size()))
        throw std::runtime_error("short read of the DUT image");
    return d;
}

void DutImage::write(std::uint64_t lba, const std::vector<std::uint8_t>& d) const
{
    if (::pwrite(fd_, d.data(), d.size(), static_cast<off_t>(lba * kLbaBytes)) !=
            static_cast<ssize_t>(d.size()) ||
        ::fsync(fd_) != 0)
        throw std::runtime_error("short write to the DUT image");
}

void DutImage::flip_bit(std::uint64_t lba, std::size_t byte, unsigned bit) const
{
    auto d = read(lba);
    d[byte] ^= static_cast<std::uint8_t>(1u << bit);
    write(lba, d);
}

std::uint64_t DutImage::allocated_bytes() const
{
    struct stat st {};
    if (::fstat(fd_, &st) != 0)
        throw std::runtime_error(std::string("cannot stat the DUT image: ") + std::strerror(errno));
    return static_cast<std::uint64_t>(st.st_blocks) * 512;
}

}  // namespace devtest
