// SPDX-License-Identifier: BSD-3-Clause
#include "core/queue.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <limits>

#include "core/transport.h"
#include "nvmetest/bar.h"
#include "nvmetest/errors.h"
#include "nvmetest/nvme/opcodes.h"
#include "nvmetest/nvme/registers.h"
#include "nvmetest/nvme/status.h"
#include "nvmetest/warnings.h"

namespace nvmetest::core {
namespace {

constexpr std::size_t kLogEntries = 1024;  // per queue, a power of two
constexpr std::int64_t kNoDeadline = std::numeric_limits<std::int64_t>::max();

// Set while a command callback runs: waitdone() inside it is refused.
thread_local bool t_in_callback = false;

struct CallbackScope {
    CallbackScope() noexcept { t_in_callback = true; }
    ~CallbackScope() { t_in_callback = false; }
    CallbackScope(const CallbackScope&) = delete;
    CallbackScope& operator=(const CallbackScope&) = delete;
};

std::string hex(std::uint64_t v, int width)
{
    char s[24];
    std::snprintf(s, sizeof(s), "0x%0*llx", width, static_cast<unsigned long long>(v));
    return s;
}

std::string_view opcode_name(bool admin, std::uint8_t op)
{
    return admin ? nvme::admin_opcode_name(op) : nvme::io_opcode_name(op);
}

std::size_t round_up_pow2(std::size_t v)
{
    std::size_t p = 1;
    while (p < v)
        p <<= 1;
    return p;
}

// Rings may lie in a Controller Memory Buffer (an uncached BAR mapping): whole
// naturally aligned 64-bit and 32-bit accesses only.
void zero(std::uint8_t* p, std::size_t n) noexcept
{
    for (std::size_t i = 0; i < n; i += 8)
        *reinterpret_cast<volatile std::uint64_t*>(p + i) = 0;
}

std::uint32_t load32(const std::uint8_t* p) noexcept
{
    return *reinterpret_cast<const volatile std::uint32_t*>(p);
}

void copy_sqe_volatile(std::uint8_t* dst, const nvme::Sqe& sqe) noexcept
{
    std::uint64_t w[8];
    std::memcpy(w, &sqe, sizeof(w));
    for (int i = 0; i < 8; i++)
        reinterpret_cast<volatile std::uint64_t*>(dst)[i] = w[i];
}

// Orders the store of a shadow doorbell before the load of its EventIdx: the
// controller stores EventIdx, then loads the shadow doorbell, so at least one
// side sees the other's store.  Store-then-load is the one order x86 does not
// keep by itself (the fence is an mfence; no system call).
inline void dma_mb() noexcept { std::atomic_thread_fence(std::memory_order_seq_cst); }

// Spinning on a completion queue: tells the CPU (and a hyperthread sibling)
// that this is a busy-wait.  waitdone() never sleeps or yields, so waiting
// makes no system call either.
inline void cpu_relax() noexcept
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield" ::: "memory");
#endif
}

}  // namespace

void invoke_callback(const Callback& cb, const nvme::Cqe& cqe)
{
    CallbackScope scope;
    cb(cqe);
}

std::int64_t now_ns() noexcept
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

Queue::Queue(Transport& t, const QueueConfig& config) : cfg_(config)
{
    if (cfg_.depth < 2 || cfg_.depth > 65536)
        throw UsageError("queue depth " + std::to_string(cfg_.depth) +
                         " is invalid: a queue has 2 to 65536 entries (and at most CAP.MQES + 1)");
    const std::size_t sq_bytes = std::size_t{cfg_.depth} * sizeof(nvme::Sqe);
    const std::size_t cq_bytes = std::size_t{cfg_.depth} * sizeof(nvme::Cqe);
    if (cfg_.sq_cmb) {
        sq_cmb_mem_ = cfg_.sq_cmb->alloc(sq_bytes, cfg_.page_size);
        sq_ptr_ = sq_cmb_mem_->data;
        sq_bus_ = sq_cmb_mem_->bus;
    } else {
        sq_ = t.alloc_dma(sq_bytes);
        sq_ptr_ = sq_.data();
        sq_bus_ = sq_.iova();
    }
    if (cfg_.cq_cmb) {
        cq_cmb_mem_ = cfg_.cq_cmb->alloc(cq_bytes, cfg_.page_size);
        cq_ptr_ = cq_cmb_mem_->data;
        cq_bus_ = cq_cmb_mem_->bus;
    } else {
        cq_ = t.alloc_dma(cq_bytes);
        cq_ptr_ = cq_.data();
        cq_bus_ = cq_.iova();
    }
    cfg_.sq_cmb.reset();  // the allocations keep the CMB
    cfg_.cq_cmb.reset();
    sq_db_ = t.doorbell(nvme::reg::sq_tail_doorbell(cfg_.qid, cfg_.dstrd));
    cq_db_ = t.doorbell(nvme::reg::cq_head_doorbell(cfg_.qid, cfg_.dstrd));

    // One PRP list per command identifier, never crossing a page: sized for the
    // largest transfer MDTS allows, in chunks no larger than one DMA allocation.
    prp_slot_bytes_ = round_up_pow2(std::max<std::size_t>(cfg_.max_prp_entries, 2) * 8);
    prp_slot_bytes_ = std::min<std::size_t>(prp_slot_bytes_, cfg_.page_size);
    cfg_.max_prp_entries = static_cast<std::uint32_t>(prp_slot_bytes_ / 8);
    const std::uint64_t max_alloc = std::max<std::uint64_t>(t.dma_max_alloc(), cfg_.page_size);
    prp_slots_per_chunk_ = static_cast<std::size_t>(max_alloc / prp_slot_bytes_);
    for (std::size_t done = 0; done < cfg_.depth; done += prp_slots_per_chunk_) {
        const std::size_t n = std::min<std::size_t>(prp_slots_per_chunk_, cfg_.depth - done);
        prp_chunks_.push_back(t.alloc_dma(n * prp_slot_bytes_));
    }

    slots_.resize(cfg_.depth);
    free_cids_.reserve(cfg_.depth);
    log_.resize(kLogEntries);
    reinit();
}

std::size_t Queue::reinit()
{
    const std::size_t lost = outstanding_;
    zero(sq_ptr_, std::size_t{cfg_.depth} * sizeof(nvme::Sqe));
    zero(cq_ptr_, std::size_t{cfg_.depth} * sizeof(nvme::Cqe));
    for (auto& s : slots_) {
        if (s.state == SlotState::Busy)
            run_hook(s, nullptr);
        s.hook = {};
        s.cb = nullptr;
        // Called after the controller was disabled or reset (or before the
        // queue was ever created): the device has forgotten the commands.
        s.data_mem.reset();
        s.meta_mem.reset();
        s.state = SlotState::Free;
        s.aer = false;
    }
    timed_out_ = 0;
    graveyard_.clear();
    free_cids_.clear();
    for (std::uint32_t cid = cfg_.depth; cid > 0; cid--)
        free_cids_.push_back(static_cast<std::uint16_t>(cid - 1));
    sq_tail_ = sq_tail_rung_ = sq_head_ = 0;
    cq_head_ = cq_head_rung_ = 0;
    phase_ = 1;
    shadow_ = {};  // a reinit follows a controller reset, which drops the buffers
    outstanding_ = 0;
    banked_ = 0;
    next_deadline_ns_ = kNoDeadline;
    return lost;
}

void Queue::build_prps(nvme::Sqe& sqe, const DataRef& buf, std::size_t xfer, std::uint16_t cid)
{
    const std::uint64_t page = cfg_.page_size;
    const std::uint64_t addr = buf.iova;
    sqe.set_prp1(addr);
    const std::uint64_t first = page - (addr & (page - 1));
    if (xfer <= first) {
        sqe.set_prp2(0);
        return;
    }
    const std::uint64_t rest = xfer - first;
    const std::uint64_t next = addr + first;
    if (rest <= page) {
        sqe.set_prp2(next);
        return;
    }
    const std::size_t entries = static_cast<std::size_t>((rest + page - 1) / page);
    DmaMemory& chunk = prp_chunks_[cid / prp_slots_per_chunk_];
    const std::size_t off = (cid % prp_slots_per_chunk_) * prp_slot_bytes_;
    for (std::size_t i = 0; i < entries; i++)
        chunk.store<std::uint64_t>(off + i * 8, next + i * page);
    sqe.set_prp2(chunk.iova(off));
}

std::uint16_t Queue::submit(nvme::Sqe sqe, const DataRef* buf, std::size_t xfer, Callback cb,
                            std::uint32_t timeout_ms, bool aer, const CompletionHook* hook)
{
    if (buf && xfer) {
        if (buf->size < xfer)
            throw UsageError("Buffer \"" + std::string(buf->name) + "\" offers " +
                             std::to_string(buf->size) + " bytes (size from offset " +
                             std::to_string(buf->offset) +
                             "), but the command transfers " + std::to_string(xfer) +
                             " bytes: use a larger buffer or transfer less; nothing was sent");
        const std::uint64_t page = cfg_.page_size;
        const std::uint64_t first = page - (buf->iova & (page - 1));
        const std::uint64_t pages = xfer > first ? (xfer - first + page - 1) / page : 0;
        if (sqe.psdt() == nvme::psdt::kPrp && pages > 1 && pages > cfg_.max_prp_entries)
            throw UsageError("the transfer of " + std::to_string(xfer) + " bytes needs " +
                             std::to_string(pages) + " PRP list entries, more than the " +
                             std::to_string(cfg_.max_prp_entries) +
                             " this queue prepared per command (sized from MDTS): split it");
    }
    const std::uint32_t next_tail = (sq_tail_ + 1) % cfg_.depth;
    if (next_tail == sq_head_ || free_cids_.empty())
        throw UsageError("queue " + std::to_string(cfg_.qid) + " is full (" +
                         std::to_string(cfg_.depth) +
                         " entries): reap completions with waitdone() before submitting more");

    const std::uint16_t cid = free_cids_.back();
    free_cids_.pop_back();
    sqe.set_cid(cid);
    if (buf && xfer) {
        // PSDT set by the caller: the memory is contiguous, one Data Block describes it.
        if (sqe.psdt() != nvme::psdt::kPrp)
            sqe.set_sgl1(nvme::SglDescriptor::data_block(buf->iova, static_cast<std::uint32_t>(xfer)));
        else
            build_prps(sqe, *buf, xfer, cid);
    }

    const std::int64_t now = now_ns();
    Slot& s = slots_[cid];
    s.cb = std::move(cb);
    if (hook)
        s.hook = *hook;
    if (buf) {
        // Shares only for user Buffers (an atomic increment each): the
        // library's and IOWorkers' memory is kept by keep_until_quiet().
        if (buf->owner)
            s.data_mem = *buf->owner;
        if (buf->meta_owner)
            s.meta_mem = *buf->meta_owner;
    }
    s.submitted_ns = now;
    s.aer = aer;
    s.state = SlotState::Busy;
    s.deadline_ns = aer ? 0 : now + std::int64_t{timeout_ms} * 1000000;
    if (!aer) {
        outstanding_++;
        if (s.deadline_ns < next_deadline_ns_)
            next_deadline_ns_ = s.deadline_ns;
    }

    const std::uint64_t seq = ++log_seq_;
    LogRecord& rec = log_[seq & (kLogEntries - 1)];
    rec.seq = seq;
    rec.sqe = sqe;
    rec.cqe = {};
    rec.submitted_ns = now;
    rec.completed = rec.timed_out = false;
    s.log_index = static_cast<std::uint32_t>(seq & (kLogEntries - 1));
    s.log_seq = seq;

    std::uint8_t* slot = sq_ptr_ + std::size_t{sq_tail_} * sizeof(nvme::Sqe);
    if (sq_cmb_mem_)
        copy_sqe_volatile(slot, sqe);
    else
        std::memcpy(slot, &sqe, sizeof(sqe));
    sq_tail_ = next_tail;
    latest_cid_ = cid;
    if (!cfg_.lazy_doorbell)
        ring_sq_doorbell();
    return cid;
}

void Queue::ring_sq_doorbell() noexcept
{
    if (sq_tail_ == sq_tail_rung_)
        return;
    const std::uint32_t old = sq_tail_rung_;
    sq_tail_rung_ = sq_tail_;
    counts_.sq_updates++;
    dma_wmb();  // the SQEs before the doorbell, in BAR0 or in the shadow buffer
    if (shadow_.sq_tail) {
        *shadow_.sq_tail = sq_tail_;
        dma_mb();
        if (shadow_.trust_event && !passes_event(*shadow_.sq_event, sq_tail_, old, cfg_.depth))
            return;
    }
    *sq_db_ = sq_tail_;
    counts_.sq_mmio++;
}

void Queue::ring_cq_doorbell() noexcept
{
    if (cq_head_ == cq_head_rung_)
        return;
    const std::uint32_t old = cq_head_rung_;
    cq_head_rung_ = cq_head_;
    counts_.cq_updates++;
    if (shadow_.cq_head) {
        *shadow_.cq_head = cq_head_;
        dma_mb();
        if (shadow_.trust_event && !passes_event(*shadow_.cq_event, cq_head_, old, cfg_.depth))
            return;
    }
    *cq_db_ = cq_head_;
    counts_.cq_mmio++;
}

void Queue::use_shadow(const ShadowSlots& slots) noexcept
{
    // EventIdx = the value last published: the next update passes it and so
    // also goes to BAR0, which tells the controller whatever it missed.
    *slots.sq_tail = sq_tail_rung_;
    *slots.cq_head = cq_head_rung_;
    if (slots.trust_event) {
        *slots.sq_event = sq_tail_rung_;
        *slots.cq_event = cq_head_rung_;
    }
    dma_mb();
    shadow_ = slots;
}

void Queue::release(std::uint16_t cid) noexcept
{
    Slot& s = slots_[cid];
    s.data_mem.reset();
    s.meta_mem.reset();
    s.state = SlotState::Free;
    s.aer = false;
    free_cids_.push_back(cid);
}

void Queue::keep_until_quiet(std::shared_ptr<void> mem)
{
    if (mem && outstanding_ + timed_out_ != 0)
        graveyard_.push_back(std::move(mem));
}

void Queue::run_hook(Slot& s, const nvme::Cqe* cqe)
{
    if (!s.hook.fn)
        return;
    const CompletionHook hook = std::move(s.hook);
    s.hook = {};
    const LogRecord& rec = log_[s.log_index];
    hook.fn(hook, rec.seq == s.log_seq ? &rec.sqe : nullptr, cqe);
}

void Queue::deliver(const nvme::Cqe& cqe, Callback& cb)
{
    if (cb)
        invoke_callback(cb, cqe);
    else if (!cqe.ok())
        warn(nvme::status_string(cqe.status()));
}

unsigned Queue::reap(unsigned max, std::uint32_t& last_dw0)
{
    struct DoorbellGuard {
        Queue* q;
        ~DoorbellGuard() { q->ring_cq_doorbell(); }
    } guard{this};

    unsigned counted = 0;
    while (counted < max) {
        const std::size_t pos = std::size_t{cq_head_} * sizeof(nvme::Cqe);
        const std::uint32_t dw3 = load32(cq_ptr_ + pos + 12);
        if (((dw3 >> 16) & 1) != phase_)
            break;
        // Deadlines first: a command whose deadline passed before the
        // library took its completion timed out, however many completions
        // came before it.  The CQE stays in the ring for the next pass.
        const std::int64_t now = now_ns();
        if (now >= next_deadline_ns_) {
            counted += expire(now, last_dw0);
            continue;
        }
        dma_rmb();
        nvme::Cqe cqe;
        cqe.dw[0] = load32(cq_ptr_ + pos);
        cqe.dw[1] = load32(cq_ptr_ + pos + 4);
        cqe.dw[2] = load32(cq_ptr_ + pos + 8);
        cqe.dw[3] = dw3;
        if (++cq_head_ == cfg_.depth) {
            cq_head_ = 0;
            phase_ ^= 1;
        }
        sq_head_ = cqe.sqhd() % cfg_.depth;

        const std::uint16_t cid = cqe.cid();
        if (cid >= slots_.size() || slots_[cid].state == SlotState::Free) {
            warn("unexpected completion on queue " + std::to_string(cfg_.qid) + ": cid " +
                 std::to_string(cid) + " is not outstanding (" + nvme::status_string(cqe.status()) +
                 ")");
            continue;
        }
        Slot& s = slots_[cid];
        LogRecord& rec = log_[s.log_index];
        if (s.state == SlotState::TimedOut) {
            // The late completion of a command that timed out: the device is
            // done with its memory.  The log keeps the real CQE; nothing else
            // sees it (its callback had the all-ones one).
            if (rec.seq == s.log_seq)
                rec.cqe = cqe;
            timed_out_--;
            release(cid);
            if (outstanding_ + timed_out_ == 0)
                graveyard_.clear();
            continue;
        }
        if (rec.seq == s.log_seq) {
            rec.cqe = cqe;
            rec.completed_ns = now;
            rec.completed = true;
        }
        Callback cb = std::move(s.cb);
        s.cb = nullptr;
        const bool aer = s.aer;
        const CompletionHook hook = std::move(s.hook);
        s.hook = {};
        release(cid);
        if (aer) {
            if (on_aer_)
                on_aer_(cqe, cb);
            continue;
        }
        outstanding_--;
        latest_latency_us_ = static_cast<std::uint64_t>((now - s.submitted_ns) / 1000);
        counted++;
        last_dw0 = cqe.dw[0];
        if (hook.fn)
            hook.fn(hook, rec.seq == s.log_seq ? &rec.sqe : nullptr, &cqe);
        deliver(cqe, cb);
    }
    return counted;
}

unsigned Queue::expire(std::int64_t now, std::uint32_t& last_dw0)
{
    unsigned expired = 0;
    std::int64_t next = kNoDeadline;
    for (std::size_t cid = 0; cid < slots_.size(); cid++) {
        Slot& s = slots_[cid];
        if (s.state != SlotState::Busy || s.aer)
            continue;
        if (s.deadline_ns > now) {
            next = std::min(next, s.deadline_ns);
            continue;
        }
        s.state = SlotState::TimedOut;  // keeps its memory shares
        outstanding_--;
        timed_out_++;
        expired++;
        nvme::Cqe cqe;
        std::memset(&cqe, 0xff, sizeof(cqe));
        LogRecord& rec = log_[s.log_index];
        std::uint8_t opcode = 0;
        if (rec.seq == s.log_seq) {
            rec.cqe = cqe;
            rec.completed_ns = now;
            rec.completed = rec.timed_out = true;
            opcode = rec.sqe.opcode();
        }
        latest_latency_us_ = static_cast<std::uint64_t>((now - s.submitted_ns) / 1000);
        last_dw0 = cqe.dw[0];
        Callback cb = std::move(s.cb);
        s.cb = nullptr;
        next_deadline_ns_ = next;  // consistent even if warn() throws
        run_hook(s, &cqe);
        warn("timeout: " + std::string(opcode_name(cfg_.admin, opcode)) + " (opcode " +
             hex(opcode, 2) + ", cid " + std::to_string(cid) + ") on queue " +
             std::to_string(cfg_.qid) + " did not complete in " +
             std::to_string((s.deadline_ns - s.submitted_ns) / 1000000) +
             " ms (its timeout); it completes with an all-ones CQE");
        if (cb)
            invoke_callback(cb, cqe);
    }
    next_deadline_ns_ = next;
    return expired;
}

std::uint32_t Queue::waitdone(unsigned n)
{
    if (t_in_callback)
        throw UsageError("waitdone() was called inside a command callback, where it would "
                         "deadlock: submit from the callback if you must, and reap with the "
                         "waitdone() that is running");
    ring_sq_doorbell();
    std::uint32_t last = 0;
    unsigned reaped = std::min(banked_, n);
    banked_ -= reaped;
    if (reaped)
        last = banked_dw0_;
    while (reaped < n) {
        const unsigned got = reap(n - reaped, last);
        if (got) {
            reaped += got;
            continue;
        }
        if (outstanding_ == 0)
            throw UsageError("waitdone(" + std::to_string(n) + ") on queue " +
                             std::to_string(cfg_.qid) + " reaped " + std::to_string(reaped) +
                             " and no further command is outstanding: wait for as many "
                             "commands as were submitted");
        const std::int64_t now = now_ns();
        if (now >= next_deadline_ns_) {
            reaped += expire(now, last);
            continue;
        }
        cpu_relax();
        // Commands submitted by callbacks are batched too.
        ring_sq_doorbell();
    }
    // Timeouts declared together may count beyond n: the next waitdone()
    // counts them, as those of poll_completions().
    if (reaped > n) {
        banked_ += reaped - n;
        banked_dw0_ = last;
    }
    return last;
}

unsigned Queue::poll(unsigned max, std::uint32_t* last_dw0)
{
    ring_sq_doorbell();
    std::uint32_t last = 0;
    unsigned done = reap(max, last);
    // reap() judged deadlines at each completion; with none the clock is read
    // here (the IOWorker's hot path reads it once per idle poll).
    if (done == 0 && outstanding_) {
        const std::int64_t now = now_ns();
        if (now >= next_deadline_ns_)
            done = expire(now, last);
    }
    if (last_dw0 && done)
        *last_dw0 = last;
    return done;
}

void Queue::poll_completions()
{
    if (t_in_callback)
        return;  // the waitdone() running reaps them
    const unsigned got = poll(cfg_.depth, &banked_dw0_);
    banked_ += got;
}

namespace {

// Steady-clock nanoseconds to wall time.  The offset between the two clocks is
// taken once per process, so an entry shows the same time on every call.
std::chrono::system_clock::time_point to_wall(std::int64_t ns)
{
    static const auto wall_offset = std::chrono::system_clock::now().time_since_epoch() -
                                    std::chrono::nanoseconds(now_ns());
    return std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(
            wall_offset + std::chrono::nanoseconds(ns)));
}

}  // namespace

std::vector<CmdLogEntry> Queue::cmdlog(std::size_t count, std::size_t offset) const
{
    const std::size_t have = std::min<std::size_t>(log_seq_, kLogEntries);
    if (offset >= have)
        return {};
    const std::uint64_t newest = log_seq_ - offset;
    if (count == 0 || count > have - offset)
        count = have - offset;
    std::vector<CmdLogEntry> out;
    out.reserve(count);
    for (std::uint64_t seq = newest - count + 1; seq <= newest && count; seq++) {
        const LogRecord& r = log_[seq & (kLogEntries - 1)];
        CmdLogEntry e;
        e.sqid = cfg_.qid;
        e.sqe = r.sqe;
        e.cqe = r.cqe;
        e.completed = r.completed;
        e.timed_out = r.timed_out;
        e.submitted = to_wall(r.submitted_ns);
        if (r.completed) {
            e.completed_at = to_wall(r.completed_ns);
            e.latency_us = static_cast<std::uint64_t>((r.completed_ns - r.submitted_ns) / 1000);
        }
        out.push_back(e);
    }
    return out;
}

nvme::Sqe Queue::get_cmd(const nvme::Cqe& cqe) const
{
    const std::uint16_t cid = cqe.cid();
    if (cid >= slots_.size())
        throw UsageError("cid " + std::to_string(cid) + " of this CQE is beyond queue " +
                         std::to_string(cfg_.qid) + " (depth " + std::to_string(cfg_.depth) + ")");
    if (!log_holds(log_ref(cid)))
        throw UsageError("the command of cid " + std::to_string(cid) +
                         " is no longer in the command log of queue " + std::to_string(cfg_.qid));
    return log_[slots_[cid].log_index].sqe;
}

nvme::Sqe Queue::get_cmd(const CmdLogRef& ref) const
{
    if (!log_holds(ref))
        throw UsageError("that command is no longer in the command log of queue " +
                         std::to_string(cfg_.qid));
    return log_[ref.index].sqe;
}

bool Queue::log_holds(const CmdLogRef& ref) const noexcept
{
    return ref.seq != 0 && ref.index < log_.size() && log_[ref.index].seq == ref.seq;
}

}  // namespace nvmetest::core
