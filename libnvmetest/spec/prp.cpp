// SPDX-License-Identifier: BSD-3-Clause
#include "nvmetest/nvme/prp.h"

#include "nvmetest/errors.h"

#include <string>

namespace nvmetest::nvme {

std::uint64_t prp_list_slots(std::uint64_t entries, std::uint64_t list_addr,
                             std::uint64_t page) noexcept {
    if (entries == 0)
        return 0;
    std::uint64_t slots = 0;
    // The first list page may start mid-page: PRP2 only needs dword alignment.
    std::uint64_t room = (page - prp_offset(list_addr, page)) / 8;
    while (entries > room) {
        // Fill all but the last slot, which chains to the next list page.
        slots += room;
        entries -= room - 1;
        room = page / 8;
    }
    return slots + entries;
}

std::size_t build_prp(Sqe& sqe, std::uint64_t addr, std::uint64_t len, std::uint64_t page,
                      std::span<std::uint64_t> list, std::uint64_t list_addr) {
    const std::uint64_t pages = prp_page_count(addr, len, page);
    sqe.set_prp1(addr);
    sqe.set_prp2(0);
    if (pages <= 1)
        return 0;
    const std::uint64_t second = addr - prp_offset(addr, page) + page;
    if (pages == 2) {
        sqe.set_prp2(second);
        return 0;
    }

    const std::uint64_t entries = pages - 1;
    const std::uint64_t slots = prp_list_slots(entries, list_addr, page);
    if (slots > list.size())
        throw UsageError("PRP list for " + std::to_string(len) + " bytes needs " +
                         std::to_string(slots) + " slots (" + std::to_string(slots * 8) +
                         " bytes) but " + std::to_string(list.size()) +
                         " were given: allocate a larger list");
    sqe.set_prp2(list_addr);

    std::uint64_t room = (page - prp_offset(list_addr, page)) / 8;
    std::size_t slot = 0;
    std::uint64_t next = second;
    for (std::uint64_t left = entries; left > 0;) {
        if (left > room) {
            // Chain: this list page is full but for its last slot.
            for (std::uint64_t i = 0; i + 1 < room; ++i, --left, next += page)
                list[slot++] = next;
            list[slot] = list_addr + (slot + 1) * 8;
            ++slot;
            room = page / 8;
        } else {
            for (; left > 0; --left, next += page)
                list[slot++] = next;
        }
    }
    return slot;
}

} // namespace nvmetest::nvme
