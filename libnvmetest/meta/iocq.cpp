// SPDX-License-Identifier: BSD-3-Clause
#include <chrono>
#include <string>
#include <thread>
#include <utility>

#include "meta/queue_state.h"
#include "meta/ring_access.h"
#include "nvmetest/errors.h"
#include "nvmetest/meta/queues.h"

namespace nvmetest::meta {

// What an IOCQ adds to the shared state: its interrupt and the phase tag the
// device writes in the current pass through the ring.
struct CqState : QueueState {
    using QueueState::QueueState;
    IocqOptions opts;
    std::uint64_t msix_baseline = 0;
    bool phase = true;        // of entries at or after the head in this pass
    std::uint32_t head = 0;   // last in-range head written

    IrqSet& irqs() const
    {
        check_open();
        if (!ctrl->irqs)
            throw UsageError("interrupts of this controller are not set up (no MSI-X/MSI, or "
                             "the setup failed; see the warning at its creation)");
        return *ctrl->irqs;
    }
};

namespace {

CqState& cq_state(QueueState& s) { return static_cast<CqState&>(s); }

std::unique_ptr<QueueState> make_cq(Controller& nvme, std::uint16_t qid, std::uint32_t depth,
                                    IocqOptions o)
{
    auto s = std::make_unique<CqState>(nvme, QueueState::Kind::Cq, qid, depth);
    s->opts = o;
    return s;
}

void create_cq(QueueState& s)
{
    const IocqOptions& o = cq_state(s).opts;
    nvme::Sqe cmd{};
    cmd.set_opcode(nvme::admin::kCreateIoCq);
    cmd.cdw[11] = std::uint32_t{o.iv} << 16 | (o.ien ? 2u : 0u);
    s.create(cmd);
}

CQE read_cqe(const QueueState& s, std::size_t index)
{
    CQE c;
    detail::load_dwords(s.entry(index), c.dw, 4);
    return c;
}

}  // namespace

IOCQ::IOCQ(Controller& nvme, std::uint16_t qid, std::uint32_t depth, Buffer&& memory,
           IocqOptions o)
    : s_(make_cq(nvme, qid, depth, o))
{
    s_->adopt(std::move(memory));
    create_cq(*s_);
}

IOCQ::IOCQ(Controller& nvme, std::uint16_t qid, std::uint32_t depth, PRPList&& memory,
           IocqOptions o)
    : s_(make_cq(nvme, qid, depth, o))
{
    s_->adopt(std::move(memory));
    create_cq(*s_);
}

IOCQ::IOCQ(IOCQ&&) noexcept = default;
IOCQ& IOCQ::operator=(IOCQ&&) noexcept = default;
IOCQ::~IOCQ() = default;

QueueState& IOCQ::state() const
{
    if (!s_)
        throw UsageError("this IOCQ was moved from: use the object it was moved to");
    return *s_;
}

std::uint16_t IOCQ::id() const noexcept { return s_ ? s_->qid : 0; }
std::uint32_t IOCQ::depth() const noexcept { return s_ ? s_->depth : 0; }
bool IOCQ::created() const noexcept { return s_ && s_->created; }
CQE IOCQ::create_cqe() const noexcept { return s_ ? s_->create_cqe : CQE{}; }
std::uint32_t IOCQ::head() const noexcept { return s_ ? s_->doorbell_value : 0; }
unsigned IOCQ::iv() const noexcept { return s_ ? cq_state(*s_).opts.iv : 0; }

CQE IOCQ::operator[](std::size_t index) const { return read_cqe(state(), index); }

void IOCQ::set_head(std::uint32_t head)
{
    CqState& s = cq_state(state());
    s.write_doorbell(head);
    if (head < s.depth) {
        if (head < s.head)
            s.phase = !s.phase;  // the host wrapped around the ring
        s.head = head;
    }
}

CQE IOCQ::wait_pbit(std::size_t index, bool value, std::uint32_t timeout_ms) const
{
    const QueueState& s = state();
    const std::uint8_t* dw3 = s.entry(index) + 12;
    const auto limit = std::chrono::steady_clock::now() +
                       std::chrono::milliseconds(timeout_ms ? timeout_ms : s.ctrl->timeout_ms);
    while (((detail::load_dword(dw3) >> 16) & 1) != value) {
        if (std::chrono::steady_clock::now() >= limit)
            throw TimeoutError("IOCQ " + std::to_string(s.qid) + ": the phase tag of entry " +
                               std::to_string(index) + " did not become " +
                               std::to_string(value) + " within " +
                               std::to_string(timeout_ms ? timeout_ms : s.ctrl->timeout_ms) +
                               " ms: was the SQ tail doorbell written?");
        std::this_thread::yield();
    }
    return read_cqe(s, index);
}

CQE IOCQ::waitdone(unsigned n, std::uint32_t timeout_ms) const
{
    const CqState& s = cq_state(state());
    if (n == 0 || n > s.depth - 1)
        throw UsageError("IOCQ " + std::to_string(s.qid) + ".waitdone(" + std::to_string(n) +
                         "): a CQ of depth " + std::to_string(s.depth) + " holds 1.." +
                         std::to_string(s.depth - 1) + " completions at a time");
    CQE last;
    for (unsigned k = 0; k < n; k++) {
        const std::uint32_t pos = s.head + k;
        const bool value = pos < s.depth ? s.phase : !s.phase;
        last = wait_pbit(pos % s.depth, value, timeout_ms);
    }
    return last;
}

void IOCQ::msix_clear()
{
    CqState& s = cq_state(state());
    IrqSet& irqs = s.irqs();
    irqs.drain(s.opts.iv);  // so that wait_msix() sleeps until the next interrupt
    s.msix_baseline = irqs.counter(s.opts.iv);
}

bool IOCQ::msix_isset() const
{
    const CqState& s = cq_state(state());
    return s.irqs().counter(s.opts.iv) != s.msix_baseline;
}

bool IOCQ::wait_msix(unsigned timeout_ms) const
{
    if (msix_isset())
        return true;
    const CqState& s = cq_state(state());
    s.irqs().wait(s.opts.iv, std::chrono::milliseconds(timeout_ms));
    return msix_isset();
}

void IOCQ::msix_mask()
{
    CqState& s = cq_state(state());
    s.irqs().mask(s.opts.iv);
}

void IOCQ::msix_unmask()
{
    CqState& s = cq_state(state());
    s.irqs().unmask(s.opts.iv);
}

CQE IOCQ::del() { return state().remove(); }

}  // namespace nvmetest::meta
