// SPDX-License-Identifier: BSD-3-Clause
//
// The IOWorker's own thread: the I/O loop.  It alone drives the worker's
// Qpair; per command it takes no lock, allocates nothing and makes no system
// call (the clock is the vDSO's).  Only when it has had nothing to do for its
// spin budget does it block, on its CQ's interrupt or until the next time the
// clock matters (idle_policy.h, idle_wait.h).
#include <pthread.h>
#include <sched.h>
#include <sys/prctl.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>

#include "ioworker/cpu_share.h"
#include "ioworker/idle_policy.h"
#include "ioworker/worker.h"
#include "nvmetest/errors.h"
#include "nvmetest/nvme/registers.h"

namespace nvmetest {
namespace {

constexpr std::uint8_t kOpWrite = 0x01, kOpRead = 0x02, kOpDsm = 0x09;

std::int64_t thread_cpu_ns() noexcept
{
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return std::int64_t{ts.tv_sec} * ioworker::kNsPerSec + ts.tv_nsec;
}

}  // namespace

using ioworker::kControllerCheckNs;
using ioworker::kDsmRangeBytes;
using ioworker::kNsPerSec;

void IOWorker::Impl::run() noexcept
{
    try {
        // Blocks end at their time, not up to 50 us later (the default
        // slack): the rate limit sleeps until each command's slot.
        prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
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
    verify_release_in_flight();
    publish_final_progress();
    running.store(false, std::memory_order_release);
}

void IOWorker::Impl::loop()
{
    const auto wall = std::chrono::system_clock::now().time_since_epoch();
    result.test_start_sec = std::chrono::duration_cast<std::chrono::seconds>(wall).count();
    result.test_start_nsec =
        std::chrono::duration_cast<std::chrono::nanoseconds>(wall).count() % kNsPerSec;
    // The CPU time is read inside the wall interval (after its start,
    // before its end), so that the thread's time cannot span more.
    start_ns = core::now_ns();
    const std::int64_t cpu0 = thread_cpu_ns();
    if (args.time > 0) {
        deadline_ns = start_ns + static_cast<std::int64_t>(args.time * 1e9);
        overrun_ns = deadline_ns + static_cast<std::int64_t>(kIOWorkerTimeoutGraceSec * 1e9);
    }
    second_end_ns = start_ns + kNsPerSec;
    next_issue_ns = start_ns;
    limiter = ioworker::RateLimiter(args.iops, start_ns);

    std::int64_t now = start_ns;
    std::int64_t last_progress = now, last_check = now;
    std::int64_t idle_since = now;  // the last submission or completion
    for (;;) {
        if (stop_requested.load(std::memory_order_relaxed)) {
            // Controller::reset() is waiting to disable the controller: what
            // is in flight is lost with the queue.
            controller_lost = true;
            if (result.error == kIOWorkerSuccess || result.error == kIOWorkerSlowIo)
                result.error = kIOWorkerTerminated;
            break;
        }
        if (!issuing_done) {
            const std::uint64_t before = issued;
            issue(now);
            if (issued != before)
                idle_since = now;
        }
        check_deferred();  // the batch is out: the device works meanwhile
        if (issuing_done && outstanding == 0)
            break;
        const unsigned got = outstanding ? queue->poll(static_cast<unsigned>(outstanding)) : 0;
        now = core::now_ns();
        if (now > overrun_ns) {
            overran(now);
            break;
        }
        if (got) {
            last_progress = idle_since = now;
            publish_progress(now);
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
        if (idle_back_off(now, idle_since))
            last_progress = idle_since = core::now_ns();
        now = core::now_ns();
    }
    check_deferred();  // reads that completed before a stop are checked too
    const std::int64_t cpu = thread_cpu_ns() - cpu0;
    const std::int64_t end = core::now_ns();
    finish(end);
    result.cpu_usage = ioworker::cpu_share(cpu, end - start_ns);
}

bool IOWorker::Impl::idle_back_off(std::int64_t now, std::int64_t idle_since)
{
    ioworker::IdleState st{
        .now = now,
        .idle_since = idle_since,
        .outstanding = outstanding,
        .can_issue = !issuing_done && outstanding < issue_limit() && !free_slots.empty(),
        .next_issue_ns = std::max(next_issue_ns, limiter.next_ns()),
        .deadline_ns = deadline_ns,
        .lock_pending = has_lock_pending,
        .block_in_flight = idle->has_interrupt() && idle_spin_us >= 0,
        .spin_ns = ioworker::spin_budget_ns(idle_spin_us),
    };
    if (ioworker::block_until(st) == now)
        return false;  // poll on
    // Forget the interrupts of completions reaped already, then look once
    // more: whatever completes after this look fires the vector and ends
    // the block at once (no lost wake-up).
    idle->arm();
    if (outstanding && queue->poll(static_cast<unsigned>(outstanding)))
        return true;
    st.now = core::now_ns();
    const std::int64_t until = ioworker::block_until(st);
    if (until != st.now)
        idle->block(until, outstanding != 0);
    return false;
}

bool IOWorker::Impl::controller_gone() const noexcept
{
    const std::uint32_t csts = ns.ctrl->t->reg_read32(nvme::reg::kCsts);
    return csts == 0xffffffffu || !(csts & 1u) || (csts & 2u);
}

void IOWorker::Impl::issue(std::int64_t now)
{
    const bool sequence = !args.io_sequence.empty();
    const std::size_t limit = issue_limit();
    while (outstanding < args.qdepth) {
        if (free_slots.empty() || outstanding >= limit) {
            // Slots wait for their read's check (the loop frees them next), or
            // timed-out commands retired their slots (data verification): with
            // none in flight or waiting, none will come back.
            issuing_done = outstanding == 0 && deferred_checks.empty();
            break;
        }
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
        if (now < next_issue_ns || !limiter.may_issue(now, outstanding))
            break;  // the sequence's next time or the rate limit
        ioworker::PlannedIo io;
        if (has_lock_pending) {
            io = lock_pending;
        } else if (has_zone_pending) {
            io = zone_pending;
        } else if (sequence) {
            const IoSequenceEntry& e = args.io_sequence[sequence_next];
            io = {.slba = e.slba, .nlb = ioworker::IoPlan::has_lba_range(e.opcode) ? e.nlb : 0,
                  .opcode = e.opcode};
        } else {
            io = plan.next(rng);
        }
        if (args.lba_count && io.nlb > args.lba_count - lbas_issued)
            io.nlb = static_cast<std::uint32_t>(args.lba_count - lbas_issued);
        if (!has_lock_pending && !place_in_zone(io))
            break;  // zoned: no zone takes this write now (or ever)
        if (verifier && !verify_lock(io, slots[free_slots.back()])) {
            // Another in-flight I/O holds some of its LBAs: it waits here
            // while the loop reaps, up to twice the longest command timeout
            // (a holder of this worker's own releases by its timeout).
            if (!has_lock_pending) {
                has_lock_pending = true;
                lock_pending = io;
                lock_pending_since_ns = now;
            } else if (now - lock_pending_since_ns > lock_wait_ns) {
                failure = "data verification: LBAs " + std::to_string(io.slba) + ".." +
                          std::to_string(io.slba + io.nlb - 1) +
                          " stayed locked by another in-flight I/O for " +
                          std::to_string(lock_wait_ns / 1'000'000) + " ms";
                if (result.error == kIOWorkerSuccess || result.error == kIOWorkerSlowIo)
                    result.error = kIOWorkerIoCmdError;
                issuing_done = true;
            }
            break;
        }
        has_lock_pending = false;
        if (!submit_one(io, now)) {
            issuing_done = true;
            break;
        }
        issued++;
        lbas_issued += io.nlb;
        limiter.issued(now);
        if (sequence && ++sequence_next < args.io_sequence.size())
            next_issue_ns =
                start_ns +
                static_cast<std::int64_t>(args.io_sequence[sequence_next].time_sent_us) * 1000;
    }
    queue->ring_sq_doorbell();  // one doorbell write for the batch
}

bool IOWorker::Impl::submit_one(const ioworker::PlannedIo& io, std::int64_t now)
{
    const std::uint32_t idx = free_slots.back();
    Slot& s = slots[idx];
    s.submitted_ns = now;
    s.sent_index = issued;
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
            if (direction == 1 && own_write_buffers)
                verify_prepare_write(idx);
            data = data_for(idx, direction);
            xfer = std::size_t{io.nlb} * lba_bytes;
        }
    }
    s.psdt = xfer && use_sgl() ? nvme::psdt::kSglContiguousMeta : nvme::psdt::kPrp;
    sqe.set_psdt(s.psdt);  // Queue::submit writes the SGL Data Block or the PRPs
    try {
        s.cid = queue->submit(sqe, xfer ? &data : nullptr, xfer,
                              [this, idx](const nvme::Cqe& cqe) { complete(idx, cqe); },
                              timeouts_ms[io.opcode]);
    } catch (const std::exception& e) {
        verify_complete(idx, nullptr, false);
        zone_write_done(s, false);
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
    if (histogram.enabled() &&
        (!args.output_percentile_latency_opcode || *args.output_percentile_latency_opcode == s.opcode))
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
    limiter.completed(now);
    if (args.output_io_per_second)
        count_second(now);

    const bool timed_out = cqe.dw[0] == 0xffffffffu && cqe.dw[3] == 0xffffffffu;
    const std::uint16_t status = timed_out ? 0xffff : cqe.status();
    // A successful read's check waits until the next batch is sent
    // (check_deferred()); other data verification comes first: it may know
    // the failure was the right answer.
    const bool defer = !timed_out && cqe.ok() && verify_defers(slots[idx]);
    const bool failure_expected = !defer && verify_complete(idx, &cqe, timed_out);
    if (timed_out)
        record_error(kIOWorkerIoTimeout, s, cqe);
    else if (!cqe.ok() && !failure_expected)
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
             .status = status,
             .psdt = s.psdt,
             .sent_index = s.sent_index};
    }
    zone_write_done(s, !timed_out && cqe.ok());
    // A timed-out command's data may still be DMA'd into (or from) its slot's
    // buffer: with verification, the slot is not used again.
    if (timed_out && verifier) {
        retired_slots++;
    } else if (defer) {
        Slot& d = slots[idx];
        d.deferred = true;
        d.cqe = cqe;
        d.log = queue->log_ref(d.cid);
        deferred_checks.push_back(idx);
    } else {
        free_slots.push_back(idx);
    }
    outstanding--;
}

void IOWorker::Impl::record_error(int code, const Slot& s, const nvme::Cqe& cqe) noexcept
{
    if (result.error != kIOWorkerSuccess && result.error != kIOWorkerSlowIo)
        return;  // the first error stays
    result.error = code;
    try {
        // A deferred read's cid may name a newer command by now: its own
        // log position was kept at its completion.
        const nvme::Sqe sqe = queue->get_cmd(s.deferred ? s.log : queue->log_ref(s.cid));
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

}  // namespace nvmetest
