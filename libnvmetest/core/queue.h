// SPDX-License-Identifier: BSD-3-Clause
//
// Internal: one NVMe queue pair (admin or I/O) in DMA memory, the engine under
// Controller and Qpair.  Submission copies the SQE into the ring and stores the
// tail doorbell; completion polls the phase bit of the CQ ring.  Everything a
// command needs (its slot, PRP list, command log entry) is preallocated: the
// command path allocates nothing, takes no lock and makes no system call.
//
// Shadow doorbells (Doorbell Buffer Config): once the controller took a shadow
// buffer, a doorbell update is a store to the queue's slot in host memory, and
// the BAR0 doorbell is written only when the EventIdx the controller left in
// the EventIdx buffer says it is waiting for this update (see use_shadow()).
//
// Memory a command may write stays allocated while the device may still
// write it: the slot of a command holds a share of the memory its DataRef
// names (data and metadata buffers; the PRP lists are the queue's own) from
// submission until its completion is reaped, and after a timeout until the
// late completion arrives or reinit() (the controller was reset) forgets the
// command.  A queue the device did not confirm deleting lives on with the
// ControllerCore (orphans) and so keeps its slots' memory until the
// controller is disabled.
//
// Timeouts: a command times out when the library polls its queue (waitdone(),
// poll()) after its deadline and has not yet taken its completion from the CQ:
// deadlines are checked before each completion is taken and while polling
// finds none, so each command is judged by its own deadline whatever its
// neighbours do, at the cost of one comparison per completion (the clock is
// read per completion for the latency anyway).
//
// Not thread-safe: one thread drives a queue, as in PyNVMe3.
#ifndef NVMETEST_LIB_CORE_QUEUE_H
#define NVMETEST_LIB_CORE_QUEUE_H

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/cmb.h"
#include "nvmetest/cmdlog.h"
#include "nvmetest/dma.h"
#include "nvmetest/nvme/command.h"

namespace nvmetest::core {

class Transport;

// The four 32-bit slots of one queue in the shadow doorbell and EventIdx
// buffers, at 2*qid*(4 << DSTRD) (SQ) and (2*qid + 1)*(4 << DSTRD) (CQ).
struct ShadowSlots {
    volatile std::uint32_t* sq_tail = nullptr;
    volatile std::uint32_t* cq_head = nullptr;
    volatile std::uint32_t* sq_event = nullptr;  // written by the host only in use_shadow()
    volatile std::uint32_t* cq_event = nullptr;
    // false when the EventIdx buffer overlaps the shadow buffer (the
    // controller's EventIdx writes land on the doorbell values): every update
    // then goes to BAR0 as well.
    bool trust_event = true;
};

// Whether moving a doorbell from old to next (next != old) passes the
// controller's event index, i.e. event lies in [old, next) in a ring of depth
// entries: then the controller asked to be told through BAR0.  An event index
// outside the ring is not trusted (true).
constexpr bool passes_event(std::uint32_t event, std::uint32_t next, std::uint32_t old,
                            std::uint32_t depth) noexcept
{
    if (event >= depth)
        return true;
    const std::uint32_t to_event = event >= old ? event - old : event + depth - old;
    const std::uint32_t to_next = next >= old ? next - old : next + depth - old;
    return to_event < to_next;
}

// Where a command sits in its queue's command log (Queue::log_ref): finds it
// again after its cid was reused.
struct CmdLogRef {
    std::uint32_t index = 0;
    std::uint64_t seq = 0;
};

// How often a queue updated its doorbells, and how many of the updates were
// BAR0 writes (the rest went to the shadow buffer only).
struct DoorbellCounts {
    std::uint64_t sq_updates = 0;
    std::uint64_t sq_mmio = 0;
    std::uint64_t cq_updates = 0;
    std::uint64_t cq_mmio = 0;
};

using Callback = std::function<void(const nvme::Cqe&)>;

// The memory a command transfers: a Buffer's (phys_addr, size) or internal
// DMA memory.  Physically contiguous.
struct DataRef {
    std::uint64_t iova = 0;     // bus address of the first byte given to the device
    std::size_t size = 0;       // bytes available from there
    std::size_t offset = 0;     // for messages: the Buffer's offset
    std::string_view name;      // for messages: the Buffer's name
    // What keeps the memory allocated (a Buffer's share), and that of a
    // separate metadata buffer (MPTR): the command's slot holds a share of each
    // until the device can no longer write there (see Queue).  Null for memory
    // whose owner outlives the queue's commands by itself (the library's own,
    // an IOWorker's: see Queue::keep_until_quiet()).
    const std::shared_ptr<void>* owner = nullptr;
    const std::shared_ptr<void>* meta_owner = nullptr;
};

// Work the library itself does when a command ends (data verification: store
// or check values, release LBA locks), carried in the command's preallocated
// slot so that it costs no allocation.  fn runs before the user callback with
// the SQE (from the command log; null if the log no longer holds it) and the
// CQE: the real one, the all-ones one of a timeout, or null when reinit()
// forgets the command (controller reset).  fn must not throw when cqe is null.
struct CompletionHook {
    void (*fn)(const CompletionHook& hook, const nvme::Sqe* sqe, const nvme::Cqe* cqe) = nullptr;
    void* ctx = nullptr;
    std::uint8_t* data = nullptr;
    std::uint64_t lba = 0;
    std::uint64_t count = 0;
    std::uint32_t flags = 0;
    std::shared_ptr<void> owner{};  // keeps ctx alive until fn ran
};

// Calls a user callback so that waitdone() inside it is refused.
void invoke_callback(const Callback& cb, const nvme::Cqe& cqe);

// Monotonic nanoseconds (steady clock).
std::int64_t now_ns() noexcept;

struct QueueConfig {
    std::uint16_t qid = 0;
    std::uint32_t depth = 64;        // entries of each ring (2 .. MQES + 1)
    std::uint32_t dstrd = 0;         // CAP.DSTRD
    std::uint32_t page_size = 4096;  // CC.MPS
    std::uint32_t max_prp_entries = 512;  // per command, beyond PRP1 (sized from MDTS)
    bool lazy_doorbell = false;
    bool admin = false;
    // Rings in this Controller Memory Buffer instead of host memory.
    std::shared_ptr<Cmb> sq_cmb{};
    std::shared_ptr<Cmb> cq_cmb{};
};

class Queue {
public:
    Queue(Transport& transport, const QueueConfig& config);
    Queue(const Queue&) = delete;
    Queue& operator=(const Queue&) = delete;

    const QueueConfig& config() const noexcept { return cfg_; }
    void set_lazy_doorbell(bool lazy) noexcept { cfg_.lazy_doorbell = lazy; }
    std::uint16_t qid() const noexcept { return cfg_.qid; }
    std::uint32_t depth() const noexcept { return cfg_.depth; }
    std::uint64_t sq_iova() const noexcept { return sq_bus_; }
    std::uint64_t cq_iova() const noexcept { return cq_bus_; }
    bool sq_in_cmb() const noexcept { return sq_cmb_mem_ != nullptr; }
    bool cq_in_cmb() const noexcept { return cq_cmb_mem_ != nullptr; }

    // Empties both rings (after a controller reset): pending commands are
    // forgotten; returns how many there were.
    std::size_t reinit();

    // Builds the PRPs for xfer bytes of buf (none when buf is null or xfer 0),
    // or, when sqe's PSDT asks for an SGL, one SGL Data Block descriptor in SGL1,
    // takes a free command identifier, copies sqe into the ring and rings the
    // doorbell unless lazy.  Throws UsageError (buffer too small, queue full)
    // before anything reaches the device.  Returns the command identifier.
    std::uint16_t submit(nvme::Sqe sqe, const DataRef* buf, std::size_t xfer, Callback cb,
                         std::uint32_t timeout_ms, bool aer = false,
                         const CompletionHook* hook = nullptr);

    // Reaps n completions (AERs do not count) and returns dword 0 of the last.
    // Commands past their deadline complete with an all-ones CQE and a warning.
    // Throws UsageError when called from a callback, or when fewer than n
    // commands are outstanding.
    std::uint32_t waitdone(unsigned n);

    // Reaps the completions already posted (callbacks and hooks run) without
    // a waitdone() asking: they are counted by the next waitdone().  For a
    // submitter waiting on LBA locks its own earlier commands may hold.
    void poll_completions();
    // Reaps up to max completions that are there now, without waiting, after
    // ringing the SQ doorbell; when none is there, commands past their
    // deadline complete with an all-ones CQE.  Returns how many completed
    // (AERs do not count) and, when any did, stores dword 0 of the last in
    // *last_dw0.  For a thread that polls its own queue between batches of
    // submissions (IOWorker), and poll_completions().
    unsigned poll(unsigned max, std::uint32_t* last_dw0 = nullptr);

    // AER completions go here instead of counting (admin queue).
    void set_aer_handler(std::function<void(const nvme::Cqe&, Callback&)> h) { on_aer_ = std::move(h); }

    // Keeps mem allocated until no command submitted to this queue is left
    // (outstanding or timed out and not yet completed late), or reinit(), or
    // the queue goes: for the owner of memory that commands name without a
    // share (an IOWorker's buffers) when it goes first.
    void keep_until_quiet(std::shared_ptr<void> mem);
    // Commands that timed out whose late completion has not arrived.
    std::size_t timed_out() const noexcept { return timed_out_; }

    std::uint16_t latest_cid() const noexcept { return latest_cid_; }
    std::uint64_t latest_latency() const noexcept { return latest_latency_us_; }
    // Commands submitted and not reaped (AERs excluded).
    std::size_t outstanding() const noexcept { return outstanding_; }

    // Newest last; count 0: the whole log.
    // offset: skip that many of the newest entries first.
    std::vector<CmdLogEntry> cmdlog(std::size_t count, std::size_t offset = 0) const;
    // The SQE that produced cqe, from the command log.
    nvme::Sqe get_cmd(const nvme::Cqe& cqe) const;
    // The log position of the command cid now names (or last named, until a
    // new command takes cid: e.g. in its completion callback); get_cmd(ref)
    // returns that command while the log still holds it, and throws
    // UsageError once it does not.
    CmdLogRef log_ref(std::uint16_t cid) const noexcept
    {
        return {slots_[cid].log_index, slots_[cid].log_seq};
    }
    nvme::Sqe get_cmd(const CmdLogRef& ref) const;
    void ring_sq_doorbell() noexcept;

    // Shadow doorbells from now on: stores the doorbell values the controller
    // last saw (the last ones published) into both the shadow and the EventIdx
    // slots, so that the next update of each doorbell also writes BAR0, then
    // publishes every later update through the slots.  For a queue that exists
    // on the device, call it once the controller took the buffers; for a new
    // one, before creating it on the device.
    void use_shadow(const ShadowSlots& slots) noexcept;
    // BAR0 doorbells only (the controller dropped the buffers: disabled).
    void drop_shadow() noexcept { shadow_ = {}; }
    bool shadowed() const noexcept { return shadow_.sq_tail != nullptr; }
    // The doorbell values last published (BAR0 or shadow).
    std::uint32_t sq_tail_published() const noexcept { return sq_tail_rung_; }
    std::uint32_t cq_head_published() const noexcept { return cq_head_rung_; }
    const DoorbellCounts& doorbell_counts() const noexcept { return counts_; }

private:
    // Whether the log record ref names is still that command's (not
    // overwritten by a newer one).
    bool log_holds(const CmdLogRef& ref) const noexcept;
    enum class SlotState : std::uint8_t { Free, Busy, TimedOut };
    struct Slot {
        Callback cb;
        std::int64_t submitted_ns = 0;
        std::int64_t deadline_ns = 0;  // 0: none (AER)
        std::uint32_t log_index = 0;
        std::uint64_t log_seq = 0;
        CompletionHook hook{};
        // Shares of the memory the command names (DataRef::owner, meta_owner).
        std::shared_ptr<void> data_mem, meta_mem;
        SlotState state = SlotState::Free;
        bool aer = false;
    };
    struct LogRecord {
        std::uint64_t seq = 0;
        nvme::Sqe sqe{};
        nvme::Cqe cqe{};
        std::int64_t submitted_ns = 0;
        std::int64_t completed_ns = 0;
        bool completed = false;
        bool timed_out = false;
    };

    void build_prps(nvme::Sqe& sqe, const DataRef& buf, std::size_t xfer, std::uint16_t cid);
    unsigned reap(unsigned max, std::uint32_t& last_dw0);
    unsigned expire(std::int64_t now, std::uint32_t& last_dw0);
    void deliver(const nvme::Cqe& cqe, Callback& cb);
    void run_hook(Slot& s, const nvme::Cqe* cqe);
    void release(std::uint16_t cid) noexcept;
    void ring_cq_doorbell() noexcept;

    QueueConfig cfg_;
    DmaMemory sq_, cq_;  // host rings, or empty when in the CMB
    std::shared_ptr<CmbAllocation> sq_cmb_mem_, cq_cmb_mem_;
    std::uint8_t* sq_ptr_ = nullptr;
    std::uint8_t* cq_ptr_ = nullptr;
    std::uint64_t sq_bus_ = 0, cq_bus_ = 0;
    std::vector<DmaMemory> prp_chunks_;
    std::size_t prp_slot_bytes_ = 0;
    std::size_t prp_slots_per_chunk_ = 0;
    volatile std::uint32_t* sq_db_ = nullptr;
    volatile std::uint32_t* cq_db_ = nullptr;
    ShadowSlots shadow_{};
    DoorbellCounts counts_{};

    std::vector<Slot> slots_;
    std::vector<std::uint16_t> free_cids_;
    std::vector<LogRecord> log_;
    std::uint64_t log_seq_ = 0;

    std::uint32_t sq_tail_ = 0;
    std::uint32_t sq_tail_rung_ = 0;  // last published (BAR0 or shadow)
    std::uint32_t sq_head_ = 0;
    std::uint32_t cq_head_ = 0;
    std::uint32_t cq_head_rung_ = 0;  // last published (BAR0 or shadow)
    std::uint32_t phase_ = 1;
    std::size_t outstanding_ = 0;
    std::size_t timed_out_ = 0;  // slots TimedOut
    std::vector<std::shared_ptr<void>> graveyard_;  // keep_until_quiet()
    unsigned banked_ = 0;  // reaped by poll_completions(), not yet by waitdone()
    std::uint32_t banked_dw0_ = 0;
    std::int64_t next_deadline_ns_ = 0;  // earliest deadline of a busy slot, or later
    std::uint16_t latest_cid_ = 0;
    std::uint64_t latest_latency_us_ = 0;
    std::function<void(const nvme::Cqe&, Callback&)> on_aer_;
};

}  // namespace nvmetest::core

#endif  // NVMETEST_LIB_CORE_QUEUE_H
