// SPDX-License-Identifier: BSD-3-Clause
//
// The IOWorker on a zoned namespace (zone_writer.h for the rules): what
// start() learns of the zones, and how the loop places its writes.
#include <algorithm>
#include <cstring>
#include <string>

#include "ioworker/worker.h"
#include "nvmetest/errors.h"
#include "nvmetest/nvme/opcodes.h"
#include "nvmetest/nvme/status.h"
#include "nvmetest/nvme/zns.h"
#include "nvmetest/warnings.h"

namespace nvmetest {
namespace {

constexpr std::uint8_t kNidtCsi = 0x04;  // Namespace Identification Descriptor: Command Set Identifier
constexpr std::size_t kZoneRecord = 64;  // the report header and each zone descriptor

// The namespace's CSI from its Namespace Identification Descriptor list; NVM
// when the list has none (or the controller predates command sets).
std::uint8_t namespace_csi(const std::uint8_t* list, std::size_t size) noexcept
{
    for (std::size_t at = 0; at + 4 <= size;) {
        const std::uint8_t type = list[at], len = list[at + 1];
        if (type == 0)
            break;
        if (type == kNidtCsi && len >= 1 && at + 4 < size)
            return list[at + 4];
        at += 4u + len;
    }
    return nvme::csi::kNvm;
}

}  // namespace

int IOWorker::Impl::zones_identify()
{
    if (!args.io_sequence.empty())
        return 0;  // its commands go where they say
    core::ControllerCore& c = *ns.ctrl;
    nvme::Sqe sqe{};
    sqe.set_opcode(nvme::admin::kIdentify);
    sqe.set_nsid(ns.nsid);
    sqe.cdw[10] = nvme::cns::kNsDescriptorList;
    nvme::Cqe cqe = c.admin_sync(sqe, &c.scratch, 4096);
    if (!cqe.ok() || namespace_csi(c.scratch.data(), 4096) != nvme::csi::kZoned)
        return 0;
    sqe.cdw[10] = nvme::cns::kCsNamespace;
    sqe.cdw[11] = std::uint32_t{nvme::csi::kZoned} << 24;
    cqe = c.admin_sync(sqe, &c.scratch, 4096);
    nvme::ZnsIdentifyNamespace z;
    std::memcpy(&z, c.scratch.data(), sizeof(z));
    if (!cqe.ok() || z.lbafe[ns.lbaf & 63].zsze == 0) {
        warn("ioworker: namespace " + std::to_string(ns.nsid) +
             " is zoned, but Identify Namespace of the Zoned command set " +
             (cqe.ok() ? "gives no zone size" : "failed: " + nvme::status_string(cqe.status())));
        return kIOWorkerInitFail;
    }
    zone_size = z.lbafe[ns.lbaf & 63].zsze;
    zone_reads_cross = z.read_across_zone_boundaries();
    zone_resources.max_open = z.max_open_zones();
    zone_resources.max_active = z.max_active_zones();
    plan.place_writes_in_zones(zone_size, !zone_reads_cross);
    return 0;
}

int IOWorker::Impl::zones_report()
{
    if (!zone_size || !plan.has_zone_writes())
        return 0;
    std::uint64_t lo = ~0ull, hi = 0;
    for (const auto& r : plan.regions()) {
        lo = std::min(lo, r.start / zone_size);
        hi = std::max(hi, (r.end - 1) / zone_size + 1);
    }
    const std::uint64_t count = hi - lo;
    core::Transport& t = *ns.ctrl->t;
    const std::size_t max_bytes = std::min<std::size_t>(t.dma_max_alloc(), ns.ctrl->mdts());
    const std::size_t per_report = std::min<std::uint64_t>(count, max_bytes / kZoneRecord - 1);
    DmaMemory buf;
    try {
        buf = t.alloc_dma((per_report + 1) * kZoneRecord);
    } catch (const std::exception& e) {
        warn(std::string("ioworker: allocating memory for Report Zones failed: ") + e.what());
        return kIOWorkerBufferAllocFail;
    }
    // Zone Management Receive, Report Zones, on the worker's own queue (its
    // thread does not run yet): the header's count only (bytes = 64) or the
    // descriptors too.
    auto receive = [&](std::uint64_t slba, std::uint8_t filter, bool partial,
                       std::size_t bytes) -> std::uint64_t {
        nvme::Sqe sqe{};
        sqe.set_opcode(nvme::io::kZoneManagementReceive);
        sqe.set_nsid(ns.nsid);
        sqe.cdw[10] = static_cast<std::uint32_t>(slba);
        sqe.cdw[11] = static_cast<std::uint32_t>(slba >> 32);
        sqe.cdw[12] = static_cast<std::uint32_t>(bytes / 4 - 1);
        sqe.cdw[13] = nvme::zone_receive_action::kReportZones | std::uint32_t{filter} << 8 |
                      (partial ? 1u << 16 : 0u);
        const core::DataRef ref{.iova = buf.iova(), .size = buf.size(), .offset = 0,
                                .name = "ioworker zone report"};
        nvme::Cqe got{};
        queue->submit(sqe, &ref, bytes, [&got](const nvme::Cqe& c) { got = c; },
                      timeouts_ms[nvme::io::kZoneManagementReceive]);
        queue->waitdone(1);
        if (!got.ok())
            throw Error("Report Zones from LBA " + std::to_string(slba) + " failed: " +
                        nvme::status_string(got.status()));
        return buf.load<std::uint64_t>(0);
    };
    std::vector<ioworker::ZoneReport> zones;
    try {
        // Resources in use namespace-wide: open (implicitly, explicitly) and closed.
        const std::uint64_t opened = receive(0, 2, false, kZoneRecord) + receive(0, 3, false, kZoneRecord);
        zone_resources.open = static_cast<std::uint32_t>(opened);
        zone_resources.active = static_cast<std::uint32_t>(opened + receive(0, 4, false, kZoneRecord));
        zones.reserve(count);
        while (zones.size() < count) {
            const std::uint64_t want = std::min<std::uint64_t>(count - zones.size(), per_report);
            const std::uint64_t got =
                receive((lo + zones.size()) * zone_size, 0, true, (want + 1) * kZoneRecord);
            if (got == 0)
                throw Error("Report Zones from LBA " + std::to_string((lo + zones.size()) * zone_size) +
                            " reported no zone");
            for (std::uint64_t i = 0; i < std::min(got, want); i++) {
                nvme::ZoneDescriptor d;
                std::memcpy(&d, buf.data() + (i + 1) * kZoneRecord, sizeof(d));
                zones.push_back({.zslba = d.zslba, .zcap = d.zcap, .wp = d.wp, .state = d.state()});
            }
        }
    } catch (const std::exception& e) {
        warn(std::string("ioworker: zoned namespace: ") + e.what());
        return kIOWorkerInitFail;
    }
    const bool random = args.lba_random.percent() > 0;
    zone_writer.emplace(zone_size, zones, plan.regions(), zone_resources,
                        random ? args.qdepth : 1u, random,
                        args.lba_start.value_or(plan.regions().front().start));
    return 0;
}

bool IOWorker::Impl::place_in_zone(ioworker::PlannedIo& io) noexcept
{
    if (!zone_writer || !ioworker::IoPlan::is_zone_write(io.opcode))
        return true;
    using Placed = ioworker::ZoneWriter::Placed;
    const Placed placed = zone_writer->place_write(io, rng);
    has_zone_pending = placed == Placed::kBusy;
    if (has_zone_pending)
        zone_pending = io;
    if (placed == Placed::kExhausted) {
        zones_exhausted = true;
        issuing_done = true;
    }
    return placed == Placed::kOk;
}

void IOWorker::Impl::zones_report_end() const
{
    // A pure sequential pass ends so on purpose: its regions are full.
    if (zones_exhausted && !plan.one_pass())
        warn("ioworker: zoned namespace " + std::to_string(ns.nsid) +
             ": no zone of the region takes another write (full, read only or offline, or "
             "beyond the open/active zone resources), so the worker stopped after " +
             std::to_string(issued) + " commands; reset zones to write them again");
}

}  // namespace nvmetest
