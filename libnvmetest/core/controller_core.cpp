// SPDX-License-Identifier: BSD-3-Clause
#include "core/controller_core.h"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <new>
#include <thread>
#include <vector>

#include "nvmetest/errors.h"
#include "nvmetest/nvme/identify.h"
#include "nvmetest/nvme/opcodes.h"
#include "nvmetest/nvme/registers.h"
#include "nvmetest/nvme/status.h"
#include "nvmetest/warnings.h"

namespace nvmetest::core {

void ControllerCore::check_open() const
{
    if (closed && powered_off)
        throw UsageError("the controller of this object is powered off (Subsystem::poweroff): "
                         "call Subsystem::poweron() first; this object works again then");
    if (closed)
        throw UsageError("the Controller of this object was destroyed: create Qpairs and "
                         "Namespaces after their Controller and let them go first");
}

void ControllerCore::check_buffer_device(bool in_cmb, const std::string& device,
                                         std::string_view name) const
{
    if (device == t->address() || !(in_cmb || t->info().iommu))
        return;
    throw UsageError("Buffer \"" + std::string(name) + "\" is " +
                     (in_cmb ? "in the Controller Memory Buffer of " : "DMA memory of ") + device +
                     ", not of " + t->address() +
                     (in_cmb ? ": a CMB buffer serves its own controller only"
                             : ": under an IOMMU each device has its own address space; "
                               "create the Buffer with .pcie (or .nvme) of this device"));
}

std::uint16_t ControllerCore::submit_admin(const nvme::Sqe& sqe, const DataRef* data,
                                           std::size_t xfer, Callback cb, bool aer)
{
    check_open();
    if (!admin)
        throw UsageError("the admin queue does not exist yet: call init_adminq() in the "
                         "initialization function before sending admin commands");
    return admin->submit(sqe, data, xfer, std::move(cb), admin_timeout(sqe.opcode()), aer);
}

std::uint32_t ControllerCore::admin_wait(unsigned n)
{
    check_open();
    if (!admin)
        throw UsageError("the admin queue does not exist yet: call init_adminq() first");
    return admin->waitdone(n);
}

namespace {

// Calls submit(callback) for one admin command and reaps until the callback
// has seen its CQE; returns the CQE.
template <class Submit>
nvme::Cqe admin_wait_for(ControllerCore& c, Submit submit)
{
    nvme::Cqe result{};
    bool done = false;
    submit([&result, &done](const nvme::Cqe& cqe) {
        result = cqe;
        done = true;
    });
    while (!done)
        c.admin_wait(1);
    return result;
}

}  // namespace

nvme::Cqe ControllerCore::admin_sync(nvme::Sqe sqe, DmaMemory* data, std::size_t xfer)
{
    DataRef ref;
    if (data)
        ref = DataRef{data->iova(), data->size(), 0, "internal"};
    return admin_wait_for(*this, [&](Callback cb) {
        submit_admin(sqe, data ? &ref : nullptr, xfer, std::move(cb));
    });
}

bool ControllerCore::supports(std::uint32_t opcode, std::optional<std::uint8_t> csi)
{
    if (opcode >= 512)
        throw UsageError("supports(" + std::to_string(opcode) +
                         "): opcodes are 0..255 (admin) or 256 + I/O opcode");
    if (opcode < 256 || csi)
        return effects_list(opcode, csi.value_or(nvme::csi::kNvm), true);
    if (effects_list(opcode, nvme::csi::kNvm, true))
        return true;
    // With every I/O command set enabled (CC.CSS = 110b), each set has its own
    // log (QEMU 7.2 answers CSI 2 with the zoned set's commands, and with no
    // I/O commands for a set it lacks): an I/O opcode of the zoned set counts.
    if (nvme::cc::css(t->reg_read32(nvme::reg::kCc)) != 6)
        return false;
    return effects_list(opcode, nvme::csi::kZoned, false);
}

bool ControllerCore::effects_list(std::uint32_t opcode, std::uint8_t csi, bool warn_on_error)
{
    nvme::Sqe sqe{};
    sqe.set_opcode(nvme::admin::kGetLogPage);
    sqe.cdw[10] = 0x05 | (4096 / 4 - 1) << 16;  // Commands Supported and Effects
    sqe.cdw[14] = std::uint32_t{csi} << 24;
    scratch.fill(0);
    const nvme::Cqe cqe = admin_sync(sqe, &scratch, 4096);
    if (!cqe.ok()) {
        if (warn_on_error)
            warn(nvme::status_string(cqe.status()));
        return false;
    }
    // Admin commands in dwords 0..255, I/O commands in 256..511.
    return scratch.data()[opcode * 4] & 1;
}

bool ControllerCore::disable() noexcept
{
    try {
        const std::uint32_t cc = t->reg_read32(nvme::reg::kCc);
        if (cc == 0xffffffff)
            return true;  // gone
        t->reg_write32(nvme::reg::kCc, cc & ~nvme::cc::kEnable);
        const auto limit = std::chrono::steady_clock::now() +
                           std::chrono::milliseconds(std::max<std::uint32_t>(
                               nvme::cap::timeout_ms(cap), 500));
        for (;;) {
            const std::uint32_t csts = t->reg_read32(nvme::reg::kCsts);
            if (csts == 0xffffffff || !nvme::csts::rdy(csts))
                return true;
            if (std::chrono::steady_clock::now() >= limit)
                return false;
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
    } catch (...) {
        // A destructor path: the device file failed; whether the controller
        // stopped is unknown.
        return false;
    }
}

void keep_until_exit(std::shared_ptr<void> mem) noexcept
{
    if (!mem)
        return;
    // Never destroyed: no destructor at exit frees what the device may write.
    static auto* const kept = new std::vector<std::shared_ptr<void>>();
    static std::mutex lock;
    try {
        const std::lock_guard<std::mutex> hold(lock);
        kept->push_back(std::move(mem));
    } catch (...) {
        // Out of memory: leak the share itself rather than free the memory.
        new (std::nothrow) std::shared_ptr<void>(std::move(mem));
    }
}

// ------------------------------------------------------- shadow doorbells

DoorbellBuffers::DoorbellBuffers(DmaRegion shadow_region, DmaRegion eventidx_region) noexcept
    : shadow(std::move(shadow_region)), eventidx(std::move(eventidx_region))
{
    overlap = shadow.bus < eventidx.bus + eventidx.bytes && eventidx.bus < shadow.bus + shadow.bytes;
}

ShadowSlots DoorbellBuffers::slots(std::uint16_t qid, std::uint32_t dstrd) const
{
    const std::size_t stride = std::size_t{4} << dstrd;
    const std::size_t sq = 2 * std::size_t{qid} * stride;
    const std::size_t cq = sq + stride;
    const std::size_t need = cq + 4;
    if (need > shadow.bytes || need > eventidx.bytes)
        throw UsageError("the doorbell slots of queue " + std::to_string(qid) + " end at byte " +
                         std::to_string(need) + ", beyond the shadow doorbell (" +
                         std::to_string(shadow.bytes) + " bytes) or EventIdx (" +
                         std::to_string(eventidx.bytes) + " bytes) buffer given to "
                         "dbbuf_config(): give larger buffers");
    auto at = [](const DmaRegion& r, std::size_t off) {
        return reinterpret_cast<volatile std::uint32_t*>(r.cpu + off);
    };
    return ShadowSlots{at(shadow, sq), at(shadow, cq), at(eventidx, sq), at(eventidx, cq),
                       !overlap};
}

std::uint32_t ControllerCore::dbbuf_max_qid() const noexcept
{
    std::uint32_t max = std::max(max_sq, max_cq);
    for (const QpairCore* q : qpairs)
        if (!q->dead)
            max = std::max<std::uint32_t>(max, q->q->qid());
    return max;
}

std::uint16_t ControllerCore::dbbuf_send(std::shared_ptr<const DoorbellBuffers> b, Callback cb)
{
    nvme::Sqe sqe{};
    sqe.set_opcode(nvme::admin::kDoorbellBufferConfig);
    sqe.set_prp1(b->shadow.bus);
    sqe.set_prp2(b->eventidx.bus);
    // From the moment the command is in the ring the controller may write the
    // buffers, until it is next disabled.
    dbbuf_sent.push_back(b);
    return submit_admin(sqe, nullptr, 0, [this, b, user = std::move(cb)](const nvme::Cqe& c) {
        if (c.ok())
            dbbuf_use(b);
        if (user)
            user(c);
        else if (!c.ok())
            warn(nvme::status_string(c.status()));
    });
}

std::shared_ptr<const DoorbellBuffers> ControllerCore::library_dbbuf() const
{
    // alloc_dma gives whole, page-aligned pages, as the command requires.
    const std::size_t bytes =
        std::max<std::size_t>(dbbuf_bytes(dbbuf_max_qid(), dstrd), page_size);
    auto region = [&] {
        auto mem = std::make_shared<DmaMemory>(t->alloc_dma(bytes));
        DmaRegion r{nullptr, mem->data(), mem->iova(), mem->size()};
        r.owner = std::move(mem);
        return r;
    };
    return std::make_shared<DoorbellBuffers>(region(), region());
}

void ControllerCore::dbbuf_for_ioworker()
{
    if (dbbuf_on || !dbbuf_for_ioworkers || !id_valid ||
        !(id_ctrl.load<std::uint16_t>(offsetof(nvme::IdentifyController, oacs)) &
          nvme::oacs::kDoorbellBufferConfig))
        return;
    for (const QpairCore* q : qpairs)
        if (q->driven_by_thread && !q->dead)
            return;
    const nvme::Cqe cqe =
        admin_wait_for(*this, [&](Callback cb) { dbbuf_send(library_dbbuf(), std::move(cb)); });
    if (!cqe.ok())
        warn("ioworker: Doorbell Buffer Config was refused (" + nvme::status_string(cqe.status()) +
             "): its doorbells go to BAR0");
}

void ControllerCore::dbbuf_restore()
{
    const std::shared_ptr<const DoorbellBuffers> again = dbbuf;
    const nvme::Cqe cqe =
        admin_wait_for(*this, [&](Callback cb) { dbbuf_send(again, std::move(cb)); });
    if (!cqe.ok()) {
        dbbuf.reset();
        warn("shadow doorbells are off after the reset: Doorbell Buffer Config was refused (" +
             nvme::status_string(cqe.status()) + ")");
    }
}

void ControllerCore::dbbuf_use(const std::shared_ptr<const DoorbellBuffers>& b)
{
    if (admin)
        admin->use_shadow(b->slots(0, dstrd));
    for (QpairCore* q : qpairs)
        if (!q->dead)
            q->q->use_shadow(b->slots(q->q->qid(), dstrd));
    dbbuf = b;
    dbbuf_on = true;
}

void ControllerCore::dbbuf_dropped() noexcept
{
    if (admin)
        admin->drop_shadow();
    for (QpairCore* q : qpairs)
        if (q->q)
            q->q->drop_shadow();
    dbbuf_on = false;
    dbbuf_sent.clear();
}

void QpairCore::check_usable() const
{
    if (dead && ctrl && ctrl->successor)
        throw UsageError("this Qpair could not be made again after the power cycle (its rings "
                         "were in the Controller Memory Buffer, or it was an IOWorker's): "
                         "create a new Qpair");
    if (dead && ctrl && ctrl->closed && ctrl->powered_off)
        ctrl->check_open();  // says to power on
    if (dead)
        throw UsageError(ctrl && ctrl->closed
                             ? "the Controller of this Qpair was destroyed: let Qpairs go before "
                               "their Controller"
                             : "this Qpair was deleted: create a new one");
}

std::uint64_t ControllerCore::mdts() const
{
    if (!id_valid)
        throw UsageError("no Identify Controller data yet: call init_ns() in the initialization");
    const std::uint64_t page = nvme::cap::page_size_min(cap);
    const unsigned shift = id_ctrl.data()[77];
    return shift ? page << shift : 2ull << 20;
}

void QpairCore::create_on_device()
{
    const std::uint16_t qid = q->qid();
    // A new queue starts on shadow doorbells when the controller uses them;
    // its slots may hold the values of a deleted queue of the same ID, so they
    // are set before the controller looks at them.
    if (ctrl->dbbuf_on)
        q->use_shadow(ctrl->dbbuf->slots(qid, ctrl->dstrd));
    const std::uint32_t qsize = (q->depth() - 1) << 16 | qid;

    nvme::Sqe cq{};
    cq.set_opcode(nvme::admin::kCreateIoCq);
    cq.set_prp1(q->cq_iova());
    cq.cdw[10] = qsize;
    cq.cdw[11] = vector << 16 | (ien ? 2u : 0u) | 1u;
    nvme::Cqe c = ctrl->admin_sync(cq, nullptr, 0);
    if (!c.ok())
        throw Error("Create I/O Completion Queue " + std::to_string(qid) + " failed: " +
                    nvme::status_string(c.status()));

    nvme::Sqe sq{};
    sq.set_opcode(nvme::admin::kCreateIoSq);
    sq.set_prp1(q->sq_iova());
    sq.cdw[10] = qsize;
    sq.cdw[11] = std::uint32_t{qid} << 16 | (prio & 3) << 1 | 1u;
    c = ctrl->admin_sync(sq, nullptr, 0);
    if (!c.ok()) {
        nvme::Sqe del{};
        del.set_opcode(nvme::admin::kDeleteIoCq);
        del.cdw[10] = qid;
        ctrl->admin_sync(del, nullptr, 0);
        throw Error("Create I/O Submission Queue " + std::to_string(qid) + " failed: " +
                    nvme::status_string(c.status()));
    }
}

}  // namespace nvmetest::core
