// SPDX-License-Identifier: GPL-2.0
#include "nvme.h"

#include <cstring>
#include <thread>

namespace devtest::nvme {

IdentifyController parse_identify_controller(const unsigned char* d) {
    IdentifyController id;
    id.vid = static_cast<uint16_t>(d[0] | d[1] << 8);
    id.ssvid = static_cast<uint16_t>(d[2] | d[3] << 8);
    auto field = [&](size_t off, size_t len) {
        std::string s(reinterpret_cast<const char*>(d + off), len);
        while (!s.empty() && (s.back() == ' ' || s.back() == '\0'))
            s.pop_back();
        return s;
    };
    id.serial = field(4, 20);
    id.model = field(24, 40);
    return id;
}

uint64_t AdminQueue::timeout_ms() const {
    uint64_t to = cap_to(regs_.read64(kCap));
    return (to ? to : 1) * 500 + 1000;
}

std::string AdminQueue::wait_ready(bool ready) {
    auto limit = std::chrono::milliseconds(timeout_ms());
    uint32_t csts = 0;
    bool ok = wait_until(
        [&] {
            csts = regs_.read32(kCsts);
            return csts != 0xffffffff && ((csts & kCstsRdy) != 0) == ready;
        },
        limit, std::chrono::milliseconds(1));
    if (!ok) {
        char buf[128];
        std::snprintf(buf, sizeof(buf), "CSTS.RDY did not become %d (CSTS=0x%08x)", ready ? 1 : 0,
                      csts);
        return buf;
    }
    return "";
}

std::string AdminQueue::disable() {
    uint32_t cc = regs_.read32(kCc);
    if (cc == 0xffffffff)
        return "CC reads all ones: device not accessible";
    regs_.write32(kCc, cc & ~kCcEn);
    return wait_ready(false);
}

std::string AdminQueue::init(bool mask_intx) {
    std::string err = disable();
    if (!err.empty())
        return err;
    int r;
    if ((r = sq_.allocate(fd_, 4096)) != 0 || (r = cq_.allocate(fd_, 4096)) != 0 ||
        (r = data_.allocate(fd_, 4096)) != 0)
        return std::string("DMA allocation for the admin queue: ") + strerror(-r);
    std::memset(sq_.data(), 0, sq_.size());
    std::memset(cq_.data(), 0, cq_.size());
    sq_tail_ = 0;
    cq_head_ = 0;
    phase_ = 1;

    regs_.write32(kAqa, static_cast<uint32_t>(kDepth - 1) << 16 | (kDepth - 1));
    regs_.write64(kAsq, sq_.iova());
    regs_.write64(kAcq, cq_.iova());
    if (mask_intx)
        regs_.write32(kIntms, 0xffffffff);
    // IOCQES 4 (16 bytes), IOSQES 6 (64 bytes), MPS 0 (4 KiB), CSS 0 (NVM), EN.
    regs_.write32(kCc, 4u << 20 | 6u << 16 | kCcEn);
    err = wait_ready(true);
    if (!err.empty())
        return err;
    if (regs_.read32(kCsts) & kCstsCfs)
        return "controller fatal status after enable";
    return "";
}

uint16_t AdminQueue::submit(Sqe sqe) {
    uint16_t cid = next_cid_++;
    if (next_cid_ == 0xffff)
        next_cid_ = 1;
    sqe.cdw0 = (sqe.cdw0 & 0xffff) | static_cast<uint32_t>(cid) << 16;
    std::memcpy(sq_.data() + sq_tail_ * sizeof(Sqe), &sqe, sizeof(sqe));
    sq_tail_ = static_cast<uint16_t>((sq_tail_ + 1) % kDepth);
    std::atomic_thread_fence(std::memory_order_seq_cst);
    regs_.write32(kDoorbells, sq_tail_);
    return cid;
}

uint16_t AdminQueue::submit_identify(uint32_t cns, uint32_t nsid) {
    std::memset(data_.data(), 0, data_.size());
    Sqe sqe{};
    sqe.cdw0 = kOpIdentify;
    sqe.nsid = nsid;
    sqe.prp1 = data_.iova();
    sqe.cdw10 = cns;
    return submit(sqe);
}

bool AdminQueue::completion_ready() const {
    auto* e = reinterpret_cast<volatile Cqe*>(cq_.data() + cq_head_ * sizeof(Cqe));
    return (e->status & 1) == phase_;
}

void AdminQueue::ring_cq_head() {
    regs_.write32(kDoorbells + 4, cq_head_);
}

std::optional<Cqe> AdminQueue::wait(std::chrono::milliseconds timeout, bool ring_head) {
    if (!wait_until([&] { return completion_ready(); }, timeout, std::chrono::milliseconds(1)))
        return std::nullopt;
    std::atomic_thread_fence(std::memory_order_seq_cst);
    Cqe cqe;
    std::memcpy(&cqe, cq_.data() + cq_head_ * sizeof(Cqe), sizeof(cqe));
    cq_head_ = static_cast<uint16_t>((cq_head_ + 1) % kDepth);
    if (cq_head_ == 0)
        phase_ ^= 1;
    if (ring_head)
        ring_cq_head();
    return cqe;
}

std::string AdminQueue::identify_controller(IdentifyController* out,
                                            std::chrono::milliseconds timeout) {
    uint16_t cid = submit_identify(1);
    auto cqe = wait(timeout);
    if (!cqe)
        return "no completion for Identify Controller (CSTS=0x" + [&] {
            char b[16];
            std::snprintf(b, sizeof(b), "%08x", regs_.read32(kCsts));
            return std::string(b);
        }() + ")";
    if (cqe->cid != cid)
        return "completion for command " + std::to_string(cqe->cid) + ", expected " +
               std::to_string(cid);
    if (cqe->sf() != 0)
        return "Identify Controller failed with status 0x" + std::to_string(cqe->sf());
    *out = parse_identify_controller(data_.data());
    return "";
}

} // namespace devtest::nvme
