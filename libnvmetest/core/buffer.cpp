// SPDX-License-Identifier: BSD-3-Clause
#include "nvmetest/buffer.h"

#include <cstdio>
#include <cstring>
#include <utility>

#include "core/byte_fields.h"
#include "core/controller_core.h"
#include "core/transport.h"
#include "nvmetest/controller.h"
#include "nvmetest/errors.h"
#include "nvmetest/pattern.h"
#include "nvmetest/pcie.h"

namespace nvmetest {
namespace {

std::string mib(std::uint64_t bytes)
{
    char s[32];
    if (bytes % (1u << 20) == 0)
        std::snprintf(s, sizeof(s), "%llu MiB", static_cast<unsigned long long>(bytes >> 20));
    else
        std::snprintf(s, sizeof(s), "%llu bytes", static_cast<unsigned long long>(bytes));
    return s;
}

std::shared_ptr<core::Transport> device_for(const BufferOptions& o)
{
    if (o.pcie)
        return o.pcie->transport();
    auto t = core::default_transport();
    if (!t)
        throw UsageError("a Buffer is DMA memory of a device, and no device is open: open a Pcie "
                         "(or a fixture that does) before creating Buffers, or pass .pcie");
    return t;
}

void put_le(std::span<std::uint8_t> dst, std::uint64_t v)
{
    for (auto& b : dst) {
        b = static_cast<std::uint8_t>(v);
        v >>= 8;
    }
}

}  // namespace

Buffer::Buffer(std::size_t length, const char* name) : Buffer(length, BufferOptions{.name = name})
{
}

Buffer::Buffer(std::size_t length, BufferOptions o) : name_(std::move(o.name))
{
    if (length == 0)
        throw UsageError("Buffer length 0 is not valid: a buffer holds at least one byte");
    if (o.nvme) {
        const auto& c = o.nvme->core();
        c->check_open();
        auto a = c->cmb_open().alloc(length);
        ptr_ = a->data;
        bus_ = a->bus;
        device_ = c->t->address();
        cmb_ = std::move(a);
        share_ = cmb_;
    } else {
        auto dev = device_for(o);
        const std::uint64_t max = dev->dma_max_alloc();
        if (max && length > max)
            throw UsageError("Buffer(" + std::to_string(length) + ") \"" + name_ +
                             "\" exceeds the largest physically contiguous DMA allocation of " +
                             dev->address() + " (" + mib(max) +
                             ", info().dma_max_alloc): split the transfer into commands of at "
                             "most " + mib(max) +
                             ", or run with a translating IOMMU (intel_iommu=on), where the limit "
                             "is nvmetest.ko's dma_limit_file");
        mem_ = std::make_shared<DmaMemory>(dev->alloc_dma(length));
        ptr_ = mem_->data();
        bus_ = mem_->iova();
        device_ = dev->address();
        share_ = mem_;
    }
    length_ = length;
    size_ = length;
    if (o.offset)
        set_offset(o.offset);
    if (o.ptype == kPtypeFile || !o.pfile.empty())
        fill_pattern_file(o.pfile);
    else if (o.ptype != kPtypeConst || o.pvalue != 0)
        fill_pattern(o.pvalue, o.ptype);
}

Buffer::Buffer(Buffer&& other) noexcept
    : name_(std::move(other.name_)), device_(std::move(other.device_)),
      mem_(std::move(other.mem_)), cmb_(std::move(other.cmb_)), share_(std::move(other.share_)),
      ptr_(std::exchange(other.ptr_, nullptr)), bus_(std::exchange(other.bus_, 0)),
      length_(std::exchange(other.length_, 0)), offset_(std::exchange(other.offset_, 0)),
      size_(std::exchange(other.size_, 0)), size_set_(std::exchange(other.size_set_, false))
{
}

Buffer& Buffer::operator=(Buffer&& other) noexcept
{
    if (this != &other) {
        name_ = std::move(other.name_);
        device_ = std::move(other.device_);
        mem_ = std::move(other.mem_);
        cmb_ = std::move(other.cmb_);
        share_ = std::move(other.share_);
        ptr_ = std::exchange(other.ptr_, nullptr);
        bus_ = std::exchange(other.bus_, 0);
        length_ = std::exchange(other.length_, 0);
        offset_ = std::exchange(other.offset_, 0);
        size_ = std::exchange(other.size_, 0);
        size_set_ = std::exchange(other.size_set_, false);
    }
    return *this;
}

const DmaMemory& Buffer::memory() const noexcept
{
    static const DmaMemory none;
    return mem_ ? *mem_ : none;
}

void Buffer::set_offset(std::size_t offset)
{
    if (offset >= length_)
        throw UsageError("offset " + std::to_string(offset) + " of Buffer \"" + name_ +
                         "\" must be below its length " + std::to_string(length_));
    if (size_set_ && offset + size_ > length_)
        throw UsageError("offset " + std::to_string(offset) + " + size " + std::to_string(size_) +
                         " exceeds the length " + std::to_string(length_) + " of Buffer \"" +
                         name_ + "\": set a smaller size first");
    offset_ = offset;
    if (!size_set_)
        size_ = length_ - offset;
}

void Buffer::set_size(std::size_t size)
{
    if (offset_ + size > length_)
        throw UsageError("offset " + std::to_string(offset_) + " + size " + std::to_string(size) +
                         " exceeds the length " + std::to_string(length_) + " of Buffer \"" +
                         name_ + "\": the device would access memory beyond the allocation");
    size_ = size;
    size_set_ = true;
}

void Buffer::check_range(std::size_t begin, std::size_t end, const char* what) const
{
    if (begin > end || end > length_)
        throw UsageError(std::string(what) + " [" + std::to_string(begin) + ", " +
                         std::to_string(end) + ") lies outside Buffer \"" + name_ + "\" of " +
                         std::to_string(length_) + " bytes");
}

std::uint8_t& Buffer::operator[](std::size_t i)
{
    check_range(i, i + 1, "byte");
    return ptr_[i];
}

std::uint8_t Buffer::operator[](std::size_t i) const
{
    check_range(i, i + 1, "byte");
    return ptr_[i];
}

std::span<std::uint8_t> Buffer::slice(std::size_t begin, std::size_t end)
{
    check_range(begin, end, "slice");
    return {ptr_ + begin, end - begin};
}

std::span<const std::uint8_t> Buffer::slice(std::size_t begin, std::size_t end) const
{
    check_range(begin, end, "slice");
    return {ptr_ + begin, end - begin};
}

void Buffer::set(std::size_t begin, std::span<const std::uint8_t> src)
{
    check_range(begin, begin + src.size(), "assignment");
    if (!src.empty())
        std::memcpy(ptr_ + begin, src.data(), src.size());
}

void Buffer::set(std::size_t begin, std::initializer_list<std::uint8_t> src)
{
    set(begin, std::span<const std::uint8_t>(src.begin(), src.size()));
}

void Buffer::set(std::size_t begin, std::string_view text)
{
    set(begin, std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(text.data()),
                                             text.size()));
}

std::uint64_t Buffer::data_int(std::size_t end, std::size_t begin) const
{
    check_range(begin, end + 1, "field");
    if (end - begin >= 8)
        throw UsageError("field [" + std::to_string(begin) + ", " + std::to_string(end) +
                         "] is wider than 8 bytes: read it with slice() or data<std::string>()");
    return core::le_field(ptr_, end, begin);
}

std::string Buffer::data_string(std::size_t end, std::size_t begin) const
{
    check_range(begin, end + 1, "field");
    return core::text_field(ptr_, end, begin);
}

std::string Buffer::dump(std::size_t size) const
{
    if (size == 0 || size > length_)
        size = length_;
    std::string out = name_ + "\n";
    char line[96];
    for (std::size_t row = 0; row < size; row += 16) {
        int n = std::snprintf(line, sizeof(line), "%08zx ", row);
        std::string ascii;
        for (std::size_t i = row; i < row + 16; i++) {
            if (i < size) {
                const std::uint8_t b = ptr_[i];
                n += std::snprintf(line + n, sizeof(line) - static_cast<std::size_t>(n), " %02x", b);
                ascii += (b >= 0x20 && b < 0x7f) ? static_cast<char>(b) : '.';
            } else {
                n += std::snprintf(line + n, sizeof(line) - static_cast<std::size_t>(n), "   ");
            }
        }
        out += line;
        out += "  " + ascii + "\n";
    }
    return out;
}

std::uint8_t Buffer::crc8() const { return nvmetest::crc8(bytes()); }

bool Buffer::operator==(const Buffer& other) const noexcept
{
    return length_ == other.length_ &&
           (length_ == 0 || std::memcmp(ptr_, other.ptr_, length_) == 0);
}

void Buffer::fill_pattern(std::uint64_t pvalue, std::uint32_t ptype)
{
    nvmetest::fill_pattern(bytes(), ptype, pvalue);
}

void Buffer::fill_pattern_file(const std::string& path)
{
    if (path.empty())
        throw UsageError("ptype 0xf17e fills Buffer \"" + name_ +
                         "\" from a file: pass its path as .pfile");
    nvmetest::fill_pattern_file(bytes(), path);
}

void Buffer::set_dsm_range(std::size_t index, std::uint64_t lba, std::uint32_t lba_count,
                           std::uint32_t attr)
{
    auto r = slice(index * 16, index * 16 + 16);
    put_le(r.subspan(0, 4), attr);
    put_le(r.subspan(4, 4), lba_count);
    put_le(r.subspan(8, 8), lba);
}

void Buffer::set_copy_range(std::size_t index, std::uint64_t lba, std::uint32_t lba_count)
{
    if (lba_count == 0 || lba_count > 0x10000)
        throw UsageError("a copy range holds 1 to 65536 LBAs, not " + std::to_string(lba_count));
    auto r = slice(index * 32, index * 32 + 32);
    std::memset(r.data(), 0, r.size());
    put_le(r.subspan(8, 8), lba);
    put_le(r.subspan(16, 2), lba_count - 1);
}

void Buffer::set_controller_list(std::initializer_list<std::uint16_t> ids)
{
    if (ids.size() > 2047)
        throw UsageError("a controller list holds at most 2047 identifiers");
    put_le(slice(0, 2), ids.size());
    std::size_t pos = 2;
    for (std::uint16_t id : ids) {
        put_le(slice(pos, pos + 2), id);
        pos += 2;
    }
}

}  // namespace nvmetest
