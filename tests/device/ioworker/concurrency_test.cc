// SPDX-License-Identifier: BSD-3-Clause
// Several IOWorkers at once on one namespace, each with its own thread and
// Qpair, while the test thread sends admin commands.
#include <nvmetest/fixtures.h>
#include <nvmetest/ioworker.h>

#include <set>
#include <thread>

namespace {

using nvmetest::Buffer;
using nvmetest::IOWorker;
using nvmetest::testing::Nvme0n1Test;

TEST_F(Nvme0n1Test, FourIoWorkersAndAdminCommandsMeanwhile)
{
    std::vector<IOWorker> workers;
    for (std::uint64_t i = 0; i < 4; i++)
        workers.push_back(nvme0n1.ioworker({.io_size = 8, .lba_align = 8, .time = 1.5,
                                            .read_percentage = i % 2 ? 0 : 100, .qdepth = 16,
                                            .region_start = i * 0x10000,
                                            .region_end = (i + 1) * 0x10000})
                              .start());
    Buffer smart(512);
    int admin = 0;
    while (std::any_of(workers.begin(), workers.end(), [](const IOWorker& w) { return w.running(); })) {
        nvme0.getlogpage(0x02, smart, 512).waitdone();
        admin++;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_GE(admin, 10);
    for (std::size_t i = 0; i < workers.size(); i++) {
        const auto r = workers[i].close();
        EXPECT_EQ(r.error, 0) << i;
        EXPECT_GT(r.io_count_read + r.io_count_write, 0u) << i;
        EXPECT_GE(r.mseconds, 1500u) << i;
    }
    // Each had its own submission queue.
    std::set<std::uint32_t> sqids;
    for (const auto& e : nvme0.cmdlog(0))
        if (e.sqe.opcode() == 0x01)
            sqids.insert(e.sqe.cdw[10] & 0xffff);
    EXPECT_GE(sqids.size(), 4u);
}

}  // namespace
