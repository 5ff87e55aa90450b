// SPDX-License-Identifier: BSD-3-Clause
#include "meta/queue_state.h"

#include <algorithm>
#include <string>
#include <utility>

#include "nvmetest/errors.h"
#include "nvmetest/nvme/registers.h"
#include "nvmetest/nvme/status.h"
#include "nvmetest/warnings.h"

namespace nvmetest::meta {
namespace {

// The device no longer has the queue: deleted now, or it says there is no
// such queue (Completion Queue Invalid, Invalid Queue Identifier), as after a
// controller reset.  Its ring and ID are free either way.
bool queue_gone(const nvme::Cqe& c) noexcept
{
    return c.ok() || (c.sct() == 1 && (c.sc() == 0x00 || c.sc() == 0x01));
}

}  // namespace

QueueState::QueueState(Controller& nvme, Kind k, std::uint16_t id, std::uint32_t d)
    : ctrl(nvme.core()), kind(k), qid(id), depth(d),
      entry_size(k == Kind::Sq ? sizeof(nvme::Sqe) : sizeof(nvme::Cqe))
{
    ctrl->check_open();
    if (depth == 0)
        throw UsageError(std::string(name()) + " " + std::to_string(qid) +
                         ": depth 0 has no entries (the create command's QSIZE is depth - 1)");
    hold_id();
}

QueueState::~QueueState()
{
    if (created && !ctrl->closed) {
        CQE c;
        try {
            nvme::Sqe del{};
            del.set_opcode(kind == Kind::Sq ? nvme::admin::kDeleteIoSq : nvme::admin::kDeleteIoCq);
            del.cdw[10] = qid;
            c = ctrl->admin_sync(del, nullptr, 0);
        } catch (...) {
            c.set_status(0x7fff);  // no answer: the device may still use the ring
        }
        if (!queue_gone(c)) {
            // The device keeps the queue: its ring and its ID stay taken.
            try {
                if (buf)
                    ctrl->meta_orphans.push_back(std::make_shared<Buffer>(std::move(*buf)));
                if (list)
                    ctrl->meta_orphans.push_back(std::make_shared<PRPList>(std::move(*list)));
            } catch (...) {
                // Out of memory while keeping it: nothing better to do in a destructor.
            }
            return;
        }
    }
    if (created && ctrl->dma_live) {
        // Released with a controller that did not stop: the ring stays until
        // the process exits.
        try {
            if (buf)
                core::keep_until_exit(std::make_shared<Buffer>(std::move(*buf)));
            if (list)
                core::keep_until_exit(std::make_shared<PRPList>(std::move(*list)));
        } catch (...) {
            // Out of memory while keeping it: nothing better to do in a destructor.
        }
    }
    release_id();
}

void QueueState::check_open() const
{
    if (ctrl->closed)
        throw UsageError(std::string("the Controller of this ") + name() +
                         " was destroyed: let metamode queues go before their Controller");
}

void QueueState::hold_id()
{
    if (qid == 0)
        return;  // the admin queue's ID: the device refuses it, and nothing is held
    if (const char* holder = ctrl->queue_id_holder(qid, kind == Kind::Sq, kind == Kind::Cq))
        throw UsageError(std::string(name()) + " " + std::to_string(qid) + ": queue ID " +
                         std::to_string(qid) + " is in use by " + holder +
                         " of this controller: choose another ID (or delete that queue first)");
    auto& ids = kind == Kind::Sq ? ctrl->meta_sqids : ctrl->meta_cqids;
    ids.push_back(qid);
    registered = true;
}

void QueueState::release_id() noexcept
{
    if (!registered)
        return;
    auto& ids = kind == Kind::Sq ? ctrl->meta_sqids : ctrl->meta_cqids;
    if (auto it = std::find(ids.begin(), ids.end(), qid); it != ids.end())
        ids.erase(it);
    registered = false;
}

void QueueState::adopt(Buffer&& memory)
{
    ctrl->check_buffer_device(memory.in_cmb(), memory.device(), memory.name());
    const std::size_t need = std::size_t{depth} * entry_size;
    if (memory.size() < need)
        throw UsageError(std::string(name()) + " " + std::to_string(qid) + " of depth " +
                         std::to_string(depth) + " needs " + std::to_string(need) +
                         " bytes of ring, and Buffer \"" + memory.name() + "\" offers " +
                         std::to_string(memory.size()) + ": give a larger Buffer");
    buf.emplace(std::move(memory));
}

void QueueState::adopt(PRPList&& memory)
{
    const std::size_t page = ctrl->page_size;
    const std::size_t need = std::size_t{depth} * entry_size;
    const std::size_t pages = (need + page - 1) / page;
    for (std::size_t i = 0; i < pages; i++) {
        const Buffer* p = i < memory.capacity() ? memory.prp(i) : nullptr;
        const std::size_t want = std::min(page, need - i * page);
        if (!p || p->size() < want)
            throw UsageError(std::string(name()) + " " + std::to_string(qid) + " of depth " +
                             std::to_string(depth) + " spans " + std::to_string(pages) +
                             " memory pages: entry " + std::to_string(i) +
                             " of the PRPList must be a PRP of at least " + std::to_string(want) +
                             " bytes");
        ctrl->check_buffer_device(p->in_cmb(), p->device(), p->name());
    }
    list.emplace(std::move(memory));
}

std::uint64_t QueueState::ring_address() const noexcept
{
    return buf ? buf->phys_addr() : list->phys_addr();
}

void QueueState::create(nvme::Sqe cmd)
{
    cmd.set_prp1(ring_address());
    cmd.cdw[10] = (depth - 1) << 16 | qid;
    cmd.cdw[11] |= contiguous() ? 1u : 0u;
    create_cqe = ctrl->admin_sync(cmd, nullptr, 0);
    created = create_cqe.ok();
    if (!created) {
        release_id();
        warn(nvme::status_string(create_cqe.status()));
    }
}

CQE QueueState::remove()
{
    check_open();
    nvme::Sqe del{};
    del.set_opcode(kind == Kind::Sq ? nvme::admin::kDeleteIoSq : nvme::admin::kDeleteIoCq);
    del.cdw[10] = qid;
    const CQE c = ctrl->admin_sync(del, nullptr, 0);
    if (queue_gone(c)) {
        created = false;
        release_id();
    }
    if (!c.ok())
        warn(nvme::status_string(c.status()));
    return c;
}

std::uint8_t* QueueState::ring_byte(std::size_t pos) const
{
    if (buf)  // the ring is the device's to write; this object only hands out addresses
        return const_cast<std::uint8_t*>(buf->bytes().data()) + buf->offset() + pos;
    const std::size_t page = ctrl->page_size;
    Buffer* p = list->prp(pos / page);
    return p->bytes().data() + p->offset() + pos % page;
}

std::uint8_t* QueueState::entry(std::size_t index) const
{
    if (index >= depth)
        throw UsageError(std::string(name()) + " " + std::to_string(qid) + " has entries 0.." +
                         std::to_string(depth - 1) + "; entry " + std::to_string(index) +
                         " does not exist");
    return ring_byte(index * entry_size);
}

void QueueState::write_doorbell(std::uint32_t value)
{
    check_open();
    if (qid == 0)
        throw UsageError(std::string(name()) +
                         " 0: queue ID 0 is the library's admin queue, whose doorbells this "
                         "object does not own (write them with nvme0[offset] if you must)");
    if (!doorbell) {
        const std::uint32_t off = kind == Kind::Sq ? nvme::reg::sq_tail_doorbell(qid, ctrl->dstrd)
                                                   : nvme::reg::cq_head_doorbell(qid, ctrl->dstrd);
        doorbell = ctrl->t->doorbell(off);
    }
    *doorbell = value;
    doorbell_value = value;
}

}  // namespace nvmetest::meta
