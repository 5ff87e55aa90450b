// SPDX-License-Identifier: BSD-3-Clause
//
// The IOWorker on the test thread: setup (DMA memory, the Qpair, registration
// with the transport), close() and the result, and make_ioworker().  Qpair
// creation and deletion use the admin queue, which this thread drives.
#include "nvmetest/ioworker.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <string>
#include <thread>

#include "ioworker/worker.h"
#include "nvmetest/errors.h"
#include "nvmetest/nvme/registers.h"
#include "nvmetest/pattern.h"
#include "nvmetest/warnings.h"

namespace nvmetest {
namespace {

std::size_t round_up(std::size_t v, std::size_t to) { return (v + to - 1) / to * to; }

}  // namespace

using ioworker::kDsmRangeBytes;

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
    if (const int err = zones_identify())
        return err;

    const unsigned depth = args.qdepth;
    slot_count = depth;
    try {
        core::Transport& t = *ns.ctrl->t;
        slot_bytes = round_up(static_cast<std::size_t>(max_bytes), ns.ctrl->page_size);
        if (slot_bytes > t.dma_max_alloc())
            throw Error("one command's " + std::to_string(slot_bytes) +
                        " bytes exceed the largest DMA allocation (" +
                        std::to_string(t.dma_max_alloc()) + " bytes)");
        pattern = t.alloc_dma(slot_bytes);
        fill_pattern(pattern.span(), args.ptype, args.pvalue);
        verify_setup();
        // Checked reads wait for their check in their slots while the next
        // commands go out in others (worker.h, deferred_checks).
        if (verify_check && plan.reads_data())
            slot_count = depth + std::min(depth, kMaxDeferredChecks);
        if (plan.reads_data() || own_write_buffers) {
            slots_per_chunk = std::max<std::size_t>(1, t.dma_max_alloc() / slot_bytes);
            for (std::size_t done = 0; done < slot_count; done += slots_per_chunk)
                read_chunks.push_back(t.alloc_dma(
                    std::min<std::size_t>(slots_per_chunk, slot_count - done) * slot_bytes));
        }
        if (plan.uses_dsm())
            dsm_ranges = t.alloc_dma(std::size_t{slot_count} * kDsmRangeBytes);
    } catch (const UsageError&) {
        throw;
    } catch (const std::exception& e) {
        warn(std::string("ioworker: allocating its DMA memory failed: ") + e.what());
        return kIOWorkerBufferAllocFail;
    }

    ns.ctrl->dbbuf_for_ioworker();  // before the queue: it starts with them
    // The CQ interrupts when the controller has vectors set up and the
    // worker may block on them when idle (idle_policy.h); it polls otherwise.
    idle_spin_us = ioworker::idle_spin_us_for(args.idle_spin_us, args.qdepth);
    IrqSet* const irqs = idle_spin_us >= 0 ? ns.ctrl->irqs : nullptr;
    try {
        qpair.emplace(ns.ctrl, depth + 1,
                      QpairOptions{.ien = irqs != nullptr, .prio = args.qprio, .lazy_doorbell = true});
    } catch (const std::exception& e) {
        warn(std::string("ioworker: creating its qpair failed: ") + e.what());
        return kIOWorkerCreateQpairFail;
    }
    qcore = &qpair->core();
    queue = qcore->q.get();
    if (const int err = zones_report())
        return err;
    try {
        idle.emplace(irqs ? irqs->eventfd(qcore->vector) : -1);
    } catch (const std::exception& e) {
        warn(std::string("ioworker: ") + e.what());
        return kIOWorkerInitFail;
    }
    qcore->driven_by_thread = true;
    ns.ctrl->t->add_driver(this, [this] { stop_and_join(); });

    slots.resize(slot_count);
    free_slots.reserve(slot_count);
    deferred_checks.reserve(slot_count);
    for (std::uint32_t i = slot_count; i > 0; i--)
        free_slots.push_back(i - 1);
    if (args.output_io_per_second)
        io_per_second.reserve(static_cast<std::size_t>(args.time) + 2 > 64
                                  ? static_cast<std::size_t>(args.time) + 2
                                  : 64);
    if (args.output_cmdlog_list)
        cmdlog.resize(args.output_cmdlog_list->size());
    if (args.output_percentile_latency)
        histogram.enable();
    return 0;
}

// The queue goes from the device, unless the controller lost it (reset,
// disabled, gone): then there is nothing to delete and asking would time out.
void IOWorker::Impl::release_qpair() noexcept
{
    if (!qpair)
        return;
    ns.ctrl->t->remove_driver(this);
    idle.reset();
    // Commands still in flight or timed out name the worker's buffers without
    // holding them: the buffers go with the queue (freed once the device
    // confirms its deletion, or kept by the controller when it does not).
    if (queue && (queue->outstanding() || queue->timed_out())) {
        struct Memory {
            DmaMemory pattern, dsm_ranges;
            std::vector<DmaMemory> read_chunks;
        };
        try {
            auto keep = std::make_shared<Memory>();
            keep->pattern = std::move(pattern);
            keep->dsm_ranges = std::move(dsm_ranges);
            keep->read_chunks = std::move(read_chunks);
            queue->keep_until_quiet(std::move(keep));
        } catch (...) {
            // Out of memory for the holder: the buffers stay with the worker.
        }
    }
    if (controller_lost && !qcore->dead) {
        std::erase(qcore->ctrl->qpairs, qcore);
        qcore->dead = true;
    }
    qpair.reset();
    qcore = nullptr;
    queue = nullptr;
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

IOWorkerProgress IOWorker::progress() const
{
    if (!impl_)
        throw UsageError("this IOWorker was moved from: use the object it was moved to");
    return impl_->progress.read();
}

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
            value = w.histogram.percentile_us(percent);
        w.result.latency_distribution = w.histogram.by_microsecond();
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
    w.verify_report();
    w.zones_report_end();
    return w.result;
}

// ------------------------------------------------------------- make_ioworker

void check_ioworker_args(const IOWorkerArgs& args)
{
    if (args.qdepth == 0)
        throw UsageError("ioworker: qdepth = 0: at least one command must be in flight; "
                         "nothing was started");
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
    // The workload's own checks, against a namespace of any size.
    ioworker::IoPlan(args, {.capacity = std::numeric_limits<std::uint64_t>::max() / 2,
                            .sector_size = 512});
}

IOWorker ioworker::make_ioworker(const NamespaceView& ns, IOWorkerArgs args)
{
    ns.ctrl->check_open();
    check_ioworker_args(args);
    const std::uint32_t mqes = nvme::cap::mqes(ns.ctrl->cap) + 1;
    if (args.qdepth + 1 > mqes)
        throw UsageError("ioworker: qdepth " + std::to_string(args.qdepth) +
                         " needs a queue of " + std::to_string(args.qdepth + 1) +
                         " entries, more than the " + std::to_string(mqes) +
                         " of CAP.MQES + 1; nothing was started");
    auto impl = std::make_unique<IOWorker::Impl>(ns, std::move(args));
    if (!impl->plan.sequential_gap().empty())
        warn("ioworker: " + impl->plan.sequential_gap());
    return IOWorker(std::move(impl));
}

}  // namespace nvmetest
