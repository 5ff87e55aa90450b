// SPDX-License-Identifier: BSD-3-Clause
// IOWorkerArgs::iops is a ceiling: no second of output_io_per_second counts
// more, even after the worker was stalled (here: its thread held in a signal
// handler for 1.5 s, as SIGSTOP of the process, a debugger or the scheduler
// would hold it).  The stall is lost time: the worker does not catch up.
#include <dirent.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <nvmetest/fixtures.h>
#include <nvmetest/ioworker.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <numeric>
#include <set>
#include <string>
#include <thread>

namespace {

using nvmetest::testing::Nvme0n1Test;

std::atomic<bool> g_hold{false};
std::atomic<bool> g_held{false};
static_assert(std::atomic<bool>::is_always_lock_free);

// Holds the thread it runs on while g_hold is set (async-signal-safe: atomics
// and nanosleep only).
void hold_here(int)
{
    g_held.store(true);
    const timespec ms{0, 1'000'000};
    while (g_hold.load())
        nanosleep(&ms, nullptr);
}

std::set<pid_t> thread_ids()
{
    std::set<pid_t> ids;
    DIR* d = opendir("/proc/self/task");
    if (!d)
        return ids;
    while (const dirent* e = readdir(d))
        if (e->d_name[0] != '.')
            ids.insert(static_cast<pid_t>(std::stol(e->d_name)));
    closedir(d);
    return ids;
}

TEST_F(Nvme0n1Test, IoWorkerIopsCeilingHoldsAfterAStall)
{
    constexpr std::uint32_t kIops = 200;
    struct sigaction sa{}, old{};
    sa.sa_handler = hold_here;
    sigemptyset(&sa.sa_mask);
    ASSERT_EQ(sigaction(SIGUSR2, &sa, &old), 0);

    std::vector<std::uint64_t> per_second;
    const std::set<pid_t> before = thread_ids();
    // Commands in flight across the stall take 1.5 s: not slow_latency's concern.
    auto w = nvme0n1.ioworker({.io_size = 8, .time = 5, .qdepth = 16, .iops = kIops,
                               .slow_latency = 10'000'000, .output_io_per_second = &per_second})
                 .start();
    std::set<pid_t> started = thread_ids();
    for (pid_t t : before)
        started.erase(t);
    ASSERT_EQ(started.size(), 1u) << "start() should make exactly the worker's thread";
    const pid_t worker = *started.begin();

    std::this_thread::sleep_for(std::chrono::milliseconds(1200));
    g_hold.store(true);
    ASSERT_EQ(syscall(SYS_tgkill, getpid(), worker, SIGUSR2), 0);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!g_held.load() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::yield();
    EXPECT_TRUE(g_held.load()) << "the worker's thread never ran the handler";
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // the stall itself
    g_hold.store(false);
    const auto r = w.close();
    sigaction(SIGUSR2, &old, nullptr);

    EXPECT_EQ(r.error, 0);
    std::string counts;
    for (std::uint64_t n : per_second)
        counts += std::to_string(n) + " ";
    std::printf("[ RATE     ] per second after a 1.5 s stall: %s\n", counts.c_str());
    ASSERT_EQ(per_second.size(), 5u);
    for (std::size_t i = 0; i < per_second.size(); i++)
        EXPECT_LE(per_second[i], kIops) << "second " << i << " of " << counts;
    // The stall is lost time: about 1.5 s of the 5 s sent nothing.
    const std::uint64_t total = std::accumulate(per_second.begin(), per_second.end(), std::uint64_t{0});
    EXPECT_EQ(total, r.io_count_read);
    EXPECT_LE(total, 5 * kIops - kIops);
    // After the stall it sends again at its rate (half of it at least: a
    // loaded host pauses the guest too, and that time is not made up).
    EXPECT_GE(per_second.back(), kIops / 2);
}

}  // namespace
