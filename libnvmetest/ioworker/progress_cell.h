// SPDX-License-Identifier: BSD-3-Clause
//
// Internal: where an IOWorker publishes its IOWorkerProgress for readers on
// other threads (IOWorker::progress()).  A sequence lock: the one writer (the
// worker thread) never waits, takes no lock and makes no system call; a
// reader retries while a publication is under way, so every snapshot it gets
// is one whole publication, never counts of one batch with latencies of
// another.
#ifndef NVMETEST_LIB_IOWORKER_PROGRESS_CELL_H
#define NVMETEST_LIB_IOWORKER_PROGRESS_CELL_H

#include <array>
#include <atomic>
#include <cstdint>
#include <thread>

#include "nvmetest/ioworker.h"

namespace nvmetest::ioworker {

class ProgressCell {
public:
    // The worker thread only (one writer).
    void publish(const IOWorkerProgress& p) noexcept
    {
        const std::uint64_t s = seq_.load(std::memory_order_relaxed);
        seq_.store(s + 1, std::memory_order_relaxed);  // odd: being written
        std::atomic_thread_fence(std::memory_order_release);
        for (std::size_t i = 0; i < kFields.size(); i++)
            words_[i].store(p.*kFields[i], std::memory_order_relaxed);
        seq_.store(s + 2, std::memory_order_release);
    }

    // Any thread.
    IOWorkerProgress read() const noexcept
    {
        for (;;) {
            const std::uint64_t before = seq_.load(std::memory_order_acquire);
            if (!(before & 1)) {
                IOWorkerProgress p;
                for (std::size_t i = 0; i < kFields.size(); i++)
                    p.*kFields[i] = words_[i].load(std::memory_order_relaxed);
                std::atomic_thread_fence(std::memory_order_acquire);
                if (seq_.load(std::memory_order_relaxed) == before)
                    return p;
            }
            std::this_thread::yield();  // the writer is between its two stores
        }
    }

private:
    static constexpr std::array<std::uint64_t IOWorkerProgress::*, 9> kFields{
        &IOWorkerProgress::io_count_read,    &IOWorkerProgress::io_count_nonread,
        &IOWorkerProgress::io_count_write,   &IOWorkerProgress::lba_count_read,
        &IOWorkerProgress::lba_count_nonread, &IOWorkerProgress::lba_count_write,
        &IOWorkerProgress::mseconds,         &IOWorkerProgress::latency_sum_us,
        &IOWorkerProgress::latency_max_us};
    static_assert(sizeof(IOWorkerProgress) == kFields.size() * sizeof(std::uint64_t),
                  "a field of IOWorkerProgress is not published");

    std::atomic<std::uint64_t> seq_{0};
    std::array<std::atomic<std::uint64_t>, kFields.size()> words_{};
};

}  // namespace nvmetest::ioworker

#endif  // NVMETEST_LIB_IOWORKER_PROGRESS_CELL_H
