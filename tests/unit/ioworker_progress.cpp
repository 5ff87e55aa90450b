// SPDX-License-Identifier: BSD-3-Clause
// IOWorker::progress()'s publication (libnvmetest/ioworker/progress_cell.h):
// a reader on another thread gets whole publications, in order, while the
// writer keeps publishing without ever waiting.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "ioworker/progress_cell.h"

namespace {

using nvmetest::IOWorkerProgress;
using nvmetest::ioworker::ProgressCell;

// Publication n: every field a different function of n, so a snapshot mixing
// two publications shows.
IOWorkerProgress nth(std::uint64_t n)
{
    return {.io_count_read = n,
            .io_count_nonread = 2 * n,
            .io_count_write = 3 * n,
            .lba_count_read = 8 * n,
            .lba_count_nonread = 16 * n,
            .lba_count_write = 24 * n,
            .mseconds = n / 7,
            .latency_sum_us = 11 * n,
            .latency_max_us = 5 * n};  // n = 0: all zero, as before the first publication
}

TEST(IoWorkerProgress, StartsAtZeroAndReadsBackWhatWasPublished)
{
    ProgressCell cell;
    EXPECT_TRUE(cell.read() == IOWorkerProgress{});
    cell.publish(nth(1234));
    const IOWorkerProgress p = cell.read();
    EXPECT_TRUE(p == nth(1234));
    EXPECT_EQ(p.io_count(), 3 * 1234u);
}

TEST(IoWorkerProgress, ConcurrentReadersSeeWholePublicationsInOrder)
{
    ProgressCell cell;
    constexpr std::uint64_t kPublications = 2'000'000;
    std::atomic<bool> done{false};
    std::thread writer([&] {
        for (std::uint64_t n = 1; n <= kPublications; n++)
            cell.publish(nth(n));
        done.store(true, std::memory_order_release);
    });
    std::uint64_t last = 0, reads = 0, torn = 0, backwards = 0;
    while (!done.load(std::memory_order_acquire)) {
        const IOWorkerProgress p = cell.read();
        torn += !(p == nth(p.io_count_read));
        backwards += p.io_count_read < last;
        last = p.io_count_read;
        reads++;
    }
    writer.join();
    EXPECT_EQ(torn, 0u) << "of " << reads << " reads";
    EXPECT_EQ(backwards, 0u) << "of " << reads << " reads";
    EXPECT_GT(reads, 100u) << "the reader hardly ran: the test proves little";
    EXPECT_EQ(cell.read().io_count_read, kPublications);
}

}  // namespace
