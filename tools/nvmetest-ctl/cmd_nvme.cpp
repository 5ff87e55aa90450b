// SPDX-License-Identifier: BSD-3-Clause
//
// nvmetest-ctl regs and identify: the NVMe controller seen through BAR0 and a
// minimal admin queue.  The library's Controller class does this properly; this
// is the ioctl-level check that the module's BAR, DMA and config paths work.
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <thread>

#include "commands.h"
#include "nvmetest/kmod.h"
#include "nvmetest/nvme/command.h"
#include "nvmetest/nvme/identify.h"
#include "nvmetest/nvme/registers.h"

namespace nvmetest::ctl {
namespace {

using namespace std::chrono;

// 64-bit registers as two dword reads (low first): not every device takes qword MMIO.
std::uint64_t read_reg(const BarMapping& bar, const nvme::RegisterDesc& r)
{
    const std::uint64_t lo = bar.read32(r.offset);
    if (r.width == 4)
        return lo;
    return lo | static_cast<std::uint64_t>(bar.read32(r.offset + 4)) << 32;
}

void write_reg64(const BarMapping& bar, std::uint32_t off, std::uint64_t v)
{
    bar.write32(off, static_cast<std::uint32_t>(v));
    bar.write32(off + 4, static_cast<std::uint32_t>(v >> 32));
}

// Waits for CSTS.RDY == want; throws TimeoutError / CheckFailed (fatal status).
void wait_ready(const BarMapping& bar, bool want, milliseconds timeout, std::string_view why)
{
    const auto deadline = steady_clock::now() + timeout;
    while (true) {
        const std::uint32_t csts = bar.read32(nvme::reg::kCsts);
        if (csts == 0xffffffff)
            throw CheckFailed("CSTS reads 0xffffffff while " + std::string(why) +
                              ": the controller is not responding; reset it (nvmetest-ctl reset "
                              "<bdf> flr)");
        if (nvme::csts::rdy(csts) == want)
            return;
        if (want && nvme::csts::cfs(csts))
            throw CheckFailed("the controller reports fatal status (CSTS.CFS=1) while " +
                              std::string(why) + ": reset it (nvmetest-ctl reset <bdf> flr)");
        if (steady_clock::now() > deadline) {
            char buf[64];
            std::snprintf(buf, sizeof(buf), "CSTS=0x%08x", csts);
            throw TimeoutError("CSTS.RDY did not become " + std::to_string(want) + " within " +
                               std::to_string(timeout.count()) + " ms (CAP.TO) while " +
                               std::string(why) + " (" + buf +
                               "): the controller is stuck; reset it (nvmetest-ctl reset <bdf> "
                               "flr)");
        }
        std::this_thread::sleep_for(milliseconds(1));
    }
}

void hexdump(std::span<const std::uint8_t> data)
{
    for (std::size_t off = 0; off < data.size(); off += 16) {
        std::printf("%04zx:", off);
        for (std::size_t i = 0; i < 16 && off + i < data.size(); ++i)
            std::printf(" %02x", data[off + i]);
        std::printf("  ");
        for (std::size_t i = 0; i < 16 && off + i < data.size(); ++i) {
            const char c = static_cast<char>(data[off + i]);
            std::putchar(c >= 0x20 && c < 0x7f ? c : '.');
        }
        std::putchar('\n');
    }
}

}  // namespace

int cmd_regs(const Invocation& inv)
{
    KmodDevice dev(Bdf::from_string(inv.args.at(0)));
    std::vector<const nvme::RegisterDesc*> regs;
    if (inv.args.size() > 1) {
        for (std::size_t i = 1; i < inv.args.size(); ++i) {
            const auto* r = nvme::find_register(inv.args[i]);
            if (!r)
                throw UsageError("'" + inv.args[i] +
                                 "' is not an NVMe controller register: use CAP, VS, INTMS, "
                                 "INTMC, CC, CSTS, NSSR, AQA, ASQ, ACQ, CMBLOC, CMBSZ, ...");
            regs.push_back(r);
        }
    } else {
        for (const auto& r : nvme::registers())
            regs.push_back(&r);
    }
    BarMapping bar = dev.map_bar(0);
    for (const auto* r : regs) {
        if (r->offset + r->width > bar.size()) {
            std::printf("%-8s 0x%03x  beyond the %" PRIu64 "-byte BAR0\n",
                        std::string(r->name).c_str(), r->offset, bar.size());
            continue;
        }
        const std::uint64_t v = read_reg(bar, *r);
        if (inv.has("raw"))
            std::printf("%-8s 0x%0*" PRIx64 "\n", std::string(r->name).c_str(),
                        static_cast<int>(r->width * 2), v);
        else
            std::cout << nvme::format_register(*r, v);
    }
    return kExitOk;
}

int cmd_identify(const Invocation& inv)
{
    KmodDevice dev(Bdf::from_string(inv.args.at(0)));

    // Memory decoding and bus mastering: without them the controller can neither
    // be reached nor reach our queues.
    const std::uint16_t cmd = dev.cfg_read16(pci::kCommand);
    const std::uint16_t want = pci::kCommandMemory | pci::kCommandMaster;
    if ((cmd & want) != want) {
        dev.cfg_write16(pci::kCommand, static_cast<std::uint16_t>(cmd | want));
        std::printf("note: enabled memory space and bus mastering in the PCI command register "
                    "(was 0x%04x)\n", cmd);
    }

    BarMapping bar = dev.map_bar(0);
    const std::uint64_t cap = read_reg(bar, *nvme::find_register("CAP"));
    if (cap == ~0ull)
        throw CheckFailed("CAP reads all ones: the controller is not responding; reset it "
                          "(nvmetest-ctl reset <bdf> flr)");
    const milliseconds ready_timeout(std::max<std::uint32_t>(nvme::cap::timeout_ms(cap), 500));
    const milliseconds cmd_timeout(inv.number("timeout-ms", ready_timeout.count()));
    const unsigned dstrd = nvme::cap::dstrd(cap);
    const unsigned mps = nvme::cap::mpsmin(cap);
    const std::size_t page = 4096u << mps;
    std::uint32_t css = 0;  // NVM command set
    if (!(nvme::cap::css(cap) & 1))
        css = (nvme::cap::css(cap) & 0x80) ? 7 : 6;

    // 1. Disable.
    const std::uint32_t cc0 = bar.read32(nvme::reg::kCc);
    if (nvme::cc::en(cc0))
        bar.write32(nvme::reg::kCc, cc0 & ~nvme::cc::kEnable);
    wait_ready(bar, false, ready_timeout, "disabling the controller");

    // 2. Admin queues in DMA memory: SQ, CQ and the data buffer, a page each.
    constexpr std::uint32_t kSqEntries = 64;
    constexpr std::uint32_t kCqEntries = 64;
    DmaMemory mem = dev.alloc_dma(3 * page);
    const std::size_t sq_off = 0, cq_off = page, data_off = 2 * page;
    bar.write32(nvme::reg::kAqa, nvme::aqa::make(kSqEntries, kCqEntries));
    write_reg64(bar, nvme::reg::kAsq, mem.iova(sq_off));
    write_reg64(bar, nvme::reg::kAcq, mem.iova(cq_off));

    // 3. Enable.
    bar.write32(nvme::reg::kCc, nvme::cc::make(true, css, mps, 0, 0, 6, 4));
    wait_ready(bar, true, ready_timeout, "enabling the controller");

    // 4. Identify Controller in SQ slot 0.
    nvme::Sqe sqe{};
    sqe.set_opcode(nvme::admin::kIdentify);
    sqe.set_cid(0x0001);
    sqe.set_nsid(0);
    sqe.set_prp1(mem.iova(data_off));
    sqe.cdw[10] = nvme::cns::kController;
    std::memcpy(mem.data() + sq_off, &sqe, sizeof(sqe));
    dma_wmb();
    const auto t0 = steady_clock::now();
    bar.write32(nvme::reg::sq_tail_doorbell(0, dstrd), 1);

    // 5. Poll CQ slot 0 for phase 1.
    const auto deadline = t0 + cmd_timeout;
    while (!((mem.load<std::uint32_t>(cq_off + 12) >> 16) & 1)) {
        if (steady_clock::now() > deadline) {
            const std::uint32_t csts = bar.read32(nvme::reg::kCsts);
            bar.write32(nvme::reg::kCc, bar.read32(nvme::reg::kCc) & ~nvme::cc::kEnable);
            try {
                wait_ready(bar, false, ready_timeout, "disabling after a timeout");
            } catch (const Error&) {
            }
            char buf[32];
            std::snprintf(buf, sizeof(buf), "0x%08x", csts);
            throw TimeoutError("Identify did not complete within " +
                               std::to_string(cmd_timeout.count()) + " ms (CSTS " + buf +
                               "): check that DMA reaches the host (IOMMU, bus mastering) "
                               "and reset the controller");
        }
        std::this_thread::sleep_for(microseconds(20));
    }
    dma_rmb();
    const auto us = duration_cast<microseconds>(steady_clock::now() - t0).count();
    nvme::Cqe cqe;
    std::memcpy(&cqe, mem.data() + cq_off, sizeof(cqe));
    bar.write32(nvme::reg::cq_head_doorbell(0, dstrd), 1);

    int rc = kExitOk;
    if (cqe.cid() != 1 || cqe.sqid() != 0) {
        std::printf("completion names cid %u sqid %u, expected cid 1 sqid 0\n", cqe.cid(),
                    cqe.sqid());
        rc = kExitCheckFailed;
    }
    if (!cqe.ok()) {
        std::printf("Identify failed: status SCT 0x%x SC 0x%02x%s (dword 0 0x%08x)\n", cqe.sct(),
                    cqe.sc(), cqe.dnr() ? " DNR" : "", cqe.result());
        rc = kExitCheckFailed;
    } else {
        const auto id =
            nvme::IdentifyController::from_bytes(mem.span().subspan(data_off, 4096));
        std::printf("Identify Controller completed in %lld us (cid %u, sqhd %u)\n",
                    static_cast<long long>(us), cqe.cid(), cqe.sqhd());
        for (const auto& [name, value] : id.fields())
            std::printf("  %-10s %s\n", name.c_str(), value.c_str());
        if (inv.has("hex"))
            hexdump(mem.span().subspan(data_off, 4096));
    }

    // 6. Disable again before the queues' memory is freed.
    bar.write32(nvme::reg::kCc, bar.read32(nvme::reg::kCc) & ~nvme::cc::kEnable);
    wait_ready(bar, false, ready_timeout, "disabling the controller after Identify");
    std::printf("controller disabled again (CC.EN=0)\n");
    return rc;
}

}  // namespace nvmetest::ctl
