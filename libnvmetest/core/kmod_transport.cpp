// SPDX-License-Identifier: BSD-3-Clause
//
// The kmod transport: a function bound to nvmetest.ko, reached through
// KmodDevice.  BAR0 is mapped once; register accesses and doorbells are
// volatile loads and stores through that mapping.
#include <mutex>
#include <vector>

#include "core/transport.h"
#include "nvmetest/errors.h"
#include "nvmetest/kmod_device.h"

namespace nvmetest::core {
namespace {

class KmodTransport final : public Transport {
public:
    explicit KmodTransport(const std::string& address)
        : dev_(address), address_(dev_.bdf().to_string())
    {
        const BarInfo& bar0 = dev_.info().bars[0];
        if (bar0.implemented() && bar0.memory() && bar0.mappable())
            bar0_ = dev_.map_bar(0);
    }

    const std::string& address() const noexcept override { return address_; }
    const DeviceInfo& info() const noexcept override { return dev_.info(); }

    std::uint32_t cfg_read(std::uint32_t offset, unsigned width) override
    {
        return dev_.cfg_read(offset, width);
    }
    void cfg_write(std::uint32_t offset, unsigned width, std::uint32_t value) override
    {
        dev_.cfg_write(offset, width, value);
    }
    std::optional<std::uint16_t> cap_offset(std::uint16_t id, bool extended) override
    {
        return dev_.cap_offset(id, extended);
    }

    std::uint64_t bar_read(unsigned bar, std::uint64_t offset, unsigned width) override
    {
        if (bar == 0 && bar0_)
            return bar0_.read(offset, width);
        return dev_.bar_read(bar, offset, width);
    }
    void bar_write(unsigned bar, std::uint64_t offset, unsigned width,
                   std::uint64_t value) override
    {
        if (bar == 0 && bar0_)
            bar0_.write(offset, width, value);
        else
            dev_.bar_write(bar, offset, width, value);
    }

    BarMapping map_bar(unsigned bar) override { return dev_.map_bar(bar); }

    volatile std::uint32_t* doorbell(std::uint32_t offset) override
    {
        if (!bar0_)
            throw UsageError("BAR0 of " + address_ +
                             " is not a mappable memory BAR, so it has no NVMe doorbells: "
                             "is this function an NVMe controller?");
        if (offset % 4 || offset + 4 > bar0_.size())
            throw UsageError("doorbell offset " + std::to_string(offset) +
                             " lies outside BAR0 of " + address_ + " (" +
                             std::to_string(bar0_.size()) +
                             " bytes): the queue ID is larger than the controller supports");
        return reinterpret_cast<volatile std::uint32_t*>(bar0_.data() + offset);
    }

    DmaMemory alloc_dma(std::size_t size) override { return dev_.alloc_dma(size); }
    std::uint64_t dma_max_alloc() const noexcept override { return dev_.info().dma_max_alloc; }

    IrqSet* setup_irqs(IrqType type, unsigned count) override
    {
        irqs_ = IrqSet();
        irqs_ = dev_.setup_irq(type, count);
        return &irqs_;
    }
    IrqSet* irqs() noexcept override { return irqs_ ? &irqs_ : nullptr; }

    void reset(ResetMethod method) override { dev_.reset(method); }

private:
    KmodDevice dev_;
    std::string address_;
    BarMapping bar0_;
    IrqSet irqs_;
};

std::mutex g_default_mutex;
std::vector<std::weak_ptr<Transport>> g_defaults;

}  // namespace

std::shared_ptr<Transport> open_kmod_transport(const std::string& address)
{
    return std::make_shared<KmodTransport>(address);
}

void push_default_transport(const std::shared_ptr<Transport>& t)
{
    std::lock_guard lock(g_default_mutex);
    std::erase_if(g_defaults, [](const auto& w) { return w.expired(); });
    g_defaults.push_back(t);
}

std::shared_ptr<Transport> default_transport()
{
    std::lock_guard lock(g_default_mutex);
    while (!g_defaults.empty()) {
        if (auto t = g_defaults.back().lock())
            return t;
        g_defaults.pop_back();
    }
    return nullptr;
}

}  // namespace nvmetest::core
