// SPDX-License-Identifier: GPL-2.0
// The emulated DUT's raw backing file ($NVMETEST_DUT_IMAGE, tests/vm/README.md),
// written from inside the guest behind the controller's back: how the data
// verification tests plant corruption.  What the controller reads at LBA l of
// namespace 1 (512-byte LBAs) is at byte l * 512.
#pragma once

#include <cstdint>
#include <vector>

namespace devtest {

class DutImage {
public:
    static constexpr std::uint32_t kLbaBytes = 512;

    // Throws std::runtime_error when $NVMETEST_DUT_IMAGE is unset or unopenable.
    DutImage();
    ~DutImage();
    DutImage(const DutImage&) = delete;
    DutImage& operator=(const DutImage&) = delete;

    std::vector<std::uint8_t> read(std::uint64_t lba, std::uint32_t n = 1) const;
    // Writes and fsyncs, so the controller's next read sees it.
    void write(std::uint64_t lba, const std::vector<std::uint8_t>& d) const;
    void flip_bit(std::uint64_t lba, std::size_t byte, unsigned bit) const;
    // Bytes of the image file the host's filesystem has allocated (st_blocks):
    // what a deallocation that reaches the image gives back.
    std::uint64_t allocated_bytes() const;

private:
    int fd_ = -1;
};

}  // namespace devtest
