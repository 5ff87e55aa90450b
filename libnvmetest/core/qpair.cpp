// SPDX-License-Identifier: BSD-3-Clause
#include "nvmetest/qpair.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "core/controller_core.h"
#include "nvmetest/errors.h"
#include "nvmetest/nvme/registers.h"

namespace nvmetest {
namespace {

std::uint16_t pick_sqid(const core::ControllerCore& c, std::optional<std::uint16_t> want)
{
    auto used = [&](std::uint16_t id) { return c.queue_id_holder(id, true, true) != nullptr; };
    const std::uint32_t max = std::min(c.max_sq, c.max_cq);
    if (want) {
        if (*want == 0)
            throw UsageError("sqid 0 is the admin queue: I/O queues have IDs from 1");
        if (const char* holder = c.queue_id_holder(*want, true, true))
            throw UsageError("queue ID " + std::to_string(*want) + " is in use by " + holder);
        return *want;  // beyond the granted count on purpose: the device answers
    }
    for (std::uint32_t id = 1; id <= max; id++)
        if (!used(static_cast<std::uint16_t>(id)))
            return static_cast<std::uint16_t>(id);
    throw UsageError("all " + std::to_string(max) +
                     " I/O queues the controller granted are in use: delete a Qpair first");
}

}  // namespace

Qpair::Qpair(Controller& nvme, unsigned depth, QpairOptions o) : Qpair(nvme.core(), depth, o) {}

Qpair::Qpair(const std::shared_ptr<core::ControllerCore>& ctrl, unsigned depth, QpairOptions o)
{
    ctrl->check_open();
    const std::uint32_t mqes = nvme::cap::mqes(ctrl->cap) + 1;
    if (depth < 2 || depth > mqes)
        throw UsageError("Qpair depth " + std::to_string(depth) + " is outside 2.." +
                         std::to_string(mqes) + " (CAP.MQES + 1 of this controller)");
    auto qc = std::make_unique<core::QpairCore>();
    qc->ctrl = ctrl;
    qc->ien = o.ien;
    qc->prio = o.prio;

    core::QueueConfig cfg;
    cfg.qid = pick_sqid(*ctrl, o.sqid);
    cfg.depth = depth;
    cfg.dstrd = ctrl->dstrd;
    cfg.page_size = ctrl->page_size;
    const std::uint64_t pages = ctrl->mdts() / ctrl->page_size;
    cfg.max_prp_entries = static_cast<std::uint32_t>(std::min<std::uint64_t>(pages + 1, 512));
    cfg.lazy_doorbell = o.lazy_doorbell;
    if (o.sq_in_cmb || o.cq_in_cmb) {
        ctrl->cmb_open();
        if (o.sq_in_cmb)
            cfg.sq_cmb = ctrl->cmb;
        if (o.cq_in_cmb)
            cfg.cq_cmb = ctrl->cmb;
    }
    const unsigned vectors = ctrl->irqs ? ctrl->irqs->count() : 1;
    qc->vector = o.vector ? *o.vector : cfg.qid % std::max(vectors, 1u);
    qc->q = std::make_unique<core::Queue>(*ctrl->t, cfg);
    qc->create_on_device();
    ctrl->qpairs.push_back(qc.get());
    core_ = std::move(qc);
}

Qpair::Qpair(Qpair&&) noexcept = default;
Qpair& Qpair::operator=(Qpair&& other) noexcept
{
    if (this != &other) {
        Qpair old(std::move(*this));
        core_ = std::move(other.core_);
    }
    return *this;
}

Qpair::~Qpair()
{
    if (!core_)
        return;
    try {
        del();
    } catch (...) {
        // Deleting failed (timeout, device gone): del() kept the memory with the controller.
    }
    // Released with a controller that did not stop: the queue and the memory
    // its commands hold stay until the process exits.
    if (core_->ctrl->dma_live && core_->q)
        core::keep_until_exit(std::shared_ptr<core::Queue>(std::move(core_->q)));
}

void Qpair::del()
{
    if (!core_)
        return;
    core::QpairCore& qc = *core_;
    core::ControllerCore& c = *qc.ctrl;
    if (qc.dead) {
        std::erase(c.qpairs, &qc);  // a released controller still lists it
        return;
    }
    qc.dead = true;
    std::erase(c.qpairs, &qc);
    if (c.closed)
        return;  // the controller is disabled: the memory is free to go
    bool ok = false;
    struct Keep {  // unless the device confirmed, it may still touch the rings
        core::QpairCore& qc;
        core::ControllerCore& c;
        const bool& ok;
        ~Keep()
        {
            if (!ok)
                c.orphans.push_back(std::move(qc.q));
        }
    } keep{qc, c, ok};
    nvme::Sqe sq{};
    sq.set_opcode(nvme::admin::kDeleteIoSq);
    sq.cdw[10] = qc.q->qid();
    const nvme::Cqe a = c.admin_sync(sq, nullptr, 0);
    nvme::Sqe cq{};
    cq.set_opcode(nvme::admin::kDeleteIoCq);
    cq.cdw[10] = qc.q->qid();
    const nvme::Cqe b = c.admin_sync(cq, nullptr, 0);
    ok = a.ok() && b.ok();
}

core::QpairCore& Qpair::core() const
{
    if (!core_)
        throw UsageError("this Qpair was moved from: use the object it was moved to");
    core_->check_usable();
    return *core_;
}

core::Queue& Qpair::queue() const { return *core().q; }

std::uint32_t Qpair::waitdone(unsigned n) { return queue().waitdone(n); }
std::uint16_t Qpair::latest_cid() const { return queue().latest_cid(); }
std::uint64_t Qpair::latest_latency() const { return queue().latest_latency(); }
unsigned Qpair::prio() const { return core().prio; }
std::uint16_t Qpair::sqid() const { return queue().qid(); }
unsigned Qpair::depth() const { return queue().depth(); }
std::vector<CmdLogEntry> Qpair::cmdlog(std::size_t count, std::size_t offset) const
{
    return queue().cmdlog(count, offset);
}
nvme::Sqe Qpair::get_cmd(const nvme::Cqe& cqe) const { return queue().get_cmd(cqe); }

namespace {
IrqSet& irqs_of(const core::QpairCore& qc)
{
    if (!qc.ctrl->irqs)
        throw UsageError("interrupts of this controller are not set up (no MSI-X/MSI, or the "
                         "setup failed; see the warning at its creation)");
    return *qc.ctrl->irqs;
}
}  // namespace

void Qpair::msix_clear()
{
    core::QpairCore& qc = core();
    qc.msix_baseline = irqs_of(qc).counter(qc.vector);
}

bool Qpair::msix_isset() const
{
    const core::QpairCore& qc = core();
    return irqs_of(qc).counter(qc.vector) != qc.msix_baseline;
}

bool Qpair::wait_msix(unsigned timeout_ms) const
{
    const auto limit = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (!msix_isset()) {
        if (std::chrono::steady_clock::now() >= limit)
            return false;
        std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
    return true;
}

void Qpair::msix_mask()
{
    core::QpairCore& qc = core();
    irqs_of(qc).mask(qc.vector);
}

void Qpair::msix_unmask()
{
    core::QpairCore& qc = core();
    irqs_of(qc).unmask(qc.vector);
}

}  // namespace nvmetest
