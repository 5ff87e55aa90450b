// SPDX-License-Identifier: BSD-3-Clause
//
// The IOWorker: setup and teardown on the test thread (Qpair creation and
// deletion go through the admin queue, which that thread drives), the I/O
// loop on the worker's own thread (its Qpair is driven by that thread only).
#include "nvmetest/ioworker.h"

#include <pthread.h>
#include <sched.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <thread>

#include "core/controller_core.h"
#include "core/queue.h"
#include "ioworker/io_plan.h"
#include "ioworker/latency_histogram.h"
#include "ioworker/make_ioworker.h"
#include "nvmetest/errors.h"
#include "nvmetest/nvme/registers.h"
#include "nvmetest/pattern.h"
#include "nvmetest/qpair.h"
#include "nvmetest/random.h"
#include "nvmetest/warnings.h"

namespace nvmetest {
namespace {

constexpr std::uint8_t kOpWrite = 0x01, kOpRead = 0x02, kOpDsm = 0x09;
constexpr std::int64_t kNsPerSec = 1'000'000'000;
constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();
// Idle time after which the worker reads CSTS to see whether its controller
// is still there (and at most this often).
constexpr std::int64_t kControllerCheckNs = 1'000'000;
// Waiting for the rate limit or an io_sequence time longer than this sleeps
// instead of polling (the time a sleep may overshoot is well below it).
constexpr std::int64_t kSleepAboveNs = 200'000;
constexpr std::size_t kDsmRangeBytes = 16;
constexpr std::size_t kLatencyDistributionMaxUs = 1'000'000;

std::int64_t thread_cpu_ns() noexcept
{
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return std::int64_t{ts.tv_sec} * kNsPerSec + ts.tv_nsec;
}

std::size_t round_up(std::size_t v, std::size_t to) { return (v + to - 1) / to * to; }

}  // namespace

struct IOWorker::Impl {
    // One command in flight.
    struct Slot {
        std::int64_t submitted_ns = 0;
        std::uint64_t slba = 0;
        std::uint32_t nlb = 0;
        std::uint16_t cid = 0;
        std::uint8_t opcode = 0;
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
        if (thread.joinable())
            thread.join();
    }
    void release_qpair() noexcept;

    // ----------------------------------------------------- worker thread
    void run() noexcept;
    void loop();
    void issue(std::int64_t now);
    bool submit_one(const ioworker::PlannedIo& io, std::int64_t now);
    void complete(std::uint32_t slot, const nvme::Cqe& cqe) noexcept;
    void record_error(int code, const Slot& s, const nvme::Cqe& cqe) noexcept;
    bool controller_gone() const noexcept;
    void count_second(std::int64_t now) noexcept;
    // Appends the counts of the seconds that ended before t.
    void close_seconds_before(std::int64_t t) noexcept;
    void finish(std::int64_t end_ns) noexcept;

    // Where the data of a command goes or comes from.  Reads land in the
    // slot's own buffer; writes send the worker's pattern region.  The data
    // verification engine plugs in here: it will fill the slot's buffer with
    // per-LBA check values for a write (and return it instead of the
    // pattern), and check a read's slot buffer in complete(), unless
    // verify_disable.
    core::DataRef data_for(std::uint32_t slot, unsigned direction) const noexcept
    {
        if (direction == 2) {
            const DmaMemory& chunk = read_chunks[slot / slots_per_chunk];
            const std::size_t off = (slot % slots_per_chunk) * slot_bytes;
            return {.iova = chunk.iova(off), .size = slot_bytes, .offset = 0, .name = "ioworker read slot"};
        }
        return {.iova = pattern.iova(), .size = slot_bytes, .offset = 0, .name = "ioworker pattern"};
    }

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
    DmaMemory pattern;
    std::vector<DmaMemory> read_chunks;
    DmaMemory dsm_ranges;
    std::size_t slot_bytes = 0;
    std::size_t slots_per_chunk = 1;
    std::vector<Slot> slots;
    std::vector<std::uint32_t> free_slots;
    ioworker::LatencyHistogram histogram;
    std::vector<std::uint64_t> io_per_second;
    std::vector<IOWorkerCmdlogRecord> cmdlog;  // a ring of output_cmdlog_list->size()
    std::uint64_t cmdlog_written = 0;

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
    std::int64_t deadline_ns = kNever;
    std::int64_t next_issue_ns = 0;
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

// ------------------------------------------------------------------ setup

int IOWorker::Impl::setup()
{
    if (ns.meta_size && !ns.extended_lba) {
        warn("ioworker: the namespace's LBA format has " + std::to_string(ns.meta_size) +
             " bytes of metadata in a separate buffer, which ioworker does not provide");
        return kIOWorkerIllegalSectorSize;
    }
    lba_bytes = ns.sector_size + (ns.extended_lba ? ns.meta_size : 0);
    const std::uint64_t max_bytes = std::uint64_t{plan.max_io_size()} * lba_bytes;
    const std::uint64_t mdts = ns.ctrl->mdts();
    if (max_bytes > mdts) {
        warn("ioworker: io_size of " + std::to_string(plan.max_io_size()) + " LBAs (" +
             std::to_string(max_bytes) + " bytes) is larger than MDTS (" + std::to_string(mdts) +
             " bytes)");
        return kIOWorkerIoSizeOverMdts;
    }
    for (unsigned op = 0; op < 256; op++)
        timeouts_ms[op] = ns.ctrl->io_timeout(static_cast<std::uint8_t>(op));

    const unsigned depth = args.qdepth;
    try {
        core::Transport& t = *ns.ctrl->t;
        slot_bytes = round_up(static_cast<std::size_t>(max_bytes), ns.ctrl->page_size);
        if (slot_bytes > t.dma_max_alloc())
            throw Error("one command's " + std::to_string(slot_bytes) +
                        " bytes exceed the largest DMA allocation (" +
                        std::to_string(t.dma_max_alloc()) + " bytes)");
        pattern = t.alloc_dma(slot_bytes);
        fill_pattern(pattern.span(), args.ptype, args.pvalue);
        if (plan.reads_data()) {
            slots_per_chunk = std::max<std::size_t>(1, t.dma_max_alloc() / slot_bytes);
            for (std::size_t done = 0; done < depth; done += slots_per_chunk)
                read_chunks.push_back(
                    t.alloc_dma(std::min<std::size_t>(slots_per_chunk, depth - done) * slot_bytes));
        }
        if (plan.uses_dsm())
            dsm_ranges = t.alloc_dma(std::size_t{depth} * kDsmRangeBytes);
    } catch (const UsageError&) {
        throw;
    } catch (const std::exception& e) {
        warn(std::string("ioworker: allocating its DMA memory failed: ") + e.what());
        return kIOWorkerBufferAllocFail;
    }

    try {
        qpair.emplace(ns.ctrl, depth + 1,
                      QpairOptions{.ien = false, .prio = args.qprio, .lazy_doorbell = true});
    } catch (const std::exception& e) {
        warn(std::string("ioworker: creating its qpair failed: ") + e.what());
        return kIOWorkerCreateQpairFail;
    }
    qcore = &qpair->core();
    queue = qcore->q.get();
    qcore->driven_by_thread = true;
    ns.ctrl->t->add_driver(this, [this] { stop_and_join(); });

    slots.resize(depth);
    free_slots.reserve(depth);
    for (std::uint32_t i = depth; i > 0; i--)
        free_slots.push_back(i - 1);
    if (args.output_io_per_second)
        io_per_second.reserve(static_cast<std::size_t>(args.time) + 2 > 64
                                  ? static_cast<std::size_t>(args.time) + 2
                                  : 64);
    if (args.output_cmdlog_list)
        cmdlog.resize(args.output_cmdlog_list->size());
    return 0;
}

// The queue goes from the device, unless the controller lost it (reset,
// disabled, gone): then there is nothing to delete and asking would time out.
void IOWorker::Impl::release_qpair() noexcept
{
    if (!qpair)
        return;
    ns.ctrl->t->remove_driver(this);
    if (controller_lost && !qcore->dead) {
        std::erase(qcore->ctrl->qpairs, qcore);
        qcore->dead = true;
    }
    qpair.reset();
    qcore = nullptr;
    queue = nullptr;
}

// ----------------------------------------------------------- worker thread

void IOWorker::Impl::run() noexcept
{
    try {
        if (args.cpu_id) {
            cpu_set_t set;
            CPU_ZERO(&set);
            CPU_SET(*args.cpu_id, &set);
            if (const int err = pthread_setaffinity_np(pthread_self(), sizeof(set), &set))
                throw Error("cpu_id " + std::to_string(*args.cpu_id) + ": " + std::strerror(err));
        }
        if (args.start_time) {
            const auto at = std::chrono::system_clock::time_point(
                std::chrono::duration_cast<std::chrono::system_clock::duration>(
                    std::chrono::duration<double>(*args.start_time)));
            while (std::chrono::system_clock::now() < at &&
                   !stop_requested.load(std::memory_order_relaxed))
                std::this_thread::sleep_for(std::min<std::chrono::system_clock::duration>(
                    at - std::chrono::system_clock::now(), std::chrono::milliseconds(10)));
        }
        loop();
    } catch (const std::exception& e) {
        failure = e.what();
        if (result.error == kIOWorkerSuccess)
            result.error = kIOWorkerInitFail;
    }
    running.store(false, std::memory_order_release);
}

void IOWorker::Impl::loop()
{
    const auto wall = std::chrono::system_clock::now().time_since_epoch();
    result.test_start_sec = std::chrono::duration_cast<std::chrono::seconds>(wall).count();
    result.test_start_nsec =
        std::chrono::duration_cast<std::chrono::nanoseconds>(wall).count() % kNsPerSec;
    const std::int64_t cpu0 = thread_cpu_ns();
    start_ns = core::now_ns();
    if (args.time > 0)
        deadline_ns = start_ns + static_cast<std::int64_t>(args.time * 1e9);
    second_end_ns = start_ns + kNsPerSec;
    next_issue_ns = start_ns;

    std::int64_t now = start_ns;
    std::int64_t last_progress = now, last_check = now;
    for (;;) {
        if (stop_requested.load(std::memory_order_relaxed)) {
            // Controller::reset() is waiting to disable the controller: what
            // is in flight is lost with the queue.
            controller_lost = true;
            if (result.error == kIOWorkerSuccess || result.error == kIOWorkerSlowIo)
                result.error = kIOWorkerTerminated;
            break;
        }
        if (!issuing_done)
            issue(now);
        if (issuing_done && outstanding == 0)
            break;
        const unsigned got = outstanding ? queue->poll(static_cast<unsigned>(outstanding)) : 0;
        now = core::now_ns();
        if (got) {
            last_progress = now;
            continue;
        }
        if (now - last_progress > kControllerCheckNs && now - last_check > kControllerCheckNs) {
            last_check = now;
            if (controller_gone()) {
                controller_lost = true;
                if (result.error == kIOWorkerSuccess || result.error == kIOWorkerSlowIo)
                    result.error = kIOWorkerTerminated;
                break;
            }
        }
        // Nothing to reap and the next command not due yet: sleep off most of the wait.
        if (!issuing_done && outstanding == 0) {
            const std::int64_t wait = next_issue_ns - now;
            if (wait > kSleepAboveNs)
                std::this_thread::sleep_for(std::chrono::nanoseconds(wait - kSleepAboveNs / 2));
            now = core::now_ns();
        }
    }
    const std::int64_t end = core::now_ns();
    const std::int64_t cpu = thread_cpu_ns() - cpu0;
    finish(end);
    result.cpu_usage = end > start_ns ? static_cast<double>(cpu) / static_cast<double>(end - start_ns) : 0;
}

bool IOWorker::Impl::controller_gone() const noexcept
{
    const std::uint32_t csts = ns.ctrl->t->reg_read32(nvme::reg::kCsts);
    return csts == 0xffffffffu || !(csts & 1u) || (csts & 2u);
}

void IOWorker::Impl::issue(std::int64_t now)
{
    const bool sequence = !args.io_sequence.empty();
    while (outstanding < args.qdepth) {
        if (now >= deadline_ns) {
            ended_by_time = true;
            issuing_done = true;
            break;
        }
        if ((args.io_count && issued >= args.io_count) ||
            (args.lba_count && lbas_issued >= args.lba_count) ||
            (sequence && sequence_next == args.io_sequence.size()) ||
            (plan.one_pass() && plan.pass_complete()) ||
            (args.exit_on_error && result.error != kIOWorkerSuccess &&
             result.error != kIOWorkerSlowIo)) {
            issuing_done = true;
            break;
        }
        if (now < next_issue_ns)
            break;  // the rate limit or the sequence's next time
        ioworker::PlannedIo io;
        if (sequence) {
            const IoSequenceEntry& e = args.io_sequence[sequence_next];
            io = {.slba = e.slba, .nlb = ioworker::IoPlan::has_lba_range(e.opcode) ? e.nlb : 0,
                  .opcode = e.opcode};
        } else {
            io = plan.next(rng);
        }
        if (args.lba_count && io.nlb > args.lba_count - lbas_issued)
            io.nlb = static_cast<std::uint32_t>(args.lba_count - lbas_issued);
        if (!submit_one(io, now)) {
            issuing_done = true;
            break;
        }
        issued++;
        lbas_issued += io.nlb;
        if (sequence) {
            if (++sequence_next < args.io_sequence.size())
                next_issue_ns =
                    start_ns +
                    static_cast<std::int64_t>(args.io_sequence[sequence_next].time_sent_us) * 1000;
        } else if (args.iops) {
            next_issue_ns = start_ns + static_cast<std::int64_t>(static_cast<double>(issued) *
                                                                 1e9 / args.iops);
        }
    }
    queue->ring_sq_doorbell();  // one doorbell write for the batch
}

bool IOWorker::Impl::submit_one(const ioworker::PlannedIo& io, std::int64_t now)
{
    const std::uint32_t idx = free_slots.back();
    Slot& s = slots[idx];
    s.submitted_ns = now;
    s.slba = io.slba;
    s.nlb = io.nlb;
    s.opcode = io.opcode;

    nvme::Sqe sqe{};
    sqe.set_opcode(io.opcode);
    sqe.set_nsid(ns.nsid);
    const unsigned direction = ioworker::IoPlan::data_direction(io.opcode);
    core::DataRef data;
    std::size_t xfer = 0;
    if (io.opcode == kOpDsm) {
        const std::size_t off = std::size_t{idx} * kDsmRangeBytes;
        dsm_ranges.store<std::uint32_t>(off, 0);  // context attributes
        dsm_ranges.store<std::uint32_t>(off + 4, io.nlb);
        dsm_ranges.store<std::uint64_t>(off + 8, io.slba);
        sqe.cdw[10] = 0;  // one range (0-based)
        sqe.cdw[11] = 1u << 2;  // AD: deallocate
        data = {.iova = dsm_ranges.iova(off), .size = kDsmRangeBytes, .offset = 0, .name = "ioworker dsm range"};
        xfer = kDsmRangeBytes;
    } else if (io.nlb) {
        sqe.cdw[10] = static_cast<std::uint32_t>(io.slba);
        sqe.cdw[11] = static_cast<std::uint32_t>(io.slba >> 32);
        sqe.cdw[12] = (io.nlb - 1) | std::uint32_t{args.io_flags} << 16;
        if (direction) {
            data = data_for(idx, direction);
            xfer = std::size_t{io.nlb} * lba_bytes;
        }
    }
    try {
        s.cid = queue->submit(sqe, xfer ? &data : nullptr, xfer,
                              [this, idx](const nvme::Cqe& cqe) { complete(idx, cqe); },
                              timeouts_ms[io.opcode]);
    } catch (const std::exception& e) {
        failure = e.what();
        if (result.error == kIOWorkerSuccess || result.error == kIOWorkerSlowIo)
            result.error = kIOWorkerIoCmdError;
        return false;
    }
    free_slots.pop_back();
    outstanding++;
    return true;
}

void IOWorker::Impl::complete(std::uint32_t idx, const nvme::Cqe& cqe) noexcept
{
    const std::int64_t now = core::now_ns();
    const Slot& s = slots[idx];
    const auto latency = static_cast<std::uint64_t>(now - s.submitted_ns);
    if (!args.output_percentile_latency_opcode || *args.output_percentile_latency_opcode == s.opcode)
        histogram.add(latency);
    latency_sum_ns += latency;
    latency_max_ns = std::max(latency_max_ns, latency);
    completed++;
    if (s.opcode == kOpRead) {
        result.io_count_read++;
        result.lba_count_read += s.nlb;
    } else {
        result.io_count_nonread++;
        result.lba_count_nonread += s.nlb;
        if (s.opcode == kOpWrite) {
            result.io_count_write++;
            result.lba_count_write += s.nlb;
        }
    }
    if (args.output_io_per_second)
        count_second(now);

    const bool timed_out = cqe.dw[0] == 0xffffffffu && cqe.dw[3] == 0xffffffffu;
    const std::uint16_t status = timed_out ? 0xffff : cqe.status();
    if (timed_out)
        record_error(kIOWorkerIoTimeout, s, cqe);
    else if (!cqe.ok())
        record_error(cqe.status() & 0x7ff, s, cqe);
    if (latency > args.slow_latency * 1000) {
        slow_count++;
        slowest_ns = std::max(slowest_ns, latency);
        if (result.error == kIOWorkerSuccess)
            result.error = kIOWorkerSlowIo;
    }
    if (!cmdlog.empty() && (!args.cmdlog_error_only || status != 0)) {
        IOWorkerCmdlogRecord& r = cmdlog[cmdlog_written++ % cmdlog.size()];
        r = {.slba = s.slba,
             .nlb = s.nlb,
             .opcode = s.opcode,
             .time_sent_us = static_cast<std::uint64_t>(s.submitted_ns - start_ns) / 1000,
             .time_cplt_us = static_cast<std::uint64_t>(now - start_ns) / 1000,
             .status = status};
    }
    free_slots.push_back(idx);
    outstanding--;
}

void IOWorker::Impl::record_error(int code, const Slot& s, const nvme::Cqe& cqe) noexcept
{
    if (result.error != kIOWorkerSuccess && result.error != kIOWorkerSlowIo)
        return;  // the first error stays
    result.error = code;
    nvme::Cqe probe{};
    probe.set_cid(s.cid);
    try {
        const nvme::Sqe sqe = queue->get_cmd(probe);
        std::memcpy(result.error_cmd.data(), sqe.cdw, sizeof(sqe.cdw));
    } catch (...) {
        // The command log no longer holds it: error_cmd stays zero.
    }
    std::memcpy(result.error_cpl.data(), cqe.dw, sizeof(cqe.dw));
}

// Completions after the time limit (the drain) count in the last second.
void IOWorker::Impl::count_second(std::int64_t now) noexcept
{
    close_seconds_before(std::min(now, deadline_ns - 1));
    second_count++;
}

void IOWorker::Impl::close_seconds_before(std::int64_t t) noexcept
{
    while (t >= second_end_ns) {
        io_per_second.push_back(second_count);
        second_count = 0;
        second_end_ns += kNsPerSec;
    }
}

void IOWorker::Impl::finish(std::int64_t end_ns) noexcept
{
    result.mseconds = static_cast<std::uint64_t>(end_ns - start_ns) / 1'000'000;
    result.latency_max_us = latency_max_ns / 1000;
    result.latency_average_us = completed ? latency_sum_ns / completed / 1000 : 0;
    if (args.output_io_per_second) {
        close_seconds_before(ended_by_time ? deadline_ns - 1 : end_ns);
        if (!ended_by_time || second_count)
            io_per_second.push_back(second_count);
    }
}

// ---------------------------------------------------------------- IOWorker

IOWorker::IOWorker(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
IOWorker::IOWorker(IOWorker&&) noexcept = default;
IOWorker& IOWorker::operator=(IOWorker&& other) noexcept
{
    if (this != &other) {
        IOWorker old(std::move(*this));
        impl_ = std::move(other.impl_);
    }
    return *this;
}

IOWorker::~IOWorker()
{
    if (!impl_ || !impl_->started || impl_->closed)
        return;
    try {
        close();
    } catch (...) {
        // close() warns; a destructor must not throw.
    }
}

IOWorker& IOWorker::start() &
{
    if (!impl_)
        throw UsageError("this IOWorker was moved from: use the object it was moved to");
    Impl& w = *impl_;
    if (w.started)
        throw UsageError("this IOWorker was started already: create a new one with ioworker()");
    w.started = true;
    w.result.error = w.setup();
    if (w.result.error != kIOWorkerSuccess)
        return *this;
    w.running.store(true, std::memory_order_release);
    w.thread = std::thread([&w] { w.run(); });
    return *this;
}

IOWorker IOWorker::start() &&
{
    start();
    return std::move(*this);
}

bool IOWorker::running() const { return impl_ && impl_->running.load(std::memory_order_acquire); }

IOWorkerResult IOWorker::close()
{
    if (!impl_)
        throw UsageError("this IOWorker was moved from: use the object it was moved to");
    Impl& w = *impl_;
    if (!w.started)
        throw UsageError("close() of an IOWorker that was not started: call start() first");
    if (w.closed)
        return w.result;
    w.closed = true;
    if (w.thread.joinable())
        w.thread.join();
    w.release_qpair();

    const IOWorkerArgs& a = w.args;
    if (a.output_io_per_second)
        *a.output_io_per_second = w.io_per_second;
    if (a.output_percentile_latency) {
        for (auto& [percent, value] : *a.output_percentile_latency)
            value = w.histogram.percentile(percent) / 1000.0;
        w.result.latency_distribution = w.histogram.by_microsecond(kLatencyDistributionMaxUs);
    }
    if (a.output_cmdlog_list) {
        const std::size_t n = std::min<std::uint64_t>(w.cmdlog_written, w.cmdlog.size());
        std::vector<IOWorkerCmdlogRecord> out;
        out.reserve(n);
        for (std::uint64_t i = w.cmdlog_written - n; i < w.cmdlog_written; i++)
            out.push_back(w.cmdlog[i % w.cmdlog.size()]);
        *a.output_cmdlog_list = std::move(out);
    }
    if (w.slow_count)
        warn("ioworker: " + std::to_string(w.slow_count) + " commands took longer than slow_latency (" +
             std::to_string(a.slow_latency) + " us), the slowest " +
             std::to_string(w.slowest_ns / 1000) + " us");
    if (!w.failure.empty())
        warn("ioworker: " + w.failure);
    return w.result;
}

// ------------------------------------------------------------- make_ioworker

IOWorker ioworker::make_ioworker(const NamespaceView& ns, IOWorkerArgs args)
{
    ns.ctrl->check_open();
    if (args.qdepth == 0)
        throw UsageError("ioworker: qdepth = 0: at least one command must be in flight; "
                         "nothing was started");
    const std::uint32_t mqes = nvme::cap::mqes(ns.ctrl->cap) + 1;
    if (args.qdepth + 1 > mqes)
        throw UsageError("ioworker: qdepth " + std::to_string(args.qdepth) +
                         " needs a queue of " + std::to_string(args.qdepth + 1) +
                         " entries, more than the " + std::to_string(mqes) +
                         " of CAP.MQES + 1; nothing was started");
    if (args.qprio > 3)
        throw UsageError("ioworker: qprio " + std::to_string(args.qprio) +
                         " is not a priority (0 urgent .. 3 low); nothing was started");
    if (args.cpu_id && *args.cpu_id >= std::max(1u, std::thread::hardware_concurrency()))
        throw UsageError("ioworker: cpu_id " + std::to_string(*args.cpu_id) +
                         " is not a CPU of this system (" +
                         std::to_string(std::thread::hardware_concurrency()) +
                         "); nothing was started");
    if (args.output_cmdlog_list && args.output_cmdlog_list->empty())
        throw UsageError("ioworker: output_cmdlog_list is empty: give it as many entries as "
                         "commands to keep (Python's [None] * 1000); nothing was started");
    if (args.ptype != kPtypeRandom || args.pvalue > 100) {
        std::uint8_t probe[8];  // refuses a bad ptype/pvalue now, not on the thread
        fill_pattern(probe, args.ptype, args.pvalue);
    }
    return IOWorker(std::make_unique<IOWorker::Impl>(ns, std::move(args)));
}

}  // namespace nvmetest
