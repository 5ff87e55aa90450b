// SPDX-License-Identifier: BSD-3-Clause
//
// Metamode PRPs: PyNVMe3's PRP and PRPList (seed 002 section 2.1, seed 003
// "Python Space Driver").
//
// PRP is an alias of Buffer, one memory page by default, as in PyNVMe3:
//
//   meta::PRP buf(4096, {.pvalue = 0xffffffff, .ptype = 32});  // PRP(ptype=32, pvalue=0xffffffff)
//   buf.set_offset(0x10);                                      // buf.offset = 0x10
//
// PRPList is a page of 8-byte PRP entries.  Its offset and size move the list
// inside its page like a Buffer's (entry 0 is at offset()); an entry takes
//   - a PRP (Buffer) moved in: the list owns it (prp_list[0] = meta::PRP()),
//   - a Buffer by reference: the caller keeps it alive (prp_list[0] = buf),
//   - another PRPList, moved in or by reference: a chained list (the entry is
//     the next list's address; put it in the last slot of a memory page, see
//     chain_slot()),
//   - a raw address, valid or not (prp_list[0] = 0x1234).
//
//   meta::PRPList prp_list;
//   prp_list.set_offset(0x20);
//   for (int i = 0; i < 8; i++)
//       prp_list[i] = meta::PRP(4096, {.pvalue = 0xffffffff, .ptype = 32});
//   cmd.set_prp2(prp_list);
//
// The list keeps what it owns for its own lifetime: keep the list alive until
// the command that uses it completed.
#ifndef NVMETEST_META_PRP_H
#define NVMETEST_META_PRP_H

#include "nvmetest/cxx20.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "nvmetest/buffer.h"

namespace nvmetest::meta {

using PRP = Buffer;

// Index of the last 8-byte slot of the memory page (page bytes, a power of
// two) that holds a list starting at bus address list_addr: where a list that
// goes on holds the next list's address (NVMe 2.0, section 4.1.1).
constexpr std::size_t prp_chain_slot(std::uint64_t list_addr, std::size_t page = 4096) noexcept
{
    const std::uint64_t used = list_addr & (page - 1);  // std::size_t is 64 bits here
    return (page - used) / 8 - 1;
}

class PRPList {
public:
    // A list of length bytes (one page: 512 entries), zeroed.  options as for a
    // Buffer: .nvme puts the list in the Controller Memory Buffer.
    explicit PRPList(std::size_t length = 4096, BufferOptions options = {});
    PRPList(PRPList&&) noexcept;
    PRPList& operator=(PRPList&&) noexcept;
    PRPList(const PRPList&) = delete;
    PRPList& operator=(const PRPList&) = delete;
    ~PRPList();

    // Where entry 0 lies in the list's memory, and the bytes from there; as Buffer.
    std::size_t offset() const noexcept { return mem_.offset(); }
    std::size_t size() const noexcept { return mem_.size(); }
    std::size_t length() const noexcept { return mem_.length(); }
    // Set before filling entries: UsageError when a PRP or list entry would
    // move or fall off (offset a multiple of 8).
    void set_offset(std::size_t offset);
    void set_size(std::size_t size);
    // Bus address of entry 0: what PRP2 gets.
    std::uint64_t phys_addr() const noexcept { return mem_.phys_addr(); }
    // Entries that fit in size() bytes.
    std::size_t capacity() const noexcept { return size() / 8; }
    // Index of the entry in the last 8 bytes of the memory page (page bytes)
    // that holds entry 0: where a list that continues puts the next list.
    std::size_t chain_slot(std::size_t page = 4096) const noexcept;

    // One entry, for reading and assigning (see above).
    class Entry {
    public:
        Entry& operator=(std::uint64_t raw);
        Entry& operator=(const Buffer& borrowed);
        Entry& operator=(Buffer&& owned);
        Entry& operator=(const PRPList& borrowed);
        Entry& operator=(PRPList&& owned);
        operator std::uint64_t() const;

    private:
        friend class PRPList;
        Entry(PRPList& list, std::size_t index) noexcept : list_(list), index_(index) {}
        PRPList& list_;
        std::size_t index_;
    };
    // Entry index (UsageError at or beyond capacity()).
    Entry operator[](std::size_t index);
    std::uint64_t operator[](std::size_t index) const;

    // The Buffer entry index was given (owned or borrowed); nullptr for a raw
    // address or a list.  For reading what the device wrote.
    Buffer* prp(std::size_t index) const;
    // The list entry index chains to; nullptr otherwise.
    PRPList* next(std::size_t index) const;

    // The list's own memory.
    const Buffer& memory() const noexcept { return mem_; }

private:
    struct Slot {
        std::shared_ptr<void> owned;  // what the list keeps alive
        Buffer* buf = nullptr;
        PRPList* list = nullptr;
    };
    void check_index(std::size_t index) const;
    void check_no_entries_from(std::size_t index, const char* what) const;
    void store(std::size_t index, std::uint64_t value, Slot slot);

    Buffer mem_;
    std::vector<Slot> slots_;  // by entry index, from offset()
};

}  // namespace nvmetest::meta

#endif  // NVMETEST_META_PRP_H
