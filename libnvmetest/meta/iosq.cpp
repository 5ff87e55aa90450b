// SPDX-License-Identifier: BSD-3-Clause
#include <string>
#include <utility>

#include "meta/queue_state.h"
#include "meta/ring_access.h"
#include "nvmetest/errors.h"
#include "nvmetest/meta/queues.h"

namespace nvmetest::meta {

// What an IOSQ adds to the shared state: the CQ it posts to.
struct SqState : QueueState {
    using QueueState::QueueState;
    std::uint16_t cqid = 0;
};

namespace {

SqState& sq_state(QueueState& s) { return static_cast<SqState&>(s); }

std::unique_ptr<QueueState> make_sq(Controller& nvme, std::uint16_t qid, std::uint32_t depth,
                                    CqId cq)
{
    auto s = std::make_unique<SqState>(nvme, QueueState::Kind::Sq, qid, depth);
    s->cqid = cq.id();
    return s;
}

void create_sq(QueueState& s, const IosqOptions& o)
{
    nvme::Sqe cmd{};
    cmd.set_opcode(nvme::admin::kCreateIoSq);
    cmd.cdw[11] = std::uint32_t{sq_state(s).cqid} << 16 | (o.qprio & 3u) << 1;
    cmd.cdw[12] = o.nvmsetid;
    s.create(cmd);
}

SQE read_sqe(const QueueState& s, std::size_t index)
{
    SQE cmd;
    detail::load_dwords(s.entry(index), cmd.cdw, 16);
    return cmd;
}

std::size_t fill_io(IOSQ& sq, std::uint8_t opcode, const IoArgs& a)
{
    const std::uint32_t index = sq.tail();
    SQE cmd(opcode, a.nsid, a.cid);
    cmd.set_prp1(a.prp1);
    cmd.set_prp2(a.prp2);
    cmd.set_slba(a.lba);
    cmd.set_nlb(a.lba_count);
    sq[index] = cmd;
    return index;
}

}  // namespace

IOSQ::IOSQ(Controller& nvme, std::uint16_t qid, std::uint32_t depth, Buffer&& memory, CqId cq,
           IosqOptions o)
    : s_(make_sq(nvme, qid, depth, cq))
{
    s_->adopt(std::move(memory));
    create_sq(*s_, o);
}

IOSQ::IOSQ(Controller& nvme, std::uint16_t qid, std::uint32_t depth, PRPList&& memory, CqId cq,
           IosqOptions o)
    : s_(make_sq(nvme, qid, depth, cq))
{
    s_->adopt(std::move(memory));
    create_sq(*s_, o);
}

IOSQ::IOSQ(IOSQ&&) noexcept = default;
IOSQ& IOSQ::operator=(IOSQ&&) noexcept = default;
IOSQ::~IOSQ() = default;

QueueState& IOSQ::state() const
{
    if (!s_)
        throw UsageError("this IOSQ was moved from: use the object it was moved to");
    return *s_;
}

std::uint16_t IOSQ::id() const noexcept { return s_ ? s_->qid : 0; }
std::uint16_t IOSQ::cqid() const noexcept { return s_ ? sq_state(*s_).cqid : 0; }
std::uint32_t IOSQ::depth() const noexcept { return s_ ? s_->depth : 0; }
bool IOSQ::created() const noexcept { return s_ && s_->created; }
CQE IOSQ::create_cqe() const noexcept { return s_ ? s_->create_cqe : CQE{}; }
std::uint32_t IOSQ::tail() const noexcept { return s_ ? s_->doorbell_value : 0; }

IOSQ::Entry IOSQ::operator[](std::size_t index)
{
    state().entry(index);  // checks the index now, not at the assignment
    return Entry(*s_, index);
}

SQE IOSQ::operator[](std::size_t index) const { return read_sqe(state(), index); }

IOSQ::Entry& IOSQ::Entry::operator=(const nvme::Sqe& sqe)
{
    detail::store_dwords(s_.entry(index_), sqe.cdw, 16);
    return *this;
}

IOSQ::Entry::operator SQE() const { return read_sqe(s_, index_); }

void IOSQ::set_tail(std::uint32_t tail) { state().write_doorbell(tail); }

std::size_t IOSQ::read(const IoArgs& a) { return fill_io(*this, nvme::io::kRead, a); }
std::size_t IOSQ::write(const IoArgs& a) { return fill_io(*this, nvme::io::kWrite, a); }

CQE IOSQ::del() { return state().remove(); }

}  // namespace nvmetest::meta
