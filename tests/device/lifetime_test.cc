// SPDX-License-Identifier: GPL-2.0
// Lifetime of what an open file owns: a process killed with SIGKILL while it
// holds DMA memory (mapped), BAR mappings and armed interrupts leaves nothing
// behind; a file shared by fork() keeps its allocations until the last close.
#include "support/device.h"
#include "support/nvme.h"

#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

namespace devtest {
namespace {

using namespace std::chrono_literals;

class LifetimeTest : public ::testing::Test {
protected:
    void SetUp() override {
        bdf_ = dut_bdf();
        ASSERT_FALSE(bdf_.empty());
        ASSERT_TRUE(ensure_debugfs()) << "debugfs/nvmetest is not available";
        baseline_ = read_counters(bdf_);
        ASSERT_EQ(baseline_.dma_bytes, 0) << "another open file holds DMA memory";
        ASSERT_EQ(baseline_.dma_allocs, 0);
        ASSERT_EQ(baseline_.openers, 0) << "another file is open on the DUT";
        ASSERT_EQ(baseline_.dma_bytes_total, 0);
    }
    std::string bdf_;
    DmaCounters baseline_;
};

// What the holding child does: everything an NVMe test process would hold.
int hold_everything(const std::string& bdf) {
    int fd = ::open(dev_path(bdf).c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return 10;
    nvmetest_info info;
    if (get_info(fd, &info) != 0)
        return 11;
    // Three DMA allocations, mapped; one left unmapped.
    for (uint64_t size : {4096ull, 65536ull, 1ull << 20, 8192ull}) {
        auto a = make_arg<nvmetest_dma_alloc>();
        a.size = size;
        if (do_ioctl(fd, NVMETEST_DMA_ALLOC, &a) != 0)
            return 12;
        if (size != 8192) {
            void* p = ::mmap(nullptr, a.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
                             static_cast<off_t>(a.mmap_offset));
            if (p == MAP_FAILED)
                return 13;
            std::memset(p, 0xab, a.size);
        }
    }
    // BAR0 and the counters, mapped.
    void* bar = ::mmap(nullptr, info.bars[0].size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
                       static_cast<off_t>(NVMETEST_MMAP_BAR(0)));
    if (bar == MAP_FAILED)
        return 14;
    if (nvme::Regs(bar).read32(nvme::kVs) != 0x00010400)
        return 15;
    void* counts = ::mmap(nullptr, info.irq_counts_size, PROT_READ, MAP_SHARED, fd,
                          static_cast<off_t>(NVMETEST_MMAP_IRQ_COUNTS));
    if (counts == MAP_FAILED)
        return 16;
    // Armed interrupts: MSI-X vectors with eventfds, one triggered.
    std::vector<int> efds;
    for (int i = 0; i < 4; i++)
        efds.push_back(make_eventfd().release());
    if (irq_set(fd, NVMETEST_IRQ_MSIX, efds) != 0)
        return 17;
    if (irq_vector_op(fd, NVMETEST_IRQ_TRIGGER, 1) != 0)
        return 18;
    // A second file with its own allocation, leaked on purpose.
    int fd2 = ::open(dev_path(bdf).c_str(), O_RDWR | O_CLOEXEC);
    auto a = make_arg<nvmetest_dma_alloc>();
    a.size = 4096;
    if (fd2 < 0 || do_ioctl(fd2, NVMETEST_DMA_ALLOC, &a) != 0)
        return 19;
    return 0;
}

constexpr int64_t kHeldBytes = 4096 + 65536 + (1 << 20) + 8192 + 4096;

TEST_F(LifetimeTest, SigkillReleasesEverything) {
    std::string bdf = bdf_;
    HeldChild child([bdf] { return hold_everything(bdf); });
    ASSERT_TRUE(child.wait_ready(30s)) << "the child could not set itself up";

    DmaCounters held = read_counters(bdf_);
    EXPECT_EQ(held.dma_bytes, kHeldBytes);
    EXPECT_EQ(held.dma_allocs, 5);
    EXPECT_EQ(held.openers, 2);
    EXPECT_EQ(held.dma_bytes_total, kHeldBytes);
    EXPECT_NE(read_file(class_dir(bdf_) + "/irq_type").value_or("").find("msix"),
              std::string::npos);
    auto clients = read_file(debugfs_dir() + "/" + bdf_ + "/clients").value_or("");
    EXPECT_NE(clients.find(std::to_string(child.pid())), std::string::npos) << clients;

    ChildStatus s = child.kill_and_wait(SIGKILL);
    EXPECT_TRUE(s.signaled && s.signal == SIGKILL) << s.describe();

    // Release runs when the last reference goes: poll briefly.
    EXPECT_TRUE(wait_until([&] { return read_counters(bdf_) == baseline_; }, 5s))
        << "after SIGKILL: " << read_counters(bdf_) << ", expected " << baseline_;
    EXPECT_EQ(read_u64(class_dir(bdf_) + "/irq_vectors"), 0u);
    // Interrupts are free for the next owner.
    UniqueFd fd(::open(dev_path(bdf_).c_str(), O_RDWR | O_CLOEXEC));
    ASSERT_TRUE(fd);
    UniqueFd efd = make_eventfd();
    EXPECT_EQ(irq_set(fd.get(), NVMETEST_IRQ_MSIX, {efd.get()}), 0);
    EXPECT_EQ(irq_vector_op(fd.get(), NVMETEST_IRQ_TRIGGER, 0), 0);
    EXPECT_EQ(wait_eventfd(efd.get(), 2s), 1u);
}

// The same through an ordinary exit without closing anything.
TEST_F(LifetimeTest, ExitWithoutCleanupReleasesEverything) {
    std::string bdf = bdf_;
    ChildStatus s = run_in_child([bdf] { return hold_everything(bdf); });
    ASSERT_TRUE(s.exited) << s.describe();
    ASSERT_EQ(s.exit_code, 0);
    EXPECT_TRUE(wait_until([&] { return read_counters(bdf_) == baseline_; }, 5s))
        << read_counters(bdf_);
}

// A file shared with a child through fork(): the allocation belongs to the
// file, so the child's death frees nothing; the parent's close frees it.
TEST_F(LifetimeTest, FileSharedByForkOwnsItsMemory) {
    UniqueFd fd(::open(dev_path(bdf_).c_str(), O_RDWR | O_CLOEXEC));
    ASSERT_TRUE(fd);
    DmaBuffer buf;
    ASSERT_EQ(buf.allocate(fd.get(), 16384), 0);
    std::memset(buf.data(), 0x11, buf.size());
    int f = fd.get();
    ChildStatus s = run_in_child([f] {
        auto a = make_arg<nvmetest_dma_alloc>();
        a.size = 4096;
        return do_ioctl(f, NVMETEST_DMA_ALLOC, &a) == 0 ? 0 : 1;
    });
    ASSERT_TRUE(s.exited && s.exit_code == 0) << s.describe();
    EXPECT_EQ(read_counters(bdf_).dma_bytes, 16384 + 4096)
        << "the child's allocation is the file's";
    EXPECT_EQ(buf.data()[100], 0x11);
    buf.reset();
    fd.reset();
    EXPECT_TRUE(wait_until([&] { return read_counters(bdf_) == baseline_; }, 5s))
        << read_counters(bdf_);
}

// Many files opened and killed in a loop do not accumulate anything.
TEST_F(LifetimeTest, RepeatedKillsLeaveNothing) {
    std::string bdf = bdf_;
    for (int i = 0; i < 5; i++) {
        HeldChild child([bdf] { return hold_everything(bdf); });
        ASSERT_TRUE(child.wait_ready(30s)) << "round " << i;
        child.kill_and_wait(SIGKILL);
    }
    EXPECT_TRUE(wait_until([&] { return read_counters(bdf_) == baseline_; }, 5s))
        << read_counters(bdf_);
}

} // namespace
} // namespace devtest
