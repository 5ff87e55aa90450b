// SPDX-License-Identifier: BSD-3-Clause
// cpu_id pins the worker's thread: the kernel's view of the thread (its
// allowed CPUs and the CPU it last ran on, /proc/self/task/<tid>) while it
// sends I/O, for each end of the guest's CPU range.
#include <nvmetest/fixtures.h>
#include <nvmetest/ioworker.h>

#include <chrono>
#include <dirent.h>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <sys/types.h>
#include <thread>
#include <vector>

namespace {

using nvmetest::testing::Nvme0n1Test;

std::set<pid_t> threads()
{
    std::set<pid_t> tids;
    if (DIR* d = opendir("/proc/self/task")) {
        while (const dirent* e = readdir(d))
            if (e->d_name[0] != '.')
                tids.insert(static_cast<pid_t>(std::stol(e->d_name)));
        closedir(d);
    }
    return tids;
}

struct ThreadCpu {
    std::string allowed;  // Cpus_allowed_list of /proc/.../status
    int last = -1;        // field 39 (processor) of /proc/.../stat
};

// Empty allowed when the thread has gone.
ThreadCpu thread_cpu(pid_t tid)
{
    const std::string dir = "/proc/self/task/" + std::to_string(tid);
    ThreadCpu t;
    std::ifstream status(dir + "/status");
    for (std::string line; std::getline(status, line);)
        if (line.rfind("Cpus_allowed_list:", 0) == 0)
            t.allowed = line.substr(line.find_first_not_of(" \t", 18));
    std::ifstream stat(dir + "/stat");
    std::string all((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    const auto paren = all.rfind(')');
    if (paren == std::string::npos)
        return {};
    std::istringstream fields(all.substr(paren + 1));
    std::string f;
    for (int n = 3; fields >> f; n++)  // the first field after the name is field 3
        if (n == 39)
            t.last = std::stoi(f);
    return t;
}

TEST_F(Nvme0n1Test, IoWorkerCpuIdPinsItsThread)
{
    const unsigned ncpu = std::thread::hardware_concurrency();
    ASSERT_GE(ncpu, 2u) << "pinning shows only with a choice of CPUs (the harness gives 2)";
    for (const unsigned cpu : {ncpu - 1, 0u}) {
        SCOPED_TRACE("cpu_id " + std::to_string(cpu));
        const std::set<pid_t> before = threads();
        // The thread pins itself first, then waits for start_time: what is
        // sampled after start_time is the pinned thread at work.
        const double start =
            std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
                .count() +
            0.3;
        auto w = nvme0n1.ioworker({.time = 1.3, .start_time = start, .cpu_id = cpu}).start();
        std::vector<ThreadCpu> seen;
        while (w.running()) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            if (std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
                    .count() < start + 0.05)
                continue;
            for (const pid_t tid : threads())
                if (!before.count(tid))
                    if (const ThreadCpu t = thread_cpu(tid); !t.allowed.empty())
                        seen.push_back(t);
        }
        const auto r = w.close();
        EXPECT_EQ(r.error, 0);
        EXPECT_GT(r.io_count_read, 0u);
        ASSERT_GE(seen.size(), 10u) << "the worker's thread was hardly seen";
        for (const ThreadCpu& t : seen) {
            EXPECT_EQ(t.allowed, std::to_string(cpu));
            EXPECT_EQ(t.last, static_cast<int>(cpu));
        }
    }
}

}  // namespace
