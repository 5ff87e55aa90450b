// SPDX-License-Identifier: BSD-3-Clause
#include "core/cmb.h"

#include <string>

#include "core/transport.h"
#include "nvmetest/errors.h"
#include "nvmetest/nvme/registers.h"

namespace nvmetest::core {
namespace {

constexpr std::uint32_t kCre = 1u << 0;
constexpr std::uint32_t kCmse = 1u << 1;

std::string hex(std::uint64_t v)
{
    char s[24];
    std::snprintf(s, sizeof(s), "0x%llx", static_cast<unsigned long long>(v));
    return s;
}

}  // namespace

CmbAllocation::~CmbAllocation()
{
    if (cmb)
        cmb->release(offset, length);
}

std::shared_ptr<Cmb> Cmb::open(const std::shared_ptr<Transport>& t)
{
    const std::uint64_t cap = t->reg_read64(nvme::reg::kCap);
    if (!nvme::cap::cmbs(cap) && t->reg_read32(nvme::reg::kCmbsz) == 0)
        throw UsageError("the controller " + t->address() +
                         " has no Controller Memory Buffer (CAP.CMBS is 0 and CMBSZ is 0): "
                         "allocate the Buffer in host memory (leave .nvme unset)");
    std::shared_ptr<Cmb> c(new Cmb());
    c->t_ = t;
    // CRE first: CMBLOC and CMBSZ read 0 until it is set (NVMe 1.4).
    t->reg_write32(nvme::reg::kCmbmsc + 4, 0);
    t->reg_write32(nvme::reg::kCmbmsc, kCre);
    c->cmbloc_ = t->reg_read32(nvme::reg::kCmbloc);
    c->cmbsz_ = t->reg_read32(nvme::reg::kCmbsz);
    const std::uint64_t unit = std::uint64_t{4096} << (4 * ((c->cmbsz_ >> 8) & 0xf));
    c->size_ = (c->cmbsz_ >> 12) * unit;
    if (c->size_ == 0)
        throw UsageError("CMBSZ of " + t->address() + " reads 0 after CMBMSC.CRE was set: "
                         "the Controller Memory Buffer is not usable");
    const unsigned bir = c->cmbloc_ & 7u;
    c->offset_ = (c->cmbloc_ >> 12) * unit;
    if (bir > 5 || !t->info().bars[bir].implemented() || !t->info().bars[bir].memory())
        throw UsageError("CMBLOC.BIR of " + t->address() + " names BAR" + std::to_string(bir) +
                         ", which is not an implemented memory BAR");
    const std::uint32_t lo = t->cfg_read(0x10 + 4 * bir, 4);
    std::uint64_t base = lo & ~0xfull;
    if ((lo & 6u) == 4u && bir < 5)
        base |= std::uint64_t{t->cfg_read(0x14 + 4 * bir, 4)} << 32;
    c->bar_bus_ = base;
    c->bus_ = base + c->offset_;
    c->bar_ = t->map_bar(bir);
    if (c->offset_ + c->size_ > c->bar_.size())
        throw UsageError("the CMB of " + t->address() + " (offset " + hex(c->offset_) +
                         ", size " + hex(c->size_) + ") exceeds BAR" + std::to_string(bir));
    c->program();
    c->free_.emplace(0, static_cast<std::size_t>(c->size_));
    return c;
}

void Cmb::program()
{
    // The high dword (CBA 63:32) first: QEMU acts on the write of the low one.
    t_->reg_write32(nvme::reg::kCmbmsc + 4, static_cast<std::uint32_t>(bus_ >> 32));
    t_->reg_write32(nvme::reg::kCmbmsc,
                    (static_cast<std::uint32_t>(bus_) & ~0xfffu) | kCre | kCmse);
    const std::uint32_t sts = t_->reg_read32(nvme::reg::kCmbsts);
    if (sts & 1u)
        throw Error("the controller " + t_->address() + " refused CMBMSC.CBA " + hex(bus_) +
                    " (CMBSTS.CBAI)");
}

std::size_t Cmb::free_bytes() const noexcept
{
    std::size_t n = 0;
    for (const auto& [off, len] : free_)
        n += len;
    return n;
}

std::shared_ptr<CmbAllocation> Cmb::alloc(std::size_t length, std::size_t align)
{
    if (length == 0)
        throw UsageError("a CMB allocation holds at least one byte");
    if (align == 0 || (align & (align - 1)))
        throw UsageError("CMB alignment must be a power of two");
    const std::size_t len = (length + 4095) & ~std::size_t{4095};
    for (auto it = free_.begin(); it != free_.end(); ++it) {
        const std::size_t start = it->first, flen = it->second;
        const std::size_t pos = (start + align - 1) & ~(align - 1);
        if (pos < start || pos - start + len > flen)
            continue;
        free_.erase(it);
        if (pos > start)
            free_.emplace(start, pos - start);
        if (pos + len < start + flen)
            free_.emplace(pos + len, start + flen - pos - len);
        auto a = std::make_shared<CmbAllocation>();
        a->offset = pos;
        a->length = len;
        a->data = const_cast<std::uint8_t*>(bar_.data()) + offset_ + pos;
        a->bus = bus_ + pos;
        for (std::size_t i = 0; i < len; i += 8)  // zeroed, as host DMA memory is
            *reinterpret_cast<volatile std::uint64_t*>(a->data + i) = 0;
        a->cmb = shared_from_this();
        return a;
    }
    throw UsageError("the Controller Memory Buffer of " + t_->address() + " (" +
                     std::to_string(size_) + " bytes, " + std::to_string(free_bytes()) +
                     " free) has no free range of " + std::to_string(len) +
                     " bytes: free other CMB Buffers or Qpairs first");
}

void Cmb::release(std::size_t offset, std::size_t length) noexcept
{
    auto [it, ok] = free_.emplace(offset, length);
    if (!ok)
        return;
    auto next = std::next(it);
    if (next != free_.end() && it->first + it->second == next->first) {
        it->second += next->second;
        free_.erase(next);
    }
    if (it != free_.begin()) {
        auto prev = std::prev(it);
        if (prev->first + prev->second == it->first) {
            prev->second += it->second;
            free_.erase(it);
        }
    }
}

}  // namespace nvmetest::core
