// SPDX-License-Identifier: GPL-2.0
// Unbinding the driver with the file open, mapped and with interrupts armed:
// ioctls answer ENODEV, the BAR mapping gets SIGBUS, close is clean, the
// memory is accounted back, and a rebind gives a working device again.
#include "support/checks.h"
#include "support/device.h"
#include "support/events.h"
#include "support/nvme.h"

#include <signal.h>
#include <sys/mman.h>

namespace devtest {
namespace {

using namespace std::chrono_literals;

class UnbindTest : public DeviceTest {
protected:
    void TearDown() override {
        DeviceTest::TearDown();
        // Leave the DUT bound for whatever runs next.
        std::string err = bind_to_nvmetest(bdf_);
        EXPECT_EQ(err, "");
    }
};

TEST_F(UnbindTest, UnbindWithFileOpenThenRebind) {
    EventListener ev;
    ASSERT_EQ(ev.subscribe(), "");
    Mapping bar0 = Mapping::map(fd_.get(), info_.bars[0].size, NVMETEST_MMAP_BAR(0));
    ASSERT_TRUE(bar0);
    DmaBuffer buf;
    ASSERT_EQ(buf.allocate(fd_.get(), 65536), 0);
    UniqueFd efd = make_eventfd();
    ASSERT_EQ(irq_set(fd_.get(), NVMETEST_IRQ_MSIX, {efd.get()}), 0);
    nvme::AdminQueue aq(fd_.get(), bar0.get());
    ASSERT_EQ(aq.init(), "");
    ASSERT_EQ(touch_in_child(bar0.get()).exit_code, 0) << "the mapping works before unbind";
    uint32_t handle = buf.handle();

    // Unbind from a child, so a driver that waits for the file to close is
    // caught instead of hanging the test.
    std::string bdf = bdf_;
    ChildStatus s = run_in_child([bdf] { return -unbind_from_nvmetest(bdf); }, 20s);
    ASSERT_TRUE(s.exited) << "unbind blocked while a file was open: " << s.describe();
    ASSERT_EQ(s.exit_code, 0) << "unbind failed: " << strerror(s.exit_code);
    EXPECT_EQ(bound_driver(bdf_), "");

    auto seen = ev.collect_until(
        [&](const Event& e) { return e.event == NVMETEST_EVENT_UNBIND && e.bdf == bdf_; }, 5s);
    ASSERT_FALSE(seen.empty());
    EXPECT_EQ(seen.back().event, NVMETEST_EVENT_UNBIND) << "no UNBIND event";

    EXPECT_EQ(ioctls_not_enodev(fd_.get(), handle), "");
    ChildStatus t = touch_in_child(bar0.get());
    EXPECT_TRUE(t.signaled && t.signal == SIGBUS) << "BAR access after unbind: " << t.describe();
    errno = 0;
    Mapping again = Mapping::map(fd_.get(), 4096, NVMETEST_MMAP_BAR(0));
    EXPECT_FALSE(again) << "a new BAR mapping after unbind";
    EXPECT_EQ(errno, ENODEV);

    bar0.reset();
    buf.unmap();
    buf.leak();
    EXPECT_EQ(fd_.reset(), 0) << "close after unbind";
    EXPECT_TRUE(wait_until(
        [] { return read_u64(debugfs_dir() + "/dma_bytes_total").value_or(1) == 0; }, 5s))
        << "DMA memory still accounted after close";

    // Rebind (driver_override is still nvmetest): a BIND event and a working node.
    ASSERT_EQ(write_file("/sys/bus/pci/drivers_probe", bdf_), 0);
    seen = ev.collect_until(
        [&](const Event& e) { return e.event == NVMETEST_EVENT_BIND && e.bdf == bdf_; }, 10s);
    ASSERT_FALSE(seen.empty());
    EXPECT_EQ(seen.back().event, NVMETEST_EVENT_BIND) << "no BIND event";
    ASSERT_TRUE(wait_for_node(bdf_, 20s));
    EXPECT_EQ(device_usable(bdf_), "");
    EXPECT_EQ(read_u64(class_dir(bdf_) + "/dma_bytes"), 0u);
}

// Unbind and rebind with nothing open, several times: no leak, no stale node.
TEST_F(UnbindTest, RepeatedUnbindRebind) {
    fd_.reset();
    for (int i = 0; i < 3; i++) {
        ASSERT_EQ(unbind_from_nvmetest(bdf_), 0) << "round " << i;
        EXPECT_TRUE(wait_until([&] { return !path_exists(dev_path(bdf_)); }, 10s))
            << "the node outlived the unbind";
        ASSERT_EQ(bind_to_nvmetest(bdf_), "") << "round " << i;
    }
    EXPECT_EQ(device_usable(bdf_), "");
}

} // namespace
} // namespace devtest
