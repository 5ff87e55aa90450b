// SPDX-License-Identifier: GPL-2.0
// Lifetime of what an open file owns: a process killed with SIGKILL while it
// holds DMA memory (mapped), BAR mappings and armed interrupts leaves nothing
// behind; a file shared by fork() keeps its allocations until the last close;
// a killed owner's memory is not handed out again while the function can
// still write it.
#include "support/device.h"
#include "support/nvme.h"
#include "support/qmp.h"

#include <atomic>
#include <linux/pci_regs.h>
#include <sched.h>
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

// What the owning child does: enable the controller with the admin queues in
// its own DMA memory, ask for every SMART critical warning as an asynchronous
// event, and leave an Asynchronous Event Request outstanding. The ACQ address
// goes to the parent through *acq.
int own_controller_with_aer(const std::string& bdf, std::atomic<uint64_t>* acq) {
    int fd = ::open(dev_path(bdf).c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return 20;
    nvmetest_info info;
    if (get_info(fd, &info) != 0)
        return 21;
    void* bar = ::mmap(nullptr, info.bars[0].size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
                       static_cast<off_t>(NVMETEST_MMAP_BAR(0)));
    if (bar == MAP_FAILED)
        return 22;
    // Never destroyed: the queues stay the controller's until the kill.
    auto* aq = new nvme::AdminQueue(fd, bar);
    if (!aq->init().empty())
        return 23;
    nvme::Sqe features{};
    features.cdw0 = 0x09; // Set Features
    features.cdw10 = 0x0b; // Asynchronous Event Configuration
    features.cdw11 = 0xff; // every SMART / health critical warning
    aq->submit(features);
    auto cqe = aq->wait(10s);
    if (!cqe || cqe->sf() != 0)
        return 24;
    nvme::Sqe aer{};
    aer.cdw0 = 0x0c; // Asynchronous Event Request
    aq->submit(aer);
    acq->store(aq->regs().read64(nvme::kAcq));
    return 0;
}

// Sets the DUT's SMART critical warning through QEMU, which raises a SMART
// asynchronous event on a controller that asked for one.
void set_critical_warning(Qmp& qmp, const std::string& qdev_id, int value) {
    ASSERT_TRUE(qmp.execute("qom-set", "{\"path\":" + Json::quote("/machine/peripheral/" + qdev_id) +
                                           ",\"property\":\"smart_critical_warning\",\"value\":" +
                                           std::to_string(value) + "}"))
        << qmp.error();
}

// A killed owner leaves its controller enabled with an AER outstanding. Its
// memory must not reach the allocator while the controller can still post
// that completion: after the last close the function has been reset (the
// controller is disabled, Bus Master is on again for the next owner), and a
// SMART event raised then writes nothing into memory handed out since, not
// even into the page that was the dead owner's completion queue.
TEST_F(LifetimeTest, KilledOwnerCannotWriteFreedMemory) {
    Qmp qmp;
    ASSERT_TRUE(qmp.open()) << qmp.error();
    auto qdev = qmp_find_pci(qmp, bdf_);
    ASSERT_TRUE(qdev && !qdev->qdev_id.empty()) << "QEMU does not list " << bdf_;

    // One CPU for the child's exit (where its memory is freed) and for our
    // allocations below: the page allocator's per-CPU lists then hand the
    // dead owner's pages out again first.
    cpu_set_t old_cpus;
    ASSERT_EQ(sched_getaffinity(0, sizeof(old_cpus), &old_cpus), 0);
    cpu_set_t one_cpu;
    CPU_ZERO(&one_cpu);
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &old_cpus)) {
            CPU_SET(c, &one_cpu);
            break;
        }
    ASSERT_EQ(sched_setaffinity(0, sizeof(one_cpu), &one_cpu), 0);
    struct RestoreCpus {
        cpu_set_t cpus;
        ~RestoreCpus() { sched_setaffinity(0, sizeof(cpus), &cpus); }
    } restore{old_cpus};

    void* page = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    ASSERT_NE(page, MAP_FAILED);
    auto* acq = new (page) std::atomic<uint64_t>(0);
    std::string bdf = bdf_;
    {
        HeldChild child([bdf, acq] { return own_controller_with_aer(bdf, acq); });
        ASSERT_TRUE(child.wait_ready(30s)) << "the child could not enable the controller";
        child.kill_and_wait(SIGKILL);
    }
    const uint64_t dead_acq = acq->load();
    ::munmap(page, 4096);
    ASSERT_NE(dead_acq, 0u);
    ASSERT_TRUE(wait_until([&] { return read_counters(bdf_) == baseline_; }, 5s))
        << read_counters(bdf_);

    UniqueFd fd(::open(dev_path(bdf_).c_str(), O_RDWR | O_CLOEXEC));
    ASSERT_TRUE(fd);
    EXPECT_EQ(bar_rd(fd.get(), 0, nvme::kCsts, 4) & nvme::kCstsRdy, 0u)
        << "the dead owner's controller is still enabled";
    EXPECT_NE(cfg_rd(fd.get(), PCI_COMMAND, 2) & PCI_COMMAND_MASTER, 0u)
        << "Bus Master is off for the next owner although the function was reset";

    // Fresh memory, the dead owner's queue page among it when the allocator
    // hands it out again (without an IOMMU the iova is the physical address).
    std::vector<DmaBuffer> fresh;
    fresh.reserve(256);
    const DmaBuffer* reused = nullptr;
    for (int i = 0; i < 256 && !reused; i++) {
        fresh.emplace_back();
        ASSERT_EQ(fresh.back().allocate(fd.get(), 4096), 0);
        if (fresh.back().iova() == dead_acq)
            reused = &fresh.back();
    }
    auto written = [&] {
        for (const DmaBuffer& b : fresh)
            for (size_t i = 0; i < b.size(); i++)
                if (b.data()[i] != 0)
                    return true;
        return false;
    };
    RecordProperty("dead_owner_cq_page_reused", reused ? "yes" : "no");
    set_critical_warning(qmp, qdev->qdev_id, 1);
    // An AER completion is posted within microseconds of the event; give it
    // ample time to appear before concluding that none was posted.
    EXPECT_FALSE(wait_until(written, 2s)) << "the device wrote into memory handed out after "
                                             "its owner died"
                                          << (reused ? " (the dead owner's CQ page)" : "");
    set_critical_warning(qmp, qdev->qdev_id, 0);
    // The event stays queued in QEMU until a controller reset drops it.
    auto r = make_arg<nvmetest_reset>();
    r.method = NVMETEST_RESET_FLR;
    EXPECT_EQ(do_ioctl(fd.get(), NVMETEST_RESET, &r), 0);
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
