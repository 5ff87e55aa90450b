// SPDX-License-Identifier: BSD-3-Clause
//
// Internal: the state of one IOWorker, shared by its setup and teardown on the
// test thread (ioworker.cpp) and its I/O loop on its own thread
// (worker_loop.cpp).  The test thread touches the worker state only before
// the thread starts and after it was joined.
#ifndef NVMETEST_LIB_IOWORKER_WORKER_H
#define NVMETEST_LIB_IOWORKER_WORKER_H

#include <array>
#include <atomic>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/controller_core.h"
#include "core/queue.h"
#include "ioworker/idle_policy.h"
#include "ioworker/idle_wait.h"
#include "ioworker/io_plan.h"
#include "ioworker/latency_histogram.h"
#include "ioworker/make_ioworker.h"
#include "ioworker/zone_writer.h"
#include "ioworker/progress_cell.h"
#include "ioworker/rate_limiter.h"
#include "nvmetest/ioworker.h"
#include "nvmetest/qpair.h"
#include "nvmetest/random.h"
#include "nvmetest/verify.h"

namespace nvmetest {
namespace ioworker {
inline constexpr std::int64_t kNsPerSec = 1'000'000'000;
inline constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();
inline constexpr std::size_t kDsmRangeBytes = 16;  // one DSM range per slot
// Readers of IOWorker::progress() sample at human rates: publishing more
// often than this would only move the cache line between cores.
inline constexpr std::int64_t kProgressIntervalNs = 1'000'000;
}  // namespace ioworker

struct IOWorker::Impl {
    // One command in flight.
    struct Slot {
        std::int64_t submitted_ns = 0;
        std::uint64_t sent_index = 0;  // its place in submission order
        std::uint64_t slba = 0;
        std::uint32_t nlb = 0;
        std::uint16_t cid = 0;
        std::uint8_t opcode = 0;
        std::uint8_t psdt = 0;
        // Data verification (worker_verify.cpp): the command holds the LBA
        // locks of [slba, slba + nlb); the slot's buffer no longer holds the
        // pattern (a read landed there).
        bool locked = false;
        bool needs_pattern = true;
        // A read whose check waits in deferred_checks: its completion, and
        // its command in the queue's log (its cid is soon someone else's).
        bool deferred = false;
        nvme::Cqe cqe{};
        core::CmdLogRef log{};
    };

    Impl(const ioworker::NamespaceView& view, IOWorkerArgs a)
        : ns(view),
          args(std::move(a)),
          plan(args, {.capacity = view.capacity, .sector_size = view.sector_size}),
          rng(rand64())
    {
    }

    // ------------------------------------------------------------ setup
    // Returns 0 or the result's error code; warns what went wrong.
    int setup();
    void stop_and_join() noexcept
    {
        stop_requested.store(true, std::memory_order_relaxed);
        if (idle)
            idle->wake();  // a loop blocked on its interrupt looks at once
        if (thread.joinable())
            thread.join();
    }
    void release_qpair() noexcept;

    // ----------------------------------------------------- worker thread
    void run() noexcept;
    void loop();
    // Nothing completed and nothing was due to submit: polls on, or blocks
    // on the CQ's interrupt (idle_policy.h).  Returns whether it reaped.
    bool idle_back_off(std::int64_t now, std::int64_t idle_since);
    void issue(std::int64_t now);
    bool submit_one(const ioworker::PlannedIo& io, std::int64_t now);
    void complete(std::uint32_t slot, const nvme::Cqe& cqe) noexcept;
    void record_error(int code, const Slot& s, const nvme::Cqe& cqe) noexcept;
    bool controller_gone() const noexcept;
    // Whether the next data transfer is described by an SGL (sgl_percentage).
    bool use_sgl() noexcept
    {
        const unsigned p = args.sgl_percentage;
        return p == 100 || (p != 0 && rng() % 100 < p);
    }
    void count_second(std::int64_t now) noexcept;
    // Appends the counts of the seconds that ended before t.
    void close_seconds_before(std::int64_t t) noexcept;
    void finish(std::int64_t end_ns) noexcept;
    // For IOWorker::progress() (worker_progress.cpp): the counts so far,
    // published after a batch of completions at most once per
    // kProgressIntervalNs; at the end, the result's.
    void publish_progress(std::int64_t now) noexcept;
    void publish_final_progress() noexcept;
    // The worker gave up on the commands still in flight: the drain outlived
    // the time limit by kIOWorkerTimeoutGraceSec (kIOWorkerTimeout).
    void overran(std::int64_t now) noexcept;

    // Where the data of a command goes or comes from.  Reads land in the
    // slot's own buffer; writes send the worker's pattern region, or, when
    // data verification injects, the slot's own buffer (its copy of the
    // pattern with each LBA's header and token, held until completion).
    core::DataRef data_for(std::uint32_t slot, unsigned direction) const noexcept
    {
        if (direction == 2 || own_write_buffers) {
            const DmaMemory& chunk = read_chunks[slot / slots_per_chunk];
            const std::size_t off = (slot % slots_per_chunk) * slot_bytes;
            return {.iova = chunk.iova(off), .size = slot_bytes, .offset = 0, .name = "ioworker slot"};
        }
        return {.iova = pattern.iova(), .size = slot_bytes, .offset = 0, .name = "ioworker pattern"};
    }
    std::uint8_t* slot_host(std::uint32_t slot) noexcept
    {
        return read_chunks[slot / slots_per_chunk].data() + (slot % slots_per_chunk) * slot_bytes;
    }
    // The host bytes a command sending data sent (data_for direction 1).
    const std::uint8_t* sent_host(std::uint32_t slot) noexcept
    {
        return own_write_buffers ? slot_host(slot) : pattern.data();
    }

    // ------------------------------------ data verification (worker_verify.cpp)
    // On the test thread in setup(): whether this worker verifies (the
    // namespace's verification on at start()), and its buffers' needs.
    void verify_setup();
    // Takes the LBA locks of io for the slot that will send it; false when
    // another in-flight I/O holds some (nothing taken: the caller retries
    // later and keeps reaping meanwhile).
    bool verify_lock(const ioworker::PlannedIo& io, Slot& s) noexcept;
    // Before submission of a command sending data: the pattern in the slot's
    // buffer, with headers and tokens for a write.
    void verify_prepare_write(std::uint32_t slot) noexcept;
    // At completion (cqe null: the command was not sent after all): keeps
    // the map true, checks a read, checks a Compare's or Verify's status
    // against the map, releases the locks.  True when the failure is the
    // right answer by the map (Compare Failure on data the map knows differs
    // or does not know, a media error on an LBA it knows uncorrectable): not
    // an error then.
    bool verify_complete(std::uint32_t slot, const nvme::Cqe* cqe, bool timed_out) noexcept;
    // The Compare or Verify status check of verify_complete.
    bool verify_status(std::uint32_t slot, const nvme::Cqe& cqe) noexcept;
    // When the loop ends with commands in flight (controller lost): their
    // LBAs become unknown and their locks are released.
    void verify_release_in_flight() noexcept;
    // On the test thread in close(): a warning per recorded mismatch.
    void verify_report() const;

    // ----------------------------- zoned namespaces (worker_zones.cpp)
    // On the test thread in setup(): whether the namespace is zoned (CSI
    // 02h), its zone size and resources (admin Identify), then, once the
    // worker's queue exists, its regions' zones (Report Zones on that queue).
    int zones_identify();
    int zones_report();
    // In the loop: a write of the mix goes to a zone's write pointer; false
    // when it cannot be sent now (kept as zone_pending) or ever (issuing ends).
    bool place_in_zone(ioworker::PlannedIo& io) noexcept;
    // At completion (or when a placed write was not sent: ok false).
    void zone_write_done(const Slot& s, bool ok) noexcept
    {
        if (zone_writer && ioworker::IoPlan::is_zone_write(s.opcode))
            zone_writer->write_done(s.slba, ok);
    }
    // On the test thread in close(): why a limited run ended early.
    void zones_report_end() const;

    // Fixed at creation.
    ioworker::NamespaceView ns;
    IOWorkerArgs args;
    ioworker::IoPlan plan;
    Xoshiro256ss rng;
    std::uint32_t lba_bytes = 512;
    std::array<std::uint32_t, 256> timeouts_ms{};

    // Made by start() on the test thread, used by the worker thread.
    std::optional<Qpair> qpair;
    core::QpairCore* qcore = nullptr;
    core::Queue* queue = nullptr;
    std::optional<ioworker::IdleWait> idle;  // made with the qpair
    std::int64_t idle_spin_us = ioworker::kDefaultSpinUs;  // args' resolved at setup
    DmaMemory pattern;
    std::vector<DmaMemory> read_chunks;  // slot buffers, slots_per_chunk per allocation
    DmaMemory dsm_ranges;
    std::size_t slot_bytes = 0;
    std::size_t slots_per_chunk = 1;
    unsigned slot_count = 0;  // qdepth, plus the slots of deferred checks
    std::vector<Slot> slots;
    std::vector<std::uint32_t> free_slots;
    // Verified reads that completed but are not checked yet: the loop sends
    // the next batch first, so the device works while the worker checks
    // (check_deferred()).  Their slots (and LBA locks) stay taken until then,
    // so a verifying worker has up to kMaxDeferredChecks slots more than its
    // qdepth.  Never more entries than slots: no allocation in the loop.
    static constexpr unsigned kMaxDeferredChecks = 128;
    std::vector<std::uint32_t> deferred_checks;
    void check_deferred() noexcept;
    // Whether a successful completion of s waits in deferred_checks: a
    // checked read.
    bool verify_defers(const Slot& s) const noexcept;
    ioworker::LatencyHistogram histogram;
    std::vector<std::uint64_t> io_per_second;
    std::vector<IOWorkerCmdlogRecord> cmdlog;  // a ring of output_cmdlog_list->size()
    std::uint64_t cmdlog_written = 0;

    // Data verification: the namespace's engine while this worker uses it.
    std::shared_ptr<verify::NamespaceVerify> verify_state;  // keeps verifier alive
    verify::Verifier* verifier = nullptr;  // null: no locks, no map, no checks
    bool verify_check = false;     // checks reads and stores writes' values (not verify_disable)
    bool verify_inject = false;    // writes carry header and token
    bool own_write_buffers = false;
    // An I/O generated but not sent: its LBAs were locked by another I/O.
    ioworker::PlannedIo lock_pending{};
    bool has_lock_pending = false;
    std::int64_t lock_pending_since_ns = 0;
    std::int64_t lock_wait_ns = 0;  // how long it may wait: twice the longest timeout
    std::uint64_t retired_slots = 0;  // timed out: their buffers may still be DMA'd into
    // How many commands may be in flight: qdepth less the retired slots.  A
    // timed-out command keeps its queue entry until its late completion, if
    // ever, so the spare slots of deferred checks must not outnumber the
    // queue's free entries (with as many slots as qdepth, the retired slots
    // alone made sure of it).
    std::size_t issue_limit() const noexcept
    {
        return retired_slots < args.qdepth ? args.qdepth - retired_slots : 0;
    }
    // The first kMaxMismatches distinct (LBA, kind) mismatches, for the
    // warnings at close(): a worker reads a bad LBA again and again, and the
    // report should name every bad LBA, not the first one sixteen times.
    static constexpr std::size_t kMaxMismatches = 16;
    std::array<verify::Mismatch, kMaxMismatches> mismatches{};
    std::size_t mismatches_kept = 0;
    std::uint64_t mismatch_count = 0;  // every mismatching LBA read, repeats included
    // What one read's check found, filled by Verifier::check_read: a member,
    // not a local, so that no read pays for constructing 16 records.
    std::array<verify::Mismatch, kMaxMismatches> found_in_read{};
    void keep_mismatch(const verify::Mismatch& m) noexcept;

    // Zoned namespace: LBAs per zone (0: not zoned), resources, and the
    // writer that keeps the write pointers (null: no zoned writes).
    std::uint64_t zone_size = 0;
    bool zone_reads_cross = false;  // OZCS.RAZB: reads may cross zone boundaries
    ioworker::ZoneResources zone_resources{};
    std::optional<ioworker::ZoneWriter> zone_writer;
    ioworker::PlannedIo zone_pending{};  // a write waiting for a zone without one in flight
    bool has_zone_pending = false;
    bool zones_exhausted = false;        // no zone takes writes any more: issuing ended

    ioworker::ProgressCell progress;  // written by the worker thread, read by any
    std::int64_t progress_published_ns = 0;

    std::thread thread;
    std::atomic<bool> stop_requested{false};
    std::atomic<bool> running{false};
    bool started = false;
    bool closed = false;

    // Worker state (read by the test thread after join).
    IOWorkerResult result;
    std::string failure;       // an exception that ended the worker thread
    bool controller_lost = false;
    std::uint64_t slow_count = 0;
    std::uint64_t slowest_ns = 0;
    std::int64_t start_ns = 0;
    std::int64_t deadline_ns = ioworker::kNever;
    std::int64_t overrun_ns = ioworker::kNever;  // deadline_ns + the -4 grace
    std::int64_t next_issue_ns = 0;  // io_sequence: the next command's time
    ioworker::RateLimiter limiter{0, 0};  // iops (rate_limiter.h), made by loop()
    std::int64_t second_end_ns = 0;
    std::uint64_t second_count = 0;
    std::uint64_t issued = 0;
    std::uint64_t lbas_issued = 0;
    std::size_t sequence_next = 0;
    std::size_t outstanding = 0;
    std::uint64_t latency_sum_ns = 0;
    std::uint64_t latency_max_ns = 0;
    std::uint64_t completed = 0;
    bool issuing_done = false;
    bool ended_by_time = false;
};

}  // namespace nvmetest

#endif  // NVMETEST_LIB_IOWORKER_WORKER_H
