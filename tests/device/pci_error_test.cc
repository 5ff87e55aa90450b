// SPDX-License-Identifier: GPL-2.0
// PCI error recovery: an uncorrectable error injected over QMP
// (pcie_aer_inject_error) at the pcie-root-port above the DUT makes the
// guest's AER driver run recovery on the functions below the port, and
// nvmetest reports each callback as a PCI_ERROR netlink event:
//   non-fatal: DETECTED (channel normal), MMIO_ENABLED, RESUME
//   fatal:     DETECTED (channel frozen), SLOT_RESET (after the secondary bus
//              reset of the port), RESUME
// and the device is usable afterwards. (QEMU's NVMe controller has no AER
// capability of its own: errors injected into it are never signalled.)
#include "support/checks.h"
#include "support/device.h"
#include "support/events.h"
#include "support/nvme.h"
#include "support/qmp.h"

#include <climits>
#include <cstdlib>

namespace devtest {
namespace {

using namespace std::chrono_literals;

// pci_channel_state_t values (include/linux/pci.h).
constexpr uint32_t kChannelNormal = 1;
constexpr uint32_t kChannelFrozen = 2;

class PciErrorTest : public DeviceTest {
protected:
    void SetUp() override {
        DeviceTest::SetUp();
        if (HasFatalFailure())
            return;
        ASSERT_EQ(events_.subscribe(), "");
        ASSERT_TRUE(qmp_.open()) << qmp_.error();
        auto dev = qmp_find_pci(qmp_, bdf_);
        ASSERT_TRUE(dev.has_value()) << "QEMU does not list " << bdf_;
        port_id_ = dev->parent_id;
        ASSERT_FALSE(port_id_.empty()) << bdf_ << " is not behind a bridge in QEMU";
        char real[PATH_MAX];
        ASSERT_NE(::realpath((pci_dir(bdf_) + "/..").c_str(), real), nullptr);
        port_sysfs_ = real;
        bar0_ = Mapping::map(fd_.get(), info_.bars[0].size, NVMETEST_MMAP_BAR(0));
        ASSERT_TRUE(bar0_) << strerror(errno);
    }
    void TearDown() override {
        if (fd_)
            irq_set_none(fd_.get());
        bar0_.reset();
        if (revive_ && HasFailure())
            revive();
        DeviceTest::TearDown();
    }

    // After a failed fatal recovery the function may stay frozen, or with
    // its config space reset: remove it and let the module rescan it, so
    // that what runs next finds a working DUT.
    void revive() {
        auto rm = make_arg<nvmetest_remove>();
        rm.flags = NVMETEST_REMOVE_RESCAN;
        rm.delay_ms = 500;
        int r = do_ioctl(fd_.get(), NVMETEST_REMOVE, &rm);
        EXPECT_EQ(r, 0) << "removing the DUT to revive it: " << strerror(-r);
        fd_.reset();
        events_.collect_until(
            [&](const Event& e) { return e.event == NVMETEST_EVENT_BIND && e.bdf == bdf_; },
            30s);
        EXPECT_TRUE(wait_for_node(bdf_, 20s)) << "the DUT did not come back after remove+rescan";
    }

    // The kernel's count of errors of kind ("nonfatal", "fatal") the root
    // port has received.
    int64_t rootport_errors(const std::string& kind) {
        auto v = read_u64(port_sysfs_ + "/aer_rootport_total_err_" + kind);
        return v ? static_cast<int64_t>(*v) : -1;
    }

    // Injects error (QEMU's name) at the DUT's root port; fails the test
    // unless the monitor accepted it.
    void inject(const std::string& error) {
        std::string line = "pcie_aer_inject_error " + port_id_ + " " + error;
        auto r = qmp_.execute("human-monitor-command",
                              "{\"command-line\":" + Json::quote(line) + "}");
        ASSERT_TRUE(r.has_value()) << qmp_.error();
        ASSERT_TRUE(r->is_string()) << r->dump();
        EXPECT_EQ(r->str().rfind("OK id: " + port_id_ + " ", 0), 0u)
            << "the monitor refused '" << line << "': " << r->str();
    }

    // The DUT's events up to its PCI_ERROR RESUME (or timeout), then
    // whatever else arrives for it within a short window.
    std::vector<Event> recovery_events(std::chrono::milliseconds timeout) {
        auto seen = events_.collect_until(
            [&](const Event& e) {
                return e.bdf == bdf_ && e.event == NVMETEST_EVENT_PCI_ERROR &&
                       e.pci_error_step == NVMETEST_PCI_ERROR_RESUME;
            },
            timeout);
        for (auto& e : events_.collect_for(500ms))
            seen.push_back(e);
        std::vector<Event> mine;
        for (const auto& e : seen)
            if (e.bdf == bdf_)
                mine.push_back(e);
        return mine;
    }

    static std::string describe(const std::vector<Event>& evs) {
        std::string s;
        for (const auto& e : evs)
            s += "\n  " + e.describe();
        return s.empty() ? " (none)" : s;
    }

    // Exactly DETECTED(detected_state), middle_step, RESUME from the kernel.
    void expect_sequence(const std::vector<Event>& mine, uint32_t detected_state,
                         uint32_t middle_step) {
        ASSERT_EQ(mine.size(), 3u) << "events for " << bdf_ << ":" << describe(mine);
        const uint32_t steps[] = {NVMETEST_PCI_ERROR_DETECTED, middle_step,
                                  NVMETEST_PCI_ERROR_RESUME};
        for (size_t i = 0; i < 3; i++) {
            SCOPED_TRACE("event " + std::to_string(i) + ": " + mine[i].describe());
            EXPECT_EQ(mine[i].event, NVMETEST_EVENT_PCI_ERROR);
            EXPECT_EQ(mine[i].bdf, bdf_);
            EXPECT_EQ(mine[i].pci_error_step, steps[i]);
            EXPECT_EQ(mine[i].pid, 0u) << "the kernel caused it";
            if (i > 0 && mine[i - 1].timestamp_ns && mine[i].timestamp_ns) {
                EXPECT_LE(*mine[i - 1].timestamp_ns, *mine[i].timestamp_ns);
            }
        }
        EXPECT_EQ(mine[0].pci_channel_state, detected_state)
            << "channel state of the detected step";
    }

    // The device answers through the old mapping and the ioctl, and a fresh
    // admin queue runs Identify.
    // (The mapping is tried in a child first: a function that does not
    // decode would kill the test program with SIGBUS.)
    void expect_usable() {
        uint64_t vs = 0;
        EXPECT_EQ(bar_read(fd_.get(), 0, nvme::kVs, 4, &vs), 0) << "BAR_RW after recovery";
        EXPECT_EQ(vs, 0x00010400u);
        ChildStatus t = touch_in_child(bar0_.get());
        ASSERT_TRUE(t.exited && t.exit_code == 0)
            << "reading the existing mapping after recovery: " << t.describe();
        nvme::Regs regs(bar0_.get());
        EXPECT_EQ(regs.read32(nvme::kVs), 0x00010400u) << "VS through the existing mapping";
        EXPECT_EQ(device_usable(bdf_), "");
    }

    Qmp qmp_;
    EventListener events_;
    std::string port_id_;
    std::string port_sysfs_;
    Mapping bar0_;
    bool revive_ = false;
};

// Non-fatal (by the port's default severities) uncorrectable errors: the
// channel stays normal, nothing is reset, the driver is asked whether MMIO
// works and then resumed.
TEST_F(PciErrorTest, NonFatalErrorAtRootPortRunsMmioEnabledRecovery) {
    for (const char* error : {"COMP_TIME", "POISON_TLP", "UNSUP"}) {
        SCOPED_TRACE(std::string("pcie_aer_inject_error ") + port_id_ + " " + error);
        nvme::Regs regs(bar0_.get());
        ASSERT_EQ(regs.read32(nvme::kVs), 0x00010400u);
        events_.collect_for(100ms);
        int64_t before = rootport_errors("nonfatal");

        ASSERT_NO_FATAL_FAILURE(inject(error));
        auto mine = recovery_events(20s);
        EXPECT_TRUE(wait_until([&] { return rootport_errors("nonfatal") > before; }, 5s))
            << "the guest's AER driver did not count a non-fatal error at " << port_sysfs_
            << " (the injection did not reach the kernel)";
        ASSERT_NO_FATAL_FAILURE(
            expect_sequence(mine, kChannelNormal, NVMETEST_PCI_ERROR_MMIO_ENABLED));
        ASSERT_NO_FATAL_FAILURE(expect_usable());
    }
}

// A fatal error (MALF_TLP is fatal by default): the channel is frozen, the
// AER driver resets the port's secondary bus, the module restores config
// space in slot_reset and lifts the freeze at resume. The mapping, DMA
// memory and the MSI-X setup survive, as for NVMETEST_RESET.
//
// The function has been reset once before through NVMETEST_RESET (as any
// test program does): what that reset saved and restored must not be what
// slot_reset has to restore from.
TEST_F(PciErrorTest, FatalErrorAtRootPortResetsSlotAndRecovers) {
    ASSERT_TRUE(info_.reset_methods & (1u << NVMETEST_RESET_FLR));
    auto flr = make_arg<nvmetest_reset>();
    flr.method = NVMETEST_RESET_FLR;
    ASSERT_EQ(do_ioctl(fd_.get(), NVMETEST_RESET, &flr), 0);
    UniqueFd efd = make_eventfd();
    ASSERT_EQ(irq_set(fd_.get(), NVMETEST_IRQ_MSIX, {efd.get()}), 0);
    DmaBuffer keep;
    ASSERT_EQ(keep.allocate(fd_.get(), 4096), 0);
    std::memset(keep.data(), 0x3c, 4096);
    uint64_t bar0_reg = cfg_rd(fd_.get(), 0x10, 4);
    uint64_t command = cfg_rd(fd_.get(), 0x04, 2);
    uint32_t msix = find_capability(fd_.get(), 0x11);
    ASSERT_NE(msix, 0u);
    uint64_t msix_ctrl = cfg_rd(fd_.get(), msix + 2, 2);
    events_.collect_for(100ms); // RESET_BEGIN, RESET_END, IRQ_SETUP
    int64_t before = rootport_errors("fatal");

    revive_ = true;
    ASSERT_NO_FATAL_FAILURE(inject("MALF_TLP"));
    auto mine = recovery_events(15s);
    EXPECT_TRUE(wait_until([&] { return rootport_errors("fatal") > before; }, 5s))
        << "the guest's AER driver did not count a fatal error at " << port_sysfs_;
    bool recovered = !mine.empty() && mine.back().pci_error_step == NVMETEST_PCI_ERROR_RESUME;
    expect_sequence(mine, kChannelFrozen, NVMETEST_PCI_ERROR_SLOT_RESET);

    EXPECT_TRUE(recovered) << "recovery did not complete; see the guest's kernel log (AER: lines)";
    if (recovered) {
        // Config space came back after the bus reset.
        EXPECT_EQ(cfg_rd(fd_.get(), 0x10, 4), bar0_reg);
        EXPECT_EQ(cfg_rd(fd_.get(), 0x04, 2), command);
        EXPECT_EQ(cfg_rd(fd_.get(), msix + 2, 2), msix_ctrl);
        EXPECT_EQ(keep.data()[4095], 0x3c);
        ASSERT_NO_FATAL_FAILURE(expect_usable());
        // The interrupt setup still delivers.
        nvme::AdminQueue aq(fd_.get(), bar0_.get());
        ASSERT_EQ(aq.init(), "");
        drain_eventfd(efd.get());
        nvme::IdentifyController id;
        ASSERT_EQ(aq.identify_controller(&id), "");
        EXPECT_GE(wait_eventfd(efd.get(), 5s), 1u) << "MSI-X does not work after recovery";
        aq.disable();
    }
}
} // namespace
} // namespace devtest
