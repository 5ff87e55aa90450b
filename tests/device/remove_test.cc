// SPDX-License-Identifier: GPL-2.0
// NVMETEST_REMOVE: bad input changes nothing; removal with and without the
// delayed rescan; the removed file gets ENODEV / SIGBUS and closes cleanly.
#include "support/checks.h"
#include "support/device.h"
#include "support/events.h"

#include <signal.h>
#include <thread>

namespace devtest {
namespace {

using namespace std::chrono_literals;

class RemoveTest : public DeviceTest {
protected:
    void TearDown() override {
        DeviceTest::TearDown();
        if (!path_exists(pci_dir(bdf_)))
            write_file("/sys/bus/pci/rescan", "1");
        EXPECT_EQ(bind_to_nvmetest(bdf_), "");
    }
    int remove(uint32_t flags, uint32_t delay_ms, uint32_t reserved = 0,
               uint32_t argsz = sizeof(nvmetest_remove)) {
        auto r = make_arg<nvmetest_remove>();
        r.flags = flags;
        r.delay_ms = delay_ms;
        r.reserved = reserved;
        r.argsz = argsz;
        return do_ioctl(fd_.get(), NVMETEST_REMOVE, &r);
    }
};

TEST_F(RemoveTest, BadInputRemovesNothing) {
    for (uint32_t bit = 1; bit < 32; bit++)
        EXPECT_EQ(remove(1u << bit, 0), -EINVAL) << "flag bit " << bit;
    EXPECT_EQ(remove(0, 0, 1), -EINVAL) << "reserved";
    EXPECT_EQ(remove(0, 100), -EINVAL) << "a delay without RESCAN";
    EXPECT_EQ(remove(NVMETEST_REMOVE_RESCAN, 0xffffffff), -EINVAL) << "delay_ms is bounded";
    for (uint32_t argsz : {0u, 4u, 8u, 12u})
        EXPECT_EQ(remove(0, 0, 0, argsz), -EINVAL) << "argsz " << argsz;
    EXPECT_TRUE(path_exists(pci_dir(bdf_)));
    nvmetest_info info;
    EXPECT_EQ(get_info(fd_.get(), &info), 0);
}

TEST_F(RemoveTest, RemoveWithRescanComesBackBound) {
    EventListener ev;
    ASSERT_EQ(ev.subscribe(), "");
    Mapping bar0 = Mapping::map(fd_.get(), info_.bars[0].size, NVMETEST_MMAP_BAR(0));
    ASSERT_TRUE(bar0);
    DmaBuffer buf;
    ASSERT_EQ(buf.allocate(fd_.get(), 8192), 0);
    UniqueFd efd = make_eventfd();
    ASSERT_EQ(irq_set(fd_.get(), NVMETEST_IRQ_MSIX, {efd.get()}), 0);

    ASSERT_EQ(remove(NVMETEST_REMOVE_RESCAN, 1000), 0);
    // Within the delay the function is gone and this file is dead.
    EXPECT_EQ(ioctls_not_enodev(fd_.get(), buf.handle()), "");
    ChildStatus t = touch_in_child(bar0.get());
    EXPECT_TRUE(t.signaled && t.signal == SIGBUS) << t.describe();
    auto seen = ev.collect_until(
        [&](const Event& e) { return e.event == NVMETEST_EVENT_REMOVE && e.bdf == bdf_; }, 5s);
    ASSERT_FALSE(seen.empty());
    EXPECT_EQ(seen.back().event, NVMETEST_EVENT_REMOVE) << "no REMOVE event";
    EXPECT_EQ(seen.back().pid, static_cast<uint32_t>(::getpid()));
    // DMA memory is released at removal, before the file closes.
    EXPECT_TRUE(wait_until(
        [] { return read_u64(debugfs_dir() + "/dma_bytes_total").value_or(1) == 0; }, 5s));

    // It comes back on its own, bound to nvmetest, under the same name.
    seen = ev.collect_until(
        [&](const Event& e) { return e.event == NVMETEST_EVENT_BIND && e.bdf == bdf_; }, 30s);
    ASSERT_FALSE(seen.empty());
    EXPECT_EQ(seen.back().event, NVMETEST_EVENT_BIND) << "not rebound after the rescan";
    EXPECT_EQ(bound_driver(bdf_), "nvmetest");
    ASSERT_TRUE(wait_for_node(bdf_, 20s));
    // The old file is still dead; closing it is clean.
    EXPECT_EQ(get_info(fd_.get(), &info_), -ENODEV);
    bar0.reset();
    buf.unmap();
    buf.leak();
    EXPECT_EQ(fd_.reset(), 0);
    EXPECT_EQ(device_usable(bdf_), "");
}

TEST_F(RemoveTest, RemoveWithoutRescanStaysGone) {
    Mapping bar0 = Mapping::map(fd_.get(), info_.bars[0].size, NVMETEST_MMAP_BAR(0));
    ASSERT_TRUE(bar0);
    ASSERT_EQ(remove(0, 0), 0);
    EXPECT_TRUE(wait_until([&] { return !path_exists(pci_dir(bdf_)); }, 10s));
    EXPECT_TRUE(wait_until([&] { return !path_exists(dev_path(bdf_)); }, 10s));
    EXPECT_EQ(ioctls_not_enodev(fd_.get(), 0), "");
    ChildStatus t = touch_in_child(bar0.get());
    EXPECT_TRUE(t.signaled && t.signal == SIGBUS) << t.describe();
    bar0.reset();
    EXPECT_EQ(fd_.reset(), 0);
    std::this_thread::sleep_for(1s);
    EXPECT_FALSE(path_exists(pci_dir(bdf_))) << "came back without a rescan";
    // A bus rescan finds it again; it binds when named.
    ASSERT_EQ(write_file("/sys/bus/pci/rescan", "1"), 0);
    ASSERT_EQ(bind_to_nvmetest(bdf_), "");
    EXPECT_EQ(device_usable(bdf_), "");
}

} // namespace
} // namespace devtest
