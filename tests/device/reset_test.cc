// SPDX-License-Identifier: GPL-2.0
// NVMETEST_RESET: FLR and hot reset really reset the controller and leave the
// device usable (config space restored, mapping faults back in, DMA memory and
// the MSI-X setup survive); link and PM resets do what the topology allows.
// Every reset is framed by RESET_BEGIN / RESET_END netlink events.
#include "support/checks.h"
#include "support/device.h"
#include "support/events.h"
#include "support/nvme.h"

#include <atomic>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace devtest {
namespace {

using namespace std::chrono_literals;

class ResetTest : public Bar0Test {
protected:
    void SetUp() override {
        Bar0Test::SetUp();
        if (HasFatalFailure())
            return;
        ASSERT_EQ(events_.subscribe(), "");
    }
    void TearDown() override {
        if (fd_)
            irq_set_none(fd_.get());
        Bar0Test::TearDown();
    }

    std::string config_header() {
        std::string s;
        for (uint32_t off = 0; off < 0x40; off += 4) {
            uint64_t v = cfg_rd(fd_.get(), off, 4);
            if (off == 0x04)
                v &= 0xffff; // status bits are not state the reset must keep
            s += std::to_string(v) + ",";
        }
        return s;
    }

    int reset(uint32_t method, uint32_t hold_ms = 0) {
        auto r = make_arg<nvmetest_reset>();
        r.method = method;
        r.hold_ms = hold_ms;
        return do_ioctl(fd_.get(), NVMETEST_RESET, &r);
    }

    // RESET_BEGIN then RESET_END for method, with result err.
    void expect_reset_events(uint32_t method, int err) {
        auto seen = events_.collect_until(
            [&](const Event& e) { return e.event == NVMETEST_EVENT_RESET_END && e.bdf == bdf_; },
            5s);
        std::vector<Event> mine;
        for (const auto& e : seen)
            if (e.bdf == bdf_ && e.event != NVMETEST_EVENT_IRQ_SETUP)
                mine.push_back(e);
        ASSERT_EQ(mine.size(), 2u) << "expected RESET_BEGIN, RESET_END";
        EXPECT_EQ(mine[0].event, NVMETEST_EVENT_RESET_BEGIN) << mine[0].describe();
        EXPECT_EQ(mine[0].reset_method, method);
        EXPECT_EQ(mine[0].pid, static_cast<uint32_t>(::getpid()));
        EXPECT_EQ(mine[1].event, NVMETEST_EVENT_RESET_END) << mine[1].describe();
        EXPECT_EQ(mine[1].reset_method, method);
        EXPECT_EQ(mine[1].error, err);
        if (mine[0].timestamp_ns && mine[1].timestamp_ns) {
            EXPECT_LE(*mine[0].timestamp_ns, *mine[1].timestamp_ns);
        }
    }

    // The full check for a method that resets the controller.
    void reset_and_check(uint32_t method, bool controller_resets) {
        ASSERT_TRUE(info_.reset_methods & (1u << method));
        // A working controller with MSI-X armed and DMA memory in use.
        UniqueFd efd = make_eventfd();
        ASSERT_EQ(irq_set(fd_.get(), NVMETEST_IRQ_MSIX, {efd.get()}), 0);
        nvme::AdminQueue aq(fd_.get(), bar0_.get());
        ASSERT_EQ(aq.init(), "");
        nvme::IdentifyController id;
        ASSERT_EQ(aq.identify_controller(&id), "");
        wait_eventfd(efd.get(), 2s);
        DmaBuffer keep;
        ASSERT_EQ(keep.allocate(fd_.get(), 4096), 0);
        std::memset(keep.data(), 0x5a, 4096);
        nvme::Regs regs(bar0_.get());
        ASSERT_EQ(regs.read32(nvme::kCsts) & nvme::kCstsRdy, 1u);
        std::string header = config_header();
        uint32_t msix = find_capability(fd_.get(), 0x11);
        uint64_t msix_ctrl = cfg_rd(fd_.get(), msix + 2, 2);
        events_.collect_for(100ms); // drop the IRQ_SETUP event

        int ret = reset(method);
        EXPECT_EQ(ret, 0) << "RESET failed: " << strerror(-ret) << "; checking the device anyway";
        ASSERT_NO_FATAL_FAILURE(expect_reset_events(method, ret));

        // Config space came back: BARs, command register, MSI-X enable.
        EXPECT_EQ(config_header(), header);
        EXPECT_EQ(cfg_rd(fd_.get(), msix + 2, 2), msix_ctrl);
        // The old mapping faults back in and shows a reset controller.
        if (controller_resets) {
            EXPECT_EQ(regs.read32(nvme::kCc), 0u) << "CC after reset";
            EXPECT_EQ(regs.read32(nvme::kCsts), 0u) << "CSTS after reset";
            // (QEMU 7.2 keeps AQA/ASQ/ACQ across a function reset: not checked.)
        }
        EXPECT_EQ(regs.read32(nvme::kVs), 0x00010400u);
        // DMA memory survived.
        EXPECT_EQ(keep.data()[4095], 0x5a);
        // Re-initialised, the controller works and its interrupt arrives.
        ASSERT_EQ(aq.init(), "");
        drain_eventfd(efd.get());
        ASSERT_EQ(aq.identify_controller(&id), "");
        EXPECT_EQ(id.vid, 0x1b36);
        EXPECT_GE(wait_eventfd(efd.get(), 5s), 1u) << "MSI-X does not work after the reset";
        aq.disable();
    }

    EventListener events_;
};

TEST_F(ResetTest, FlrLeavesDeviceUsable) {
    reset_and_check(NVMETEST_RESET_FLR, true);
}

TEST_F(ResetTest, HotResetLeavesDeviceUsable) {
    reset_and_check(NVMETEST_RESET_HOT, true);
}

// Link Disable has no effect on QEMU 7.2's link: the reset succeeds and keeps
// the device usable. QEMU's NVMe controller sets No_Soft_Reset, so D3hot->D0
// does not reset it and PM must be refused with EOPNOTSUPP (and reported so).
TEST_F(ResetTest, LinkResetAsTopologyReports) {
    if (info_.reset_methods & (1u << NVMETEST_RESET_LINK)) {
        reset_and_check(NVMETEST_RESET_LINK, false);
    } else {
        EXPECT_EQ(reset(NVMETEST_RESET_LINK), -EOPNOTSUPP);
        ADD_FAILURE() << "the DUT sits behind a pcie-root-port: LINK should be available";
    }
}

TEST_F(ResetTest, PmResetAsTopologyReports) {
    uint32_t pm_cap = find_capability(fd_.get(), 0x01);
    ASSERT_NE(pm_cap, 0u);
    bool no_soft_reset = cfg_rd(fd_.get(), pm_cap + 4, 2) & 0x8;
    EXPECT_EQ(!!(info_.reset_methods & (1u << NVMETEST_RESET_PM)), !no_soft_reset)
        << "PM reset is available exactly when No_Soft_Reset is clear";
    if (info_.reset_methods & (1u << NVMETEST_RESET_PM)) {
        reset_and_check(NVMETEST_RESET_PM, false);
    } else {
        EXPECT_EQ(reset(NVMETEST_RESET_PM), -EOPNOTSUPP);
        for (const auto& e : events_.collect_for(300ms))
            EXPECT_NE(e.event, NVMETEST_EVENT_RESET_BEGIN) << "a refused reset began";
    }
}

// hold_ms holds the function in reset that long: the link down (LINK) or
// the secondary bus reset asserted (HOT). FLR's timing is the PCI core's, so a
// hold time there is refused, and so is an absurd one.
TEST_F(ResetTest, HoldTimeIsHonoured) {
    for (uint32_t method : {NVMETEST_RESET_LINK, NVMETEST_RESET_HOT}) {
        SCOPED_TRACE("method " + std::to_string(method));
        ASSERT_TRUE(info_.reset_methods & (1u << method));
        auto start = std::chrono::steady_clock::now();
        EXPECT_EQ(reset(method, 300), 0);
        auto took = std::chrono::steady_clock::now() - start;
        EXPECT_GE(took, 300ms);
        ASSERT_NO_FATAL_FAILURE(expect_reset_events(method, 0));
        EXPECT_EQ(device_usable(bdf_), "");
    }
    EXPECT_EQ(reset(NVMETEST_RESET_FLR, 300), -EINVAL);
    EXPECT_EQ(reset(NVMETEST_RESET_LINK, 0xffffffff), -EINVAL) << "hold_ms is bounded";
    for (const auto& e : events_.collect_for(300ms))
        EXPECT_NE(e.event, NVMETEST_EVENT_RESET_BEGIN) << "a refused reset began: " << e.describe();
}

// What a child polling BAR0 shares with the parent (MAP_SHARED anonymous).
struct PollerState {
    std::atomic<uint64_t> reads;     // VS reads completed
    std::atomic<uint64_t> bad_reads; // reads whose VS was not 1.4.0
    std::atomic<uint32_t> bad_value; // the last such value
    std::atomic<int> ready;          // set after the first reads
};

// A mapping access while the reset is under way gets SIGBUS (the module zaps
// the mappings before it touches the function and refuses the fault until
// it is done); afterwards the same mapping faults back in. A child reads
// CSTS and VS through the parent's mapping in a tight loop; the function is
// held in reset long enough that the child must touch it meanwhile.
TEST_F(ResetTest, MappingAccessDuringResetGetsSigbus) {
    constexpr uint32_t kHoldMs = 800;
    std::vector<uint32_t> methods = {NVMETEST_RESET_LINK};
    if (info_.reset_methods & (1u << NVMETEST_RESET_HOT))
        methods.push_back(NVMETEST_RESET_HOT);
    ASSERT_TRUE(info_.reset_methods & (1u << NVMETEST_RESET_LINK))
        << "the DUT sits alone behind a root port: LINK should be available";
    nvme::Regs regs(bar0_.get());
    ASSERT_EQ(regs.read32(nvme::kVs), 0x00010400u);

    for (uint32_t method : methods) {
        SCOPED_TRACE("method " + std::to_string(method) + ", hold_ms " + std::to_string(kHoldMs));
        void* mem = ::mmap(nullptr, sizeof(PollerState), PROT_READ | PROT_WRITE,
                           MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        ASSERT_NE(mem, MAP_FAILED) << strerror(errno);
        Mapping shared_map(mem, sizeof(PollerState));
        auto* st = new (mem) PollerState{};

        pid_t pid = ::fork();
        ASSERT_GE(pid, 0) << strerror(errno);
        if (pid == 0) {
            ::signal(SIGBUS, SIG_DFL);
            for (;;) {
                (void)regs.read32(nvme::kCsts);
                uint32_t vs = regs.read32(nvme::kVs);
                if (vs != 0x00010400u) {
                    st->bad_value.store(vs);
                    st->bad_reads.fetch_add(1);
                }
                if (st->reads.fetch_add(1) + 1 == 1000)
                    st->ready.store(1);
            }
        }
        // Reap the child whatever happens below.
        bool reaped = false;
        int wstatus = 0;
        auto reap = [&](std::chrono::milliseconds timeout) {
            if (reaped)
                return true;
            reaped = wait_until(
                [&] { return ::waitpid(pid, &wstatus, WNOHANG) == pid; }, timeout, 5ms);
            return reaped;
        };
        struct Killer {
            pid_t pid;
            bool* reaped;
            ~Killer() {
                if (!*reaped) {
                    ::kill(pid, SIGKILL);
                    ::waitpid(pid, nullptr, 0);
                }
            }
        } killer{pid, &reaped};

        ASSERT_TRUE(wait_until([&] { return st->ready.load() != 0; }, 20s, 1ms))
            << "the child did not start reading (reads " << st->reads.load() << ")";
        uint64_t at_ready = st->reads.load();
        ASSERT_TRUE(wait_until([&] { return st->reads.load() > at_ready + 100; }, 10s, 1ms))
            << "the child is not looping";
        ASSERT_FALSE(reap(0ms)) << "the child died before the reset";
        uint64_t before = st->reads.load();
        events_.collect_for(50ms);

        int ret = reset(method, kHoldMs);
        EXPECT_EQ(ret, 0) << strerror(-ret);
        ASSERT_NO_FATAL_FAILURE(expect_reset_events(method, ret));

        bool died = reap(5s);
        uint64_t total = st->reads.load();
        ASSERT_TRUE(died) << "the child kept reading through the reset and after it ("
                          << total - before << " reads after the reset began)";
        EXPECT_TRUE(WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGBUS)
            << "child: " << (WIFSIGNALED(wstatus) ? "signal " + std::to_string(WTERMSIG(wstatus))
                                                  : "exit " + std::to_string(WEXITSTATUS(wstatus)));
        EXPECT_GE(before, 1000u) << "the child had not read before the reset";
        EXPECT_EQ(st->bad_reads.load(), 0u)
            << "the child read VS 0x" << std::hex << st->bad_value.load()
            << " through the mapping: the function was reached while resetting";

        // The parent's own mapping, zapped too, faults back in.
        EXPECT_EQ(regs.read32(nvme::kVs), 0x00010400u);
        EXPECT_EQ(touch_in_child(bar0_.get()).exited, true) << "a fresh access after the reset";
        uint64_t vs = 0;
        EXPECT_EQ(bar_read(fd_.get(), 0, nvme::kVs, 4, &vs), 0);
        EXPECT_EQ(vs, 0x00010400u);
    }
    EXPECT_EQ(device_usable(bdf_), "");
}

// What a child reading CAP shares with the parent (MAP_SHARED anonymous).
struct CapReaderState {
    std::atomic<uint64_t> reads;   // CAP reads completed
    std::atomic<uint64_t> sigbus;  // reads answered with SIGBUS
    std::atomic<uint64_t> bad;     // reads that returned something else than CAP
    std::atomic<uint32_t> bad_value;
    std::atomic<int> stop;
};

sigjmp_buf cap_reader_jmp;

void cap_reader_on_sigbus(int) {
    siglongjmp(cap_reader_jmp, 1);
}

// Reads CAP through the mapping until told to stop, surviving SIGBUS.
[[noreturn]] void cap_reader(CapReaderState* st, const volatile uint32_t* cap, uint32_t expect) {
    struct sigaction sa {};
    sa.sa_handler = cap_reader_on_sigbus;
    ::sigaction(SIGBUS, &sa, nullptr);
    while (!st->stop.load(std::memory_order_relaxed)) {
        if (sigsetjmp(cap_reader_jmp, 1)) {
            st->sigbus.fetch_add(1);
            continue;
        }
        uint32_t v = *cap;
        if (v != expect) {
            st->bad_value.store(v);
            st->bad.fetch_add(1);
        }
        st->reads.fetch_add(1);
    }
    ::_exit(0);
}

// Resets nest: a reset through sysfs (the PCI core's reset_prepare and
// reset_done) that overlaps NVMETEST_RESET must not end the BAR protection
// of the other. The sysfs reset goes first; once its RESET_PREPARE event says
// it holds the function, the module's FLR starts and waits for it. A child
// reading CAP through the mapping must see CAP or SIGBUS, never the zeros of
// a function that is being reset. The child can only slip in between the end
// of the sysfs reset and the start of the FLR; under TCG it did so in about
// one round in ten without nesting, hence the many rounds.
TEST_F(ResetTest, OverlappingResetsKeepMappingsOff) {
    constexpr int kRounds = 60;
    ASSERT_TRUE(info_.reset_methods & (1u << NVMETEST_RESET_FLR));
    const auto* cap = reinterpret_cast<const volatile uint32_t*>(bar0_.get());
    uint32_t expect = *cap;
    ASSERT_NE(expect, 0u);

    void* mem = ::mmap(nullptr, sizeof(CapReaderState), PROT_READ | PROT_WRITE,
                       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    ASSERT_NE(mem, MAP_FAILED) << strerror(errno);
    Mapping shared_map(mem, sizeof(CapReaderState));
    auto* st = new (mem) CapReaderState{};
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0) << strerror(errno);
    if (pid == 0)
        cap_reader(st, cap, expect);
    struct Stopper {
        pid_t pid;
        CapReaderState* st;
        ~Stopper() {
            st->stop.store(1);
            if (!wait_until([&] { return ::waitpid(pid, nullptr, WNOHANG) == pid; }, 5000ms, 5ms)) {
                ::kill(pid, SIGKILL);
                ::waitpid(pid, nullptr, 0);
            }
        }
    } stopper{pid, st};
    ASSERT_TRUE(wait_until([&] { return st->reads.load() > 1000; }, 20s, 1ms))
        << "the child did not start reading";

    const std::string sysfs_reset = pci_dir(bdf_) + "/reset";
    for (int round = 1; round <= kRounds; round++) {
        SCOPED_TRACE("round " + std::to_string(round));
        events_.collect_for(50ms);
        uint64_t sigbus_before = st->sigbus.load();
        std::atomic<int> sysfs_ret{1};
        std::thread external([&] { sysfs_ret = write_file(sysfs_reset, "1"); });
        auto seen = events_.collect_until(
            [&](const Event& e) {
                return e.bdf == bdf_ && e.event == NVMETEST_EVENT_PCI_ERROR &&
                       e.pci_error_step == NVMETEST_PCI_ERROR_RESET_PREPARE;
            },
            5s);
        bool prepared = !seen.empty() && seen.back().event == NVMETEST_EVENT_PCI_ERROR;
        int ret = prepared ? reset(NVMETEST_RESET_FLR) : -1;
        external.join();
        ASSERT_TRUE(prepared) << "no RESET_PREPARE event for the sysfs reset";
        EXPECT_EQ(sysfs_ret.load(), 0) << "sysfs reset: " << strerror(-sysfs_ret.load());
        EXPECT_EQ(ret, 0) << "NVMETEST_RESET: " << strerror(-ret);
        uint64_t at_end = st->reads.load();
        ASSERT_TRUE(wait_until([&] { return st->reads.load() > at_end + 100; }, 10s, 1ms))
            << "the child does not read after the resets";
        EXPECT_GT(st->sigbus.load(), sigbus_before) << "the child never touched a reset function";
        ASSERT_EQ(st->bad.load(), 0u)
            << "CAP read 0x" << std::hex << st->bad_value.load() << " through the mapping, "
            << std::dec << st->bad.load() << " times: a fault mapped BAR0 in during a reset";
    }
    EXPECT_EQ(device_usable(bdf_), "");
}

// A reset from another file while this one has the interrupts: allowed, and
// the owner's setup survives.
TEST_F(ResetTest, ResetFromAnotherFileKeepsOwnersInterrupts) {
    UniqueFd efd = make_eventfd();
    ASSERT_EQ(irq_set(fd_.get(), NVMETEST_IRQ_MSIX, {efd.get()}), 0);
    UniqueFd other(::open(dev_path(bdf_).c_str(), O_RDWR | O_CLOEXEC));
    ASSERT_TRUE(other);
    auto r = make_arg<nvmetest_reset>();
    r.method = NVMETEST_RESET_FLR;
    ASSERT_EQ(do_ioctl(other.get(), NVMETEST_RESET, &r), 0);
    ASSERT_EQ(irq_vector_op(fd_.get(), NVMETEST_IRQ_TRIGGER, 0), 0);
    EXPECT_EQ(wait_eventfd(efd.get(), 2s), 1u);
}

} // namespace
} // namespace devtest
