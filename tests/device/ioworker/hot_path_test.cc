// SPDX-License-Identifier: BSD-3-Clause
// The IOWorker's hot path allocates nothing: a run of 3000 commands makes as
// many heap allocations as a run of 100 (all of them in setup and teardown).
// Counted with a replaced global operator new, for this program only.
#include <nvmetest/fixtures.h>
#include <nvmetest/ioworker.h>

#include <atomic>
#include <cstdlib>
#include <new>

namespace {
std::atomic<std::uint64_t> g_allocations{0};
}

void* operator new(std::size_t n)
{
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(n ? n : 1))
        return p;
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace {

using nvmetest::testing::Nvme0n1Test;

// Heap allocations of a worker's run of io_count mixed commands, setup and
// teardown included.
std::uint64_t worker_allocations(nvmetest::Namespace& ns, std::uint64_t io_count)
{
    std::map<double, double> pct{{99, 0}};
    std::vector<nvmetest::IOWorkerCmdlogRecord> log(64);
    const std::uint64_t before = g_allocations.load();
    const auto r = ns.ioworker({.io_size = {1, 8, 32}, .io_count = io_count,
                                .op_percentage = {{2, 50}, {1, 40}, {9, 10}}, .qdepth = 16,
                                .output_percentile_latency = &pct, .output_cmdlog_list = &log})
                       .start()
                       .close();
    EXPECT_EQ(r.error, 0);
    EXPECT_EQ(r.io_count_read + r.io_count_nonread, io_count);
    return g_allocations.load() - before;
}

void expect_no_allocation_per_command(nvmetest::Namespace& ns)
{
    worker_allocations(ns, 100);  // first use of everything
    const std::uint64_t few = worker_allocations(ns, 100);
    const std::uint64_t many = worker_allocations(ns, 3000);
    EXPECT_GT(few, 0u);  // the counter works
    EXPECT_EQ(many, few);
}

TEST_F(Nvme0n1Test, IoWorkerAllocatesNothingPerCommand)
{
    expect_no_allocation_per_command(nvme0n1);
}

// With data verification on: locks, injection, check values and read checks.
TEST_F(Nvme0n1Test, VerifyingIoWorkerAllocatesNothingPerCommand)
{
    nvmetest::testing::Verify verify{nvme0n1};
    ASSERT_TRUE(verify);
    expect_no_allocation_per_command(nvme0n1);
}

}  // namespace
