// SPDX-License-Identifier: BSD-3-Clause
//
// The IOWorker's live progress and its overrun (error -4), on the worker
// thread: what IOWorker::progress() reads, and the end of a drain that
// outlived the time limit.
#include <cstdint>
#include <cstdio>

#include "ioworker/worker.h"

namespace nvmetest {
namespace {

IOWorkerProgress snapshot(const IOWorkerResult& r, std::uint64_t mseconds, std::uint64_t latency_sum_ns,
                          std::uint64_t latency_max_ns) noexcept
{
    return {.io_count_read = r.io_count_read,
            .io_count_nonread = r.io_count_nonread,
            .io_count_write = r.io_count_write,
            .lba_count_read = r.lba_count_read,
            .lba_count_nonread = r.lba_count_nonread,
            .lba_count_write = r.lba_count_write,
            .mseconds = mseconds,
            .latency_sum_us = latency_sum_ns / 1000,
            .latency_max_us = latency_max_ns / 1000};
}

}  // namespace

void IOWorker::Impl::publish_progress(std::int64_t now) noexcept
{
    if (now - progress_published_ns < ioworker::kProgressIntervalNs)
        return;
    progress_published_ns = now;
    progress.publish(snapshot(result, static_cast<std::uint64_t>(now - start_ns) / 1'000'000,
                              latency_sum_ns, latency_max_ns));
}

// After finish() (or a failure): the snapshot equals what close() returns.
void IOWorker::Impl::publish_final_progress() noexcept
{
    progress.publish(snapshot(result, result.mseconds, latency_sum_ns, latency_max_ns));
}

// The commands still in flight stay on the queue: close() deletes it, and
// with it whatever the controller still holds (Delete I/O SQ aborts them).
void IOWorker::Impl::overran(std::int64_t now) noexcept
{
    if (result.error == kIOWorkerSuccess || result.error == kIOWorkerSlowIo)
        result.error = kIOWorkerTimeout;
    ended_by_time = true;  // issue() may not have seen the deadline with the queue full
    char text[200];
    std::snprintf(text, sizeof text,
                  "timeout (-4): %zu commands still in flight %.1f s after its time of "
                  "%g s, beyond the grace of %g s; %llu completed",
                  outstanding, static_cast<double>(now - deadline_ns) / 1e9, args.time,
                  kIOWorkerTimeoutGraceSec, static_cast<unsigned long long>(completed));
    failure = text;
}

}  // namespace nvmetest
