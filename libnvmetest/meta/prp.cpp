// SPDX-License-Identifier: BSD-3-Clause
#include "nvmetest/meta/prp.h"

#include <string>
#include <utility>

#include "meta/ring_access.h"
#include "nvmetest/errors.h"

namespace nvmetest::meta {
namespace {

BufferOptions named(BufferOptions o)
{
    if (o.name == BufferOptions{}.name)
        o.name = "PRPList";
    return o;
}

}  // namespace

PRPList::PRPList(std::size_t length, BufferOptions options) : mem_(length, named(std::move(options)))
{
    if (length % 8)
        throw UsageError("PRPList(" + std::to_string(length) +
                         "): a PRP list holds 8-byte entries, so its length is a multiple of 8");
    mem_.fill_pattern(0);
    slots_.resize(capacity());
}

PRPList::PRPList(PRPList&&) noexcept = default;
PRPList& PRPList::operator=(PRPList&&) noexcept = default;
PRPList::~PRPList() = default;

void PRPList::check_no_entries_from(std::size_t index, const char* what) const
{
    for (std::size_t i = index; i < slots_.size(); i++)
        if (slots_[i].buf || slots_[i].list)
            throw UsageError(std::string("PRPList ") + what + ": entry " + std::to_string(i) +
                             " holds a PRP or list already; set offset and size before "
                             "filling entries");
}

void PRPList::set_offset(std::size_t offset)
{
    if (offset % 8)
        throw UsageError("PRPList offset " + std::to_string(offset) +
                         " is not a multiple of 8: entries are 8-byte aligned");
    check_no_entries_from(0, "set_offset");
    mem_.set_offset(offset);
    slots_.assign(capacity(), Slot{});
}

void PRPList::set_size(std::size_t size)
{
    check_no_entries_from(size / 8, "set_size");
    mem_.set_size(size);
    slots_.resize(capacity());
}

std::size_t PRPList::chain_slot(std::size_t page) const noexcept
{
    return prp_chain_slot(phys_addr(), page);
}

void PRPList::check_index(std::size_t index) const
{
    if (index >= capacity())
        throw UsageError("PRPList entry " + std::to_string(index) + " lies beyond the list's " +
                         std::to_string(capacity()) + " entries (size " + std::to_string(size()) +
                         " bytes from offset " + std::to_string(offset()) +
                         "): use a longer list, or chain another one");
}

void PRPList::store(std::size_t index, std::uint64_t value, Slot slot)
{
    check_index(index);
    std::uint8_t* p = mem_.bytes().data() + offset() + 8 * index;
    detail::store_dword(p, static_cast<std::uint32_t>(value));
    detail::store_dword(p + 4, static_cast<std::uint32_t>(value >> 32));
    slots_[index] = std::move(slot);
}

PRPList::Entry PRPList::operator[](std::size_t index)
{
    check_index(index);
    return Entry(*this, index);
}

std::uint64_t PRPList::operator[](std::size_t index) const
{
    check_index(index);
    const std::uint8_t* p = mem_.bytes().data() + offset() + 8 * index;
    return detail::load_dword(p) | std::uint64_t{detail::load_dword(p + 4)} << 32;
}

Buffer* PRPList::prp(std::size_t index) const
{
    check_index(index);
    return slots_[index].buf;
}

PRPList* PRPList::next(std::size_t index) const
{
    check_index(index);
    return slots_[index].list;
}

PRPList::Entry& PRPList::Entry::operator=(std::uint64_t raw)
{
    list_.store(index_, raw, Slot{});
    return *this;
}

PRPList::Entry& PRPList::Entry::operator=(const Buffer& borrowed)
{
    list_.store(index_, borrowed.phys_addr(),
                Slot{.owned = {}, .buf = const_cast<Buffer*>(&borrowed), .list = nullptr});
    return *this;
}

PRPList::Entry& PRPList::Entry::operator=(Buffer&& owned)
{
    auto keep = std::make_shared<Buffer>(std::move(owned));
    Buffer* b = keep.get();
    list_.store(index_, b->phys_addr(), Slot{.owned = std::move(keep), .buf = b, .list = nullptr});
    return *this;
}

PRPList::Entry& PRPList::Entry::operator=(const PRPList& borrowed)
{
    if (&borrowed == &list_)
        throw UsageError("a PRPList entry cannot point to its own list: chain another PRPList");
    list_.store(index_, borrowed.phys_addr(),
                Slot{.owned = {}, .buf = nullptr, .list = const_cast<PRPList*>(&borrowed)});
    return *this;
}

PRPList::Entry& PRPList::Entry::operator=(PRPList&& owned)
{
    if (&owned == &list_)
        throw UsageError("a PRPList entry cannot point to its own list: chain another PRPList");
    auto keep = std::make_shared<PRPList>(std::move(owned));
    PRPList* l = keep.get();
    list_.store(index_, l->phys_addr(), Slot{.owned = std::move(keep), .buf = nullptr, .list = l});
    return *this;
}

PRPList::Entry::operator std::uint64_t() const
{
    return std::as_const(list_)[index_];
}

}  // namespace nvmetest::meta
