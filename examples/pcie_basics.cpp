// The README's example: raw access to a DUT bound to nvmetest.ko.
// Run as: pcie_basics 0000:01:00.0   (or with $NVMETEST_DUT set)
#include <nvmetest/kmod.h>
#include <nvmetest/nvme/registers.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

using namespace nvmetest;

int main(int argc, char** argv) {
    const char* bdf = argc > 1 ? argv[1] : std::getenv("NVMETEST_DUT");
    if (!bdf) {
        std::fprintf(stderr, "usage: pcie_basics <bdf>\n");
        return 2;
    }
    KmodDevice dut(bdf);                               // /dev/nvmetest/<bdf>
    BarMapping bar0 = dut.map_bar(0);                  // NVMe registers, uncached
    std::uint32_t vs = bar0.read32(nvme::reg::kVs);
    std::printf("%04x:%04x NVMe %u.%u\n", dut.info().vendor_id, dut.info().device_id,
                vs >> 16, (vs >> 8) & 0xff);

    DmaMemory buf = dut.alloc_dma(8192);               // zeroed, device-visible
    std::printf("DMA buffer at bus address %#llx\n", (unsigned long long)buf.iova());

    IrqSet irqs = dut.setup_irq(IrqType::Msix, 2);     // one eventfd per vector
    irqs.trigger(1);                                   // fire vector 1 in software
    bool fired = irqs.wait(1, std::chrono::milliseconds(1000));
    std::printf("vector 1 fired: %s, count %llu\n", fired ? "yes" : "no",
                (unsigned long long)irqs.counter(1));

    dut.reset(ResetMethod::Flr);                       // config space saved and restored
    std::printf("after FLR: CSTS.RDY=%u\n", bar0.read32(nvme::reg::kCsts) & 1);
    return fired && bar0.read32(nvme::reg::kVs) == vs ? 0 : 1;
}
