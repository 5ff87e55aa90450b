// SPDX-License-Identifier: BSD-3-Clause
//
// Physical Region Page entries (NVMe Base Specification 2.0, section 4.1.1):
// how many entries a transfer needs and how PRP1, PRP2 and the PRP list are
// filled for a bus-contiguous buffer.  Nothing here allocates: the caller owns
// the list memory, so the command path can keep it preallocated.
#ifndef NVMETEST_NVME_PRP_H
#define NVMETEST_NVME_PRP_H

#include "nvmetest/cxx20.h"

#include "nvmetest/nvme/command.h"

#include <cstddef>
#include <cstdint>
#include <span>

namespace nvmetest::nvme {

// Offset of addr inside its memory page (page is a power of two).
constexpr std::uint64_t prp_offset(std::uint64_t addr, std::uint64_t page) noexcept {
    return addr & (page - 1);
}

// Memory pages a transfer of len bytes at addr touches: the PRP entries it needs in all.
constexpr std::uint64_t prp_page_count(std::uint64_t addr, std::uint64_t len,
                                       std::uint64_t page) noexcept {
    if (len == 0)
        return 0;
    return (prp_offset(addr, page) + len + page - 1) / page;
}

// Entries that go into a PRP list; 0 when PRP1 and PRP2 alone describe the transfer.
constexpr std::uint64_t prp_list_entry_count(std::uint64_t addr, std::uint64_t len,
                                             std::uint64_t page) noexcept {
    const std::uint64_t pages = prp_page_count(addr, len, page);
    return pages > 2 ? pages - 1 : 0;
}

// Slots (8 bytes each) the list occupies when it starts at list_addr, including the
// chain pointers: the last slot of every list page but the final one points onward.
std::uint64_t prp_list_slots(std::uint64_t entries, std::uint64_t list_addr,
                             std::uint64_t page) noexcept;

// Sets PRP1/PRP2 of sqe for len bytes at the bus-contiguous address addr and, when
// a list is needed, writes it into list (whose first slot has bus address list_addr,
// 8-byte aligned, the memory behind it contiguous).  Returns the slots written.
// Throws UsageError when list is too small, with the size it needs.
std::size_t build_prp(Sqe& sqe, std::uint64_t addr, std::uint64_t len, std::uint64_t page,
                      std::span<std::uint64_t> list, std::uint64_t list_addr);

} // namespace nvmetest::nvme

#endif // NVMETEST_NVME_PRP_H
