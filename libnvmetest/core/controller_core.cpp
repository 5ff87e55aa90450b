// SPDX-License-Identifier: BSD-3-Clause
#include "core/controller_core.h"

#include <chrono>
#include <thread>

#include "nvmetest/errors.h"
#include "nvmetest/nvme/registers.h"
#include "nvmetest/nvme/status.h"
#include "nvmetest/warnings.h"

namespace nvmetest::core {

void ControllerCore::check_open() const
{
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

nvme::Cqe ControllerCore::admin_sync(nvme::Sqe sqe, DmaMemory* data, std::size_t xfer)
{
    DataRef ref;
    if (data)
        ref = DataRef{data->iova(), data->size(), 0, "internal"};
    nvme::Cqe result{};
    bool done = false;
    submit_admin(sqe, data ? &ref : nullptr, xfer, [&result, &done](const nvme::Cqe& c) {
        result = c;
        done = true;
    });
    while (!done)
        admin_wait(1);
    return result;
}

bool ControllerCore::supports(std::uint32_t opcode)
{
    if (opcode >= 512)
        throw UsageError("supports(" + std::to_string(opcode) +
                         "): opcodes are 0..255 (admin) or 256 + I/O opcode");
    nvme::Sqe sqe{};
    sqe.set_opcode(nvme::admin::kGetLogPage);
    sqe.cdw[10] = 0x05 | (4096 / 4 - 1) << 16;  // Commands Supported and Effects
    scratch.fill(0);
    const nvme::Cqe cqe = admin_sync(sqe, &scratch, 4096);
    if (!cqe.ok()) {
        warn(nvme::status_string(cqe.status()));
        return false;
    }
    const std::size_t off = (opcode < 256 ? opcode : 256 + (opcode - 256)) * 4;
    return scratch.data()[off] & 1;
}

void ControllerCore::disable() noexcept
{
    try {
        const std::uint32_t cc = t->reg_read32(nvme::reg::kCc);
        if (cc == 0xffffffff)
            return;  // gone
        t->reg_write32(nvme::reg::kCc, cc & ~nvme::cc::kEnable);
        const auto limit = std::chrono::steady_clock::now() +
                           std::chrono::milliseconds(std::max<std::uint32_t>(
                               nvme::cap::timeout_ms(cap), 500));
        while (nvme::csts::rdy(t->reg_read32(nvme::reg::kCsts)) &&
               std::chrono::steady_clock::now() < limit)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
    } catch (...) {
        // A destructor path: the device may be gone; nothing more to do.
    }
}

void QpairCore::check_usable() const
{
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
