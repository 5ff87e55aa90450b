// SPDX-License-Identifier: BSD-3-Clause
//
// nvmetest-ctl subcommands at the PCI level.
#include <cinttypes>
#include <cstdio>
#include <iostream>
#include <set>
#include <string>
#include <thread>

#include <linux/nvmetest.h>

#include "commands.h"
#include "nvmetest/kmod.h"

namespace nvmetest::ctl {
namespace {

std::string hexs(std::uint64_t v, int digits = 0)
{
    char buf[32];
    std::snprintf(buf, sizeof(buf), "0x%0*" PRIx64, digits, v);
    return buf;
}

std::string size_text(std::uint64_t n)
{
    if (n == 0)
        return "0";
    if (n % (1ull << 30) == 0)
        return std::to_string(n >> 30) + " GiB";
    if (n % (1ull << 20) == 0)
        return std::to_string(n >> 20) + " MiB";
    if (n % 1024 == 0)
        return std::to_string(n >> 10) + " KiB";
    return std::to_string(n) + " B";
}

Bdf device_arg(const Invocation& inv) { return Bdf::from_string(inv.args.at(0)); }

}  // namespace

int cmd_list(const Invocation& inv)
{
    PciSysfs sys;
    const auto fns = sys.functions();
    if (!sys.module_loaded())
        std::cout << "nvmetest.ko is not loaded (modprobe nvmetest, or insmod kmod/nvmetest.ko)\n";
    std::cout << "bound to nvmetest:\n";
    bool any = false;
    for (const auto& f : fns) {
        if (f.driver != NVMETEST_NAME)
            continue;
        any = true;
        std::printf("  %s  %04x:%04x  class %06x  %s\n", f.bdf.to_string().c_str(), f.vendor_id,
                    f.device_id, f.class_code,
                    f.node.empty() ? "(no device node yet)" : f.node.c_str());
    }
    if (!any)
        std::cout << "  none\n";
    const bool all = inv.has("all");
    std::cout << (all ? "all PCI functions:\n" : "NVMe functions (class 0108xx):\n");
    any = false;
    for (const auto& f : fns) {
        if (!all && !f.is_nvme())
            continue;
        any = true;
        std::string drv = f.driver.empty() ? "(no driver)" : "driver " + f.driver;
        if (!f.driver_override.empty())
            drv += ", driver_override " + f.driver_override;
        std::printf("  %s  %04x:%04x  class %06x  %-28s %s\n", f.bdf.to_string().c_str(),
                    f.vendor_id, f.device_id, f.class_code, drv.c_str(),
                    f.is_nvme() && f.driver != NVMETEST_NAME ? "(nvmetest-ctl bind can take it)" : "");
    }
    if (!any)
        std::cout << "  none\n";
    return kExitOk;
}

int cmd_bind(const Invocation& inv)
{
    const Bdf bdf = device_arg(inv);
    PciSysfs sys;
    const auto res = sys.bind(bdf, std::chrono::milliseconds(inv.number("timeout-ms", 5000)),
                              inv.has("force"));
    if (res.already_bound)
        std::cout << bdf.to_string() << " is already bound to nvmetest\n";
    else
        std::cout << bdf.to_string() << " bound to nvmetest (was "
                  << (res.previous_driver.empty() ? std::string("unbound")
                                                  : "bound to " + res.previous_driver)
                  << ")\n";
    if (!res.node_ready) {
        std::cerr << "nvmetest-ctl: " << res.node
                  << " did not appear: udev did not create it; check that udevd runs and "
                     "that the nvmetest rules are installed\n";
        return kExitFailure;
    }
    std::cout << "device node: " << res.node << "\n";
    return kExitOk;
}

int cmd_unbind(const Invocation& inv)
{
    const Bdf bdf = device_arg(inv);
    PciSysfs sys;
    const std::string now = sys.unbind(bdf);
    std::cout << bdf.to_string() << " unbound from nvmetest; now "
              << (now.empty() ? std::string("has no driver (load nvme to give it one)")
                              : "bound to " + now)
              << "\n";
    return kExitOk;
}

int cmd_info(const Invocation& inv)
{
    KmodDevice dev(device_arg(inv));
    const DeviceInfo& i = dev.info();
    std::printf("device:        %s\n", i.bdf.to_string().c_str());
    std::printf("node:          %s\n", KmodDevice::node_path(i.bdf).c_str());
    std::printf("ids:           vendor %04x device %04x subsystem %04x:%04x revision %02x\n",
                i.vendor_id, i.device_id, i.subsystem_vendor_id, i.subsystem_device_id,
                i.revision);
    std::printf("class:         %06x (%s)\n", i.class_code, class_name(i.class_code).c_str());
    std::printf("abi version:   %u\n", i.abi_version);
    std::printf("config space:  %u bytes%s\n", i.cfg_size, i.pcie ? ", PCI Express" : "");
    std::printf("iommu:         %s\n", i.iommu ? "yes (DMA addresses are IOVAs)" : "no");
    for (unsigned b = 0; b < DeviceInfo::kNumBars; ++b) {
        const BarInfo& bar = i.bars[b];
        if (!bar.implemented())
            continue;
        std::string flags = bar.io() ? "I/O" : "memory";
        if (bar.is_64bit())
            flags += ", 64-bit";
        if (bar.prefetchable())
            flags += ", prefetchable";
        if (bar.mappable())
            flags += ", mmap";
        std::printf("BAR%u:          %s (%s)\n", b, size_text(bar.size).c_str(), flags.c_str());
    }
    std::printf("interrupts:    INTx %s, MSI %u vectors, MSI-X %u vectors\n",
                i.intx ? "yes" : "no", i.msi_vectors, i.msix_vectors);
    std::string resets;
    for (auto m : {ResetMethod::Flr, ResetMethod::Hot, ResetMethod::Link, ResetMethod::Pm})
        if (i.supports(m))
            resets += (resets.empty() ? "" : " ") + std::string(to_string(m));
    std::printf("resets:        %s\n", resets.empty() ? "none" : resets.c_str());
    std::printf("dma:           largest allocation %s, limit per open file %s, per device %s\n",
                size_text(i.dma_max_alloc).c_str(), size_text(i.dma_limit_file).c_str(),
                size_text(i.dma_limit_device).c_str());
    return kExitOk;
}

int cmd_cfg(const Invocation& inv)
{
    // Everything is parsed before the device is opened: usage errors come first.
    const std::string& op = inv.args.at(1);
    const auto off = static_cast<std::uint32_t>(parse_number(inv.args.at(2), "offset"));
    if (op == "read") {
        if (inv.args.size() > 4)
            throw UsageError("cfg read takes <offset> [width]");
        const unsigned w = inv.args.size() > 3 ? parse_width(inv.args[3], false) : 4;
        KmodDevice dev(device_arg(inv));
        const std::uint32_t v = dev.cfg_read(off, w);
        std::printf("%s\n", hexs(v, static_cast<int>(w * 2)).c_str());
        return kExitOk;
    }
    if (op == "write") {
        if (inv.args.size() < 4)
            throw UsageError("cfg write takes <offset> [width] <value>");
        const unsigned w = inv.args.size() > 4 ? parse_width(inv.args[3], false) : 4;
        const std::uint64_t v = parse_number(inv.args.back(), "value");
        if (v >> (w * 8))
            throw UsageError("value " + inv.args.back() + " does not fit in " +
                             std::to_string(w) + " bytes");
        KmodDevice dev(device_arg(inv));
        dev.cfg_write(off, w, static_cast<std::uint32_t>(v));
        return kExitOk;
    }
    throw UsageError("cfg takes 'read' or 'write', not '" + op + "'");
}

int cmd_bar(const Invocation& inv)
{
    const std::string& op = inv.args.at(1);
    if (op != "read" && op != "write")
        throw UsageError("bar takes 'read' or 'write', not '" + op + "'");
    const auto bar = static_cast<unsigned>(parse_number(inv.args.at(2), "BAR"));
    if (bar >= DeviceInfo::kNumBars)
        throw UsageError("BAR " + inv.args[2] + " does not exist: BARs are 0 to 5");
    const std::uint64_t off = parse_number(inv.args.at(3), "offset");
    const bool write = op == "write";
    if (!write && inv.args.size() > 5)
        throw UsageError("bar read takes <bar> <offset> [width]");
    if (write && inv.args.size() < 5)
        throw UsageError("bar write takes <bar> <offset> [width] <value>");
    const bool has_width = inv.args.size() > (write ? 5u : 4u);
    const unsigned w = has_width ? parse_width(inv.args[4], true) : 4;
    std::uint64_t value = 0;
    if (write) {
        value = parse_number(inv.args.back(), "value");
        if (w < 8 && value >> (w * 8))
            throw UsageError("value " + inv.args.back() + " does not fit in " +
                             std::to_string(w) + " bytes");
    }

    KmodDevice dev(device_arg(inv));
    BarMapping map;
    if (inv.has("mmap"))
        map = dev.map_bar(bar);
    if (!write) {
        const std::uint64_t v = map ? map.read(off, w) : dev.bar_read(bar, off, w);
        std::printf("%s\n", hexs(v, static_cast<int>(w * 2)).c_str());
    } else if (map) {
        map.write(off, w, value);
    } else {
        dev.bar_write(bar, off, w, value);
    }
    return kExitOk;
}

int cmd_caps(const Invocation& inv)
{
    KmodDevice dev(device_arg(inv));
    const auto cfg = dev.read_config();
    const auto list = pci::walk_capabilities(cfg);
    if (list.caps.empty())
        std::cout << "no capabilities\n";
    for (const auto& c : list.caps) {
        const std::string desc = pci::describe_capability(cfg, c);
        if (c.extended)
            std::printf("0x%03x  ext 0x%04x v%u  %-10s %s%s%s\n", c.offset, c.id, c.version,
                        c.abbrev().c_str(), c.name().c_str(), desc.empty() ? "" : ": ",
                        desc.c_str());
        else
            std::printf("0x%03x  std 0x%02x      %-10s %s%s%s\n", c.offset, c.id,
                        c.abbrev().c_str(), c.name().c_str(), desc.empty() ? "" : ": ",
                        desc.c_str());
    }
    for (const auto& p : list.problems)
        std::printf("problem: %s\n", p.c_str());
    return kExitOk;
}

int cmd_dma(const Invocation& inv)
{
    const std::uint64_t size = inv.args.size() > 1 ? parse_size(inv.args[1], "size") : 4096;
    const std::uint64_t count = inv.number("count", 1);
    const auto seed = static_cast<std::uint32_t>(inv.number("pattern", 0xa5a5a5a5));
    if (size == 0 || count == 0)
        throw UsageError("size and --count must be at least 1");
    KmodDevice dev(device_arg(inv));
    std::vector<DmaMemory> bufs;
    std::set<std::uint64_t> iovas;
    for (std::uint64_t n = 0; n < count; ++n) {
        bufs.push_back(dev.alloc_dma(size));
        const auto& b = bufs.back();
        std::printf("allocation %" PRIu64 ": handle %u, %zu bytes, iova 0x%" PRIx64 "\n", n,
                    b.handle(), b.size(), b.iova());
        if (b.size() < size)
            throw CheckFailed("the kernel returned " + std::to_string(b.size()) +
                              " bytes for a request of " + std::to_string(size));
        if (!iovas.insert(b.iova()).second)
            throw CheckFailed("two allocations share iova " + hexs(b.iova()) +
                              ": the module hands out overlapping memory");
        // Freshly allocated memory is zeroed by contract.
        for (std::size_t i = 0; i < b.size(); ++i)
            if (b.data()[i] != 0)
                throw CheckFailed("allocation " + std::to_string(n) + " is not zeroed at byte " +
                                  std::to_string(i));
    }
    auto word = [seed](std::uint64_t n, std::size_t i) {
        return static_cast<std::uint32_t>(seed ^ (i * 0x9e3779b1u) ^ (n << 24));
    };
    for (std::uint64_t n = 0; n < count; ++n) {
        auto& b = bufs[n];
        for (std::size_t i = 0; i + 4 <= b.size(); i += 4)
            b.store<std::uint32_t>(i, word(n, i / 4));
    }
    for (std::uint64_t n = 0; n < count; ++n) {
        const auto& b = bufs[n];
        for (std::size_t i = 0; i + 4 <= b.size(); i += 4) {
            const std::uint32_t got = b.load<std::uint32_t>(i);
            if (got != word(n, i / 4))
                throw CheckFailed("allocation " + std::to_string(n) + " reads " + hexs(got, 8) +
                                  " at offset " + hexs(i) + " instead of " +
                                  hexs(word(n, i / 4), 8) + ": the mapping is broken");
        }
    }
    for (auto& b : bufs)
        b.free();
    std::printf("filled and checked %" PRIu64 " x %" PRIu64 " bytes; freed\n", count, size);
    return kExitOk;
}

int cmd_irq(const Invocation& inv)
{
    const auto type = parse_irq_type(inv.args.at(1));
    if (!type || *type == IrqType::None)
        throw UsageError("interrupt type '" + inv.args[1] + "' is not intx, msi or msix");
    const auto count =
        static_cast<unsigned>(inv.args.size() > 2 ? parse_number(inv.args[2], "count") : 1);
    const auto vector = static_cast<unsigned>(inv.number("vector", 0));
    const auto timeout = std::chrono::milliseconds(inv.number("timeout-ms", 1000));
    if (vector >= count)
        throw UsageError("--vector " + std::to_string(vector) + " is not among the " +
                         std::to_string(count) + " vectors set up: use 0 to " +
                         std::to_string(count - 1));
    KmodDevice dev(device_arg(inv));
    IrqSet irqs = dev.setup_irq(*type, count);
    std::printf("set up %u %s vector%s\n", count, std::string(to_string(*type)).c_str(),
                count == 1 ? "" : "s");
    int rc = kExitOk;
    if (inv.has("mask")) {
        irqs.mask(vector);
        irqs.trigger(vector);
        const bool fired = irqs.wait(vector, std::chrono::milliseconds(100));
        std::printf("vector %u masked, triggered: eventfd %s, counter %" PRIu64 "\n", vector,
                    fired ? "fired" : "did not fire", irqs.counter(vector));
        irqs.unmask(vector);
        const bool late = irqs.wait(vector, std::chrono::milliseconds(100));
        std::printf("vector %u unmasked: eventfd %s\n", vector,
                    late ? "fired (pending delivered)" : "did not fire");
    }
    const std::uint64_t before = irqs.counter(vector);
    irqs.trigger(vector);
    const auto t0 = std::chrono::steady_clock::now();
    const bool fired = irqs.wait(vector, timeout);
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                        std::chrono::steady_clock::now() - t0)
                        .count();
    if (fired)
        std::printf("vector %u: software trigger fired the eventfd after %lld us\n", vector,
                    static_cast<long long>(us));
    else {
        std::printf("vector %u: the eventfd did not fire within %lld ms\n", vector,
                    static_cast<long long>(timeout.count()));
        rc = kExitCheckFailed;
    }
    const std::uint64_t after = irqs.counter(vector);
    std::printf("counters:");
    const auto all = irqs.counters();
    for (unsigned v = 0; v < all.size(); ++v)
        std::printf(" %u:%" PRIu64, v, all[v]);
    std::printf("\n");
    if (fired && after <= before) {
        std::printf("vector %u: the counter did not move (%" PRIu64 " -> %" PRIu64 ")\n", vector,
                    before, after);
        rc = kExitCheckFailed;
    }
    irqs.teardown();
    return rc;
}

int cmd_reset(const Invocation& inv)
{
    const auto method = parse_reset_method(inv.args.at(1));
    if (!method)
        throw UsageError("reset method '" + inv.args[1] + "' is not flr, hot, link or pm");
    KmodDevice dev(device_arg(inv));
    const auto hold = static_cast<std::uint32_t>(inv.number("hold-ms", 0));
    if (!dev.info().supports(*method))
        std::cerr << "nvmetest-ctl: note: the module does not list " << to_string(*method)
                  << " among the resets this topology supports; trying anyway\n";
    const auto t0 = std::chrono::steady_clock::now();
    dev.reset(*method, hold);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - t0)
                        .count();
    const std::uint16_t vid = dev.cfg_read16(0);
    std::printf("%s reset of %s done in %lld ms; vendor ID reads %04x%s\n",
                std::string(to_string(*method)).c_str(), dev.bdf().to_string().c_str(),
                static_cast<long long>(ms), vid, vid == 0xffff ? " (not responding)" : "");
    return vid == 0xffff ? kExitCheckFailed : kExitOk;
}

int cmd_remove(const Invocation& inv)
{
    const Bdf bdf = device_arg(inv);
    const bool rescan = inv.has("rescan");
    const auto delay = static_cast<std::uint32_t>(inv.number("delay-ms", 0));
    {
        KmodDevice dev(bdf);
        dev.remove(rescan, delay);
    }
    if (!rescan) {
        std::printf("%s removed; bring it back with: echo 1 > /sys/bus/pci/rescan\n",
                    bdf.to_string().c_str());
        return kExitOk;
    }
    // Wait for the function to come back, bound to nvmetest, with its node.
    const std::string node = KmodDevice::node_path(bdf);
    PciSysfs sys;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(delay) +
                          std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
        auto f = sys.function(bdf);
        if (f && f->driver == NVMETEST_NAME && !f->node.empty()) {
            std::printf("%s removed and rescanned; back as %s\n", bdf.to_string().c_str(),
                        node.c_str());
            return kExitOk;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::printf("%s removed; it did not come back bound to nvmetest within %u ms + 10 s\n",
                bdf.to_string().c_str(), delay);
    return kExitCheckFailed;
}

}  // namespace nvmetest::ctl
